/*  imc_incident_escalate - how events move the escalation and the
    acknowledgement timeout of a projection

    sla.started writes the escalation plan's first step and the
    acknowledgement timeout; sla.escalated moves the plan to the step
    after (or ends it); an acknowledgement ends the plan and starts the
    acknowledgement timeout, which every sign of progress starts again
    and sla.ack_timeout ends until the next one. Resolving, closing or
    cancelling ends both.

    Progress is what a person does to move the incident on
    (im_incident_is_progress): an assignment, a comment (work note or
    public update), a status change (pending, resumed, reopened), a new
    category or priority, a manual escalation, a major-incident update.
    The workers' events (the classifier's, the SLA timer's, the
    notifier's) and alerts are not progress. The due times are the events' times plus the timeout the
    projection holds: the fold reads nothing but the event.
*/
#include <stdbool.h>
#include <stdint.h>

#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_incident_private.h"

static void
s_end_plan (im_fields_t *incident)
{
    im_fields_remove (incident, IM_KEY_ESCALATE_DUE_MS);
    im_fields_remove (incident, IM_KEY_ESCALATE_LEVEL);
    im_fields_remove (incident, IM_KEY_ESCALATE_ROUND);
}

//  Copies the step of payload (the plan's next) into the projection, or
//  ends the plan when payload has none
static void
s_next_step (im_fields_t *incident, const im_fields_t *payload)
{
    int64_t due = im_fields_int_or (payload, IM_KEY_ESCALATE_DUE_MS, 0);
    if (due <= 0) {
        s_end_plan (incident);
        return;
    }
    im_fields_set_int (incident, IM_KEY_ESCALATE_DUE_MS, due);
    im_fields_set_int (incident, IM_KEY_ESCALATE_LEVEL,
                       im_fields_int_or (payload, IM_KEY_ESCALATE_LEVEL, 1));
    im_fields_set_int (incident, IM_KEY_ESCALATE_ROUND,
                       im_fields_int_or (payload, IM_KEY_ESCALATE_ROUND, 1));
}

//  Starts the acknowledgement timeout again at ts, when the incident
//  was acknowledged and has one
static void
s_progress (im_fields_t *incident, int64_t ts)
{
    int64_t timeout = im_fields_int_or (incident, IM_KEY_ACK_TIMEOUT_MS, 0);
    if (timeout > 0 && im_fields_has (incident, IM_KEY_ACKNOWLEDGED_MS))
        im_fields_set_int (incident, IM_KEY_ACK_TIMEOUT_DUE_MS, ts + timeout);
}

void
imc_incident_escalation (im_fields_t *incident, const im_event_t *event)
{
    int64_t ts = (int64_t) event->ts_ms;
    switch (event->type) {
        case IM_EV_SLA_STARTED: {
            const char *name = im_fields_str (event->payload,
                                              IM_KEY_ESCALATION);
            if (name)
                im_fields_set_str (incident, IM_KEY_ESCALATION, name);
            else
                im_fields_remove (incident, IM_KEY_ESCALATION);
            s_next_step (incident, event->payload);
            int64_t timeout = im_fields_int_or (event->payload,
                                                IM_KEY_ACK_TIMEOUT_MS, 0);
            if (timeout > 0)
                im_fields_set_int (incident, IM_KEY_ACK_TIMEOUT_MS, timeout);
            else
                im_fields_remove (incident, IM_KEY_ACK_TIMEOUT_MS);
            if (!im_fields_has (incident, IM_KEY_ACK_TIMEOUT_DUE_MS))
                s_progress (incident, ts);
            break;
        }
        case IM_EV_SLA_ESCALATED:
            im_fields_set_int (incident, IM_KEY_ESCALATIONS,
                               im_fields_int_or (incident,
                                                 IM_KEY_ESCALATIONS, 0) + 1);
            s_next_step (incident, event->payload);
            break;
        case IM_EV_SLA_ACK_TIMEOUT:
            im_fields_set_int (incident, IM_KEY_ACK_TIMEOUTS,
                               im_fields_int_or (incident,
                                                 IM_KEY_ACK_TIMEOUTS, 0) + 1);
            im_fields_remove (incident, IM_KEY_ACK_TIMEOUT_DUE_MS);
            break;
        case IM_EV_ACKNOWLEDGED:
            s_end_plan (incident);
            s_progress (incident, ts);
            break;
        case IM_EV_RESOLVED:
        case IM_EV_CLOSED:
        case IM_EV_CANCELLED:
            s_end_plan (incident);
            im_fields_remove (incident, IM_KEY_ACK_TIMEOUT_DUE_MS);
            break;
        default:
            if (im_incident_is_progress (event->type))
                s_progress (incident, ts);
            break;
    }
}
