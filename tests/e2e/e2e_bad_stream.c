/*  e2e_bad_stream - garbage on the worker dialog, both ways

    The broker's worker endpoint refuses whatever does not decode, logs
    it, makes no group or delivery out of it and goes on serving real
    workers. A worker whose stream sends it garbage skips what it cannot
    read (acking what names a seq, so one bad event cannot wedge its
    group) and keeps working. A raw DEALER plays a broken worker and a
    raw ROUTER a broken broker.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

typedef imh_raw_t fixture_t;

static int
s_setup (void **state)
{
    return imh_raw_setup (state, "badstream");
}

//  Sends one message of string frames (and a last frame) on the peer
static void
s_send (fixture_t *self, const char *const *strings, zframe_t *last)
{
    zmsg_t *msg = imh_raw_msg (strings, last);
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
}

//  A seq frame: 8 octets, network order
static zframe_t *
s_seq (uint64_t seq)
{
    unsigned char bytes [8];
    im_put_u64 (bytes, seq);
    return zframe_new (bytes, 8);
}

//  Receives the next message on a raw worker socket and checks it is
//  of type
static void
s_expect_type (zsock_t *socket, im_wmsg_type_t type)
{
    zmsg_t *msg = imh_raw_recv (socket);
    assert_non_null (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char errbuf [200] = "";
    assert_int_equal (im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf), 0);
    assert_int_equal (wmsg->type, type);
    im_wmsg_destroy (&wmsg);
}

static void
test_worker_endpoint_garbage_is_refused_and_harmless (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_start_broker (h);
    assert_true (broker >= 0);
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    self->peer = zsock_new_dealer (imh_worker_endpoint (h));
    assert_non_null (self->peer);
    s_send (self, (const char *[]) { "IMQW01", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW02", "READY", "classifier", "x",
                                     "1", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "READY", "classifier", "x",
                                     "abc", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "READY", "classifier", "x",
                                     "0", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "READY", "", "x", "1",
                                     NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "ACK", NULL },
            zframe_new ("\x01\x02\x03", 3));
    s_send (self, (const char *[]) { "IMQW01", "ACK", NULL }, s_seq (999));
    s_send (self, (const char *[]) { "IMQW01", "DELIVER", "\1\2\3\4\5\6\7\10",
                                     NULL }, zframe_new ("\xdd\xff", 2));
    s_send (self, (const char *[]) { "IMQW01", "EXPLODE", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", NULL },
            zframe_new (self->big, IMH_RAW_BIG));
    s_send (self, (const char *[]) { NULL },
            zframe_new ("\xdd\xff\xff\xff\xff", 5));
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    //  What decoded but came before READY (the ACK, the DELIVER, the
    //  PING) is told to start over, in order: all garbage was read
    for (int index = 0; index < 3; index++)
        s_expect_type (self->peer, IM_WMSG_DISCONNECT);
    assert_int_equal (imh_log_lines (h, "broker",
                                     "worker message rejected"), 9);
    const char *reasons [] = {
        "missing verb", "credit 'abc'", "credit '0'", "group must be",
        "seq of 3 bytes", "unknown verb 'EXPLODE'", "more than 1048576"
    };
    for (size_t index = 0; index < 7; index++)
        assert_int_equal (imh_log_lines (h, "broker", reasons [index]), 1);
    assert_int_equal (imh_group (h, "classifier", NULL, NULL), -1);

    //  A worker that joins and then acks what it never got is ignored
    s_send (self, (const char *[]) { "IMQW01", "READY", "classifier",
                                     "rogue", "1", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "ACK", NULL }, s_seq (999));
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    s_expect_type (self->peer, IM_WMSG_PONG);
    s_send (self, (const char *[]) { "IMQW01", "DISCONNECT", NULL }, NULL);
    assert_true (imh_wait_instances (h, "classifier", 0, IMH_RAW_WAIT_MS));

    //  The broker still serves, with nothing new stored; real workers
    //  then do their work
    assert_true (imh_running (h, broker));
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    assert_int_equal (imh_start_workers (h, NULL, NULL), 0);
    uint64_t id = imh_open (h, "VPN certificate expired", "ivan", 1, 2);
    assert_true (id > 0);
    assert_true (imh_wait_events (h, id, "sla.started", NULL, NULL, 1,
                                  IMH_RAW_WAIT_MS));
    assert_int_equal (imh_count_events (h, id, "incident.classified",
                                        "priority", "2"), 1);
    assert_true (imh_running (h, broker));
    imh_passed (h);
}

//  Encodes an incident.opened event of incident at seq
static zframe_t *
s_opened (uint64_t seq, uint64_t incident)
{
    im_event_t *event = im_event_new ();
    event->seq = seq;
    event->ts_ms = im_now_ms ();
    event->incident = incident;
    event->type = IM_EV_OPENED;
    im_strlcpy (event->actor, "test", sizeof event->actor);
    im_fields_set_str (event->payload, "title", "DNS lookups time out");
    im_fields_set_int (event->payload, "impact", 1);
    im_fields_set_int (event->payload, "urgency", 1);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_event_encode (event, &data, &size), 0);
    zframe_t *frame = zframe_new (data, size);
    free (data);
    im_event_destroy (&event);
    return frame;
}

//  Waits on the fake broker's ROUTER for an ACK of seq, answering
//  PINGs; returns true when it came
static bool
s_wait_ack (zsock_t *router, uint64_t seq)
{
    uint64_t deadline = im_mono_ms () + IMH_RAW_WAIT_MS;
    while (im_mono_ms () < deadline) {
        zmsg_t *msg = imh_raw_recv (router);
        if (!msg)
            return false;
        zframe_t *routing = zmsg_pop (msg);
        im_wmsg_t *wmsg = im_wmsg_new ();
        bool decoded = im_wmsg_decode (wmsg, &msg, NULL, 0) == 0;
        bool acked = decoded && wmsg->type == IM_WMSG_ACK && wmsg->seq == seq;
        if (decoded && wmsg->type == IM_WMSG_PING) {
            //  Answered, so the worker does not take us for dead
            zmsg_t *pong = im_wmsg_encode_simple (IM_WMSG_PONG);
            zmsg_prepend (pong, &routing);
            zmsg_send (&pong, router);
        }
        im_wmsg_destroy (&wmsg);
        zframe_destroy (&routing);
        if (acked)
            return true;
    }
    return false;
}

//  Sends frames to the worker behind routing, from the fake broker
static void
s_send_to (zsock_t *router, zframe_t *routing, const char *const *strings,
           zframe_t *seq, zframe_t *last)
{
    zmsg_t *msg = zmsg_new ();
    zframe_t *copy = zframe_dup (routing);
    zmsg_append (msg, &copy);
    for (size_t index = 0; strings [index]; index++)
        zmsg_addstr (msg, strings [index]);
    if (seq)
        zmsg_append (msg, &seq);
    if (last)
        zmsg_append (msg, &last);
    assert_int_equal (zmsg_send (&msg, router), 0);
}

static void
test_worker_fed_garbage_skips_it_and_keeps_working (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_start_broker (h);
    assert_true (broker >= 0);
    uint64_t id = imh_open (h, "DNS lookups time out", "judy", 1, 1);
    assert_true (id > 0);
    //  A fake worker endpoint: the classifier's stream comes from us,
    //  its commands still go to the real broker
    self->peer = zsock_new_router ("tcp://127.0.0.1:*");
    assert_non_null (self->peer);
    const char *endpoint = zsock_endpoint (self->peer);
    const char *extra [] = { "--workers", endpoint, NULL };
    int worker = imh_start (h, IMH_CLASSIFIER, "classifier-1", extra);
    assert_true (worker >= 0);
    zmsg_t *ready = imh_raw_recv (self->peer);
    assert_non_null (ready);
    zframe_t *routing = zmsg_pop (ready);
    zmsg_destroy (&ready);

    const char *deliver [] = { "IMQW01", "DELIVER", NULL };
    s_send_to (self->peer, routing, (const char *[]) { "IMQW02", "DELIVER",
               NULL }, s_seq (1), s_opened (1, id));
    s_send_to (self->peer, routing, deliver, zframe_new ("\1", 1),
               s_opened (2, id));
    s_send_to (self->peer, routing, (const char *[]) { "IMQW01", "EXPLODE",
               NULL }, NULL, NULL);
    s_send_to (self->peer, routing, deliver, s_seq (3),
               zframe_new (self->big, IMH_RAW_BIG));
    s_send_to (self->peer, routing, deliver, s_seq (4), NULL);
    //  Framed right, but the event does not decode: skipped and acked
    s_send_to (self->peer, routing, deliver, s_seq (5),
               zframe_new ("\xdd\xff\xff\xff\xff", 5));
    assert_true (s_wait_ack (self->peer, 5));
    //  Then a real event: classified through the real broker
    s_send_to (self->peer, routing, deliver, s_seq (6), s_opened (6, id));
    assert_true (s_wait_ack (self->peer, 6));
    zframe_destroy (&routing);
    assert_true (imh_running (h, worker));
    assert_int_equal (imh_count_events (h, id, "incident.classified",
                                        "category", "network"), 1);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_worker_endpoint_garbage_is_refused_and_harmless,
            s_setup, imh_raw_teardown),
        cmocka_unit_test_setup_teardown (
            test_worker_fed_garbage_skips_it_and_keeps_working,
            s_setup, imh_raw_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
