/*  e2e_cluster_disk - the leader's disk fills up under writes

    Three brokers on loopback, each with its data on a tmpfs of its own;
    opens go in at a steady rate, and the leader's tmpfs is filled to the
    last byte by a file beside its data. Commands the leader had in
    flight may be committed (the followers stored them) even though the
    leader cannot write their outcome: it must not answer them as
    failed, but say that the outcome is unknown (504), so the client
    sends them again with the same request id. The followers elect a
    leader, every write is answered in the end, and each one is in every
    node's log exactly once, retried ones included; once the disk has
    room again, the old leader comes back and holds the same.

    Needs root to mount the tmpfs: without it the program says why and
    exits 77, which ctest counts as skipped.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imf_disk.h"

#define NODES       3
#define DISK_MB     128             //  Each node's tmpfs
#define BUFFER_MB   4               //  node.write_buffer_mb: the store
                                    //  flushes, and needs room, often
#define RATE        300             //  Opens per second
#define PADDING     1024            //  Octets of description in each
#define WRITES      6000            //  20 s of them
#define BEFORE      300             //  Answered before the disk fills
#define LEADER_MS   10000           //  Bound on an election
#define WAIT_MS     60000           //  Bound on any other wait
#define SKIP        77              //  ctest's SKIP_RETURN_CODE

//  The brokers go first, then their file systems, then the harness
static int
s_teardown (void **state)
{
    imh_t *h = (imh_t *) *state;
    if (h)
        imh_kill_all (h);
    for (int node = 1; h && node <= NODES; node++) {
        char data [IMH_PATH_MAX];
        imf_disk_umount (imh_node_data (h, node, data, sizeof data));
    }
    return imh_teardown (state);
}

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    options.write_buffer_mb = BUFFER_MB;
    imh_t *h = imh_new ("disk", &options);
    *state = h;
    int rc = h ? 0 : -1;
    for (int node = 1; node <= NODES && rc == 0; node++) {
        char data [IMH_PATH_MAX];
        rc = imf_disk_mount (imh_node_data (h, node, data, sizeof data),
                             DISK_MB);
    }
    if (rc == 0)
        rc = imh_cluster_start (h, NODES);
    if (rc)
        s_teardown (state);         //  Nothing stays mounted
    return rc;
}

static void
test_leader_disk_full (void **state)
{
    imh_t *h = (imh_t *) *state;
    int old = imh_cluster_leader (h, LEADER_MS);
    assert_true (old > 0);
    imh_writes_t *writes = imh_cluster_writes (h, NULL, "disk", WRITES);
    assert_non_null (writes);
    imh_writes_pace (writes, RATE);
    imh_writes_set_padding (writes, PADDING);
    assert_int_equal (imh_writes_run (writes, BEFORE, WAIT_MS), BEFORE);

    char data [IMH_PATH_MAX];
    imh_node_data (h, old, data, sizeof data);
    int64_t filled = imf_disk_fill (data);
    assert_true (filled >= 0);
    uint64_t filled_ms = im_mono_ms ();
    //  The load goes on until the leader cannot go on, and another leads
    while (!imh_cluster_other_leader (h, old, 1)
       &&  im_mono_ms () < filled_ms + WAIT_MS)
        imh_writes_run (writes, WRITES, 200);
    assert_true (imh_cluster_other_leader (h, old, 1) > 0);
    printf ("node %d's disk filled with %" PRId64 " MiB; another node led "
            "%" PRIu64 " ms later, node %d %s\n", old,
            filled / (1024 * 1024), im_mono_ms () - filled_ms, old,
            imh_running (h, imh_node_slot (h, old)) ? "still runs"
                                                     : "stopped");
    //  Every write is answered in the end, by whichever node leads
    assert_int_equal (imh_writes_run (writes, WRITES, WAIT_MS), WRITES);
    printf ("replies: %d x 200, %d x 421, %d x 500, %d x 503, %d x 504\n",
            imh_writes_replies (writes, 200), imh_writes_replies (writes, 421),
            imh_writes_replies (writes, 500), imh_writes_replies (writes, 503),
            imh_writes_replies (writes, 504));
    //  Nothing in flight was said to have failed: its outcome was unknown
    assert_int_equal (imh_writes_replies (writes, 500), 0);
    assert_true (imh_writes_replies (writes, 504) > 0);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);

    //  Room again: the old leader comes back with the same log
    assert_int_equal (imf_disk_free (data), 0);
    if (imh_running (h, imh_node_slot (h, old)))
        assert_int_equal (imh_node_kill (h, old), 0);
    assert_int_equal (imh_node_restart (h, old), 0);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    if (geteuid () != 0) {
        fprintf (stderr, "e2e_cluster_disk: SKIPPED: mounting a tmpfs "
                 "needs root\n");
        return SKIP;
    }
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_leader_disk_full, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
