/*  test_imc_entry_map - ids and strings to values for one entry,
    emptied at once
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_entry_map.h"

#define MANY 5000                   //  Well past the first growths

typedef struct {
    imc_entry_map_t *map;
    char keys [MANY][40];           //  String keys the map borrows
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->map = imc_entry_map_new ();
    assert_non_null (f->map);
    for (size_t index = 0; index < MANY; index++)
        snprintf (f->keys [index], sizeof f->keys [index],
                  "019ac%07zx-request-%zu", index, index);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_entry_map_destroy (&f->map);
    assert_null (f->map);
    imc_entry_map_destroy (&f->map);    //  Safe twice
    free (f);
    return 0;
}

static void
test_absent_keys_read_zero (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (imc_entry_map_id (f->map, 7), 0);
    assert_int_equal (imc_entry_map_str (f->map, "abc"), 0);
    assert_int_equal (imc_entry_map_size (f->map), 0);
}

static void
test_ids_keep_their_values_and_set_replaces (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (uint64_t id = 1; id <= MANY; id++)
        imc_entry_map_set_id (f->map, id, (uintptr_t) (id * 3));
    assert_int_equal (imc_entry_map_size (f->map), MANY);
    imc_entry_map_set_id (f->map, 42, 99);
    assert_int_equal (imc_entry_map_size (f->map), MANY);
    for (uint64_t id = 1; id <= MANY; id++)
        assert_int_equal (imc_entry_map_id (f->map, id),
                          id == 42 ? 99 : id * 3);
    assert_int_equal (imc_entry_map_id (f->map, MANY + 1), 0);
    //  Ids far apart, as after a restart with a high next_id
    imc_entry_map_set_id (f->map, UINT64_MAX, 5);
    imc_entry_map_set_id (f->map, (uint64_t) 1 << 40, 6);
    assert_int_equal (imc_entry_map_id (f->map, UINT64_MAX), 5);
    assert_int_equal (imc_entry_map_id (f->map, (uint64_t) 1 << 40), 6);
}

static void
test_strings_match_by_content_not_pointer (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (size_t index = 0; index < MANY; index++)
        imc_entry_map_set_str (f->map, f->keys [index], index + 1);
    assert_int_equal (imc_entry_map_size (f->map), MANY);
    for (size_t index = 0; index < MANY; index++) {
        char copy [40];
        snprintf (copy, sizeof copy, "%s", f->keys [index]);
        assert_int_equal (imc_entry_map_str (f->map, copy), index + 1);
    }
    //  A prefix, a longer key and the empty string are other keys
    char prefix [40];
    snprintf (prefix, sizeof prefix, "%.*s", 8, f->keys [3]);
    assert_int_equal (imc_entry_map_str (f->map, prefix), 0);
    char longer [48];
    snprintf (longer, sizeof longer, "%sx", f->keys [3]);
    assert_int_equal (imc_entry_map_str (f->map, longer), 0);
    assert_int_equal (imc_entry_map_str (f->map, ""), 0);
    //  Set by an equal string: replaced, not added
    char same [40];
    snprintf (same, sizeof same, "%s", f->keys [10]);
    imc_entry_map_set_str (f->map, same, 777);
    assert_int_equal (imc_entry_map_size (f->map), MANY);
    assert_int_equal (imc_entry_map_str (f->map, f->keys [10]), 777);
}

static void
test_clear_forgets_everything_and_the_map_is_reused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int round = 0; round < 3; round++) {
        for (uint64_t id = 1; id <= MANY; id++)
            imc_entry_map_set_id (f->map, id + (uint64_t) round, id);
        assert_int_equal (imc_entry_map_size (f->map), MANY);
        imc_entry_map_clear (f->map);
        assert_int_equal (imc_entry_map_size (f->map), 0);
        for (uint64_t id = 1; id <= MANY + 3; id++)
            assert_int_equal (imc_entry_map_id (f->map, id), 0);
    }
    imc_entry_map_set_str (f->map, f->keys [0], 1);
    assert_int_equal (imc_entry_map_str (f->map, f->keys [0]), 1);
    imc_entry_map_clear (f->map);
    assert_int_equal (imc_entry_map_str (f->map, f->keys [0]), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_absent_keys_read_zero,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_ids_keep_their_values_and_set_replaces,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_strings_match_by_content_not_pointer,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_clear_forgets_everything_and_the_map_is_reused,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
