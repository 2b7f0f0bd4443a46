/*  e2e_cluster_membership - nodes join, lead and leave while the
    cluster serves

    Three brokers on loopback take writes throughout. A fourth broker,
    started with --join, is added with "imqctl cluster add" and catches
    up; leadership is handed to it with "imqctl cluster
    transfer-leadership"; one of the first nodes is then removed with
    "imqctl cluster remove" and stopped. Every write answered along the
    way is in the log of every remaining node exactly once, in the same
    order, and "imqctl cluster status" shows the new leader.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define WRITES      2000            //  OPENs through the changes
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election

typedef struct {
    imh_t *harness;                 //  The cluster
    imh_writes_t *writes [2];       //  Writes before and after the join
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    self->harness = imh_new_cluster ("membership", NULL, NODES);
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
    if (self) {
        imh_writes_destroy (&self->writes [0]);
        imh_writes_destroy (&self->writes [1]);
        imh_destroy (&self->harness);
    }
    free (self);
    return rc;
}

//  Runs imqctl cluster ARGS...; asserts it exits 0
static void
s_ctl (imh_t *h, const char *verb, const char *node, const char *raft)
{
    imh_run_t run;
    int rc = imh_ctl (h, &run, "cluster", verb, node, raft, NULL);
    if (rc != 0)
        fail_msg ("imqctl cluster %s %s: exit %d\n%s%s", verb,
                  node ? node : "", rc, run.out, run.err);
    imh_run_clear (&run);
}

typedef struct {
    imh_t *harness;                 //  The cluster
    int node;                       //  Should lead
} s_leads_t;

static bool
s_leads (void *arg)
{
    s_leads_t *leads = (s_leads_t *) arg;
    return imh_cluster_leader (leads->harness, 1) == leads->node;
}

static void
test_join_transfer_and_remove_while_serving (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    imh_writes_t *before = imh_writes_new (h, NULL, "before", WRITES);
    self->writes [0] = before;
    assert_non_null (before);
    assert_true (imh_writes_run (before, 200, WAIT_MS) >= 200);

    int joined = imh_cluster_join (h);
    assert_int_equal (joined, NODES + 1);
    char id [16];
    snprintf (id, sizeof id, "%d", joined);
    s_ctl (h, "add", id, imh_node_raft (h, joined));
    assert_int_equal (imh_writes_run (before, WRITES, WAIT_MS), WRITES);
    //  The new node caught up with everything written before and after
    assert_true (imh_cluster_converged (h, WAIT_MS));

    //  The new node is not in cluster.members, so no redirect can name
    //  its endpoint: clients that are to reach it once it leads must be
    //  given it, as this one is
    imh_writes_t *after = imh_writes_new (h, NULL, "after", WRITES);
    self->writes [1] = after;
    assert_non_null (after);
    assert_true (imh_writes_run (after, 200, WAIT_MS) >= 200);
    s_ctl (h, "transfer-leadership", id, NULL);
    //  Each node's status lags its Raft state by up to a tick
    s_leads_t leads = { h, joined };
    assert_true (imh_wait_for (s_leads, &leads, LEADER_MS));
    assert_true (imh_writes_run (after, 1000, WAIT_MS) >= 1000);

    //  Remove a node of the first three, and stop it: the other three
    //  still make a majority of the configuration
    s_ctl (h, "remove", "1", NULL);
    assert_true (imh_stop (h, imh_node_slot (h, 1), WAIT_MS) >= 0
                 || !imh_running (h, imh_node_slot (h, 1)));
    assert_int_equal (imh_writes_run (after, WRITES, WAIT_MS), WRITES);
    assert_true (imh_wait_for (s_leads, &leads, LEADER_MS));
    assert_int_equal (imh_writes_check_cluster (h, self->writes, 2,
                                                2 * WRITES, WAIT_MS), 0);

    json_t *status = imh_ctl_json (h, "cluster", "status", NULL);
    assert_non_null (status);
    json_t *nodes = json_object_get (status, "nodes");
    assert_true (json_is_array (nodes));
    assert_int_equal (json_array_size (nodes), NODES + 1);
    int leaders = 0;
    size_t index;
    json_t *node;
    json_array_foreach (nodes, index, node) {
        if (streq (imh_json_str (node, "raft_state"), "leader")) {
            leaders++;
            assert_int_equal (imh_json_int (node, "node_id"), joined);
        }
        if (imh_json_int (node, "node_id") > 1)
            assert_int_equal (imh_json_int (node, "lag"), 0);
    }
    assert_int_equal (leaders, 1);
    json_decref (status);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_join_transfer_and_remove_while_serving, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
