/*  test_imw_timers - the SLA timer's heap of timers and its index

    Boundaries one by one (re-arming a key, disarming what is not
    armed, equal due times, 0 and UINT64_MAX, growth and shrinking),
    then a long random run of arms, disarms, lookups and fires held
    step by step against a naive model: an array scanned in full.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

static imw_timer_t
s_timer (uint64_t incident, int kind, uint64_t due_ms)
{
    imw_timer_t timer = { .incident = incident, .kind = (uint8_t) kind,
                          .due_ms = due_ms, .priority = 3 };
    return timer;
}

static void
s_arm (imw_timers_t *timers, uint64_t incident, int kind, uint64_t due_ms)
{
    imw_timer_t timer = s_timer (incident, kind, due_ms);
    assert_int_equal (imw_timers_arm (timers, &timer), 0);
}

static void
test_empty_set_has_nothing_due (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    assert_non_null (timers);
    assert_int_equal (imw_timers_size (timers), 0);
    assert_true (imw_timers_next (timers) == UINT64_MAX);
    assert_null (imw_timers_fire (timers, UINT64_MAX));
    assert_null (imw_timers_lookup (timers, 1, 0));
    imw_timers_destroy (&timers);
    imw_timers_destroy (&timers);       //  Safe twice
    assert_null (timers);
}

static void
test_rearming_a_key_replaces_it (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    s_arm (timers, 7, 1, 500);
    s_arm (timers, 7, 2, 600);
    imw_timer_t later = s_timer (7, 1, 900);
    later.fraction = 50;
    assert_int_equal (imw_timers_arm (timers, &later), 0);
    assert_int_equal (imw_timers_size (timers), 2);
    const imw_timer_t *timer = imw_timers_lookup (timers, 7, 1);
    assert_non_null (timer);
    assert_true (timer->due_ms == 900);
    assert_int_equal (timer->fraction, 50);
    assert_true (imw_timers_next (timers) == 600);
    //  Earlier again: first again
    s_arm (timers, 7, 1, 100);
    assert_true (imw_timers_next (timers) == 100);
    assert_null (imw_timers_fire (timers, 99));
    timer = imw_timers_fire (timers, 100);
    assert_non_null (timer);
    assert_int_equal (timer->kind, 1);
    //  Fired stays armed until disarmed, and re-arming schedules it
    assert_int_equal (imw_timers_size (timers), 2);
    assert_int_equal (imw_timers_scheduled (timers), 1);
    assert_int_equal (imw_timers_lookup (timers, 7, 1)->heap_pos,
                      IMW_TIMERS_FIRED);
    assert_null (imw_timers_fire (timers, 500));
    s_arm (timers, 7, 1, 100);
    assert_int_equal (imw_timers_scheduled (timers), 2);
    assert_non_null (imw_timers_fire (timers, 500));
    imw_timers_destroy (&timers);
}

static void
test_disarming_what_is_not_armed_changes_nothing (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    assert_false (imw_timers_disarm (timers, 1, 0));
    s_arm (timers, 1, 0, 10);
    assert_false (imw_timers_disarm (timers, 1, 1));
    assert_false (imw_timers_disarm (timers, 2, 0));
    assert_int_equal (imw_timers_size (timers), 1);
    assert_true (imw_timers_disarm (timers, 1, 0));
    assert_false (imw_timers_disarm (timers, 1, 0));
    assert_int_equal (imw_timers_size (timers), 0);
    assert_true (imw_timers_next (timers) == UINT64_MAX);
    //  A fired timer disarms too
    s_arm (timers, 3, 0, 10);
    assert_non_null (imw_timers_fire (timers, 10));
    assert_true (imw_timers_disarm (timers, 3, 0));
    assert_int_equal (imw_timers_size (timers), 0);
    imw_timers_destroy (&timers);
}

static void
test_equal_due_times_all_fire_in_key_order (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    for (uint64_t incident = 1000; incident > 0; incident--)
        s_arm (timers, incident, (int) (incident % 3), 42);
    assert_null (imw_timers_fire (timers, 41));
    for (uint64_t incident = 1; incident <= 1000; incident++) {
        const imw_timer_t *timer = imw_timers_fire (timers, 42);
        assert_non_null (timer);
        assert_true (timer->incident == incident);
    }
    assert_null (imw_timers_fire (timers, 42));
    assert_int_equal (imw_timers_size (timers), 1000);
    imw_timers_destroy (&timers);
}

static void
test_zero_and_largest_due_times (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    s_arm (timers, UINT64_MAX, 255, UINT64_MAX);
    s_arm (timers, 0, 0, 0);
    s_arm (timers, 5, 0, UINT64_MAX - 1);
    assert_true (imw_timers_next (timers) == 0);
    const imw_timer_t *timer = imw_timers_fire (timers, 0);
    assert_non_null (timer);
    assert_true (timer->incident == 0);
    assert_true (imw_timers_next (timers) == UINT64_MAX - 1);
    assert_null (imw_timers_fire (timers, UINT64_MAX - 2));
    assert_non_null (imw_timers_fire (timers, UINT64_MAX - 1));
    //  Due at UINT64_MAX: next cannot tell it from none, scheduled can
    assert_true (imw_timers_next (timers) == UINT64_MAX);
    assert_int_equal (imw_timers_scheduled (timers), 1);
    timer = imw_timers_fire (timers, UINT64_MAX);
    assert_non_null (timer);
    assert_true (timer->incident == UINT64_MAX);
    assert_int_equal (timer->kind, 255);
    assert_int_equal (imw_timers_scheduled (timers), 0);
    imw_timers_destroy (&timers);
}

static void
test_grows_and_shrinks_with_the_count (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    size_t empty = imw_timers_bytes (timers);
    const uint64_t count = 100000;
    for (uint64_t incident = 1; incident <= count; incident++)
        s_arm (timers, incident, 0, (incident * 7919) % count);
    assert_int_equal (imw_timers_size (timers), count);
    size_t full = imw_timers_bytes (timers);
    assert_true (full > count * sizeof (imw_timer_t));
    //  At most 24 + 4 bytes a timer, doubled, and 4 a bucket, quadrupled
    assert_true (full <= count * (2 * 28 + 4 * 4) + empty);
    for (uint64_t incident = 1; incident <= count; incident++)
        if (incident % 100)
            assert_true (imw_timers_disarm (timers, incident, 0));
    assert_int_equal (imw_timers_size (timers), count / 100);
    assert_true (imw_timers_bytes (timers) < full / 10);
    //  What is left is intact and fires in order
    uint64_t previous = 0;
    for (uint64_t fired = 0; fired < count / 100; fired++) {
        const imw_timer_t *timer = imw_timers_fire (timers, UINT64_MAX);
        assert_non_null (timer);
        assert_true (timer->incident % 100 == 0);
        assert_true (timer->due_ms >= previous);
        previous = timer->due_ms;
        assert_non_null (imw_timers_lookup (timers, timer->incident, 0));
    }
    assert_null (imw_timers_fire (timers, UINT64_MAX));
    for (uint64_t incident = 100; incident <= count; incident += 100)
        assert_true (imw_timers_disarm (timers, incident, 0));
    assert_int_equal (imw_timers_bytes (timers), empty);
    imw_timers_destroy (&timers);
}

//  The naive model: every armed timer in an array, scanned in full

#define MODEL_MAX   512

typedef struct {
    imw_timer_t timers [MODEL_MAX];     //  Armed timers
    bool fired [MODEL_MAX];             //  Fired, still armed
    size_t count;                       //  Timers in use
} s_model_t;

static int
s_model_find (s_model_t *model, uint64_t incident, int kind)
{
    for (size_t index = 0; index < model->count; index++)
        if (model->timers [index].incident == incident
        &&  model->timers [index].kind == kind)
            return (int) index;
    return -1;
}

//  The index of the timer the model fires at now, or -1
static int
s_model_fire (s_model_t *model, uint64_t now_ms)
{
    int best = -1;
    for (size_t index = 0; index < model->count; index++) {
        const imw_timer_t *timer = &model->timers [index];
        if (model->fired [index] || timer->due_ms > now_ms)
            continue;
        const imw_timer_t *other = best >= 0 ? &model->timers [best] : NULL;
        if (!other || timer->due_ms < other->due_ms
        ||  (timer->due_ms == other->due_ms
             && (timer->incident < other->incident
                 || (timer->incident == other->incident
                     && timer->kind < other->kind))))
            best = (int) index;
    }
    return best;
}

static void
test_random_operations_match_a_naive_model (void **state)
{
    (void) state;
    imw_timers_t *timers = imw_timers_new ();
    s_model_t *model = (s_model_t *) calloc (1, sizeof (s_model_t));
    assert_non_null (model);
    uint32_t seed = 12345;
    uint64_t now_ms = 0;
    for (int step = 0; step < 200000; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t random = seed >> 8;
        //  Few keys and due times, so keys repeat and times tie
        uint64_t incident = random % 97;
        int kind = (int) ((random >> 7) % 6);
        uint64_t due_ms = now_ms + (random >> 10) % 50;
        int found = s_model_find (model, incident, kind);
        switch (random % 5) {
            case 0:
            case 1: {                   //  Arm or re-arm
                if (found < 0 && model->count == MODEL_MAX)
                    break;
                imw_timer_t timer = s_timer (incident, kind, due_ms);
                timer.fraction = (uint8_t) (step % 100);
                assert_int_equal (imw_timers_arm (timers, &timer), 0);
                if (found < 0)
                    found = (int) model->count++;
                model->timers [found] = timer;
                model->fired [found] = false;
                break;
            }
            case 2: {                   //  Disarm
                assert_int_equal (imw_timers_disarm (timers, incident, kind),
                                  found >= 0);
                if (found >= 0) {
                    model->count--;
                    model->timers [found] = model->timers [model->count];
                    model->fired [found] = model->fired [model->count];
                }
                break;
            }
            case 3: {                   //  Fire what is due
                now_ms += random % 7;
                int expected = s_model_fire (model, now_ms);
                const imw_timer_t *timer = imw_timers_fire (timers, now_ms);
                if (expected < 0)
                    assert_null (timer);
                else {
                    assert_non_null (timer);
                    assert_true (timer->incident
                                 == model->timers [expected].incident);
                    assert_int_equal (timer->kind,
                                      model->timers [expected].kind);
                    assert_true (timer->due_ms
                                 == model->timers [expected].due_ms);
                    model->fired [expected] = true;
                }
                break;
            }
            default: {                  //  Look up
                const imw_timer_t *timer =
                    imw_timers_lookup (timers, incident, kind);
                if (found < 0)
                    assert_null (timer);
                else {
                    assert_non_null (timer);
                    assert_true (timer->due_ms
                                 == model->timers [found].due_ms);
                    assert_int_equal (timer->fraction,
                                      model->timers [found].fraction);
                    assert_int_equal (timer->heap_pos == IMW_TIMERS_FIRED,
                                      model->fired [found]);
                }
            }
        }
        assert_int_equal (imw_timers_size (timers), model->count);
        int next = s_model_fire (model, UINT64_MAX);
        assert_true (imw_timers_next (timers)
                     == (next < 0 ? UINT64_MAX : model->timers [next].due_ms));
    }
    free (model);
    imw_timers_destroy (&timers);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_empty_set_has_nothing_due),
        cmocka_unit_test (test_rearming_a_key_replaces_it),
        cmocka_unit_test (test_disarming_what_is_not_armed_changes_nothing),
        cmocka_unit_test (test_equal_due_times_all_fire_in_key_order),
        cmocka_unit_test (test_zero_and_largest_due_times),
        cmocka_unit_test (test_grows_and_shrinks_with_the_count),
        cmocka_unit_test (test_random_operations_match_a_naive_model),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
