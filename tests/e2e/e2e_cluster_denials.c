/*  e2e_cluster_denials - a denial on a follower is recorded once

    Three real brokers. A reporter's key, connected to a follower alone,
    sends CLASSIFY: the follower refuses it (403) before it would
    redirect, and sends the record to the leader as itself. The log
    then holds exactly one access.denied for it, naming the follower,
    and every node lists the same.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define LEADER_MS   30000           //  Bound on an election
#define WAIT_MS     20000           //  Bound on any other wait
#define CALL_MS     2000            //  One call's deadline

typedef struct {
    imh_t *h;                       //  The cluster
    int node;                       //  The node asked
    size_t count;                   //  Denials wanted
} s_wait_t;

//  The denials node lists (not linearizable: what it applied), as a
//  reply (caller's) or NULL
static im_reply_t *
s_denials (imh_t *h, int node)
{
    im_reply_t *reply = imh_node_call (h, node, "DENIALS", NULL);
    if (reply && reply->status != 200)
        im_reply_destroy (&reply);
    return reply;
}

static bool
s_listed (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    im_reply_t *reply = s_denials (wait->h, wait->node);
    size_t count = reply && reply->items ? zlist_size (reply->items) : 0;
    im_reply_destroy (&reply);
    return count >= wait->count;
}

static void
test_a_denial_on_a_follower_is_recorded_once (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    int follower = leader % NODES + 1;
    uint64_t id = imh_open (h, "Wifi down on floor 3", "rita", 2, 2);
    assert_true (id > 0);
    im_curve_t *rita_id = NULL;
    im_client_t *rita = imh_client_as (h, imh_node_endpoint (h, follower),
                                       "rita", "reporter", CALL_MS, &rita_id);
    assert_non_null (rita);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) id);
    im_fields_set_int (body, "priority", 1);
    im_fields_set_str (body, "category", "network");
    im_reply_t *reply = im_client_call (rita, "CLASSIFY", NULL, body, false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 403);
    im_reply_destroy (&reply);
    //  A second, of another verb: once both are listed, the count of
    //  the first is final
    reply = im_client_call (rita, "DENIALS", NULL, NULL, false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 403);
    im_reply_destroy (&reply);
    s_wait_t wait = { h, leader, 2 };
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    assert_true (imh_cluster_converged (h, WAIT_MS));
    for (int node = 1; node <= NODES; node++) {
        reply = s_denials (h, node);
        assert_non_null (reply);
        assert_int_equal (zlist_size (reply->items), 2);
        //  Each once, in whichever order the leader took them
        const im_fields_t *classify = NULL, *denials = NULL;
        for (const im_fields_t *item = (const im_fields_t *) zlist_first (
                 reply->items);
             item; item = (const im_fields_t *) zlist_next (reply->items)) {
            const char *verb = im_fields_str_or (item, "verb", "");
            if (streq (verb, "CLASSIFY")) {
                assert_null (classify);
                classify = item;
            }
            if (streq (verb, "DENIALS")) {
                assert_null (denials);
                denials = item;
            }
        }
        assert_non_null (classify);
        assert_non_null (denials);
        assert_string_equal (im_fields_str_or (classify, "actor", ""), "rita");
        assert_int_equal (im_fields_int_or (classify, "node", 0), follower);
        assert_int_equal (im_fields_int_or (classify, "incident", 0),
                          (int64_t) id);
        assert_int_equal (im_fields_int_or (denials, "node", 0), follower);
        im_reply_destroy (&reply);
    }
    print_message ("a CLASSIFY refused on follower %d (leader %d) is one "
                   "access.denied on all %d nodes\n", follower, leader,
                   NODES);
    im_fields_destroy (&body);
    im_client_destroy (&rita);
    im_curve_destroy (&rita_id);
    imh_passed (h);
}

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "cluster-denials", NULL, NODES);
}

int
main (void)
{
    return imh_run_test ("test_a_denial_on_a_follower_is_recorded_once",
                         test_a_denial_on_a_follower_is_recorded_once,
                         s_setup);
}
