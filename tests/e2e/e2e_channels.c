/*  e2e_channels - the notifier's webhook, chat and email channels
    against real servers on loopback

    A real node (broker and the three workers) with a policy that gives
    alice a webhook, a chat hook and email. The HTTP receiver is
    tests/e2e/channel_receiver.py, which checks every webhook signature
    with Python's own HMAC and can be told to answer 500 or to hang; the
    SMTP server is Debian's aiosmtpd writing a maildir, and the messages
    it took are read back with Python's email package. Both are children
    of the harness, on free ports, stopped at teardown. Every wait polls
    against a deadline.

    What must hold: a delivery is recorded (notification.sent) only
    after the receiver answered 2xx or the SMTP server took the message;
    a 500 or a hang is never recorded and is tried again with the same
    webhook-id; a notifier SIGKILLed while the receiver holds the
    request sends again after its restart with the same webhook-id, and
    the log holds one notification.sent for it.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     30000           //  Bound on any one wait
#define PYTHON      "/usr/bin/python3"  //  Debian's, with aiosmtpd
#define SECRET      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

typedef struct {
    imh_t *harness;                 //  Node, receiver, SMTP server
    char dir [IMH_PATH_MAX];        //  The receiver's directory
    char maildir [IMH_PATH_MAX];    //  The SMTP server's maildir
    int notifier;                   //  Slot of notifier-1
} fixture_t;

//  The directory this source file is in, for the receiver script
static void
s_source_dir (char *path, size_t size)
{
    snprintf (path, size, "%s", __FILE__);
    char *slash = strrchr (path, '/');
    if (slash)
        *slash = 0;
    else
        snprintf (path, size, ".");
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_true (fputs (text, file) >= 0);
    assert_int_equal (fclose (file), 0);
}

static bool
s_exists (void *arg)
{
    return access ((const char *) arg, F_OK) == 0;
}

//  True when something accepts TCP connections on 127.0.0.1:*port
static bool
s_listening (void *arg)
{
    uint16_t port = (uint16_t) *(int *) arg;
    struct sockaddr_in address = { .sin_family = AF_INET,
                                   .sin_port = htons (port) };
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool open = connect (fd, (struct sockaddr *) &address,
                         sizeof address) == 0;
    close (fd);
    return open;
}

//  Sets the receiver's answer: "200", "500" or "hang"
static void
s_mode (fixture_t *self, const char *mode)
{
    char path [IMH_PATH_MAX + 16];
    char temp [IMH_PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/mode", self->dir);
    snprintf (temp, sizeof temp, "%s/mode.new", self->dir);
    s_write (temp, mode);
    assert_int_equal (rename (temp, path), 0);
}

//  The receiver's deliveries to path so far, as a JSON array (caller
//  decrefs); empty when none came
static json_t *
s_deliveries (fixture_t *self, const char *path)
{
    json_t *list = json_array ();
    char name [IMH_PATH_MAX + 32];
    snprintf (name, sizeof name, "%s/deliveries.jsonl", self->dir);
    char *text = imh_read_file (name);
    for (char *line = text; line && *line; ) {
        char *end = strchr (line, '\n');
        if (!end)
            break;                  //  Not complete yet
        *end = 0;
        json_t *record = json_loads (line, 0, NULL);
        if (record && streq (imh_json_str (record, "path"), path))
            json_array_append (list, record);
        json_decref (record);
        line = end + 1;
    }
    free (text);
    return list;
}

typedef struct {
    fixture_t *fixture;             //  Whose receiver
    const char *path;               //  Which hook
    size_t count;                   //  At least this many deliveries
} s_wait_t;

static bool
s_delivered (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    json_t *list = s_deliveries (wait->fixture, wait->path);
    bool done = json_array_size (list) >= wait->count;
    json_decref (list);
    return done;
}

static void
s_wait_deliveries (fixture_t *self, const char *path, size_t count)
{
    s_wait_t wait = { self, path, count };
    if (!imh_wait_for (s_delivered, &wait, WAIT_MS))
        fail_msg ("fewer than %zu deliveries to %s", count, path);
}

//  Counts notification.sent events of incident through channel about
//  event seq
static int
s_sent (fixture_t *self, uint64_t incident, const char *channel,
        uint64_t about)
{
    zlist_t *events = imh_timeline (self->harness, incident);
    assert_non_null (events);
    int count = 0;
    for (im_event_t *event = (im_event_t *) zlist_first (events); event;
         event = (im_event_t *) zlist_next (events))
        if (event->type == IM_EV_NOTIFIED
        &&  streq (im_fields_str_or (event->payload, "channel", ""), channel)
        &&  (uint64_t) im_fields_int_or (event->payload, "about_seq", 0)
            == about)
            count++;
    imh_events_destroy (&events);
    return count;
}

//  The seq of incident's last incident.assigned event
static uint64_t
s_assigned_seq (fixture_t *self, uint64_t incident)
{
    zlist_t *events = imh_timeline (self->harness, incident);
    assert_non_null (events);
    uint64_t seq = 0;
    for (im_event_t *event = (im_event_t *) zlist_first (events); event;
         event = (im_event_t *) zlist_next (events))
        if (event->type == IM_EV_ASSIGNED)
            seq = event->seq;
    imh_events_destroy (&events);
    assert_true (seq > 0);
    return seq;
}

//  Assigns incident to alice in group, once the classifier has given
//  it its priority (the notifier names it)
static void
s_assign (fixture_t *self, uint64_t incident, const char *group)
{
    assert_true (imh_wait_events (self->harness, incident,
                                  "incident.classified", NULL, NULL, 1,
                                  WAIT_MS));
    char id [24];
    snprintf (id, sizeof id, "%" PRIu64, incident);
    json_t *reply = imh_ctl_json (self->harness, "assign", id, "--group",
                                  group, "--agent", "alice", NULL);
    assert_non_null (reply);
    json_decref (reply);
}

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (self);
    //  The notifier reads the webhook's secret from its environment;
    //  the policy names it only
    setenv ("IMQ_SECRET_OPS_HOOK", SECRET, 1);
    imh_options_t options;
    imh_options_default (&options);
    self->harness = imh_new ("channels", &options);
    assert_non_null (self->harness);
    int ports [2];
    assert_int_equal (imh_free_ports (ports, 2), 0);

    snprintf (self->dir, sizeof self->dir, "%s/receiver",
              imh_dir (self->harness));
    assert_int_equal (mkdir (self->dir, 0700), 0);
    char source [IMH_PATH_MAX];
    s_source_dir (source, sizeof source);
    char script [IMH_PATH_MAX + 32];
    snprintf (script, sizeof script, "%s/channel_receiver.py", source);
    char port [16];
    snprintf (port, sizeof port, "%d", ports [0]);
    const char *receiver [] = { PYTHON, script, port, self->dir, SECRET,
                                NULL };
    assert_true (imh_start_command (self->harness, "receiver", receiver)
                 >= 0);
    char ready [IMH_PATH_MAX + 16];
    snprintf (ready, sizeof ready, "%s/ready", self->dir);
    assert_true (imh_wait_for (s_exists, ready, WAIT_MS));

    snprintf (self->maildir, sizeof self->maildir, "%s/maildir",
              imh_dir (self->harness));
    char listen [32];
    snprintf (listen, sizeof listen, "127.0.0.1:%d", ports [1]);
    const char *smtpd [] = { PYTHON, "-m", "aiosmtpd", "-n", "-l", listen,
                             "-c", "aiosmtpd.handlers.Mailbox",
                             self->maildir, NULL };
    assert_true (imh_start_command (self->harness, "smtpd", smtpd) >= 0);
    //  Listening before the notifier starts: a refused first try would
    //  be retried, and send the webhook twice
    assert_true (imh_wait_for (s_listening, &ports [1], WAIT_MS));

    //  The node's file ends with its notifier section: the channels and
    //  people go on in it, so every notifier (a restarted one too)
    //  starts with them
    FILE *file = fopen (imh_config_path (self->harness), "ab");
    assert_non_null (file);
    fprintf (file,
             "  channels:\n"
             "    - {name: ops, type: webhook, secret: ops-hook,\n"
             "       url: \"http://127.0.0.1:%d/hook\",\n"
             "       connect_timeout: 2s, timeout: 3s}\n"
             "    - {name: team, type: chat,\n"
             "       url: \"http://127.0.0.1:%d/chat\"}\n"
             "    - {name: mail, type: email, url: \"smtp://%s\",\n"
             "       from: imq@example.org, timeout: 5s}\n"
             "  people:\n"
             "    - name: alice\n"
             "      email: alice@example.org\n"
             "      high: [mail, team, ops]\n"
             "      low: [mail, team, ops]\n",
             ports [0], ports [0], listen);
    assert_int_equal (fclose (file), 0);
    assert_true (imh_start_broker (self->harness) >= 0);
    assert_int_equal (imh_start_workers (self->harness, NULL, NULL), 0);
    self->notifier = imh_slot (self->harness, "notifier-1");
    assert_true (self->notifier >= 0);
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    int rc = 0;
    if (self && self->harness && !imh_logs_clean (self->harness))
        rc = -1;
    if (self)
        imh_destroy (&self->harness);
    free (self);
    return rc;
}

//  The messages in the maildir, parsed by Python's email package: one
//  JSON object a line with subject (decoded), message_id, to and body
static json_t *
s_mail (fixture_t *self)
{
    const char *program =
        "import email, email.policy, json, os, sys\n"
        "d = os.path.join(sys.argv[1], 'new')\n"
        "out = []\n"
        "for name in sorted(os.listdir(d)):\n"
        "    with open(os.path.join(d, name), 'rb') as f:\n"
        "        m = email.message_from_binary_file(\n"
        "            f, policy=email.policy.default)\n"
        "    out.append({'subject': str(m['subject']),\n"
        "                'message_id': str(m['message-id']),\n"
        "                'to': str(m['to']), 'date': str(m['date']),\n"
        "                'type': m.get_content_type(),\n"
        "                'charset': m.get_content_charset(),\n"
        "                'body': m.get_content()})\n"
        "print(json.dumps(out))\n";
    const char *argv [] = { PYTHON, "-c", program, self->maildir, NULL };
    imh_run_t run;
    assert_int_equal (imh_run (argv, WAIT_MS, &run), 0);
    if (run.status != 0)
        fail_msg ("reading the maildir: %s", run.err);
    json_t *list = json_loads (run.out, 0, NULL);
    imh_run_clear (&run);
    assert_non_null (list);
    return list;
}

typedef struct {
    fixture_t *fixture;             //  Whose maildir
    size_t count;                   //  At least this many messages
} s_mail_wait_t;

static bool
s_mail_came (void *arg)
{
    s_mail_wait_t *wait = (s_mail_wait_t *) arg;
    char path [IMH_PATH_MAX + 8];
    snprintf (path, sizeof path, "%s/new", wait->fixture->maildir);
    DIR *dir = opendir (path);
    size_t count = 0;
    struct dirent *entry;
    while (dir && (entry = readdir (dir)))
        if (entry->d_name [0] != '.')
            count++;
    if (dir)
        closedir (dir);
    return count >= wait->count;
}

static void
test_webhook_chat_and_email_are_delivered_and_recorded (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    uint64_t id = imh_open (self->harness, "Datenbank läuft nicht", "carol",
                            1, 1);
    assert_true (id > 0);
    s_assign (self, id, "dba");
    uint64_t seq = s_assigned_seq (self, id);
    assert_true (imh_wait_events (self->harness, id, "notification.sent",
                                  "channel", "ops", 1, WAIT_MS));
    assert_true (imh_wait_events (self->harness, id, "notification.sent",
                                  "channel", "team", 1, WAIT_MS));
    assert_true (imh_wait_events (self->harness, id, "notification.sent",
                                  "channel", "mail", 1, WAIT_MS));
    assert_int_equal (s_sent (self, id, "ops", seq), 1);

    //  The webhook: signed, fresh, the schema's fields
    json_t *hooks = s_deliveries (self, "/hook");
    assert_int_equal (json_array_size (hooks), 1);
    json_t *hook = json_array_get (hooks, 0);
    assert_true (json_is_true (json_object_get (hook, "valid")));
    assert_true (json_is_true (json_object_get (hook, "fresh")));
    assert_string_equal (imh_json_str (hook, "content_type"),
                         "application/json");
    char prefix [48];
    snprintf (prefix, sizeof prefix, "imq-%" PRIu64 "-", seq);
    assert_true (strncmp (imh_json_str (hook, "id"), prefix,
                          strlen (prefix)) == 0);
    json_t *body = json_loads (imh_json_str (hook, "body"), 0, NULL);
    assert_non_null (body);
    assert_string_equal (imh_json_str (body, "type"), "incident.notification");
    json_t *data = json_object_get (body, "data");
    assert_int_equal (imh_json_int (data, "incident"), (int64_t) id);
    assert_int_equal (imh_json_int (data, "priority"), 1);
    assert_int_equal (imh_json_int (data, "about_seq"), (int64_t) seq);
    assert_string_equal (imh_json_str (data, "reason"), "assigned");
    assert_string_equal (imh_json_str (data, "recipient"), "alice");
    assert_string_equal (imh_json_str (data, "title"),
                         "Datenbank läuft nicht");
    json_decref (body);
    char webhook_id [64];
    snprintf (webhook_id, sizeof webhook_id, "%s", imh_json_str (hook, "id"));
    json_decref (hooks);

    //  The chat hook: {"text": one readable line}
    json_t *chats = s_deliveries (self, "/chat");
    assert_int_equal (json_array_size (chats), 1);
    body = json_loads (imh_json_str (json_array_get (chats, 0), "body"), 0,
                       NULL);
    assert_non_null (body);
    char expected [160];
    snprintf (expected, sizeof expected, "[imq] P1 #%" PRIu64 " Datenbank "
              "läuft nicht \xe2\x80\x94 assigned (for alice)", id);
    assert_string_equal (imh_json_str (body, "text"), expected);
    json_decref (body);
    json_decref (chats);

    //  The mail, as a mail client reads it
    s_mail_wait_t wait = { self, 1 };
    assert_true (imh_wait_for (s_mail_came, &wait, WAIT_MS));
    json_t *mails = s_mail (self);
    assert_int_equal (json_array_size (mails), 1);
    json_t *mail = json_array_get (mails, 0);
    snprintf (expected, sizeof expected, "[imq] P1 #%" PRIu64 " Datenbank "
              "läuft nicht \xe2\x80\x94 assigned", id);
    assert_string_equal (imh_json_str (mail, "subject"), expected);
    char message_id [96];
    snprintf (message_id, sizeof message_id, "<%s@imq>", webhook_id);
    //  One delivery id per channel: the mail's is its own
    assert_true (strncmp (imh_json_str (mail, "message_id"), "<imq-", 5)
                 == 0);
    assert_string_not_equal (imh_json_str (mail, "message_id"), message_id);
    assert_string_equal (imh_json_str (mail, "to"), "alice@example.org");
    assert_string_equal (imh_json_str (mail, "type"), "text/plain");
    assert_string_equal (imh_json_str (mail, "charset"), "utf-8");
    assert_non_null (strstr (imh_json_str (mail, "body"),
                             "Title:          Datenbank läuft nicht"));
    assert_non_null (strstr (imh_json_str (mail, "body"),
                             "What happened:  assigned"));
    json_decref (mails);
    imh_passed (self->harness);
}

//  Every delivery to path has the same webhook-id and a valid signature;
//  returns how many there are
static size_t
s_same_id (fixture_t *self, const char *path, size_t from)
{
    json_t *hooks = s_deliveries (self, path);
    size_t count = json_array_size (hooks);
    assert_true (count > from);
    const char *first = imh_json_str (json_array_get (hooks, from), "id");
    for (size_t index = from; index < count; index++) {
        json_t *hook = json_array_get (hooks, index);
        assert_string_equal (imh_json_str (hook, "id"), first);
        assert_true (json_is_true (json_object_get (hook, "valid")));
    }
    json_decref (hooks);
    return count - from;
}

//  Every message in the maildir has the same Message-ID; returns how
//  many there are
static size_t
s_same_message_id (fixture_t *self)
{
    json_t *mails = s_mail (self);
    size_t count = json_array_size (mails);
    assert_true (count > 0);
    const char *first = imh_json_str (json_array_get (mails, 0),
                                      "message_id");
    assert_true (strncmp (first, "<imq-", 5) == 0);
    for (size_t index = 1; index < count; index++)
        assert_string_equal (imh_json_str (json_array_get (mails, index),
                                           "message_id"), first);
    json_decref (mails);
    return count;
}

static void
test_a_500_or_a_hang_is_not_sent_and_is_retried (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    uint64_t id = imh_open (self->harness, "disk full", "carol", 1, 1);
    assert_true (id > 0);
    s_mode (self, "500");
    s_assign (self, id, "ops");
    uint64_t seq = s_assigned_seq (self, id);
    //  Refused twice: tried again, recorded never
    s_wait_deliveries (self, "/hook", 2);
    assert_int_equal (s_sent (self, id, "ops", seq), 0);
    assert_true (imh_log_lines (self->harness, "notifier-1",
                                "not delivered: HTTP 500") >= 2);
    //  Hanging: the notifier gives up after its 3 s and does not record
    json_t *hooks = s_deliveries (self, "/hook");
    size_t before = json_array_size (hooks);
    json_decref (hooks);
    s_mode (self, "hang");
    s_wait_deliveries (self, "/hook", before + 2);
    assert_int_equal (s_sent (self, id, "ops", seq), 0);
    assert_true (imh_log_lines (self->harness, "notifier-1",
                                "timed out") >= 1);
    //  The receiver comes back: one record, every try the same id
    s_mode (self, "200");
    assert_true (imh_wait_events (self->harness, id, "notification.sent",
                                  "channel", "ops", 1, WAIT_MS));
    assert_int_equal (s_sent (self, id, "ops", seq), 1);
    assert_true (s_same_id (self, "/hook", 0) >= 4);
    //  The mail went out on every try, each copy with one Message-ID
    //  (a receiver drops the copies); the log records it once
    assert_true (s_same_message_id (self) >= 4);
    assert_int_equal (s_sent (self, id, "mail", seq), 1);
    imh_passed (self->harness);
}

static void
test_a_notifier_killed_before_recording_sends_the_same_id_again (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    uint64_t id = imh_open (self->harness, "vpn flapping", "carol", 1, 1);
    assert_true (id > 0);
    //  The receiver takes the request and holds the answer: the
    //  notifier has sent and cannot have recorded when it is killed
    s_mode (self, "hang");
    s_assign (self, id, "netops");
    uint64_t seq = s_assigned_seq (self, id);
    s_wait_deliveries (self, "/hook", 1);
    assert_int_equal (imh_kill (self->harness, self->notifier), 0);
    assert_int_equal (s_sent (self, id, "ops", seq), 0);
    s_mode (self, "200");
    assert_int_equal (imh_restart (self->harness, self->notifier), 0);
    assert_true (imh_wait_events (self->harness, id, "notification.sent",
                                  "channel", "ops", 1, WAIT_MS));
    //  Two deliveries, one id, one record
    assert_true (s_same_id (self, "/hook", 0) >= 2);
    assert_int_equal (s_sent (self, id, "ops", seq), 1);
    //  The mail went before the webhook, before the kill and after the
    //  restart: two copies, one Message-ID, one record
    assert_true (s_same_message_id (self) >= 2);
    assert_int_equal (s_sent (self, id, "mail", seq), 1);
    imh_passed (self->harness);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_webhook_chat_and_email_are_delivered_and_recorded,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_500_or_a_hang_is_not_sent_and_is_retried,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_notifier_killed_before_recording_sends_the_same_id_again,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
