/*  imw_sla_escalate - the SLA timer's escalation and acknowledgement
    timeout clocks

    The state machine plans an incident's escalation (the steps of its
    escalation policy, common/core/imc_decide_sla_escalate.c) and keeps
    the next step's due time, and the acknowledgement timeout's, in the
    projection and the deadlines index. The timer only watches them:

        sla.started, sla.escalated   arms "escalate" at escalate_due_ms,
                                     or disarms it when the plan ended
        incident.acknowledged        disarms "escalate"
        resolved, closed, cancelled  disarms both
        progress (im_incident_is_progress), sla.ack_timeout
                                     disarms "ack-timeout": its due time
                                     moved, or it ended

    The acknowledgement timeout's due time is not in the events that
    move it (the projection computes it from the event's time), so the
    timer arms it from the sweep (SLA-CLOCKS every few seconds lists it
    once it is past due): it pages at most a sweep late. When a clock is
    due the timer sends SLA-ESCALATE {due_ms} with request id
    "sla:escalate:<incident>:escalate:<due_ms>", or SLA-ACK-TIMEOUT
    {due_ms} with "sla:ack:<incident>:ack-timeout:<due_ms>": each step
    has its own due time, so two timers, a resend or a restart record
    it once, and the state machine refuses a step that is not the
    incident's next.
*/
#include "imw_classes.h"

bool
imw_sla_escalate_owns (const char *clock)
{
    return clock && (streq (clock, IMW_SLA_ESCALATE)
                     || streq (clock, IMW_SLA_ACK_TIMEOUT));
}

int
imw_sla_escalate_handle (imw_sla_t *self, const im_event_t *event)
{
    assert (self && event);
    uint64_t incident = event->incident;
    switch (event->type) {
        case IM_EV_SLA_STARTED:
        case IM_EV_SLA_ESCALATED: {
            int64_t due = im_fields_int_or (event->payload,
                                            IM_KEY_ESCALATE_DUE_MS, 0);
            if (due > 0)
                return imw_sla_arm (self, incident, IMW_SLA_ESCALATE,
                                    (uint64_t) due, 0);
            imw_sla_disarm (self, incident, IMW_SLA_ESCALATE);
            return 0;
        }
        case IM_EV_ACKNOWLEDGED:
            imw_sla_disarm (self, incident, IMW_SLA_ESCALATE);
            return 0;
        case IM_EV_RESOLVED:
        case IM_EV_CLOSED:
        case IM_EV_CANCELLED:
            imw_sla_disarm (self, incident, IMW_SLA_ESCALATE);
            imw_sla_disarm (self, incident, IMW_SLA_ACK_TIMEOUT);
            return 0;
        case IM_EV_SLA_ACK_TIMEOUT:
            imw_sla_disarm (self, incident, IMW_SLA_ACK_TIMEOUT);
            return 0;
        default:
            if (im_incident_is_progress (event->type))
                imw_sla_disarm (self, incident, IMW_SLA_ACK_TIMEOUT);
            return 0;
    }
}

int
imw_sla_escalate_fire (uint64_t incident, const char *clock, uint64_t due_ms,
                       imw_output_t *out)
{
    assert (clock && out);
    bool escalate = streq (clock, IMW_SLA_ESCALATE);
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id,
              "sla:%s:%" PRIu64 ":%s:%" PRIu64, escalate ? "escalate" : "ack",
              incident, clock, due_ms);
    im_fields_t *args = imw_output_add (out, escalate ? "SLA-ESCALATE"
                                                      : "SLA-ACK-TIMEOUT",
                                        incident, request_id);
    if (!args
    ||  im_fields_set_int (args, IM_KEY_DUE_MS, (int64_t) due_ms))
        return IM_ENOMEM;
    return 0;
}
