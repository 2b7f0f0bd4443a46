/*  test_im_event - one immutable fact in the log

    Events are part of the on-disk layout, so these tests pin the exact
    encoding (docs/protocol.md section 6.2), check that equal events
    encode to equal bytes, and that decode refuses damage in every
    position with a reason naming the element.
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
#include <jansson.h>

#include "im_error.h"
#include "im_event.h"
#include "im_msgpack.h"

typedef struct {
    im_event_t *event;              //  Event under test
    im_event_t *decoded;            //  Target of decodes
    char *data;                     //  Last encoding, owned
    size_t size;                    //  Bytes in data
    msgpack_sbuffer buffer;         //  For hand-built encodings
    msgpack_packer packer;          //  Writes into buffer
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->event = im_event_new ();
    f->decoded = im_event_new ();
    assert_non_null (f->event);
    assert_non_null (f->decoded);
    f->event->seq = 42;
    f->event->ts_ms = 1764296266621ull;
    f->event->incident = 7;
    f->event->type = IM_EV_RESOLVED;
    strcpy (f->event->actor, "alice");
    strcpy (f->event->request_id, "req-1");
    f->event->causation = 41;
    im_fields_set_str (f->event->payload, "code", "solved");
    im_fields_set_str (f->event->payload, "status", "resolved");
    msgpack_sbuffer_init (&f->buffer);
    msgpack_packer_init (&f->packer, &f->buffer, msgpack_sbuffer_write);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    msgpack_sbuffer_destroy (&f->buffer);
    free (f->data);
    im_event_destroy (&f->decoded);
    im_event_destroy (&f->event);
    free (f);
    return 0;
}

static void
s_encode (fixture_t *f)
{
    free (f->data);
    f->data = NULL;
    assert_int_equal (im_event_encode (f->event, &f->data, &f->size), 0);
}

static int
s_decode (fixture_t *f, const void *bytes, size_t size)
{
    f->errbuf [0] = 0;
    return im_event_decode (f->decoded, bytes, size, f->errbuf,
                            sizeof f->errbuf);
}

//  Hand-packs an event whose element at position bad is replaced by nil
//  (bad < 0: none), with count elements
static void
s_pack_event (fixture_t *f, int count, int bad)
{
    msgpack_packer *pk = &f->packer;
    msgpack_pack_array (pk, (size_t) count);
    for (int index = 0; index < count; index++) {
        if (index == bad) {
            msgpack_pack_nil (pk);
            continue;
        }
        switch (index) {
            case 4:
                msgpack_pack_str_with_body (pk, "incident.closed", 15);
                break;
            case 5: case 6:
                msgpack_pack_str_with_body (pk, "x", 1);
                break;
            case 8:
                msgpack_pack_map (pk, 0);
                break;
            default:
                msgpack_pack_uint64 (pk, 1);
        }
    }
}

static void
test_new_event_is_empty_and_destroy_nulls (void **state)
{
    (void) state;
    im_event_t *event = im_event_new ();
    assert_non_null (event);
    assert_non_null (event->payload);
    assert_int_equal (im_fields_size (event->payload), 0);
    assert_int_equal (event->type, IM_EV_NONE);
    assert_int_equal (event->seq, 0);
    im_event_destroy (&event);
    assert_null (event);
    im_event_destroy (&event);
}

static void
test_type_names_round_trip (void **state)
{
    (void) state;
    for (int type = IM_EV_NONE + 1; type < IM_EV_MAX; type++) {
        const char *name = im_event_type_name ((im_event_type_t) type);
        assert_non_null (name);
        assert_int_equal (im_event_type_from_name (name), type);
    }
    assert_string_equal (im_event_type_name (IM_EV_OPENED), "incident.opened");
    assert_string_equal (im_event_type_name (IM_EV_NOTIFIED),
                         "notification.sent");
    assert_null (im_event_type_name (IM_EV_NONE));
    assert_null (im_event_type_name (IM_EV_MAX));
    assert_int_equal (im_event_type_from_name ("incident.exploded"),
                      IM_EV_NONE);
    assert_int_equal (im_event_type_from_name (""), IM_EV_NONE);
    assert_int_equal (im_event_type_from_name ("INCIDENT.OPENED"), IM_EV_NONE);
}

static void
test_encoding_matches_section_6_2 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_clear (f->event->payload);
    f->event->ts_ms = 5;
    f->event->type = IM_EV_CLOSED;
    strcpy (f->event->actor, "a");
    f->event->request_id [0] = 0;
    s_encode (f);
    const uint8_t expect [] = {
        0x99, 0x01, 42, 0x05, 0x07,
        0xaf, 'i', 'n', 'c', 'i', 'd', 'e', 'n', 't', '.',
              'c', 'l', 'o', 's', 'e', 'd',
        0xa1, 'a', 0xa0, 41, 0x80
    };
    assert_int_equal (f->size, sizeof expect);
    assert_memory_equal (f->data, expect, sizeof expect);
}

static void
test_encode_decode_round_trip (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->event->seq = UINT64_MAX;
    memset (f->event->request_id, 'r', IM_REQUEST_ID_MAX - 1);
    f->event->request_id [IM_REQUEST_ID_MAX - 1] = 0;
    memset (f->event->actor, 'a', IM_ACTOR_MAX - 1);
    f->event->actor [IM_ACTOR_MAX - 1] = 0;
    s_encode (f);
    im_fields_set_int (f->decoded->payload, "stale", 1);
    assert_int_equal (s_decode (f, f->data, f->size), 0);
    assert_int_equal (f->decoded->seq, UINT64_MAX);
    assert_int_equal (f->decoded->ts_ms, 1764296266621ull);
    assert_int_equal (f->decoded->incident, 7);
    assert_int_equal (f->decoded->type, IM_EV_RESOLVED);
    assert_string_equal (f->decoded->actor, f->event->actor);
    assert_string_equal (f->decoded->request_id, f->event->request_id);
    assert_int_equal (f->decoded->causation, 41);
    assert_true (im_fields_equal (f->decoded->payload, f->event->payload));
}

static void
test_equal_events_encode_to_equal_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f);
    assert_int_equal (s_decode (f, f->data, f->size), 0);
    char *again = NULL;
    size_t again_size = 0;
    assert_int_equal (im_event_encode (f->decoded, &again, &again_size), 0);
    assert_int_equal (again_size, f->size);
    assert_memory_equal (again, f->data, f->size);
    free (again);
}

static void
test_pack_appends_to_an_existing_packer (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    msgpack_pack_array (&f->packer, 2);
    assert_int_equal (im_event_pack (f->event, &f->packer), 0);
    f->event->seq = 43;
    assert_int_equal (im_event_pack (f->event, &f->packer), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (im_msgpack_unpack_one (&unpacked, f->buffer.data,
                      f->buffer.size, NULL, 0), 0);
    const msgpack_object *second = &unpacked.data.via.array.ptr [1];
    assert_int_equal (second->via.array.size, 9);
    assert_int_equal (second->via.array.ptr [1].via.u64, 43);
    msgpack_unpacked_destroy (&unpacked);
}

static void
test_encode_refuses_what_decode_would_refuse (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *data = NULL;
    size_t size = 0;
    f->event->type = IM_EV_NONE;
    assert_int_equal (im_event_encode (f->event, &data, &size), IM_EINVAL);
    f->event->type = IM_EV_MAX;
    assert_int_equal (im_event_encode (f->event, &data, &size), IM_EINVAL);
    f->event->type = IM_EV_OPENED;
    strcpy (f->event->actor, "bad \xff");
    assert_int_equal (im_event_encode (f->event, &data, &size), IM_EINVAL);
    memset (f->event->actor, 'a', IM_ACTOR_MAX);  //  No NUL at all
    assert_int_equal (im_event_encode (f->event, &data, &size), IM_EINVAL);
    assert_null (data);
}

static void
test_decode_rejects_every_truncation (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f);
    for (size_t size = 0; size < f->size; size++) {
        assert_int_equal (s_decode (f, f->data, size), IM_EPROTO);
        assert_true (strlen (f->errbuf) > 0);
        assert_int_equal (f->decoded->seq, 0);
    }
}

static void
test_decode_rejects_hostile_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t map32 [] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_decode (f, map32, sizeof map32), IM_EPROTO);
    const uint8_t array16 [] = { 0xdc, 0xff, 0xff };
    assert_int_equal (s_decode (f, array16, sizeof array16), IM_EPROTO);
    uint8_t deep [1001];
    memset (deep, 0x91, 1000);
    deep [1000] = 0x01;
    assert_int_equal (s_decode (f, deep, sizeof deep), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "nesting"));
    s_encode (f);
    char *longer = (char *) malloc (f->size + 1);
    assert_non_null (longer);
    memcpy (longer, f->data, f->size);
    longer [f->size] = 0;
    assert_int_equal (s_decode (f, longer, f->size + 1), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "trailing"));
    free (longer);
    const uint8_t map [] = { 0x80 };
    assert_int_equal (s_decode (f, map, sizeof map), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "array of 9"));
}

static void
test_decode_rejects_wrong_element_counts (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_pack_event (f, 8, -1);
    assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size),
                      IM_EPROTO);
    msgpack_sbuffer_clear (&f->buffer);
    s_pack_event (f, 10, -1);
    assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size),
                      IM_EPROTO);
    msgpack_sbuffer_clear (&f->buffer);
    s_pack_event (f, 9, -1);
    assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size), 0);
    assert_int_equal (f->decoded->type, IM_EV_CLOSED);
}

static void
test_decode_rejects_a_wrong_type_in_each_position (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *names [] = { "version", "seq", "ts_ms", "incident", "type",
                             "actor", "request_id", "causation", "payload" };
    for (int bad = 0; bad < 9; bad++) {
        msgpack_sbuffer_clear (&f->buffer);
        s_pack_event (f, 9, bad);
        assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size),
                          IM_EPROTO);
        char expect [64];
        snprintf (expect, sizeof expect, "element %d (%s)", bad, names [bad]);
        if (!strstr (f->errbuf, expect))
            fail_msg ("'%s' lacks '%s'", f->errbuf, expect);
    }
    //  A negative seq is not an unsigned int either
    msgpack_sbuffer_clear (&f->buffer);
    msgpack_pack_array (&f->packer, 9);
    msgpack_pack_uint64 (&f->packer, 1);
    msgpack_pack_int64 (&f->packer, -1);
    assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size),
                      IM_EPROTO);
}

static void
test_decode_rejects_unknown_type_and_version (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f);
    //  Swap "incident.resolved" for a name of the same length
    char *at = NULL;
    for (size_t index = 0; index + 17 <= f->size && !at; index++)
        if (memcmp (f->data + index, "incident.resolved", 17) == 0)
            at = f->data + index;
    assert_non_null (at);
    memcpy (at, "incident.exploded", 17);
    assert_int_equal (s_decode (f, f->data, f->size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "unknown event type "
                                        "'incident.exploded'"));
    memcpy (at, "incident.resolved", 17);
    f->data [1] = 2;                    //  Version 2
    assert_int_equal (s_decode (f, f->data, f->size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "element 0 (version): 2"));
}

static void
test_decode_rejects_oversize_actor_and_request_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char text [IM_REQUEST_ID_MAX + 1];
    memset (text, 'x', sizeof text);
    for (int which = 5; which <= 6; which++) {
        size_t limit = which == 5? IM_ACTOR_MAX: IM_REQUEST_ID_MAX;
        for (size_t length = limit - 1; length <= limit; length++) {
            msgpack_sbuffer_clear (&f->buffer);
            msgpack_pack_array (&f->packer, 9);
            for (int index = 0; index < 9; index++)
                if (index == which)
                    msgpack_pack_str_with_body (&f->packer, text, length);
                else
                if (index >= 4 && index <= 6)
                    msgpack_pack_str_with_body (&f->packer,
                                                "sla.breached", 12);
                else
                if (index == 8)
                    msgpack_pack_map (&f->packer, 0);
                else
                    msgpack_pack_uint64 (&f->packer, 1);
            int rc = s_decode (f, f->buffer.data, f->buffer.size);
            //  The buffer holds limit - 1 bytes and the NUL
            assert_int_equal (rc, length < limit? 0: IM_EPROTO);
        }
    }
}

static void
test_decode_names_payload_faults (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    msgpack_pack_array (&f->packer, 9);
    for (int index = 0; index < 8; index++)
        if (index == 4)
            msgpack_pack_str_with_body (&f->packer, "sla.started", 11);
        else
        if (index == 5 || index == 6)
            msgpack_pack_str_with_body (&f->packer, "", 0);
        else
            msgpack_pack_uint64 (&f->packer, 1);
    msgpack_pack_map (&f->packer, 1);
    msgpack_pack_str_with_body (&f->packer, "priority", 8);
    msgpack_pack_double (&f->packer, 1.5);
    assert_int_equal (s_decode (f, f->buffer.data, f->buffer.size),
                      IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "element 8 (payload): key "
                                        "'priority': value is a float"));
    assert_int_equal (im_fields_size (f->decoded->payload), 0);
}

static void
test_to_json_has_time_type_name_and_payload (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    json_t *json = im_event_to_json (f->event);
    assert_non_null (json);
    assert_int_equal (json_integer_value (json_object_get (json, "seq")), 42);
    assert_int_equal (json_integer_value (json_object_get (json, "ts_ms")),
                      1764296266621ll);
    assert_string_equal (json_string_value (json_object_get (json, "time")),
                         "2025-11-28T02:17:46.621Z");
    assert_int_equal (json_integer_value (json_object_get (json,
                      "incident")), 7);
    assert_string_equal (json_string_value (json_object_get (json, "type")),
                         "incident.resolved");
    assert_string_equal (json_string_value (json_object_get (json, "actor")),
                         "alice");
    assert_string_equal (json_string_value (json_object_get (json,
                         "request_id")), "req-1");
    assert_int_equal (json_integer_value (json_object_get (json,
                      "causation")), 41);
    json_t *payload = json_object_get (json, "payload");
    assert_true (json_is_object (payload));
    assert_string_equal (json_string_value (json_object_get (payload,
                         "code")), "solved");
    json_decref (json);
}

static void
test_peek_reads_the_incident_of_an_encoding (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t values [] = { 1, 127, 128, 65535, 65536, 12345678901ull };
    for (size_t index = 0; index < 6; index++) {
        f->event->type = IM_EV_OPENED;
        f->event->seq = values [index] * 3;
        f->event->ts_ms = 1795835842421ull;
        f->event->incident = values [index];
        char *data;
        size_t size;
        assert_int_equal (im_event_encode (f->event, &data, &size), 0);
        uint64_t incident = 0;
        assert_int_equal (im_event_peek_incident (data, size, &incident), 0);
        assert_int_equal (incident, values [index]);
        //  Every prefix too short to hold the incident is refused
        for (size_t cut = 0; cut < 4; cut++)
            assert_int_equal (im_event_peek_incident (data, cut, &incident),
                              IM_EPROTO);
        free (data);
    }
    uint64_t incident = 0;
    assert_int_equal (im_event_peek_incident ("\xdd\xff\xff\xff\xff", 5,
                                              &incident), IM_EPROTO);
    assert_int_equal (im_event_peek_incident ("\x99\x01\x02\x03\xa1x", 6,
                                              &incident), IM_EPROTO);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_peek_reads_the_incident_of_an_encoding),
        S_TEST (test_new_event_is_empty_and_destroy_nulls),
        S_TEST (test_type_names_round_trip),
        S_TEST (test_encoding_matches_section_6_2),
        S_TEST (test_encode_decode_round_trip),
        S_TEST (test_equal_events_encode_to_equal_bytes),
        S_TEST (test_pack_appends_to_an_existing_packer),
        S_TEST (test_encode_refuses_what_decode_would_refuse),
        S_TEST (test_decode_rejects_every_truncation),
        S_TEST (test_decode_rejects_hostile_bytes),
        S_TEST (test_decode_rejects_wrong_element_counts),
        S_TEST (test_decode_rejects_a_wrong_type_in_each_position),
        S_TEST (test_decode_rejects_unknown_type_and_version),
        S_TEST (test_decode_rejects_oversize_actor_and_request_id),
        S_TEST (test_decode_names_payload_faults),
        S_TEST (test_to_json_has_time_type_name_and_payload),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
