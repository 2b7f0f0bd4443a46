/*  e2e_http_alerts - alerts into the broker's HTTP API, and its metrics

    Alertmanager notifications and PagerDuty-style events are posted with
    curl, as their senders post them, against a real broker: alerts
    deduplicated by fingerprint or dedup key, also across a restart,
    resolved ones recorded or acted on as http.alert_resolve says, and
    the metrics and health endpoints answering what happened, the
    metrics checked with promtool. The incident endpoints and load are
    in e2e_http.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

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

static const imh_http_node_t s_record = { "http-record", true, 0, 64, 0 };
static const imh_http_node_t s_resend = { "http-resend", false, 0, 64,
                                           1000 };

//  Posts the sample notification, the second alert with status
static imh_http_reply_t
s_notify (imh_t *harness, const char *status)
{
    char body [4096];
    snprintf (body, sizeof body, S_NOTIFICATION, status);
    return imh_http_expect (harness, "POST", "/v1/alerts/alertmanager", body,
                            NULL, 200);
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
    imh_http_reply_t reply =
        imh_http_expect (harness, "GET", path, NULL, NULL, 200);
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
    imh_http_reply_t later = imh_http_expect (
        harness, "POST", "/v1/alerts/alertmanager", refire, NULL, 200);
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
    imh_http_reply_t again = imh_http_expect (
        harness, "POST", "/v1/alerts/alertmanager",
        "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": "
        "\"e94c744ae3d44df8\", \"startsAt\": \"2026-11-28T05:00:00Z\", "
        "\"labels\": {\"alertname\": \"DiskFull\"}}]}",
        NULL, 200);
    assert_int_equal (s_count (&again, "added"), 1);
    assert_int_equal (s_incident_of (&again, 0), db1);
    imh_http_clear (&again);
    //  And the counters carried on
    imh_http_reply_t metrics =
        imh_http_expect (harness, "GET", "/metrics", NULL, NULL, 200);
    assert_int_equal (imh_http_sample (metrics.body, "imq_events_total{type="
                                                     "\"alert.repeated\"}"),
                      1);
    assert_int_equal (imh_http_sample (metrics.body, "imq_events_total{type="
                                                     "\"incident.opened\"}"),
                      2);
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
    assert_non_null (imh_http_token (harness));
    snprintf (body, sizeof body,
              "{\"routing_key\": \"%s\", "
              "\"event_action\": \"%s\", \"dedup_key\": \"%s\", "
              "\"payload\": {\"summary\": \"CPU above 95%% on web1\", "
              "\"source\": \"web1\", \"severity\": \"error\", "
              "\"component\": \"nginx\", \"custom_details\": "
              "{\"cpu\": 97}}, \"client\": \"monitor\"}",
              imh_http_token (harness), action, key);
    return imh_http_expect (harness, "POST", path, body, NULL, 202);
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
    char event [512];
    snprintf (event, sizeof event, "{\"routing_key\": \"%s\", "
              "\"event_action\": \"trigger\", \"payload\": {\"summary\": "
              "\"s\", \"source\": \"h\", \"severity\": \"info\"}}",
              imh_http_token (harness));
    reply = imh_http_expect (harness, "POST", "/v1/events", event, NULL, 202);
    assert_int_equal (strlen (imh_json_str (reply.json, "dedup_key")), 32);
    imh_http_clear (&reply);
    imh_passed (harness);
}

//  What a firing alert sent again is waited on for: its incident's
//  last_alert_ms moved past since
typedef struct {
    imh_t *harness;                 //  The node
    int64_t incident;               //  The alert's incident
    int64_t since;                  //  last_alert_ms to move past
    int posts;                      //  Notifications posted meanwhile
} s_resend_t;

static bool
s_seen_again (void *arg)
{
    s_resend_t *resend = (s_resend_t *) arg;
    imh_http_reply_t reply = s_notify (resend->harness, "firing");
    resend->posts++;
    //  A re-send is never a new occurrence
    assert_int_equal (s_count (&reply, "opened"), 0);
    assert_int_equal (s_count (&reply, "added"), 0);
    imh_http_clear (&reply);
    json_t *incident = s_get (resend->harness, resend->incident);
    bool moved = imh_json_int (incident, "last_alert_ms") > resend->since;
    json_decref (incident);
    return moved;
}

static void
test_a_firing_alert_sent_again_records_that_it_still_fires (void **state)
{
    imh_t *harness = (imh_t *) *state;
    char policy [600];
    snprintf (policy, sizeof policy, "%s/desk.yaml", imh_dir (harness));
    FILE *file = fopen (policy, "w");
    assert_non_null (file);
    fputs ("lifecycle:\n  alert_heartbeat: 1s\n", file);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (imh_ctl (harness, NULL, "config", "apply", policy,
                               NULL), 0);
    uint64_t started = im_mono_ms ();
    int64_t db1 = s_fire (harness, 0);
    json_t *incident = s_get (harness, db1);
    int64_t first = imh_json_int (incident, "last_alert_ms");
    json_decref (incident);
    //  Alertmanager sends it again (both peers of an HA pair, every
    //  repeat_interval): posted until the incident shows it still fires
    s_resend_t resend = { harness, db1, first, 0 };
    assert_true (imh_wait_for (s_seen_again, &resend, 20000));
    assert_true (resend.posts >= 2);
    uint64_t elapsed_s = (im_mono_ms () - started) / 1000;
    incident = s_get (harness, db1);
    assert_int_equal (imh_json_int (incident, "alerts"), 1);
    assert_string_equal (imh_json_str (incident, "status"), "new");
    json_decref (incident);
    //  At most one alert.seen a heartbeat (1 s), however many re-sends
    int seen = imh_count_events (harness, (uint64_t) db1, "alert.seen",
                                 NULL, NULL);
    assert_true (seen >= 1);
    assert_true ((uint64_t) seen <= elapsed_s + 1);
    assert_true (seen < resend.posts);
    assert_int_equal (imh_count_events (harness, (uint64_t) db1,
                                        "alert.repeated", NULL, NULL), 0);
    imh_passed (harness);
}

static void
test_metrics_and_health (void **state)
{
    imh_t *harness = (imh_t *) *state;
    imh_http_reply_t reply =
        imh_http_expect (harness, "GET", "/healthz", NULL, NULL, 200);
    imh_http_clear (&reply);
    reply = imh_http_expect (harness, "GET", "/readyz", NULL, NULL, 200);
    assert_true (json_is_true (json_object_get (reply.json, "ready")));
    imh_http_clear (&reply);
    imh_http_reply_t first = s_notify (harness, "firing");
    imh_http_clear (&first);
    first = s_notify (harness, "firing");
    imh_http_clear (&first);
    reply = imh_http_expect (harness, "POST", "/v1/incidents", "{}", NULL, 400);
    imh_http_clear (&reply);

    reply = imh_http_expect (harness, "GET", "/metrics", NULL, NULL, 200);
    const char *text = reply.body;
    assert_int_equal (imh_http_sample (text, "imq_events_total{type=\"incident."
                                             "opened\"}"),
                      2);
    //  Two triggers, then the copy's two heartbeats (no event)
    assert_int_equal (imh_http_sample (text,
                                       "imq_commands_total{verb=\"ALERT\","
                                       "result=\"accepted\"}"),
                      4);
    assert_int_equal (imh_http_sample (text, "imq_incidents{status=\"new\","
                                             "priority=\"0\"}"),
                      2);
    assert_int_equal (imh_http_sample (text, "imq_http_requests_total{code="
                                             "\"400\"}"),
                      1);
    assert_int_equal (imh_http_sample (text, "imq_raft_leader"), 1);
    assert_true (imh_http_sample (text, "imq_raft_applied_index") >= 1);
    assert_int_equal (imh_http_sample (text, "imq_sla_breaches_total"), 0);

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

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, imh_http_setup, \
                                                 imh_teardown)
        T (test_alertmanager_alerts_deduplicate_by_fingerprint),
        T (test_dedup_survives_a_broker_restart),
        cmocka_unit_test_prestate_setup_teardown (
            test_resolved_alerts_are_recorded_under_the_record_policy,
            imh_http_setup, imh_teardown, (void *) &s_record),
        T (test_events_follow_pagerduty_semantics),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_firing_alert_sent_again_records_that_it_still_fires,
            imh_http_setup, imh_teardown, (void *) &s_resend),
        T (test_metrics_and_health),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
