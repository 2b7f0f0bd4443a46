/*  imw_sla_update - a major incident's update cadence in its calendar

    The state machine puts a major incident's next update a cadence
    after the last (or after the missed due time), 24x7: it reads no
    calendar. When the policy gives the cadence a calendar of its own
    (sla.update_calendar and its overrides), major.declared names it and
    the later events carry it, and the timer moves each due time to the
    cadence's working time in that calendar: it sends MAJOR schedule
    {due_ms, update_due_ms} (request id "sla:<seq>:major-schedule", one
    per event however many timers handle it) and arms the update clock
    only when the broker's major.update_scheduled records the new time.
    Under 24x7 nothing moves, as before.
*/
#include "imw_classes.h"

int
imw_sla_update_due (imw_sla_t *self, const im_event_t *event,
                    imw_output_t *out, uint64_t *due_p)
{
    assert (self && event && out && due_p);
    *due_p = 0;
    int64_t due = im_fields_int_or (event->payload, IM_KEY_UPDATE_DUE_MS, 0);
    if (due <= 0)
        return IM_EINVAL;
    const char *calendar = im_fields_str (event->payload,
                                          IM_KEY_UPDATE_CALENDAR);
    //  The due time it says: already in the calendar, or 24x7
    *due_p = (uint64_t) due;
    if (!calendar || streq (calendar, IM_POLICY_CALENDAR_24X7)
    ||  event->type == IM_EV_UPDATE_SCHEDULED)
        return 0;
    //  From the update (or the missed due time), one cadence on
    int64_t start = event->type == IM_EV_UPDATE_DUE
                  ? im_fields_int_or (event->payload, IM_KEY_DUE_MS, 0)
                  : (int64_t) event->ts_ms;
    if (start <= 0 || due <= start)
        return 0;
    uint64_t moved = 0;
    if (imw_calendars_add (imw_sla_calendars (self), calendar,
                           (uint64_t) start, (uint64_t) (due - start),
                           &moved)) {
        zsys_warning ("sla: incident %" PRIu64 ": no update due time in "
                      "calendar '%s', kept 24x7", event->incident, calendar);
        return 0;
    }
    if (moved <= (uint64_t) due)
        return 0;
    im_fields_t *args = imw_output_add (out, "MAJOR", event->incident,
                                        "major-schedule");
    if (!args
    ||  im_fields_set_str (args, IM_KEY_ACTION, "schedule")
    ||  im_fields_set_int (args, IM_KEY_DUE_MS, due)
    ||  im_fields_set_int (args, IM_KEY_UPDATE_DUE_MS, (int64_t) moved))
        return IM_ENOMEM;
    *due_p = 0;                     //  Armed when the broker records it
    return 0;
}
