/*  imc_fsm_index - the deadlines index kept in step with the projections
*/
#ifndef IMC_FSM_INDEX_H_INCLUDED
#define IMC_FSM_INDEX_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_event.h"
#include "im_fields.h"
#include "imc_store.h"

//  Takes the running SLA clocks of incident out of the index before its
//  clocks start again (the record changed type)
void
    imc_fsm_unindex_clocks (imc_store_batch_t *batch, const im_event_t *event,
                            const im_fields_t *incident);

//  After an SLA event was folded into incident: a clock is in the index
//  while it runs
void
    imc_fsm_index_clocks (imc_store_batch_t *batch, const im_event_t *event,
                          const im_fields_t *incident);

//  The timers of the index that follow im_incident_timer_due: close,
//  update, the SLA clocks' next warnings, escalate and ack-timeout
#define IMC_FSM_TIMERS  6

//  True for the events that can start, move or end the close or update
//  clock or a warning
bool
    imc_fsm_moves_timers (const im_event_t *event);

//  Sets due [IMC_FSM_TIMERS] to the timers' due times in incident
void
    imc_fsm_timers_due (const im_fields_t *incident,
                        int64_t due [IMC_FSM_TIMERS]);

//  Moves the timers in the index: before holds their due times before
//  the event was folded into incident
void
    imc_fsm_index_timers (imc_store_batch_t *batch, const im_event_t *event,
                          const int64_t before [IMC_FSM_TIMERS],
                          const im_fields_t *incident);

#endif
