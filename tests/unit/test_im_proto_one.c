/*  test_im_proto_one - the client dialog in one frame, IMQ02
    (docs/protocol.md section 3.9)

    IMQ02 carries what the four head frames of IMQ01 carry, in one
    frame: the octets of that frame per the spec, what the broker and a
    client make of every way it can be cut short, lengthened, mistyped
    or versioned wrong, and that both forms decode to the same values.
    IMQ01 itself is tested in test_im_proto.c.
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
#include "im_event.h"
#include "im_fields.h"
#include "im_proto.h"

typedef struct {
    im_request_t *request;          //  Target of request decodes
    im_reply_t *reply;              //  Target of reply decodes
    im_fields_t *body;              //  A typical OPEN body
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->request = im_request_new ();
    f->reply = im_reply_new (0);
    f->body = im_fields_new ();
    assert_non_null (f->request);
    assert_non_null (f->reply);
    assert_non_null (f->body);
    im_fields_set_str (f->body, "title", "disk full on db-1");
    im_fields_set_str (f->body, "reporter", "alice");
    im_fields_set_int (f->body, "impact", 2);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_destroy (&f->body);
    im_reply_destroy (&f->reply);
    im_request_destroy (&f->request);
    free (f);
    return 0;
}

//  A message of one frame holding size octets of data
static zmsg_t *
s_one (const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    assert_non_null (msg);
    assert_int_equal (zmsg_addmem (msg, data, size), 0);
    return msg;
}

#define S_LIT(text) text, sizeof text - 1

static int
s_request (fixture_t *f, zmsg_t *msg)
{
    f->errbuf [0] = 0;
    int rc = im_request_decode (f->request, &msg, f->errbuf,
                                sizeof f->errbuf);
    assert_null (msg);
    return rc;
}

static int
s_reply (fixture_t *f, zmsg_t *msg, bool raw)
{
    f->errbuf [0] = 0;
    int rc = im_reply_decode (f->reply, &msg, raw, f->errbuf,
                              sizeof f->errbuf);
    assert_null (msg);
    return rc;
}

static void
test_request_frame_matches_section_3_9 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *body = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (f->body, &body, &size), 0);
    zmsg_t *msg = im_request_encode_one ("OPEN", "r-1", f->body);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 1);
    zframe_t *frame = zmsg_first (msg);
    const char head [] = "IMQ02\x04OPEN\x03r-1";
    assert_int_equal (zframe_size (frame), sizeof head - 1 + size);
    assert_memory_equal (zframe_data (frame), head, sizeof head - 1);
    assert_memory_equal (zframe_data (frame) + sizeof head - 1, body, size);
    free (body);
    assert_int_equal (s_request (f, msg), 0);
    assert_true (f->request->one_frame);
    assert_string_equal (f->request->verb, "OPEN");
    assert_string_equal (f->request->request_id, "r-1");
    assert_string_equal (im_fields_str (f->request->body, "title"),
                         "disk full on db-1");

    //  No id and no body: an empty id and an empty map
    msg = im_request_encode_one ("STATUS", NULL, NULL);
    assert_int_equal (zframe_size (zmsg_first (msg)), 14);
    assert_memory_equal (zframe_data (zmsg_first (msg)),
                         "IMQ02\x06STATUS\x00\x80", 14);
    assert_int_equal (s_request (f, msg), 0);
    assert_string_equal (f->request->verb, "STATUS");
    assert_int_equal (im_fields_size (f->request->body), 0);

    //  IMQ01 after IMQ02 on the same request object: the form is reset
    const char *verb = "GET";
    msg = im_request_encode (verb, "r", NULL);
    assert_int_equal (s_request (f, msg), 0);
    assert_false (f->request->one_frame);

    //  The frame may end right after the request id: an empty body
    assert_int_equal (s_request (f, s_one (S_LIT ("IMQ02\x03GET\x01r"))), 0);
    assert_int_equal (im_fields_size (f->request->body), 0);

    //  Encoders refuse what the decoder would refuse
    char id [129];
    memset (id, 'i', 128);
    id [128] = 0;
    assert_null (im_request_encode_one ("OPEN", id, f->body));
    assert_null (im_request_encode_one ("A-VERB-OF-THIRTY-TWO-OCTETS-LONG",
                                        "r", NULL));
}

static void
test_request_send_packed_is_one_frame (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zsock_t *out = zsock_new_pair ("@inproc://test-im-proto-one");
    zsock_t *in = zsock_new_pair (">inproc://test-im-proto-one");
    assert_non_null (out);
    assert_non_null (in);
    char *body = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (f->body, &body, &size), 0);
    assert_int_equal (im_request_send_packed (out, "OPEN", "r-9", body,
                                              size), 0);
    zmsg_t *msg = zmsg_recv (in);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 1);
    assert_int_equal (s_request (f, msg), 0);
    assert_true (f->request->one_frame);
    assert_string_equal (f->request->request_id, "r-9");
    assert_int_equal (im_fields_int_or (f->request->body, "impact", 0), 2);

    //  A reply to it, sent the way the broker answers a command
    assert_int_equal (im_reply_send_packed (in, NULL, 0, true, 201, "r-9",
                                            body, size), 0);
    msg = zmsg_recv (out);
    assert_int_equal (zmsg_size (msg), 1);
    assert_true (im_reply_answers (msg, "r-9"));
    assert_false (im_reply_answers (msg, "r-1"));
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_int_equal (f->reply->status, 201);
    assert_string_equal (f->reply->request_id, "r-9");
    assert_string_equal (im_fields_str (f->reply->body, "reporter"),
                         "alice");
    //  And the IMQ01 one, four frames
    assert_int_equal (im_reply_send_packed (in, NULL, 0, false, 200, "r-9",
                                            body, size), 0);
    msg = zmsg_recv (out);
    assert_int_equal (zmsg_size (msg), 4);
    assert_true (im_reply_answers (msg, "r-9"));
    zmsg_destroy (&msg);
    assert_int_equal (im_reply_send_packed (in, NULL, 0, true, 600, "r",
                                            body, size), -1);
    free (body);
    zsock_destroy (&in);
    zsock_destroy (&out);
}

static void
test_request_decode_names_each_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char long_id [1 + 200 + 1 + 1];
    long_id [0] = (char) 200;
    memset (long_id + 1, 'i', 200);
    memcpy (long_id + 201, "\x80", 2);
    struct {
        const char *data;                   //  The frame
        size_t size;                        //  Its length
        int rc;                             //  Expected result
        const char *reason;                 //  Expected in errbuf
        const char *echo;                   //  Expected request id
    } cases [] = {
        //  Wrong version or dialog
        { S_LIT ("IMQ03\x04OPEN\x01r\x80"), IM_EPROTO,
          "frame 0: signature is not IMQ01 or IMQ02", "" },
        { S_LIT ("IMQ0"), IM_EPROTO, "frame 0: signature", "" },
        { S_LIT ("IMQW01"), IM_EPROTO, "frame 0: signature", "" },
        //  Cut short
        { S_LIT ("IMQ02"), IM_EPROTO,
          "IMQ02: the frame (5 bytes) ends inside the verb", "" },
        { S_LIT ("IMQ02\x04OP"), IM_EPROTO, "ends inside the verb", "" },
        { S_LIT ("IMQ02\x04OPEN"), IM_EPROTO, "ends inside the request id",
          "" },
        { S_LIT ("IMQ02\x04OPEN\x05r"), IM_EPROTO,
          "ends inside the request id", "" },
        //  Wrong verbs
        { S_LIT ("IMQ02\x00\x01r\x80"), IM_EPROTO, "IMQ02: empty verb",
          "r" },
        { S_LIT ("IMQ02\x03" "FOO\x02r2\x80"), IM_EUNKNOWN,
          "unknown verb 'FOO'", "r2" },
        { S_LIT ("IMQ02\x06OFFSET\x01r\x80"), IM_EUNKNOWN,
          "unknown verb 'OFFSET'", "r" },
        { S_LIT ("IMQ02\x04OP\x00N\x01r\x80"), IM_EUNKNOWN,
          "unknown verb 'OP?N'", "r" },
        { S_LIT ("IMQ02\x28OPENOPENOPENOPENOPENOPENOPENOPENOPENOPEN"
                 "\x01r\x80"), IM_EUNKNOWN, "unknown verb", "r" },
        //  Wrong request ids
        { S_LIT ("IMQ02\x04OPEN\x04" "caf\xe9\x80"), IM_EPROTO,
          "IMQ02: request id is not UTF-8 text without NUL", "" },
        { S_LIT ("IMQ02\x04OPEN\x03r\x00r\x80"), IM_EPROTO,
          "IMQ02: request id is not UTF-8", "" },
        //  Bodies of the wrong type or shape
        { S_LIT ("IMQ02\x04OPEN\x01r\xc0"), IM_EPROTO,
          "IMQ02: body: fields are nil", "r" },
        { S_LIT ("IMQ02\x04OPEN\x01r\x91\x01"), IM_EPROTO,
          "IMQ02: body: fields are an array", "r" },
        { S_LIT ("IMQ02\x04OPEN\x01r\x81\xa1x\xc0"), IM_EPROTO,
          "IMQ02: body: key 'x': value is nil", "r" },
        { S_LIT ("IMQ02\x04OPEN\x01r\xdf\xff\xff\xff\xff"), IM_EPROTO,
          "IMQ02: body: offset 0: map declares 4294967295 entries", "r" },
        { S_LIT ("IMQ02\x04OPEN\x01r\x80\x80"), IM_EPROTO,
          "IMQ02: body: offset 1: 1 trailing byte", "r" },
    };
    size_t count = sizeof cases / sizeof cases [0];
    for (size_t index = 0; index < count; index++) {
        strcpy (f->request->request_id, "stale");
        int rc = s_request (f, s_one (cases [index].data,
                                      cases [index].size));
        if (rc != cases [index].rc || !strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: rc %d, '%s', expected %d '%s'", index, rc,
                      f->errbuf, cases [index].rc, cases [index].reason);
        assert_string_equal (f->request->request_id, cases [index].echo);
        assert_int_equal (f->request->one_frame,
                          memcmp (cases [index].data, "IMQ02", 5) == 0);
    }
    //  A request id of 200 octets: its length fits the octet, not the
    //  limit
    char frame [5 + 5 + sizeof long_id];
    memcpy (frame, "IMQ02\x04OPEN", 10);
    memcpy (frame + 10, long_id, sizeof long_id - 1);
    strcpy (f->request->request_id, "stale");
    assert_int_equal (s_request (f, s_one (frame, sizeof frame - 1)),
                      IM_EPROTO);
    assert_string_equal (f->errbuf, "IMQ02: request id longer than 127 "
                                    "bytes");
    assert_string_equal (f->request->request_id, "");

    //  One frame is the whole message
    zmsg_t *msg = s_one (S_LIT ("IMQ02\x04OPEN\x01r\x80"));
    zmsg_addstr (msg, "more");
    assert_int_equal (s_request (f, msg), IM_EPROTO);
    assert_string_equal (f->errbuf,
                         "frame 1: unexpected frame after the IMQ02 frame");
    assert_string_equal (f->request->request_id, "r");
}

static void
test_request_decode_rejects_oversize_body (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    size_t size = 16 + IM_PROTO_FRAME_MAX + 1;
    char *big = (char *) calloc (1, size);
    assert_non_null (big);
    memcpy (big, "IMQ02\x04OPEN\x05r-big", 16);
    assert_int_equal (s_request (f, s_one (big, size)), IM_ETOOBIG);
    assert_string_equal (f->errbuf, "IMQ02: 1048577 bytes, more than "
                                    "1048576");
    assert_string_equal (f->request->request_id, "r-big");
    //  At the limit the body is read, and refused for what it holds
    assert_int_equal (s_request (f, s_one (big, 16 + IM_PROTO_FRAME_MAX)),
                      IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "IMQ02: body: "));
    free (big);
}

static void
test_request_decode_refuses_every_cut (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_request_encode_one ("OPEN", "r-1", f->body);
    zframe_t *frame = zmsg_first (msg);
    size_t head = 5 + 1 + 4 + 1 + 3;
    for (size_t length = 0; length < zframe_size (frame); length++) {
        int rc = s_request (f, s_one (zframe_data (frame), length));
        if (length == head)
            assert_int_equal (rc, 0);       //  Empty body: an empty map
        else
        if (rc != IM_EPROTO)
            fail_msg ("cut at %zu: rc %d", length, rc);
    }
    zmsg_destroy (&msg);
}

static void
test_reply_one_frame_matches_section_3_9 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zlist_t *items = zlist_new ();
    zlist_append (items, f->body);
    zlist_append (items, f->body);
    zmsg_t *msg = im_reply_encode (200, "r-1", f->body, items, NULL);
    zlist_destroy (&items);
    assert_int_equal (im_reply_to_one_frame (&msg), 0);
    assert_int_equal (zmsg_size (msg), 3);
    zframe_t *frame = zmsg_first (msg);
    assert_memory_equal (zframe_data (frame), "IMQ02200\x03r-1", 12);
    assert_true (im_reply_answers (msg, "r-1"));
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_int_equal (f->reply->status, 200);
    assert_string_equal (f->reply->request_id, "r-1");
    assert_string_equal (im_fields_str (f->reply->body, "title"),
                         "disk full on db-1");
    assert_int_equal (zlist_size (f->reply->items), 2);

    //  An error reply, as the broker sends one to an IMQ02 request
    msg = im_reply_encode_error (400, "r-2", "no such thing");
    assert_int_equal (im_reply_to_one_frame (&msg), 0);
    assert_int_equal (zmsg_size (msg), 1);
    const void *body = NULL;
    size_t size = 0;
    int status = 0;
    char id [IM_REQUEST_ID_MAX];
    frame = zmsg_first (msg);
    assert_int_equal (im_reply_head (zframe_data (frame), zframe_size (frame),
                                     &status, id, &body, &size), 0);
    assert_int_equal (status, 400);
    assert_string_equal (id, "r-2");
    assert_int_equal (im_fields_decode (f->body, body, size, NULL, 0), 0);
    assert_string_equal (im_fields_str (f->body, "error"), "no such thing");
    zmsg_destroy (&msg);
}

static void
test_reply_decode_names_each_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        const char *data;                   //  The head frame
        size_t size;                        //  Its length
        int rc;                             //  Expected result
        const char *reason;                 //  Expected in errbuf
    } cases [] = {
        { S_LIT ("IMQ03200\x01r\x80"), IM_EPROTO,
          "frame 0: signature is not IMQ01 or IMQ02" },
        { S_LIT ("IMQ0220"), IM_EPROTO, "ends inside the status" },
        { S_LIT ("IMQ02200"), IM_EPROTO, "ends inside the request id" },
        { S_LIT ("IMQ02200\x02r"), IM_EPROTO, "ends inside the request id" },
        { S_LIT ("IMQ02abc\x01r"), IM_EPROTO, "IMQ02: status 'abc'" },
        { S_LIT ("IMQ02600\x01r"), IM_EPROTO, "IMQ02: status '600'" },
        { S_LIT ("IMQ02099\x01r"), IM_EPROTO, "IMQ02: status '099'" },
        { S_LIT ("IMQ02200\x01\xff"), IM_EPROTO,
          "IMQ02: request id is not UTF-8" },
        { S_LIT ("IMQ02200\x01r\xc0"), IM_EPROTO,
          "IMQ02: body: fields are nil" },
        { S_LIT ("IMQ02200\x01r\x91\x01"), IM_EPROTO,
          "IMQ02: body: fields are an array" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        int rc = s_reply (f, s_one (cases [index].data, cases [index].size),
                          false);
        if (rc != cases [index].rc || !strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: rc %d, '%s', expected %d '%s'", index, rc,
                      f->errbuf, cases [index].rc, cases [index].reason);
        assert_int_equal (im_fields_size (f->reply->body), 0);
        //  The light reader refuses the same, but for the body, which it
        //  leaves to its caller
        if (strstr (cases [index].reason, "body:"))
            continue;
        const void *body;
        size_t size;
        int status;
        char id [IM_REQUEST_ID_MAX];
        assert_int_equal (im_reply_head (cases [index].data,
                                         cases [index].size, &status, id,
                                         &body, &size), IM_EPROTO);
    }
    //  A head cut short answers no request
    zmsg_t *cut = s_one (S_LIT ("IMQ02200\x02r"));
    assert_false (im_reply_answers (cut, "r"));
    zmsg_destroy (&cut);
    //  Items after the head are items; a bad one is named by its frame
    zmsg_t *msg = s_one (S_LIT ("IMQ02200\x01r\x80"));
    zmsg_addmem (msg, "\x80", 1);
    zmsg_addmem (msg, "\x81\xa1k\x90", 4);
    assert_int_equal (s_reply (f, msg, false), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "frame 2: item: key 'k': value is "
                                        "an array"));
    assert_null (f->reply->items);

    //  Too many items, and a body over the limit
    msg = s_one (S_LIT ("IMQ02200\x01r\x80"));
    for (int index = 0; index <= IM_PROTO_ITEMS_MAX; index++)
        zmsg_addstr (msg, "");
    assert_int_equal (s_reply (f, msg, true), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "10001 items, more than 10000"));
    size_t size = 10 + IM_PROTO_FRAME_MAX + 1;
    char *big = (char *) calloc (1, size);
    memcpy (big, "IMQ02200\x01r", 10);
    assert_int_equal (s_reply (f, s_one (big, size), true), IM_ETOOBIG);
    assert_string_equal (f->errbuf, "IMQ02: body of 1048577 bytes, more "
                                    "than 1048576");
    free (big);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_request_frame_matches_section_3_9),
        S_TEST (test_request_send_packed_is_one_frame),
        S_TEST (test_request_decode_names_each_fault),
        S_TEST (test_request_decode_rejects_oversize_body),
        S_TEST (test_request_decode_refuses_every_cut),
        S_TEST (test_reply_one_frame_matches_section_3_9),
        S_TEST (test_reply_decode_names_each_fault),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
