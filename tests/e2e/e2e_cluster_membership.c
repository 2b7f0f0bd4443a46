/*  e2e_cluster_membership - nodes join, lead and leave while the
    cluster serves

    Three brokers on loopback take writes throughout. A fourth broker,
    started with --join, is added with "imqctl cluster add", which names
    its endpoints, and catches up; leadership is handed to it with
    "imqctl cluster transfer-leadership". The fourth node is in no
    node's cluster.members, yet the others' redirects name it, as the
    log recorded it: clients given only the first three nodes (writes,
    imqctl, HTTP to a follower) reach it. One of the first nodes is then
    removed with "imqctl cluster remove" and stopped. Every write
    answered along the way is in the log of every remaining node exactly
    once, in the same order, and "imqctl cluster status" shows the new
    leader.
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

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "membership", NULL, NODES);
}

//  Asserts that an imqctl run exited 0
static void
s_ctl_ok (int rc, imh_run_t *run, const char *what)
{
    if (rc != 0)
        fail_msg ("imqctl %s: exit %d\n%s%s", what, rc, run->out, run->err);
    imh_run_clear (run);
}

//  Runs imqctl cluster VERB [NODE]; asserts it exits 0
static void
s_ctl (imh_t *h, const char *verb, const char *node)
{
    imh_run_t run;
    s_ctl_ok (imh_ctl (h, &run, "cluster", verb, node, NULL), &run, verb);
}

//  Adds node with "imqctl cluster add", naming its endpoints
static void
s_add (imh_t *h, int node)
{
    char id [16];
    snprintf (id, sizeof id, "%d", node);
    imh_run_t run;
    s_ctl_ok (imh_ctl (h, &run, "cluster", "add", id, imh_node_raft (h, node),
                       "--client", imh_node_endpoint (h, node), "--workers",
                       imh_node_workers (h, node), "--http",
                       imh_node_http (h, node), NULL), &run, "cluster add");
}

//  Checks that follower's redirect names node's endpoints, as the log
//  recorded them: the reply itself, read before any client follows it
static void
s_check_redirect (imh_t *h, int follower, int node)
{
    im_client_t *client = im_client_new (imh_node_endpoint (h, follower),
                                         WAIT_MS);
    assert_non_null (client);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", "redirected");
    im_fields_set_str (body, "reporter", "membership");
    assert_int_equal (im_client_send (client, "OPEN", NULL, body), 0);
    im_fields_destroy (&body);
    zsock_t *sock = im_client_sock (client);
    zmq_pollitem_t item = { zsock_resolve (sock), 0, ZMQ_POLLIN, 0 };
    assert_int_equal (zmq_poll (&item, 1, WAIT_MS), 1);
    im_reply_t *reply = im_client_recv (client, false);
    im_client_destroy (&client);
    assert_non_null (reply);
    assert_int_equal (reply->status, 421);
    assert_int_equal (im_fields_int_or (reply->body, "leader_id", 0), node);
    assert_string_equal (im_fields_str_or (reply->body, "leader", ""),
                         imh_node_endpoint (h, node));
    assert_string_equal (im_fields_str_or (reply->body, "leader_http", ""),
                         imh_node_http (h, node));
    im_reply_destroy (&reply);
}

typedef struct {
    imh_t *harness;                 //  The cluster
    int node;                       //  The node asked
} s_leads_t;

//  True once the node of arg (an s_leads_t) lists a classifier
static bool
s_classifier_on (void *arg)
{
    s_leads_t *leads = (s_leads_t *) arg;
    im_reply_t *reply = imh_node_call (leads->harness, leads->node, "STATUS",
                                       NULL);
    bool found = false;
    const im_fields_t *item = reply && reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item && !found;
         item = (const im_fields_t *) zlist_next (reply->items))
        found = streq (im_fields_str_or (item, "group", ""), "classifier")
             && im_fields_int_or (item, "instances", 0) == 1;
    im_reply_destroy (&reply);
    return found;
}

static void
test_join_transfer_and_remove_while_serving (void **state)
{
    imh_t *h = (imh_t *) *state;
    imh_writes_t *before = imh_cluster_writes (h, NULL, "before", WRITES);
    assert_non_null (before);
    assert_true (imh_writes_run (before, 200, WAIT_MS) >= 200);

    //  The first three, as cluster.members lists them: all that the
    //  clients below are given
    char first [3 * 64];
    snprintf (first, sizeof first, "%s,%s,%s", imh_node_endpoint (h, 1),
              imh_node_endpoint (h, 2), imh_node_endpoint (h, 3));
    int joined = imh_cluster_join (h);
    assert_int_equal (joined, NODES + 1);
    char id [16];
    snprintf (id, sizeof id, "%d", joined);
    s_add (h, joined);
    assert_int_equal (imh_writes_run (before, WRITES, WAIT_MS), WRITES);
    //  The new node caught up with everything written before and after
    assert_true (imh_cluster_converged (h, WAIT_MS));

    imh_writes_t *after = imh_cluster_writes (h, first, "after", WRITES);
    assert_non_null (after);
    assert_true (imh_writes_run (after, 200, WAIT_MS) >= 200);
    s_ctl (h, "transfer-leadership", id);
    assert_true (imh_cluster_wait_leader (h, joined, LEADER_MS));
    s_leads_t leads = { h, joined };
    //  Followed from the first three to the new leader
    assert_true (imh_writes_run (after, 1000, WAIT_MS) >= 1000);
    s_check_redirect (h, 2, joined);

    //  imqctl given the first three only, and HTTP to a follower
    //  (the second -e is the one imqctl takes)
    imh_run_t run;
    s_ctl_ok (imh_ctl (h, &run, "-e", first, "open", "--title",
                       "Through a redirect", "--reporter", "membership",
                       NULL), &run, "open");
    char url [160];
    snprintf (url, sizeof url, "http://%s/v1/incidents",
              imh_node_http (h, 2));
    const char *json = "{\"title\": \"Forwarded\", \"reporter\": \"web\"}";
    imh_http_reply_t reply;
    assert_int_equal (imh_http_url (h, "POST", url, json, strlen (json),
                                    NULL, &reply), 0);
    assert_int_equal (reply.status, 201);
    imh_http_clear (&reply);
    //  A worker given the first three reads the stream from the new one
    int classifier = imh_start (h, IMH_CLASSIFIER, "classifier-1", NULL);
    assert_true (classifier >= 0);
    assert_true (imh_wait_for (s_classifier_on, &leads, WAIT_MS));
    //  Stopped, so the log holds still for the lag checked below
    assert_int_equal (imh_kill (h, classifier), 0);

    //  Remove a node of the first three, and stop it: the other three
    //  still make a majority of the configuration
    s_ctl (h, "remove", "1");
    assert_true (imh_stop (h, imh_node_slot (h, 1), WAIT_MS) >= 0
                 || !imh_running (h, imh_node_slot (h, 1)));
    assert_int_equal (imh_writes_run (after, WRITES, WAIT_MS), WRITES);
    assert_true (imh_cluster_wait_leader (h, joined, LEADER_MS));
    //  With the one from imqctl and the one over HTTP
    assert_int_equal (imh_cluster_check (h, 2 * WRITES + 2, WAIT_MS), 0);

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
    return imh_run_test ("test_join_transfer_and_remove_while_serving",
                         test_join_transfer_and_remove_while_serving, s_setup);
}
