/*  e2e_cluster_http - HTTP clients need not know which node leads

    Three brokers on loopback, each serving HTTP. Writes sent to a
    follower's HTTP server (an incident, an Alertmanager notification,
    a PagerDuty-style trigger) are forwarded by that node to the leader
    and answered as the leader answered them; every node then holds what
    they opened. Reads are answered by the follower itself, and only the
    leader says it is ready (/readyz). Any node lists every node's
    addresses, HTTP included (/v1/cluster).
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election

//  POSTs body to path on node's HTTP server and checks the status
static imh_http_reply_t
s_post (imh_t *harness, int node, const char *path, const char *body,
        int expected)
{
    char url [160];
    snprintf (url, sizeof url, "http://%s%s", imh_node_http (harness, node),
              path);
    imh_http_reply_t reply;
    assert_int_equal (imh_http_url (harness, "POST", url, body, strlen (body),
                                    NULL, &reply), 0);
    if (reply.status != expected)
        fprintf (stderr, "POST %s: %d %s\n", url, reply.status,
                 reply.body ? reply.body : "");
    assert_int_equal (reply.status, expected);
    return reply;
}

typedef struct {
    imh_t *harness;
    int node;
    size_t count;                   //  Incidents wanted on node
} s_wait_t;

static bool
s_node_has (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    zlist_t *incidents = imh_node_incidents (wait->harness, wait->node);
    bool enough = incidents && zlist_size (incidents) >= wait->count;
    zlist_destroy (&incidents);
    return enough;
}

static void
test_writes_to_a_follower_reach_the_leader (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int follower = leader % NODES + 1;

    //  An incident, answered 201 with the id the leader gave it
    imh_http_reply_t reply = s_post (h, follower, "/v1/incidents",
        "{\"title\": \"Payroll export fails\", \"reporter\": \"ann\"}", 201);
    int64_t id = imh_json_int (reply.json, "incident");
    assert_true (id >= 1);
    imh_http_clear (&reply);

    //  A notification of two alerts, each its own incident
    reply = s_post (h, follower, "/v1/alerts/alertmanager",
        "{\"version\": \"4\", \"status\": \"firing\", \"receiver\": \"imq\","
        " \"groupKey\": \"{}:{alertname=\\\"DiskFull\\\"}\", \"alerts\": ["
        "{\"status\": \"firing\", \"fingerprint\": \"a1\", \"labels\": "
        "{\"alertname\": \"DiskFull\", \"instance\": \"db1\"}, "
        "\"annotations\": {\"summary\": \"Disk full on db1\"}, "
        "\"startsAt\": \"2026-11-28T06:00:00Z\"}, "
        "{\"status\": \"firing\", \"fingerprint\": \"a2\", \"labels\": "
        "{\"alertname\": \"DiskFull\", \"instance\": \"db2\"}, "
        "\"annotations\": {\"summary\": \"Disk full on db2\"}, "
        "\"startsAt\": \"2026-11-28T06:00:00Z\"}]}", 200);
    imh_http_clear (&reply);

    //  A PagerDuty-style trigger
    char event [512];
    assert_non_null (imh_http_token (h));
    snprintf (event, sizeof event, "{\"routing_key\": \"%s\", "
              "\"event_action\": \"trigger\", \"dedup_key\": \"cpu-web1\", "
              "\"payload\": {\"summary\": \"CPU at 99%% on web1\", "
              "\"source\": \"web1\", \"severity\": \"critical\"}}",
              imh_http_token (h));
    reply = s_post (h, follower, "/v1/events", event, 202);
    assert_string_equal (imh_json_str (reply.json, "dedup_key"), "cpu-web1");
    imh_http_clear (&reply);

    //  Every node holds the four incidents, the same ones
    for (int node = 1; node <= NODES; node++) {
        s_wait_t wait = { h, node, 4 };
        assert_true (imh_wait_for (s_node_has, &wait, WAIT_MS));
    }
    assert_int_equal (imh_cluster_check (h, 4, WAIT_MS), 0);

    //  A read on the follower is the follower's own answer
    char url [160];
    snprintf (url, sizeof url, "http://%s/v1/incidents/%" PRId64,
              imh_node_http (h, follower), id);
    assert_int_equal (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply), 0);
    assert_int_equal (reply.status, 200);
    assert_string_equal (imh_json_str (reply.json, "title"),
                         "Payroll export fails");
    imh_http_clear (&reply);

    //  Only the leader is ready to take writes itself
    snprintf (url, sizeof url, "http://%s/readyz", imh_node_http (h, follower));
    assert_int_equal (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply), 0);
    assert_int_equal (reply.status, 503);
    imh_http_clear (&reply);
    snprintf (url, sizeof url, "http://%s/readyz", imh_node_http (h, leader));
    assert_int_equal (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply), 0);
    assert_int_equal (reply.status, 200);
    imh_http_clear (&reply);

    //  Any node tells where every node is, the leader's HTTP address too
    snprintf (url, sizeof url, "http://%s/v1/cluster",
              imh_node_http (h, follower));
    assert_int_equal (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply), 0);
    assert_int_equal (reply.status, 200);
    assert_int_equal (imh_json_int (reply.json, "node_id"), follower);
    assert_string_equal (imh_json_str (reply.json, "raft_state"), "follower");
    assert_int_equal (imh_json_int (reply.json, "leader_id"), leader);
    assert_string_equal (imh_json_str (reply.json, "leader_http"),
                         imh_node_http (h, leader));
    json_t *members = json_object_get (reply.json, "members");
    assert_int_equal (json_array_size (members), NODES);
    assert_int_equal (imh_json_int (reply.json, "count"), NODES);
    for (int node = 1; node <= NODES; node++) {
        json_t *member = json_array_get (members, (size_t) node - 1);
        assert_int_equal (imh_json_int (member, "node"), node);
        assert_string_equal (imh_json_str (member, "http"),
                             imh_node_http (h, node));
        assert_string_equal (imh_json_str (member, "client"),
                             imh_node_endpoint (h, node));
        assert_string_equal (imh_json_str (member, "raft"),
                             imh_node_raft (h, node));
        assert_string_equal (imh_json_str (member, "source"), "config");
    }
    imh_http_clear (&reply);
    assert_int_equal (imh_http_url (h, "POST", url, "{}", 2, NULL, &reply),
                      0);
    assert_int_equal (reply.status, 405);
    imh_http_clear (&reply);
    imh_passed (h);
}

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "cluster-http", NULL, NODES);
}

int
main (void)
{
    return imh_run_test ("test_writes_to_a_follower_reach_the_leader",
                         test_writes_to_a_follower_reach_the_leader,
                         s_setup);
}
