/*  imw_sla_business - how long a clock ran, in working time, when it stops

    An SLA report sums how long clocks ran in their calendar, pauses
    excluded. Only the timer opens calendars, so it measures each clock
    when it stops it and sends the figure in SLA-STOP (business_ms): the
    log then holds the fact, and a report neither opens a calendar nor
    changes when a calendar is edited later.

    The timer remembers nothing for this. The event that stops a clock
    (incident.acknowledged, incident.resolved) carries what the state
    machine knows of it: its deadline, target and, while paused, the
    working time it had left, and the calendar's name. The working time
    the clock ran is its target less what was left when it stopped, and
    what was left is the working time from the stop to the deadline
    (pauses moved the deadline by their length, so they are excluded);
    a clock that stopped after its deadline ran the target and the
    working time since the deadline.
*/
#include "imw_classes.h"

int
imw_sla_business (imw_sla_t *self, const im_event_t *event,
                  const char *clock, uint64_t *business_ms)
{
    assert (self && event && clock && business_ms);
    if (!event->payload)
        return IM_ENOTFOUND;
    char key [48];
    snprintf (key, sizeof key, "sla_%s_target_ms", clock);
    int64_t target = im_fields_int_or (event->payload, key, 0);
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    int64_t due = im_fields_int_or (event->payload, key, 0);
    snprintf (key, sizeof key, "sla_%s_remaining_ms", clock);
    int64_t remaining = im_fields_int_or (event->payload, key, -1);
    if (target <= 0 || due <= 0)
        return IM_ENOTFOUND;        //  Not running, or started before
                                    //  targets were recorded
    if (remaining >= 0) {           //  Paused: what it had left
        *business_ms = remaining < target ? (uint64_t) (target - remaining)
                                          : 0;
        return 0;
    }
    const char *calendar = im_fields_str_or (event->payload,
                                             IM_KEY_SLA_CALENDAR,
                                             IM_POLICY_CALENDAR_24X7);
    uint64_t at = event->ts_ms;
    uint64_t between = 0;
    if (imw_calendars_elapsed (imw_sla_calendars (self), calendar,
                               at <= (uint64_t) due ? at : (uint64_t) due,
                               at <= (uint64_t) due ? (uint64_t) due : at,
                               &between))
        return IM_EINVAL;
    if (at <= (uint64_t) due)
        *business_ms = between < (uint64_t) target
                     ? (uint64_t) target - between : 0;
    else
        *business_ms = (uint64_t) target + between;
    return 0;
}
