/*  test_imw_sla_calendar - the SLA timer's clocks in business hours

    The policy is parsed from YAML by the real parser, and deadlines
    come from ICU through im_calendar: the expected instants are worked
    out by hand from the calendar's hours, not by the code under test.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

//  Friday 2026-12-04 17:00 in Berlin (16:00 UTC), an hour before the
//  office closes for the weekend
#define FRIDAY_1700     ((uint64_t) 1796400000000)
#define HOUR            ((uint64_t) 3600000)

static const char *s_policy_text =
    "sla:\n"
    "  calendar: office\n"
    "  P1: {response: 15m, resolution: 4h, calendar: 24x7}\n"
    "  P3: {response: 4h, resolution: 20h}\n"
    "calendars:\n"
    "  - name: office\n"
    "    zone: Europe/Berlin\n"
    "    hours: {mon-fri: \"08:00-18:00\"}\n"
    "  - {name: shop, always: true}\n"
    "  - name: support\n"
    "    zone: UTC\n"
    "    hours: {mon-sat: \"06:00-22:00\"}\n";

//  The same desk, with a service and a customer group that differ
static const char *s_overrides_text =
    "  overrides:\n"
    "    - {service: payments, calendar: shop, update_calendar: office}\n"
    "    - {customer_group: gold, P3: {calendar: support}}\n";

typedef struct {
    im_policy_t *policy;                //  Parsed from s_policy_text
    imw_sla_t *sla;                     //  Role under test
    imw_output_t *out;                  //  What it asks to send
    im_event_t *event;                  //  Event fed to it
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->policy = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    assert_non_null (f->policy);
    im_policy_defaults (f->policy);
    char errbuf [1024] = "";
    if (im_policy_parse (f->policy, "office.yaml", s_policy_text, 1, errbuf,
                         sizeof errbuf))
        fail_msg ("policy: %s", errbuf);
    f->sla = imw_sla_new (f->policy);
    f->out = imw_output_new ();
    f->event = im_event_new ();
    assert_non_null (f->sla);
    assert_non_null (f->out);
    assert_non_null (f->event);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    imw_output_destroy (&f->out);
    imw_sla_destroy (&f->sla);
    free (f->policy);
    free (f);
    return 0;
}

//  Sets the event's header and clears its payload and the output
static void
s_event (fixture_t *f, im_event_type_t type, uint64_t incident,
         uint64_t ts_ms)
{
    f->event->type = type;
    f->event->incident = incident;
    f->event->seq = 10;
    f->event->ts_ms = ts_ms;
    im_fields_clear (f->event->payload);
    imw_output_clear (f->out);
}

//  Feeds incident.classified with priority at ts_ms; returns SLA-START's
//  arguments (borrowed from the output)
static const im_fields_t *
s_classify (fixture_t *f, uint64_t incident, int priority, uint64_t ts_ms)
{
    s_event (f, IM_EV_CLASSIFIED, incident, ts_ms);
    im_fields_set_int (f->event->payload, "priority", priority);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-START");
    return imw_output_args (f->out, 0);
}

static void
test_a_deadline_crosses_the_weekend (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_fields_t *args = s_classify (f, 7, 3, FRIDAY_1700);
    assert_string_equal (im_fields_str (args, "calendar"), "office");
    //  Response, 4 working hours: one on Friday, three on Monday from
    //  08:00, so Monday 11:00 in Berlin, 10:00 UTC
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      FRIDAY_1700 + 66 * HOUR);
    //  Resolution, 20 working hours: 1 Friday, 10 Monday, 9 Tuesday, so
    //  Tuesday 17:00 in Berlin
    assert_int_equal (im_fields_int_or (args, "resolution_due_ms", 0),
                      FRIDAY_1700 + 4 * 24 * HOUR);
    assert_int_equal (imw_sla_due (f->sla, 7, "response"),
                      FRIDAY_1700 + 66 * HOUR);

    //  P1 names 24x7: the plain sum
    args = s_classify (f, 8, 1, FRIDAY_1700);
    assert_string_equal (im_fields_str (args, "calendar"), "24x7");
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      FRIDAY_1700 + 15 * 60000);
    assert_int_equal (im_fields_int_or (args, "resolution_due_ms", 0),
                      FRIDAY_1700 + 4 * HOUR);

    //  Breach on Monday after 10:00 UTC (and the grace), not on Friday
    //  night when 4 hours of wall time have passed
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, FRIDAY_1700 + 5 * HOUR, f->out),
                      0);
    for (size_t index = 0; index < imw_output_size (f->out); index++)
        assert_int_not_equal (imw_output_incident (f->out, index), 7);
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, FRIDAY_1700 + 66 * HOUR
                                            + IMW_SLA_GRACE_MS, f->out), 0);
    bool breached = false;
    for (size_t index = 0; index < imw_output_size (f->out); index++)
        if (imw_output_incident (f->out, index) == 7
        &&  streq (imw_output_verb (f->out, index), "SLA-BREACH"))
            breached = true;
    assert_true (breached);
}

//  A policy applied later changes the calendar: the timer follows it
static void
test_a_changed_calendar_is_followed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 9, 3, FRIDAY_1700);
    char errbuf [1024] = "";
    const char *later =
        "sla:\n  calendar: office\n  P3: {response: 4h, resolution: 20h}\n"
        "calendars:\n  - name: office\n    zone: Europe/Berlin\n"
        "    hours: {mon-sat: \"08:00-18:00\"}\n";
    assert_int_equal (im_policy_parse (f->policy, "office.yaml", later, 2,
                                       errbuf, sizeof errbuf), 0);
    const im_fields_t *args = s_classify (f, 10, 3, FRIDAY_1700);
    //  Saturday is a working day now: 1 hour Friday, 3 on Saturday
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      FRIDAY_1700 + 18 * HOUR);
}

//  Pending for a reason that pauses: SLA-PAUSE with the working time
//  left; resumed: SLA-RESUME with that time after the resume
static void
test_pause_and_resume_add_the_time_spent_waiting (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  A P1 (24x7): response due at +15m, pended at +5m
    s_classify (f, 11, 1, FRIDAY_1700);
    uint64_t due = imw_sla_due (f->sla, 11, "response");
    assert_int_equal (due, FRIDAY_1700 + 15 * 60000);
    s_event (f, IM_EV_PENDING, 11, FRIDAY_1700 + 5 * 60000);
    im_fields_set_str (f->event->payload, "reason", "awaiting_caller");
    im_fields_set_int (f->event->payload, "sla_response_due_ms",
                       (int64_t) due);
    im_fields_set_str (f->event->payload, "sla_calendar", "24x7");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-PAUSE");
    assert_string_equal (imw_output_key (f->out, 0), "sla-pause-response");
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "clock"), "response");
    assert_int_equal (im_fields_int_or (args, "at_ms", 0),
                      FRIDAY_1700 + 5 * 60000);
    assert_int_equal (im_fields_int_or (args, "remaining_ms", 0), 10 * 60000);

    //  Recorded: the clock is disarmed, and nothing breaches meanwhile
    s_event (f, IM_EV_SLA_PAUSED, 11, FRIDAY_1700 + 5 * 60000);
    im_fields_set_str (f->event->payload, "clock", "response");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 11, "response"), 0);
    assert_int_equal (imw_sla_tick (f->sla, FRIDAY_1700 + HOUR, f->out), 0);
    for (size_t index = 0; index < imw_output_size (f->out); index++)
        assert_false (imw_output_incident (f->out, index) == 11
                      && streq (im_fields_str (imw_output_args (f->out,
                                                                index),
                                               "clock"), "response"));

    //  Resumed an hour after it was pended: due 10 minutes later
    s_event (f, IM_EV_RESUMED, 11, FRIDAY_1700 + 65 * 60000);
    im_fields_set_int (f->event->payload, "sla_response_remaining_ms",
                       10 * 60000);
    im_fields_set_str (f->event->payload, "sla_calendar", "24x7");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-RESUME");
    args = imw_output_args (f->out, 0);
    assert_int_equal (im_fields_int_or (args, "at_ms", 0),
                      FRIDAY_1700 + 65 * 60000);
    assert_int_equal (im_fields_int_or (args, "due_ms", 0),
                      FRIDAY_1700 + 75 * 60000);
    s_event (f, IM_EV_SLA_RESUMED, 11, FRIDAY_1700 + 65 * 60000);
    im_fields_set_str (f->event->payload, "clock", "response");
    im_fields_set_int (f->event->payload, "due_ms",
                       (int64_t) (FRIDAY_1700 + 75 * 60000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 11, "response"),
                      FRIDAY_1700 + 75 * 60000);

    //  In business hours: pended on Friday at 17:00 with the response
    //  due on Monday at 11:00 Berlin, 4 working hours left; resumed on
    //  Monday at 09:00 Berlin, so due at 13:00 (12:00 UTC)
    s_event (f, IM_EV_PENDING, 7, FRIDAY_1700);
    im_fields_set_str (f->event->payload, "reason", "awaiting_vendor");
    im_fields_set_int (f->event->payload, "sla_response_due_ms",
                       (int64_t) (FRIDAY_1700 + 66 * HOUR));
    im_fields_set_str (f->event->payload, "sla_calendar", "office");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (im_fields_int_or (imw_output_args (f->out, 0),
                                        "remaining_ms", 0), 4 * HOUR);
    s_event (f, IM_EV_RESUMED, 7, FRIDAY_1700 + 64 * HOUR);
    im_fields_set_int (f->event->payload, "sla_response_remaining_ms",
                       (int64_t) (4 * HOUR));
    im_fields_set_str (f->event->payload, "sla_calendar", "office");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (im_fields_int_or (imw_output_args (f->out, 0),
                                        "due_ms", 0),
                      FRIDAY_1700 + 68 * HOUR);

    //  A reason the policy does not list keeps the clocks running
    s_event (f, IM_EV_PENDING, 11, FRIDAY_1700 + 70 * 60000);
    im_fields_set_str (f->event->payload, "reason", "awaiting_change");
    im_fields_set_int (f->event->payload, "sla_response_due_ms",
                       (int64_t) (FRIDAY_1700 + 75 * 60000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
}

//  Warnings at 50 % and 75 % of each target, in business time, each
//  sent once
static void
test_warnings_fire_once_at_their_fractions (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_fields_t *args = s_classify (f, 7, 3, FRIDAY_1700);
    //  Response 4 working hours: 2 hours in is Monday 09:00 Berlin, 3
    //  hours in Monday 10:00
    char expected [128];
    snprintf (expected, sizeof expected, "50:%" PRIu64 ",75:%" PRIu64,
              FRIDAY_1700 + 64 * HOUR, FRIDAY_1700 + 65 * HOUR);
    assert_string_equal (im_fields_str (args, "response_warnings"), expected);
    assert_int_equal (im_fields_int_or (args, "response_target_ms", 0),
                      4 * HOUR);
    assert_int_equal (imw_sla_due (f->sla, 7, "warn-response"),
                      FRIDAY_1700 + 64 * HOUR);

    uint64_t first = FRIDAY_1700 + 64 * HOUR;
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, first + IMW_SLA_GRACE_MS - 1,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_tick (f->sla, first + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-WARN");
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id,
              "sla:warn:7:warn-response:%" PRIu64 ":50", first);
    assert_string_equal (imw_output_key (f->out, 0), request_id);
    args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "clock"), "response");
    assert_int_equal (im_fields_int_or (args, "fraction", 0), 50);
    assert_int_equal (im_fields_int_or (args, "due_ms", 0), first);
    //  Sent: not again
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, first + 2 * IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);

    //  Recorded: sla.warning names the warnings left, and the next is
    //  armed
    s_event (f, IM_EV_SLA_WARNING, 7, first + IMW_SLA_GRACE_MS);
    im_fields_set_str (f->event->payload, "clock", "response");
    im_fields_set_int (f->event->payload, "fraction", 50);
    snprintf (expected, sizeof expected, "75:%" PRIu64,
              FRIDAY_1700 + 65 * HOUR);
    im_fields_set_str (f->event->payload, "warnings", expected);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 7, "warn-response"),
                      FRIDAY_1700 + 65 * HOUR);
    assert_int_equal (imw_sla_tick (f->sla, FRIDAY_1700 + 65 * HOUR
                                            + IMW_SLA_GRACE_MS, f->out), 0);
    bool warned = false;
    for (size_t index = 0; index < imw_output_size (f->out); index++)
        if (streq (imw_output_verb (f->out, index), "SLA-WARN")
        &&  im_fields_int_or (imw_output_args (f->out, index), "fraction",
                              0) == 75)
            warned = true;
    assert_true (warned);
    //  The last one recorded: no warning clock left
    s_event (f, IM_EV_SLA_WARNING, 7, FRIDAY_1700 + 65 * HOUR);
    im_fields_set_str (f->event->payload, "clock", "response");
    im_fields_set_int (f->event->payload, "fraction", 75);
    im_fields_set_str (f->event->payload, "warnings", "");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 7, "warn-response"), 0);
}

//  A resume places the warnings not given yet after it, as it does the
//  deadline
static void
test_a_resume_moves_the_warnings (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  P1, 24x7, response 15 minutes: paused at +5m with 10 left,
    //  resumed at +65m; 50 % is due when 7.5 minutes are left, 2.5
    //  minutes after the resume, 75 % when 3.75 are left
    s_event (f, IM_EV_RESUMED, 11, FRIDAY_1700 + 65 * 60000);
    im_fields_set_int (f->event->payload, "sla_response_remaining_ms",
                       10 * 60000);
    im_fields_set_int (f->event->payload, "sla_response_target_ms",
                       15 * 60000);
    im_fields_set_str (f->event->payload, "sla_response_warnings",
                       "50:1796400450000,75:1796400675000");
    im_fields_set_str (f->event->payload, "sla_calendar", "24x7");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    const im_fields_t *args = imw_output_args (f->out, 0);
    char expected [128];
    snprintf (expected, sizeof expected, "50:%" PRIu64 ",75:%" PRIu64,
              FRIDAY_1700 + 67 * 60000 + 30000,
              FRIDAY_1700 + 71 * 60000 + 15000);
    assert_string_equal (im_fields_str (args, "warnings"), expected);
    assert_int_equal (im_fields_int_or (args, "due_ms", 0),
                      FRIDAY_1700 + 75 * 60000);
}

//  After a restart, SLA-CLOCKS lists each running clock's next warning
//  with its fraction: restored, it warns as before; one without its
//  fraction, or a fraction on a clock that is no warning, is skipped
static void
test_restored_warnings_fire (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zlist_t *items = zlist_new ();
    im_fields_t *warning = im_fields_new ();
    im_fields_set_int (warning, "incident", 12);
    im_fields_set_str (warning, "clock", "warn-resolution");
    im_fields_set_int (warning, "due_ms", (int64_t) FRIDAY_1700);
    im_fields_set_int (warning, "fraction", 75);
    im_fields_t *no_fraction = im_fields_dup (warning);
    im_fields_remove (no_fraction, "fraction");
    im_fields_set_int (no_fraction, "incident", 13);
    im_fields_t *not_warning = im_fields_dup (warning);
    im_fields_set_str (not_warning, "clock", "resolution");
    im_fields_set_int (not_warning, "incident", 14);
    zlist_append (items, warning);
    zlist_append (items, no_fraction);
    zlist_append (items, not_warning);
    assert_int_equal (imw_sla_restore (f->sla, items), 1);
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, FRIDAY_1700 + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-WARN");
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "clock"), "resolution");
    assert_int_equal (im_fields_int_or (args, "fraction", 0), 75);
    //  Answered: forgotten
    imw_sla_answered (f->sla, imw_output_key (f->out, 0), 200);
    assert_int_equal (imw_sla_due (f->sla, 12, "warn-resolution"), 0);
    im_fields_destroy (&warning);
    im_fields_destroy (&no_fraction);
    im_fields_destroy (&not_warning);
    zlist_destroy (&items);
}

//  Feeds incident.acknowledged at ts_ms with the response clock's facts
//  (target 4 h, due Monday 11:00 in Berlin, remaining_ms when >= 0, in
//  calendar); returns SLA-STOP's business_ms, -1 when it has none
static int64_t
s_ack_business (fixture_t *f, uint64_t ts_ms, int64_t remaining,
                const char *calendar)
{
    imw_output_clear (f->out);
    s_event (f, IM_EV_ACKNOWLEDGED, 7, ts_ms);
    if (calendar) {
        im_fields_set_int (f->event->payload, "sla_response_due_ms",
                           (int64_t) (FRIDAY_1700 + 66 * HOUR));
        im_fields_set_int (f->event->payload, "sla_response_target_ms",
                           (int64_t) (4 * HOUR));
        im_fields_set_str (f->event->payload, "sla_calendar", calendar);
    }
    if (remaining >= 0)
        im_fields_set_int (f->event->payload, "sla_response_remaining_ms",
                           remaining);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-STOP");
    return im_fields_int_or (imw_output_args (f->out, 0), "business_ms", -1);
}

//  The working time a clock ran is measured in its calendar when it
//  stops: the hours the office was closed do not count
static void
test_a_stop_measures_the_working_time_the_clock_ran (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Monday 09:00 in Berlin: an hour on Friday and one on Monday
    assert_int_equal (s_ack_business (f, FRIDAY_1700 + 64 * HOUR, -1,
                                      "office"), 2 * HOUR);
    //  Monday 12:30, 90 minutes past the deadline: the target and those
    assert_int_equal (s_ack_business (f, FRIDAY_1700 + 67 * HOUR
                                         + HOUR / 2, -1, "office"),
                      4 * HOUR + 90 * 60000);
    //  Stopped while paused with 3 h left: ran 1 h, whenever it stops
    assert_int_equal (s_ack_business (f, FRIDAY_1700 + 200 * HOUR,
                                      3 * (int64_t) HOUR, "office"), HOUR);
    //  24x7: wall time, 66 h before the deadline is none of the target
    assert_int_equal (s_ack_business (f, FRIDAY_1700, -1, "24x7"), 0);
    //  Nothing to measure with, or a calendar the policy lacks: the stop
    //  goes without a figure
    assert_int_equal (s_ack_business (f, FRIDAY_1700, -1, NULL), -1);
    assert_int_equal (s_ack_business (f, FRIDAY_1700, -1, "moon"), -1);
}

//  Parses s_policy_text with s_overrides_text inserted after its sla
//  section's priorities
static void
s_use_overrides (fixture_t *f)
{
    char text [2048];
    const char *at = strstr (s_policy_text, "calendars:");
    assert_non_null (at);
    snprintf (text, sizeof text, "%.*s%s%s", (int) (at - s_policy_text),
              s_policy_text, s_overrides_text, at);
    char errbuf [1024] = "";
    if (im_policy_parse (f->policy, "office.yaml", text, 2, errbuf,
                         sizeof errbuf))
        fail_msg ("policy: %s", errbuf);
}

static void
test_the_calendar_follows_service_and_customer_group (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_use_overrides (f);
    //  A payments incident: its override's calendar, 24x7
    s_event (f, IM_EV_CLASSIFIED, 7, FRIDAY_1700);
    im_fields_set_int (f->event->payload, "priority", 3);
    im_fields_set_str (f->event->payload, "service", "payments");
    im_fields_set_str (f->event->payload, "customer_group", "gold");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "calendar"), "shop");
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      FRIDAY_1700 + 4 * HOUR);
    //  A gold customer's P3 elsewhere: support hours, 06:00-22:00 UTC
    //  Monday to Saturday: 4 h from Friday 16:00 UTC end at 20:00
    s_event (f, IM_EV_CLASSIFIED, 8, FRIDAY_1700);
    im_fields_set_int (f->event->payload, "priority", 3);
    im_fields_set_str (f->event->payload, "service", "mail");
    im_fields_set_str (f->event->payload, "customer_group", "gold");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "calendar"), "support");
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      FRIDAY_1700 + 4 * HOUR);
    //  Resolution, 20 h: 6 on Friday, 16 on Saturday: Saturday 20:00
    assert_int_equal (im_fields_int_or (args, "resolution_due_ms", 0),
                      FRIDAY_1700 + 28 * HOUR);
    //  Neither: the sla section's office hours
    s_event (f, IM_EV_CLASSIFIED, 9, FRIDAY_1700);
    im_fields_set_int (f->event->payload, "priority", 3);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_string_equal (im_fields_str (imw_output_args (f->out, 0),
                                        "calendar"), "office");
}

static void
test_a_major_update_is_moved_into_its_calendar (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Declared Friday 17:00 in Berlin with a 2 h cadence, updates in
    //  office hours: one hour on Friday, one on Monday from 08:00
    s_event (f, IM_EV_MAJOR_DECLARED, 7, FRIDAY_1700);
    im_fields_set_int (f->event->payload, "cadence_ms", (int64_t) (2 * HOUR));
    im_fields_set_int (f->event->payload, "update_due_ms",
                       (int64_t) (FRIDAY_1700 + 2 * HOUR));
    im_fields_set_str (f->event->payload, "update_calendar", "office");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    uint64_t monday_0900 = FRIDAY_1700 + 64 * HOUR;
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "MAJOR");
    assert_string_equal (imw_output_key (f->out, 0), "major-schedule");
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "action"), "schedule");
    assert_int_equal (im_fields_int_or (args, "due_ms", 0),
                      FRIDAY_1700 + 2 * HOUR);
    assert_int_equal (im_fields_int_or (args, "update_due_ms", 0),
                      monday_0900);
    //  Not armed at the 24x7 time: no reminder on Friday night
    assert_int_equal (imw_sla_due (f->sla, 7, "update"), 0);
    s_event (f, IM_EV_UPDATE_SCHEDULED, 7, FRIDAY_1700 + 1);
    im_fields_set_int (f->event->payload, "due_ms",
                       (int64_t) (FRIDAY_1700 + 2 * HOUR));
    im_fields_set_int (f->event->payload, "update_due_ms",
                       (int64_t) monday_0900);
    im_fields_set_str (f->event->payload, "update_calendar", "office");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 7, "update"), monday_0900);
    //  The missed update on Monday: the next, 2 h after 09:00, is in
    //  hours already, so nothing moves
    s_event (f, IM_EV_UPDATE_DUE, 7, monday_0900 + 1000);
    im_fields_set_int (f->event->payload, "due_ms", (int64_t) monday_0900);
    im_fields_set_int (f->event->payload, "update_due_ms",
                       (int64_t) (monday_0900 + 2 * HOUR));
    im_fields_set_str (f->event->payload, "update_calendar", "office");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 7, "update"),
                      monday_0900 + 2 * HOUR);
    //  24x7 (no update_calendar): armed as the state machine says
    s_event (f, IM_EV_MAJOR_DECLARED, 8, FRIDAY_1700);
    im_fields_set_int (f->event->payload, "update_due_ms",
                       (int64_t) (FRIDAY_1700 + 2 * HOUR));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 8, "update"),
                      FRIDAY_1700 + 2 * HOUR);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_a_deadline_crosses_the_weekend),
        T (test_a_changed_calendar_is_followed),
        T (test_pause_and_resume_add_the_time_spent_waiting),
        T (test_warnings_fire_once_at_their_fractions),
        T (test_a_resume_moves_the_warnings),
        T (test_restored_warnings_fire),
        T (test_a_stop_measures_the_working_time_the_clock_ran),
        T (test_the_calendar_follows_service_and_customer_group),
        T (test_a_major_update_is_moved_into_its_calendar),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
