/*  test_imw_notifier - the notifier role and its file channel

    Real files in a fresh temporary directory: the tests check whom
    each event notifies, that a line is written once per (event,
    recipient) however often the event is handled, and how recipients
    become file names. No query client is given, so the cache fed by
    opened and assigned events is all the role knows.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "imw_classes.h"

//  What the fake broker is and answers
typedef struct {
    char endpoint [256];                //  ipc:// endpoint it binds
    int status;                         //  Status of its GET replies
} broker_t;

typedef struct {
    char dir [128];                     //  Temp directory of this test
    im_config_t *config;                //  Defaults, sink in dir
    im_policy_t *policy;                //  Defaults, two breach recipients
    imw_notifier_t *notifier;           //  Role under test
    imw_output_t *out;                  //  What it asks to send
    im_event_t *event;                  //  Event fed to it
} fixture_t;

//  Fake broker: answers GET with the projection of an incident assigned
//  to group dba and reported by erin, or with the error status asked
static void
s_broker (zsock_t *pipe, void *args)
{
    const broker_t *broker = (const broker_t *) args;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    if (!router || zsock_bind (router, "%s", broker->endpoint)) {
        zsock_destroy (&router);
        zsock_signal (pipe, 1);
        return;
    }
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    zsock_signal (pipe, 0);
    while (zpoller_wait (poller, -1) == router) {
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        im_request_t *request = im_request_new ();
        char errbuf [256];
        zmsg_t *reply = NULL;
        if (im_request_decode (request, &msg, errbuf, sizeof errbuf) == 0
        &&  streq (request->verb, "GET") && broker->status == 200) {
            im_fields_t *body = im_fields_new ();
            im_fields_set_int (body, "id",
                               im_fields_int_or (request->body, "incident",
                                                 0));
            im_fields_set_str (body, "title", "db down");
            im_fields_set_str (body, "reporter", "erin");
            im_fields_set_str (body, "group", "dba");
            im_fields_set_str (body, "agent", "");
            reply = im_reply_encode (200, request->request_id, body, NULL,
                                     NULL);
            im_fields_destroy (&body);
        }
        else
            reply = im_reply_encode_error (broker->status, request->request_id,
                                           "no");
        zmsg_destroy (&msg);
        zmsg_prepend (reply, &identity);
        zmsg_send (&reply, router);
        im_request_destroy (&request);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    base = base ? base : "/tmp";
    assert_int_equal (zsys_dir_create ("%s", base), 0);
    snprintf (f->dir, sizeof f->dir, "%s/imw_notifier.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    f->config = (im_config_t *) calloc (1, sizeof (im_config_t));
    assert_non_null (f->config);
    im_config_default (f->config);
    //  A nested directory that does not exist yet
    snprintf (f->config->sink_dir, sizeof f->config->sink_dir,
              "%s/data/notifications", f->dir);
    f->policy = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    assert_non_null (f->policy);
    im_policy_defaults (f->policy);
    im_strlcpy (f->policy->breach_recipients [0], "oncall",
                IM_POLICY_NAME_MAX);
    im_strlcpy (f->policy->breach_recipients [1], "desk-manager",
                IM_POLICY_NAME_MAX);
    f->policy->breach_recipients_n = 2;
    f->notifier = imw_notifier_new (f->config, f->policy);
    f->out = imw_output_new ();
    f->event = im_event_new ();
    assert_non_null (f->notifier);
    assert_non_null (f->out);
    assert_non_null (f->event);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    imw_output_destroy (&f->out);
    imw_notifier_destroy (&f->notifier);
    zdir_t *dir = zdir_new (f->dir, NULL);
    if (dir)
        zdir_remove (dir, true);
    zdir_destroy (&dir);
    free (f->policy);
    free (f->config);
    free (f);
    return 0;
}

//  Sets the event's header and clears its payload and the output
static void
s_event (fixture_t *f, im_event_type_t type, uint64_t incident, uint64_t seq)
{
    f->event->type = type;
    f->event->incident = incident;
    f->event->seq = seq;
    f->event->ts_ms = 1700000000000ull + seq;
    im_fields_clear (f->event->payload);
    imw_output_clear (f->out);
}

static int
s_handle (fixture_t *f)
{
    return imw_notifier_handle (f->notifier, f->event, f->out);
}

static void
s_open (fixture_t *f, uint64_t incident, const char *reporter,
        const char *title)
{
    s_event (f, IM_EV_OPENED, incident, incident * 100);
    im_fields_set_str (f->event->payload, "reporter", reporter);
    im_fields_set_str (f->event->payload, "title", title);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 0);
}

static void
s_assign (fixture_t *f, uint64_t incident, uint64_t seq, const char *group,
          const char *agent)
{
    s_event (f, IM_EV_ASSIGNED, incident, seq);
    im_fields_set_str (f->event->payload, "group", group);
    im_fields_set_str (f->event->payload, "agent", agent);
    assert_int_equal (s_handle (f), 0);
}

//  Returns the content of the recipient's file, "" if there is none;
//  the caller frees it
static char *
s_file (fixture_t *f, const char *recipient)
{
    char name [IMW_SINK_NAME_MAX];
    imw_sink_filename (recipient, name, sizeof name);
    char path [512];
    snprintf (path, sizeof path, "%s/%s", f->config->sink_dir, name);
    FILE *file = fopen (path, "r");
    char *content = (char *) calloc (1, 65536);
    assert_non_null (content);
    if (file) {
        size_t size = fread (content, 1, 65535, file);
        content [size] = 0;
        fclose (file);
    }
    return content;
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr (text, needle); at;
         at = strstr (at + 1, needle))
        count++;
    return count;
}

static void
test_assigned_notifies_the_agent (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 3, "carol", "VPN down");
    s_assign (f, 3, 301, "network", "alice");
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "NOTIFY");
    assert_string_equal (imw_output_key (f->out, 0), "notify:alice");
    assert_int_equal (imw_output_incident (f->out, 0), 3);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "recipient"), "alice");
    assert_string_equal (im_fields_str (args, "channel"), "file");
    assert_string_equal (im_fields_str (args, "reason"), "assigned");
    assert_int_equal (im_fields_int_or (args, "about_seq", 0), 301);
    const char *target = im_fields_str (args, "target");
    assert_non_null (target);
    assert_non_null (strstr (target, "/data/notifications/alice.log"));

    char *content = s_file (f, "alice");
    assert_non_null (strstr (content, " incident=3 reason=assigned seq=301 "
                                      "recipient=\"alice\" "
                                      "title=\"VPN down\"\n"));
    assert_int_equal (s_count (content, "\n"), 1);
    free (content);
}

static void
test_assigned_without_agent_notifies_the_group (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_assign (f, 4, 401, "dba", "");
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_key (f->out, 0), "notify:group:dba");
    char *content = s_file (f, "group:dba");
    assert_int_equal (s_count (content, "seq=401 recipient=\"group:dba\""), 1);
    free (content);
    //  Nobody at all: nothing to tell
    s_assign (f, 4, 402, "", "");
    assert_int_equal (imw_output_size (f->out), 0);
}

static void
test_line_is_written_once_when_handled_twice (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 3, "carol", "VPN down");
    s_assign (f, 3, 301, "network", "alice");
    s_assign (f, 3, 301, "network", "alice");
    //  The command is still asked for: its request id makes it once
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_key (f->out, 0), "notify:alice");
    //  A fresh notifier (a restart) on the same files
    imw_notifier_destroy (&f->notifier);
    f->notifier = imw_notifier_new (f->config, f->policy);
    assert_non_null (f->notifier);
    s_assign (f, 3, 301, "network", "alice");
    s_assign (f, 3, 302, "network", "alice");

    char *content = s_file (f, "alice");
    assert_int_equal (s_count (content, "seq=301 "), 1);
    assert_int_equal (s_count (content, "seq=302 "), 1);
    assert_int_equal (s_count (content, "\n"), 2);
    free (content);
}

static void
test_breach_tells_assignee_and_breach_recipients (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 5, "carol", "disk full");
    s_assign (f, 5, 501, "storage", "");
    s_event (f, IM_EV_SLA_BREACHED, 5, 502);
    im_fields_set_str (f->event->payload, "clock", "response");
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 3);
    assert_true (imw_output_find (f->out, "notify:group:storage") >= 0);
    assert_true (imw_output_find (f->out, "notify:oncall") >= 0);
    assert_true (imw_output_find (f->out, "notify:desk-manager") >= 0);
    for (size_t index = 0; index < 3; index++)
        assert_string_equal (im_fields_str (imw_output_args (f->out, index),
                                            "reason"), "breached");
    char *content = s_file (f, "oncall");
    assert_non_null (strstr (content, "reason=breached seq=502 "));
    assert_non_null (strstr (content, "title=\"disk full\""));
    free (content);
}

static void
test_a_request_pages_nobody_out_of_business_hours (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_event (f, IM_EV_OPENED, 7, 700);
    im_fields_set_str (f->event->payload, "reporter", "dan");
    im_fields_set_str (f->event->payload, "title", "new keyboard");
    im_fields_set_str (f->event->payload, "type", "request");
    assert_int_equal (s_handle (f), 0);
    s_assign (f, 7, 701, "desk", "");
    //  Tuesday 22:13 UTC: the assignee hears of it, no page
    s_event (f, IM_EV_SLA_BREACHED, 7, 702);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_true (imw_output_find (f->out, "notify:group:desk") >= 0);
    //  Tuesday 10:00 UTC: the breach recipients are paged
    s_event (f, IM_EV_SLA_BREACHED, 7, 703);
    f->event->ts_ms = 1699956000000ull;
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 3);
    //  Made an incident: paged at any hour
    s_event (f, IM_EV_CONVERTED, 7, 704);
    im_fields_set_str (f->event->payload, "to", "incident");
    assert_int_equal (s_handle (f), 0);
    s_event (f, IM_EV_SLA_BREACHED, 7, 705);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 3);
}

static void
test_a_hierarchical_escalation_tells_management (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 8, "gil", "payroll late");
    s_event (f, IM_EV_ESCALATED, 8, 801);
    im_fields_set_str (f->event->payload, "kind", "hierarchical");
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 2);
    assert_true (imw_output_find (f->out, "notify:oncall") >= 0);
    assert_string_equal (im_fields_str (imw_output_args (f->out, 0),
                                        "reason"), "escalated");
    //  A functional one is told through its assignment
    s_event (f, IM_EV_ESCALATED, 8, 802);
    im_fields_set_str (f->event->payload, "kind", "functional");
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 0);
}

static void
test_a_major_incident_is_broadcast_and_its_commander_reminded (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 10, "ops", "payments down");
    s_event (f, IM_EV_MAJOR_DECLARED, 10, 1001);
    im_fields_set_str (f->event->payload, "commander", "carl");
    assert_int_equal (s_handle (f), 0);
    assert_true (imw_output_find (f->out, "notify:all-staff") >= 0);
    assert_true (imw_output_find (f->out, "notify:carl") >= 0);
    s_event (f, IM_EV_UPDATE_DUE, 10, 1002);
    im_fields_set_str (f->event->payload, "commander", "carl");
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (im_fields_str (imw_output_args (f->out, 0),
                                        "reason"), "update-due");
    s_event (f, IM_EV_RESOLVED, 10, 1003);
    assert_int_equal (s_handle (f), 0);
    assert_true (imw_output_find (f->out, "notify:all-staff") >= 0);
    assert_true (imw_output_find (f->out, "notify:ops") >= 0);
    char *content = s_file (f, "all-staff");
    assert_non_null (strstr (content, "reason=major-declared seq=1001 "));
    assert_non_null (strstr (content, "reason=major-resolved seq=1003 "));
    free (content);
}

static void
test_breach_tells_each_recipient_once (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_assign (f, 6, 601, "ops", "oncall");
    s_event (f, IM_EV_SLA_BREACHED, 6, 602);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 2);
    char *content = s_file (f, "oncall");
    assert_int_equal (s_count (content, "seq=602 "), 1);
    free (content);
}

static void
test_breach_of_unknown_incident_tells_breach_recipients (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_event (f, IM_EV_SLA_BREACHED, 9, 901);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 2);
    assert_true (imw_output_find (f->out, "notify:oncall") >= 0);
    assert_true (imw_output_find (f->out, "notify:desk-manager") >= 0);
}

static void
test_resolved_tells_the_reporter (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 7, "carol@example.com", "printer jam");
    s_event (f, IM_EV_RESOLVED, 7, 701);
    im_fields_set_str (f->event->payload, "code", "solved");
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_key (f->out, 0),
                         "notify:carol@example.com");
    char *content = s_file (f, "carol@example.com");
    assert_non_null (strstr (content, "reason=resolved seq=701 "));
    free (content);
}

static void
test_other_events_notify_nobody (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 8, "carol", "x");
    im_event_type_t quiet [] = { IM_EV_ACKNOWLEDGED, IM_EV_COMMENTED,
                                 IM_EV_CLASSIFIED, IM_EV_SLA_STARTED,
                                 IM_EV_SLA_STOPPED, IM_EV_NOTIFIED,
                                 IM_EV_REOPENED, IM_EV_CLOSED };
    for (size_t index = 0; index < sizeof quiet / sizeof quiet [0]; index++) {
        s_event (f, quiet [index], 8, 800 + index);
        assert_int_equal (s_handle (f), 0);
        assert_int_equal (imw_output_size (f->out), 0);
    }
}

static void
test_file_names_are_sanitised (void **state)
{
    (void) state;
    char name [IMW_SINK_NAME_MAX];
    imw_sink_filename ("alice", name, sizeof name);
    assert_string_equal (name, "alice.log");
    imw_sink_filename ("group:ops/team a", name, sizeof name);
    assert_string_equal (name, "group_ops_team_a.log");
    imw_sink_filename ("Bob.Smith-2_x@corp.example", name, sizeof name);
    assert_string_equal (name, "Bob.Smith-2_x_corp.example.log");
    imw_sink_filename ("../../etc/passwd", name, sizeof name);
    assert_null (strchr (name, '/'));
    //  A long name is cut and keeps a hash, so two stay apart
    char long_a [300], long_b [300];
    memset (long_a, 'a', sizeof long_a - 1);
    long_a [sizeof long_a - 1] = 0;
    memcpy (long_b, long_a, sizeof long_b);
    long_b [290] = 'b';
    char name_b [IMW_SINK_NAME_MAX];
    imw_sink_filename (long_a, name, sizeof name);
    imw_sink_filename (long_b, name_b, sizeof name_b);
    assert_true (strlen (name) < IMW_SINK_NAME_MAX);
    assert_string_not_equal (name, name_b);
}

static void
test_title_cannot_fake_a_written_line (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  The title of seq 301 looks like the key of seq 302
    s_open (f, 3, "carol", "x seq=302 recipient=\"alice\" \nline two");
    s_assign (f, 3, 301, "", "alice");
    s_assign (f, 3, 302, "", "alice");
    char *content = s_file (f, "alice");
    assert_int_equal (s_count (content, "\n"), 2);
    assert_non_null (strstr (content, "\\\"alice\\\" \\x0aline two"));
    free (content);
}

static void
test_partial_line_is_not_taken_as_written (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char path [512];
    snprintf (path, sizeof path, "%s/alice.log", f->config->sink_dir);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs ("2026-01-01T00:00:00.000Z incident=3 reason=assigned seq=301 "
           "recipient=\"alice\" ti", file);
    fclose (file);
    s_assign (f, 3, 301, "", "alice");
    char *content = s_file (f, "alice");
    assert_int_equal (s_count (content, "\n"), 2);
    assert_non_null (strstr (content, " ti\n"));
    free (content);
}

static void
test_unwritable_file_asks_for_a_retry (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char path [512];
    snprintf (path, sizeof path, "%s/alice.log", f->config->sink_dir);
    assert_int_equal (mkdir (path, 0755), 0);   //  A directory in its place
    s_event (f, IM_EV_ASSIGNED, 3, 301);
    im_fields_set_str (f->event->payload, "agent", "alice");
    assert_int_equal (s_handle (f), IM_EIO);
}

//  Starts a fake broker answering GET with status and gives the
//  notifier a query client on it
static zactor_t *
s_start_broker (fixture_t *f, broker_t *broker, int status,
                im_client_t **query)
{
    snprintf (broker->endpoint, sizeof broker->endpoint, "ipc://%s/client.ipc",
              f->dir);
    broker->status = status;
    zactor_t *actor = zactor_new (s_broker, broker);
    assert_non_null (actor);
    *query = im_client_new (broker->endpoint, 5000);
    assert_non_null (*query);
    assert_int_equal (imw_notifier_start (f->notifier, *query), 0);
    return actor;
}

static void
test_cache_miss_fetches_the_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    broker_t broker;
    im_client_t *query = NULL;
    zactor_t *actor = s_start_broker (f, &broker, 200, &query);

    s_event (f, IM_EV_SLA_BREACHED, 12, 1201);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 3);
    assert_true (imw_output_find (f->out, "notify:group:dba") >= 0);
    char *content = s_file (f, "group:dba");
    assert_non_null (strstr (content, "incident=12 reason=breached seq=1201 "
                                      "recipient=\"group:dba\" "
                                      "title=\"db down\""));
    free (content);
    s_event (f, IM_EV_RESOLVED, 12, 1202);
    assert_int_equal (s_handle (f), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_key (f->out, 0), "notify:erin");
    //  Assigned: the assignee is the event's, the title the projection's
    s_assign (f, 13, 1301, "dba", "bob");
    assert_string_equal (imw_output_key (f->out, 0), "notify:bob");
    content = s_file (f, "bob");
    assert_non_null (strstr (content, "title=\"db down\""));
    free (content);

    imw_notifier_start (f->notifier, NULL);
    im_client_destroy (&query);
    zactor_destroy (&actor);
}

static void
test_failed_fetch_asks_to_be_called_again (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    broker_t broker;
    im_client_t *query = NULL;
    zactor_t *actor = s_start_broker (f, &broker, 503, &query);
    s_event (f, IM_EV_RESOLVED, 12, 1202);
    assert_int_equal (s_handle (f), IM_EBUSY);
    assert_int_equal (imw_output_size (f->out), 0);
    imw_notifier_start (f->notifier, NULL);
    im_client_destroy (&query);
    zactor_destroy (&actor);

    query = im_client_new ("ipc:///nonexistent/imw_notifier.ipc", 300);
    assert_non_null (query);
    imw_notifier_start (f->notifier, query);
    assert_int_equal (s_handle (f), IM_ETIMEOUT);
    imw_notifier_start (f->notifier, NULL);
    im_client_destroy (&query);
}

#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        S_TEST (test_assigned_notifies_the_agent),
        S_TEST (test_assigned_without_agent_notifies_the_group),
        S_TEST (test_line_is_written_once_when_handled_twice),
        S_TEST (test_breach_tells_assignee_and_breach_recipients),
        S_TEST (test_a_request_pages_nobody_out_of_business_hours),
        S_TEST (test_a_hierarchical_escalation_tells_management),
        S_TEST (test_a_major_incident_is_broadcast_and_its_commander_reminded),
        S_TEST (test_breach_tells_each_recipient_once),
        S_TEST (test_breach_of_unknown_incident_tells_breach_recipients),
        S_TEST (test_resolved_tells_the_reporter),
        S_TEST (test_other_events_notify_nobody),
        S_TEST (test_file_names_are_sanitised),
        S_TEST (test_title_cannot_fake_a_written_line),
        S_TEST (test_partial_line_is_not_taken_as_written),
        S_TEST (test_unwritable_file_asks_for_a_retry),
        S_TEST (test_cache_miss_fetches_the_incident),
        S_TEST (test_failed_fetch_asks_to_be_called_again),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
