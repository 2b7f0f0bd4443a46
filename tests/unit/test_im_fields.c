/*  test_im_fields - the ordered map every record in imq is made of

    Covers the map (set, append, replace in place, remove, merge, dup, equal,
    positional access, growth past the inline storage, strings borrowed
    from the map itself), its encoding (exact bytes, determinism, round
    trips) and its decoder against hostile input.
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
#include "im_fields.h"
#include "im_msgpack.h"

typedef struct {
    im_fields_t *fields;            //  Map under test
    im_fields_t *other;             //  Second map, for copies and decodes
    char *data;                     //  Last encoding, owned
    size_t size;                    //  Bytes in data
    char errbuf [256];              //  Reason of the last refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->fields = im_fields_new ();
    f->other = im_fields_new ();
    assert_non_null (f->fields);
    assert_non_null (f->other);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_destroy (&f->other);
    im_fields_destroy (&f->fields);
    free (f->data);
    free (f);
    return 0;
}

//  Encodes f->fields into f->data
static void
s_encode (fixture_t *f)
{
    free (f->data);
    f->data = NULL;
    assert_int_equal (im_fields_encode (f->fields, &f->data, &f->size), 0);
}

//  Decodes bytes into f->other with the fixture's errbuf
static int
s_decode (fixture_t *f, const void *bytes, size_t size)
{
    f->errbuf [0] = 0;
    return im_fields_decode (f->other, bytes, size, f->errbuf,
                             sizeof f->errbuf);
}

//  Fills a map with one entry of each kind
static void
s_fill (im_fields_t *fields)
{
    assert_int_equal (im_fields_set_str (fields, "title", "disk full"), 0);
    assert_int_equal (im_fields_set_int (fields, "impact", 2), 0);
    assert_int_equal (im_fields_set_str (fields, "empty", ""), 0);
    assert_int_equal (im_fields_set_int (fields, "min", INT64_MIN), 0);
    assert_int_equal (im_fields_set_int (fields, "max", INT64_MAX), 0);
    assert_int_equal (im_fields_set_str (fields, "utf8", "caf\xc3\xa9"), 0);
}

static void
test_new_map_is_empty_and_destroy_nulls (void **state)
{
    (void) state;
    im_fields_t *fields = im_fields_new ();
    assert_non_null (fields);
    assert_int_equal (im_fields_size (fields), 0);
    assert_false (im_fields_has (fields, "x"));
    im_fields_destroy (&fields);
    assert_null (fields);
    im_fields_destroy (&fields);        //  Safe twice
}

static void
test_set_and_get_values_of_both_types (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    assert_int_equal (im_fields_size (f->fields), 6);
    assert_string_equal (im_fields_str (f->fields, "title"), "disk full");
    assert_string_equal (im_fields_str (f->fields, "empty"), "");
    int64_t value = 0;
    assert_int_equal (im_fields_int (f->fields, "impact", &value), 0);
    assert_int_equal (value, 2);
    assert_int_equal (im_fields_int_or (f->fields, "min", 0), INT64_MIN);
    assert_int_equal (im_fields_int_or (f->fields, "max", 0), INT64_MAX);
    assert_true (im_fields_has (f->fields, "utf8"));
}

static void
test_getters_distinguish_absent_and_wrong_type (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    int64_t value = 7;
    assert_int_equal (im_fields_int (f->fields, "nope", &value), IM_ENOTFOUND);
    assert_int_equal (im_fields_int (f->fields, "title", &value), IM_EINVAL);
    assert_int_equal (value, 7);
    assert_int_equal (im_fields_int_or (f->fields, "title", 42), 42);
    assert_int_equal (im_fields_int_or (f->fields, "nope", -1), -1);
    assert_null (im_fields_str (f->fields, "impact"));
    assert_null (im_fields_str (f->fields, "nope"));
    assert_string_equal (im_fields_str_or (f->fields, "impact", "fb"), "fb");
    assert_string_equal (im_fields_str_or (f->fields, "title", "fb"),
                         "disk full");
    //  A key is matched whole, not by prefix
    assert_false (im_fields_has (f->fields, "titl"));
    assert_false (im_fields_has (f->fields, "titles"));
}

static void
test_replace_keeps_position_and_switches_type (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    assert_int_equal (im_fields_set_str (f->fields, "impact", "high"), 0);
    assert_int_equal (im_fields_set_int (f->fields, "title", 9), 0);
    assert_int_equal (im_fields_set_str (f->fields, "utf8", "a much longer "
                      "value than before, so it cannot stay in place"), 0);
    assert_int_equal (im_fields_set_str (f->fields, "empty", "x"), 0);
    assert_int_equal (im_fields_size (f->fields), 6);
    assert_string_equal (im_fields_key_at (f->fields, 0), "title");
    assert_int_equal (im_fields_type_at (f->fields, 0), IM_FIELD_INT);
    assert_int_equal (im_fields_int_at (f->fields, 0), 9);
    assert_string_equal (im_fields_key_at (f->fields, 1), "impact");
    assert_int_equal (im_fields_type_at (f->fields, 1), IM_FIELD_STR);
    assert_string_equal (im_fields_str_at (f->fields, 1), "high");
    assert_string_equal (im_fields_str (f->fields, "empty"), "x");
    assert_non_null (strstr (im_fields_str (f->fields, "utf8"), "in place"));
    //  Positional access of the other type answers NULL / 0
    assert_null (im_fields_str_at (f->fields, 0));
    assert_int_equal (im_fields_int_at (f->fields, 1), 0);
}

//  Asserts that put (set_int or append_int) takes a key of the longest
//  size and a non-ASCII UTF-8 key, and refuses a longer key and a
//  truncated UTF-8 one
static void
s_assert_key_checks (im_fields_t *fields,
                     int (*put) (im_fields_t *, const char *, int64_t))
{
    char key [IM_FIELDS_KEY_MAX + 2];
    memset (key, 'k', sizeof key);
    key [IM_FIELDS_KEY_MAX] = 0;
    assert_int_equal (put (fields, key, 1), 0);
    key [IM_FIELDS_KEY_MAX] = 'k';
    key [IM_FIELDS_KEY_MAX + 1] = 0;
    assert_int_equal (put (fields, key, 1), IM_EINVAL);
    assert_int_equal (put (fields, "caf\xc3", 1), IM_EINVAL);
    assert_int_equal (put (fields, "caf\xc3\xa9", 1), 0);
    assert_int_equal (im_fields_int_or (fields, "caf\xc3\xa9", 0), 1);
}

static void
test_set_refuses_bad_keys_and_values (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_assert_key_checks (f->fields, im_fields_set_int);
    assert_int_equal (im_fields_set_str (f->fields, "", "v"), IM_EINVAL);
    assert_int_equal (im_fields_set_str (f->fields, "k\xff", "v"), IM_EINVAL);
    assert_int_equal (im_fields_set_str (f->fields, "k", "bad \xc0\x80"),
                      IM_EINVAL);

    char *value = (char *) malloc (IM_FIELDS_VALUE_MAX + 2);
    assert_non_null (value);
    memset (value, 'v', IM_FIELDS_VALUE_MAX + 1);
    value [IM_FIELDS_VALUE_MAX] = 0;
    assert_int_equal (im_fields_set_str (f->fields, "v", value), 0);
    value [IM_FIELDS_VALUE_MAX] = 'v';
    value [IM_FIELDS_VALUE_MAX + 1] = 0;
    assert_int_equal (im_fields_set_str (f->fields, "w", value), IM_EINVAL);
    free (value);
    //  The longest key, "caf\xc3\xa9" and "v"
    assert_int_equal (im_fields_size (f->fields), 3);
}

static void
test_map_holds_at_most_max_entries (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char key [16];
    for (int index = 0; index < IM_FIELDS_MAX; index++) {
        snprintf (key, sizeof key, "key%d", index);
        assert_int_equal (im_fields_set_str (f->fields, key, key), 0);
    }
    assert_int_equal (im_fields_size (f->fields), IM_FIELDS_MAX);
    assert_int_equal (im_fields_set_int (f->fields, "one-more", 1),
                      IM_ETOOBIG);
    //  Replacing an existing key is still fine when full
    assert_int_equal (im_fields_set_int (f->fields, "key7", 7), 0);
    for (int index = 0; index < IM_FIELDS_MAX; index++) {
        snprintf (key, sizeof key, "key%d", index);
        assert_string_equal (im_fields_key_at (f->fields, (size_t) index),
                             key);
        if (index != 7)
            assert_string_equal (im_fields_str (f->fields, key), key);
    }
}

static void
test_remove_and_clear (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    im_fields_remove (f->fields, "impact");
    im_fields_remove (f->fields, "absent");
    assert_int_equal (im_fields_size (f->fields), 5);
    assert_false (im_fields_has (f->fields, "impact"));
    assert_string_equal (im_fields_key_at (f->fields, 1), "empty");
    assert_int_equal (im_fields_set_int (f->fields, "impact", 3), 0);
    assert_string_equal (im_fields_key_at (f->fields, 5), "impact");
    im_fields_clear (f->fields);
    assert_int_equal (im_fields_size (f->fields), 0);
    assert_null (im_fields_str (f->fields, "title"));
    s_fill (f->fields);
    assert_int_equal (im_fields_size (f->fields), 6);
}

static void
test_strings_borrowed_from_the_map_can_be_set (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (im_fields_set_str (f->fields, "a", "value of a"), 0);
    const char *borrowed = im_fields_str (f->fields, "a");
    assert_int_equal (im_fields_set_str (f->fields, "b", borrowed), 0);
    assert_int_equal (im_fields_set_str (f->fields, "a",
                      im_fields_str (f->fields, "a")), 0);
    assert_int_equal (im_fields_set_str (f->fields,
                      im_fields_key_at (f->fields, 1), "new b"), 0);
    assert_string_equal (im_fields_str (f->fields, "a"), "value of a");
    assert_string_equal (im_fields_str (f->fields, "b"), "new b");
    assert_int_equal (im_fields_merge (f->fields, f->fields), 0);
    assert_int_equal (im_fields_size (f->fields), 2);
}

static void
test_many_replacements_keep_every_value (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char key [16], value [600];
    //  Growing values force the text out of the inline block and through
    //  several compactions
    for (int round = 0; round < 2000; round++) {
        snprintf (key, sizeof key, "k%d", round % 40);
        size_t length = (size_t) (round % 500) + 1;
        memset (value, 'a' + round % 26, length);
        value [length] = 0;
        assert_int_equal (im_fields_set_str (f->fields, key, value), 0);
        if (round % 7 == 0)
            assert_int_equal (im_fields_set_int (f->fields, "n", round), 0);
    }
    assert_int_equal (im_fields_size (f->fields), 41);
    for (int round = 1960; round < 2000; round++) {
        snprintf (key, sizeof key, "k%d", round % 40);
        const char *stored = im_fields_str (f->fields, key);
        assert_non_null (stored);
        assert_int_equal (strlen (stored), (size_t) (round % 500) + 1);
        assert_int_equal (stored [0], 'a' + round % 26);
    }
    assert_int_equal (im_fields_int_or (f->fields, "n", 0), 1995);
}

static void
test_equal_compares_entries_in_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    s_fill (f->other);
    assert_true (im_fields_equal (f->fields, f->other));
    assert_int_equal (im_fields_set_int (f->other, "impact", 3), 0);
    assert_false (im_fields_equal (f->fields, f->other));
    assert_int_equal (im_fields_set_str (f->other, "impact", "2"), 0);
    assert_false (im_fields_equal (f->fields, f->other));

    im_fields_clear (f->fields);
    im_fields_clear (f->other);
    im_fields_set_int (f->fields, "a", 1);
    im_fields_set_int (f->fields, "b", 2);
    im_fields_set_int (f->other, "b", 2);
    im_fields_set_int (f->other, "a", 1);
    assert_false (im_fields_equal (f->fields, f->other));
    im_fields_remove (f->other, "b");
    assert_false (im_fields_equal (f->fields, f->other));
}

static void
test_dup_is_a_deep_copy (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char key [16];
    for (int index = 0; index < 100; index++) {
        snprintf (key, sizeof key, "key%d", index);
        im_fields_set_str (f->fields, key, "a value long enough to spill");
    }
    im_fields_t *copy = im_fields_dup (f->fields);
    assert_non_null (copy);
    assert_true (im_fields_equal (copy, f->fields));
    assert_int_equal (im_fields_set_str (f->fields, "key0", "changed"), 0);
    assert_string_equal (im_fields_str (copy, "key0"),
                         "a value long enough to spill");
    assert_false (im_fields_equal (copy, f->fields));
    im_fields_destroy (&copy);
}

static void
test_merge_sets_every_entry_of_source (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->fields, "status", "new");
    im_fields_set_int (f->fields, "impact", 3);
    im_fields_set_str (f->other, "status", "resolved");
    im_fields_set_str (f->other, "code", "solved");
    assert_int_equal (im_fields_merge (f->fields, f->other), 0);
    assert_int_equal (im_fields_size (f->fields), 3);
    assert_string_equal (im_fields_key_at (f->fields, 0), "status");
    assert_string_equal (im_fields_str (f->fields, "status"), "resolved");
    assert_string_equal (im_fields_key_at (f->fields, 2), "code");
    assert_int_equal (im_fields_int_or (f->fields, "impact", 0), 3);

    //  Merging into a full map fails when a key is new
    char key [16];
    im_fields_clear (f->fields);
    for (int index = 0; index < IM_FIELDS_MAX; index++) {
        snprintf (key, sizeof key, "key%d", index);
        im_fields_set_int (f->fields, key, index);
    }
    assert_int_equal (im_fields_merge (f->fields, f->other), IM_ETOOBIG);
}

static void
test_append_adds_absent_keys_like_set (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_int (f->fields, "id", 7);
    im_fields_set_str (f->fields, "title", "disk full");
    im_fields_set_int (f->fields, "events", 1);
    assert_int_equal (im_fields_append_int (f->other, "id", 7), 0);
    assert_int_equal (im_fields_append_str (f->other, "title", "disk full"), 0);
    assert_int_equal (im_fields_append_int (f->other, "events", 1), 0);
    assert_true (im_fields_equal (f->fields, f->other));

    //  Same checks as set
    assert_int_equal (im_fields_append_int (f->other, "", 1), IM_EINVAL);
    assert_int_equal (im_fields_append_str (f->other, "bad", "\xff"),
                      IM_EINVAL);
    s_assert_key_checks (f->other, im_fields_append_int);
    assert_int_equal (im_fields_size (f->other), 5);

    //  Entry by entry from another map, skipping some
    im_fields_clear (f->other);
    for (size_t index = 0; index < im_fields_size (f->fields); index++)
        if (index != 1)
            assert_int_equal (im_fields_append_from (f->other, f->fields,
                                                     index), 0);
    assert_int_equal (im_fields_size (f->other), 2);
    assert_string_equal (im_fields_key_at (f->other, 1), "events");
    assert_int_equal (im_fields_int_or (f->other, "id", 0), 7);

    //  A full map takes no more
    char key [16];
    im_fields_clear (f->other);
    for (int index = 0; index < IM_FIELDS_MAX; index++) {
        snprintf (key, sizeof key, "key%d", index);
        assert_int_equal (im_fields_append_int (f->other, key, index), 0);
    }
    assert_int_equal (im_fields_append_int (f->other, "one", 1), IM_ETOOBIG);
    assert_int_equal (im_fields_append_from (f->other, f->fields, 0),
                      IM_ETOOBIG);
}

static void
test_encoding_is_exact_and_deterministic (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_int (f->fields, "a", 1);
    im_fields_set_str (f->fields, "b", "x");
    im_fields_set_int (f->fields, "c", -1);
    im_fields_set_int (f->fields, "d", 300);
    s_encode (f);
    const uint8_t expect [] = {
        0x84, 0xa1, 'a', 0x01, 0xa1, 'b', 0xa1, 'x', 0xa1, 'c', 0xff,
        0xa1, 'd', 0xcd, 0x01, 0x2c
    };
    assert_int_equal (f->size, sizeof expect);
    assert_memory_equal (f->data, expect, sizeof expect);

    //  Same calls, same bytes; decode then encode, same bytes again
    im_fields_set_int (f->other, "a", 1);
    im_fields_set_str (f->other, "b", "x");
    im_fields_set_int (f->other, "c", -1);
    im_fields_set_int (f->other, "d", 300);
    char *again = NULL;
    size_t again_size = 0;
    assert_int_equal (im_fields_encode (f->other, &again, &again_size), 0);
    assert_int_equal (again_size, f->size);
    assert_memory_equal (again, f->data, f->size);
    free (again);
    assert_int_equal (s_decode (f, f->data, f->size), 0);
    assert_int_equal (im_fields_encode (f->other, &again, &again_size), 0);
    assert_memory_equal (again, f->data, f->size);
    free (again);
}

static void
test_encode_decode_round_trip (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    char *big = (char *) malloc (IM_FIELDS_VALUE_MAX + 1);
    assert_non_null (big);
    memset (big, 'z', IM_FIELDS_VALUE_MAX);
    big [IM_FIELDS_VALUE_MAX] = 0;
    assert_int_equal (im_fields_set_str (f->fields, "big", big), 0);
    free (big);
    s_encode (f);
    im_fields_set_int (f->other, "stale", 1);
    assert_int_equal (s_decode (f, f->data, f->size), 0);
    assert_true (im_fields_equal (f->fields, f->other));
    assert_false (im_fields_has (f->other, "stale"));

    //  An empty map round-trips as one byte
    im_fields_clear (f->fields);
    s_encode (f);
    assert_int_equal (f->size, 1);
    assert_int_equal (s_decode (f, f->data, f->size), 0);
    assert_int_equal (im_fields_size (f->other), 0);
}

static void
test_pack_and_unpack_inside_a_larger_object (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&packer, 2);
    assert_int_equal (im_fields_pack (f->fields, &packer), 0);
    msgpack_pack_nil (&packer);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (im_msgpack_unpack_one (&unpacked, buffer.data,
                      buffer.size, NULL, 0), 0);
    const msgpack_object *root = &unpacked.data;
    assert_int_equal (im_fields_unpack (f->other, &root->via.array.ptr [0],
                      f->errbuf, sizeof f->errbuf), 0);
    assert_true (im_fields_equal (f->fields, f->other));
    //  A nil is not a map, and a failed unpack leaves the map empty
    assert_int_equal (im_fields_unpack (f->other, &root->via.array.ptr [1],
                      f->errbuf, sizeof f->errbuf), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "expected a map"));
    assert_int_equal (im_fields_size (f->other), 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_decode_rejects_every_truncation (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fill (f->fields);
    s_encode (f);
    for (size_t size = 0; size < f->size; size++) {
        im_fields_set_int (f->other, "stale", 1);
        assert_int_equal (s_decode (f, f->data, size), IM_EPROTO);
        assert_true (strlen (f->errbuf) > 0);
        assert_int_equal (im_fields_size (f->other), 0);
    }
    assert_int_equal (s_decode (f, f->data, f->size), 0);
}

static void
test_decode_rejects_hostile_headers (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const uint8_t map32 [] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_decode (f, map32, sizeof map32), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "offset 0"));
    const uint8_t array32 [] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_decode (f, array32, sizeof array32), IM_EPROTO);
    const uint8_t array16 [] = { 0xdc, 0xff, 0xff };
    assert_int_equal (s_decode (f, array16, sizeof array16), IM_EPROTO);
    const uint8_t str32 [] = { 0x81, 0xa1, 'k', 0xdb, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal (s_decode (f, str32, sizeof str32), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "offset 3"));
    //  {"k": [[[[...1 ...]]]]}, 998 arrays deep
    uint8_t deep [1002] = { 0x81, 0xa1, 'k' };
    memset (deep + 3, 0x91, 998);
    deep [1001] = 0x01;
    assert_int_equal (s_decode (f, deep, sizeof deep), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "nesting"));
    const uint8_t trailing [] = { 0x80, 0x80 };
    assert_int_equal (s_decode (f, trailing, sizeof trailing), IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "trailing"));
    assert_int_equal (s_decode (f, "", 0), IM_EPROTO);
}

static void
test_decode_names_the_offending_key (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    struct {
        const char *bytes;          //  Encoded map
        size_t size;                //  Bytes in it
        int rc;                     //  Expected result
        const char *reason;         //  Expected in errbuf
    } cases [] = {
        { "\x91\x01", 2, IM_EPROTO, "expected a map" },
        { "\x81\x01\x01", 3, IM_EPROTO, "entry 0: key is an int" },
        { "\x81\xa0\x01", 3, IM_EPROTO, "entry 0: key of 0 bytes" },
        { "\x81\xa1x\xc0", 4, IM_EPROTO, "key 'x': value is nil" },
        { "\x81\xa1x\xc3", 4, IM_EPROTO, "key 'x': value is a boolean" },
        { "\x81\xa1x\xca\0\0\0\0", 8, IM_EPROTO, "key 'x': value is a float" },
        { "\x81\xa1x\x90", 4, IM_EPROTO, "key 'x': value is an array" },
        { "\x81\xa1x\x80", 4, IM_EPROTO, "key 'x': value is a map" },
        { "\x81\xa1x\xc4\x01z", 6, IM_EPROTO, "key 'x': value is a bin" },
        { "\x81\xa1x\xcf\x80\0\0\0\0\0\0\0", 12, IM_EPROTO,
          "key 'x': integer 9223372036854775808 out of int64 range" },
        { "\x82\xa1x\x01\xa1x\x02", 7, IM_EPROTO, "key 'x': duplicate" },
        { "\x81\xa1x\xa2" "a\0", 6, IM_EPROTO, "key 'x': string is not" },
        { "\x81\xa2x\0\x01", 5, IM_EPROTO, "entry 0: key is not" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        assert_int_equal (s_decode (f, cases [index].bytes,
                                    cases [index].size), cases [index].rc);
        if (!strstr (f->errbuf, cases [index].reason))
            fail_msg ("case %zu: '%s' lacks '%s'", index, f->errbuf,
                      cases [index].reason);
        assert_int_equal (im_fields_size (f->other), 0);
    }
}

static void
test_decode_refuses_long_keys_values_and_too_many_entries (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint8_t *bytes = (uint8_t *) calloc (1, 80000);
    assert_non_null (bytes);
    //  Key of 65 bytes
    bytes [0] = 0x81;
    bytes [1] = 0xd9;
    bytes [2] = IM_FIELDS_KEY_MAX + 1;
    memset (bytes + 3, 'k', IM_FIELDS_KEY_MAX + 1);
    bytes [3 + IM_FIELDS_KEY_MAX + 1] = 0x01;
    assert_int_equal (s_decode (f, bytes, 4 + IM_FIELDS_KEY_MAX + 1),
                      IM_EPROTO);
    assert_non_null (strstr (f->errbuf, "key of 65 bytes"));
    //  Value of 65537 bytes
    size_t value = IM_FIELDS_VALUE_MAX + 1;
    const uint8_t head [] = { 0x81, 0xa1, 'v', 0xdb, 0x00, 0x01, 0x00, 0x01 };
    memcpy (bytes, head, sizeof head);
    memset (bytes + sizeof head, 'v', value);
    assert_int_equal (s_decode (f, bytes, sizeof head + value), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "key 'v': string of 65537 bytes"));
    free (bytes);

    //  129 entries
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, IM_FIELDS_MAX + 1);
    for (int index = 0; index <= IM_FIELDS_MAX; index++) {
        char key [16];
        int length = snprintf (key, sizeof key, "k%d", index);
        msgpack_pack_str_with_body (&packer, key, (size_t) length);
        msgpack_pack_int64 (&packer, index);
    }
    assert_int_equal (s_decode (f, buffer.data, buffer.size), IM_ETOOBIG);
    assert_non_null (strstr (f->errbuf, "129 entries"));
    msgpack_sbuffer_destroy (&buffer);
    //  More bytes than any valid map can take, refused before reading
    size_t huge = 9 * 1024 * 1024;
    uint8_t *zeros = (uint8_t *) calloc (1, huge);
    assert_non_null (zeros);
    assert_int_equal (s_decode (f, zeros, huge), IM_ETOOBIG);
    free (zeros);
}

//  The bound without a walk is never short of what put writes, which
//  is what packed_size says, for small and large heads alike
static void
test_packed_max_bounds_what_put_writes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *text = (char *) malloc (70000);
    assert_non_null (text);
    memset (text, 'x', 70000);
    int64_t numbers [] = { 0, -1, -33, 127, 255, -129, 65535, -40000,
                           1LL << 40, INT64_MIN, INT64_MAX };
    for (size_t round = 0; round < 40; round++) {
        if (round % 3 == 0) {
            size_t length = round * 1723 % 65537;
            text [length] = 0;
            char key [16];
            snprintf (key, sizeof key, "s%zu", round);
            assert_int_equal (im_fields_set_str (f->fields, key, text), 0);
            text [length] = 'x';
        }
        else {
            char key [70];
            memset (key, 'k', sizeof key);
            snprintf (key + 64 - 4, 5, "%04zu", round);
            assert_int_equal (im_fields_set_int (f->fields, key,
                numbers [round % 11]), 0);
        }
        size_t exact = im_fields_packed_size (f->fields);
        size_t max = im_fields_packed_max (f->fields);
        assert_true (max >= exact);
        unsigned char *buffer = (unsigned char *) malloc (max);
        assert_non_null (buffer);
        assert_int_equal (im_fields_put (f->fields, buffer) - buffer,
                          (ptrdiff_t) exact);
        free (buffer);
    }
    free (text);
    im_fields_clear (f->fields);
    assert_true (im_fields_packed_max (f->fields)
                 >= im_fields_packed_size (f->fields));
}

static void
test_to_json_maps_strings_and_integers (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_int (f->fields, "impact", 2);
    im_fields_set_str (f->fields, "title", "caf\xc3\xa9");
    im_fields_set_int (f->fields, "neg", -5);
    json_t *json = im_fields_to_json (f->fields);
    assert_non_null (json);
    assert_true (json_is_object (json));
    assert_int_equal (json_object_size (json), 3);
    assert_true (json_is_integer (json_object_get (json, "impact")));
    assert_int_equal (json_integer_value (json_object_get (json, "neg")), -5);
    assert_string_equal (json_string_value (json_object_get (json, "title")),
                         "caf\xc3\xa9");
    char *text = json_dumps (json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal (text,
                         "{\"impact\":2,\"title\":\"caf\xc3\xa9\",\"neg\":-5}");
    free (text);
    json_decref (json);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        S_TEST (test_new_map_is_empty_and_destroy_nulls),
        S_TEST (test_set_and_get_values_of_both_types),
        S_TEST (test_getters_distinguish_absent_and_wrong_type),
        S_TEST (test_replace_keeps_position_and_switches_type),
        S_TEST (test_set_refuses_bad_keys_and_values),
        S_TEST (test_map_holds_at_most_max_entries),
        S_TEST (test_remove_and_clear),
        S_TEST (test_strings_borrowed_from_the_map_can_be_set),
        S_TEST (test_many_replacements_keep_every_value),
        S_TEST (test_equal_compares_entries_in_order),
        S_TEST (test_dup_is_a_deep_copy),
        S_TEST (test_merge_sets_every_entry_of_source),
        S_TEST (test_append_adds_absent_keys_like_set),
        S_TEST (test_encoding_is_exact_and_deterministic),
        S_TEST (test_encode_decode_round_trip),
        S_TEST (test_pack_and_unpack_inside_a_larger_object),
        S_TEST (test_decode_rejects_every_truncation),
        S_TEST (test_decode_rejects_hostile_headers),
        S_TEST (test_decode_names_the_offending_key),
        S_TEST (test_decode_refuses_long_keys_values_and_too_many_entries),
        S_TEST (test_packed_max_bounds_what_put_writes),
        S_TEST (test_to_json_maps_strings_and_integers),
#undef S_TEST
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
