/*  test_imb_deny_limit - how many denials a node records

    The limit in numbers: the first burst of a window recorded, the
    rest held as a count that the next record, or the window's end,
    carries; no denial lost from the sum; a table that cannot grow
    without bound.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"

#define BURST       3
#define WINDOW_MS   1000

typedef struct {
    imb_deny_limit_t *limit;        //  Under test
    imb_denial_t flushed [8];       //  What flush handed over
    size_t flushed_n;               //  How many
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->limit = imb_deny_limit_new (BURST, WINDOW_MS, 4);
    assert_non_null (f->limit);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_deny_limit_destroy (&f->limit);
    imb_deny_limit_destroy (&f->limit);     //  Twice is safe
    free (f);
    return 0;
}

static void
s_flushed (const imb_denial_t *denial, void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    assert_true (f->flushed_n < 8);
    f->flushed [f->flushed_n++] = *denial;
}

//  Takes one denial of principal and verb, naming incident, at now
static int
s_take (fixture_t *f, const char *principal, const char *verb,
        uint64_t incident, uint64_t now, uint64_t *suppressed)
{
    imb_denial_t denial;
    memset (&denial, 0, sizeof denial);
    im_strlcpy (denial.principal, principal, sizeof denial.principal);
    im_strlcpy (denial.verb, verb, sizeof denial.verb);
    snprintf (denial.reason, sizeof denial.reason, "needs a role");
    denial.incident = incident;
    int rc = imb_deny_limit_take (f->limit, &denial, now);
    if (suppressed)
        *suppressed = denial.suppressed;
    return rc;
}

static void
test_the_first_burst_of_a_window_is_recorded_the_rest_held (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t suppressed = 99;
    for (int index = 0; index < BURST; index++) {
        assert_int_equal (s_take (f, "rita", "CLASSIFY", 7, 100, &suppressed),
                          1);
        assert_int_equal (suppressed, 0);
    }
    for (int index = 0; index < 1000; index++)
        assert_int_equal (s_take (f, "rita", "CLASSIFY", 7, 500, NULL), 0);
    //  Another verb, or another principal, has a window of its own
    assert_int_equal (s_take (f, "rita", "NOTIFY", 7, 500, NULL), 1);
    assert_int_equal (s_take (f, "sam", "CLASSIFY", 7, 500, NULL), 1);
    assert_int_equal (imb_deny_limit_size (f->limit), 3);
    //  Within the window nothing is flushed
    imb_deny_limit_flush (f->limit, 1099, s_flushed, f);
    assert_int_equal (f->flushed_n, 0);
}

static void
test_the_next_window_carries_what_was_held (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < BURST + 5; index++)
        s_take (f, "rita", "CLASSIFY", 0, 0, NULL);
    uint64_t suppressed = 0;
    assert_int_equal (s_take (f, "rita", "CLASSIFY", 0, WINDOW_MS,
                              &suppressed), 1);
    assert_int_equal (suppressed, 5);
    //  Carried once
    assert_int_equal (s_take (f, "rita", "CLASSIFY", 0, WINDOW_MS + 1,
                              &suppressed), 1);
    assert_int_equal (suppressed, 0);
}

static void
test_a_window_that_ends_holding_is_summed_up_by_flush (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < BURST; index++)
        s_take (f, "rita", "CLASSIFY", 1, 0, NULL);
    //  Four held, the last naming incident 42
    for (uint64_t incident = 39; incident <= 42; incident++)
        assert_int_equal (s_take (f, "rita", "CLASSIFY", incident, 10, NULL),
                          0);
    imb_deny_limit_flush (f->limit, WINDOW_MS, s_flushed, f);
    assert_int_equal (f->flushed_n, 1);
    //  The last held stands for itself and the three before it
    assert_string_equal (f->flushed [0].principal, "rita");
    assert_string_equal (f->flushed [0].verb, "CLASSIFY");
    assert_int_equal (f->flushed [0].incident, 42);
    assert_int_equal (f->flushed [0].suppressed, 3);
    //  The flushed record opened the next window: BURST - 1 more fit
    for (int index = 0; index < BURST - 1; index++)
        assert_int_equal (s_take (f, "rita", "CLASSIFY", 0, WINDOW_MS + 1,
                                  NULL), 1);
    assert_int_equal (s_take (f, "rita", "CLASSIFY", 0, WINDOW_MS + 1,
                              NULL), 0);
    //  Nothing more to flush twice
    f->flushed_n = 0;
    imb_deny_limit_flush (f->limit, WINDOW_MS + 2, s_flushed, f);
    assert_int_equal (f->flushed_n, 0);
}

static void
test_quiet_pairs_are_forgotten_and_the_table_is_bounded (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *names [4] = { "a", "b", "c", "d" };
    for (int index = 0; index < 4; index++)
        assert_int_equal (s_take (f, names [index], "CLASSIFY", 0, 0, NULL),
                          1);
    //  Four pairs tracked: a fifth is neither recorded nor held
    assert_int_equal (s_take (f, "e", "CLASSIFY", 0, 0, NULL), -1);
    assert_int_equal (imb_deny_limit_size (f->limit), 4);
    //  A whole quiet window later they are gone, and room is made
    imb_deny_limit_flush (f->limit, WINDOW_MS, s_flushed, f);
    assert_int_equal (f->flushed_n, 0);
    assert_int_equal (imb_deny_limit_size (f->limit), 0);
    assert_int_equal (s_take (f, "e", "CLASSIFY", 0, WINDOW_MS, NULL), 1);
}

static void
test_a_flood_is_bounded_and_every_denial_counted (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  100,000 denials over ten windows, flushed every 100 ms
    uint64_t recorded = 0, carried = 0;
    for (uint64_t index = 0; index < 100000; index++) {
        uint64_t now = index / 10;          //  10 a millisecond
        uint64_t suppressed = 0;
        int rc = s_take (f, "mallet", "CLASSIFY", 0, now, &suppressed);
        if (rc == 1) {
            recorded++;
            carried += suppressed;
        }
        if (now % 100 == 99 && index % 10 == 9) {
            f->flushed_n = 0;
            imb_deny_limit_flush (f->limit, now, s_flushed, f);
            for (size_t k = 0; k < f->flushed_n; k++) {
                recorded++;
                carried += f->flushed [k].suppressed;
            }
        }
    }
    f->flushed_n = 0;
    imb_deny_limit_flush (f->limit, 100000, s_flushed, f);
    for (size_t k = 0; k < f->flushed_n; k++) {
        recorded++;
        carried += f->flushed [k].suppressed;
    }
    print_message ("100000 denials over 10 windows: %" PRIu64 " recorded\n",
                   recorded);
    assert_true (recorded <= 11 * BURST);
    assert_int_equal (recorded + carried, 100000);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_the_first_burst_of_a_window_is_recorded_the_rest_held,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_next_window_carries_what_was_held, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_window_that_ends_holding_is_summed_up_by_flush, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_quiet_pairs_are_forgotten_and_the_table_is_bounded, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_flood_is_bounded_and_every_denial_counted, s_setup,
            s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
