/*  e2e_events - the log exported and tailed, and the configuration's own

    A real broker with CURVE and HTTP. imqctl events reads any range of
    the log a page at a time: an export of more events than three pages
    holds every seq once, in order, as NDJSON and as CSV; a bound by seq
    or by time holds what it says. imqctl events --follow, started as a
    process of its own, prints an event committed after it started and
    ends with 0 on SIGINT. timeline 0 and GET /v1/config/timeline list
    the events of no incident without a token's hash. A reporter is
    refused the log; bad ranges are refused with a reason.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     30000           //  Bound on any one wait
#define CALL_MS     3000            //  One call's deadline
#define OPENS       2500            //  Incidents opened for the export

//  The seqs of NDJSON text, in the order given, into seqs (count at most
//  max); lines that are not JSON objects (stderr's) are skipped
static size_t
s_ndjson_seqs (const char *text, int64_t *seqs, size_t max)
{
    size_t count = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr (line, '\n');
        size_t length = end ? (size_t) (end - line) : strlen (line);
        if (*line == '{') {
            json_error_t error;
            json_t *json = json_loadb (line, length, 0, &error);
            if (!json)
                fail_msg ("not JSON: %.*s", (int) length, line);
            assert_true (count < max);
            seqs [count++] = imh_json_int (json, "seq");
            //  A principal's token hash never leaves the node
            assert_null (json_object_get (json_object_get (json, "payload"),
                                          "token_hash"));
            json_decref (json);
        }
        line = end ? end + 1 : NULL;
    }
    return count;
}

//  Checks that seqs are first, first + 1, ... last, each once
static void
s_check_run (const int64_t *seqs, size_t count, int64_t first, int64_t last)
{
    assert_int_equal ((int64_t) count, last - first + 1);
    for (size_t index = 0; index < count; index++)
        if (seqs [index] != first + (int64_t) index)
            fail_msg ("event %zu of the export is seq %" PRId64 ", not %"
                      PRId64, index, seqs [index], first + (int64_t) index);
}

//  The status of EVENTS with body (may be NULL) from client; 0: no
//  answer
static int
s_status (im_client_t *client, const im_fields_t *body)
{
    im_reply_t *reply = im_client_call (client, "EVENTS", NULL, body, true);
    int status = reply ? reply->status : 0;
    im_reply_destroy (&reply);
    return status;
}

//  The log's last seq
static int64_t
s_last_seq (imh_t *h)
{
    uint64_t last = 0;
    assert_int_equal (imh_last_seq (h, &last), 0);
    return (int64_t) last;
}

//  imqctl events with args (NULL-ended, at most 8); returns its stdout,
//  the caller's, after checking it exited with status
static char *
s_events (imh_t *h, int status, const char *a, const char *b, const char *c,
          const char *d, const char *e, const char *f)
{
    imh_run_t run;
    int rc = imh_ctl (h, &run, "events", a, b, c, d, e, f, NULL);
    if (rc != status)
        fail_msg ("imqctl events exited %d, not %d: %s", rc, status, run.err);
    char *out = run.out;
    run.out = NULL;
    imh_run_clear (&run);
    return out;
}

static void
test_an_export_of_many_pages_holds_every_event_once (void **state)
{
    imh_t *h = (imh_t *) *state;
    imh_writes_t *writes = imh_writes_new (h, NULL, "export", OPENS);
    assert_non_null (writes);
    assert_int_equal (imh_writes_run (writes, OPENS, 120000), OPENS);
    imh_writes_destroy (&writes);
    int64_t last = s_last_seq (h);
    assert_true (last >= OPENS);

    //  NDJSON, pages of 1000: three pages at least
    int64_t *seqs = (int64_t *) calloc ((size_t) last + 10, sizeof *seqs);
    assert_non_null (seqs);
    char *out = s_events (h, 0, "--json", "--limit", "1000", NULL, NULL,
                          NULL);
    s_check_run (seqs, s_ndjson_seqs (out, seqs, (size_t) last + 10), 1,
                 last);
    free (out);

    //  A range by seq, on pages that do not divide it
    out = s_events (h, 0, "--json", "--since", "17", "--until", "2399",
                    NULL);
    s_check_run (seqs, s_ndjson_seqs (out, seqs, (size_t) last + 10), 17,
                 2399);
    free (out);

    //  CSV into a file: the header, then one record a seq
    char path [512];
    snprintf (path, sizeof path, "%s/export.csv", imh_dir (h));
    out = s_events (h, 0, "--csv", "--output", path, "--limit", "999",
                    NULL);
    assert_string_equal (out, "");
    free (out);
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    char line [4096];
    assert_non_null (fgets (line, sizeof line, file));
    assert_string_equal (line,
        "seq,ts_ms,time,incident,type,actor,on_behalf_of,payload\r\n");
    size_t count = 0;
    while (fgets (line, sizeof line, file)) {
        //  No field here holds a line break: a record is a line
        assert_non_null (strstr (line, "\r\n"));
        char *end = NULL;
        seqs [count++] = strtoll (line, &end, 10);
        assert_int_equal (*end, ',');
        //  The payload is the last field, JSON quoted as RFC 4180 says
        assert_non_null (strstr (line, ",\"{\"\""));
    }
    fclose (file);
    s_check_run (seqs, count, 1, last);

    //  One type, from a time: every incident opened in the last hour
    out = s_events (h, 0, "--json", "--since", "1h", "--type",
                    "incident.opened", NULL);
    size_t opened = s_ndjson_seqs (out, seqs, (size_t) last + 10);
    free (out);
    assert_int_equal (opened, OPENS);
    //  Times that no event reaches: nothing, and exit 0
    out = s_events (h, 0, "--json", "--since", "2099-01-01T00:00:00Z", NULL,
                    NULL, NULL);
    assert_string_equal (out, "");
    free (out);
    out = s_events (h, 0, "--until", "2000-01-01T00:00:00Z", NULL, NULL, NULL,
                    NULL);
    assert_string_equal (out, "");
    free (out);
    //  One incident's events, for people: seq, time, #incident, type
    out = s_events (h, 0, "--incident", "1234", NULL, NULL, NULL, NULL);
    assert_non_null (strstr (out, " #1234   incident.opened"));
    size_t rows = 0;
    for (char *row = strtok (out, "\n"); row; row = strtok (NULL, "\n")) {
        assert_non_null (strstr (row, " #1234 "));
        rows++;
    }
    assert_true (rows >= 1);
    free (out);
    free (seqs);
    imh_passed (h);
}

//  Where a tail writes, and the seq it must show
typedef struct {
    const char *path;               //  Its stdout and stderr
    int64_t seq;                    //  The seq awaited
} s_tail_t;

static bool
s_tail_shows (void *arg)
{
    s_tail_t *tail = (s_tail_t *) arg;
    char text [8192];
    imh_file_tail (tail->path, text, sizeof text);
    char needle [48];
    snprintf (needle, sizeof needle, "{\"seq\":%" PRId64 ",", tail->seq);
    return strstr (text, needle) != NULL;
}

//  The pid has exited; *status gets how
typedef struct {
    pid_t pid;                      //  The child
    int status;                     //  Its waitpid status
} s_child_t;

static bool
s_exited (void *arg)
{
    s_child_t *child = (s_child_t *) arg;
    return waitpid (child->pid, &child->status, WNOHANG) == child->pid;
}

static void
test_follow_sees_a_later_event_and_ends_on_sigint (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_open (h, "Before the tail", "rita", 3, 3) > 0);
    char since [24];
    snprintf (since, sizeof since, "%" PRId64, s_last_seq (h));
    char path [512];
    snprintf (path, sizeof path, "%s/tail.out", imh_dir (h));
    const char *argv [] = {
        imh_ctl_path (), "-e", imh_client_endpoint (h), "events",
        "--follow", "--json", "--since", since, "--interval", "50", NULL
    };
    s_child_t child = { imh_spawn (argv, path, true, false), 0 };
    assert_true (child.pid > 0);
    //  The event at since is printed first, then the tail waits
    s_tail_t tail = { path, atoll (since) };
    assert_true (imh_wait_for (s_tail_shows, &tail, WAIT_MS));
    uint64_t incident = imh_open (h, "After the tail", "rita", 3, 3);
    assert_true (incident > 0);
    tail.seq = s_last_seq (h);
    if (!imh_wait_for (s_tail_shows, &tail, WAIT_MS)) {
        char text [8192];
        imh_file_tail (path, text, sizeof text);
        fail_msg ("the tail did not show seq %" PRId64 ":\n%s", tail.seq,
                  text);
    }
    assert_false (s_exited (&child));   //  Still following
    assert_int_equal (kill (child.pid, SIGINT), 0);
    assert_true (imh_wait_for (s_exited, &child, WAIT_MS));
    assert_true (WIFEXITED (child.status));
    assert_int_equal (WEXITSTATUS (child.status), 0);
    imh_passed (h);
}

//  The event types and seqs of timeline 0's JSON, checked for hashes
static size_t
s_config_events (const json_t *timeline, const char *type)
{
    size_t count = 0, index;
    json_t *event;
    json_array_foreach (json_object_get (timeline, "events"), index, event) {
        assert_int_equal (imh_json_int (event, "incident"), 0);
        assert_null (json_object_get (json_object_get (event, "payload"),
                                      "token_hash"));
        count += streq (imh_json_str (event, "type"), type);
    }
    return count;
}

static void
test_the_configuration_timeline_has_no_token_hash (void **state)
{
    imh_t *h = (imh_t *) *state;
    //  A policy version: dana manages the desk by the policy alone
    char policy [600];
    snprintf (policy, sizeof policy, "%s/desk.yaml", imh_dir (h));
    FILE *file = fopen (policy, "w");
    assert_non_null (file);
    fputs ("agents:\n  - {name: dana, roles: [service_desk_manager]}\n",
           file);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (imh_ctl (h, NULL, "config", "apply", policy, NULL), 0);
    char token [IM_TOKEN_TEXT], id [IM_TOKEN_ID_TEXT];
    assert_int_equal (imh_token (h, "dashboard", "analyst", token, id), 0);
    json_t *timeline = imh_ctl_json (h, "timeline", "0", NULL);
    assert_non_null (timeline);
    assert_int_equal (imh_json_int (timeline, "incident"), 0);
    //  The harness's token and the dashboard's: added, then a token each
    assert_true (s_config_events (timeline, "principal.changed") >= 4);
    assert_int_equal (s_config_events (timeline, "config.applied"), 1);
    size_t events = json_array_size (json_object_get (timeline, "events"));
    assert_int_equal (imh_json_int (timeline, "count"), (int64_t) events);

    //  The same events over HTTP, for the dashboard's token
    char header [IM_TOKEN_TEXT + 32];
    snprintf (header, sizeof header, "Authorization: Bearer %s", token);
    imh_http_reply_t reply = imh_http_expect (h, "GET", "/v1/config/timeline",
                                              NULL, header, 200);
    assert_non_null (reply.json);
    assert_int_equal (s_config_events (reply.json, "principal.changed"),
                      s_config_events (timeline, "principal.changed"));
    assert_int_equal (json_array_size (json_object_get (reply.json,
                                                        "events")),
                      events);
    assert_null (strstr (reply.body, "token_hash"));
    imh_http_clear (&reply);
    //  A page of it, and the cursor to go on after
    reply = imh_http_expect (h, "GET", "/v1/config/timeline?limit=2", NULL,
                             header, 200);
    assert_int_equal (json_array_size (json_object_get (reply.json,
                                                        "events")), 2);
    assert_int_equal (imh_json_int (reply.json, "more"), 1);
    assert_true (imh_json_int (reply.json, "after") > 0);
    imh_http_clear (&reply);
    json_decref (timeline);

    //  The human table names the types and shows no hash either
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "timeline", "0", NULL), 0);
    assert_non_null (strstr (run.out, "principal.changed"));
    assert_null (strstr (run.out, "token_hash"));
    imh_run_clear (&run);
    //  dana, a desk manager by the policy, reads the log too
    assert_int_equal (imh_ctl (h, &run, "--as", "dana", "events", "--type",
                               "config.applied", NULL), 0);
    assert_non_null (strstr (run.out, "config.applied"));
    imh_run_clear (&run);
    imh_passed (h);
}

static void
test_a_reporter_is_refused_and_bad_ranges_are_400 (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_open (h, "Something", "rita", 3, 3) > 0);
    im_curve_t *rita_id = NULL, *ann_id = NULL;
    im_client_t *rita = imh_client_as (h, imh_client_endpoint (h), "rita",
                                       "reporter", CALL_MS, &rita_id);
    im_client_t *ann = imh_client_as (h, imh_client_endpoint (h), "ann",
                                      "analyst", CALL_MS, &ann_id);
    assert_non_null (rita);
    assert_non_null (ann);
    assert_int_equal (s_status (rita, NULL), 403);
    assert_int_equal (s_status (ann, NULL), 200);

    //  Each bad body, as the node answers it
    const char *bodies [][2] = {
        { "after", "-1" }, { "limit", "0" }, { "limit", "1001" },
        { "until_seq", "0" }, { "incident", "-2" }, { "since", "-5" },
    };
    for (size_t index = 0; index < 6; index++) {
        im_fields_t *body = im_fields_new ();
        im_fields_set_int (body, bodies [index][0], atoll (bodies [index][1]));
        im_reply_t *reply = im_client_call (ann, "EVENTS", NULL, body, true);
        im_fields_destroy (&body);
        assert_non_null (reply);
        if (reply->status != 400)
            fail_msg ("EVENTS {%s: %s} answered %d", bodies [index][0],
                      bodies [index][1], reply->status);
        assert_non_null (im_fields_str (reply->body, "error"));
        im_reply_destroy (&reply);
    }
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "type", "incident.exploded");
    assert_int_equal (s_status (ann, body), 400);
    im_fields_destroy (&body);
    body = im_fields_new ();
    im_fields_set_int (body, "since", 2000);
    im_fields_set_int (body, "until", 1000);
    assert_int_equal (s_status (ann, body), 400);
    im_fields_destroy (&body);
    body = im_fields_new ();
    im_fields_set_int (body, "after", 9);
    im_fields_set_int (body, "until_seq", 3);
    assert_int_equal (s_status (ann, body), 400);
    im_fields_destroy (&body);

    //  imqctl says why before sending anything, and exits 2
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "events", "--since", "9", "--until",
                               "3", NULL), 2);
    assert_non_null (strstr (run.err, "--since is after --until"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "events", "--type", "nope", NULL), 2);
    assert_non_null (strstr (run.err, "not an event type"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "events", "--since", "-4", NULL), 2);
    assert_non_null (strstr (run.err, "a seq is 1 or more"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "events", "--limit", "5000", NULL),
                      2);
    imh_run_clear (&run);
    //  A reporter's imqctl is refused by the node: 403, exit 1
    char cert [512];
    assert_int_equal (imh_cert (h, "rita", "reporter", cert, sizeof cert), 0);
    assert_int_equal (imh_ctl (h, &run, "--cert", cert, "events", NULL), 1);
    assert_non_null (strstr (run.err, "403"));
    imh_run_clear (&run);
    //  And over HTTP, a reporter's token and a bad parameter
    char token [IM_TOKEN_TEXT];
    assert_int_equal (imh_token (h, "rob", "reporter", token, NULL), 0);
    char header [IM_TOKEN_TEXT + 32];
    snprintf (header, sizeof header, "Authorization: Bearer %s", token);
    imh_http_reply_t reply = imh_http_expect (h, "GET", "/v1/config/timeline",
                                              NULL, header, 403);
    imh_http_clear (&reply);
    reply = imh_http_expect (h, "GET", "/v1/config/timeline?limit=0", NULL,
                             NULL, 400);
    imh_http_clear (&reply);
    reply = imh_http_expect (h, "GET", "/v1/config/timeline?after=x", NULL,
                             NULL, 400);
    imh_http_clear (&reply);
    reply = imh_http_expect (h, "POST", "/v1/config/timeline", "{}", NULL,
                             405);
    imh_http_clear (&reply);
    //  The node serves on
    assert_int_equal (s_status (ann, NULL), 200);
    im_client_destroy (&rita);
    im_client_destroy (&ann);
    im_curve_destroy (&rita_id);
    im_curve_destroy (&ann_id);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    static const imh_http_node_t node = { "events", false, 0, 64, 0 };
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_prestate_setup_teardown ( \
                    name, imh_http_setup, imh_teardown, (void *) &node)
        T (test_an_export_of_many_pages_holds_every_event_once),
        T (test_follow_sees_a_later_event_and_ends_on_sigint),
        T (test_the_configuration_timeline_has_no_token_hash),
        T (test_a_reporter_is_refused_and_bad_ranges_are_400),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
