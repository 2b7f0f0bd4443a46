/*  test_im_msgpack - the pre-unpack gate against hostile msgpack

    Every decoder in imq relies on im_msgpack_check to keep msgpack-c
    from allocating what the bytes merely claim, so these tests feed it
    the classic attacks (huge map32/array32/str32 headers, containers
    with no elements behind them, deep nesting, trailing bytes, every
    truncation of a valid object) and check that whatever it accepts
    msgpack-c unpacks in full.
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
#include "im_msgpack.h"
#include "im_msgpack_put.h"

typedef struct {
    msgpack_unpacked unpacked;      //  Target of im_msgpack_unpack_one
    msgpack_sbuffer buffer;         //  Bytes under test
    msgpack_packer packer;          //  Writes into buffer
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    msgpack_unpacked_init (&f->unpacked);
    msgpack_sbuffer_init (&f->buffer);
    msgpack_packer_init (&f->packer, &f->buffer, msgpack_sbuffer_write);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    msgpack_unpacked_destroy (&f->unpacked);
    msgpack_sbuffer_destroy (&f->buffer);
    free (f);
    return 0;
}

//  Runs the check on bytes with the fixture's errbuf
static int
s_check (fixture_t *f, const void *bytes, size_t size)
{
    f->errbuf [0] = 0;
    return im_msgpack_check (bytes, size, f->errbuf, sizeof f->errbuf);
}

//  Packs a nested object that uses every container and most scalars
static void
s_pack_sample (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 4);
    msgpack_pack_uint64 (pk, 1);
    msgpack_pack_map (pk, 2);
    msgpack_pack_str_with_body (pk, "title", 5);
    msgpack_pack_str_with_body (pk, "disk full on db-1", 17);
    msgpack_pack_str_with_body (pk, "when", 4);
    msgpack_pack_uint64 (pk, 1700000000000ull);
    msgpack_pack_array (pk, 2);
    msgpack_pack_int64 (pk, -70000);
    msgpack_pack_nil (pk);
    msgpack_pack_bin_with_body (pk, "\x01\x02\x03", 3);
}

//  Checks that im_msgpack_read, from *offset, yields object and then its
//  elements in order, as msgpack-c unpacked them
static void
s_assert_reads_like (const msgpack_object *object, const uint8_t *data,
                     size_t size, size_t *offset)
{
    msgpack_object read;
    assert_true (im_msgpack_read (data, size, offset, &read));
    assert_int_equal (read.type, object->type);
    switch (object->type) {
        case MSGPACK_OBJECT_BOOLEAN:
            assert_int_equal (read.via.boolean, object->via.boolean);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            assert_true (read.via.u64 == object->via.u64);
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            assert_true (read.via.i64 == object->via.i64);
            break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            assert_memory_equal (&read.via.f64, &object->via.f64, 8);
            break;
        case MSGPACK_OBJECT_STR:
        case MSGPACK_OBJECT_BIN:
            assert_int_equal (read.via.str.size, object->via.str.size);
            assert_memory_equal (read.via.str.ptr, object->via.str.ptr,
                                 object->via.str.size);
            break;
        case MSGPACK_OBJECT_EXT:
            //  Its type byte, then the same size and body as a bin
            assert_int_equal (read.via.ext.type, object->via.ext.type);
            assert_true (read.via.ext.size == object->via.ext.size
                         && memcmp (read.via.ext.ptr, object->via.ext.ptr,
                                    object->via.ext.size) == 0);
            break;
        case MSGPACK_OBJECT_ARRAY:
            assert_int_equal (read.via.array.size, object->via.array.size);
            for (uint32_t index = 0; index < object->via.array.size; index++)
                s_assert_reads_like (&object->via.array.ptr [index], data,
                                     size, offset);
            break;
        case MSGPACK_OBJECT_MAP:
            assert_int_equal (read.via.map.size, object->via.map.size);
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                s_assert_reads_like (&object->via.map.ptr [index].key, data,
                                     size, offset);
                s_assert_reads_like (&object->via.map.ptr [index].val, data,
                                     size, offset);
            }
            break;
        default:
            break;
    }
}

static void
test_check_accepts_every_scalar_type (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    static char big [70000];
    memset (big, 'x', sizeof big);
    msgpack_pack_array (&f->packer, 19);
    msgpack_pack_nil (&f->packer);
    msgpack_pack_true (&f->packer);
    msgpack_pack_false (&f->packer);
    msgpack_pack_uint8 (&f->packer, 200);
    msgpack_pack_uint16 (&f->packer, 60000);
    msgpack_pack_uint32 (&f->packer, 4000000000u);
    msgpack_pack_uint64 (&f->packer, UINT64_MAX);
    msgpack_pack_int8 (&f->packer, -100);
    msgpack_pack_int16 (&f->packer, -30000);
    msgpack_pack_int32 (&f->packer, -2000000000);
    msgpack_pack_int64 (&f->packer, INT64_MIN);
    msgpack_pack_float (&f->packer, 1.5f);
    msgpack_pack_double (&f->packer, 2.25);
    msgpack_pack_str_with_body (&f->packer, big, 200);         //  str8
    msgpack_pack_str_with_body (&f->packer, big, 1000);        //  str16
    msgpack_pack_str_with_body (&f->packer, big, sizeof big);  //  str32
    msgpack_pack_bin_with_body (&f->packer, big, 300);
    msgpack_pack_ext_with_body (&f->packer, big, 4, 7);        //  fixext 4
    msgpack_pack_ext_with_body (&f->packer, big, 5, 7);        //  ext8
    assert_int_equal (s_check (f, f->buffer.data, f->buffer.size), 0);
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, f->buffer.data,
                      f->buffer.size, f->errbuf, sizeof f->errbuf), 0);
    const msgpack_object *root = &f->unpacked.data;
    assert_int_equal (root->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (root->via.array.size, 19);
    assert_int_equal (root->via.array.ptr [6].via.u64, UINT64_MAX);
    assert_int_equal (root->via.array.ptr [15].via.str.size, sizeof big);
    assert_int_equal (root->via.array.ptr [18].type, MSGPACK_OBJECT_EXT);
    size_t offset = 0;
    s_assert_reads_like (root, (const uint8_t *) f->buffer.data,
                         f->buffer.size, &offset);
    assert_int_equal (offset, f->buffer.size);
}

static void
test_unpack_one_yields_the_object (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_pack_sample (&f->packer);
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, f->buffer.data,
                      f->buffer.size, f->errbuf, sizeof f->errbuf), 0);
    const msgpack_object *root = &f->unpacked.data;
    assert_int_equal (root->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (root->via.array.size, 4);
    const msgpack_object *map = &root->via.array.ptr [1];
    assert_int_equal (map->type, MSGPACK_OBJECT_MAP);
    assert_int_equal (map->via.map.size, 2);
    assert_memory_equal (map->via.map.ptr [0].val.via.str.ptr,
                         "disk full on db-1", 17);
    assert_int_equal (root->via.array.ptr [2].via.array.ptr [0].via.i64,
                      -70000);

    //  The same unpacked can be reused: the old zone is released
    const char second [] = "\x92\x01\x02";
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, second, 3,
                      NULL, 0), 0);
    assert_int_equal (f->unpacked.data.via.array.size, 2);
}

static void
test_check_rejects_empty_buffer (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_check (f, "", 0), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "empty"));
}

static void
test_check_rejects_array32_claiming_4g_elements (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t bytes [] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "offset 0"));
    assert_non_null (strstr (f->errbuf, "4294967295"));
    //  And through unpack_one, which must not reach msgpack-c
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, bytes,
                      sizeof bytes, NULL, 0), IM_EPROTO);
}

static void
test_check_rejects_map32_claiming_4g_entries (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t bytes [] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "map declares 4294967295 entries"));
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, bytes,
                      sizeof bytes, NULL, 0), IM_EPROTO);
}

static void
test_check_rejects_array16_without_elements (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t bytes [] = { 0xdc, 0xff, 0xff };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "65535 elements, only 0 bytes"));
}

static void
test_check_counts_two_bytes_per_map_entry (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Map of two entries needs four elements; only three bytes follow
    const uint8_t bytes [] = { 0x82, 0x01, 0x01, 0x01 };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "map declares 2 entries"));
}

static void
test_check_rejects_str32_declaring_4_gib (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t bytes [] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b' };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "str declares 4294967295 bytes"));
    const uint8_t bin [] = { 0xc6, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_check (f, bin, sizeof bin), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "bin declares"));
    const uint8_t ext [] = { 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01 };
    assert_int_equal (s_check (f, ext, sizeof ext), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "ext declares"));
}

static void
test_check_reports_offset_of_nested_fault (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  [1, 2, <array32 claiming 2^32-1>]: the fault is at offset 3
    const uint8_t bytes [] = { 0x93, 0x01, 0x02, 0xdd, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "offset 3:"));
    const uint8_t reserved [] = { 0x92, 0x01, 0xc1 };
    assert_int_equal (s_check (f, reserved, sizeof reserved), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "offset 2: invalid type byte 0xc1"));
}

static void
test_check_limits_nesting_depth (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint8_t bytes [1001];
    //  IM_MSGPACK_DEPTH_MAX nested arrays pass
    memset (bytes, 0x91, IM_MSGPACK_DEPTH_MAX);
    bytes [IM_MSGPACK_DEPTH_MAX] = 0x01;
    assert_int_equal (s_check (f, bytes, IM_MSGPACK_DEPTH_MAX + 1), 0);
    //  One more does not, not even an empty innermost one
    memset (bytes, 0x91, IM_MSGPACK_DEPTH_MAX);
    bytes [IM_MSGPACK_DEPTH_MAX] = 0x90;
    assert_int_equal (s_check (f, bytes, IM_MSGPACK_DEPTH_MAX + 1),
                      IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "nesting"));
    //  Depth 1000
    memset (bytes, 0x91, 1000);
    bytes [1000] = 0xc0;
    assert_int_equal (s_check (f, bytes, sizeof bytes), IM_EPROTO);
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, bytes,
                      sizeof bytes, NULL, 0), IM_EPROTO);
}

static void
test_check_rejects_trailing_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_pack_sample (&f->packer);
    msgpack_pack_nil (&f->packer);
    assert_int_equal (s_check (f, f->buffer.data, f->buffer.size), IM_EPROTO);
    char expect [64];
    snprintf (expect, sizeof expect, "offset %zu: 1 trailing byte",
              f->buffer.size - 1);
    assert_non_null (strstr (f->errbuf, expect));
    //  Two complete objects are not one
    assert_int_equal (s_check (f, "\x01\x02", 2), IM_EPROTO);
    assert_int_equal (im_msgpack_unpack_one (&f->unpacked, "\x01\x02", 2,
                      NULL, 0), IM_EPROTO);
}

static void
test_check_rejects_every_truncation (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_pack_sample (&f->packer);
    assert_int_equal (s_check (f, f->buffer.data, f->buffer.size), 0);
    for (size_t size = 0; size < f->buffer.size; size++) {
        assert_int_equal (s_check (f, f->buffer.data, size), IM_EPROTO);
        assert_true (strlen (f->errbuf) > 0);
        assert_int_equal (im_msgpack_unpack_one (&f->unpacked,
                          f->buffer.data, size, NULL, 0), IM_EPROTO);
    }
}

static void
test_check_rejects_invalid_utf8_in_str (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *bad [] = {
        "\xc0\x80",                 //  Overlong NUL
        "\xe0\x80\xaf",             //  Overlong '/'
        "\xed\xa0\x80",             //  Surrogate
        "\xf4\x90\x80\x80",         //  Past U+10FFFF
        "\xf5\x80\x80\x80",         //  Invalid lead byte
        "\xe2\x82",                 //  Cut short
        "\x80",                     //  Lone continuation
        "abcdefgh\xff",             //  After an ASCII run
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        uint8_t bytes [16];
        size_t length = strlen (bad [index]);
        bytes [0] = (uint8_t) (0xa0 | length);
        memcpy (bytes + 1, bad [index], length);
        assert_false (im_msgpack_utf8_valid (bad [index], length));
        assert_int_equal (s_check (f, bytes, length + 1), IM_EPROTO);
        assert_non_null (strstr (f->errbuf, "UTF-8"));
    }
    const char *good = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xa8 ok";
    assert_true (im_msgpack_utf8_valid (good, strlen (good)));
    assert_true (im_msgpack_utf8_valid ("", 0));
    //  bin is bytes, not text: anything goes
    const uint8_t bin [] = { 0xc4, 0x02, 0xff, 0xfe };
    assert_int_equal (s_check (f, bin, sizeof bin), 0);
}

static void
test_check_accepts_null_errbuf (void **state)
{
    (void) state;
    const uint8_t bytes [] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (im_msgpack_check (bytes, sizeof bytes, NULL, 0),
                      IM_EPROTO);
    assert_int_equal (im_msgpack_check ("\xc0", 1, NULL, 0), 0);
}

//  xorshift64: deterministic noise
static uint64_t
s_next (uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

static void
test_whatever_check_accepts_msgpack_unpacks_whole (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_pack_sample (&f->packer);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t bytes [64];
    size_t accepted = 0;
    for (int round = 0; round < 200000; round++) {
        size_t size = 1 + s_next (&seed) % sizeof bytes;
        if (round % 2 && size <= f->buffer.size) {
            //  Mutate a valid object: flip one byte, cut it short
            memcpy (bytes, f->buffer.data, f->buffer.size);
            bytes [s_next (&seed) % f->buffer.size] = (uint8_t) s_next (&seed);
            size = f->buffer.size - s_next (&seed) % 3;
        }
        else
            for (size_t index = 0; index < size; index++)
                bytes [index] = (uint8_t) s_next (&seed);
        if (im_msgpack_check (bytes, size, NULL, 0) != 0)
            continue;
        accepted++;
        size_t offset = 0;
        msgpack_unpack_return rc = msgpack_unpack_next (
            &f->unpacked, (const char *) bytes, size, &offset);
        assert_int_equal (rc, MSGPACK_UNPACK_SUCCESS);
        assert_int_equal (offset, size);
        //  Read in place, element by element, it is the same object
        size_t at = 0;
        s_assert_reads_like (&f->unpacked.data, bytes, size, &at);
        assert_int_equal (at, size);
    }
    assert_true (accepted > 100);
}

//  Checks that buffer holds what out..end holds, then empties buffer
static void
s_assert_same (fixture_t *f, const unsigned char *start,
               const unsigned char *end, size_t expected_size)
{
    assert_int_equal ((size_t) (end - start), expected_size);
    assert_int_equal (f->buffer.size, expected_size);
    assert_memory_equal (f->buffer.data, start, expected_size);
    f->buffer.size = 0;
}

static void
test_put_writes_what_msgpack_c_writes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    static const int64_t ints [] = {
        0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295LL,
        4294967296LL, INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769,
        -2147483648LL, -2147483649LL, INT64_MIN
    };
    unsigned char out [80000];
    for (size_t index = 0; index < sizeof ints / sizeof ints [0]; index++) {
        int64_t value = ints [index];
        msgpack_pack_int64 (&f->packer, value);
        s_assert_same (f, out, im_msgpack_put_int (out, value),
                       im_msgpack_int_size (value));
        if (value >= 0) {
            msgpack_pack_uint64 (&f->packer, (uint64_t) value);
            s_assert_same (f, out, im_msgpack_put_uint (out, (uint64_t) value),
                           im_msgpack_uint_size ((uint64_t) value));
        }
    }
    msgpack_pack_uint64 (&f->packer, UINT64_MAX);
    s_assert_same (f, out, im_msgpack_put_uint (out, UINT64_MAX),
                   im_msgpack_uint_size (UINT64_MAX));
    //  Each boundary of a str (32, 256, 65536) and of a container (16,
    //  65536) with its neighbours
    static const size_t lengths [] = {
        0, 1, 14, 15, 16, 17, 31, 32, 255, 256, 65535, 65536, 70000
    };
    static char text [70000];
    memset (text, 'x', sizeof text);
    for (size_t index = 0; index < sizeof lengths / sizeof lengths [0];
         index++) {
        size_t length = lengths [index];
        msgpack_pack_str_with_body (&f->packer, text, length);
        s_assert_same (f, out, im_msgpack_put_str (out, text, length),
                       im_msgpack_str_head_size (length) + length);
        msgpack_pack_map (&f->packer, length);
        s_assert_same (f, out, im_msgpack_put_map (out, length),
                       im_msgpack_container_size (length));
        msgpack_pack_array (&f->packer, length);
        s_assert_same (f, out, im_msgpack_put_array (out, length),
                       im_msgpack_container_size (length));
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_check_accepts_every_scalar_type),
        S_TEST (test_unpack_one_yields_the_object),
        S_TEST (test_check_rejects_empty_buffer),
        S_TEST (test_check_rejects_array32_claiming_4g_elements),
        S_TEST (test_check_rejects_map32_claiming_4g_entries),
        S_TEST (test_check_rejects_array16_without_elements),
        S_TEST (test_check_counts_two_bytes_per_map_entry),
        S_TEST (test_check_rejects_str32_declaring_4_gib),
        S_TEST (test_check_reports_offset_of_nested_fault),
        S_TEST (test_check_limits_nesting_depth),
        S_TEST (test_check_rejects_trailing_bytes),
        S_TEST (test_check_rejects_every_truncation),
        S_TEST (test_check_rejects_invalid_utf8_in_str),
        S_TEST (test_check_accepts_null_errbuf),
        S_TEST (test_whatever_check_accepts_msgpack_unpacks_whole),
        S_TEST (test_put_writes_what_msgpack_c_writes),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
