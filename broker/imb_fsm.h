/*  imb_fsm - the deterministic state machine: commands in, events out

    Applies one Raft entry at a time. For each command it decides, from
    the command and the projections alone, either the events it means or
    a rejection with a reason; it then writes the events, the updated
    projections, the idempotency results and the applied Raft index in
    one RocksDB write batch. Nothing here reads the clock, random numbers
    or anything but the entry and the store, so every node (and every
    replay) gets the same bytes.
*/
#ifndef IMB_FSM_H_INCLUDED
#define IMB_FSM_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include "im_store.h"
#include "im_fields.h"

typedef struct _imb_fsm_t imb_fsm_t;

//  The outcome of one command, in entry order
typedef struct {
    int status;                     //  200, or the wire status of a rejection
    im_fields_t *body;              //  {incident, seq, events} or {error},
                                    //  owned by the state machine
} imb_fsm_result_t;

//  Creates a state machine over store (borrowed), loading its counters.
//  Returns NULL if the store's meta cannot be read.
imb_fsm_t *
    imb_fsm_new (im_store_t *store);

void
    imb_fsm_destroy (imb_fsm_t **self_p);

//  Applies the entry at Raft index. An index at or below the store's
//  applied index was applied before (a replay after restart) and is
//  skipped with no results. On success the results of this entry are
//  available through imb_fsm_results until the next apply. Returns 0,
//  or IM_EIO if the store could not be written (the node must stop: it
//  cannot skip an entry), or IM_EPROTO for an entry that does not decode
//  (every command is then answered 400, the index still advances).
int
    imb_fsm_apply (imb_fsm_t *self, uint64_t index,
                   const void *data, size_t size);

//  The same for an entry another thread decoded with im_entry_decode:
//  *commands_p (taken: freed here, set to NULL) and count are what it
//  gave, decoded its return code (logged by the decoder)
int
    imb_fsm_apply_decoded (imb_fsm_t *self, uint64_t index,
                           im_command_t ***commands_p, size_t count,
                           int decoded);

//  Results of the last apply: *count results, borrowed
const imb_fsm_result_t *
    imb_fsm_results (imb_fsm_t *self, size_t *count);

//  Last Raft index applied, last event seq
uint64_t
    imb_fsm_applied_index (imb_fsm_t *self);
uint64_t
    imb_fsm_last_seq (imb_fsm_t *self);

#endif
