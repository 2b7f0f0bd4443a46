/*  test_im_command - commands and the Raft entries that carry them

    Entries are the Raft log's on-disk layout: these tests pin the frame
    (magic, length, padding to 8), check that packing on arrival and
    concatenating gives the same bytes as encoding a batch, that the
    caller's allocator is used, and that decode refuses every kind of
    damage without leaking the commands it had already built.
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
#include "im_msgpack.h"

#define S_COMMANDS 20               //  Commands in the fixture's batch

typedef struct {
    im_command_t *commands [S_COMMANDS];    //  A batch, owned
    im_command_t **decoded;         //  Result of im_entry_decode, owned
    size_t decoded_count;           //  Commands in decoded
    void *entry;                    //  Last encoded entry, from malloc
    size_t entry_size;              //  Bytes in entry
    msgpack_sbuffer buffer;         //  For hand-built encodings
    msgpack_packer packer;          //  Writes into buffer
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

//  Allocators handed to the entry encoder. alloc_fn takes no context
//  argument, so the count lives in a file static, reset by each test.
static size_t s_allocations;        //  Calls to s_counting_alloc

static void *
s_counting_alloc (size_t size)
{
    s_allocations++;
    return malloc (size);
}

static void *
s_failing_alloc (size_t size)
{
    (void) size;
    return NULL;
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    for (int index = 0; index < S_COMMANDS; index++) {
        im_command_t *command = im_command_new ();
        assert_non_null (command);
        command->type = (im_command_type_t) (IM_CMD_OPEN + index % 13);
        command->ts_ms = UINT64_C (1700000000000) + (uint64_t) index;
        command->incident = (uint64_t) index;
        snprintf (command->actor, sizeof command->actor, "actor-%d", index);
        snprintf (command->request_id, sizeof command->request_id,
                  "classifier:%d:classify", index);
        command->causation = (uint64_t) index * 3;
        im_fields_set_str (command->args, "title", "disk full");
        im_fields_set_int (command->args, "priority", index % 5 + 1);
        f->commands [index] = command;
    }
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
    im_entry_free (&f->decoded, f->decoded_count);
    free (f->entry);
    for (int index = 0; index < S_COMMANDS; index++)
        im_command_destroy (&f->commands [index]);
    free (f);
    return 0;
}

static void
s_encode (fixture_t *f, size_t count)
{
    free (f->entry);
    f->entry = NULL;
    assert_int_equal (im_entry_encode (f->commands, count, malloc,
                      &f->entry, &f->entry_size), 0);
}

static int
s_decode (fixture_t *f, const void *bytes, size_t size)
{
    im_entry_free (&f->decoded, f->decoded_count);
    f->errbuf [0] = 0;
    return im_entry_decode (bytes, size, &f->decoded, &f->decoded_count,
                            f->errbuf, sizeof f->errbuf);
}

//  Asserts that two commands hold the same values
static void
s_assert_same (const im_command_t *one, const im_command_t *two)
{
    assert_int_equal (one->type, two->type);
    assert_int_equal (one->ts_ms, two->ts_ms);
    assert_int_equal (one->incident, two->incident);
    assert_string_equal (one->actor, two->actor);
    assert_string_equal (one->request_id, two->request_id);
    assert_int_equal (one->causation, two->causation);
    assert_true (im_fields_equal (one->args, two->args));
}

static void
test_new_command_is_empty_and_destroy_nulls (void **state)
{
    (void) state;
    im_command_t *command = im_command_new ();
    assert_non_null (command);
    assert_non_null (command->args);
    assert_int_equal (command->type, IM_CMD_NONE);
    im_command_destroy (&command);
    assert_null (command);
    im_command_destroy (&command);
}

static void
test_type_names_round_trip (void **state)
{
    (void) state;
    for (int type = IM_CMD_NONE + 1; type < IM_CMD_MAX; type++) {
        const char *name = im_command_type_name ((im_command_type_t) type);
        assert_non_null (name);
        assert_int_equal (im_command_type_from_name (name), type);
    }
    assert_string_equal (im_command_type_name (IM_CMD_SLA_START), "SLA-START");
    assert_string_equal (im_command_type_name (IM_CMD_OFFSET), "OFFSET");
    assert_null (im_command_type_name (IM_CMD_NONE));
    assert_null (im_command_type_name (IM_CMD_MAX));
    assert_int_equal (im_command_type_from_name ("open"), IM_CMD_NONE);
    assert_int_equal (im_command_type_from_name ("GET"), IM_CMD_NONE);
}

static void
test_pack_matches_section_6_3_and_unpacks (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_command_t *command = f->commands [1];     //  ACK
    im_fields_clear (command->args);
    command->ts_ms = 9;
    command->incident = 3;
    strcpy (command->actor, "bo");
    command->request_id [0] = 0;
    command->causation = 0;
    assert_int_equal (im_command_pack (command, &f->packer), 0);
    const uint8_t expect [] = {
        0x98, 0x01, 0xa3, 'A', 'C', 'K', 0x09, 0x03, 0xa2, 'b', 'o', 0xa0,
        0x00, 0x80
    };
    assert_int_equal (f->buffer.size, sizeof expect);
    assert_memory_equal (f->buffer.data, expect, sizeof expect);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (im_msgpack_unpack_one (&unpacked, f->buffer.data,
                      f->buffer.size, NULL, 0), 0);
    im_command_t *copy = im_command_new ();
    assert_int_equal (im_command_unpack (copy, &unpacked.data,
                      f->errbuf, sizeof f->errbuf), 0);
    s_assert_same (copy, command);
    im_command_destroy (&copy);
    msgpack_unpacked_destroy (&unpacked);
}

static void
test_pack_refuses_unknown_type_and_bad_text (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->commands [0]->type = IM_CMD_NONE;
    assert_int_equal (im_command_pack (f->commands [0], &f->packer),
                      IM_EINVAL);
    f->commands [0]->type = IM_CMD_OPEN;
    strcpy (f->commands [0]->request_id, "\xc3");
    assert_int_equal (im_command_pack (f->commands [0], &f->packer),
                      IM_EINVAL);
    assert_int_equal (f->buffer.size, 0);
}

static void
test_unpack_names_each_fault_and_clears (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        const char *bytes;          //  Encoded command
        size_t size;                //  Bytes in it
        const char *reason;         //  Expected in errbuf
    } cases [] = {
        { "\x97\x01\xa3" "ACK\x01\x01\xa0\xa0\x01", 11, "array of 8" },
        { "\x98\x02\xa3" "ACK\x01\x01\xa0\xa0\x01\x80", 12,
          "element 0 (version): 2" },
        { "\x98\x01\xa3" "FOO\x01\x01\xa0\xa0\x01\x80", 12,
          "unknown verb 'FOO'" },
        { "\x98\x01\x01\x01\x01\xa0\xa0\x01\x80", 9, "element 1 (verb)" },
        { "\x98\x01\xa3" "ACK\xa0\x01\xa0\xa0\x01\x80", 12,
          "element 2 (ts_ms)" },
        { "\x98\x01\xa3" "ACK\x01\xff\xa0\xa0\x01\x80", 12,
          "element 3 (incident)" },
        { "\x98\x01\xa3" "ACK\x01\x01\x01\xa0\x01\x80", 12,
          "element 4 (actor)" },
        { "\x98\x01\xa3" "ACK\x01\x01\xa0\xc0\x01\x80", 12,
          "element 5 (request_id)" },
        { "\x98\x01\xa3" "ACK\x01\x01\xa0\xa0\xa0\x80", 12,
          "element 6 (causation)" },
        { "\x98\x01\xa3" "ACK\x01\x01\xa0\xa0\x01\x90", 12,
          "element 7 (args): fields are an array" },
    };
    im_command_t *command = im_command_new ();
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        assert_int_equal (im_msgpack_unpack_one (&unpacked,
                          cases [index].bytes, cases [index].size, NULL, 0),
                          0);
        im_fields_set_int (command->args, "stale", 1);
        command->incident = 99;
        assert_int_equal (im_command_unpack (command, &unpacked.data,
                          f->errbuf, sizeof f->errbuf), IM_EPROTO);
        if (!strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: '%s' lacks '%s'", index, f->errbuf,
                      cases [index].reason);
        assert_int_equal (command->incident, 0);
        assert_int_equal (im_fields_size (command->args), 0);
        msgpack_unpacked_destroy (&unpacked);
    }
    im_command_destroy (&command);
}

static void
test_entry_frame_has_magic_length_and_padding (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (size_t count = 0; count <= S_COMMANDS; count++) {
        s_encode (f, count);
        const uint8_t *bytes = (const uint8_t *) f->entry;
        assert_int_equal (f->entry_size % 8, 0);
        assert_memory_equal (bytes, "IMQE", 4);
        size_t length = (size_t) bytes [4] << 24 | (size_t) bytes [5] << 16
                      | (size_t) bytes [6] << 8 | bytes [7];
        assert_true (length <= f->entry_size - 8);
        assert_true (f->entry_size - 8 - length < 8);
        for (size_t at = 8 + length; at < f->entry_size; at++)
            assert_int_equal (bytes [at], 0);
        //  fixarray below 16 commands, array16 from 16
        assert_int_equal (bytes [8], count < 16? 0x90 | count: 0xdc);
    }
}

static void
test_entry_round_trips_every_batch_size (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (size_t count = 0; count <= S_COMMANDS; count++) {
        s_encode (f, count);
        assert_int_equal (s_decode (f, f->entry, f->entry_size), 0);
        assert_int_equal (f->decoded_count, count);
        for (size_t index = 0; index < count; index++)
            s_assert_same (f->decoded [index], f->commands [index]);
    }
}

static void
test_entry_from_packed_commands_equals_entry_from_commands (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f, S_COMMANDS);
    for (int index = 0; index < S_COMMANDS; index++)
        assert_int_equal (im_command_pack (f->commands [index], &f->packer),
                          0);
    void *packed_entry = NULL;
    size_t packed_size = 0;
    s_allocations = 0;
    assert_int_equal (im_entry_encode_packed (f->buffer.data,
                      f->buffer.size, S_COMMANDS, s_counting_alloc,
                      &packed_entry, &packed_size), 0);
    assert_int_equal (s_allocations, 1);
    assert_int_equal (packed_size, f->entry_size);
    assert_memory_equal (packed_entry, f->entry, f->entry_size);
    free (packed_entry);

    //  Encoding the same batch twice gives the same bytes
    void *again = NULL;
    size_t again_size = 0;
    assert_int_equal (im_entry_encode (f->commands, S_COMMANDS,
                      s_counting_alloc, &again, &again_size), 0);
    assert_int_equal (s_allocations, 2);
    assert_memory_equal (again, f->entry, f->entry_size);
    free (again);
}

static void
test_entry_encode_reports_allocation_failure_and_limits (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    void *data = NULL;
    size_t size = 0;
    assert_int_equal (im_entry_encode (f->commands, 2, s_failing_alloc,
                      &data, &size), IM_ENOMEM);
    assert_int_equal (im_entry_encode_packed ("\xc0", 1, 1, s_failing_alloc,
                      &data, &size), IM_ENOMEM);
    assert_int_equal (im_entry_encode_packed ("", 0,
                      IM_ENTRY_COMMANDS_MAX + 1, malloc, &data, &size),
                      IM_ETOOBIG);
    f->commands [1]->type = IM_CMD_MAX;
    assert_int_equal (im_entry_encode (f->commands, 2, malloc,
                      &data, &size), IM_EINVAL);
    assert_null (data);
}

static void
test_entry_decode_rejects_every_truncation (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f, 3);
    for (size_t size = 0; size < f->entry_size; size++) {
        assert_int_equal (s_decode (f, f->entry, size), IM_EPROTO);
        assert_true (strlen (f->errbuf) > 0);
        assert_null (f->decoded);
        assert_int_equal (f->decoded_count, 0);
    }
}

static void
test_entry_decode_rejects_damaged_frames (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_encode (f, 3);
    uint8_t *bytes = (uint8_t *) f->entry;
    size_t length = (size_t) bytes [6] << 8 | bytes [7];
    bytes [0] = 'X';
    assert_int_equal (s_decode (f, bytes, f->entry_size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "bad magic 0x584d5145"));
    bytes [0] = 'I';
    bytes [4] = 0x7f;                   //  Length beyond the entry
    assert_int_equal (s_decode (f, bytes, f->entry_size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "only"));
    bytes [4] = 0;
    if (8 + length < f->entry_size) {
        bytes [f->entry_size - 1] = 1;  //  Non-zero padding
        assert_int_equal (s_decode (f, bytes, f->entry_size), IM_EPROTO);
        assert_non_null (strstr (f->errbuf, "padding"));
        bytes [f->entry_size - 1] = 0;
    }
    //  Eight more zero bytes: too much padding
    uint8_t *longer = (uint8_t *) calloc (1, f->entry_size + 8);
    assert_non_null (longer);
    memcpy (longer, bytes, f->entry_size);
    assert_int_equal (s_decode (f, longer, f->entry_size + 8), IM_EPROTO);
    free (longer);
    assert_int_equal (s_decode (f, bytes, f->entry_size), 0);
}

//  Wraps a payload in an entry frame in f->entry
static void
s_frame (fixture_t *f, const void *payload, size_t length)
{
    free (f->entry);
    f->entry_size = (8 + length + 7) & ~(size_t) 7;
    uint8_t *bytes = (uint8_t *) calloc (1, f->entry_size);
    assert_non_null (bytes);
    memcpy (bytes, "IMQE", 4);
    bytes [4] = (uint8_t) (length >> 24);
    bytes [5] = (uint8_t) (length >> 16);
    bytes [6] = (uint8_t) (length >> 8);
    bytes [7] = (uint8_t) length;
    memcpy (bytes + 8, payload, length);
    f->entry = bytes;
}

static void
test_entry_decode_rejects_hostile_payloads (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t array32 [] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    s_frame (f, array32, sizeof array32);
    assert_int_equal (s_decode (f, f->entry, f->entry_size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "payload: offset 0"));
    const uint8_t array16 [] = { 0xdc, 0xff, 0xff };
    s_frame (f, array16, sizeof array16);
    assert_int_equal (s_decode (f, f->entry, f->entry_size), IM_EPROTO);
    const uint8_t map [] = { 0x80 };
    s_frame (f, map, sizeof map);
    assert_int_equal (s_decode (f, f->entry, f->entry_size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "not an array"));
    uint8_t deep [1001];
    memset (deep, 0x91, 1000);
    deep [1000] = 0xc0;
    s_frame (f, deep, sizeof deep);
    assert_int_equal (s_decode (f, f->entry, f->entry_size), IM_EPROTO);

    //  One element more than an entry may hold, each a nil
    uint8_t many [3 + IM_ENTRY_COMMANDS_MAX + 1];
    many [0] = 0xdc;
    many [1] = (IM_ENTRY_COMMANDS_MAX + 1) >> 8;
    many [2] = (IM_ENTRY_COMMANDS_MAX + 1) & 0xff;
    memset (many + 3, 0xc0, IM_ENTRY_COMMANDS_MAX + 1);
    s_frame (f, many, sizeof many);
    assert_int_equal (s_decode (f, f->entry, f->entry_size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "8193 commands"));
}

static void
test_entry_decode_frees_commands_built_before_a_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < 3; index++)
        im_command_pack (f->commands [index], &f->packer);
    msgpack_pack_nil (&f->packer);          //  Command 3 is not one
    void *entry = NULL;
    size_t size = 0;
    assert_int_equal (im_entry_encode_packed (f->buffer.data,
                      f->buffer.size, 4, malloc, &entry, &size), 0);
    assert_int_equal (s_decode (f, entry, size), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "command 3: command is not"));
    assert_null (f->decoded);
    free (entry);
    im_command_t **none = NULL;
    im_entry_free (&none, 5);               //  Safe on NULL
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_new_command_is_empty_and_destroy_nulls),
        S_TEST (test_type_names_round_trip),
        S_TEST (test_pack_matches_section_6_3_and_unpacks),
        S_TEST (test_pack_refuses_unknown_type_and_bad_text),
        S_TEST (test_unpack_names_each_fault_and_clears),
        S_TEST (test_entry_frame_has_magic_length_and_padding),
        S_TEST (test_entry_round_trips_every_batch_size),
        S_TEST (test_entry_from_packed_commands_equals_entry_from_commands),
        S_TEST (test_entry_encode_reports_allocation_failure_and_limits),
        S_TEST (test_entry_decode_rejects_every_truncation),
        S_TEST (test_entry_decode_rejects_damaged_frames),
        S_TEST (test_entry_decode_rejects_hostile_payloads),
        S_TEST (test_entry_decode_frees_commands_built_before_a_fault),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
