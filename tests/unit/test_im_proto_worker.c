/*  test_im_proto_worker - the worker dialog, IMQW01 (docs/protocol.md
    section 4)

    Test vectors for each message of the dialog, the exact frames they
    are made of, and every way a worker socket can carry something else:
    wrong signature, unknown verbs, missing or extra frames, seqs that
    are not eight octets, credits and names out of range, frames over
    the size limit.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_proto.h"
#include "im_util.h"

#define S_FRAMES_MAX 8              //  Frames in a hand-built message

typedef struct {
    im_wmsg_t *wmsg;                //  Target of decodes
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->wmsg = im_wmsg_new ();
    assert_non_null (f->wmsg);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_wmsg_destroy (&f->wmsg);
    free (f);
    return 0;
}

static int
s_decode (fixture_t *f, zmsg_t *msg)
{
    assert_non_null (msg);
    f->errbuf [0] = 0;
    int rc = im_wmsg_decode (f->wmsg, &msg, f->errbuf, sizeof f->errbuf);
    assert_null (msg);
    return rc;
}

static zmsg_t *
s_msg (size_t count, const char *frames [])
{
    zmsg_t *msg = zmsg_new ();
    assert_non_null (msg);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (zmsg_addstr (msg, frames [index]), 0);
    return msg;
}

static void
test_ready_frames_match_section_4 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_wmsg_encode_ready ("classifier", "classifier-1", 10);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 5);
    assert_true (zframe_streq (zmsg_first (msg), "IMQW01"));
    assert_true (zframe_streq (zmsg_next (msg), "READY"));
    assert_true (zframe_streq (zmsg_next (msg), "classifier"));
    assert_true (zframe_streq (zmsg_next (msg), "classifier-1"));
    assert_true (zframe_streq (zmsg_next (msg), "10"));
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_READY);
    assert_string_equal (f->wmsg->group, "classifier");
    assert_string_equal (f->wmsg->instance, "classifier-1");
    assert_int_equal (f->wmsg->credit, 10);
}

static void
test_ready_accepts_limits_of_names_and_credit (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char name [IM_PROTO_GROUP_MAX];
    memset (name, '~', sizeof name - 1);
    name [sizeof name - 1] = 0;
    zmsg_t *msg = im_wmsg_encode_ready (name, "!", IM_PROTO_CREDIT_MAX);
    assert_int_equal (s_decode (f, msg), 0);
    assert_string_equal (f->wmsg->group, name);
    assert_int_equal (f->wmsg->credit, IM_PROTO_CREDIT_MAX);
    const char *padded [] = { "IMQW01", "READY", "g", "i", "00001" };
    assert_int_equal (s_decode (f, s_msg (5, padded)), 0);
    assert_int_equal (f->wmsg->credit, 1);
}

static void
test_encode_ready_refuses_invalid_arguments (void **state)
{
    (void) state;
    char name [IM_PROTO_GROUP_MAX + 1];
    memset (name, 'g', IM_PROTO_GROUP_MAX);
    name [IM_PROTO_GROUP_MAX] = 0;
    assert_null (im_wmsg_encode_ready (name, "i", 1));
    assert_null (im_wmsg_encode_ready ("", "i", 1));
    assert_null (im_wmsg_encode_ready ("g", "", 1));
    assert_null (im_wmsg_encode_ready ("my group", "i", 1));
    assert_null (im_wmsg_encode_ready ("g", "i", 0));
    assert_null (im_wmsg_encode_ready ("g", "i", IM_PROTO_CREDIT_MAX + 1));
}

static void
test_deliver_round_trip_hands_over_the_event_frame (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t event [] = { 0x99, 0x01, 0x02, 0x03 };
    uint64_t seq = 0x0102030405060708ull;
    zmsg_t *msg = im_wmsg_encode_deliver (seq, event, sizeof event);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    assert_true (zframe_streq (zmsg_first (msg), "IMQW01"));
    assert_true (zframe_streq (zmsg_next (msg), "DELIVER"));
    zframe_t *frame = zmsg_next (msg);
    const uint8_t network_order [] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_int_equal (zframe_size (frame), 8);
    assert_memory_equal (zframe_data (frame), network_order, 8);
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_DELIVER);
    assert_int_equal (f->wmsg->seq, seq);
    assert_non_null (f->wmsg->event);
    assert_int_equal (zframe_size (f->wmsg->event), sizeof event);
    assert_memory_equal (zframe_data (f->wmsg->event), event, sizeof event);

    //  The next decode drops the old event
    msg = im_wmsg_encode_simple (IM_WMSG_PING);
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_PING);
    assert_null (f->wmsg->event);
    assert_int_equal (f->wmsg->seq, 0);
    assert_null (im_wmsg_encode_deliver (1, event, IM_PROTO_FRAME_MAX + 1));
}

static void
test_ack_round_trip (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_wmsg_encode_ack (UINT64_MAX);
    assert_int_equal (zmsg_size (msg), 3);
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_ACK);
    assert_int_equal (f->wmsg->seq, UINT64_MAX);
    assert_null (f->wmsg->event);
}

static void
test_simple_messages_round_trip (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_wmsg_type_t types [] = {
        IM_WMSG_PING, IM_WMSG_PONG, IM_WMSG_DISCONNECT
    };
    const char *verbs [] = { "PING", "PONG", "DISCONNECT" };
    for (size_t index = 0; index < 3; index++) {
        zmsg_t *msg = im_wmsg_encode_simple (types [index]);
        assert_non_null (msg);
        assert_int_equal (zmsg_size (msg), 2);
        zmsg_first (msg);
        assert_true (zframe_streq (zmsg_next (msg), verbs [index]));
        assert_int_equal (s_decode (f, msg), 0);
        assert_int_equal (f->wmsg->type, types [index]);
    }
    assert_null (im_wmsg_encode_simple (IM_WMSG_READY));
    assert_null (im_wmsg_encode_simple (IM_WMSG_ACK));
    assert_null (im_wmsg_encode_simple (IM_WMSG_NONE));
}

static void
test_redirect_round_trip_names_the_endpoint (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_wmsg_encode_redirect ("tcp://10.0.0.2:7701");
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 3);
    zmsg_first (msg);
    assert_true (zframe_streq (zmsg_next (msg), "REDIRECT"));
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_REDIRECT);
    assert_string_equal (f->wmsg->endpoint, "tcp://10.0.0.2:7701");
    assert_null (im_wmsg_encode_redirect (""));
    char long_endpoint [IM_PROTO_ENDPOINT_MAX + 1];
    memset (long_endpoint, 'a', IM_PROTO_ENDPOINT_MAX);
    long_endpoint [IM_PROTO_ENDPOINT_MAX] = 0;
    assert_null (im_wmsg_encode_redirect (long_endpoint));
}

static void
test_error_round_trip_carries_status_and_reason (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_wmsg_encode_error (413, "frame 3: 1048577 bytes");
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    zmsg_first (msg);
    assert_true (zframe_streq (zmsg_next (msg), "ERROR"));
    assert_true (zframe_streq (zmsg_next (msg), "413"));
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (f->wmsg->type, IM_WMSG_ERROR);
    assert_int_equal (f->wmsg->status, 413);
    assert_string_equal (f->wmsg->reason, "frame 3: 1048577 bytes");

    //  A long reason is cut at a character boundary, and still decodes
    char reason [400] = "";
    for (int index = 0; index < 150; index++)
        strcat (reason, "\xc3\xa9");
    msg = im_wmsg_encode_error (400, reason);
    assert_non_null (msg);
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (strlen (f->wmsg->reason), IM_PROTO_REASON_MAX - 2);

    assert_null (im_wmsg_encode_error (99, "x"));
    assert_null (im_wmsg_encode_error (600, "x"));
    assert_null (im_wmsg_encode_error (400, ""));
    assert_null (im_wmsg_encode_error (400, "\xff"));
}

static void
test_decode_names_each_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        size_t count;                       //  Frames
        const char *frames [S_FRAMES_MAX];  //  As strings
        const char *reason;                 //  Expected in errbuf
    } cases [] = {
        { 0, { NULL }, "empty message" },
        { 2, { "IMQ01", "PING" }, "frame 0: signature is not IMQW01" },
        { 2, { "IMQW02", "PING" }, "frame 0: signature" },
        { 1, { "IMQW01" }, "missing verb frame" },
        { 2, { "IMQW01", "FOO" }, "unknown verb 'FOO'" },
        { 2, { "IMQW01", "ping" }, "unknown verb 'ping'" },
        { 2, { "IMQW01", "" }, "unknown verb ''" },
        { 3, { "IMQW01", "PING", "x" }, "PING: 3 frames, expected 2" },
        { 4, { "IMQW01", "READY", "g", "i" }, "READY: 4 frames, expected 5" },
        { 6, { "IMQW01", "READY", "g", "i", "1", "x" }, "READY: 6 frames" },
        { 3, { "IMQW01", "DELIVER", "12345678" }, "DELIVER: 3 frames" },
        { 2, { "IMQW01", "ACK" }, "ACK: 2 frames, expected 3" },
        { 3, { "IMQW01", "ACK", "1234567" },
          "frame 2: seq of 7 bytes, expected 8" },
        { 3, { "IMQW01", "ACK", "123456789" }, "frame 2: seq of 9 bytes" },
        { 4, { "IMQW01", "DELIVER", "", "\x80" }, "frame 2: seq of 0 bytes" },
        { 5, { "IMQW01", "READY", "g", "i", "0" }, "frame 4: credit '0'" },
        { 5, { "IMQW01", "READY", "g", "i", "10001" }, "credit '10001'" },
        { 5, { "IMQW01", "READY", "g", "i", "123456" }, "credit '123456'" },
        { 5, { "IMQW01", "READY", "g", "i", "abc" }, "credit 'abc'" },
        { 5, { "IMQW01", "READY", "g", "i", "" }, "credit ''" },
        { 5, { "IMQW01", "READY", "g", "i", "-1" }, "credit '-1'" },
        { 5, { "IMQW01", "READY", "g", "i", "1 " }, "credit '1 '" },
        { 5, { "IMQW01", "READY", "", "i", "1" },
          "frame 2: group must be 1 to 63 printable characters" },
        { 5, { "IMQW01", "READY", "a b", "i", "1" }, "frame 2: group" },
        { 5, { "IMQW01", "READY", "caf\xc3\xa9", "i", "1" }, "frame 2: group" },
        { 5, { "IMQW01", "READY", "g", "\x7f", "1" }, "frame 3: instance" },
        { 2, { "IMQW01", "REDIRECT" }, "REDIRECT: 2 frames, expected 3" },
        { 3, { "IMQW01", "REDIRECT", "" }, "frame 2: endpoint must be 1" },
        { 3, { "IMQW01", "REDIRECT", "tcp://a b" }, "frame 2: endpoint" },
        { 3, { "IMQW01", "ERROR", "400" }, "ERROR: 3 frames, expected 4" },
        { 4, { "IMQW01", "ERROR", "40", "x" }, "frame 2: status is not 3" },
        { 4, { "IMQW01", "ERROR", "600", "x" }, "frame 2: status" },
        { 4, { "IMQW01", "ERROR", "099", "x" }, "frame 2: status" },
        { 4, { "IMQW01", "ERROR", "400", "" }, "frame 3: reason must be" },
        { 4, { "IMQW01", "ERROR", "400", "\xc3" }, "frame 3: reason" },
        { 5, { "IMQW01", "READY", "g",
               "01234567890123456789012345678901"
               "23456789012345678901234567890123", "1" },
          "frame 3: instance must be" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        int rc = s_decode (f, s_msg (cases [index].count,
                                     cases [index].frames));
        if (rc != IM_EPROTO || !strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: rc %d, '%s', expected '%s'", index, rc,
                      f->errbuf, cases [index].reason);
        assert_int_equal (f->wmsg->type, IM_WMSG_NONE);
    }
}

static void
test_decode_rejects_oversize_frames (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *big = (char *) calloc (1, IM_PROTO_FRAME_MAX + 1);
    assert_non_null (big);
    uint8_t seq [8];
    im_put_u64 (seq, 9);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "IMQW01");
    zmsg_addstr (msg, "DELIVER");
    zmsg_addmem (msg, seq, 8);
    zmsg_addmem (msg, big, IM_PROTO_FRAME_MAX + 1);
    assert_int_equal (s_decode (f, msg), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "frame 3: 1048577 bytes"));
    assert_null (f->wmsg->event);

    //  At the limit, the event is handed over
    msg = zmsg_new ();
    zmsg_addstr (msg, "IMQW01");
    zmsg_addstr (msg, "DELIVER");
    zmsg_addmem (msg, seq, 8);
    zmsg_addmem (msg, big, IM_PROTO_FRAME_MAX);
    assert_int_equal (s_decode (f, msg), 0);
    assert_int_equal (zframe_size (f->wmsg->event), IM_PROTO_FRAME_MAX);
    assert_int_equal (f->wmsg->seq, 9);

    msg = zmsg_new ();
    zmsg_addmem (msg, big, IM_PROTO_FRAME_MAX + 1);
    assert_int_equal (s_decode (f, msg), IM_ETOOBIG);
    assert_null (f->wmsg->event);
    free (big);
}

static void
test_new_and_destroy (void **state)
{
    (void) state;
    im_wmsg_t *wmsg = im_wmsg_new ();
    assert_non_null (wmsg);
    assert_int_equal (wmsg->type, IM_WMSG_NONE);
    assert_null (wmsg->event);
    im_wmsg_destroy (&wmsg);
    assert_null (wmsg);
    im_wmsg_destroy (&wmsg);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_ready_frames_match_section_4),
        S_TEST (test_ready_accepts_limits_of_names_and_credit),
        S_TEST (test_encode_ready_refuses_invalid_arguments),
        S_TEST (test_deliver_round_trip_hands_over_the_event_frame),
        S_TEST (test_ack_round_trip),
        S_TEST (test_simple_messages_round_trip),
        S_TEST (test_redirect_round_trip_names_the_endpoint),
        S_TEST (test_error_round_trip_carries_status_and_reason),
        S_TEST (test_decode_names_each_fault),
        S_TEST (test_decode_rejects_oversize_frames),
        S_TEST (test_new_and_destroy),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
