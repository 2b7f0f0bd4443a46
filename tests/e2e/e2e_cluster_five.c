/*  e2e_cluster_five - five nodes lose two and keep serving

    Five brokers on loopback, started from a configuration that lists
    them under cluster.members. "imqctl cluster status --json" shows all
    five, each with its role, term, commit and applied index and lag.
    Then a client puts two thousand OPENs in flight and the leader is
    SIGKILLed under them; once the four left have taken every write, a
    second batch goes in flight and the new leader is SIGKILLed too. Two
    of five are down: the three left are still a majority and must take
    writes again, the time to the first answer after each kill printed.
    From every surviving node's own log: each answered write is there
    exactly once, under the incident its answer named, and the nodes
    hold the same incidents in the same order. The two killed nodes are
    started again and must catch up to the same log.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       5
#define KILLS       2               //  Nodes killed, one after the other
#define WRITES      2000            //  OPENs per round
#define KILL_AFTER  100             //  Answered before the kill
#define PROBES      50              //  OPENs sent after the kill
#define WAIT_MS     30000           //  Bound on any one wait (far above
                                    //  libraft's 1-2 s elections, for a
                                    //  loaded machine)

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "five", NULL, NODES);
}

//  What s_all_answer waits for: running nodes answering cluster status
typedef struct {
    imh_t *harness;                 //  The cluster
    int running;                    //  Nodes up
} s_answers_t;

//  True when "imqctl cluster status" hears from every running node (a
//  node that just restarted may be too busy catching up for one try)
static bool
s_all_answer (void *arg)
{
    s_answers_t *answers = (s_answers_t *) arg;
    json_t *status = imh_ctl_json (answers->harness, "cluster", "status",
                                   NULL);
    int answered = 0;
    size_t index;
    json_t *node;
    json_array_foreach (json_object_get (status, "nodes"), index, node)
        answered += !streq (imh_json_str (node, "raft_state"),
                            "unreachable");
    json_decref (status);
    return answered == answers->running;
}

//  Checks "imqctl cluster status --json": every node of the five is
//  listed; those running answer with their figures, one of them as
//  leader, and the others are unreachable. Returns the leader's id.
static int64_t
s_check_status (imh_t *h, int running)
{
    s_answers_t answers = { h, running };
    assert_true (imh_wait_for (s_all_answer, &answers, WAIT_MS));
    json_t *status = imh_ctl_json (h, "cluster", "status", NULL);
    assert_non_null (status);
    json_t *nodes = json_object_get (status, "nodes");
    assert_true (json_is_array (nodes));
    assert_int_equal (json_array_size (nodes), NODES);
    int leaders = 0, answered = 0;
    int64_t leader = 0, seen = 0;
    size_t index;
    json_t *node;
    json_array_foreach (nodes, index, node) {
        const char *role = imh_json_str (node, "raft_state");
        if (streq (role, "unreachable"))
            continue;
        answered++;
        int64_t id = imh_json_int (node, "node_id");
        assert_true (id >= 1 && id <= NODES);
        assert_false (seen & (1 << id));        //  Each node once
        seen |= 1 << id;
        assert_true (streq (role, "leader") || streq (role, "follower"));
        if (streq (role, "leader")) {
            leaders++;
            leader = id;
        }
        assert_true (imh_json_int (node, "term") >= 1);
        assert_true (imh_json_int (node, "commit_index") >= 1);
        assert_true (imh_json_int (node, "applied_index") >= 0);
        assert_true (imh_json_int (node, "lag") >= 0);
    }
    json_decref (status);
    assert_int_equal (answered, running);
    assert_int_equal (leaders, 1);
    return leader;
}

static void
test_five_nodes_survive_two_kills (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_int_equal (s_check_status (h, NODES),
                      imh_cluster_leader (h, WAIT_MS));

    int killed [KILLS];
    for (int round = 0; round < KILLS; round++) {
        imh_failover_t failover;
        assert_int_equal (imh_cluster_failover (h, round, WRITES, KILL_AFTER,
                                                PROBES, WAIT_MS, &failover),
                          0);
        killed [round] = failover.killed;
        printf ("%d of %d down: writes accepted again after %" PRIu64
                " ms\n", round + 1, NODES, failover.gap_ms);
        //  From the nodes that survived so far
        assert_int_equal (imh_cluster_check (h, (round + 1)
                                                * (WRITES + PROBES),
                                             WAIT_MS), 0);
    }
    assert_int_equal (s_check_status (h, NODES - KILLS),
                      imh_cluster_leader (h, WAIT_MS));

    //  Back, the two catch up with what they missed
    for (int round = 0; round < KILLS; round++)
        assert_int_equal (imh_node_restart (h, killed [round]), 0);
    assert_int_equal (imh_cluster_check (h, KILLS * (WRITES + PROBES),
                                         WAIT_MS), 0);
    assert_true (s_check_status (h, NODES) > 0);
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test ("test_five_nodes_survive_two_kills",
                         test_five_nodes_survive_two_kills, s_setup);
}
