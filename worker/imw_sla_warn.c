/*  imw_sla_warn - the SLA timer warns before a clock breaches

    A clock warns at fractions of its target (sla.warn_at, 50 % and
    75 % by default): when that share of the target's working time has
    passed, in the clock's calendar. The timer computes the instants
    when the clock starts and again when it resumes (a pause moves them
    as it moves the deadline) and records them with SLA-START and
    SLA-RESUME, so the state machine keeps the warnings not given yet
    in the projection and the next one in the deadlines index, and a
    timer that restarts finds it with SLA-CLOCKS.

    Each warning clock holds the next warning of one SLA clock, named
    "warn-response" or "warn-resolution": when it is due the timer sends
    SLA-WARN {clock, fraction, due_ms} with request id
    "sla:warn:<incident>:warn-<clock>:<due_ms>:<fraction>", so two
    timers or a resend record it once, and sla.warning names the
    warnings left, which arms the next one.
*/
#include "imw_classes.h"

int
imw_sla_warnings (imw_sla_t *self, const char *calendar, uint64_t start_ms,
                  uint64_t target_ms, uint64_t left_ms, const int *percents,
                  size_t count, char *text, size_t size)
{
    assert (self && calendar && text);
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t made = 0;
    for (size_t index = 0; index < count && made < IM_WARNINGS_MAX;
         index++) {
        int percent = percents [index];
        if (percent < 1 || percent > 99)
            continue;
        //  Working time from start_ms to the warning: what is left, less
        //  what must still be left when it is due
        uint64_t still = target_ms / 100 * (uint64_t) (100 - percent)
                       + target_ms % 100 * (uint64_t) (100 - percent) / 100;
        uint64_t at_ms = start_ms;
        if (left_ms > still
        &&  imw_calendars_add (imw_sla_calendars (self), calendar, start_ms,
                               left_ms - still, &at_ms))
            return IM_EINVAL;
        warnings [made].percent = percent;
        warnings [made].at_ms = (int64_t) at_ms;
        made++;
    }
    return im_warnings_format (warnings, made, text, size) ? IM_EINVAL : 0;
}

const char *
imw_sla_warned_clock (const char *warning_clock)
{
    assert (warning_clock);
    return streq (warning_clock, IMW_SLA_WARN_RESPONSE) ? IMW_SLA_RESPONSE
                                                        : IMW_SLA_RESOLUTION;
}

int
imw_sla_arm_next (imw_sla_t *self, uint64_t incident, const char *clock,
                  const char *warnings)
{
    assert (self && clock);
    const char *warning_clock = streq (clock, IMW_SLA_RESPONSE)
        ? IMW_SLA_WARN_RESPONSE
        : streq (clock, IMW_SLA_RESOLUTION) ? IMW_SLA_WARN_RESOLUTION : NULL;
    if (!warning_clock)
        return 0;                   //  close and update do not warn
    im_warning_t next;
    if (!warnings || !im_warnings_next (warnings, &next)) {
        imw_sla_disarm (self, incident, warning_clock);
        return 0;
    }
    int rc = imw_sla_arm_warning (self, incident, warning_clock,
                                  (uint64_t) next.at_ms, 0, next.percent);
    return rc == IM_EINVAL ? 0 : rc;
}
