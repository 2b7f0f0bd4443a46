/*  e2e_cluster_cut - a leader cut off from its followers, its clients
    still reaching it

    The usual network split: the leader's links to the other nodes fail
    while its clients, on another network, keep talking to it. Three
    brokers each in a network namespace of their own (tests/faults'
    imf_net), clients and workers in the test's namespace, opens going
    in at a steady rate with unique request ids. The leader's Raft
    traffic is dropped inside its namespace, both ways or only what the
    followers send it; its client endpoint stays reachable, so it keeps
    taking commands it can no longer commit. It must step down after an
    election timeout (and not die: libraft 0.15 fails the requests in
    flight while it clears the leader's state, and a proposal made from
    that callback would run on freed state; see imb_raft.c), the
    followers must elect one of them, clients and workers must move
    there, and once the links are back after 10 s, the old leader must
    rejoin as a follower with every acknowledged open on every node.
    How long the rejoin took is printed.

    Needs root, ip and iptables: without them the program says why and
    exits 77, which ctest counts as skipped.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imf_net.h"

#define NODES       3
#define RATE        150             //  Opens per second
#define WRITES      3000            //  20 s of them
#define BEFORE      300             //  Answered before the cut
#define CUT_MS      10000           //  How long the leader is cut off
#define LEADER_MS   10000           //  Bound on the step-down, an election
#define WAIT_MS     30000           //  Bound on any other wait
#define SKIP        77              //  ctest's SKIP_RETURN_CODE

//  The cluster and the network it runs on
typedef struct {
    imh_t *h;                       //  The harness, owned
    imf_net_t *net;                 //  The namespaces, owned
} s_fixture_t;

static int s_teardown (void **state);

static int
s_setup (void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    *state = fixture;
    fixture->net = imf_net_new (NODES);
    fixture->h = fixture->net ? imh_new ("cut", NULL) : NULL;
    int rc = fixture->h ? 0 : -1;
    for (int node = 1; node <= NODES && rc == 0; node++) {
        const char *prefix [] = {
            "/usr/bin/env", "ip", "netns", "exec",
            imf_net_ns (fixture->net, node), NULL
        };
        rc = imh_cluster_place (fixture->h, node,
                                imf_net_host (fixture->net, node), prefix);
    }
    if (rc == 0)
        rc = imh_cluster_start (fixture->h, NODES);
    if (rc)
        s_teardown (state);         //  The namespaces go, also now
    return rc;
}

//  The brokers go first, then their namespaces
static int
s_teardown (void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    if (!fixture)
        return 0;
    int rc = imh_teardown ((void **) &fixture->h);
    imf_net_destroy (&fixture->net);
    free (fixture);
    *state = NULL;
    return rc;
}

//  One node's Raft state and the leader it names, or false when it did
//  not answer
static bool
s_node_state (imh_t *h, int node, char *state, size_t size, int64_t *leader)
{
    im_reply_t *reply = imh_node_call (h, node, "STATUS", NULL);
    bool answered = reply && reply->status == 200 && reply->body;
    if (answered) {
        im_strlcpy (state, im_fields_str_or (reply->body, "raft_state", ""),
                    size);
        *leader = im_fields_int_or (reply->body, "leader_id", -1);
    }
    im_reply_destroy (&reply);
    return answered;
}

//  What was seen since the cut
typedef struct {
    int old;                        //  The leader that was cut off
    uint64_t cut_ms;                //  When
    uint64_t down_ms;               //  When it no longer said it led
    int next;                       //  The follower that leads, or 0
    uint64_t next_ms;               //  When both followers said so
} s_watch_t;

//  Looks at the nodes once: has the old leader stepped down, does a
//  follower lead with the other naming it?
static void
s_look (imh_t *h, s_watch_t *watch)
{
    char state [16];
    int64_t leader = 0;
    if (!watch->down_ms && s_node_state (h, watch->old, state, sizeof state,
                                         &leader)
    &&  !streq (state, "leader"))
        watch->down_ms = im_mono_ms ();
    //  A follower leads, and every other follower names it
    int64_t named [NODES + 1] = { 0 };
    int leads = 0, naming = 0;
    for (int node = 1; node <= NODES && !watch->next; node++) {
        if (node == watch->old)
            continue;
        if (!s_node_state (h, node, state, sizeof state, &named [node]))
            return;
        if (streq (state, "leader"))
            leads = node;
    }
    for (int node = 1; leads && node <= NODES; node++)
        naming += node != watch->old && named [node] == leads;
    if (leads && naming == NODES - 1) {
        watch->next = leads;
        watch->next_ms = im_mono_ms ();
    }
}

//  Runs the writes for ms, every node still running
static void
s_load (imh_t *h, imh_writes_t *writes, int ms)
{
    uint64_t until = im_mono_ms () + (uint64_t) ms;
    while (im_mono_ms () < until) {
        imh_writes_run (writes, WRITES, 100);
        for (int node = 1; node <= NODES; node++)
            if (!imh_running (h, imh_node_slot (h, node)))
                fail_msg ("node %d died (signal %d; its log is below)",
                          node, imh_end_signal (h, imh_node_slot (h, node)));
    }
}

//  The old leader is a follower naming the new one
static bool
s_rejoined (imh_t *h, s_watch_t *watch)
{
    char state [16];
    int64_t leader = 0;
    return s_node_state (h, watch->old, state, sizeof state, &leader)
        && streq (state, "follower") && leader == watch->next;
}

//  Cuts node from every other node: all their traffic both ways, or
//  only their Raft messages to it (it still reaches them)
static void
s_cut (imf_net_t *net, int node, bool both)
{
    for (int peer = 1; peer <= NODES; peer++)
        if (peer != node)
            assert_int_equal (imf_net_cut (net, node, peer, true, both,
                                           !both), 0);
}

static void
s_cut_leader (s_fixture_t *fixture, bool both, const char *what)
{
    imh_t *h = fixture->h;
    s_watch_t watch = { 0 };
    watch.old = imh_cluster_leader (h, LEADER_MS);
    assert_true (watch.old > 0);
    assert_int_equal (imh_start_workers (h, NULL, NULL), 0);
    imh_writes_t *writes = imh_cluster_writes (h, NULL, "cut", WRITES);
    assert_non_null (writes);
    imh_writes_pace (writes, RATE);
    assert_int_equal (imh_writes_run (writes, BEFORE, WAIT_MS), BEFORE);

    //  The cut: the leader's clients still reach it
    s_cut (fixture->net, watch.old, both);
    watch.cut_ms = im_mono_ms ();
    while ((!watch.down_ms || !watch.next)
       &&  im_mono_ms () < watch.cut_ms + LEADER_MS) {
        s_load (h, writes, 100);
        s_look (h, &watch);
    }
    assert_true (watch.down_ms > 0);
    assert_true (watch.next > 0 && watch.next != watch.old);
    //  It stays cut off (and alive) until CUT_MS passed
    s_load (h, writes, (int) (watch.cut_ms + CUT_MS - im_mono_ms ()));
    uint64_t first = imh_writes_first_after (writes, watch.cut_ms);
    assert_true (first > 0);

    assert_int_equal (imf_net_heal (fixture->net), 0);
    uint64_t heal_ms = im_mono_ms ();
    uint64_t rejoin_ms = 0;
    while (!rejoin_ms && im_mono_ms () < heal_ms + WAIT_MS) {
        s_load (h, writes, 20);
        if (s_rejoined (h, &watch))
            rejoin_ms = im_mono_ms ();
    }
    assert_true (rejoin_ms > 0);
    printf ("%s: node %d cut off; it stepped down after %" PRIu64 " ms, "
            "node %d led after %" PRIu64 " ms, the first write was "
            "answered after %" PRIu64 " ms; healed after %d ms, node %d "
            "rejoined as follower %" PRIu64 " ms later\n", what, watch.old,
            watch.down_ms - watch.cut_ms, watch.next,
            watch.next_ms - watch.cut_ms, first - watch.cut_ms, CUT_MS,
            watch.old, rejoin_ms - heal_ms);

    assert_int_equal (imh_writes_run (writes, WRITES, WAIT_MS), WRITES);
    assert_int_equal (imh_cluster_check (h, WRITES, WAIT_MS), 0);
    //  The workers followed: every event handled by the new leader's
    //  groups, each with its instance
    assert_true (imh_cluster_wait_leader (h, watch.next, LEADER_MS));
    assert_true (imh_wait_settled (h, WAIT_MS));
    assert_true (imh_wait_instances (h, "classifier", 1, WAIT_MS));
    assert_true (imh_wait_instances (h, "sla", 1, WAIT_MS));
    assert_true (imh_wait_instances (h, "notifier", 1, WAIT_MS));
    for (int node = 1; node <= NODES; node++)
        assert_true (imh_running (h, imh_node_slot (h, node)));
    imh_passed (h);
}

static void
test_leader_cut_both_ways (void **state)
{
    s_cut_leader ((s_fixture_t *) *state, true, "cut both ways");
}

static void
test_leader_cut_inbound (void **state)
{
    s_cut_leader ((s_fixture_t *) *state, false, "inbound raft cut");
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    //  Skipped only when this machine cannot make the namespaces; what
    //  a killed run left behind goes first
    if (!imf_net_available ()) {
        fprintf (stderr, "e2e_cluster_cut: SKIPPED: network namespaces "
                 "need root, ip (iproute2) and iptables\n");
        return SKIP;
    }
    imf_net_sweep ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_leader_cut_both_ways, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_leader_cut_inbound, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
