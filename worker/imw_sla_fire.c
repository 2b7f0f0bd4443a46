/*  imw_sla_fire - the command the SLA timer sends for a due clock

    A due close clock closes the incident (CLOSE), a due update clock
    reminds the commander of a major incident (MAJOR remind), a due
    warning clock warns (SLA-WARN), the escalation and acknowledgement
    timeout clocks are imw_sla_escalate.c's, and the others breach
    (SLA-BREACH),
    each under a request id that names the clock and its deadline, so
    every instance that fires the same clock sends the same request
    (imw_sla.h). Kept apart from the storage of the clocks and the
    events that arm them, in imw_sla.c.
*/
#include "imw_classes.h"

int
imw_sla_fire (const imw_timer_t *timer, imw_output_t *out)
{
    assert (timer && out);
    const char *clock = im_clock_name (timer->kind);
    if (imw_sla_escalate_owns (clock))
        return imw_sla_escalate_fire (timer->incident, clock, timer->due_ms,
                                      out);
    const char *verb = "SLA-BREACH", *action = "breach";
    if (streq (clock, IMW_SLA_CLOSE)) {
        verb = "CLOSE";
        action = "close";
    }
    else
    if (streq (clock, IMW_SLA_UPDATE)) {
        verb = "MAJOR";
        action = "remind";
    }
    else
    if (timer->fraction) {
        verb = "SLA-WARN";
        action = "warn";
    }
    //  A warning's id also names its fraction: one per clock and
    //  fraction however many timers send it
    char request_id [IM_REQUEST_ID_MAX];
    int length = snprintf (request_id, sizeof request_id,
                           "sla:%s:%" PRIu64 ":%s:%" PRIu64, action,
                           timer->incident, clock, timer->due_ms);
    if (timer->fraction && length > 0 && (size_t) length < sizeof request_id)
        snprintf (request_id + length, sizeof request_id - (size_t) length,
                  ":%d", timer->fraction);
    im_fields_t *args = imw_output_add (out, verb, timer->incident,
                                        request_id);
    bool breach = streq (action, "breach");
    bool warn = streq (action, "warn");
    if (!args
    ||  (breach && im_fields_set_str (args, IM_KEY_CLOCK, clock))
    ||  (warn && im_fields_set_str (args, IM_KEY_CLOCK,
                                    imw_sla_warned_clock (clock)))
    ||  (warn && im_fields_set_int (args, IM_KEY_FRACTION, timer->fraction))
    ||  (streq (action, "remind")
         && im_fields_set_str (args, IM_KEY_ACTION, "remind"))
    ||  im_fields_set_int (args, IM_KEY_DUE_MS, (int64_t) timer->due_ms))
        return IM_ENOMEM;
    return 0;
}
