/*  imc_fsm_index - the deadlines index kept in step with the projections

    The SLA timer finds what is due by scanning the deadlines column
    family, not the incidents. Every event that starts, stops, pauses,
    resumes or moves a clock (SLA response and resolution and their
    warnings, auto-close, major-incident update) changes the index in
    the same write batch as the projection, from the projection as the
    event left it: nothing here reads a clock or the store.
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_fields.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_store.h"
#include "imc_fsm_index.h"

//  Takes the running SLA clocks out of the index before clocks start
//  again (the record changed type): their deadlines are not the new ones
void
imc_fsm_unindex_clocks (imc_store_batch_t *batch, const im_event_t *event,
                  const im_fields_t *incident)
{
    for (int clock = IM_CLOCK_RESPONSE; clock <= IM_CLOCK_RESOLUTION;
         clock++) {
        char due_key [48];
        snprintf (due_key, sizeof due_key, "sla_%s_due_ms",
                  im_clock_name (clock));
        int64_t due = im_fields_int_or (incident, due_key, 0);
        if (due > 0)
            imc_store_batch_delete_deadline (batch, (uint64_t) due,
                                             event->incident, clock);
    }
}

//  Keeps the deadlines index in step with the incident's SLA clocks: a
//  clock is in the index while it runs (after the event was folded)
void
imc_fsm_index_clocks (imc_store_batch_t *batch, const im_event_t *event,
                   const im_fields_t *incident)
{
    if (event->type != IM_EV_SLA_STARTED && event->type != IM_EV_SLA_STOPPED
    &&  event->type != IM_EV_SLA_BREACHED && event->type != IM_EV_SLA_PAUSED
    &&  event->type != IM_EV_SLA_RESUMED)
        return;
    //  A paused clock left the index at its deadline when it paused; it
    //  comes back at the deadline its resume recorded
    for (int clock = IM_CLOCK_RESPONSE; clock <= IM_CLOCK_RESOLUTION;
         clock++) {
        char state_key [32], due_key [48];
        snprintf (state_key, sizeof state_key, "sla_%s",
                  im_clock_name (clock));
        snprintf (due_key, sizeof due_key, "sla_%s_due_ms",
                  im_clock_name (clock));
        const char *state = im_fields_str_or (incident, state_key, "");
        int64_t due = im_fields_int_or (incident, due_key, 0);
        if (due <= 0)
            continue;
        if (streq (state, "running"))
            imc_store_batch_put_deadline (batch, (uint64_t) due,
                                          event->incident, clock);
        else
            imc_store_batch_delete_deadline (batch, (uint64_t) due,
                                             event->incident, clock);
    }
}

//  True for the events that can start, move or end the close or update
//  clock, a warning, the escalate or the ack-timeout clock
//  (im_incident_timer_due)
bool
imc_fsm_moves_timers (const im_event_t *event)
{
    //  The progress that starts the acknowledgement timeout again
    if (im_incident_is_progress (event->type))
        return true;
    switch (event->type) {
        case IM_EV_RESOLVED:
        case IM_EV_REOPENED:
        case IM_EV_CLOSED:
        case IM_EV_CANCELLED:
        case IM_EV_MAJOR_DECLARED:
        case IM_EV_MAJOR_UPDATED:
        case IM_EV_UPDATE_DUE:
        case IM_EV_UPDATE_SCHEDULED:
        case IM_EV_SLA_STARTED:
        case IM_EV_SLA_STOPPED:
        case IM_EV_SLA_BREACHED:
        case IM_EV_SLA_PAUSED:
        case IM_EV_SLA_RESUMED:
        case IM_EV_SLA_WARNING:
        case IM_EV_SLA_ESCALATED:
        case IM_EV_SLA_ACK_TIMEOUT:
        case IM_EV_ACKNOWLEDGED:
            return true;
        default:
            return false;
    }
}

static const int s_timers [IMC_FSM_TIMERS] = {
    IM_CLOCK_CLOSE, IM_CLOCK_UPDATE, IM_CLOCK_WARN_RESPONSE,
    IM_CLOCK_WARN_RESOLUTION, IM_CLOCK_ESCALATE, IM_CLOCK_ACK_TIMEOUT };

void
imc_fsm_timers_due (const im_fields_t *incident,
                    int64_t due [IMC_FSM_TIMERS])
{
    for (int index = 0; index < IMC_FSM_TIMERS; index++)
        due [index] = im_incident_timer_due (incident, s_timers [index]);
}

//  Keeps the timers in the deadlines index: before holds their due
//  times before the event was folded
void
imc_fsm_index_timers (imc_store_batch_t *batch, const im_event_t *event,
                      const int64_t before [IMC_FSM_TIMERS],
                      const im_fields_t *incident)
{
    for (int index = 0; index < IMC_FSM_TIMERS; index++) {
        int64_t after = im_incident_timer_due (incident, s_timers [index]);
        if (before [index] == after)
            continue;
        if (before [index] > 0)
            imc_store_batch_delete_deadline (batch, (uint64_t) before [index],
                                             event->incident,
                                             s_timers [index]);
        if (after > 0)
            imc_store_batch_put_deadline (batch, (uint64_t) after,
                                          event->incident, s_timers [index]);
    }
}
