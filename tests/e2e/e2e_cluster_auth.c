/*  e2e_cluster_auth - principals through the log, on every node

    Three real brokers. An administrator adds a principal with a key no
    node's keys directory holds: every node lets it in once it applied
    the change. Then the principal is removed: every node refuses the
    key within 2 s, on the connections it already holds. A principal
    cannot grant itself a role; a role granted through the log works on
    every node.
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
#define CALL_MS     1000            //  One call's deadline
#define REVOKE_MS   2000            //  Refused everywhere this soon

typedef struct {
    im_client_t *clients [NODES];   //  One per node, as dana
    int status;                     //  The status every node must answer
} s_wait_t;

//  True when every node answers STATUS with the status sought
static bool
s_all_answer (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    for (int node = 0; node < NODES; node++) {
        im_reply_t *reply = im_client_call (wait->clients [node], "STATUS",
                                            NULL, NULL, false);
        int status = reply ? reply->status : 0;
        im_reply_destroy (&reply);
        if (status != wait->status)
            return false;
    }
    return true;
}

static void
test_a_principal_of_the_log_is_let_in_and_out_everywhere (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_cluster_leader (h, LEADER_MS) > 0);
    //  dana's certificate is made on her machine: no node holds it
    char dir [512], cert [600], public [600], errbuf [256] = "";
    snprintf (dir, sizeof dir, "%s/dana-laptop", imh_dir (h));
    assert_int_equal (im_curve_keygen (dir, "dana", "", NULL, NULL, errbuf,
                                       sizeof errbuf), 0);
    snprintf (cert, sizeof cert, "%s/dana.key_secret", dir);
    snprintf (public, sizeof public, "%s/dana.key", dir);
    im_curve_t *dana = im_curve_new (cert, imh_keys_dir (h), errbuf,
                                     sizeof errbuf);
    assert_non_null (dana);

    //  Added through the log, with her public key: every node lets her in
    assert_int_equal (imh_ctl (h, NULL, "principal", "add", "dana",
                               "--key-file", public, "--roles", "agent",
                               NULL), 0);
    s_wait_t wait = { { NULL }, 200 };
    for (int node = 0; node < NODES; node++) {
        wait.clients [node] = im_client_new_curve (
            imh_node_endpoint (h, node + 1), CALL_MS, dana);
        assert_non_null (wait.clients [node]);
    }
    assert_true (imh_wait_for (s_all_answer, &wait, WAIT_MS));

    //  She cannot make herself an administrator
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--cert", cert, "principal", "grant",
                               "dana", "--roles", "administrator", NULL), 1);
    assert_non_null (strstr (run.err, "403"));
    imh_run_clear (&run);

    //  Removed: every node refuses her key, on the connection it holds
    assert_int_equal (imh_ctl (h, NULL, "principal", "remove", "dana",
                               NULL), 0);
    uint64_t removed = im_mono_ms ();
    wait.status = 401;
    assert_true (imh_wait_for (s_all_answer, &wait, WAIT_MS));
    uint64_t took = im_mono_ms () - removed;
    print_message ("dana's key refused by all %d nodes %" PRIu64 " ms after "
                   "the removal was acknowledged\n", NODES, took);
    assert_true (took <= REVOKE_MS);
    for (int node = 0; node < NODES; node++)
        im_client_destroy (&wait.clients [node]);
    im_curve_destroy (&dana);
    imh_passed (h);
}

static int
s_setup (void **state)
{
    return imh_setup_cluster (state, "cluster-auth", NULL, NODES);
}

int
main (void)
{
    return imh_run_test (
        "test_a_principal_of_the_log_is_let_in_and_out_everywhere",
        test_a_principal_of_the_log_is_let_in_and_out_everywhere, s_setup);
}
