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
#include <signal.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define ROUNDS      3               //  Leaders killed
#define WRITES      2000            //  OPENs per round
#define KILL_AFTER  100             //  Answered before the kill
#define PROBES      50              //  OPENs sent after the kill
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election (a figure
                                    //  far above libraft's 1-2 s, for
                                    //  a loaded machine)

typedef struct {
    imh_t *harness;                 //  The cluster
    imh_writes_t *writes [ROUNDS];  //  Each round's writes
    imh_writes_t *probes [ROUNDS];  //  Each round's writes after the kill
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    self->harness = imh_new_cluster ("failover", NULL, NODES);
    if (!self->harness) {
        free (self);
        return -1;
    }
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    int rc = 0;
    if (self && self->harness && !imh_logs_clean (self->harness))
        rc = -1;
    for (int round = 0; self && round < ROUNDS; round++) {
        imh_writes_destroy (&self->writes [round]);
        imh_writes_destroy (&self->probes [round]);
    }
    if (self)
        imh_destroy (&self->harness);
    free (self);
    return rc;
}

//  Checks the logs of every running node against every round so far,
//  and against each other: same incidents, same order
static void
s_check_logs (fixture_t *self, int rounds)
{
    imh_writes_t *all [2 * ROUNDS];
    for (int round = 0; round < rounds; round++) {
        all [2 * round] = self->writes [round];
        all [2 * round + 1] = self->probes [round];
    }
    assert_int_equal (imh_writes_check_cluster (self->harness, all,
                                                (size_t) (2 * rounds),
                                                rounds * (WRITES + PROBES),
                                                WAIT_MS), 0);
}

static void
test_acknowledged_writes_survive_leader_kills (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    for (int round = 0; round < ROUNDS; round++) {
        char prefix [16];
        snprintf (prefix, sizeof prefix, "round%d", round);
        self->writes [round] = imh_writes_new (h, NULL, prefix, WRITES);
        imh_writes_t *writes = self->writes [round];
        assert_non_null (writes);
        snprintf (prefix, sizeof prefix, "probe%d", round);
        self->probes [round] = imh_writes_new (h, NULL, prefix, PROBES);
        imh_writes_t *probes = self->probes [round];
        assert_non_null (probes);

        int leader = imh_cluster_leader (h, LEADER_MS);
        assert_true (leader > 0);
        assert_true (imh_writes_run (writes, KILL_AFTER, WAIT_MS)
                     >= KILL_AFTER);
        //  Many writes are in flight now: the leader dies under them
        assert_int_equal (imh_kill (h, imh_node_slot (h, leader)), 0);
        uint64_t killed_ms = im_mono_ms ();

        assert_true (imh_writes_run (probes, 1, WAIT_MS) >= 1);
        uint64_t first = imh_writes_first_after (probes, killed_ms);
        int next = imh_cluster_leader (h, LEADER_MS);
        uint64_t elected_ms = im_mono_ms ();
        assert_true (next > 0);
        assert_int_not_equal (next, leader);
        assert_int_equal (imh_writes_run (writes, WRITES, WAIT_MS), WRITES);
        assert_int_equal (imh_writes_run (probes, PROBES, WAIT_MS), PROBES);
        assert_true (first > 0);
        printf ("round %d: node %d killed; first write answered after %"
                PRIu64 " ms; node %d seen leading after %" PRIu64 " ms\n",
                round, leader, first - killed_ms, next,
                elected_ms - killed_ms);

        //  From the two that survived, then with the killed node back
        s_check_logs (self, round + 1);
        assert_int_equal (imh_restart (h, imh_node_slot (h, leader)), 0);
        s_check_logs (self, round + 1);
    }
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_acknowledged_writes_survive_leader_kills, s_setup,
            s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
