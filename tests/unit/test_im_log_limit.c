/*  test_im_log_limit - refusals logged in full a few times, then summed

    The limiter is driven with explicit times, so every interval
    boundary is hit exactly.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_log_limit.h"

typedef struct {
    im_log_limit_t *limit;          //  Under test: 3 per 1000 ms
    char kinds [8][32];             //  Summaries reported, by kind
    uint64_t suppressed [8];        //  And how many each left out
    uint64_t intervals [8];         //  Over how long
    size_t summaries;               //  How many summaries
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->limit = im_log_limit_new (3, 1000);
    assert_non_null (f->limit);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_log_limit_destroy (&f->limit);
    im_log_limit_destroy (&f->limit);   //  Twice is safe
    free (f);
    return 0;
}

static void
s_summary (const char *kind, uint64_t suppressed, uint64_t interval_ms,
           void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    assert_true (f->summaries < 8);
    snprintf (f->kinds [f->summaries], 32, "%s", kind);
    f->suppressed [f->summaries] = suppressed;
    f->intervals [f->summaries] = interval_ms;
    f->summaries++;
}

static bool
s_take (fixture_t *f, const char *kind, uint64_t now_ms)
{
    return im_log_limit_take (f->limit, kind, now_ms, s_summary, f);
}

static void
test_the_first_burst_is_logged_then_counted (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  At the burst and one past it
    assert_true (s_take (f, "client/malformed", 5000));
    assert_true (s_take (f, "client/malformed", 5001));
    assert_true (s_take (f, "client/malformed", 5002));
    assert_false (s_take (f, "client/malformed", 5003));
    for (int index = 0; index < 1000; index++)
        assert_false (s_take (f, "client/malformed", 5500));
    //  Another kind has a burst of its own
    assert_true (s_take (f, "worker/malformed", 5500));
    assert_int_equal (f->summaries, 0);
    assert_int_equal (im_log_limit_total (f->limit, "client/malformed"),
                      1004);
    assert_int_equal (im_log_limit_total (f->limit, "worker/malformed"), 1);
    assert_int_equal (im_log_limit_total (f->limit, "never"), 0);
}

static void
test_a_new_interval_sums_up_the_last_and_logs_again (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < 10; index++)
        s_take (f, "client/malformed", 5000);
    //  One ms before the interval ends: still counted
    assert_false (s_take (f, "client/malformed", 5999));
    assert_int_equal (f->summaries, 0);
    //  At its end: the summary, then this one logged in full
    assert_true (s_take (f, "client/malformed", 6000));
    assert_int_equal (f->summaries, 1);
    assert_string_equal (f->kinds [0], "client/malformed");
    assert_int_equal (f->suppressed [0], 8);
    assert_int_equal (f->intervals [0], 1000);
    assert_int_equal (im_log_limit_total (f->limit, "client/malformed"), 12);
}

static void
test_flush_sums_up_a_flood_that_stopped (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < 5; index++)
        s_take (f, "worker/malformed", 100);
    s_take (f, "client/too_large", 100);
    im_log_limit_flush (f->limit, 1099, false, s_summary, f);
    assert_int_equal (f->summaries, 0);
    im_log_limit_flush (f->limit, 2500, false, s_summary, f);
    //  Only the kind that left something out is summed up
    assert_int_equal (f->summaries, 1);
    assert_string_equal (f->kinds [0], "worker/malformed");
    assert_int_equal (f->suppressed [0], 2);
    assert_int_equal (f->intervals [0], 2400);
    //  Nothing new: nothing more to say
    im_log_limit_flush (f->limit, 9000, false, s_summary, f);
    assert_int_equal (f->summaries, 1);
}

static void
test_flush_all_sums_up_an_interval_not_yet_ended (void **state)
{
    //  At exit, what was left out is said even mid-interval
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < 7; index++)
        s_take (f, "client/malformed", 100);
    s_take (f, "client/too_large", 100);
    im_log_limit_flush (f->limit, 150, true, s_summary, f);
    assert_int_equal (f->summaries, 1);
    assert_string_equal (f->kinds [0], "client/malformed");
    assert_int_equal (f->suppressed [0], 4);
    assert_int_equal (f->intervals [0], 50);
}

static void
test_kinds_past_the_table_share_one_entry (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    static char names [IM_LOG_LIMIT_KINDS + 5][16];
    for (size_t index = 0; index < IM_LOG_LIMIT_KINDS + 5; index++) {
        snprintf (names [index], 16, "kind%zu", index);
        s_take (f, names [index], 10);
    }
    assert_int_equal (im_log_limit_size (f->limit), IM_LOG_LIMIT_KINDS);
    size_t last = IM_LOG_LIMIT_KINDS - 1;
    assert_string_equal (im_log_limit_kind_at (f->limit, last), "other");
    assert_int_equal (im_log_limit_total_at (f->limit, last), 6);
    assert_string_equal (im_log_limit_kind_at (f->limit, 0), "kind0");
    assert_int_equal (im_log_limit_total_at (f->limit, 0), 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_the_first_burst_is_logged_then_counted,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_new_interval_sums_up_the_last_and_logs_again,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_flush_sums_up_a_flood_that_stopped, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_flush_all_sums_up_an_interval_not_yet_ended,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_kinds_past_the_table_share_one_entry, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
