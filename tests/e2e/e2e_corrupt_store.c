/*  e2e_corrupt_store - a corrupt block in a node's RocksDB store is
    rebuilt from what still holds it, or refused with what to do

    One byte is flipped in the first data block of a table file of the
    incidents family, on a stopped node, as a disk would flip it. The
    node starts again and is asked for its incidents: the read fails its
    block checksum, the node says so (RocksDB names the file and the
    offset) and stops, and before opening the store again it removes it
    and rebuilds it:
    - in a cluster, from another member's checkpoint at or past its last
      snapshot, then its own Raft log: it rejoins with the same
      incidents as the others;
    - on a node alone whose Raft log still starts at index 1 (no
      snapshot yet), from that log alone, whether the damage is found
      by a read or as the store opens;
    - a node alone whose log was compacted (a snapshot) has no copy of
      what the store held: it does not start, and says which file and
      what the operator can do.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WRITES      400
#define WAIT_MS     60000           //  Bound on any one wait
#define LEADER_MS   15000           //  Bound on an election
#define THRESHOLD   64              //  Entries between snapshots
#define RATE        200             //  Opens a second

typedef struct {
    imh_t *harness;                 //  The cluster
    int node;                       //  The node watched
} s_node_t;

//  True once the node's log says it found its store damaged
static bool
s_damage_said (void *arg)
{
    s_node_t *node = (s_node_t *) arg;
    char name [16];
    snprintf (name, sizeof name, "node%d", node->node);
    //  Its incidents are read, to reach the damaged block
    zlist_t *incidents = imh_node_incidents (node->harness, node->node);
    zlist_destroy (&incidents);
    return imh_log_lines (node->harness, name, "the store is damaged") > 0;
}

//  Writes count opens through the cluster at RATE a second (so that
//  they make many entries, and snapshots flush the stores into table
//  files), every one answered
static void
s_write (imh_t *h, const char *prefix, int count)
{
    imh_writes_t *writes = imh_cluster_writes (h, NULL, prefix, count);
    assert_non_null (writes);
    imh_writes_paced (writes, RATE, count * 1000 / RATE);
    assert_int_equal (imh_writes_run (writes, count, WAIT_MS), count);
}

//  Flips a byte of node's table of family cf while it is stopped
//  (killed, or when term, stopped cleanly so that its memtables are
//  flushed), starts it again and waits until a read found the damage
static void
s_damage (imh_t *h, int node, const char *cf, bool term)
{
    int slot = imh_node_slot (h, node);
    if (term)
        assert_int_equal (imh_stop (h, slot, WAIT_MS), 0);
    else
        assert_int_equal (imh_node_kill (h, node), 0);
    char what [IMH_PATH_MAX + 128];
    assert_int_equal (imh_store_flip (h, node, cf, what, sizeof what), 0);
    printf ("flipped %s\n", what);
    assert_int_equal (imh_node_restart (h, node), 0);
    s_node_t watched = { h, node };
    assert_true (imh_wait_for (s_damage_said, &watched, WAIT_MS));
    //  RocksDB's words name the table file and the offset
    char name [16];
    snprintf (name, sizeof name, "node%d", node);
    assert_true (imh_log_lines (h, name, ".sst offset") >= 1);
}

//  A cluster of nodes for the test's state, snapshots every threshold
//  entries (0: the default), with WRITES opens written
static imh_t *
s_cluster (void **state, const char *name, int nodes, unsigned threshold)
{
    imh_options_t options;
    imh_options_default (&options);
    options.snapshot_threshold = threshold;
    imh_t *h = imh_new_cluster (name, &options, nodes);
    assert_non_null (h);
    *state = h;
    s_write (h, "before", WRITES);
    return h;
}

static void
test_follower_store_is_rebuilt_from_the_others (void **state)
{
    imh_t *h = s_cluster (state, "corrupt-store", 3, THRESHOLD);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int follower = leader % 3 + 1;

    s_damage (h, follower, "incidents", false);
    char name [16];
    snprintf (name, sizeof name, "node%d", follower);
    //  Rebuilt: the same incidents as the others, and it takes writes
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    assert_true (imh_log_lines (h, name, "received a checkpoint") >= 1);
    s_write (h, "after", 100);
    assert_int_equal (imh_cluster_check (h, WRITES + 100, WAIT_MS), 0);
    assert_true (imh_running (h, imh_node_slot (h, follower)));
    imh_passed (h);
}

static void
test_single_node_rebuilds_its_store_from_its_log (void **state)
{
    imh_t *h = s_cluster (state, "corrupt-store-one", 1, 0);
    s_damage (h, 1, "incidents", true);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    assert_true (imh_log_lines (h, "node1", "which starts at index 1") >= 1);
    s_write (h, "after", 100);
    assert_int_equal (imh_cluster_check (h, WRITES + 100, WAIT_MS), 0);
    imh_passed (h);
}

//  The meta family is read as the store opens: the damage is found
//  before the node serves anything
static void
test_damage_found_at_open_is_rebuilt_too (void **state)
{
    imh_t *h = s_cluster (state, "corrupt-store-open", 1, 0);
    s_damage (h, 1, "meta", true);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    assert_true (imh_log_lines (h, "node1", "cannot read the store") >= 1);
    imh_passed (h);
}

static void
test_single_node_without_a_copy_refuses (void **state)
{
    imh_t *h = s_cluster (state, "corrupt-store-alone", 1, THRESHOLD);
    s_damage (h, 1, "incidents", false);
    assert_int_equal (imh_wait_exit (h, imh_node_slot (h, 1), WAIT_MS), 1);
    assert_true (imh_log_lines (h, "node1", "the node will not start") >= 1);
    assert_true (imh_log_lines (h, "node1", "Restore the data directory")
                 >= 1);
    //  The store was left as it is, for the operator
    char path [IMH_PATH_MAX];
    snprintf (path, sizeof path, "%s/node1/store/CURRENT", imh_dir (h));
    assert_true (zsys_file_exists (path));
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown (
            test_follower_store_is_rebuilt_from_the_others, imh_teardown),
        cmocka_unit_test_teardown (
            test_single_node_rebuilds_its_store_from_its_log, imh_teardown),
        cmocka_unit_test_teardown (
            test_damage_found_at_open_is_rebuilt_too, imh_teardown),
        cmocka_unit_test_teardown (
            test_single_node_without_a_copy_refuses, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
