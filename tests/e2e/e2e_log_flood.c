/*  e2e_log_flood - a client sending garbage cannot grow the broker's log

    Every refused message used to be one warning line: a client sending
    garbage grew a broker log by megabytes a minute. Now each kind of
    refusal is logged in full a few times per interval and counted; the
    counts are in /metrics, and what the log left out is summed up in
    one line (at the latest when the broker stops). Thousands of bad
    messages on both ZeroMQ endpoints are sent to a real broker; every
    one is still answered or read, and the log stays small.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define FLOOD       3000            //  Bad messages of each kind
#define LOGGED_MAX  10              //  Lines of one kind in full

static int
s_setup (void **state)
{
    *state = imh_new ("logflood", NULL);
    return *state ? 0 : -1;
}

//  Sends count copies of the message made of frames on socket, then
//  reads one reply per message (replies is true) within WAIT_MS
static void
s_flood (zsock_t *socket, const char *const *frames, int count,
         bool replies)
{
    for (int index = 0; index < count; index++) {
        zmsg_t *msg = zmsg_new ();
        for (size_t frame = 0; frames [frame]; frame++)
            zmsg_addstr (msg, frames [frame]);
        assert_int_equal (zmsg_send (&msg, socket), 0);
    }
    zpoller_t *poller = zpoller_new (socket, NULL);
    for (int index = 0; replies && index < count; index++) {
        assert_non_null (zpoller_wait (poller, WAIT_MS));
        zmsg_t *reply = zmsg_recv (socket);
        assert_non_null (reply);
        zmsg_destroy (&reply);
    }
    zpoller_destroy (&poller);
}

//  The value of the /metrics line that starts with prefix, or -1
static int64_t
s_metric (imh_t *harness, const char *prefix)
{
    imh_http_reply_t reply;
    assert_int_equal (imh_http (harness, "GET", "/metrics", NULL, 0, NULL,
                                &reply), 0);
    assert_int_equal (reply.status, 200);
    int64_t value = -1;
    const char *line = strstr (reply.body, prefix);
    if (line)
        value = strtoll (line + strlen (prefix), NULL, 10);
    imh_http_clear (&reply);
    return value;
}

//  True when /metrics counts FLOOD refused worker messages
static bool
s_workers_counted (void *arg)
{
    return s_metric ((imh_t *) arg, "imq_refused_messages_total{kind=\""
                                    "worker/malformed\"} ") == FLOOD;
}

static void
test_a_flood_of_garbage_is_counted_not_logged_line_by_line (void **state)
{
    imh_t *h = (imh_t *) *state;
    int broker = imh_start_broker (h);
    assert_true (broker >= 0);
    long before = imh_log_size (h, "broker");
    zsock_t *client = imh_dealer (h, imh_client_endpoint (h), NULL);
    zsock_t *worker = imh_dealer (h, imh_worker_endpoint (h), "classifier");
    assert_non_null (client);
    assert_non_null (worker);
    //  Three kinds on the client endpoint, each answered; one on the
    //  worker endpoint, read and dropped
    s_flood (client, (const char *[]) { "IMQ02", "OPEN", "r", "", NULL },
             FLOOD, true);
    //  (0x80: an empty map)
    s_flood (client, (const char *[]) { "IMQ01", "EXPLODE", "r", "\x80",
                                        NULL }, FLOOD, true);
    s_flood (worker, (const char *[]) { "IMQW01", "EXPLODE", NULL }, FLOOD,
             false);

    //  Every refusal counted, by kind
    assert_int_equal (s_metric (h, "imq_refused_messages_total{kind=\""
                                   "client/malformed\"} "), FLOOD);
    assert_int_equal (s_metric (h, "imq_refused_messages_total{kind=\""
                                   "client/unknown_verb\"} "), FLOOD);
    //  The worker side has no answer to wait on: the count says when
    //  the broker read them all
    assert_true (imh_wait_for (s_workers_counted, h, WAIT_MS));
    //  Each kind in full only LOGGED_MAX times
    int client_lines = imh_log_lines (h, "broker", "client request rejected");
    int worker_lines = imh_log_lines (h, "broker", "worker message rejected");
    assert_int_equal (client_lines, 2 * LOGGED_MAX);
    assert_int_equal (worker_lines, LOGGED_MAX);
    //  9,000 refusals cost the log a few KB, not a line each
    long grown = imh_log_size (h, "broker") - before;
    assert_true (grown < 16 * 1024);

    //  The node still serves
    uint64_t id = imh_open (h, "Printer jammed", "ivan", 3, 3);
    assert_true (id > 0);
    //  The worker endpoint answered each with ERROR: read what came
    //  (the node drops what does not fit the peer's queue), so that the
    //  node does not stop with its queue to a vanished peer full
    zpoller_t *poller = zpoller_new (worker, NULL);
    while (zpoller_wait (poller, 200)) {
        zmsg_t *error = zmsg_recv (worker);
        zmsg_destroy (&error);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&client);
    zsock_destroy (&worker);

    //  What the log left out is summed up, at the latest at exit
    assert_int_equal (imh_stop (h, broker, WAIT_MS), 0);
    assert_int_equal (imh_log_lines (h, "broker", "more 'client/malformed'"),
                      1);
    assert_int_equal (imh_log_lines (h, "broker",
                                     "2990 more 'client/unknown_verb'"), 1);
    assert_int_equal (imh_log_lines (h, "broker",
                                     "2990 more 'worker/malformed'"), 1);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_flood_of_garbage_is_counted_not_logged_line_by_line,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
