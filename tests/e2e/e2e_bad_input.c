/*  e2e_bad_input - bad bytes, bad files, bad flags: a reason, no harm

    Whatever arrives on the client endpoint, the broker answers with an
    error that says what was wrong and goes on serving, with nothing
    stored changed. A raw DEALER stands in for a misbehaving client, so
    every frame is exactly what the test says. A configuration file with
    mistakes stops a program before it starts, naming file and line; a
    wrong flag is exit status 2. The worker side is in e2e_bad_stream.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define BIG         (2 * 1024 * 1024)   //  An oversized frame

typedef struct {
    imh_t *harness;                 //  Broker, directory
    zsock_t *peer;                  //  Raw socket of the test, or NULL
    char *big;                      //  BIG bytes of 'x', owned
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    self->harness = imh_new ("badinput", NULL);
    self->big = (char *) malloc (BIG);
    if (!self->harness || !self->big) {
        imh_destroy (&self->harness);
        free (self->big);
        free (self);
        return -1;
    }
    memset (self->big, 'x', BIG);
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
    if (self) {
        zsock_destroy (&self->peer);
        imh_destroy (&self->harness);
        free (self->big);
    }
    free (self);
    return rc;
}

//  Encodes a fields map of up to two string pairs into frame bytes
static zframe_t *
s_body (const char *key1, const char *value1, const char *key2,
        const char *value2)
{
    im_fields_t *fields = im_fields_new ();
    if (key1)
        im_fields_set_str (fields, key1, value1);
    if (key2)
        im_fields_set_str (fields, key2, value2);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (fields, &data, &size), 0);
    zframe_t *frame = zframe_new (data, size);
    free (data);
    im_fields_destroy (&fields);
    return frame;
}

//  Builds a message of string frames, then an optional last frame
static zmsg_t *
s_msg (const char *const *strings, zframe_t *last)
{
    zmsg_t *msg = zmsg_new ();
    for (size_t index = 0; strings [index]; index++)
        zmsg_addstr (msg, strings [index]);
    if (last)
        zmsg_append (msg, &last);
    return msg;
}

//  Receives one message from the peer socket within WAIT_MS, or NULL
static zmsg_t *
s_recv (zsock_t *socket)
{
    zpoller_t *poller = zpoller_new (socket, NULL);
    zmsg_t *msg = zpoller_wait (poller, WAIT_MS) ? zmsg_recv (socket) : NULL;
    zpoller_destroy (&poller);
    return msg;
}

//  Sends msg on the raw DEALER and checks the reply: its status, that
//  its error names text, and that it echoes request_id (when not NULL)
static void
s_expect (fixture_t *self, zmsg_t *msg, int status, const char *text,
          const char *request_id)
{
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    zmsg_t *answer = s_recv (self->peer);
    assert_non_null (answer);
    im_reply_t *reply = im_reply_new (200);
    char errbuf [200] = "";
    assert_int_equal (im_reply_decode (reply, &answer, false, errbuf,
                                       sizeof errbuf), 0);
    const char *error = im_fields_str_or (reply->body, "error", "");
    if (reply->status != status || !strstr (error, text))
        fail_msg ("expected %d naming '%s', got %d '%s'", status, text,
                  reply->status, error);
    if (request_id)
        assert_string_equal (reply->request_id, request_id);
    im_reply_destroy (&reply);
}

//  Reads the projection of incident 1 as JSON text, for comparison
static char *
s_incident_text (imh_t *harness)
{
    json_t *incident = imh_ctl_json (harness, "show", "1", NULL);
    assert_non_null (incident);
    char *text = json_dumps (incident, JSON_SORT_KEYS);
    json_decref (incident);
    return text;
}

static void
test_client_garbage_gets_a_reason_and_changes_nothing (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_start_broker (h);
    assert_true (broker >= 0);
    self->peer = zsock_new_dealer (imh_client_endpoint (h));
    assert_non_null (self->peer);
    //  The raw socket speaks the protocol when it is told to
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r0", NULL },
                           s_body ("title", "Router rebooting", "reporter",
                                   "hana")), 200, "", "r0");
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    char *incident = s_incident_text (h);

    //  Truncated: each missing frame named
    s_expect (self, s_msg ((const char *[]) { "IMQ01", NULL }, NULL),
              400, "missing verb", NULL);
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", NULL }, NULL),
              400, "missing request id", NULL);
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r3", NULL },
                           NULL), 400, "missing body", "r3");
    //  Wrong signature, unknown verbs, an extra frame, a bad request id
    s_expect (self, s_msg ((const char *[]) { "IMQ02", "OPEN", "r5", NULL },
                           s_body (NULL, NULL, NULL, NULL)),
              400, "signature", NULL);
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "EXPLODE", "r6",
                                              NULL },
                           s_body (NULL, NULL, NULL, NULL)),
              400, "unknown verb 'EXPLODE'", "r6");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OFFSET", "r7", NULL },
                           s_body ("group", "sla", NULL, NULL)),
              400, "unknown verb", "r7");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "GET", "r8", "",
                                              "extra", NULL }, NULL),
              400, "unexpected frame", "r8");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "GET", "\xff\xfe",
                                              NULL },
                           s_body (NULL, NULL, NULL, NULL)),
              400, "request id", NULL);
    //  Wrong types and values, each argument named
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "ACK", "r9", NULL },
                           s_body ("incident", "1", NULL, NULL)),
              400, "'incident'", "r9");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "GET", "r10", NULL },
                           s_body ("incident", "five", NULL, NULL)),
              400, "'incident'", "r10");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r11", NULL },
                           s_body ("title", "T", "impact", "high")),
              400, "'impact'", "r11");
    //  A refusal the state machine made is the answer to a repeat too
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r11", NULL },
                           s_body ("title", "T", "impact", "high")),
              400, "'impact'", "r11");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r12", NULL },
                           s_body ("title", "No reporter", NULL, NULL)),
              400, "'reporter'", "r12");
    //  Too big, and msgpack that lies about its size
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r13", NULL },
                           zframe_new (self->big, BIG)),
              413, "1048576", "r13");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r14", NULL },
                           zframe_new ("\xdd\xff\xff\xff\xff", 5)),
              400, "body: offset 0: array declares", "r14");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r15", NULL },
                           zframe_new ("\xdf\xff\xff\xff\xff", 5)),
              400, "body: offset 0: map declares", "r15");
    s_expect (self, s_msg ((const char *[]) { "IMQ01", "OPEN", "r16", NULL },
                           zframe_new ("\x92\x01\x02", 3)),
              400, "expected a map", "r16");

    //  Nothing stored changed, and the broker still serves
    assert_true (imh_running (h, broker));
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    char *now = s_incident_text (h);
    assert_string_equal (now, incident);
    free (now);
    free (incident);
    json_t *reply = imh_ctl_json (h, "open", "--title", "Still serving",
                                  "--reporter", "hana", NULL);
    assert_non_null (reply);
    assert_int_equal (imh_json_int (reply, "seq"), (int64_t) after + 1);
    json_decref (reply);
    imh_passed (h);
}

//  Runs program with arguments and checks its exit code and that its
//  stderr holds text
static void
s_expect_exit (const char *program, const char *const *args, int status,
               const char *text)
{
    const char *argv [12] = { program };
    for (size_t index = 0; args [index] && index < 10; index++)
        argv [index + 1] = args [index];
    imh_run_t run;
    assert_int_equal (imh_run (argv, WAIT_MS, &run), 0);
    if (run.status != status || !strstr (run.err, text))
        fail_msg ("%s: exit %d, stderr lacks '%s'? stderr: %s", program,
                  run.status, text, run.err);
    imh_run_clear (&run);
}

static void
test_bad_config_and_flags_stop_programs_with_a_reason (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    char path [600], data [600], where_id [700], where_sla [700];
    snprintf (path, sizeof path, "%s/bad.yaml", imh_dir (h));
    snprintf (data, sizeof data, "%s/bad-data", imh_dir (h));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "node:\n  id: 0\n  client: nowhere\nsla:\n"
                   "  P9: {response: 1m}\n");
    fclose (file);
    snprintf (where_id, sizeof where_id, "%s:2:", path);
    snprintf (where_sla, sizeof where_sla, "%s:5:", path);

    const char *broker = imh_program_path (IMH_BROKER);
    s_expect_exit (broker, (const char *[]) { "-c", path, "-d", data, NULL },
                   2, where_id);
    s_expect_exit (broker, (const char *[]) { "-c", path, "-d", data, NULL },
                   2, where_sla);
    s_expect_exit (imh_program_path (IMH_CLASSIFIER),
                   (const char *[]) { "-c", path, NULL }, 2, where_id);
    s_expect_exit (broker, (const char *[]) { "-c", "/nonexistent/imq.yaml",
                                              NULL }, 2, "cannot read");
    s_expect_exit (broker, (const char *[]) { "--frobnicate", NULL }, 2,
                   "usage");
    s_expect_exit (broker, (const char *[]) { "-d", data, "stray", NULL }, 2,
                   "stray");
    s_expect_exit (broker, (const char *[]) { "--id", "zero", NULL }, 2,
                   "--id");
    s_expect_exit (imh_program_path (IMH_NOTIFIER),
                   (const char *[]) { "--credit", "0", NULL }, 2, "--credit");
    s_expect_exit (imh_program_path (IMH_SLA_TIMER),
                   (const char *[]) { "--frobnicate", NULL }, 2,
                   "--frobnicate");
    //  Nothing was created by the refused starts
    assert_int_equal (access (data, F_OK), -1);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_client_garbage_gets_a_reason_and_changes_nothing,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_bad_config_and_flags_stop_programs_with_a_reason,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
