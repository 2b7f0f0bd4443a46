/*  e2e_corrupt_log - one flipped bit in one node's Raft log loses
    nothing acknowledged

    The scenario of a field report, step for step, on three brokers:
    follower A is SIGKILLed; opens arrive at 150 a second for 10 s, so
    that the leader L and follower B commit them without A; L and B are
    SIGKILLed together; one bit is flipped in the entry data of B's
    newest open Raft segment, 300 batches before its end; A and B start
    again, and L only once A and B had time to elect one of them. libraft
    0.15 loads B's segment up to the damaged batch and says nothing, so
    B's log ends about 300 batches early. A and B must not elect B with
    that log: B knows how far its log reached (it recorded that each time
    entries were stored) and neither votes nor campaigns until the
    leader has sent back what it lost. Every acknowledged open must then
    be on every node under the incident its answer named, B must be a
    follower with the whole log, and B must vote again: with L killed,
    A needs B's vote to lead.

    A node that is its cluster's only voter has no one to get the lost
    entries from: it must not start with that log (libraft would make
    it leader at once, and new entries would reuse the lost indexes),
    and must say which entries are missing.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define RATE        150             //  Opens a second
#define LOAD_MS     10000           //  How long
#define FROM_END    300             //  Batches from the end of the segment
#define WAIT_MS     60000           //  Bound on any one wait
#define LEADER_MS   15000           //  Bound on an election
#define ELECTION_MS 1500            //  Time A and B get to elect alone

typedef struct {
    imh_t *harness;                 //  The cluster
    int first, second;              //  Nodes watched
    int leader;                     //  Found: one of them leads, or 0
} s_pair_t;

//  True once first or second says it leads
static bool
s_pair_leads (void *arg)
{
    s_pair_t *pair = (s_pair_t *) arg;
    int nodes [2] = { pair->first, pair->second };
    for (int index = 0; index < 2; index++) {
        im_reply_t *reply = imh_node_call (pair->harness, nodes [index],
                                           "STATUS", NULL);
        if (reply && reply->status == 200 && reply->body
        &&  streq (im_fields_str_or (reply->body, "raft_state", ""),
                   "leader"))
            pair->leader = nodes [index];
        im_reply_destroy (&reply);
    }
    return pair->leader != 0;
}

//  True once both first and second answer STATUS
static bool
s_pair_up (void *arg)
{
    s_pair_t *pair = (s_pair_t *) arg;
    int nodes [2] = { pair->first, pair->second };
    int up = 0;
    for (int index = 0; index < 2; index++) {
        im_reply_t *reply = imh_node_call (pair->harness, nodes [index],
                                           "STATUS", NULL);
        up += reply && reply->status == 200;
        im_reply_destroy (&reply);
    }
    return up == 2;
}

//  node's STATUS log_repair_to, or -1 when it did not answer
static int64_t
s_repair_to (imh_t *h, int node)
{
    im_reply_t *reply = imh_node_call (h, node, "STATUS", NULL);
    int64_t value = reply && reply->status == 200 && reply->body
                  ? im_fields_int_or (reply->body, "log_repair_to", -1) : -1;
    im_reply_destroy (&reply);
    return value;
}

//  node's metric imq_raft_log_repair_to, or -1
static long
s_repair_metric (imh_t *h, int node)
{
    char url [128];
    snprintf (url, sizeof url, "http://%s/metrics", imh_node_http (h, node));
    imh_http_reply_t reply;
    long value = -1;
    if (imh_http_url (h, "GET", url, NULL, 0, NULL, &reply) == 0) {
        value = imh_http_sample (reply.body, "imq_raft_log_repair_to");
        imh_http_clear (&reply);
    }
    return value;
}

//  Counts the acknowledged writes each running node lacks, printed;
//  returns the most any node lacks
static int
s_missing (imh_t *h, imh_writes_t *writes)
{
    int most = 0;
    for (int node = 1; node <= NODES; node++) {
        if (!imh_running (h, imh_node_slot (h, node)))
            continue;
        zlist_t *incidents = imh_node_incidents (h, node);
        assert_non_null (incidents);
        int missing = imh_writes_missing (writes, incidents);
        printf ("node %d: %zu incidents, %d acknowledged opens missing\n",
                node, zlist_size (incidents), missing);
        if (missing > most)
            most = missing;
        zlist_destroy (&incidents);
    }
    return most;
}

static void
test_flipped_bit_in_a_follower_log_loses_nothing (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int a = leader % NODES + 1;
    int b = a % NODES + 1;
    printf ("L = node %d, A = node %d, B = node %d\n", leader, a, b);

    assert_int_equal (imh_node_kill (h, a), 0);
    int count = RATE * LOAD_MS / 1000;
    imh_writes_t *writes = imh_cluster_writes (h, NULL, "load", count);
    assert_non_null (writes);
    int acknowledged = imh_writes_paced (writes, RATE, LOAD_MS);
    printf ("%d opens acknowledged in %d ms\n", acknowledged, LOAD_MS);
    assert_true (acknowledged > count / 2);

    assert_int_equal (imh_node_kill (h, leader), 0);
    assert_int_equal (imh_node_kill (h, b), 0);
    char what [IMH_PATH_MAX + 128];
    assert_int_equal (imh_raft_flip (h, b, FROM_END, what, sizeof what), 0);
    printf ("flipped %s\n", what);

    assert_int_equal (imh_node_restart (h, a), 0);
    assert_int_equal (imh_node_restart (h, b), 0);
    s_pair_t pair = { h, a, b, 0 };
    assert_true (imh_wait_for (s_pair_up, &pair, WAIT_MS));
    //  Time for A and B to elect one of them, as they would if B voted
    //  with its short log; L is started after that
    bool elected = imh_wait_for (s_pair_leads, &pair, ELECTION_MS);
    printf ("without L: %s\n", elected ? "a leader was elected"
                                       : "no leader");
    //  B says it repairs, and how far its log must reach
    int64_t repair_to = s_repair_to (h, b);
    printf ("B: log_repair_to %" PRId64 "\n", repair_to);
    assert_true (repair_to > 0);
    assert_int_equal (s_repair_metric (h, b), repair_to);
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "cluster", "status", NULL), 0);
    assert_non_null (strstr (run.out, "repairing"));
    imh_run_clear (&run);
    assert_int_equal (imh_node_restart (h, leader), 0);
    assert_true (imh_cluster_leader (h, LEADER_MS) > 0);
    assert_true (imh_cluster_converged (h, WAIT_MS));

    int lost = s_missing (h, writes);
    printf ("acknowledged %d, lost on some node %d\n", acknowledged, lost);
    assert_int_equal (lost, 0);
    assert_false (elected);
    char b_name [16];
    snprintf (b_name, sizeof b_name, "node%d", b);
    assert_true (imh_log_lines (h, b_name, "log lost entries") >= 1);
    //  The writes not answered before the kills go through now, and
    //  every node holds every one once, in the same order
    assert_int_equal (imh_writes_run (writes, count, WAIT_MS), count);
    assert_int_equal (imh_cluster_check (h, count, WAIT_MS), 0);
    assert_true (imh_log_lines (h, b_name, "log repaired") >= 1);
    assert_int_equal (s_repair_to (h, b), 0);

    //  B votes again: with the leader gone, the other two need its vote
    int now = imh_cluster_leader (h, LEADER_MS);
    assert_true (now > 0);
    assert_int_equal (imh_node_kill (h, now), 0);
    int next = imh_cluster_leader (h, LEADER_MS);
    assert_true (next > 0 && next != now);
    imh_writes_t *after = imh_cluster_writes (h, NULL, "after", 100);
    assert_non_null (after);
    assert_int_equal (imh_writes_run (after, 100, WAIT_MS), 100);
    assert_int_equal (imh_cluster_check (h, count + 100, WAIT_MS), 0);
    imh_passed (h);
}

static void
test_only_voter_with_a_short_log_does_not_start (void **state)
{
    imh_t *h = imh_new_cluster ("corrupt-log-one", NULL, 1);
    assert_non_null (h);
    *state = h;
    imh_writes_t *writes = imh_cluster_writes (h, NULL, "one", 300);
    assert_non_null (writes);
    int acknowledged = imh_writes_paced (writes, RATE, 2000);
    assert_true (acknowledged > 0);
    assert_int_equal (imh_node_kill (h, 1), 0);
    char what [IMH_PATH_MAX + 128];
    assert_int_equal (imh_raft_flip (h, 1, 20, what, sizeof what), 0);
    printf ("flipped %s\n", what);

    assert_int_equal (imh_node_restart (h, 1), 0);
    int slot = imh_node_slot (h, 1);
    assert_int_equal (imh_wait_exit (h, slot, WAIT_MS), 1);
    assert_true (imh_log_lines (h, "node1", "no other voter can send them "
                                           "back") >= 1);
    assert_true (imh_log_lines (h, "node1", "lost entries") >= 1);
    //  Started again, it refuses again: the mark still says how far
    //  the log reached, though libraft has cut the segment by now
    assert_int_equal (imh_node_restart (h, 1), 0);
    assert_int_equal (imh_wait_exit (h, slot, WAIT_MS), 1);
    assert_true (imh_log_lines (h, "node1", "no other voter can send them "
                                           "back") >= 2);
    imh_passed (h);
}

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "corrupt-log", NULL, NODES);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_flipped_bit_in_a_follower_log_loses_nothing, s_setup,
            imh_teardown),
        cmocka_unit_test_teardown (
            test_only_voter_with_a_short_log_does_not_start, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
