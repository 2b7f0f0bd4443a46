/*  e2e_alertmanager - the real Prometheus Alertmanager against imq

    Debian's prometheus-alertmanager runs as a child of the test with a
    webhook receiver pointing at the broker's /v1/alerts/alertmanager,
    send_resolved on, and a group_interval of one second. Alerts are
    pushed into it through its own API (POST /api/v2/alerts), as
    Prometheus pushes them, and the test watches imq's incidents: one
    per alert fingerprint, none twice for a notification sent again,
    resolved with the alert, and a new one when the alert fires again.
    Two Alertmanagers that both notify the same alert, as HA peers may,
    make one incident.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>

#include "im_classes.h"
#include "im_harness.h"

#define ALERTMANAGER    "/usr/bin/prometheus-alertmanager"
#define WAIT_MS         30000       //  Bound on any one wait

//  An Alertmanager the test runs
typedef struct {
    char address [64];              //  127.0.0.1:<port> of its API
    int slot;                       //  Harness slot
} s_alertmanager_t;

static int
s_setup (void **state)
{
    *state = imh_new_node ("alertmanager", NULL, false, NULL);
    return *state ? 0 : -1;
}

//  True when GET url answers 200
static bool
s_answers (imh_t *harness, const char *url)
{
    imh_http_reply_t reply;
    if (imh_http_url (harness, "GET", url, NULL, 0, NULL, &reply))
        return false;
    bool ok = reply.status == 200;
    imh_http_clear (&reply);
    return ok;
}

typedef struct {
    imh_t *harness;                 //  The test's node
    char url [128];                 //  What must answer 200
} s_ready_t;

static bool
s_ready (void *arg)
{
    s_ready_t *ready = (s_ready_t *) arg;
    return s_answers (ready->harness, ready->url);
}

//  Starts Alertmanager number index, its webhook pointing at imq, and
//  waits until it is ready
static void
s_start (imh_t *harness, int index, s_alertmanager_t *alertmanager)
{
    char dir [600], config [700], storage [700], listen [128], name [32];
    snprintf (dir, sizeof dir, "%s", imh_dir (harness));
    snprintf (config, sizeof config, "%s/alertmanager-%d.yml", dir, index);
    snprintf (storage, sizeof storage, "--storage.path=%s/alertmanager-%d",
              dir, index);
    snprintf (alertmanager->address, sizeof alertmanager->address,
              "127.0.0.1:%d", imh_free_port ());
    //  The integration key: the first Alertmanager sends it in the
    //  receiver's URL, the second in its http_config (a bearer header),
    //  the two ways docs/http.md gives
    const char *key = imh_http_token (harness);
    assert_non_null (key);
    char url [300], http_config [300] = "";
    if (index == 1)
        snprintf (url, sizeof url, "http://%s/v1/alerts/alertmanager/%s",
                  imh_http_address (harness), key);
    else {
        snprintf (url, sizeof url, "http://%s/v1/alerts/alertmanager",
                  imh_http_address (harness));
        snprintf (http_config, sizeof http_config,
                  "        http_config:\n"
                  "          authorization:\n"
                  "            type: Bearer\n"
                  "            credentials: %s\n", key);
    }
    FILE *file = fopen (config, "w");
    assert_non_null (file);
    fprintf (file,
        "route:\n"
        "  receiver: imq\n"
        "  group_by: [alertname]\n"
        "  group_wait: 0s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 1h\n"
        "receivers:\n"
        "  - name: imq\n"
        "    webhook_configs:\n"
        "      - url: %s\n"
        "        send_resolved: true\n%s", url, http_config);
    assert_int_equal (fclose (file), 0);
    char config_flag [720];
    snprintf (config_flag, sizeof config_flag, "--config.file=%s", config);
    snprintf (listen, sizeof listen, "--web.listen-address=%s",
              alertmanager->address);
    snprintf (name, sizeof name, "alertmanager-%d", index);
    const char *argv [] = {
        ALERTMANAGER, config_flag, storage, listen,
        "--cluster.listen-address=", NULL
    };
    alertmanager->slot = imh_start_command (harness, name, argv);
    assert_true (alertmanager->slot >= 0);
    s_ready_t ready = { harness, "" };
    snprintf (ready.url, sizeof ready.url, "http://%s/-/ready",
              alertmanager->address);
    if (!imh_wait_for (s_ready, &ready, WAIT_MS)) {
        imh_print_log (harness, alertmanager->slot);
        fail_msg ("Alertmanager %d did not become ready", index);
    }
}

//  Pushes alerts (a JSON array) into an Alertmanager, as Prometheus does
static void
s_push (imh_t *harness, const s_alertmanager_t *alertmanager,
        const char *alerts)
{
    char url [128];
    snprintf (url, sizeof url, "http://%s/api/v2/alerts",
              alertmanager->address);
    imh_http_reply_t reply;
    assert_int_equal (imh_http_url (harness, "POST", url, alerts,
                                    strlen (alerts), NULL, &reply), 0);
    if (reply.status != 200)
        fail_msg ("Alertmanager refused the alerts: %d %s", reply.status,
                  reply.body);
    imh_http_clear (&reply);
}

//  One alert for db<instance>, firing (ends_at NULL) or ended
static void
s_alert (char *buffer, size_t size, int instance, const char *starts_at,
         const char *ends_at)
{
    snprintf (buffer, size,
              "{\"labels\": {\"alertname\": \"DiskFull\", \"instance\": "
              "\"db%d\", \"severity\": \"critical\"}, \"annotations\": "
              "{\"summary\": \"disk full on db%d\"}%s%s%s%s%s%s}",
              instance, instance,
              starts_at ? ", \"startsAt\": \"" : "",
              starts_at ? starts_at : "", starts_at ? "\"" : "",
              ends_at ? ", \"endsAt\": \"" : "", ends_at ? ends_at : "",
              ends_at ? "\"" : "");
}

//  A time as RFC 3339, seconds from now
static void
s_time (char *buffer, size_t size, int seconds)
{
    time_t when = time (NULL) + seconds;
    struct tm tm;
    gmtime_r (&when, &tm);
    strftime (buffer, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

//  What imq holds of the alerts: the incidents by title
typedef struct {
    imh_t *harness;                 //  The node
    const char *title;              //  Incidents with this title...
    const char *status;             //  ...in this status (NULL: any)
    size_t count;                   //  ...must number this many
} s_incidents_t;

//  Counts imq's incidents with title (and status, when not NULL)
static size_t
s_count (imh_t *harness, const char *title, const char *status)
{
    imh_http_reply_t reply;
    if (imh_http (harness, "GET", "/v1/incidents", NULL, 0, NULL, &reply))
        return 0;
    size_t count = 0, index;
    json_t *incident;
    json_array_foreach (json_object_get (reply.json, "incidents"), index,
                        incident)
        if (streq (imh_json_str (incident, "title"), title)
        &&  (!status || streq (imh_json_str (incident, "status"), status)))
            count++;
    imh_http_clear (&reply);
    return count;
}

static bool
s_incidents_are (void *arg)
{
    s_incidents_t *wanted = (s_incidents_t *) arg;
    return s_count (wanted->harness, wanted->title, wanted->status)
        == wanted->count;
}

//  Waits until imq has count incidents titled title in status
static void
s_wait_incidents (imh_t *harness, const char *title, const char *status,
                  size_t count)
{
    s_incidents_t wanted = { harness, title, status, count };
    if (!imh_wait_for (s_incidents_are, &wanted, WAIT_MS))
        fail_msg ("expected %zu incidents '%s' (%s), found %zu", count,
                  title, status ? status : "any status",
                  s_count (harness, title, status));
}

//  Webhook notifications an Alertmanager says were answered (its
//  latency histogram counts a notification once the receiver answered)
typedef struct {
    imh_t *harness;                 //  The node
    const s_alertmanager_t *alertmanager;   //  Which one
    long at_least;                  //  How many to wait for
} s_sent_t;

static long
s_notifications (imh_t *harness, const s_alertmanager_t *alertmanager)
{
    char url [128];
    snprintf (url, sizeof url, "http://%s/metrics", alertmanager->address);
    imh_http_reply_t reply;
    if (imh_http_url (harness, "GET", url, NULL, 0, NULL, &reply))
        return -1;
    const char *name = "alertmanager_notification_latency_seconds_count"
                       "{integration=\"webhook\"} ";
    const char *found = strstr (reply.body, name);
    long count = found ? strtol (found + strlen (name), NULL, 10) : -1;
    imh_http_clear (&reply);
    return count;
}

static bool
s_sent (void *arg)
{
    s_sent_t *sent = (s_sent_t *) arg;
    return s_notifications (sent->harness, sent->alertmanager)
        >= sent->at_least;
}

static void
test_alerts_open_deduplicate_and_resolve (void **state)
{
    imh_t *harness = (imh_t *) *state;
    s_alertmanager_t alertmanager;
    s_start (harness, 1, &alertmanager);
    char db1 [512], db2 [512], db3 [512], alerts [2048], ended [64];

    //  Two alerts of one group: two incidents, by fingerprint
    s_alert (db1, sizeof db1, 1, NULL, NULL);
    s_alert (db2, sizeof db2, 2, NULL, NULL);
    snprintf (alerts, sizeof alerts, "[%s, %s]", db1, db2);
    s_push (harness, &alertmanager, alerts);
    s_wait_incidents (harness, "disk full on db1", "new", 1);
    s_wait_incidents (harness, "disk full on db2", "new", 1);

    //  A third alert joins the group: the next notification carries all
    //  three, and only db3 is new
    s_alert (db3, sizeof db3, 3, NULL, NULL);
    snprintf (alerts, sizeof alerts, "[%s, %s, %s]", db1, db2, db3);
    s_push (harness, &alertmanager, alerts);
    s_wait_incidents (harness, "disk full on db3", "new", 1);
    assert_int_equal (s_count (harness, "disk full on db1", NULL), 1);
    assert_int_equal (s_count (harness, "disk full on db2", NULL), 1);

    //  db1 ends: Alertmanager sends it resolved, imq resolves it
    s_time (ended, sizeof ended, -1);
    s_alert (db1, sizeof db1, 1, NULL, ended);
    snprintf (alerts, sizeof alerts, "[%s]", db1);
    s_push (harness, &alertmanager, alerts);
    s_wait_incidents (harness, "disk full on db1", "resolved", 1);
    assert_int_equal (s_count (harness, "disk full on db2", "new"), 1);

    //  db1 fires again: a new incident, the old one stays resolved
    s_alert (db1, sizeof db1, 1, NULL, NULL);
    snprintf (alerts, sizeof alerts, "[%s]", db1);
    s_push (harness, &alertmanager, alerts);
    s_wait_incidents (harness, "disk full on db1", NULL, 2);
    assert_int_equal (s_count (harness, "disk full on db1", "resolved"), 1);
    assert_int_equal (s_count (harness, "disk full on db1", "new"), 1);
    imh_passed (harness);
}

static void
test_two_alertmanagers_notifying_one_alert_make_one_incident (void **state)
{
    imh_t *harness = (imh_t *) *state;
    s_alertmanager_t peers [2];
    s_start (harness, 1, &peers [0]);
    s_start (harness, 2, &peers [1]);
    //  Prometheus sends each alert to every Alertmanager of the HA set;
    //  not clustered, each notifies: the duplicate HA allows, every time
    char started [64], alert [512], alerts [600];
    s_time (started, sizeof started, -60);
    s_alert (alert, sizeof alert, 7, started, NULL);
    snprintf (alerts, sizeof alerts, "[%s]", alert);
    for (int peer = 0; peer < 2; peer++)
        s_push (harness, &peers [peer], alerts);
    for (int peer = 0; peer < 2; peer++) {
        s_sent_t sent = { harness, &peers [peer], 1 };
        if (!imh_wait_for (s_sent, &sent, WAIT_MS))
            fail_msg ("Alertmanager %d sent no notification", peer + 1);
    }
    //  Both notifications were answered, and imq has one incident,
    //  counting one alert
    s_wait_incidents (harness, "disk full on db7", "new", 1);
    imh_http_reply_t reply;
    assert_int_equal (imh_http (harness, "GET", "/v1/incidents", NULL, 0,
                                NULL, &reply), 0);
    json_t *incident = json_array_get (json_object_get (reply.json,
                                                        "incidents"), 0);
    assert_int_equal (imh_json_int (incident, "alerts"), 1);
    imh_http_clear (&reply);
    assert_int_equal (s_count (harness, "disk full on db7", NULL), 1);
    imh_passed (harness);
}

int
main (void)
{
    if (access (ALERTMANAGER, X_OK)) {
        fprintf (stderr, "e2e_alertmanager: %s is missing; install "
                 "prometheus-alertmanager (tools/imq-deps)\n", ALERTMANAGER);
        return 1;
    }
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, imh_teardown)
        T (test_alerts_open_deduplicate_and_resolve),
        T (test_two_alertmanagers_notifying_one_alert_make_one_incident),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
