/*  test_im_policy_subject - escalation policies and sla.overrides: how
    they are read and checked, and which rules an incident gets

    Parses policy texts with im_policy_parse (what CONFIG runs) and
    asks the lookups the state machine and the SLA timer ask.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

typedef struct {
    im_policy_t *policy;            //  Parsed into
    char errbuf [4096];             //  The errors of the last parse
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    assert_non_null (f->policy);
    im_policy_defaults (f->policy);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    free (f->policy);
    free (f);
    return 0;
}

static int
s_parse (fixture_t *f, const char *text)
{
    f->errbuf [0] = 0;
    return im_policy_parse (f->policy, "desk.yaml", text, 1, f->errbuf,
                            sizeof f->errbuf);
}

//  Asserts that the errors hold text
static void
s_assert_error (fixture_t *f, const char *text)
{
    if (!strstr (f->errbuf, text))
        fail_msg ("expected error\n  %s\ngot\n  %s", text, f->errbuf);
}

static const char *s_desk =
    "agents:\n  - {name: carol, roles: []}\n"
    "groups:\n  - {name: dba, tier: 2, agents: [carol]}\n"
    "calendars:\n"
    "  - {name: office, zone: Europe/Berlin, hours: {mon-fri: "
    "\"08:00-18:00\"}}\n"
    "  - {name: weekend, zone: UTC, hours: {sat-sun: \"10:00-16:00\"}}\n"
    "escalations:\n"
    "  - name: standard\n    levels:\n"
    "      - {after: 15m, groups: [dba]}\n"
    "      - {after: 30m, users: [carol], schedules: [duty-manager]}\n"
    "  - name: critical\n    repeat: 3\n    levels:\n"
    "      - {after: 5m, schedules: [primary]}\n"
    "sla:\n"
    "  calendar: office\n"
    "  P1: {calendar: 24x7, escalation: standard, ack_timeout: 30m}\n"
    "  P2: {escalation: standard}\n"
    "  overrides:\n"
    "    - service: payments\n"
    "      calendar: weekend\n"
    "      P1: {escalation: critical, ack_timeout: 10m}\n"
    "      P2: {calendar: 24x7, update_calendar: office}\n"
    "    - customer_group: gold\n"
    "      update_calendar: 24x7\n"
    "      P3: {calendar: weekend, escalation: critical}\n";

static void
test_escalation_policies_are_read (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_parse (f, s_desk), 0);
    const im_policy_t *policy = f->policy;
    assert_int_equal (policy->escalations_n, 2);
    const im_policy_escalation_t *standard =
        im_policy_escalation (policy, "standard");
    assert_non_null (standard);
    assert_int_equal (standard->repeat, 1);         //  The default
    assert_int_equal (standard->levels_n, 2);
    assert_int_equal (standard->levels [0].after_ms, 15 * 60000);
    assert_string_equal (standard->levels [0].groups [0], "dba");
    assert_int_equal (standard->levels [1].after_ms, 30 * 60000);
    assert_string_equal (standard->levels [1].users [0], "carol");
    assert_string_equal (standard->levels [1].schedules [0], "duty-manager");
    assert_int_equal (im_policy_escalation (policy, "critical")->repeat, 3);
    assert_null (im_policy_escalation (policy, "none"));
    assert_int_equal (policy->ack_timeout_ms [0], 30 * 60000);
    assert_int_equal (policy->overrides_n, 2);
}

static void
test_overrides_choose_the_rules (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_parse (f, s_desk), 0);
    const im_policy_t *policy = f->policy;
    im_policy_subject_t plain = { false, 1, NULL, NULL };
    im_policy_subject_t payments = { false, 1, "payments", NULL };
    im_policy_subject_t gold = { false, 3, "", "gold" };
    im_policy_subject_t both = { false, 1, "payments", "gold" };
    im_policy_subject_t request = { true, 4, NULL, NULL };

    //  Targets' calendar: the priority's, else the section's
    assert_string_equal (im_policy_calendar_for (policy, &plain, false),
                         "24x7");
    plain.priority = 3;
    assert_string_equal (im_policy_calendar_for (policy, &plain, false),
                         "office");
    //  An override's own calendar beats the sla section's priority
    assert_string_equal (im_policy_calendar_for (policy, &payments, false),
                         "weekend");
    payments.priority = 2;
    assert_string_equal (im_policy_calendar_for (policy, &payments, false),
                         "24x7");
    assert_string_equal (im_policy_calendar_for (policy, &gold, false),
                         "weekend");
    gold.priority = 4;                  //  Nothing for P4: the section's
    assert_string_equal (im_policy_calendar_for (policy, &gold, false),
                         "office");
    assert_string_equal (im_policy_calendar_for (policy, &request, false),
                         "office");
    //  The service's override before the customer group's
    assert_string_equal (im_policy_calendar_for (policy, &both, false),
                         "weekend");

    //  Update cadence: its own keys, else 24x7 (not the targets')
    assert_string_equal (im_policy_calendar_for (policy, &plain, true),
                         "24x7");
    assert_string_equal (im_policy_calendar_for (policy, &payments, true),
                         "office");
    assert_string_equal (im_policy_calendar_for (policy, &gold, true),
                         "24x7");

    //  Escalation and acknowledgement timeout
    plain.priority = 1;
    payments.priority = 1;
    gold.priority = 3;
    assert_string_equal (im_policy_escalation_for (policy, &plain)->name,
                         "standard");
    assert_int_equal (im_policy_ack_timeout_for (policy, &plain), 1800000);
    assert_string_equal (im_policy_escalation_for (policy, &payments)->name,
                         "critical");
    assert_int_equal (im_policy_ack_timeout_for (policy, &payments), 600000);
    assert_string_equal (im_policy_escalation_for (policy, &gold)->name,
                         "critical");
    assert_int_equal (im_policy_ack_timeout_for (policy, &gold), 0);
    plain.priority = 5;
    assert_null (im_policy_escalation_for (policy, &plain));
    //  A service request never escalates
    request.priority = 1;
    assert_null (im_policy_escalation_for (policy, &request));
    assert_int_equal (im_policy_ack_timeout_for (policy, &request), 0);
}

static void
test_defaults_escalate_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int priority = 1; priority <= IM_PRIORITIES; priority++) {
        im_policy_subject_t subject = { false, priority, "payments", "gold" };
        assert_null (im_policy_escalation_for (f->policy, &subject));
        assert_int_equal (im_policy_ack_timeout_for (f->policy, &subject),
                          0);
        assert_string_equal (im_policy_calendar_for (f->policy, &subject,
                                                     true), "24x7");
        assert_string_equal (im_policy_calendar_for (f->policy, &subject,
                                                     false), "24x7");
    }
}

static void
test_bad_escalations_are_errors_at_their_line (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  A zero or negative number, a level paging no one, a name the
    //  policy does not know, no levels
    assert_int_equal (s_parse (f,
        "agents:\n  - {name: carol, roles: []}\n"
        "groups:\n  - {name: dba, tier: 2, agents: [carol]}\n"
        "escalations:\n"
        "  - name: a\n    repeat: 0\n    levels:\n"
        "      - {after: -5m, groups: [dba]}\n"
        "      - {after: 5m}\n"
        "      - {after: 5m, users: [dave], groups: [web]}\n"
        "      - {groups: [dba]}\n"
        "  - name: b\n    levels: []\n"
        "sla:\n  P1: {escalation: c, ack_timeout: 0m}\n"), IM_ECONFIG);
    s_assert_error (f, "desk.yaml:7:13: error: escalations[0].repeat: 0 is "
                       "out of range 1..100");
    s_assert_error (f, "desk.yaml:9:17: error: escalations[0].levels[0]."
                       "after: '-5m' is not a duration");
    s_assert_error (f, "desk.yaml:10:9: error: escalations[0].levels[1]: "
                       "pages no one");
    s_assert_error (f, "escalations[0].levels[2].users: no agent 'dave' in "
                       "the agents section");
    s_assert_error (f, "escalations[0].levels[2].groups: no group 'web' in "
                       "the groups section");
    s_assert_error (f, "desk.yaml:12:9: error: escalations[0].levels[3]: "
                       "missing after");
    s_assert_error (f, "escalations[1]: escalation policy 'b' needs at least "
                       "one level");
    s_assert_error (f, "desk.yaml:16:20: error: sla.P1: no escalation policy "
                       "'c' in the escalations section");
    s_assert_error (f, "sla.P1.ack_timeout: '0m' is not a duration");
    //  Nothing applied
    assert_int_equal (f->policy->escalations_n, 0);

    //  Without agents or groups sections, names cannot be checked
    assert_int_equal (s_parse (f,
        "escalations:\n  - name: a\n    levels:\n"
        "      - {after: 1s, users: [anyone], groups: [any]}\n"), 0);
}

static void
test_bad_overrides_are_errors_at_their_line (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_parse (f,
        "sla:\n  update_calendar: nowhere\n  overrides:\n"
        "    - {service: a, customer_group: b}\n"
        "    - {calendar: 24x7}\n"
        "    - {service: c, calendar: elsewhere, P2: {escalation: x}}\n"
        "    - {service: c}\n"
        "    - {customer_group: d, P1: {update_calendar: gone, "
        "colour: red}}\n"), IM_ECONFIG);
    s_assert_error (f, "desk.yaml:2:20: error: sla.update_calendar: no "
                       "calendar 'nowhere'");
    s_assert_error (f, "desk.yaml:4:7: error: sla.overrides[0]: give either "
                       "service or customer_group");
    s_assert_error (f, "desk.yaml:5:7: error: sla.overrides[1]: give either "
                       "service or customer_group");
    s_assert_error (f, "sla.overrides[2].calendar: no calendar 'elsewhere'");
    s_assert_error (f, "sla.overrides[2].P2: no escalation policy 'x'");
    s_assert_error (f, "desk.yaml:7:7: error: sla.overrides[3]: "
                       "overrides[2] already names service 'c'");
    s_assert_error (f, "sla.overrides[4].P1.update_calendar: no calendar "
                       "'gone'");
    s_assert_error (f, "sla.overrides[4].P1: unknown key 'colour'");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_escalation_policies_are_read),
        T (test_overrides_choose_the_rules),
        T (test_defaults_escalate_nothing),
        T (test_bad_escalations_are_errors_at_their_line),
        T (test_bad_overrides_are_errors_at_their_line),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
