/*  test_imc_sla_report - the fold of SLA-REPORT over incident projections

    Projections are written here as the fold leaves them (the keys of
    docs/storage.md section 2.3), so each rule of the report is held by
    one small case: which clocks count in a range, met and missed, the
    working time from the stop or, for older records, from the target
    and deadline, grouping, and the arguments refused.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_keys.h"
#include "imc_sla_report.h"

typedef struct {
    imc_sla_report_t *report;       //  Report under test, by priority
    char errbuf [256];              //  Reason of a refusal
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->report = imc_sla_report_new (1000, 100000, "priority", f->errbuf,
                                    sizeof f->errbuf);
    assert_non_null (f->report);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_sla_report_destroy (&f->report);
    imc_sla_report_destroy (&f->report);    //  Safe twice
    free (f);
    return 0;
}

//  A projection with priority and one clock (response or resolution) in
//  state; stopped_ms, business_ms, breached_ms are set when >= 0
static im_fields_t *
s_incident (int priority, const char *clock, const char *state,
            int64_t stopped_ms, int64_t business_ms, int64_t breached_ms)
{
    im_fields_t *incident = im_fields_new ();
    char key [64];
    im_fields_set_int (incident, IM_KEY_SLA_PRIORITY, priority);
    snprintf (key, sizeof key, "sla_%s", clock);
    im_fields_set_str (incident, key, state);
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    im_fields_set_int (incident, key, 50000);
    snprintf (key, sizeof key, "sla_%s_target_ms", clock);
    im_fields_set_int (incident, key, 40000);
    if (stopped_ms >= 0) {
        snprintf (key, sizeof key, "sla_%s_stopped_ms", clock);
        im_fields_set_int (incident, key, stopped_ms);
    }
    if (business_ms >= 0) {
        snprintf (key, sizeof key, "sla_%s_business_ms", clock);
        im_fields_set_int (incident, key, business_ms);
    }
    if (breached_ms >= 0) {
        snprintf (key, sizeof key, "sla_%s_breached_ms", clock);
        im_fields_set_int (incident, key, breached_ms);
    }
    return incident;
}

static void
s_add (fixture_t *f, im_fields_t *incident)
{
    assert_int_equal (imc_sla_report_add (f->report, incident), 0);
    im_fields_destroy (&incident);
}

static void
test_no_data_gives_an_empty_total (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (imc_sla_report_size (f->report), 0);
    im_fields_t *fields = im_fields_new ();
    assert_int_equal (imc_sla_group_fields (imc_sla_report_total (f->report),
                                            fields), 0);
    assert_int_equal (im_fields_int_or (fields, IM_KEY_CLOCKS, -1), 0);
    assert_int_equal (im_fields_int_or (fields, "response_avg_ms", -1), 0);
    assert_false (im_fields_has (fields, IM_KEY_KEY));
    im_fields_destroy (&fields);
}

static void
test_met_and_missed_clocks_are_timed_from_their_stop (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, s_incident (1, "response", "met", 30000, 10000, -1));
    s_add (f, s_incident (1, "response", "met", 31000, 20001, -1));
    s_add (f, s_incident (1, "response", "breached", 70000, 60000, 50000));
    s_add (f, s_incident (2, "resolution", "met", 40000, 5000, -1));
    assert_int_equal (imc_sla_report_size (f->report), 2);
    const imc_sla_group_t *p1 = imc_sla_report_group (f->report, 0);
    assert_string_equal (p1->key, "P1");
    assert_int_equal (p1->clock [0].met, 2);
    assert_int_equal (p1->clock [0].missed, 1);
    assert_int_equal (p1->clock [0].timed, 3);
    assert_int_equal (p1->clock [0].worst_ms, 60000);
    im_fields_t *fields = im_fields_new ();
    assert_int_equal (imc_sla_group_fields (p1, fields), 0);
    assert_string_equal (im_fields_str (fields, IM_KEY_KEY), "P1");
    assert_int_equal (im_fields_int_or (fields, IM_KEY_CLOCKS, 0), 3);
    assert_int_equal (im_fields_int_or (fields, IM_KEY_MET, 0), 2);
    assert_int_equal (im_fields_int_or (fields, IM_KEY_MISSED, 0), 1);
    //  (10000 + 20001 + 60000) / 3 = 30000.33: rounded to 30000
    assert_int_equal (im_fields_int_or (fields, "response_avg_ms", 0), 30000);
    assert_int_equal (im_fields_int_or (fields, "resolution_met", -1), 0);
    im_fields_destroy (&fields);
    const imc_sla_group_t *p2 = imc_sla_report_group (f->report, 1);
    assert_string_equal (p2->key, "P2");
    assert_int_equal (p2->clock [1].met, 1);
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [0].met + total->clock [1].met, 3);
    assert_int_equal (total->clock [0].missed, 1);
}

static void
test_the_average_rounds_half_up (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, s_incident (3, "response", "met", 30000, 1, -1));
    s_add (f, s_incident (3, "response", "met", 30000, 2, -1));
    im_fields_t *fields = im_fields_new ();
    assert_int_equal (imc_sla_group_fields (imc_sla_report_total (f->report),
                                            fields), 0);
    assert_int_equal (im_fields_int_or (fields, "response_avg_ms", 0), 2);
    im_fields_destroy (&fields);
}

static void
test_all_missed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int index = 0; index < 5; index++)
        s_add (f, s_incident (1, "resolution", "breached", 60000 + index,
                              45000 + index, 50000));
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [1].met, 0);
    assert_int_equal (total->clock [1].missed, 5);
    assert_int_equal (total->clock [1].worst_ms, 45004);
}

static void
test_the_range_holds_since_and_not_until (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, s_incident (1, "response", "met", 999, 10, -1));
    s_add (f, s_incident (1, "response", "met", 1000, 20, -1));
    s_add (f, s_incident (1, "response", "met", 99999, 30, -1));
    s_add (f, s_incident (1, "response", "met", 100000, 40, -1));
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [0].met, 2);
    assert_int_equal (total->clock [0].sum_ms, 50);
}

static void
test_since_equal_to_until_counts_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_sla_report_destroy (&f->report);
    f->report = imc_sla_report_new (30000, 30000, "none", f->errbuf,
                                    sizeof f->errbuf);
    assert_non_null (f->report);
    s_add (f, s_incident (1, "response", "met", 30000, 10, -1));
    assert_int_equal (imc_sla_report_total (f->report)->clock [0].met, 0);
    assert_int_equal (imc_sla_report_size (f->report), 0);
}

static void
test_running_and_paused_clocks_do_not_count (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, s_incident (1, "response", "running", -1, -1, -1));
    s_add (f, s_incident (1, "resolution", "paused", -1, -1, -1));
    assert_int_equal (imc_sla_report_size (f->report), 0);
    //  A clock stopped while paused met its target; its working time is
    //  what the timer measured (the pause excluded)
    s_add (f, s_incident (1, "resolution", "met", 90000, 12000, -1));
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [1].met, 1);
    assert_int_equal (total->clock [1].sum_ms, 12000);
}

static void
test_a_breached_clock_still_running_counts_missed_untimed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, s_incident (1, "response", "breached", -1, -1, 51000));
    //  Breached after the range: not in it
    s_add (f, s_incident (1, "response", "breached", -1, -1, 200000));
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [0].missed, 1);
    assert_int_equal (total->clock [0].timed, 0);
}

static void
test_older_records_are_timed_in_24x7_only (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  No business_ms and no stop kept: the acknowledgement stopped it.
    //  Target 40 s, due 50 s, acknowledged at 30 s: ran 20 s.
    im_fields_t *incident = s_incident (1, "response", "met", -1, -1, -1);
    im_fields_set_int (incident, IM_KEY_ACKNOWLEDGED_MS, 30000);
    s_add (f, incident);
    //  Stopped late at 70 s: ran the target and 20 s more
    incident = s_incident (1, "response", "breached", 70000, -1, 50000);
    s_add (f, incident);
    //  In a business-hours calendar only the calendar knows: untimed
    incident = s_incident (1, "response", "met", 30000, -1, -1);
    im_fields_set_str (incident, IM_KEY_SLA_CALENDAR, "office");
    s_add (f, incident);
    const imc_sla_group_t *total = imc_sla_report_total (f->report);
    assert_int_equal (total->clock [0].met, 2);
    assert_int_equal (total->clock [0].missed, 1);
    assert_int_equal (total->clock [0].timed, 2);
    assert_int_equal (total->clock [0].sum_ms, 20000 + 60000);
    assert_int_equal (total->clock [0].worst_ms, 60000);
}

static void
test_groups_by_category_with_none_for_missing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_sla_report_destroy (&f->report);
    f->report = imc_sla_report_new (0, 100000, "category", f->errbuf,
                                    sizeof f->errbuf);
    assert_non_null (f->report);
    const char *categories [] = { "network", "", "hardware", "network",
                                  NULL };
    for (int index = 0; index < 5; index++) {
        im_fields_t *incident = s_incident (1, "response", "met", 30000, 1,
                                            -1);
        if (categories [index])
            im_fields_set_str (incident, IM_KEY_CATEGORY,
                               categories [index]);
        s_add (f, incident);
    }
    assert_int_equal (imc_sla_report_size (f->report), 3);
    assert_string_equal (imc_sla_report_group (f->report, 0)->key,
                         IMC_SLA_REPORT_NONE);
    assert_int_equal (imc_sla_report_group (f->report, 0)->clock [0].met, 2);
    assert_string_equal (imc_sla_report_group (f->report, 1)->key,
                         "hardware");
    assert_string_equal (imc_sla_report_group (f->report, 2)->key,
                         "network");
    assert_int_equal (imc_sla_report_group (f->report, 2)->clock [0].met, 2);
}

static void
test_groups_past_the_cap_go_to_other (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_sla_report_destroy (&f->report);
    f->report = imc_sla_report_new (0, 100000, "service", f->errbuf,
                                    sizeof f->errbuf);
    assert_non_null (f->report);
    size_t extra = 250;
    for (size_t index = 0; index < IMC_SLA_REPORT_GROUPS_MAX + extra;
         index++) {
        im_fields_t *incident = s_incident (1, "response", "met", 30000, 1,
                                            -1);
        char service [32];
        snprintf (service, sizeof service, "svc-%06zu", index);
        im_fields_set_str (incident, IM_KEY_SERVICE, service);
        s_add (f, incident);
    }
    size_t size = imc_sla_report_size (f->report);
    assert_int_equal (size, IMC_SLA_REPORT_GROUPS_MAX);
    uint64_t counted = 0;
    const imc_sla_group_t *other = NULL;
    for (size_t index = 0; index < size; index++) {
        const imc_sla_group_t *group = imc_sla_report_group (f->report,
                                                             index);
        counted += group->clock [0].met;
        if (strcmp (group->key, IMC_SLA_REPORT_OTHER) == 0)
            other = group;
        if (index > 0)              //  Still in key order
            assert_true (strcmp (imc_sla_report_group (f->report,
                                                       index - 1)->key,
                                 group->key) < 0);
    }
    assert_non_null (other);
    assert_int_equal (other->clock [0].met, extra + 1);
    assert_int_equal (counted, IMC_SLA_REPORT_GROUPS_MAX + extra);
    assert_int_equal (imc_sla_report_total (f->report)->clock [0].met,
                      IMC_SLA_REPORT_GROUPS_MAX + extra);
}

static void
test_wrong_arguments_are_refused_with_a_reason (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_null (imc_sla_report_new (2000, 1000, "priority", f->errbuf,
                                     sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "since"));
    assert_null (imc_sla_report_new (-1, 1000, "none", f->errbuf,
                                     sizeof f->errbuf));
    assert_null (imc_sla_report_new (0, 1000, "colour", f->errbuf,
                                     sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "colour"));
    assert_null (imc_sla_report_new (0, 1000, NULL, f->errbuf,
                                     sizeof f->errbuf));
    assert_null (imc_sla_report_new (0, IMC_SLA_REPORT_RANGE_MAX + 1, "none",
                                     f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "days"));
    imc_sla_report_t *longest = imc_sla_report_new (
        0, IMC_SLA_REPORT_RANGE_MAX, "none", f->errbuf, sizeof f->errbuf);
    assert_non_null (longest);
    imc_sla_report_destroy (&longest);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_no_data_gives_an_empty_total, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_met_and_missed_clocks_are_timed_from_their_stop, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_average_rounds_half_up, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_all_missed, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_range_holds_since_and_not_until, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_since_equal_to_until_counts_nothing, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_running_and_paused_clocks_do_not_count, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_breached_clock_still_running_counts_missed_untimed,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_older_records_are_timed_in_24x7_only, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_groups_by_category_with_none_for_missing, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_groups_past_the_cap_go_to_other, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_wrong_arguments_are_refused_with_a_reason, s_setup,
            s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
