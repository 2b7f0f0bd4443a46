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

typedef imh_peer_t fixture_t;

static int
s_setup (void **state)
{
    return imh_peer_setup (state, "badstream");
}

//  Sends one message of string frames (and a last frame) on the peer
static void
s_send (fixture_t *self, const char *const *strings, zframe_t *last)
{
    zmsg_t *msg = imh_peer_msg (strings, last);
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
    zmsg_t *msg = imh_peer_recv (socket);
    assert_non_null (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char errbuf [200] = "";
    assert_int_equal (im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf), 0);
    assert_int_equal (wmsg->type, type);
    im_wmsg_destroy (&wmsg);
}

//  Receives the next message on a raw worker socket and checks it is an
//  ERROR of status whose reason names text
static void
s_expect_error (zsock_t *socket, int status, const char *text)
{
    zmsg_t *msg = imh_peer_recv (socket);
    assert_non_null (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char errbuf [200] = "";
    assert_int_equal (im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf), 0);
    if (wmsg->type != IM_WMSG_ERROR || wmsg->status != status
    ||  !strstr (wmsg->reason, text))
        fail_msg ("expected ERROR %d naming '%s', got type %d: %d '%s'",
                  status, text, (int) wmsg->type, wmsg->status,
                  wmsg->reason);
    im_wmsg_destroy (&wmsg);
}

static void
test_worker_endpoint_garbage_is_refused_and_harmless (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_peer_start (self, true);
    assert_true (broker >= 0);
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
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
            zframe_new (self->big, IMH_PEER_BIG));
    s_send (self, (const char *[]) { NULL },
            zframe_new ("\xdd\xff\xff\xff\xff", 5));
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    //  Each refusal is answered ERROR naming what was wrong; what
    //  decoded but came before READY (the ACK, the PING) is told to
    //  start over: in order, so all garbage was read
    s_expect_error (self->peer, 400, "missing verb");
    s_expect_error (self->peer, 400, "frame 0: signature is not IMQW01");
    s_expect_error (self->peer, 400, "credit 'abc'");
    s_expect_error (self->peer, 400, "credit '0'");
    s_expect_error (self->peer, 400, "group must be");
    s_expect_error (self->peer, 400, "seq of 3 bytes");
    s_expect_type (self->peer, IM_WMSG_DISCONNECT);
    s_expect_error (self->peer, 400, "DELIVER is sent by the broker");
    s_expect_error (self->peer, 400, "unknown verb 'EXPLODE'");
    s_expect_error (self->peer, 413, "more than 1048576");
    s_expect_error (self->peer, 400, "frame 0: signature is not IMQW01");
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
    assert_true (imh_wait_instances (h, "classifier", 0, IMH_PEER_WAIT_MS));

    //  The broker still serves, with nothing new stored; real workers
    //  then do their work
    assert_true (imh_running (h, broker));
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    assert_int_equal (imh_start_workers (h, NULL, NULL), 0);
    uint64_t id = imh_open (h, "VPN certificate expired", "ivan", 1, 2);
    assert_true (id > 0);
    assert_true (imh_wait_events (h, id, "sla.started", NULL, NULL, 1,
                                  IMH_PEER_WAIT_MS));
    assert_int_equal (imh_count_events (h, id, "incident.classified",
                                        "priority", "2"), 1);
    assert_true (imh_running (h, broker));
    imh_passed (h);
}

//  Sends a message of the string frames then last (taken), which must
//  be refused with ERROR status naming text; then a PING, which must be
//  answered as a peer's PING is, with want: the broker still serves,
//  and read the refused message as nothing more
static void
s_refused (fixture_t *self, const char *const *strings, zframe_t *last,
           int status, const char *text, im_wmsg_type_t want)
{
    s_send (self, strings, last);
    s_expect_error (self->peer, status, text);
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    s_expect_type (self->peer, want);
}

//  A frame of size bytes of c
static zframe_t *
s_filled (size_t size, char c)
{
    zframe_t *frame = zframe_new (NULL, size);
    memset (zframe_data (frame), c, size);
    return frame;
}

static void
test_hostile_worker_frames_get_an_error_each (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    //  The peer may join the group of the longest name below, and the
    //  classifier's
    char cert [IMH_PATH_MAX + 80], roles [80];
    snprintf (roles, sizeof roles, "classifier,%.63s",
              "GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG");
    assert_int_equal (imh_cert (h, "peer", roles, cert, sizeof cert), 0);
    int broker = imh_peer_start (self, true);
    assert_true (broker >= 0);
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    const im_wmsg_type_t gone = IM_WMSG_DISCONNECT;

    //  READY's names and credit just past their limits, or not text
    char name [65];
    memset (name, 'g', 64);
    name [64] = 0;
    s_refused (self, (const char *[]) { "IMQW01", "READY", name, "i", "1",
                                        NULL }, NULL, 400,
               "frame 2: group must be 1 to 63 printable characters", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", name, "1",
                                        NULL }, NULL, 400,
               "frame 3: instance must be", gone);
    zmsg_t *msg = imh_peer_msg ((const char *[]) { "IMQW01", "READY", NULL },
                               zframe_new ("g\0g", 3));
    zmsg_addstr (msg, "i");
    zmsg_addstr (msg, "1");
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    s_expect_error (self->peer, 400, "frame 2: group must be");
    s_refused (self, (const char *[]) { "IMQW01", "READY", "caf\xc3\xa9",
                                        "i", "1", NULL }, NULL, 400,
               "frame 2: group must be", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", "i",
                                        "10001", NULL }, NULL, 400,
               "frame 4: credit '10001' is not a number from 1 to 10000",
               gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", "i",
                                        "99999999999999999999", NULL },
               NULL, 400, "credit '9999999999", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", "i", "-1",
                                        NULL }, NULL, 400, "credit '-1'",
               gone);
    //  Huge frames: a name of 1 MiB, and a frame one octet past that
    msg = imh_peer_msg ((const char *[]) { "IMQW01", "READY", NULL },
                       s_filled (1024 * 1024, 'g'));
    zmsg_addstr (msg, "i");
    zmsg_addstr (msg, "1");
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    s_expect_error (self->peer, 400, "frame 2: group must be");
    msg = imh_peer_msg ((const char *[]) { "IMQW01", "READY", NULL },
                       s_filled (1024 * 1024 + 1, 'g'));
    zmsg_addstr (msg, "i");
    zmsg_addstr (msg, "1");
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    s_expect_error (self->peer, 413,
                    "frame 2: 1048577 bytes, more than 1048576");
    //  Every prefix of a valid READY, frame by frame, and of its
    //  signature
    s_refused (self, (const char *[]) { "IMQW01", NULL }, NULL, 400,
               "missing verb frame", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", NULL }, NULL,
               400, "READY: 2 frames, expected 5", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", NULL },
               NULL, 400, "READY: 3 frames, expected 5", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", "i", NULL },
               NULL, 400, "READY: 4 frames, expected 5", gone);
    s_refused (self, (const char *[]) { "IMQW01", "READY", "g", "i", "1",
                                        "x", NULL }, NULL, 400,
               "READY: 6 frames, expected 5", gone);
    const char *signature = "IMQW01";
    for (size_t length = 0; length < strlen (signature); length++) {
        char cut [8];
        memcpy (cut, signature, length);
        cut [length] = 0;
        s_refused (self, (const char *[]) { cut, "PING", NULL }, NULL, 400,
                   "frame 0: signature is not IMQW01", gone);
    }
    //  Unknown verbs, wrong seqs, extra frames
    s_refused (self, (const char *[]) { "IMQW01", "ready", NULL }, NULL,
               400, "unknown verb 'ready'", gone);
    s_refused (self, (const char *[]) { "IMQW01", "PING ", NULL }, NULL,
               400, "unknown verb 'PING '", gone);
    s_refused (self, (const char *[]) { "IMQW01", "\xff", NULL }, NULL,
               400, "unknown verb '?'", gone);
    s_refused (self, (const char *[]) { "IMQW01", "ACK", NULL },
               zframe_new ("1234567", 7), 400,
               "frame 2: seq of 7 bytes, expected 8", gone);
    s_refused (self, (const char *[]) { "IMQW01", "ACK", NULL },
               zframe_new ("123456789", 9), 400, "seq of 9 bytes", gone);
    s_refused (self, (const char *[]) { "IMQW01", "PING", "x", NULL },
               NULL, 400, "PING: 3 frames, expected 2", gone);
    //  What only the broker sends, and an ERROR that does not decode
    msg = imh_peer_msg ((const char *[]) { "IMQW01", "DELIVER", NULL },
                       s_seq (1));
    zmsg_addmem (msg, "\xdd\xff\xff\xff\xff", 5);
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    s_expect_error (self->peer, 400, "DELIVER is sent by the broker");
    s_refused (self, (const char *[]) { "IMQW01", "REDIRECT",
                                        "tcp://10.9.9.9:1", NULL }, NULL,
               400, "REDIRECT is sent by the broker", gone);
    s_refused (self, (const char *[]) { "IMQW01", "ERROR", "4xx", "bad",
                                        NULL }, NULL, 400,
               "frame 2: status is not 3 digits", gone);
    //  An ERROR is never answered: the PING's answer comes first
    s_send (self, (const char *[]) { "IMQW01", "ERROR", "400", "no", NULL },
            NULL);
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    s_expect_type (self->peer, gone);
    assert_int_equal (imh_group (h, "g", NULL, NULL), -1);

    //  A READY at every limit joins; then refusals leave it joined
    char group [64], instance [64];
    memset (group, 'G', 63);
    group [63] = 0;
    memset (instance, 'I', 63);
    instance [63] = 0;
    s_send (self, (const char *[]) { "IMQW01", "READY", group, instance,
                                     "10000", NULL }, NULL);
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    s_expect_type (self->peer, IM_WMSG_PONG);
    s_refused (self, (const char *[]) { "IMQW01", "ACK", NULL },
               zframe_new ("1234567", 7), 400, "seq of 7 bytes",
               IM_WMSG_PONG);
    s_refused (self, (const char *[]) { "IMQW01", "READY", group, instance,
                                        "0", NULL }, NULL, 400,
               "credit '0'", IM_WMSG_PONG);
    msg = imh_peer_msg ((const char *[]) { "IMQW01", "DELIVER", NULL },
                       s_seq (1));
    zmsg_addmem (msg, "\x99", 1);
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    s_expect_error (self->peer, 400, "DELIVER is sent by the broker");
    s_send (self, (const char *[]) { "IMQW01", "PING", NULL }, NULL);
    s_expect_type (self->peer, IM_WMSG_PONG);
    int64_t instances = 0;
    assert_int_equal (imh_group (h, group, &instances, NULL), 0);
    assert_int_equal (instances, 1);
    s_send (self, (const char *[]) { "IMQW01", "DISCONNECT", NULL }, NULL);
    assert_true (imh_wait_instances (h, group, 0, IMH_PEER_WAIT_MS));

    //  Nothing was stored, and the broker still serves clients
    assert_true (imh_running (h, broker));
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    assert_true (imh_open (h, "Badge reader offline", "ivan", 2, 2) > 0);
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
    uint64_t deadline = im_mono_ms () + IMH_PEER_WAIT_MS;
    while (im_mono_ms () < deadline) {
        zmsg_t *msg = imh_peer_recv (router);
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

//  Packs an EVENT by hand, with what the encoder would refuse: version,
//  seq (a str when seq_text is not NULL), type name, an actor of
//  actor_length bytes, and a payload of one entry "k": a str of
//  value_length bytes, or, when depth > 0, depth nested arrays
static zframe_t *
s_event_packed (uint64_t version, const char *seq_text, const char *type,
                size_t actor_length, size_t value_length, int depth)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    char *text = (char *) malloc (actor_length + value_length + 1);
    assert_non_null (text);
    memset (text, 'a', actor_length + value_length);
    msgpack_pack_array (&pk, 9);
    msgpack_pack_uint64 (&pk, version);
    if (seq_text)
        msgpack_pack_str_with_body (&pk, seq_text, strlen (seq_text));
    else
        msgpack_pack_uint64 (&pk, 7);
    msgpack_pack_uint64 (&pk, 1764296266621);
    msgpack_pack_uint64 (&pk, 1);
    msgpack_pack_str_with_body (&pk, type, strlen (type));
    msgpack_pack_str_with_body (&pk, text, actor_length);
    msgpack_pack_str_with_body (&pk, "", 0);
    msgpack_pack_uint64 (&pk, 0);
    msgpack_pack_map (&pk, 1);
    msgpack_pack_str_with_body (&pk, "k", 1);
    if (depth > 0) {
        for (int level = 0; level < depth; level++)
            msgpack_pack_array (&pk, 1);
        msgpack_pack_nil (&pk);
    }
    else
        msgpack_pack_str_with_body (&pk, text, value_length);
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    free (text);
    return frame;
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
    //  With its own node certificate, so the classifier finds its key
    char endpoint [64], cert [IMH_PATH_MAX + 80], errbuf [256] = "";
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d",
              imh_free_port ());
    assert_int_equal (imh_node_cert (h, 9, "tcp://-", endpoint), 0);
    snprintf (cert, sizeof cert, "%s/node-9.key_secret", imh_keys_dir (h));
    im_curve_t *curve = im_curve_new (cert, imh_keys_dir (h), errbuf,
                                      sizeof errbuf);
    assert_non_null (curve);
    self->peer = zsock_new (ZMQ_ROUTER);
    assert_non_null (self->peer);
    im_curve_server (curve, self->peer);
    im_curve_destroy (&curve);
    assert_true (zsock_bind (self->peer, "%s", endpoint) != -1);
    const char *extra [] = { "--workers", endpoint, NULL };
    int worker = imh_start (h, IMH_CLASSIFIER, "classifier-1", extra);
    assert_true (worker >= 0);
    zmsg_t *ready = imh_peer_recv (self->peer);
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
               zframe_new (self->big, IMH_PEER_BIG));
    s_send_to (self->peer, routing, deliver, s_seq (4), NULL);
    //  Framed right, but the event does not decode: skipped and acked
    s_send_to (self->peer, routing, deliver, s_seq (5),
               zframe_new ("\xdd\xff\xff\xff\xff", 5));
    assert_true (s_wait_ack (self->peer, 5));
    //  Well framed, with hostile events: each skipped and acked. Bombs,
    //  wrong types, an unknown version and type, strings past their
    //  limits (an actor of 64 bytes, a payload str of 65,537), nesting
    //  past 8, a frame of 1 MiB, and every prefix of a valid event.
    zframe_t *hostile [] = {
        zframe_new ("\xde\xff\xff", 3),
        zframe_new ("\xc6\xff\xff\xff\xff", 5),
        s_event_packed (2, NULL, "incident.opened", 1, 1, 0),
        s_event_packed (1, "7", "incident.opened", 1, 1, 0),
        s_event_packed (1, NULL, "incident.exploded", 1, 1, 0),
        s_event_packed (1, NULL, "incident.opened", 64, 1, 0),
        s_event_packed (1, NULL, "incident.opened", 1, 65537, 0),
        s_event_packed (1, NULL, "incident.opened", 1, 0, 9),
        zframe_new (self->big, 1024 * 1024),
    };
    uint64_t seq = 100;
    for (size_t index = 0; index < sizeof hostile / sizeof hostile [0];
         index++) {
        s_send_to (self->peer, routing, deliver, s_seq (seq),
                   hostile [index]);
        assert_true (s_wait_ack (self->peer, seq++));
    }
    zframe_t *valid = s_opened (7, id);
    for (size_t length = 0; length < zframe_size (valid); length++) {
        s_send_to (self->peer, routing, deliver, s_seq (seq),
                   zframe_new (zframe_data (valid), length));
        assert_true (s_wait_ack (self->peer, seq++));
    }
    zframe_destroy (&valid);
    //  Then a real event: classified through the real broker
    s_send_to (self->peer, routing, deliver, s_seq (seq), s_opened (seq, id));
    assert_true (s_wait_ack (self->peer, seq));
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
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_hostile_worker_frames_get_an_error_each,
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_worker_fed_garbage_skips_it_and_keeps_working,
            s_setup, imh_peer_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
