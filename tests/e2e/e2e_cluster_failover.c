/*  e2e_cluster_failover - the leader of three dies under load, again
    and again; every acknowledged write stays, once, in the same order

    Three brokers on loopback. In each round a client puts two thousand
    OPENs in flight through the whole cluster, and once a hundred of
    them are answered the leader is SIGKILLed. A second client starts
    writing right after the kill: its first answer measures how long
    the cluster took to accept writes again. The client resends what
    is not answered, with the same request ids, and follows the
    redirects to whichever node leads next. Then, from every surviving
    node's own log: each answered write is there exactly once, under
    the incident its answer named, and the nodes hold the same
    incidents in the same order. The killed node is started again and
    must catch up before the next round kills the next leader.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define ROUNDS      3               //  Leaders killed
#define WRITES      2000            //  OPENs per round
#define KILL_AFTER  100             //  Answered before the kill
#define PROBES      50              //  OPENs sent after the kill
#define WAIT_MS     30000           //  Bound on any one wait

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "failover", NULL, NODES);
}

static void
test_acknowledged_writes_survive_leader_kills (void **state)
{
    imh_t *h = (imh_t *) *state;
    for (int round = 0; round < ROUNDS; round++) {
        imh_failover_t failover;
        assert_int_equal (imh_cluster_failover (h, round, WRITES, KILL_AFTER,
                                                PROBES, WAIT_MS, &failover),
                          0);
        //  From the two that survived, then with the killed node back
        int64_t total = (round + 1) * (WRITES + PROBES);
        assert_int_equal (imh_cluster_check (h, total, WAIT_MS), 0);
        assert_int_equal (imh_node_restart (h, failover.killed), 0);
        assert_int_equal (imh_cluster_check (h, total, WAIT_MS), 0);
    }
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test ("test_acknowledged_writes_survive_leader_kills",
                         test_acknowledged_writes_survive_leader_kills,
                         s_setup);
}
