/*  test_im_client - im_client against a real ROUTER socket

    The client's promises are about timing and matching: a call gets the
    reply to its own request, skips late replies to other requests,
    resends the same request id when nothing comes back, and gives up at
    its deadline. A fake broker (a ROUTER on an ipc:// endpoint in a temp
    directory, run by a zactor) answers in the way each test needs and
    remembers every request id it saw, so the tests check what went over
    the wire. Nothing sleeps: every wait is a poll with a deadline.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "im_classes.h"

//  How the fake broker answers a request
typedef enum {
    SERVER_ANSWER,          //  200 with the request body and verb, one item
    SERVER_STALE_FIRST,     //  A reply to another request id, then 200
    SERVER_IGNORE_FIRST,    //  Nothing to the first request, then 200
    SERVER_SILENT,          //  Never answers
    SERVER_GARBAGE,         //  A reply that does not decode
    SERVER_UNKNOWN_FIRST,   //  504 (outcome unknown) to the first, then 200
    SERVER_FRAMES_ONLY      //  A broker older than IMQ02: refuses one
                            //  frame as an unknown signature
} server_mode_t;

typedef struct {
    char dir [256];                 //  Temp directory of this test
    char endpoint [320];            //  ipc:// endpoint in dir
    server_mode_t mode;             //  Read by the server thread
    zactor_t *server;               //  Fake broker, or NULL
    im_client_t *client;            //  Client under test, or NULL
} fixture_t;

//  ---------------------------------------------------------------------
//  The fake broker

//  Answers one request as mode says; seen counts requests so far
static void
s_server_answer (zsock_t *router, zmsg_t **msg_p, server_mode_t mode,
                 size_t seen, zlistx_t *ids)
{
    zframe_t *identity = zmsg_pop (*msg_p);
    if (mode == SERVER_FRAMES_ONLY
    &&  im_proto_is_one_frame (zmsg_first (*msg_p))) {
        //  What such a broker answers: it cannot read the request id
        zlistx_add_end (ids, "(one frame)");
        zmsg_destroy (msg_p);
        zmsg_t *refusal = im_reply_encode_error (
            400, "", "frame 0: signature is not IMQ01");
        zmsg_prepend (refusal, &identity);
        zmsg_send (&refusal, router);
        return;
    }
    im_request_t *request = im_request_new ();
    char errbuf [200];
    int rc = im_request_decode (request, msg_p, errbuf, sizeof errbuf);
    zmsg_destroy (msg_p);
    if (rc) {
        //  No cmocka assert off the test thread: the call under test
        //  gets no answer and fails there
        zframe_destroy (&identity);
        im_request_destroy (&request);
        return;
    }
    zlistx_add_end (ids, request->request_id);

    zmsg_t *reply = NULL;
    if (mode == SERVER_STALE_FIRST) {
        zmsg_t *stale = im_reply_encode_error (404, "stale-request", "late");
        zframe_t *copy = zframe_dup (identity);
        zmsg_prepend (stale, &copy);
        zmsg_send (&stale, router);
    }
    if (mode == SERVER_UNKNOWN_FIRST && seen == 1)
        reply = im_reply_encode_error (504, request->request_id,
                                       "outcome unknown");
    else
    if (mode == SERVER_GARBAGE) {
        reply = zmsg_new ();
        zmsg_addstr (reply, IM_PROTO_CLIENT_SIG);
        zmsg_addstr (reply, "not-a-status");
        zmsg_addstr (reply, request->request_id);
    }
    else
    if (mode != SERVER_SILENT && !(mode == SERVER_IGNORE_FIRST && seen == 1)) {
        im_fields_t *body = im_fields_dup (request->body);
        im_fields_set_str (body, "verb", request->verb);
        im_fields_t *item = im_fields_new ();
        im_fields_set_int (item, "n", 1);
        zlist_t *items = zlist_new ();
        zlist_append (items, item);
        reply = im_reply_encode (200, request->request_id, body, items, NULL);
        zlist_destroy (&items);
        im_fields_destroy (&item);
        im_fields_destroy (&body);
    }
    //  Answered in the form asked in, as the broker does
    if (reply && mode != SERVER_GARBAGE && request->one_frame)
        im_reply_to_one_frame (&reply);
    if (reply) {
        zmsg_prepend (reply, &identity);
        zmsg_send (&reply, router);
    }
    zframe_destroy (&identity);
    im_request_destroy (&request);
}

//  Actor: binds a ROUTER, answers requests, and on "IDS" sends back
//  every request id it saw, in order
static void
s_server (zsock_t *pipe, void *args)
{
    fixture_t *fixture = (fixture_t *) args;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    zsock_set_linger (router, 0);
    if (zsock_bind (router, "%s", fixture->endpoint) != 0) {
        zsock_destroy (&router);
        zsock_signal (pipe, 1);
        return;
    }
    zlistx_t *ids = zlistx_new ();
    zlistx_set_duplicator (ids, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (ids, (zlistx_destructor_fn *) zstr_free);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    zsock_signal (pipe, 0);

    bool running = true;
    while (running) {
        void *which = zpoller_wait (poller, -1);
        if (which == router) {
            zmsg_t *msg = zmsg_recv (router);
            s_server_answer (router, &msg, fixture->mode,
                             zlistx_size (ids) + 1, ids);
        }
        else
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            if (command && streq (command, "IDS")) {
                zmsg_t *answer = zmsg_new ();
                const char *id = (const char *) zlistx_first (ids);
                for (; id; id = (const char *) zlistx_next (ids))
                    zmsg_addstr (answer, id);
                zmsg_send (&answer, pipe);
            }
            else
                running = false;    //  $TERM, or the pipe went away
            zstr_free (&command);
        }
        else
            running = false;        //  Interrupted
    }
    zpoller_destroy (&poller);
    zlistx_destroy (&ids);
    zsock_destroy (&router);
}

static void
s_start_server (fixture_t *f, server_mode_t mode)
{
    f->mode = mode;
    f->server = zactor_new (s_server, f);
    assert_non_null (f->server);
    zsock_set_rcvtimeo (f->server, 5000);
}

//  Returns the request ids the server saw; caller destroys
static zmsg_t *
s_server_ids (fixture_t *f)
{
    zstr_send (f->server, "IDS");
    zmsg_t *ids = zmsg_recv (f->server);
    assert_non_null (ids);
    return ids;
}

//  ---------------------------------------------------------------------
//  Fixture

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir (base, 0700);             //  May exist already
    snprintf (f->dir, sizeof f->dir, "%s/im_client.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    snprintf (f->endpoint, sizeof f->endpoint, "ipc://%s/client.ipc",
              f->dir);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_client_destroy (&f->client);
    zactor_destroy (&f->server);
    char path [400];
    snprintf (path, sizeof path, "%s/client.ipc", f->dir);
    unlink (path);
    rmdir (f->dir);
    free (f);
    return 0;
}

//  A body for requests
static im_fields_t *
s_body (const char *text)
{
    im_fields_t *body = im_fields_new ();
    assert_non_null (body);
    assert_int_equal (im_fields_set_str (body, "text", text), 0);
    return body;
}

//  Checks that the server saw the request of reply twice, with its id
static void
s_check_sent_twice (fixture_t *f, const im_reply_t *reply)
{
    zmsg_t *ids = s_server_ids (f);
    assert_int_equal (zmsg_size (ids), 2);
    char *first = zmsg_popstr (ids);
    char *second = zmsg_popstr (ids);
    assert_string_equal (first, second);
    assert_string_equal (first, reply->request_id);
    zstr_free (&first);
    zstr_free (&second);
    zmsg_destroy (&ids);
}

//  ---------------------------------------------------------------------
//  Tests

static void
test_call_returns_the_matching_reply (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_ANSWER);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);
    im_fields_t *body = s_body ("hello");

    im_reply_t *reply = im_client_call (f->client, "GET", "my-id", body,
                                        false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    assert_string_equal (reply->request_id, "my-id");
    assert_string_equal (im_fields_str (reply->body, "text"), "hello");
    assert_string_equal (im_fields_str (reply->body, "verb"), "GET");
    assert_non_null (reply->items);
    assert_int_equal (zlist_size (reply->items), 1);
    im_reply_destroy (&reply);

    //  Without a request id the client makes a fresh one
    reply = im_client_call (f->client, "LIST", NULL, body, false);
    assert_non_null (reply);
    assert_int_equal (strlen (reply->request_id), 32);
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
}

static void
test_call_keeps_items_raw_when_asked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_ANSWER);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);

    im_reply_t *reply = im_client_call (f->client, "TIMELINE", NULL, NULL,
                                        true);
    assert_non_null (reply);
    assert_non_null (reply->raw_items);
    assert_int_equal (zlist_size (reply->raw_items), 1);
    assert_true (!reply->items || zlist_size (reply->items) == 0);
    im_reply_destroy (&reply);
}

static void
test_call_skips_a_reply_to_another_request (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_STALE_FIRST);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);
    im_fields_t *body = s_body ("fresh");

    im_reply_t *reply = im_client_call (f->client, "GET", "current", body,
                                        false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    assert_string_equal (reply->request_id, "current");
    assert_string_equal (im_fields_str (reply->body, "text"), "fresh");
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
}

static void
test_call_resends_the_same_request_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_IGNORE_FIRST);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);

    uint64_t started = im_mono_ms ();
    im_reply_t *reply = im_client_call (f->client, "ACK", NULL, NULL, false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    //  The answer came to the resend, which waits one interval
    assert_true (im_mono_ms () - started >= 900);

    s_check_sent_twice (f, reply);
    im_reply_destroy (&reply);
}

static void
test_call_asks_again_after_an_unknown_outcome (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_UNKNOWN_FIRST);
    //  Two nodes (one of them down): another may know the outcome
    char list [700];
    snprintf (list, sizeof list, "ipc://%s/nobody.ipc,%s", f->dir,
              f->endpoint);
    f->client = im_client_new (list, 5000);
    assert_non_null (f->client);

    uint64_t started = im_mono_ms ();
    im_reply_t *reply = im_client_call (f->client, "OPEN", NULL, NULL, false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    //  Asked again at once, not after a resend interval of silence
    assert_true (im_mono_ms () - started < 900);

    s_check_sent_twice (f, reply);
    im_reply_destroy (&reply);
}

static void
test_call_falls_back_to_four_frames_for_an_older_broker (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_FRAMES_ONLY);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);
    im_fields_t *body = s_body ("hello");
    im_reply_t *reply = im_client_call (f->client, "GET", "first", body,
                                        false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    assert_string_equal (reply->request_id, "first");
    im_reply_destroy (&reply);
    //  Once refused, the client speaks IMQ01 from the start
    reply = im_client_call (f->client, "GET", "second", body, false);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    im_reply_destroy (&reply);
    //  ...and so do its sends
    assert_int_equal (im_client_send (f->client, "GET", "third", body), 0);
    reply = im_client_recv (f->client, false);
    assert_non_null (reply);
    assert_string_equal (reply->request_id, "third");
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    zmsg_t *ids = s_server_ids (f);
    assert_int_equal (zmsg_size (ids), 4);
    const char *expected [] = { "(one frame)", "first", "second", "third" };
    for (size_t index = 0; index < 4; index++) {
        char *id = zmsg_popstr (ids);
        assert_string_equal (id, expected [index]);
        zstr_free (&id);
    }
    zmsg_destroy (&ids);
}

static void
test_call_times_out_with_a_reason (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_SILENT);
    f->client = im_client_new (f->endpoint, 300);
    assert_non_null (f->client);

    uint64_t started = im_mono_ms ();
    im_reply_t *reply = im_client_call (f->client, "GET", NULL, NULL, false);
    assert_null (reply);
    assert_true (im_mono_ms () - started >= 300);
    assert_non_null (strstr (im_client_errmsg (f->client), "within 300 ms"));
    assert_non_null (strstr (im_client_errmsg (f->client), "request sent"));

    zmsg_t *ids = s_server_ids (f);
    assert_int_equal (zmsg_size (ids), 1);
    zmsg_destroy (&ids);
}

static void
test_call_times_out_without_a_broker (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->client = im_client_new (f->endpoint, 200);
    assert_non_null (f->client);

    im_reply_t *reply = im_client_call (f->client, "GET", NULL, NULL, false);
    assert_null (reply);
    assert_non_null (strstr (im_client_errmsg (f->client),
                             "no broker connected"));
}

static void
test_call_fails_on_a_malformed_reply (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_GARBAGE);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);

    uint64_t started = im_mono_ms ();
    im_reply_t *reply = im_client_call (f->client, "GET", NULL, NULL, false);
    assert_null (reply);
    assert_true (im_mono_ms () - started < 5000);
    assert_non_null (strstr (im_client_errmsg (f->client), "malformed"));
}

static void
test_call_rejects_a_too_long_request_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->client = im_client_new (f->endpoint, 100);
    assert_non_null (f->client);
    char id [IM_REQUEST_ID_MAX + 10];
    memset (id, 'x', sizeof id - 1);
    id [sizeof id - 1] = 0;

    assert_null (im_client_call (f->client, "GET", id, NULL, false));
    assert_non_null (strstr (im_client_errmsg (f->client), "request id"));
    assert_int_equal (im_client_send (f->client, "GET", id, NULL),
                      IM_EINVAL);
}

static void
test_send_and_recv_keep_several_in_flight (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_ANSWER);
    f->client = im_client_new (f->endpoint, 5000);
    assert_non_null (f->client);
    const char *ids [] = { "one", "two", "three" };
    for (size_t index = 0; index < 3; index++)
        assert_int_equal (im_client_send (f->client, "ACK", ids [index],
                                          NULL), 0);
    bool seen [3] = { false, false, false };
    size_t replies = 0;
    uint64_t deadline = im_mono_ms () + 5000;
    zmq_pollitem_t item = {
        zsock_resolve (im_client_sock (f->client)), 0, ZMQ_POLLIN, 0
    };
    while (replies < 3 && im_mono_ms () < deadline) {
        assert_true (zmq_poll (&item, 1, 100) >= 0);
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        im_reply_t *reply = im_client_recv (f->client, false);
        assert_non_null (reply);
        assert_int_equal (reply->status, 200);
        for (size_t index = 0; index < 3; index++)
            if (streq (reply->request_id, ids [index]))
                seen [index] = true;
        replies++;
        im_reply_destroy (&reply);
    }
    assert_int_equal (replies, 3);
    assert_true (seen [0] && seen [1] && seen [2]);
}

//  Answers every request waiting on router: 421 naming leader when
//  leader is not NULL, else 200. Returns how many it answered.
static size_t
s_answer_all (zsock_t *router, const char *leader)
{
    size_t answered = 0;
    while (zsock_events (router) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        im_request_t *request = im_request_new ();
        char errbuf [200];
        assert_int_equal (im_request_decode (request, &msg, errbuf,
                                             sizeof errbuf), 0);
        im_fields_t *body = im_fields_new ();
        if (leader)
            im_fields_set_str (body, "leader", leader);
        zmsg_t *reply = im_reply_encode (leader ? 421 : 200,
                                         request->request_id, body, NULL,
                                         NULL);
        zmsg_prepend (reply, &identity);
        zmsg_send (&reply, router);
        im_fields_destroy (&body);
        im_request_destroy (&request);
        zmsg_destroy (&msg);
        answered++;
    }
    return answered;
}

static void
test_late_redirects_do_not_pull_the_client_back (void **state)
{
    //  Under load, answers a follower sent before the client moved to
    //  the leader keep arriving after it did. Each names the leader the
    //  client already talks to: none may send it back to every node,
    //  or its next requests go to the follower again, whose 421s spread
    //  it again, round and round.
    fixture_t *f = (fixture_t *) *state;
    char follower_ep [320], leader_ep [320], list [700];
    snprintf (follower_ep, sizeof follower_ep, "ipc://%s/follower.ipc",
              f->dir);
    snprintf (leader_ep, sizeof leader_ep, "ipc://%s/leader.ipc", f->dir);
    snprintf (list, sizeof list, "%s,%s", follower_ep, leader_ep);
    zsock_t *follower = zsock_new_router (follower_ep);
    zsock_t *leader = zsock_new_router (leader_ep);
    assert_non_null (follower);
    assert_non_null (leader);
    f->client = im_client_new_plain (list, 5000);
    assert_non_null (f->client);
    zsock_t *sock = im_client_sock (f->client);
    const size_t window = 32, total = 1000;
    size_t sent = 0, answered = 0, lost = 0, to_follower = 0, to_leader = 0;
    uint64_t deadline = im_mono_ms () + 60000;
    uint64_t progress = im_mono_ms ();
    zmq_pollitem_t items [] = {
        { zsock_resolve (sock), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (follower), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (leader), 0, ZMQ_POLLIN, 0 }
    };
    while (answered + lost < total && im_mono_ms () < deadline) {
        while (sent < total && sent - answered - lost < window
        &&     im_client_send (f->client, "ACK", NULL, NULL) == 0)
            sent++;
        assert_true (zmq_poll (items, 3, 100) >= 0);
        to_follower += s_answer_all (follower, leader_ep);
        to_leader += s_answer_all (leader, NULL);
        while (zsock_events (sock) & ZMQ_POLLIN) {
            im_reply_t *reply = im_client_recv (f->client, false);
            assert_non_null (reply);
            if (reply->status == 200)
                answered++;
            else
                sent--;             //  Redirected: another is sent
            im_reply_destroy (&reply);
            progress = im_mono_ms ();
        }
        //  A send queued to the follower when the client left it is
        //  dropped with that connection (the caller's resend, as
        //  imw_tracker's, covers it): counted, and the window moves on
        if (im_mono_ms () - progress > 500 && sent > answered + lost) {
            lost = sent - answered;
            progress = im_mono_ms ();
        }
    }
    print_message ("%zu answered by the leader, %zu requests reached the "
                   "follower, %zu dropped when the client moved\n",
                   to_leader, to_follower, lost);
    assert_int_equal (answered + lost, total);
    //  The follower saw only what was in flight when the client moved
    //  (and the redirects it made): the client never went back to it
    assert_true (to_follower <= 2 * window);
    assert_true (lost <= window);
    zsock_destroy (&follower);
    zsock_destroy (&leader);
}

static void
test_send_fails_without_a_broker (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->client = im_client_new (f->endpoint, 200);
    assert_non_null (f->client);

    assert_int_equal (im_client_send (f->client, "ACK", NULL, NULL), IM_EIO);
    assert_non_null (strstr (im_client_errmsg (f->client), "cannot send"));
}

static void
test_new_connects_to_each_endpoint_of_a_list (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_server (f, SERVER_ANSWER);
    char list [700];
    snprintf (list, sizeof list, "ipc://%s/nobody.ipc , %s", f->dir,
              f->endpoint);
    f->client = im_client_new (list, 5000);
    assert_non_null (f->client);

    //  Only the live endpoint takes requests, so every call is answered
    //  at once rather than after a resend
    for (int count = 0; count < 4; count++) {
        uint64_t started = im_mono_ms ();
        im_reply_t *reply = im_client_call (f->client, "GET", NULL, NULL,
                                            false);
        assert_non_null (reply);
        assert_true (im_mono_ms () - started < 900);
        im_reply_destroy (&reply);
    }
}

static void
test_new_rejects_invalid_endpoints (void **state)
{
    (void) state;
    im_client_t *client = im_client_new ("not an endpoint", 100);
    assert_null (client);
    client = im_client_new ("", 100);
    assert_null (client);
    client = im_client_new (" , ", 100);
    assert_null (client);
}

static void
test_new_request_id_is_32_random_hex_digits (void **state)
{
    (void) state;
    char first [64], second [64];
    im_client_new_request_id (first, sizeof first);
    im_client_new_request_id (second, sizeof second);
    assert_int_equal (strlen (first), 32);
    for (const char *cursor = first; *cursor; cursor++)
        assert_true (isxdigit ((unsigned char) *cursor));
    assert_string_not_equal (first, second);

    char small [9];
    im_client_new_request_id (small, sizeof small);
    assert_int_equal (strlen (small), 8);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_call_returns_the_matching_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_keeps_items_raw_when_asked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_falls_back_to_four_frames_for_an_older_broker,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_asks_again_after_an_unknown_outcome, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_skips_a_reply_to_another_request, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_resends_the_same_request_id, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_times_out_with_a_reason, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_times_out_without_a_broker, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_fails_on_a_malformed_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_call_rejects_a_too_long_request_id, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_send_and_recv_keep_several_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_late_redirects_do_not_pull_the_client_back, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_send_fails_without_a_broker, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_new_connects_to_each_endpoint_of_a_list, s_setup,
            s_teardown),
        cmocka_unit_test (test_new_rejects_invalid_endpoints),
        cmocka_unit_test (test_new_request_id_is_32_random_hex_digits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
