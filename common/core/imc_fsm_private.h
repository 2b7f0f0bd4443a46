/*  imc_fsm_private - what the parts of the state machine share

    The state machine's object, and the methods over one entry's working
    set (imc_fsm_entry.c) that the apply loop (imc_fsm.c) calls. Private
    to the state machine (common/core/imc_fsm*.c).
*/
#ifndef IMC_FSM_PRIVATE_H_INCLUDED
#define IMC_FSM_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_command.h"
#include "im_policy.h"
#include "imc_store.h"
#include "imc_decide.h"
#include "imc_entry_map.h"
#include "imc_fsm.h"

//  One incident's projection as this entry sees it
typedef struct {
    uint64_t id;                    //  Incident id, when in use
    im_fields_t *fields;            //  Projection, owned
} imc_fsm_projection_t;

struct _imc_fsm_t {
    imc_store_t *store;             //  Where everything goes, borrowed
    uint64_t applied;               //  Last Raft index applied
    uint64_t last_seq;              //  Last event seq given
    uint64_t next_id;               //  Next incident id to give
    uint64_t config_seq;            //  Last event of no incident
    uint64_t audit_seq;             //  Last access.denied event
    im_policy_t policy;             //  Rules in force
    int lookup_rc;                  //  Store failure of a decision's
                                    //  lookup of another incident
    imc_entry_map_t *incidents;     //  Touched this entry: id -> fields,
                                    //  borrowed from projections
    imc_fsm_projection_t *projections;
                                    //  Projection objects; the first
                                    //  projections_used are this entry's,
                                    //  in the order first touched, the
                                    //  rest kept for reuse
    size_t projections_used;        //  In use by this entry
    size_t projections_n;           //  Made
    size_t projections_max;         //  Allocated slots
    imc_entry_map_t *dedup;         //  Dedup keys this entry changed: key
                                    //  (a copy in dedup_keys) -> incident
                                    //  id, or IMC_FSM_DEDUP_NONE when
                                    //  removed
    char **dedup_keys;              //  The keys' copies, owned, freed at
                                    //  the end of the entry
    size_t dedup_keys_n;            //  How many
    size_t dedup_keys_max;          //  Allocated slots
    imc_entry_map_t *requests;      //  Answered this entry: request id
                                    //  (borrowed from the command) ->
                                    //  result index + 1
    imc_fsm_result_t *results;      //  Results of the last entry; the
                                    //  bodies are kept for the next one
    size_t results_n;               //  How many
    size_t results_max;             //  Allocated, every body made
    const char **prior_keys;        //  Scratch: this entry's request ids,
                                    //  borrowed from its commands
    im_fields_t **prior;            //  Their results stored by earlier
                                    //  entries (NULL: none), owned for
                                    //  the length of the entry
    size_t *prior_of;               //  Per command: index in prior + 1,
                                    //  or 0 for a command without one
    size_t prior_max;               //  Allocated in each of the three
    imc_decision_t decision;        //  Scratch: a command's decision, whose
                                    //  event objects are reused
    size_t counters_n;              //  imc_counters_size ()
    uint64_t *counters;             //  Counters as applied, owned
    uint64_t *counters_saved;       //  As before this entry, owned: the
                                    //  ones that differ are written, and
                                    //  a failed entry goes back to them
    uint64_t requests_count;        //  Request results stored (meta)
    uint64_t expire_from_ms;        //  No result stored is older: where
                                    //  the expiry scan starts
    uint64_t oldest_ms;             //  Time of the oldest result stored
                                    //  (UINT64_MAX: none), when known
    bool oldest_known;              //  oldest_ms is exact
    size_t entry_added;             //  Results this entry stored
    uint64_t entry_oldest_ms;       //  The oldest time among them
};

//  Removes the request results the policy no longer keeps, as of now_ms
//  (the entry's time), into batch (imc_fsm_expire.c). Returns 0 or the
//  store's failure.
int
    imc_fsm_expire_requests (imc_fsm_t *self, imc_store_batch_t *batch,
                             uint64_t now_ms);

//  The dedup map's value for a key this entry unmapped
#define IMC_FSM_DEDUP_NONE UINTPTR_MAX

//  Takes a projection object for incident id, this entry, from the
//  pool, or adopts fresh (a projection read from the store) in the next
//  slot, in place of the kept object there. Returns the object, empty
//  unless adopted, owned by the pool.
im_fields_t *
    imc_fsm_projection_take (imc_fsm_t *self, uint64_t id, im_fields_t *fresh);

//  Returns the projection of incident id as this entry sees it (borrowed,
//  owned by the pool), or NULL if there is none
im_fields_t *
    imc_fsm_incident (imc_fsm_t *self, uint64_t id, int *rc);

//  The decider's view of another incident: this entry's projection
const im_fields_t *
    imc_fsm_lookup (void *arg, uint64_t id);

//  Reads what earlier entries stored for the request ids of the entry's
//  commands, all in one store read (imc_fsm_prior_clear forgets it).
//  Returns 0 or the store's failure.
int
    imc_fsm_prior_read (imc_fsm_t *self, im_command_t **commands, size_t count);

//  Forgets what imc_fsm_prior_read read for count commands
void
    imc_fsm_prior_clear (imc_fsm_t *self, size_t count);

//  Fills result with the answer request key already got, in this entry
//  or before (stored: its stored result, borrowed, or NULL). Returns
//  true when there was one (a repeat), false for a new request.
bool
    imc_fsm_request_repeat (imc_fsm_t *self, const char *key,
                            const im_fields_t *stored,
                            imc_fsm_result_t *result);

//  Adds a result for the next command: status 200, empty body (borrowed,
//  owned by the state machine until the next entry)
imc_fsm_result_t *
    imc_fsm_result_push (imc_fsm_t *self);

//  Returns the incident an alert dedup key maps to as this entry sees
//  it (0 for none), or 0 with *rc set when the store cannot be read
uint64_t
    imc_fsm_dedup_lookup (imc_fsm_t *self, const char *key, int *rc);

//  Forgets the dedup keys this entry changed
void
    imc_fsm_dedup_clear (imc_fsm_t *self);

//  Keeps the dedup index in step with the incidents (after the event
//  was folded): an incident opened with a dedup key takes the key, and
//  gives it up when it is resolved or closed, so that the next trigger
//  with that key opens a new incident
int
    imc_fsm_index_dedup (imc_fsm_t *self, imc_store_batch_t *batch,
                         const im_command_t *command, const im_event_t *event,
                         const im_fields_t *incident);

//  Folds event into incident, and counts it: by type, and the incident
//  by status and priority
void
    imc_fsm_evolve (imc_fsm_t *self, im_fields_t *incident,
                    const im_event_t *event);

//  Writes every projection this entry touched, in the order first
//  touched: for an entry of OPENs that is id order, which RocksDB's
//  memtable inserts fastest
void
    imc_fsm_put_incidents (imc_fsm_t *self, imc_store_batch_t *batch);

//  Writes the counters this entry changed
void
    imc_fsm_put_counters (imc_fsm_t *self, imc_store_batch_t *batch);

#endif
