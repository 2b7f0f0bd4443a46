/*  imw_sla_hold - the SLA timer pauses clocks while an incident waits

    An incident pended for a reason the policy lists in sla.pause_on
    (waiting on the caller or a vendor, by default) stops its running
    SLA clocks: the timer sends SLA-PAUSE with the working time each had
    left, measured in its calendar from the pause to its deadline. When
    the incident is resumed, the timer sends SLA-RESUME with the new
    deadline: that working time after the resume, so the time spent
    waiting (and the hours the office was closed meanwhile) is added.

    The timer needs to remember nothing for this: the state machine
    puts each running clock's deadline and the calendar's name into
    incident.pending, and each paused clock's working time left into
    incident.resumed. Request ids come from the event's seq, so two
    timers handling the same event send the same request, recorded once.
*/
#include "imw_classes.h"

static const char *s_clocks [2] = { "response", "resolution" };

//  Appends SLA-PAUSE for every running clock the pending event names
static int
s_on_pending (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    const char *reason = im_fields_str (event->payload, IM_KEY_REASON);
    if (!im_policy_pauses (imw_sla_policy (self), reason))
        return 0;
    const char *calendar = im_fields_str_or (event->payload,
                                             IM_KEY_SLA_CALENDAR,
                                             IM_POLICY_CALENDAR_24X7);
    for (int index = 0; index < 2; index++) {
        char key [48];
        snprintf (key, sizeof key, "sla_%s_due_ms", s_clocks [index]);
        int64_t due = im_fields_int_or (event->payload, key, 0);
        if (due <= (int64_t) event->ts_ms)
            continue;               //  Not running, or due: it breaches
        uint64_t remaining = 0;
        if (imw_calendars_elapsed (imw_sla_calendars (self), calendar,
                                   event->ts_ms, (uint64_t) due,
                                   &remaining)) {
            zsys_error ("sla: incident %" PRIu64 ": calendar '%s' unknown, "
                        "the %s clock keeps running", event->incident,
                        calendar, s_clocks [index]);
            continue;
        }
        if (remaining == 0)
            continue;               //  No working time left: it breaches
        char action [32];
        snprintf (action, sizeof action, "sla-pause-%s", s_clocks [index]);
        im_fields_t *args = imw_output_add (out, "SLA-PAUSE", event->incident,
                                            action);
        if (!args
        ||  im_fields_set_str (args, IM_KEY_CLOCK, s_clocks [index])
        ||  im_fields_set_int (args, IM_KEY_AT_MS, (int64_t) event->ts_ms)
        ||  im_fields_set_int (args, IM_KEY_REMAINING_MS, (int64_t) remaining))
            return IM_ENOMEM;
    }
    return 0;
}

//  Places the warnings of clock the resumed event lists (not given yet)
//  after the resume, into text ("" when there are none). Returns 0 or
//  IM_EINVAL.
static int
s_warnings (imw_sla_t *self, const im_event_t *event, const char *clock,
            const char *calendar, uint64_t remaining, char *text,
            size_t size)
{
    char key [48];
    snprintf (key, sizeof key, "sla_%s_warnings", clock);
    im_warning_t listed [IM_WARNINGS_MAX];
    size_t count = 0;
    if (im_warnings_parse (im_fields_str_or (event->payload, key, ""),
                           listed, &count) || count == 0)
        return 0;
    snprintf (key, sizeof key, "sla_%s_target_ms", clock);
    int64_t target = im_fields_int_or (event->payload, key, 0);
    if (target <= 0)
        return IM_EINVAL;
    int percents [IM_WARNINGS_MAX];
    for (size_t index = 0; index < count; index++)
        percents [index] = listed [index].percent;
    return imw_sla_warnings (self, calendar, event->ts_ms, (uint64_t) target,
                             remaining, percents, count, text, size);
}

//  Appends SLA-RESUME for every paused clock the resumed event names
static int
s_on_resumed (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    const char *calendar = im_fields_str_or (event->payload,
                                             IM_KEY_SLA_CALENDAR,
                                             IM_POLICY_CALENDAR_24X7);
    for (int index = 0; index < 2; index++) {
        char key [48];
        snprintf (key, sizeof key, "sla_%s_remaining_ms", s_clocks [index]);
        int64_t remaining = im_fields_int_or (event->payload, key, 0);
        if (remaining <= 0)
            continue;
        uint64_t due = 0;
        if (imw_calendars_add (imw_sla_calendars (self), calendar,
                               event->ts_ms, (uint64_t) remaining, &due)) {
            //  Without its calendar the clock resumes 24x7 rather than
            //  stay paused for good
            zsys_error ("sla: incident %" PRIu64 ": calendar '%s' unknown, "
                        "the %s clock resumes 24x7", event->incident,
                        calendar, s_clocks [index]);
            due = event->ts_ms + (uint64_t) remaining;
        }
        //  The warnings not given yet move with the deadline
        char warnings [IM_WARNINGS_TEXT] = "";
        if (s_warnings (self, event, s_clocks [index], calendar,
                        (uint64_t) remaining, warnings, sizeof warnings))
            zsys_warning ("sla: incident %" PRIu64 ": the %s clock's "
                          "warnings are dropped", event->incident,
                          s_clocks [index]);
        char action [32];
        snprintf (action, sizeof action, "sla-resume-%s", s_clocks [index]);
        im_fields_t *args = imw_output_add (out, "SLA-RESUME",
                                            event->incident, action);
        if (!args
        ||  im_fields_set_str (args, IM_KEY_CLOCK, s_clocks [index])
        ||  im_fields_set_int (args, IM_KEY_AT_MS, (int64_t) event->ts_ms)
        ||  im_fields_set_int (args, IM_KEY_DUE_MS, (int64_t) due)
        ||  (*warnings && im_fields_set_str (args, IM_KEY_WARNINGS, warnings)))
            return IM_ENOMEM;
    }
    return 0;
}

int
imw_sla_hold (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    assert (self && event && out);
    switch (event->type) {
        case IM_EV_PENDING:
            return s_on_pending (self, event, out);
        case IM_EV_RESUMED:
            return s_on_resumed (self, event, out);
        case IM_EV_SLA_PAUSED: {
            const char *clock = im_fields_str_or (event->payload,
                                                  IM_KEY_CLOCK, "");
            imw_sla_disarm (self, event->incident, clock);
            return imw_sla_arm_next (self, event->incident, clock, NULL);
        }
        case IM_EV_SLA_RESUMED: {
            const char *clock = im_fields_str_or (event->payload,
                                                  IM_KEY_CLOCK, "");
            int64_t due = im_fields_int_or (event->payload, IM_KEY_DUE_MS, 0);
            int rc = due > 0 ? imw_sla_arm (self, event->incident, clock,
                                            (uint64_t) due, 0)
                             : IM_EINVAL;
            if (rc == 0)
                rc = imw_sla_arm_next (self, event->incident, clock,
                                       im_fields_str (event->payload,
                                                      IM_KEY_WARNINGS));
            return rc;
        }
        default:
            return 0;
    }
}
