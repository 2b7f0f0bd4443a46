/*  e2e_http - the broker's HTTP API through curl

    Every endpoint of docs/http.md is called as its users call it, with
    curl, against a real broker: incidents opened and read back (the
    same data imqctl --json shows), Alertmanager notifications and
    PagerDuty-style events deduplicated by their keys, the metrics
    checked with promtool, and every kind of bad input answered with its
    status and the field or byte offset at fault, with nothing written
    to the log.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define BODY_MAX    8192            //  http.body_max of these tests

//  The payload Debian's Alertmanager 0.25 sent, two alerts in one group,
//  with the orgId Grafana adds; %s is the second alert's status
#define S_NOTIFICATION \
    "{\"receiver\":\"imq\",\"status\":\"firing\",\"alerts\":[" \
    "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\"," \
    "\"instance\":\"db1\",\"severity\":\"critical\"},\"annotations\":" \
    "{\"summary\":\"disk full on db1\"},\"startsAt\":" \
    "\"2026-11-28T02:17:46.621998381Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"," \
    "\"generatorURL\":\"\",\"fingerprint\":\"e94c744ae3d44df8\"}," \
    "{\"status\":\"%s\",\"labels\":{\"alertname\":\"DiskFull\"," \
    "\"instance\":\"db2\",\"severity\":\"warning\"},\"annotations\":" \
    "{\"summary\":\"disk full on db2\"},\"startsAt\":" \
    "\"2026-11-28T02:17:46.621998381Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"," \
    "\"generatorURL\":\"\",\"fingerprint\":\"a4bfbbb5189da787\"}]," \
    "\"groupLabels\":{\"alertname\":\"DiskFull\"},\"commonLabels\":" \
    "{\"alertname\":\"DiskFull\"},\"commonAnnotations\":{},\"externalURL\":" \
    "\"http://vm:19093\",\"version\":\"4\",\"groupKey\":" \
    "\"{}:{alertname=\\\"DiskFull\\\"}\",\"truncatedAlerts\":0,\"orgId\":1}"

//  The node a test runs against
typedef struct {
    const char *name;               //  Tags its directory
    bool record;                    //  http.alert_resolve: record
    size_t queue_max;               //  node.queue_max and batch_max, or 0
                                    //  for the defaults (and body_max
                                    //  BODY_MAX)
    size_t inflight_max;            //  http.inflight_max
} s_node_t;

static const s_node_t s_plain = { "http", false, 0, 64 };
static const s_node_t s_record = { "http-record", true, 0, 64 };
static const s_node_t s_busy = { "http-busy", false, 64, 64 };
static const s_node_t s_one = { "http-one", false, 16, 1 };
static const s_node_t s_full = { "http-full", false, 16, 64 };

//  Starts the node the test's initial state names (s_plain when none)
static int
s_setup (void **state)
{
    const s_node_t *node = *state ? (const s_node_t *) *state : &s_plain;
    imh_options_t options;
    imh_options_default (&options);
    if (!node->queue_max)
        options.http_body_max = BODY_MAX;
    options.alert_record = node->record;
    options.queue_max = node->queue_max;
    options.http_inflight_max = node->inflight_max;
    *state = imh_new_node (node->name, &options, false, NULL);
    return *state ? 0 : -1;
}

//  Sends a request and checks its status; returns the reply (the
//  caller clears it)
static imh_http_reply_t
s_expect (imh_t *harness, const char *method, const char *path,
          const char *body, const char *header, int status)
{
    imh_http_reply_t reply;
    assert_int_equal (imh_http (harness, method, path, body,
                                body ? strlen (body) : 0, header, &reply), 0);
    if (reply.status != status)
        fail_msg ("%s %s: expected %d, got %d: %s", method, path, status,
                  reply.status, reply.body);
    return reply;
}

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

//  The value of the sample "name" (with its labels) in metrics text
static long
s_sample (const char *text, const char *name)
{
    char line [256];
    snprintf (line, sizeof line, "\n%s ", name);
    const char *found = strstr (text, line);
    return found ? strtol (found + strlen (line), NULL, 10) : -1;
}

static void
test_incidents_open_and_read_back_as_imqctl_shows_them (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t reply = s_expect (harness, "POST", "/v1/incidents",
        "{\"title\": \"VPN down for sales\", \"reporter\": \"ann\", "
        "\"service\": \"vpn\", \"impact\": 1, \"urgency\": 2}", NULL, 201);
    int64_t id = imh_json_int (reply.json, "incident");
    assert_true (id >= 1);
    char location [64], expected [64];
    snprintf (expected, sizeof expected, "/v1/incidents/%" PRId64, id);
    assert_non_null (imh_http_header (&reply, "Location", location,
                                      sizeof location));
    assert_string_equal (location, expected);
    imh_http_clear (&reply);

    //  GET says what imqctl show --json says
    reply = s_expect (harness, "GET", expected, NULL, NULL, 200);
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
    reply = s_expect (harness, "GET", "/v1/incidents?status=new&limit=10",
                      NULL, NULL, 200);
    assert_true (imh_json_has_id (json_object_get (reply.json, "incidents"),
                                  id));
    imh_http_clear (&reply);
    snprintf (text, sizeof text, "%s/timeline", expected);
    reply = s_expect (harness, "GET", text, NULL, NULL, 200);
    assert_int_equal (imh_json_events (reply.json, "incident.opened", "title",
                                       "VPN down for sales", NULL), 1);
    imh_http_clear (&reply);

    //  The same Idempotency-Key twice is one incident
    const char *body = "{\"title\": \"printer jam\", \"reporter\": \"bo\"}";
    reply = s_expect (harness, "POST", "/v1/incidents", body,
                      "Idempotency-Key: printer-1", 201);
    int64_t first = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents", body,
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
    reply = s_expect (harness, "POST", "/v1/incidents", body, key, 201);
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

    imh_http_reply_t reply = s_expect (harness, "POST", "/v1/incidents",
                                       "{\"title\": \"x\",", NULL, 400);
    assert_int_equal (imh_json_int (reply.json, "offset"), 14);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "byte offset 14"));
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents", "", NULL, 400);
    assert_int_equal (imh_json_int (reply.json, "offset"), 0);
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents",
                      "{\"title\": \"x\", \"reporter\": \"r\", "
                      "\"impact\": \"high\"}", NULL, 400);
    s_assert_fault (&reply, "impact", "must be an integer");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents",
                      "{\"reporter\": \"r\"}", NULL, 400);
    s_assert_fault (&reply, "title", "missing");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents",
                      "{\"title\": \"x\", \"reporter\": \"r\", "
                      "\"colour\": \"red\"}", NULL, 400);
    s_assert_fault (&reply, "colour", "unknown field");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents", "[1, 2]", NULL, 400);
    s_assert_fault (&reply, "", "JSON object");
    imh_http_clear (&reply);
    //  The state machine's own checks come back too
    reply = s_expect (harness, "POST", "/v1/incidents",
                      "{\"title\": \"x\", \"reporter\": \"r\", "
                      "\"impact\": 9}", NULL, 400);
    assert_non_null (strstr (imh_json_str (reply.json, "error"), "impact"));
    imh_http_clear (&reply);

    //  A body over http.body_max
    char *big = (char *) malloc (BODY_MAX * 2 + 1);
    memset (big, ' ', BODY_MAX * 2);
    big [BODY_MAX * 2] = 0;
    big [0] = '{';
    big [BODY_MAX * 2 - 1] = '}';
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager", big, NULL,
                      413);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "body_max"));
    imh_http_clear (&reply);
    //  The same without a Content-Length: read to its end, then refused
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager", big,
                      "Transfer-Encoding: chunked", 413);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "body_max"));
    imh_http_clear (&reply);
    free (big);

    //  Routes and methods
    reply = s_expect (harness, "GET", "/v1/nothing", NULL, NULL, 404);
    imh_http_clear (&reply);
    reply = s_expect (harness, "DELETE", "/v1/incidents", NULL, NULL, 405);
    char allow [64];
    assert_non_null (imh_http_header (&reply, "Allow", allow, sizeof allow));
    assert_string_equal (allow, "GET, POST");
    imh_http_clear (&reply);
    reply = s_expect (harness, "GET", "/v1/alerts/alertmanager", NULL, NULL,
                      405);
    imh_http_clear (&reply);
    reply = s_expect (harness, "GET", "/v1/incidents/999999", NULL, NULL,
                      404);
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents", "{}",
                      "Idempotency-Key: caf\xc3\xa9", 400);
    assert_string_equal (imh_json_str (reply.json, "field"),
                         "Idempotency-Key");
    imh_http_clear (&reply);
    reply = s_expect (harness, "GET", "/v1/incidents?limit=many", NULL, NULL,
                      400);
    s_assert_fault (&reply, "limit", "integer");
    imh_http_clear (&reply);

    //  The receivers name the field at fault
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager",
                      "{\"alerts\": [{\"status\": \"firing\", "
                      "\"labels\": {}}]}", NULL, 400);
    s_assert_fault (&reply, "alerts[0].fingerprint", "missing");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager",
                      "{\"alerts\": [{\"status\": \"burning\", "
                      "\"fingerprint\": \"ab\", \"labels\": {}}]}", NULL,
                      400);
    s_assert_fault (&reply, "alerts[0].status", "firing or resolved");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager",
                      "{\"version\": \"4\"}", NULL, 400);
    s_assert_fault (&reply, "alerts", "missing");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/events",
                      "{\"routing_key\": \"r\", \"event_action\": "
                      "\"trigger\", \"payload\": {\"summary\": \"s\", "
                      "\"source\": \"h\", \"severity\": \"bad\"}}", NULL,
                      400);
    assert_string_equal (imh_json_str (reply.json, "field"),
                         "payload.severity");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/events",
                      "{\"routing_key\": \"r\", \"event_action\": "
                      "\"resolve\"}", NULL, 400);
    assert_string_equal (imh_json_str (reply.json, "field"), "dedup_key");
    imh_http_clear (&reply);

    //  None of it reached the log
    assert_int_equal (imh_last_seq (harness, &after), 0);
    assert_int_equal (after, before);
    imh_passed (harness);
}

//  Posts the sample notification, the second alert with status
static imh_http_reply_t
s_notify (imh_t *harness, const char *status)
{
    char body [4096];
    snprintf (body, sizeof body, S_NOTIFICATION, status);
    return s_expect (harness, "POST", "/v1/alerts/alertmanager", body, NULL,
                     200);
}

static int64_t
s_count (const imh_http_reply_t *reply, const char *outcome)
{
    return imh_json_int (reply->json, outcome);
}

//  The incident of alert index of an answer
static int64_t
s_incident_of (const imh_http_reply_t *reply, size_t index)
{
    return imh_json_int (json_array_get (json_object_get (reply->json,
                                                          "results"), index),
                         "incident");
}

//  Posts the sample notification, both alerts firing; returns the
//  incident of alert index
static int64_t
s_fire (imh_t *harness, size_t index)
{
    imh_http_reply_t reply = s_notify (harness, "firing");
    int64_t id = s_incident_of (&reply, index);
    imh_http_clear (&reply);
    assert_true (id >= 1);
    return id;
}

//  GET /v1/incidents/{id} as JSON (the caller's reference)
static json_t *
s_get (imh_t *harness, int64_t id)
{
    char path [64];
    snprintf (path, sizeof path, "/v1/incidents/%" PRId64, id);
    imh_http_reply_t reply = s_expect (harness, "GET", path, NULL, NULL, 200);
    json_t *json = json_incref (reply.json);
    imh_http_clear (&reply);
    return json;
}

static void
test_alertmanager_alerts_deduplicate_by_fingerprint (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t first = s_notify (harness, "firing");
    assert_int_equal (s_count (&first, "alerts"), 2);
    assert_int_equal (s_count (&first, "opened"), 2);
    int64_t db1 = s_incident_of (&first, 0), db2 = s_incident_of (&first, 1);
    assert_true (db1 >= 1 && db2 >= 1 && db1 != db2);

    //  The same notification again (an HA peer's copy): nothing new
    imh_http_reply_t copy = s_notify (harness, "firing");
    assert_int_equal (s_count (&copy, "duplicate"), 2);
    assert_int_equal (s_count (&copy, "opened"), 0);
    assert_int_equal (s_incident_of (&copy, 0), db1);
    imh_http_clear (&copy);
    json_t *incident = s_get (harness, db1);
    assert_int_equal (imh_json_int (incident, "alerts"), 1);
    assert_string_equal (imh_json_str (incident, "dedup_key"),
                         "alertmanager/e94c744ae3d44df8");
    assert_string_equal (imh_json_str (incident, "title"),
                         "disk full on db1");
    assert_int_equal (imh_json_int (incident, "urgency"), 1);
    json_decref (incident);
    incident = s_get (harness, db2);
    assert_int_equal (imh_json_int (incident, "urgency"), 3);   //  warning
    json_decref (incident);

    //  db2 resolves (auto policy): its incident is resolved, db1's not
    imh_http_reply_t resolved = s_notify (harness, "resolved");
    assert_int_equal (s_count (&resolved, "resolved"), 1);
    assert_int_equal (s_count (&resolved, "duplicate"), 1);
    imh_http_clear (&resolved);
    incident = s_get (harness, db2);
    assert_string_equal (imh_json_str (incident, "status"), "resolved");
    json_decref (incident);
    incident = s_get (harness, db1);
    assert_string_equal (imh_json_str (incident, "status"), "new");
    json_decref (incident);

    //  db2 fires again: a new incident
    imh_http_reply_t again = s_notify (harness, "firing");
    assert_int_equal (s_count (&again, "opened"), 0);   //  Same startsAt:
    imh_http_clear (&again);                            //  a copy, still
    const char *refire =
        "{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
        "\"DiskFull\",\"instance\":\"db2\"},\"fingerprint\":"
        "\"a4bfbbb5189da787\",\"startsAt\":\"2026-11-28T03:00:00Z\"},"
        "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\","
        "\"instance\":\"db1\"},\"fingerprint\":\"e94c744ae3d44df8\","
        "\"startsAt\":\"2026-11-28T03:00:00Z\"}]}";
    imh_http_reply_t later = s_expect (harness, "POST",
                                       "/v1/alerts/alertmanager", refire,
                                       NULL, 200);
    assert_int_equal (s_count (&later, "opened"), 1);
    assert_int_equal (s_count (&later, "added"), 1);
    assert_true (s_incident_of (&later, 0) > db2);
    assert_int_equal (s_incident_of (&later, 1), db1);
    imh_http_clear (&later);
    incident = s_get (harness, db1);
    assert_int_equal (imh_json_int (incident, "alerts"), 2);
    json_decref (incident);
    imh_http_clear (&first);
    imh_passed (harness);
}

static void
test_dedup_survives_a_broker_restart (void **state)
{
    imh_t *harness = (imh_t *) *state;
    int64_t db1 = s_fire (harness, 0);
    //  The broker dies without a word and comes back on its data
    int broker = imh_slot (harness, "broker");
    assert_int_equal (imh_kill (harness, broker), 0);
    assert_int_equal (imh_restart (harness, broker), 0);
    //  The same notification is still a copy, and db1 firing again
    //  still adds to its incident
    imh_http_reply_t copy = s_notify (harness, "firing");
    assert_int_equal (s_count (&copy, "duplicate"), 2);
    imh_http_clear (&copy);
    imh_http_reply_t again = s_expect (harness, "POST",
        "/v1/alerts/alertmanager",
        "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": "
        "\"e94c744ae3d44df8\", \"startsAt\": \"2026-11-28T05:00:00Z\", "
        "\"labels\": {\"alertname\": \"DiskFull\"}}]}", NULL, 200);
    assert_int_equal (s_count (&again, "added"), 1);
    assert_int_equal (s_incident_of (&again, 0), db1);
    imh_http_clear (&again);
    //  And the counters carried on
    imh_http_reply_t metrics = s_expect (harness, "GET", "/metrics", NULL,
                                         NULL, 200);
    assert_int_equal (s_sample (metrics.body, "imq_events_total{type="
                                              "\"alert.repeated\"}"), 1);
    assert_int_equal (s_sample (metrics.body, "imq_events_total{type="
                                              "\"incident.opened\"}"), 2);
    imh_http_clear (&metrics);
    imh_passed (harness);
}

static void
test_resolved_alerts_are_recorded_under_the_record_policy (void **state)
{
    imh_t *harness = (imh_t *) *state;
    int64_t db2 = s_fire (harness, 1);
    imh_http_reply_t resolved = s_notify (harness, "resolved");
    assert_int_equal (s_count (&resolved, "cleared"), 1);
    assert_int_equal (s_count (&resolved, "resolved"), 0);
    imh_http_clear (&resolved);
    json_t *incident = s_get (harness, db2);
    assert_string_equal (imh_json_str (incident, "status"), "new");
    assert_true (imh_json_int (incident, "alert_cleared_ms") > 0);
    json_decref (incident);
    imh_passed (harness);
}

//  Posts a PagerDuty-style event; returns the answer (202 expected)
static imh_http_reply_t
s_event (imh_t *harness, const char *path, const char *action,
         const char *key)
{
    char body [512];
    snprintf (body, sizeof body,
              "{\"routing_key\": \"0123456789abcdef0123456789abcdef\", "
              "\"event_action\": \"%s\", \"dedup_key\": \"%s\", "
              "\"payload\": {\"summary\": \"CPU above 95%% on web1\", "
              "\"source\": \"web1\", \"severity\": \"error\", "
              "\"component\": \"nginx\", \"custom_details\": "
              "{\"cpu\": 97}}, \"client\": \"monitor\"}", action, key);
    return s_expect (harness, "POST", path, body, NULL, 202);
}

static void
test_events_follow_pagerduty_semantics (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t reply = s_event (harness, "/v1/events", "trigger",
                                      "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "status"), "success");
    assert_string_equal (imh_json_str (reply.json, "dedup_key"), "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "outcome"), "opened");
    int64_t id = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    reply = s_event (harness, "/v2/enqueue", "trigger", "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "outcome"), "added");
    assert_int_equal (imh_json_int (reply.json, "incident"), id);
    imh_http_clear (&reply);
    reply = s_event (harness, "/v1/events", "acknowledge", "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "outcome"),
                         "acknowledged");
    imh_http_clear (&reply);
    json_t *incident = s_get (harness, id);
    assert_string_equal (imh_json_str (incident, "status"), "in_progress");
    assert_int_equal (imh_json_int (incident, "alerts"), 2);
    assert_string_equal (imh_json_str (incident, "service"), "nginx");
    assert_non_null (strstr (imh_json_str (incident, "description"),
                             "\"cpu\":97"));
    json_decref (incident);
    reply = s_event (harness, "/v1/events", "resolve", "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "outcome"), "resolved");
    imh_http_clear (&reply);
    //  After the resolve the key opens a new incident, and an
    //  acknowledge for a key nobody holds is reported and dropped
    reply = s_event (harness, "/v1/events", "trigger", "web1/cpu");
    assert_string_equal (imh_json_str (reply.json, "outcome"), "opened");
    assert_true (imh_json_int (reply.json, "incident") > id);
    imh_http_clear (&reply);
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (harness, &before), 0);
    reply = s_event (harness, "/v1/events", "acknowledge", "nobody");
    assert_string_equal (imh_json_str (reply.json, "status"), "dropped");
    assert_non_null (strstr (imh_json_str (reply.json, "message"),
                             "nobody"));
    imh_http_clear (&reply);
    assert_int_equal (imh_last_seq (harness, &after), 0);
    assert_int_equal (after, before);
    //  A trigger without a dedup key gets one, and says which
    reply = s_expect (harness, "POST", "/v1/events",
                      "{\"routing_key\": \"r\", \"event_action\": "
                      "\"trigger\", \"payload\": {\"summary\": \"s\", "
                      "\"source\": \"h\", \"severity\": \"info\"}}", NULL,
                      202);
    assert_int_equal (strlen (imh_json_str (reply.json, "dedup_key")), 32);
    imh_http_clear (&reply);
    imh_passed (harness);
}

static void
test_metrics_and_health (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t reply = s_expect (harness, "GET", "/healthz", NULL, NULL,
                                       200);
    imh_http_clear (&reply);
    reply = s_expect (harness, "GET", "/readyz", NULL, NULL, 200);
    assert_true (json_is_true (json_object_get (reply.json, "ready")));
    imh_http_clear (&reply);
    imh_http_reply_t first = s_notify (harness, "firing");
    imh_http_clear (&first);
    first = s_notify (harness, "firing");
    imh_http_clear (&first);
    reply = s_expect (harness, "POST", "/v1/incidents", "{}", NULL, 400);
    imh_http_clear (&reply);

    reply = s_expect (harness, "GET", "/metrics", NULL, NULL, 200);
    const char *text = reply.body;
    assert_int_equal (s_sample (text, "imq_events_total{type=\"incident."
                                      "opened\"}"), 2);
    assert_int_equal (s_sample (text, "imq_commands_total{verb=\"ALERT\","
                                      "result=\"accepted\"}"), 2);
    assert_int_equal (s_sample (text, "imq_incidents{status=\"new\","
                                      "priority=\"0\"}"), 2);
    assert_int_equal (s_sample (text, "imq_http_requests_total{code="
                                      "\"400\"}"), 1);
    assert_int_equal (s_sample (text, "imq_raft_leader"), 1);
    assert_true (s_sample (text, "imq_raft_applied_index") >= 1);
    assert_int_equal (s_sample (text, "imq_sla_breaches_total"), 0);

    //  promtool (Debian's prometheus) accepts it
    char path [600];
    snprintf (path, sizeof path, "%s/metrics.txt", imh_dir (harness));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
    char command [700];
    snprintf (command, sizeof command, "promtool check metrics < %s", path);
    const char *argv [] = { "/bin/sh", "-c", command, NULL };
    imh_run_t run;
    assert_int_equal (imh_run (argv, 30000, &run), 0);
    if (run.status != 0)
        fail_msg ("promtool check metrics: %d\n%s%s", run.status, run.out,
                  run.err);
    imh_run_clear (&run);
    imh_http_clear (&reply);
    imh_passed (harness);
}

//  The value of the sample "name" (with its labels) in a /metrics answer
static long
s_metric (imh_t *harness, const char *name)
{
    imh_http_reply_t reply = s_expect (harness, "GET", "/metrics", NULL, NULL,
                                       200);
    long value = s_sample (reply.body, name);
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
    imh_http_reply_t reply = s_expect (harness, "POST",
                                       "/v1/alerts/alertmanager", body, NULL,
                                       200);
    assert_int_equal (s_count (&reply, "opened"), 1000);
    assert_int_equal (s_count (&reply, "failed"), 0);
    imh_http_clear (&reply);
    assert_true (imh_log_lines (harness, "broker", "the queue was full") > 0);
    //  Every alert is in the log exactly once, and a second delivery of
    //  the notification adds nothing
    reply = s_expect (harness, "POST", "/v1/alerts/alertmanager", body, NULL,
                      200);
    assert_int_equal (s_count (&reply, "duplicate"), 1000);
    imh_http_clear (&reply);
    assert_int_equal (s_metric (harness, "imq_events_total{type="
                                         "\"incident.opened\"}"), 1000);
    assert_int_equal (s_metric (harness, "imq_commands_total{verb=\"ALERT\","
                                         "result=\"accepted\"}"), 1000);
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
    const char *argv [] = { "/usr/bin/curl", "-s", "-S", "--data-binary",
                            data, url, NULL };
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
    assert_int_equal (s_metric (probe->harness, "imq_commands_total{verb="
                                "\"ALERT\",result=\"accepted\"}"), 1000);
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
    //  The liveness probe is never turned away
    imh_http_reply_t reply = s_expect (harness, "GET", "/healthz", NULL, NULL,
                                       200);
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
    imh_http_reply_t reply = s_expect (harness, "POST", "/v1/incidents", body,
                                       probe.header, 201);
    int64_t id = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    reply = s_expect (harness, "POST", "/v1/incidents", body, probe.header,
                      201);
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
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, imh_teardown)
        T (test_incidents_open_and_read_back_as_imqctl_shows_them),
        T (test_bad_input_is_answered_and_writes_nothing),
        T (test_alertmanager_alerts_deduplicate_by_fingerprint),
        T (test_dedup_survives_a_broker_restart),
        cmocka_unit_test_prestate_setup_teardown (
            test_resolved_alerts_are_recorded_under_the_record_policy,
            s_setup, imh_teardown, (void *) &s_record),
        T (test_events_follow_pagerduty_semantics),
        T (test_metrics_and_health),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_full_queue_loses_nothing_and_doubles_nothing,
            s_setup, imh_teardown, (void *) &s_busy),
        cmocka_unit_test_prestate_setup_teardown (
            test_requests_beyond_inflight_max_are_answered_429,
            s_setup, imh_teardown, (void *) &s_one),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_full_queue_answers_503_and_a_retry_opens_once,
            s_setup, imh_teardown, (void *) &s_full),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
