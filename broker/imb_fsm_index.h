/*  imb_fsm_index - the deadlines index kept in step with the projections
*/
#ifndef IMB_FSM_INDEX_H_INCLUDED
#define IMB_FSM_INDEX_H_INCLUDED

//  Takes the running SLA clocks of incident out of the index before its
//  clocks start again (the record changed type)
void
    imb_fsm_unindex_clocks (im_store_batch_t *batch, const im_event_t *event,
                            const im_fields_t *incident);

//  After an SLA event was folded into incident: a clock is in the index
//  while it runs
void
    imb_fsm_index_clocks (im_store_batch_t *batch, const im_event_t *event,
                          const im_fields_t *incident);

//  True for the events that can start, move or end the close or update
//  clock
bool
    imb_fsm_moves_timers (const im_event_t *event);

//  Moves the close and update clocks in the index: before holds their
//  due times before the event was folded into incident
void
    imb_fsm_index_timers (im_store_batch_t *batch, const im_event_t *event,
                          const int64_t before [2],
                          const im_fields_t *incident);

#endif
