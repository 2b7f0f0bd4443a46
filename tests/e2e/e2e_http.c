/*  e2e_http - the broker's HTTP API through curl: incidents and load

    The incident endpoints of docs/http.md are called as their users
    call them, with curl, against a real broker: incidents opened and
    read back (the same data imqctl --json shows), every kind of bad
    input answered with its status and the field or byte offset at
    fault, with nothing written to the log, and a broker under more
    load than its queue or its in-flight bound admit answering 503 or
    429 and losing and doubling nothing. Alert ingestion and the
    metrics are in e2e_http_alerts.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

static const imh_http_node_t s_busy = { "http-busy", false, 64, 64, 0 };
static const imh_http_node_t s_one = { "http-one", false, 16, 1, 0 };
static const imh_http_node_t s_full = { "http-full", false, 16, 64, 0 };

//  Checks that a reply is an error naming field (or "" for none) and
//  saying something with needle in it
static void
s_assert_fault (const imh_http_reply_t *reply, const char *field,
                const char *needle)
{
    assert_non_null (reply->json);
    const char *error = imh_json_str (reply->json, "error");
    if (!strstr (error, needle))
        fail_msg ("error '%s' does not say '%s'", error, needle);
    assert_string_equal (imh_json_str (reply->json, "field"), field);
}

static void
test_incidents_open_and_read_back_as_imqctl_shows_them (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t reply = imh_http_expect (
        harness, "POST", "/v1/incidents",
        "{\"title\": \"VPN down for sales\", \"reporter\": \"ann\", "
        "\"service\": \"vpn\", \"impact\": 1, \"urgency\": 2}",
        NULL, 201);
    int64_t id = imh_json_int (reply.json, "incident");
    assert_true (id >= 1);
    char location [64], expected [64];
    snprintf (expected, sizeof expected, "/v1/incidents/%" PRId64, id);
    assert_non_null (imh_http_header (&reply, "Location", location,
                                      sizeof location));
    assert_string_equal (location, expected);
    imh_http_clear (&reply);

    //  GET says what imqctl show --json says
    reply = imh_http_expect (harness, "GET", expected, NULL, NULL, 200);
    char text [96];
    snprintf (text, sizeof text, "%" PRId64, id);
    json_t *shown = imh_ctl_json (harness, "show", text, NULL);
    assert_non_null (shown);
    assert_string_equal (imh_json_str (reply.json, "title"),
                         "VPN down for sales");
    assert_string_equal (imh_json_str (reply.json, "channel"), "http");
    assert_int_equal (imh_json_int (reply.json, "urgency"), 2);
    assert_true (json_equal (reply.json, shown));
    json_decref (shown);
    imh_http_clear (&reply);

    //  The list and the timeline
    reply = imh_http_expect (
        harness, "GET", "/v1/incidents?status=new&limit=10", NULL, NULL, 200);
    assert_true (imh_json_has_id (json_object_get (reply.json, "incidents"),
                                  id));
    imh_http_clear (&reply);
    snprintf (text, sizeof text, "%s/timeline", expected);
    reply = imh_http_expect (harness, "GET", text, NULL, NULL, 200);
    assert_int_equal (imh_json_events (reply.json, "incident.opened", "title",
                                       "VPN down for sales", NULL), 1);
    imh_http_clear (&reply);

    //  The same Idempotency-Key twice is one incident
    const char *body = "{\"title\": \"printer jam\", \"reporter\": \"bo\"}";
    reply = imh_http_expect (harness, "POST", "/v1/incidents", body,
                             "Idempotency-Key: printer-1", 201);
    int64_t first = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", body,
                             "Idempotency-Key: printer-1", 201);
    assert_int_equal (imh_json_int (reply.json, "incident"), first);
    imh_http_clear (&reply);

    //  respond-async may answer before the commit (202) or after (201);
    //  either way the key then finds the incident
    imh_http_reply_t early;
    assert_int_equal (imh_http (harness, "POST", "/v1/incidents", body,
                                strlen (body),
                                "Prefer: respond-async", &early), 0);
    assert_true (early.status == 201 || early.status == 202);
    char key [200];
    snprintf (key, sizeof key, "Idempotency-Key: %s",
              imh_json_str (early.json, "request_id"));
    assert_true (strlen (key) > 20);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", body, key, 201);
    assert_true (imh_json_int (reply.json, "incident") > first);
    imh_http_clear (&reply);
    imh_http_clear (&early);
    imh_passed (harness);
}

static void
test_bad_input_is_answered_and_writes_nothing (void **state)
{
    imh_t *harness = (imh_t *) *state;
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (harness, &before), 0);

    imh_http_reply_t reply = imh_http_expect (harness, "POST", "/v1/incidents",
                                              "{\"title\": \"x\",", NULL, 400);
    assert_int_equal (imh_json_int (reply.json, "offset"), 14);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "byte offset 14"));
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", "", NULL, 400);
    assert_int_equal (imh_json_int (reply.json, "offset"), 0);
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents",
                             "{\"title\": \"x\", \"reporter\": \"r\", "
                             "\"impact\": \"high\"}",
                             NULL, 400);
    s_assert_fault (&reply, "impact", "must be an integer");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents",
                             "{\"reporter\": \"r\"}", NULL, 400);
    s_assert_fault (&reply, "title", "missing");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents",
                             "{\"title\": \"x\", \"reporter\": \"r\", "
                             "\"colour\": \"red\"}",
                             NULL, 400);
    s_assert_fault (&reply, "colour", "unknown field");
    imh_http_clear (&reply);
    reply =
        imh_http_expect (harness, "POST", "/v1/incidents", "[1, 2]", NULL, 400);
    s_assert_fault (&reply, "", "JSON object");
    imh_http_clear (&reply);
    //  The state machine's own checks come back too
    reply = imh_http_expect (harness, "POST", "/v1/incidents",
                             "{\"title\": \"x\", \"reporter\": \"r\", "
                             "\"impact\": 9}",
                             NULL, 400);
    assert_non_null (strstr (imh_json_str (reply.json, "error"), "impact"));
    imh_http_clear (&reply);

    //  A body over http.body_max
    char *big = (char *) malloc (IMH_HTTP_BODY_MAX * 2 + 1);
    memset (big, ' ', IMH_HTTP_BODY_MAX * 2);
    big [IMH_HTTP_BODY_MAX * 2] = 0;
    big [0] = '{';
    big [IMH_HTTP_BODY_MAX * 2 - 1] = '}';
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager", big,
                             NULL, 413);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "body_max"));
    imh_http_clear (&reply);
    //  The same in chunks: refused at the first chunk size past the limit
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager", big,
                             "Transfer-Encoding: chunked", 413);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "body_max"));
    imh_http_clear (&reply);
    free (big);

    //  Routes and methods
    reply = imh_http_expect (harness, "GET", "/v1/nothing", NULL, NULL, 404);
    imh_http_clear (&reply);
    reply =
        imh_http_expect (harness, "DELETE", "/v1/incidents", NULL, NULL, 405);
    char allow [64];
    assert_non_null (imh_http_header (&reply, "Allow", allow, sizeof allow));
    assert_string_equal (allow, "GET, POST");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "GET", "/v1/alerts/alertmanager", NULL,
                             NULL, 405);
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "GET", "/v1/incidents/999999", NULL, NULL,
                             404);
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", "{}",
                             "Idempotency-Key: caf\xc3\xa9", 400);
    assert_string_equal (imh_json_str (reply.json, "field"),
                         "Idempotency-Key");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "GET", "/v1/incidents?limit=many", NULL,
                             NULL, 400);
    s_assert_fault (&reply, "limit", "integer");
    imh_http_clear (&reply);

    //  The receivers name the field at fault
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager",
                             "{\"alerts\": [{\"status\": \"firing\", "
                             "\"labels\": {}}]}",
                             NULL, 400);
    s_assert_fault (&reply, "alerts[0].fingerprint", "missing");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager",
                             "{\"alerts\": [{\"status\": \"burning\", "
                             "\"fingerprint\": \"ab\", \"labels\": {}}]}",
                             NULL, 400);
    s_assert_fault (&reply, "alerts[0].status", "firing or resolved");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager",
                             "{\"version\": \"4\"}", NULL, 400);
    s_assert_fault (&reply, "alerts", "missing");
    imh_http_clear (&reply);
    //  The routing key is an integration key (a token of the desk)
    char event [512];
    assert_non_null (imh_http_token (harness));
    snprintf (event, sizeof event, "{\"routing_key\": \"%s\", "
              "\"event_action\": \"trigger\", \"payload\": {\"summary\": "
              "\"s\", \"source\": \"h\", \"severity\": \"bad\"}}",
              imh_http_token (harness));
    reply = imh_http_expect (harness, "POST", "/v1/events", event, NULL, 400);
    assert_string_equal (imh_json_str (reply.json, "field"),
                         "payload.severity");
    imh_http_clear (&reply);
    snprintf (event, sizeof event, "{\"routing_key\": \"%s\", "
              "\"event_action\": \"resolve\"}", imh_http_token (harness));
    reply = imh_http_expect (harness, "POST", "/v1/events", event, NULL, 400);
    assert_string_equal (imh_json_str (reply.json, "field"), "dedup_key");
    imh_http_clear (&reply);

    //  None of it reached the log
    assert_int_equal (imh_last_seq (harness, &after), 0);
    assert_int_equal (after, before);
    imh_passed (harness);
}

static int64_t
s_count (const imh_http_reply_t *reply, const char *outcome)
{
    return imh_json_int (reply->json, outcome);
}

//  The value of the sample "name" (with its labels) in a /metrics answer
static long
s_metric (imh_t *harness, const char *name)
{
    imh_http_reply_t reply =
        imh_http_expect (harness, "GET", "/metrics", NULL, NULL, 200);
    long value = imh_http_sample (reply.body, name);
    imh_http_clear (&reply);
    return value;
}

//  A notification of count distinct alerts
static char *
s_many_alerts (size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream (&text, &size);
    assert_non_null (stream);
    fprintf (stream, "{\"version\": \"4\", \"alerts\": [");
    for (size_t index = 0; index < count; index++)
        fprintf (stream, "%s{\"status\": \"firing\", \"fingerprint\": "
                 "\"f%05zu\", \"labels\": {\"alertname\": \"Load\", "
                 "\"instance\": \"h%zu\"}, \"startsAt\": "
                 "\"2026-11-28T04:00:00Z\"}", index ? ", " : "", index,
                 index);
    fprintf (stream, "]}");
    fclose (stream);
    return text;
}

static void
test_a_full_queue_loses_nothing_and_doubles_nothing (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  A thousand alerts at once into a queue of 64 commands: the
    //  broker refuses most of them busy at first, and the receiver asks
    //  again for those until each is taken, within its deadline
    char *body = s_many_alerts (1000);
    imh_http_reply_t reply = imh_http_expect (
        harness, "POST", "/v1/alerts/alertmanager", body, NULL, 200);
    assert_int_equal (s_count (&reply, "opened"), 1000);
    assert_int_equal (s_count (&reply, "failed"), 0);
    imh_http_clear (&reply);
    assert_true (imh_log_lines (harness, "broker", "the queue was full") > 0);
    //  Every alert is in the log exactly once, and a second delivery of
    //  the notification adds nothing
    reply = imh_http_expect (harness, "POST", "/v1/alerts/alertmanager", body,
                             NULL, 200);
    assert_int_equal (s_count (&reply, "duplicate"), 1000);
    imh_http_clear (&reply);
    assert_int_equal (s_metric (harness, "imq_events_total{type="
                                         "\"incident.opened\"}"), 1000);
    //  The triggers, and the second delivery's heartbeats (no event)
    assert_int_equal (s_metric (harness, "imq_commands_total{verb=\"ALERT\","
                                         "result=\"accepted\"}"), 2000);
    free (body);
    imh_passed (harness);
}

//  A probe sent again and again while a big notification is taken
typedef struct {
    imh_t *harness;                 //  The node
    int slot;                       //  The curl sending the big request
    const char *method;             //  The probe's method and path
    const char *path;
    const char *body;               //  Its body, or NULL
    int wanted;                     //  The status it waits for
    int taken;                      //  Probes answered 2xx meanwhile
    char header [64];               //  Idempotency-Key of the last probe
} s_probe_t;

//  Starts curl sending a notification of a thousand alerts; returns its
//  slot
static int
s_big_start (imh_t *harness)
{
    char *body = s_many_alerts (1000);
    char path [600], data [620], url [128];
    snprintf (path, sizeof path, "%s/alerts.json", imh_dir (harness));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (body, file);
    fclose (file);
    free (body);
    snprintf (data, sizeof data, "@%s", path);
    snprintf (url, sizeof url, "http://%s/v1/alerts/alertmanager",
              imh_http_address (harness));
    char authorization [IM_TOKEN_TEXT + 32];
    assert_non_null (imh_http_token (harness));
    snprintf (authorization, sizeof authorization, "Authorization: Bearer %s",
              imh_http_token (harness));
    const char *argv [] = { "/usr/bin/curl", "-s", "-S", "-H", authorization,
                            "--data-binary", data, url, NULL };
    int slot = imh_start_command (harness, "curl-big", argv);
    assert_true (slot >= 0);
    return slot;
}

//  True once the probe, sent while the big request runs, gets the
//  status it waits for, with Retry-After: 1. When the big request is
//  not running (it ended, or the probe came first and turned it
//  away), it is started again.
static bool
s_probed (void *arg)
{
    s_probe_t *probe = (s_probe_t *) arg;
    if (!imh_running (probe->harness, probe->slot))
        assert_int_equal (imh_restart (probe->harness, probe->slot), 0);
    snprintf (probe->header, sizeof probe->header,
              "Idempotency-Key: probe-%d", probe->taken);
    imh_http_reply_t reply;
    if (imh_http (probe->harness, probe->method, probe->path, probe->body,
                  probe->body ? strlen (probe->body) : 0, probe->header,
                  &reply))
        return false;
    bool seen = reply.status == probe->wanted;
    if (seen) {
        char retry_after [16];
        assert_non_null (imh_http_header (&reply, "Retry-After", retry_after,
                                          sizeof retry_after));
        assert_string_equal (retry_after, "1");
    }
    else
    if (reply.status / 100 == 2)
        probe->taken++;             //  The next probe is a new request
    imh_http_clear (&reply);
    return seen;
}

static bool
s_exited (void *arg)
{
    s_probe_t *probe = (s_probe_t *) arg;
    return !imh_running (probe->harness, probe->slot);
}

//  Waits for the big request to end; checks it was answered in full
//  (the first time it ran, or, started again, with its alerts as
//  duplicates) and that its thousand incidents are in the log
static void
s_big_finished (s_probe_t *probe)
{
    assert_true (imh_wait_for (s_exited, probe, 30000));
    assert_true (imh_log_lines (probe->harness, "curl-big",
                                "\"alerts\": 1000") >= 1);
    assert_true (imh_log_lines (probe->harness, "curl-big",
                                "\"failed\": 0") >= 1);
    //  Opened once each, whether the request ran once or twice (a
    //  second run's copies are heartbeats: accepted, no incident),
    //  beside the incidents the probes opened
    int64_t probed = streq (probe->method, "POST") ? probe->taken : 0;
    assert_int_equal (s_metric (probe->harness, "imq_events_total{type="
                                "\"incident.opened\"}"), 1000 + probed);
}

static void
test_requests_beyond_inflight_max_are_answered_429 (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  One request at a time: while a notification of a thousand alerts
    //  is taken by a queue of 16 (about a second), others are refused
    s_probe_t probe = { harness, s_big_start (harness), "GET",
                        "/v1/incidents?limit=1", NULL, 429, 0, "" };
    assert_true (imh_wait_for (s_probed, &probe, 30000));
    //  Neither probe waits behind the requests in progress
    imh_http_reply_t reply =
        imh_http_expect (harness, "GET", "/healthz", NULL, NULL, 200);
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "GET", "/readyz", NULL, NULL, 200);
    assert_true (json_is_true (json_object_get (reply.json, "ready")));
    imh_http_clear (&reply);
    s_big_finished (&probe);
    imh_passed (harness);
}

static void
test_a_full_queue_answers_503_and_a_retry_opens_once (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  While a notification of a thousand alerts fills a queue of 16,
    //  an incident sent at the same time finds it full
    const char *body = "{\"title\": \"VPN down\", \"reporter\": \"ann\"}";
    s_probe_t probe = { harness, s_big_start (harness), "POST",
                        "/v1/incidents", body, 503, 0, "" };
    assert_true (imh_wait_for (s_probed, &probe, 30000));
    //  Sent again with the same key once there is room: opened once
    s_big_finished (&probe);
    imh_http_reply_t reply = imh_http_expect (harness, "POST", "/v1/incidents",
                                              body, probe.header, 201);
    int64_t id = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", body,
                             probe.header, 201);
    assert_int_equal (imh_json_int (reply.json, "incident"), id);
    imh_http_clear (&reply);
    assert_int_equal (s_metric (harness, "imq_commands_total{verb=\"OPEN\","
                                         "result=\"accepted\"}"),
                      probe.taken + 1);
    imh_passed (harness);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, imh_http_setup, \
                                                 imh_teardown)
        T (test_incidents_open_and_read_back_as_imqctl_shows_them),
        T (test_bad_input_is_answered_and_writes_nothing),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_full_queue_loses_nothing_and_doubles_nothing,
            imh_http_setup, imh_teardown, (void *) &s_busy),
        cmocka_unit_test_prestate_setup_teardown (
            test_requests_beyond_inflight_max_are_answered_429,
            imh_http_setup, imh_teardown, (void *) &s_one),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_full_queue_answers_503_and_a_retry_opens_once,
            imh_http_setup, imh_teardown, (void *) &s_full),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
