/*  e2e_bad_one_frame - the one-frame client dialog (IMQ02) against
    hostile bytes, beside the four-frame one (IMQ01)

    A client may ask in one frame, as im_client does, or in IMQ01's four
    frames, as older clients do; the broker answers each in the form it
    was asked in. Every way the one frame can be wrong (cut short, too
    long, the wrong types, the wrong version) gets an error reply naming
    it, in that frame's form, stores nothing and leaves the broker
    serving. A raw DEALER over CURVE stands in for the client, so every
    octet is what the test says. IMQ01's faults are in e2e_bad_input.c.
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
    return imh_peer_setup (state, "badoneframe");
}

//  The one frame of an IMQ02 request: verb, request id, then body
//  (size octets) as they are, lengths in front of the first two
static zframe_t *
s_frame (const char *verb, const char *request_id, const void *body,
         size_t size)
{
    size_t verb_size = strlen (verb), id_size = strlen (request_id);
    zframe_t *frame = zframe_new (NULL, 7 + verb_size + id_size + size);
    assert_non_null (frame);
    uint8_t *out = zframe_data (frame);
    memcpy (out, "IMQ02", 5);
    out [5] = (uint8_t) verb_size;
    memcpy (out + 6, verb, verb_size);
    out [6 + verb_size] = (uint8_t) id_size;
    memcpy (out + 7 + verb_size, request_id, id_size);
    if (size)
        memcpy (out + 7 + verb_size + id_size, body, size);
    return frame;
}

//  The encoding of a fields map of up to two string pairs
static zframe_t *
s_request (const char *verb, const char *request_id, const char *key1,
           const char *value1, const char *key2, const char *value2)
{
    im_fields_t *fields = im_fields_new ();
    if (key1)
        im_fields_set_str (fields, key1, value1);
    if (key2)
        im_fields_set_str (fields, key2, value2);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (fields, &data, &size), 0);
    zframe_t *frame = s_frame (verb, request_id, data, size);
    free (data);
    im_fields_destroy (&fields);
    return frame;
}

//  Sends msg (taken) and checks the reply: in one frame when one_frame,
//  else IMQ01's four; its status; that its error names text; that it
//  echoes request_id (when not NULL)
static void
s_check (fixture_t *self, zmsg_t *msg, bool one_frame, int status,
         const char *text, const char *request_id)
{
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    zmsg_t *answer = imh_peer_recv (self->peer);
    assert_non_null (answer);
    zframe_t *head = zmsg_first (answer);
    if (one_frame != im_proto_is_one_frame (head)
    ||  zmsg_size (answer) != (one_frame ? 1 : 4))
        fail_msg ("expected a reply in %s, got %zu frames",
                  one_frame ? "IMQ02" : "IMQ01", zmsg_size (answer));
    im_reply_t *reply = im_reply_new (200);
    char errbuf [200] = "";
    assert_int_equal (im_reply_decode (reply, &answer, false, errbuf,
                                       sizeof errbuf), 0);
    const char *error = im_fields_str_or (reply->body, "error", "");
    if (reply->status != status || !strstr (error, text))
        fail_msg ("expected %d naming '%s', got %d '%s'", status, text,
                  reply->status, error);
    if (request_id)
        assert_string_equal (reply->request_id, request_id);
    im_reply_destroy (&reply);
}

//  Sends the one frame (taken) alone
static void
s_one (fixture_t *self, zframe_t *frame, int status, const char *text,
       const char *request_id)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &frame);
    s_check (self, msg, true, status, text, request_id);
}

static void
test_one_frame_and_four_frames_both_served (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_peer_start (self, false);
    assert_true (broker >= 0);
    uint64_t before = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    s_one (self, s_request ("OPEN", "one-1", "title", "Printer on fire",
                            "reporter", "hana"), 200, "", "one-1");
    //  An IMQ01 client, as every client was before IMQ02
    zmsg_t *msg = im_request_encode ("OPEN", "four-1", NULL);
    zframe_t *body = zmsg_last (msg);
    zmsg_remove (msg, body);
    zframe_destroy (&body);
    im_fields_t *fields = im_fields_new ();
    im_fields_set_str (fields, "title", "Printer still on fire");
    im_fields_set_str (fields, "reporter", "hana");
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (fields, &data, &size), 0);
    zmsg_addmem (msg, data, size);
    free (data);
    im_fields_destroy (&fields);
    s_check (self, msg, false, 200, "", "four-1");
    //  Both were stored, once each: a repeat is answered from the first
    s_one (self, s_request ("OPEN", "one-1", "title", "Printer on fire",
                            "reporter", "hana"), 200, "", "one-1");
    uint64_t seq = 0;
    assert_int_equal (imh_last_seq (h, &seq), 0);
    assert_int_equal (seq, before + 2);
    //  A query and a refusal come back in one frame too
    s_one (self, s_request ("GET", "one-2", NULL, NULL, NULL, NULL), 400,
           "incident", "one-2");
    imh_passed (h);
}

static void
test_one_frame_garbage_gets_a_reason_and_changes_nothing (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_peer_start (self, false);
    assert_true (broker >= 0);
    s_one (self, s_request ("OPEN", "g0", "title", "Switch down",
                            "reporter", "hana"), 200, "", "g0");
    uint64_t before = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);

    //  Cut short: inside the verb, inside the request id
    s_one (self, zframe_new ("IMQ02", 5), 400, "ends inside the verb",
           NULL);
    s_one (self, zframe_new ("IMQ02\x04OP", 8), 400, "ends inside the verb",
           NULL);
    s_one (self, zframe_new ("IMQ02\x04OPEN\x09g1", 13), 400,
           "ends inside the request id", NULL);
    //  Too long: a body over 1 MiB, then a request id over 127 octets
    s_one (self, s_frame ("OPEN", "g2", self->big, IMH_PEER_BIG), 413,
           "1048576", "g2");
    char id [201];
    memset (id, 'i', 200);
    id [200] = 0;
    s_one (self, s_frame ("OPEN", id, "\x80", 1), 400,
           "request id longer than 127", "");
    //  The wrong types: a body that is not a map, values of the wrong
    //  type, a request id that is not text, a verb that is no verb
    s_one (self, s_frame ("OPEN", "g3", "\x92\x01\x02", 3), 400,
           "expected a map", "g3");
    s_one (self, s_frame ("OPEN", "g4", "\xdf\xff\xff\xff\xff", 5), 400,
           "map declares", "g4");
    s_one (self, s_request ("GET", "g5", "incident", "five", NULL, NULL),
           400, "'incident'", "g5");
    s_one (self, s_request ("OPEN", "g6", "title", "T", "impact", "high"),
           400, "'impact'", "g6");
    s_one (self, s_frame ("OPEN", "\xff\xfe", "\x80", 1), 400, "request id",
           "");
    s_one (self, s_frame ("EXPLODE", "g7", "\x80", 1), 400,
           "unknown verb 'EXPLODE'", "g7");
    s_one (self, s_frame ("", "g8", "\x80", 1), 400, "empty verb", "g8");
    //  One frame is the whole message
    zmsg_t *msg = zmsg_new ();
    zframe_t *frame = s_frame ("GET", "g9", "\x80", 1);
    zmsg_append (msg, &frame);
    zmsg_addstr (msg, "extra");
    s_check (self, msg, true, 400, "unexpected frame after the IMQ02",
             "g9");
    //  The wrong version is no form the broker knows: answered in IMQ01
    msg = zmsg_new ();
    zmsg_addmem (msg, "IMQ03\x03GET\x03g10\x80", 14);
    s_check (self, msg, false, 400, "signature is not IMQ01 or IMQ02",
             NULL);

    //  Nothing stored changed, and the broker still serves
    assert_true (imh_running (h, broker));
    uint64_t after = 0;
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    s_one (self, s_request ("OPEN", "g11", "title", "Still serving",
                            "reporter", "hana"), 200, "", "g11");
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before + 1);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_one_frame_and_four_frames_both_served,
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_one_frame_garbage_gets_a_reason_and_changes_nothing,
            s_setup, imh_peer_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
