/*  e2e_cluster_changes - membership changes that are refused, and
    removals down to a single node, while the cluster serves

    Three brokers on loopback and a fourth added with "imqctl cluster
    add", which names its worker endpoint and HTTP address. Adding the
    fourth again, or a fifth at the Raft address of the second, is
    refused with a clear 409 and records nothing: every node
    (CLUSTER-MEMBERS, and GET /v1/cluster over HTTP) knows the fourth
    by the addresses of its first add and knows no fifth. Removing a
    node that is not a member, or handing leadership to one or to the
    leader, is refused with a clear 404 or 409. Once the
    fourth leads, a write over HTTP to another node is answered 503
    naming the leader's HTTP address, and taken there. Then, while
    writes go on, the leader is removed (another node takes over), a
    follower is removed, and the leader of the last two is removed: the
    node left alone leads and takes every write. Removing it too is
    refused, as the last voter. Every write answered along the way is
    in the log of the node left exactly once.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define WRITES      600             //  OPENs through the changes
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election
#define CTL_MS      "15000"         //  imqctl's --timeout

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "changes", NULL, NODES);
}

//  Runs imqctl cluster VERB NODE [RAFT [--client EP --workers EP --http
//  ADDRESS]] (the three given when client is); returns its exit code
//  and leaves its output in run
static int
s_cluster (imh_t *h, imh_run_t *run, const char *verb, const char *node,
           const char *raft, const char *client)
{
    //  The list holds nodes stopped by now: leave time to pass them by
    if (raft && client)
        return imh_ctl (h, run, "--timeout", CTL_MS, "cluster", verb, node,
                        raft, "--client", client, "--workers", client,
                        "--http", "127.0.0.1:1", NULL);
    return imh_ctl (h, run, "--timeout", CTL_MS, "cluster", verb, node, raft,
                    NULL);
}

//  Asserts that imqctl cluster VERB ... exited 0
static void
s_ok (imh_t *h, const char *verb, const char *node, const char *raft,
      const char *client)
{
    imh_run_t run;
    int rc = s_cluster (h, &run, verb, node, raft, client);
    if (rc != 0)
        fail_msg ("imqctl cluster %s %s: exit %d\n%s%s", verb, node, rc,
                  run.out, run.err);
    imh_run_clear (&run);
}

//  Asserts that imqctl cluster VERB ... failed, saying why
static void
s_refused (imh_t *h, const char *verb, const char *node, const char *raft,
           const char *client, const char *why)
{
    imh_run_t run;
    int rc = s_cluster (h, &run, verb, node, raft, client);
    if (rc == 0 || !strstr (run.err, why))
        fail_msg ("imqctl cluster %s %s: exit %d, wanted a refusal "
                  "saying '%s'\n%s%s", verb, node, rc, why, run.out,
                  run.err);
    imh_run_clear (&run);
}

//  The members node knows (CLUSTER-MEMBERS): the count, and the HTTP
//  address of member into http ("" when node does not know it)
static int64_t
s_members (imh_t *h, int node, int member, char *http, size_t size)
{
    im_reply_t *reply = imh_node_call (h, node, "CLUSTER-MEMBERS", NULL);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    int64_t count = im_fields_int_or (reply->body, "count", -1);
    assert_int_equal (count, (int64_t) zlist_size (reply->items));
    http [0] = 0;
    const im_fields_t *item = (const im_fields_t *) zlist_first (reply->items);
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        if (im_fields_int_or (item, "node", 0) == member)
            im_strlcpy (http, im_fields_str_or (item, "http", ""), size);
    im_reply_destroy (&reply);
    return count;
}

//  Stops node, the leader just removed, and returns the node that leads
//  the others next
static int
s_next_leader (imh_t *h, int removed)
{
    int slot = imh_node_slot (h, removed);
    assert_true (imh_stop (h, slot, WAIT_MS) >= 0 || !imh_running (h, slot));
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    assert_int_not_equal (leader, removed);
    return leader;
}

static void
test_refused_changes_and_removals (void **state)
{
    imh_t *h = (imh_t *) *state;
    int joined = imh_cluster_join (h);
    assert_int_equal (joined, NODES + 1);
    char id [16];
    snprintf (id, sizeof id, "%d", joined);
    imh_run_t run;
    //  Its HTTP address, not its client endpoint: while it leads, the
    //  others cannot forward writes to it
    int rc = imh_ctl (h, &run, "cluster", "add", id, imh_node_raft (h, joined),
                      "--workers", imh_node_workers (h, joined), "--http",
                      imh_node_http (h, joined), NULL);
    if (rc != 0)
        fail_msg ("imqctl cluster add: exit %d\n%s%s", rc, run.out, run.err);
    imh_run_clear (&run);
    //  Sent to every node, the fourth included
    imh_writes_t *writes = imh_cluster_writes (h, NULL, "changes", WRITES);
    assert_non_null (writes);
    assert_true (imh_writes_run (writes, 50, WAIT_MS) >= 50);

    //  The same id again, with endpoints or without, and a new id at a
    //  member's Raft address: 409, and nothing recorded
    s_refused (h, "add", id, imh_node_raft (h, joined), "tcp://10.0.0.9:7700",
               "node 4 is already a member");
    s_refused (h, "add", "2", imh_node_raft (h, 2), NULL,
               "node 2 is already a member");
    s_refused (h, "add", "5", imh_node_raft (h, 2), "tcp://10.0.0.9:7700",
               "is already used by node 2");
    s_refused (h, "remove", "9", NULL, NULL, "node 9 is not a member");
    s_refused (h, "transfer-leadership", "9", NULL, NULL,
               "node 9 is not a member");
    char leader_id [16];
    snprintf (leader_id, sizeof leader_id, "%d",
              imh_cluster_leader (h, LEADER_MS));
    s_refused (h, "transfer-leadership", leader_id, NULL, NULL,
               "leads already");
    assert_true (imh_writes_run (writes, 150, WAIT_MS) >= 150);
    assert_true (imh_cluster_converged (h, WAIT_MS));
    for (int node = 1; node <= joined; node++) {
        char http [IMH_PATH_MAX];
        assert_int_equal (s_members (h, node, 5, http, sizeof http), 4);
        assert_string_equal (http, "");
        s_members (h, node, joined, http, sizeof http);
        assert_string_equal (http, imh_node_http (h, joined));
    }
    //  imqctl shows them, as a table and as JSON
    rc = imh_ctl (h, &run, "cluster", "members", NULL);
    assert_int_equal (rc, 0);
    assert_non_null (strstr (run.out, imh_node_http (h, joined)));
    assert_non_null (strstr (run.out, "SOURCE"));
    imh_run_clear (&run);
    json_t *listed = imh_ctl_json (h, "cluster", "members", NULL);
    assert_non_null (listed);
    assert_int_equal (json_array_size (json_object_get (listed, "members")),
                      joined);
    json_decref (listed);
    //  Over HTTP, the fourth as the log recorded it
    char url [160];
    snprintf (url, sizeof url, "http://%s/v1/cluster", imh_node_http (h, 1));
    imh_http_reply_t reply;
    assert_int_equal (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply), 0);
    assert_int_equal (reply.status, 200);
    json_t *member = json_array_get (json_object_get (reply.json, "members"),
                                     (size_t) joined - 1);
    assert_int_equal (imh_json_int (member, "node"), joined);
    assert_string_equal (imh_json_str (member, "http"),
                         imh_node_http (h, joined));
    assert_string_equal (imh_json_str (member, "source"), "log");
    imh_http_clear (&reply);

    //  Led by the fourth, a write over HTTP to another node is answered
    //  503 naming the leader's HTTP address, where it is taken
    rc = imh_ctl (h, &run, "cluster", "transfer-leadership", id, NULL);
    if (rc != 0)
        fail_msg ("imqctl cluster transfer-leadership: exit %d\n%s%s", rc,
                  run.out, run.err);
    imh_run_clear (&run);
    assert_true (imh_cluster_wait_leader (h, joined, LEADER_MS));
    const char *json = "{\"title\": \"Sent to a follower\", "
                       "\"reporter\": \"web\"}";
    snprintf (url, sizeof url, "http://%s/v1/incidents", imh_node_http (h, 1));
    assert_int_equal (imh_http_url (h, "POST", url, json, strlen (json),
                                    "Idempotency-Key: follower-1", &reply), 0);
    assert_int_equal (reply.status, 503);
    assert_string_equal (imh_json_str (reply.json, "leader_http"),
                         imh_node_http (h, joined));
    snprintf (url, sizeof url, "http://%s/v1/incidents",
              imh_json_str (reply.json, "leader_http"));
    imh_http_clear (&reply);
    assert_int_equal (imh_http_url (h, "POST", url, json, strlen (json),
                                    "Idempotency-Key: follower-1", &reply), 0);
    assert_int_equal (reply.status, 201);
    imh_http_clear (&reply);

    //  The leader removed: another node leads and takes the writes
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    snprintf (id, sizeof id, "%d", leader);
    s_ok (h, "remove", id, NULL, NULL);
    leader = s_next_leader (h, leader);
    assert_true (imh_writes_run (writes, 300, WAIT_MS) >= 300);

    //  A follower removed, then the leader of the last two
    int follower = 1;
    while (follower == leader || !imh_running (h, imh_node_slot (h, follower)))
        follower++;
    snprintf (id, sizeof id, "%d", follower);
    s_ok (h, "remove", id, NULL, NULL);
    int slot = imh_node_slot (h, follower);
    assert_true (imh_stop (h, slot, WAIT_MS) >= 0 || !imh_running (h, slot));
    assert_true (imh_writes_run (writes, 400, WAIT_MS) >= 400);
    snprintf (id, sizeof id, "%d", leader);
    s_ok (h, "remove", id, NULL, NULL);
    int last = s_next_leader (h, leader);
    assert_int_equal (imh_writes_run (writes, WRITES, WAIT_MS), WRITES);

    //  The last voter stays
    snprintf (id, sizeof id, "%d", last);
    s_refused (h, "remove", id, NULL, NULL, "last voter");
    assert_int_equal (imh_cluster_leader (h, LEADER_MS), last);
    //  With the one over HTTP
    assert_int_equal (imh_cluster_check (h, WRITES + 1, WAIT_MS), 0);
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test ("test_refused_changes_and_removals",
                         test_refused_changes_and_removals, s_setup);
}
