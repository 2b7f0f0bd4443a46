/*  test_im_proto - the client dialog, IMQ01 (docs/protocol.md section 3)

    Test vectors per section of the spec: the frames a REQUEST and a
    REPLY are made of, every verb, and for each way a message can be
    wrong, the status class and the reason a client will read. The
    worker dialog (section 4) is in test_im_proto_worker.c.
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
#include "im_command.h"
#include "im_event.h"
#include "im_fields.h"
#include "im_proto.h"

#define S_FRAMES_MAX 8              //  Frames in a hand-built message

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

//  Builds a message from NUL-terminated frames
static zmsg_t *
s_msg (size_t count, const char *frames [])
{
    zmsg_t *msg = zmsg_new ();
    assert_non_null (msg);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (zmsg_addstr (msg, frames [index]), 0);
    return msg;
}

//  Decodes msg as a request with the fixture's errbuf
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
test_query_names_round_trip (void **state)
{
    (void) state;
    for (int type = IM_QUERY_NONE + 1; type < IM_QUERY_MAX; type++) {
        const char *name = im_query_type_name ((im_query_type_t) type);
        assert_non_null (name);
        assert_int_equal (im_query_type_from_name (name), type);
    }
    assert_string_equal (im_query_type_name (IM_QUERY_SLA_CLOCKS),
                         "SLA-CLOCKS");
    assert_null (im_query_type_name (IM_QUERY_NONE));
    assert_null (im_query_type_name (IM_QUERY_MAX));
    assert_int_equal (im_query_type_from_name ("OPEN"), IM_QUERY_NONE);
    assert_int_equal (im_query_type_from_name ("get"), IM_QUERY_NONE);
}

static void
test_request_frames_match_section_3 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_request_encode ("OPEN", "r-1", f->body);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    zframe_t *frame = zmsg_first (msg);
    assert_true (zframe_streq (frame, "IMQ01"));
    assert_true (zframe_streq (zmsg_next (msg), "OPEN"));
    assert_true (zframe_streq (zmsg_next (msg), "r-1"));
    frame = zmsg_next (msg);
    char *body = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (f->body, &body, &size), 0);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), body, size);
    free (body);
    zmsg_destroy (&msg);

    //  No body and no request id: an empty map and an empty frame
    msg = im_request_encode ("STATUS", NULL, NULL);
    assert_non_null (msg);
    zmsg_first (msg);
    zmsg_next (msg);
    assert_int_equal (zframe_size (zmsg_next (msg)), 0);
    frame = zmsg_next (msg);
    assert_int_equal (zframe_size (frame), 1);
    assert_int_equal (zframe_data (frame) [0], 0x80);
    zmsg_destroy (&msg);
}

static void
test_request_round_trips_every_verb (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int type = IM_CMD_NONE + 1; type < IM_CMD_MAX; type++) {
        if (type == IM_CMD_OFFSET)
            continue;
        const char *verb = im_command_type_name ((im_command_type_t) type);
        zmsg_t *msg = im_request_encode (verb, "req", f->body);
        assert_int_equal (s_request (f, msg), 0);
        assert_string_equal (f->request->verb, verb);
        assert_string_equal (f->request->request_id, "req");
        assert_true (im_fields_equal (f->request->body, f->body));
    }
    for (int type = IM_QUERY_NONE + 1; type < IM_QUERY_MAX; type++) {
        const char *verb = im_query_type_name ((im_query_type_t) type);
        zmsg_t *msg = im_request_encode (verb, "", NULL);
        assert_int_equal (s_request (f, msg), 0);
        assert_string_equal (f->request->verb, verb);
        assert_string_equal (f->request->request_id, "");
        assert_int_equal (im_fields_size (f->request->body), 0);
    }
}

static void
test_request_encode_refuses_what_decode_refuses (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char id [130];
    memset (id, 'i', sizeof id);
    id [128] = 0;
    assert_null (im_request_encode ("OPEN", id, f->body));
    id [127] = 0;
    zmsg_t *msg = im_request_encode ("OPEN", id, f->body);
    assert_int_equal (s_request (f, msg), 0);
    assert_string_equal (f->request->request_id, id);
    char verb [IM_PROTO_VERB_MAX + 1];
    memset (verb, 'V', sizeof verb);
    verb [IM_PROTO_VERB_MAX] = 0;
    assert_null (im_request_encode (verb, "", NULL));
}

static void
test_request_decode_accepts_empty_body_frame (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_int (f->request->body, "stale", 1);
    const char *frames [] = { "IMQ01", "GET", "r", "" };
    assert_int_equal (s_request (f, s_msg (4, frames)), 0);
    assert_string_equal (f->request->verb, "GET");
    assert_int_equal (im_fields_size (f->request->body), 0);
}

static void
test_request_decode_names_each_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        size_t count;                       //  Frames
        const char *frames [S_FRAMES_MAX];  //  As strings
        int rc;                             //  Expected result
        const char *reason;                 //  Expected in errbuf
        const char *echo;                   //  Expected request id
    } cases [] = {
        { 0, { NULL }, IM_EPROTO, "empty message", "" },
        { 4, { "IMQ03", "OPEN", "r", "\x80" }, IM_EPROTO,
          "frame 0: signature is not IMQ01", "" },
        { 4, { "IMQW01", "OPEN", "r", "\x80" }, IM_EPROTO,
          "frame 0: signature", "" },
        { 1, { "IMQ01" }, IM_EPROTO, "missing verb frame", "" },
        { 2, { "IMQ01", "OPEN" }, IM_EPROTO, "missing request id frame", "" },
        { 3, { "IMQ01", "OPEN", "r1" }, IM_EPROTO, "missing body frame",
          "r1" },
        { 4, { "IMQ01", "FOO", "r2", "\x80" }, IM_EUNKNOWN,
          "unknown verb 'FOO'", "r2" },
        { 4, { "IMQ01", "open", "r3", "\x80" }, IM_EUNKNOWN,
          "unknown verb 'open'", "r3" },
        { 4, { "IMQ01", "OFFSET", "r4", "\x80" }, IM_EUNKNOWN,
          "unknown verb 'OFFSET'", "r4" },
        { 4, { "IMQ01", "\x01\xff", "r", "\x80" }, IM_EUNKNOWN,
          "unknown verb '?\?'", "r" },
        { 4, { "IMQ01", "", "r", "\x80" }, IM_EPROTO, "frame 1: empty verb",
          "r" },
        { 5, { "IMQ01", "OPEN", "r", "\x80", "more" }, IM_EPROTO,
          "frame 4: unexpected frame", "r" },
        { 4, { "IMQ01", "OPEN", "r", "\x81\xa1x\xc0" }, IM_EPROTO,
          "frame 3: body: key 'x': value is nil", "r" },
        { 4, { "IMQ01", "OPEN", "r", "\xdf\xff\xff\xff\xff" }, IM_EPROTO,
          "frame 3: body: offset 0: map declares 4294967295 entries", "r" },
        { 4, { "IMQ01", "OPEN", "r", "\xdc\xff\xff" }, IM_EPROTO,
          "frame 3: body: offset 0: array declares", "r" },
        { 4, { "IMQ01", "OPEN", "r", "\x80\x80" }, IM_EPROTO,
          "frame 3: body: offset 1: 1 trailing byte", "r" },
        { 4, { "IMQ01", "OPEN", "r", "\x91\x01" }, IM_EPROTO,
          "frame 3: body: fields are an array", "r" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        strcpy (f->request->request_id, "stale");
        int rc = s_request (f, s_msg (cases [index].count,
                                      cases [index].frames));
        if (rc != cases [index].rc || !strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: rc %d, '%s', expected %d '%s'", index, rc,
                      f->errbuf, cases [index].rc, cases [index].reason);
        assert_string_equal (f->request->request_id, cases [index].echo);
    }
}

static void
test_request_decode_checks_request_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char id [129];
    memset (id, 'i', 128);
    id [128] = 0;
    const char *frames [] = { "IMQ01", "OPEN", id, "\x80" };
    assert_int_equal (s_request (f, s_msg (4, frames)), IM_EPROTO);
    assert_string_equal (f->errbuf,
                         "frame 2: request id longer than 127 bytes");
    assert_string_equal (f->request->request_id, "");

    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "IMQ01");
    zmsg_addstr (msg, "OPEN");
    zmsg_addmem (msg, "a\0b", 3);
    zmsg_addstr (msg, "");
    assert_int_equal (s_request (f, msg), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "frame 2: request id is not UTF-8"));
    const char *latin1 [] = { "IMQ01", "OPEN", "caf\xe9", "" };
    assert_int_equal (s_request (f, s_msg (4, latin1)), IM_EPROTO);
}

static void
test_request_decode_quotes_unknown_verbs_safely (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char verb [201];
    memset (verb, 'A', 200);
    verb [200] = 0;
    const char *frames [] = { "IMQ01", verb, "long", "" };
    assert_int_equal (s_request (f, s_msg (4, frames)), IM_EUNKNOWN);
    assert_non_null (strstr (f->errbuf, "unknown verb 'AAAA"));
    assert_non_null (strstr (f->errbuf, "...'"));
    assert_true (strlen (f->errbuf) < 80);
    assert_string_equal (f->request->request_id, "long");
    assert_string_equal (f->request->verb, "");

    //  A NUL inside the verb frame does not make "OPEN\0x" an OPEN
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "IMQ01");
    zmsg_addmem (msg, "OPEN\0x", 6);
    zmsg_addstr (msg, "r");
    zmsg_addstr (msg, "");
    assert_int_equal (s_request (f, msg), IM_EUNKNOWN);
    assert_non_null (strstr (f->errbuf, "unknown verb 'OPEN?x'"));
}

static void
test_request_decode_rejects_oversize_frames (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    size_t size = IM_PROTO_FRAME_MAX + 1;
    char *big = (char *) calloc (1, size);
    assert_non_null (big);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "IMQ01");
    zmsg_addstr (msg, "OPEN");
    zmsg_addstr (msg, "r-big");
    zmsg_addmem (msg, big, size);
    assert_int_equal (s_request (f, msg), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "frame 3: 1048577 bytes, more than "
                                        "1048576"));
    assert_string_equal (f->request->request_id, "r-big");
    assert_int_equal (im_error_status (IM_ETOOBIG), 413);

    //  At the limit the frame is read, and refused for what it holds
    msg = zmsg_new ();
    zmsg_addstr (msg, "IMQ01");
    zmsg_addstr (msg, "OPEN");
    zmsg_addstr (msg, "r");
    zmsg_addmem (msg, big, IM_PROTO_FRAME_MAX);
    assert_int_equal (s_request (f, msg), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "frame 3: body: "));

    msg = zmsg_new ();
    zmsg_addstr (msg, "IMQ01");
    zmsg_addmem (msg, big, size);
    zmsg_addstr (msg, "r");
    zmsg_addstr (msg, "");
    assert_int_equal (s_request (f, msg), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "frame 1:"));
    free (big);
}

static void
test_request_decode_rejects_every_truncated_body (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *body = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (f->body, &body, &size), 0);
    for (size_t length = 1; length < size; length++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "IMQ01");
        zmsg_addstr (msg, "OPEN");
        zmsg_addstr (msg, "r");
        zmsg_addmem (msg, body, length);
        assert_int_equal (s_request (f, msg), IM_EPROTO);
        assert_non_null (strstr (f->errbuf, "frame 3: body: offset"));
    }
    free (body);
}

static void
test_reply_frames_match_section_3 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_reply_encode (200, "r-1", f->body, NULL, NULL);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    assert_true (zframe_streq (zmsg_first (msg), "IMQ01"));
    assert_true (zframe_streq (zmsg_next (msg), "200"));
    assert_true (zframe_streq (zmsg_next (msg), "r-1"));
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_int_equal (f->reply->status, 200);
    assert_string_equal (f->reply->request_id, "r-1");
    assert_true (im_fields_equal (f->reply->body, f->body));
    assert_null (f->reply->items);
    assert_null (f->reply->raw_items);
}

static void
test_reply_round_trips_items (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zlist_t *items = zlist_new ();
    im_fields_t *item [3];
    for (int index = 0; index < 3; index++) {
        item [index] = im_fields_new ();
        im_fields_set_int (item [index], "id", index + 1);
        zlist_append (items, item [index]);
    }
    zmsg_t *msg = im_reply_encode (200, "", f->body, items, NULL);
    assert_int_equal (zmsg_size (msg), 7);
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_non_null (f->reply->items);
    assert_int_equal (zlist_size (f->reply->items), 3);
    im_fields_t *decoded = (im_fields_t *) zlist_first (f->reply->items);
    for (int index = 0; index < 3; index++) {
        assert_true (im_fields_equal (decoded, item [index]));
        decoded = (im_fields_t *) zlist_next (f->reply->items);
    }
    //  Borrowed: the items are still the caller's
    assert_int_equal (zlist_size (items), 3);
    for (int index = 0; index < 3; index++)
        im_fields_destroy (&item [index]);
    zlist_destroy (&items);
}

static void
test_reply_raw_items_keep_event_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_t *event = im_event_new ();
    event->seq = 5;
    event->type = IM_EV_COMMENTED;
    im_fields_set_str (event->payload, "text", "looking");
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_event_encode (event, &data, &size), 0);
    zlist_t *raw = zlist_new ();
    zframe_t *frame = zframe_new (data, size);
    zlist_append (raw, frame);
    zmsg_t *msg = im_reply_encode (200, "t", NULL, NULL, raw);
    assert_int_equal (s_reply (f, msg, true), 0);
    assert_null (f->reply->items);
    assert_int_equal (zlist_size (f->reply->raw_items), 1);
    zframe_t *kept = (zframe_t *) zlist_first (f->reply->raw_items);
    assert_int_equal (zframe_size (kept), size);
    assert_memory_equal (zframe_data (kept), data, size);
    im_event_t *decoded = im_event_new ();
    assert_int_equal (im_event_decode (decoded, zframe_data (kept),
                      zframe_size (kept), NULL, 0), 0);
    assert_int_equal (decoded->seq, 5);
    //  Not raw: an event is not a fields map
    msg = im_reply_encode (200, "t", NULL, NULL, raw);
    assert_int_equal (s_reply (f, msg, false), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "frame 4: item: "));
    im_event_destroy (&decoded);
    im_event_destroy (&event);
    zframe_destroy (&frame);
    zlist_destroy (&raw);
    free (data);
}

static void
test_reply_encode_refuses_bad_status_and_too_many_items (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_null (im_reply_encode (99, "", f->body, NULL, NULL));
    assert_null (im_reply_encode (600, "", f->body, NULL, NULL));
    char id [129];
    memset (id, 'i', 128);
    id [128] = 0;
    assert_null (im_reply_encode (200, id, f->body, NULL, NULL));
    zlist_t *raw = zlist_new ();
    zframe_t *frame = zframe_new ("\x80", 1);
    for (int index = 0; index <= IM_PROTO_ITEMS_MAX; index++)
        zlist_append (raw, frame);
    assert_null (im_reply_encode (200, "", NULL, NULL, raw));
    zlist_pop (raw);
    zmsg_t *msg = im_reply_encode (200, "", NULL, NULL, raw);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4 + IM_PROTO_ITEMS_MAX);
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_int_equal (zlist_size (f->reply->items), IM_PROTO_ITEMS_MAX);
    zframe_destroy (&frame);
    zlist_destroy (&raw);
}

static void
test_error_reply_carries_readable_text (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zmsg_t *msg = im_reply_encode_error (404, "r-9", "no such incident 7");
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_int_equal (f->reply->status, 404);
    assert_string_equal (f->reply->request_id, "r-9");
    assert_string_equal (im_fields_str (f->reply->body, "error"),
                         "no such incident 7");
    //  Text that is not UTF-8 still arrives, made readable
    msg = im_reply_encode_error (400, "", "bad \xff byte");
    assert_int_equal (s_reply (f, msg, false), 0);
    assert_string_equal (im_fields_str (f->reply->body, "error"),
                         "bad ? byte");
}

static void
test_reply_decode_names_each_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        size_t count;                       //  Frames
        const char *frames [S_FRAMES_MAX];  //  As strings
        int rc;                             //  Expected result
        const char *reason;                 //  Expected in errbuf
    } cases [] = {
        { 0, { NULL }, IM_EPROTO, "empty message" },
        { 4, { "IMQW01", "200", "r", "" }, IM_EPROTO, "frame 0: signature" },
        { 1, { "IMQ01" }, IM_EPROTO, "missing status frame" },
        { 2, { "IMQ01", "200" }, IM_EPROTO, "missing request id frame" },
        { 3, { "IMQ01", "200", "r" }, IM_EPROTO, "missing body frame" },
        { 4, { "IMQ01", "abc", "r", "" }, IM_EPROTO, "frame 1: status 'abc'" },
        { 4, { "IMQ01", "099", "r", "" }, IM_EPROTO, "frame 1: status '099'" },
        { 4, { "IMQ01", "600", "r", "" }, IM_EPROTO, "frame 1: status '600'" },
        { 4, { "IMQ01", "20", "r", "" }, IM_EPROTO, "frame 1: status '20'" },
        { 4, { "IMQ01", "2000", "r", "" }, IM_EPROTO, "frame 1: status" },
        { 4, { "IMQ01", "200", "r", "\xc0" }, IM_EPROTO,
          "frame 3: body: fields are nil" },
        { 6, { "IMQ01", "200", "r", "", "\x80", "\x81\xa1k\x90" }, IM_EPROTO,
          "frame 5: item: key 'k': value is an array" },
        { 5, { "IMQ01", "200", "r", "", "\xdf\xff\xff\xff\xff" }, IM_EPROTO,
          "frame 4: item: offset 0: map declares" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        int rc = s_reply (f, s_msg (cases [index].count,
                                    cases [index].frames), false);
        if (rc != cases [index].rc || !strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: rc %d, '%s', expected %d '%s'", index, rc,
                      f->errbuf, cases [index].rc, cases [index].reason);
        assert_null (f->reply->items);
        assert_int_equal (im_fields_size (f->reply->body), 0);
    }
}

static void
test_reply_decode_rejects_too_many_items_and_big_frames (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *head [] = { "IMQ01", "200", "r", "" };
    zmsg_t *msg = s_msg (4, head);
    for (int index = 0; index <= IM_PROTO_ITEMS_MAX; index++)
        zmsg_addstr (msg, "");
    assert_int_equal (s_reply (f, msg, true), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "10001 items, more than 10000"));
    assert_null (f->reply->raw_items);

    char *big = (char *) calloc (1, IM_PROTO_FRAME_MAX + 1);
    msg = s_msg (4, head);
    zmsg_addmem (msg, big, IM_PROTO_FRAME_MAX + 1);
    assert_int_equal (s_reply (f, msg, true), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "frame 4: 1048577 bytes"));
    free (big);
}

static void
test_reply_decode_replaces_previous_items (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *two [] = { "IMQ01", "200", "r", "", "", "" };
    assert_int_equal (s_reply (f, s_msg (6, two), true), 0);
    assert_int_equal (zlist_size (f->reply->raw_items), 2);
    assert_int_equal (s_reply (f, s_msg (5, two), false), 0);
    assert_null (f->reply->raw_items);
    assert_int_equal (zlist_size (f->reply->items), 1);
    assert_int_equal (s_reply (f, s_msg (4, two), false), 0);
    assert_null (f->reply->items);
    im_reply_t *fresh = im_reply_new (503);
    assert_int_equal (fresh->status, 503);
    assert_int_equal (im_fields_size (fresh->body), 0);
    im_reply_destroy (&fresh);
    assert_null (fresh);
    im_reply_destroy (&fresh);
    im_request_t *request = im_request_new ();
    im_request_destroy (&request);
    assert_null (request);
    im_request_destroy (&request);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_query_names_round_trip),
        S_TEST (test_request_frames_match_section_3),
        S_TEST (test_request_round_trips_every_verb),
        S_TEST (test_request_encode_refuses_what_decode_refuses),
        S_TEST (test_request_decode_accepts_empty_body_frame),
        S_TEST (test_request_decode_names_each_fault),
        S_TEST (test_request_decode_checks_request_id),
        S_TEST (test_request_decode_quotes_unknown_verbs_safely),
        S_TEST (test_request_decode_rejects_oversize_frames),
        S_TEST (test_request_decode_rejects_every_truncated_body),
        S_TEST (test_reply_frames_match_section_3),
        S_TEST (test_reply_round_trips_items),
        S_TEST (test_reply_raw_items_keep_event_bytes),
        S_TEST (test_reply_encode_refuses_bad_status_and_too_many_items),
        S_TEST (test_error_reply_carries_readable_text),
        S_TEST (test_reply_decode_names_each_fault),
        S_TEST (test_reply_decode_rejects_too_many_items_and_big_frames),
        S_TEST (test_reply_decode_replaces_previous_items),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
