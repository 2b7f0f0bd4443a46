/*  e2e_cluster_snapshot - a wiped node catches up from another node's
    checkpoint, and a crash during that install leaves it correct or
    refusing to start

    Three brokers on loopback with a small snapshot threshold, so that
    the leader's log is compacted soon. A follower is stopped and its
    data directory wiped; started again, it finds the leader's snapshot
    beyond its (empty) store, fetches a checkpoint of another node's
    store chunk by chunk, verified by hash, swaps it in and serves the
    same incidents as the others. Then the states a crash can leave in
    the middle of a swap are made by hand while the node is down, and
    each start must end with the node correct; and a node told to fetch
    an index no member has must refuse to start, saying why.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define WRITES      300             //  One Raft entry each, about
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    options.snapshot_threshold = 16;
    return imh_setup_cluster (state, "snapshot", &options, NODES);
}

//  Runs a shell command; asserts it succeeded
static void
s_shell (const char *format, ...)
{
    char command [2048];
    va_list args;
    va_start (args, format);
    vsnprintf (command, sizeof command, format, args);
    va_end (args);
    const char *argv [] = { "/bin/sh", "-c", command, NULL };
    imh_run_t run;
    assert_int_equal (imh_run (argv, WAIT_MS, &run), 0);
    if (run.status != 0)
        fail_msg ("'%s' failed: %s", command, run.err);
    imh_run_clear (&run);
}

//  Stops node, lets shell change its data directory, starts it again
//  and checks that it serves the same log as the others
static void
s_restart_checked (imh_t *h, int node, const char *change)
{
    int slot = imh_node_slot (h, node);
    assert_true (imh_stop (h, slot, WAIT_MS) >= 0 || !imh_running (h, slot));
    if (change)
        s_shell (change, imh_dir (h), node);
    assert_int_equal (imh_restart (h, slot), 0);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
}

typedef struct {
    imh_t *harness;                 //  The cluster
    int slot;                       //  A node's child
} s_down_t;

static bool
s_exited (void *arg)
{
    s_down_t *down = (s_down_t *) arg;
    return !imh_running (down->harness, down->slot);
}

static void
test_wiped_node_catches_up_and_survives_a_crash_mid_install (void **state)
{
    imh_t *h = (imh_t *) *state;
    //  One write at a time: each is an entry of its own, so the log is
    //  long enough to be compacted behind several snapshots
    for (int n = 0; n < WRITES; n++) {
        char prefix [16];
        snprintf (prefix, sizeof prefix, "w%d", n);
        imh_writes_t *writes = imh_cluster_writes (h, NULL, prefix, 1);
        assert_non_null (writes);
        assert_int_equal (imh_writes_run (writes, 1, WAIT_MS), 1);
    }
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int node = leader % NODES + 1;

    //  Wiped: raft log and store gone
    s_restart_checked (h, node, "rm -rf %s/node%d");
    char log [600];
    snprintf (log, sizeof log, "node%d", node);
    assert_true (imh_log_lines (h, log, "received a checkpoint") >= 1);
    assert_true (imh_log_lines (h, log, "each chunk's hash checked") >= 1);

    //  A crash after the old store was moved aside, before the new one
    //  was complete: the old store comes back
    s_restart_checked (h, node, "cd %s/node%d && mv store store.old "
                       "&& mkdir incoming && echo partial > incoming/x.sst");
    //  A crash between the two renames of a complete install: the swap
    //  is finished
    s_restart_checked (h, node, "cd %s/node%d && mv store incoming "
                       "&& touch incoming/IMQ-COMPLETE && mkdir store.old");
    //  A crash after the swap, before the old store was removed
    s_restart_checked (h, node, "cd %s/node%d && mkdir store.old "
                       "&& touch store.old/junk");

    //  An install no member can serve: the node refuses to start and
    //  says why
    int slot = imh_node_slot (h, node);
    assert_true (imh_stop (h, slot, WAIT_MS) >= 0 || !imh_running (h, slot));
    s_shell ("echo 999999999 0 > %s/node%d/install.wanted", imh_dir (h),
             node);
    assert_int_equal (imh_restart (h, slot), 0);
    s_down_t down = { h, slot };
    assert_true (imh_wait_for (s_exited, &down, WAIT_MS));
    assert_true (imh_log_lines (h, log, "will not serve without them") >= 1);
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test (
        "test_wiped_node_catches_up_and_survives_a_crash_mid_install",
        test_wiped_node_catches_up_and_survives_a_crash_mid_install, s_setup);
}
