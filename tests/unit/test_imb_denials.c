/*  test_imb_denials - a denial reported from another thread of the node

    imb_denials_report is how a thread of the node that is not its main
    thread (HTTP) hands a denial over: a DENY over the node's inproc
    client endpoint. A fake node (a zactor with a ROUTER) says what it
    received, and answers 200 or refuses.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"

#define ENDPOINT    "inproc://test-imb-denials"

typedef struct {
    zactor_t *node;                 //  Fake node
    im_client_t *client;            //  The reporting thread's connection
    int status;                     //  What the fake node answers
} fixture_t;

//  Actor: answers every request with the fixture's status, and sends
//  its verb and body, as "verb actor verb incident needs reason", to
//  the pipe
static void
s_node (zsock_t *pipe, void *args)
{
    fixture_t *fixture = (fixture_t *) args;
    zsock_t *router = zsock_new_router (ENDPOINT);
    zsock_signal (pipe, router ? 0 : 1);
    if (!router)
        return;
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break;                  //  $TERM or interrupted
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        im_request_t *request = im_request_new ();
        if (im_request_decode (request, &msg, NULL, 0) == 0) {
            const im_fields_t *body = request->body;
            zstr_sendf (pipe, "%s %s %s %" PRId64 " %s %s", request->verb,
                        im_fields_str_or (body, "actor", "-"),
                        im_fields_str_or (body, "verb", "-"),
                        im_fields_int_or (body, "incident", 0),
                        im_fields_str_or (body, "needs", "-"),
                        im_fields_str_or (body, "reason", "-"));
            zmsg_t *reply = fixture->status == 200
                ? im_reply_encode (200, request->request_id, NULL, NULL, NULL)
                : im_reply_encode_error (fixture->status,
                                         request->request_id, "no");
            zmsg_prepend (reply, &identity);
            zmsg_send (&reply, router);
        }
        zframe_destroy (&identity);
        zmsg_destroy (&msg);
        im_request_destroy (&request);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->status = 200;
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_client_destroy (&f->client);
    zactor_destroy (&f->node);
    free (f);
    return 0;
}

static void
s_start (fixture_t *f, int status)
{
    f->status = status;
    f->node = zactor_new (s_node, f);
    assert_non_null (f->node);
    zsock_set_rcvtimeo (f->node, 5000);
    f->client = im_client_new_plain (ENDPOINT, 500);
    assert_non_null (f->client);
}

static void
test_a_report_is_a_deny_the_node_answers (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 200);
    assert_int_equal (imb_denials_report (f->client, "rita", "PRIORITIZE",
                                          7, "token_role", "needs a role"),
                      0);
    char *seen = zstr_recv (f->node);
    assert_non_null (seen);
    assert_string_equal (seen, "DENY rita PRIORITIZE 7 token_role needs a "
                               "role");
    zstr_free (&seen);
    //  Nobody named, no incident, no reason: still a report
    assert_int_equal (imb_denials_report (f->client, "", "OPEN", 0, "", ""),
                      0);
    seen = zstr_recv (f->node);
    assert_string_equal (seen, "DENY anonymous OPEN 0 role refused");
    zstr_free (&seen);
}

static void
test_a_report_the_node_refuses_fails (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 400);
    assert_int_equal (imb_denials_report (f->client, "rita", "OPEN", 0,
                                          "role", "no"), IM_EIO);
    char *seen = zstr_recv (f->node);
    assert_non_null (seen);
    zstr_free (&seen);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_report_is_a_deny_the_node_answers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_report_the_node_refuses_fails, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
