/*  e2e_cluster_faults - a follower dies, a node is cut off, all die

    Three brokers on loopback, with writes in flight through each fault:
    - a follower is SIGKILLed: the leader keeps accepting writes, and the
      follower, started again, catches up;
    - the leader is frozen (SIGSTOP) until the other two elect a leader
      and take writes, then thawed and written to directly: it must
      never acknowledge a write the majority did not commit, and it
      rejoins without a diverging log;
    - all three are SIGKILLed and started again: nothing acknowledged is
      missing.
    After each, every node's own log holds every answered write exactly
    once, and all nodes hold the same incidents in the same order.
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
#define WRITES      1000            //  OPENs of one batch
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "faults", NULL, NODES);
}

//  Starts batch index of count writes to endpoint (NULL: the cluster)
static imh_writes_t *
s_batch (imh_t *h, size_t index, const char *endpoint, int count)
{
    char prefix [16];
    snprintf (prefix, sizeof prefix, "batch%zu", index);
    imh_writes_t *writes = imh_cluster_writes (h, endpoint, prefix, count);
    assert_non_null (writes);
    return writes;
}

//  A node other than leader
static int
s_follower (int leader)
{
    return leader % NODES + 1;
}

static void
test_follower_kill_and_catch_up (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int follower = s_follower (leader);

    imh_writes_t *during = s_batch (h, 0, NULL, WRITES);
    assert_true (imh_writes_run (during, 100, WAIT_MS) >= 100);
    assert_int_equal (imh_node_kill (h, follower), 0);
    assert_int_equal (imh_writes_run (during, WRITES, WAIT_MS), WRITES);
    //  Written while the follower is away, so it has to catch up
    imh_writes_t *away = s_batch (h, 1, NULL, WRITES);
    assert_int_equal (imh_writes_run (away, WRITES, WAIT_MS), WRITES);
    //  The leader never changed: writes never stopped being accepted
    assert_int_equal (imh_cluster_leader (h, LEADER_MS), leader);
    assert_int_equal (imh_cluster_check (h, 2 * WRITES, WAIT_MS), 0);

    assert_int_equal (imh_node_restart (h, follower), 0);
    assert_int_equal (imh_cluster_check (h, 2 * WRITES, WAIT_MS), 0);
    assert_int_equal (imh_cluster_leader (h, LEADER_MS), leader);
    imh_passed (h);
}

static void
test_isolated_node_never_acknowledges_in_minority (void **state)
{
    imh_t *h = (imh_t *) *state;
    int old = imh_cluster_leader (h, LEADER_MS);
    assert_true (old > 0);
    int slot = imh_node_slot (h, old);
    imh_writes_t *before = s_batch (h, 0, NULL, 200);
    assert_int_equal (imh_writes_run (before, 200, WAIT_MS), 200);

    //  Cut the leader off: the two others elect one of them and take
    //  writes while it sleeps
    assert_int_equal (imh_signal (h, slot, SIGSTOP), 0);
    assert_true (imh_cluster_other_leader (h, old, LEADER_MS) > 0);
    imh_writes_t *majority = s_batch (h, 1, NULL, WRITES);
    assert_int_equal (imh_writes_run (majority, WRITES, WAIT_MS), WRITES);

    //  Writes that can only reach the old leader: queued for it while it
    //  sleeps, and read by it the moment it wakes, still believing it
    //  leads. Whatever it answers 200 must be what the majority holds.
    imh_writes_t *isolated = s_batch (h, 2, imh_node_endpoint (h, old),
                                      100);
    imh_writes_run (isolated, 100, 300);
    assert_int_equal (imh_signal (h, slot, SIGCONT), 0);
    //  Followed to the new leader, every one is answered in the end
    assert_int_equal (imh_writes_run (isolated, 100, WAIT_MS), 100);
    assert_int_equal (imh_cluster_check (h, 200 + WRITES + 100, WAIT_MS), 0);
    imh_passed (h);
}

static void
test_all_killed_and_restarted (void **state)
{
    imh_t *h = (imh_t *) *state;
    imh_writes_t *writes = s_batch (h, 0, NULL, WRITES);
    assert_true (imh_writes_run (writes, WRITES / 2, WAIT_MS) >= WRITES / 2);
    for (int node = 1; node <= NODES; node++)
        assert_int_equal (imh_node_kill (h, node), 0);
    for (int node = 1; node <= NODES; node++)
        assert_int_equal (imh_node_restart (h, node), 0);
    assert_true (imh_cluster_leader (h, LEADER_MS) > 0);
    //  What was answered before is there; the rest goes through now
    assert_int_equal (imh_cluster_check (h, -1, WAIT_MS), 0);
    assert_int_equal (imh_writes_run (writes, WRITES, WAIT_MS), WRITES);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_follower_kill_and_catch_up,
                                         s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_isolated_node_never_acknowledges_in_minority, s_setup,
            imh_teardown),
        cmocka_unit_test_setup_teardown (test_all_killed_and_restarted,
                                         s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
