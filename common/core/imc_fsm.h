/*  imc_fsm - the deterministic state machine: commands in, events out

    Applies one Raft entry at a time. For each command it decides, from
    the command and the projections alone, either the events it means or
    a rejection with a reason; it then writes the events, the updated
    projections, the idempotency results and the applied Raft index in
    one RocksDB write batch. Nothing here reads the clock, random numbers
    or anything but the entry and the store, so every node (and every
    replay) gets the same bytes.
*/
#ifndef IMC_FSM_H_INCLUDED
#define IMC_FSM_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include "im_command.h"
#include "im_fields.h"
#include "imc_store.h"

typedef struct _imc_fsm_t imc_fsm_t;

//  The outcome of one command, in entry order
typedef struct {
    int status;                     //  200, or the wire status of a rejection
    im_fields_t *body;              //  {incident, seq, events} or {error},
                                    //  owned by the state machine
} imc_fsm_result_t;

//  Creates a state machine over store (borrowed), loading its counters.
//  Returns NULL if the store's meta cannot be read.
imc_fsm_t *
    imc_fsm_new (imc_store_t *store);

void
    imc_fsm_destroy (imc_fsm_t **self_p);

//  Applies the entry at Raft index. An index at or below the store's
//  applied index was applied before (a replay after restart) and is
//  skipped with no results. On success the results of this entry are
//  available through imc_fsm_results until the next apply. Returns 0,
//  or IM_EIO if the store could not be written (the node must stop: it
//  cannot skip an entry), or IM_EPROTO for an entry that does not decode
//  (every command is then answered 400, the index still advances).
int
    imc_fsm_apply (imc_fsm_t *self, uint64_t index,
                   const void *data, size_t size);

//  The same for an entry another thread decoded with im_entry_decode:
//  *commands_p (taken: freed here, set to NULL) and count are what it
//  gave, decoded its return code (logged by the decoder)
int
    imc_fsm_apply_decoded (imc_fsm_t *self, uint64_t index,
                           im_command_t ***commands_p, size_t count,
                           int decoded);

//  Results of the last apply: *count results, borrowed
const imc_fsm_result_t *
    imc_fsm_results (imc_fsm_t *self, size_t *count);

//  Last Raft index applied, last event seq
uint64_t
    imc_fsm_applied_index (imc_fsm_t *self);
uint64_t
    imc_fsm_last_seq (imc_fsm_t *self);

#endif
