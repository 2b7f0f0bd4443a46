/*  imc_fsm_entry - one entry's working set: what it touched and answered

    Within one Raft entry, commands see the writes of the commands before
    them: the projections this entry changed, the dedup keys it mapped or
    unmapped and the results it gave each request id are kept here and
    read before the store. The pools behind them (projection objects,
    result bodies, the prior results read for the entry's request ids)
    are kept between entries and cleared when taken again, so a command
    makes and frees nothing. At the end of an entry the touched
    projections and changed counters go into its write batch.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "imc_store.h"
#include "imc_incident.h"
#include "imc_entry_map.h"
#include "imc_counters.h"
#include "imc_fsm.h"
#include "imc_fsm_private.h"

//  Makes room in the pool for one more projection object
static void
s_projections_grow (imc_fsm_t *self)
{
    if (self->projections_n < self->projections_max)
        return;
    size_t max = self->projections_max ? self->projections_max * 2 : 64;
    imc_fsm_projection_t *projections = (imc_fsm_projection_t *) realloc (
        self->projections, max * sizeof (imc_fsm_projection_t));
    assert (projections);
    self->projections = projections;
    self->projections_max = max;
}

//  Takes a projection object for incident id, this entry, from the
//  pool, or adopts fresh (a projection read from the store) in the next
//  slot, in place of the kept object there. Returns the object, empty
//  unless adopted, owned by the pool.
im_fields_t *
imc_fsm_projection_take (imc_fsm_t *self, uint64_t id, im_fields_t *fresh)
{
    if (self->projections_used == self->projections_n) {
        s_projections_grow (self);
        self->projections [self->projections_n++].fields = NULL;
    }
    imc_fsm_projection_t *projection =
        &self->projections [self->projections_used++];
    projection->id = id;
    im_fields_t **slot = &projection->fields;
    if (fresh) {
        im_fields_destroy (slot);
        *slot = fresh;
    }
    else
    if (*slot)
        im_fields_clear (*slot);
    else {
        *slot = im_fields_new ();
        assert (*slot);
    }
    return *slot;
}

//  Returns the projection of incident id as this entry sees it (borrowed,
//  owned by the pool), or NULL if there is none
im_fields_t *
imc_fsm_incident (imc_fsm_t *self, uint64_t id, int *rc)
{
    if (id == 0)
        return NULL;
    im_fields_t *incident =
        (im_fields_t *) imc_entry_map_id (self->incidents, id);
    if (incident)
        return incident;
    int status = imc_store_incident_get (self->store, id, &incident);
    if (status == IM_ENOTFOUND)
        return NULL;
    if (status) {
        *rc = status;
        return NULL;
    }
    incident = imc_fsm_projection_take (self, id, incident);
    imc_entry_map_set_id (self->incidents, id, (uintptr_t) incident);
    return incident;
}

//  The decider's view of another incident: this entry's projection
const im_fields_t *
imc_fsm_lookup (void *arg, uint64_t id)
{
    imc_fsm_t *self = (imc_fsm_t *) arg;
    int rc = 0;
    const im_fields_t *incident = imc_fsm_incident (self, id, &rc);
    if (rc)
        self->lookup_rc = rc;
    return incident;
}

//  Reads what earlier entries stored for the request ids of the entry's
//  commands, all in one store read (imc_fsm_prior_clear forgets it).
//  Returns 0 or the store's failure.
int
imc_fsm_prior_read (imc_fsm_t *self, im_command_t **commands, size_t count)
{
    if (count > self->prior_max) {
        free (self->prior_keys);
        free (self->prior);
        free (self->prior_of);
        self->prior_max = count;
        self->prior_keys = (const char **) malloc (count * sizeof (char *));
        self->prior = (im_fields_t **) calloc (count, sizeof (im_fields_t *));
        self->prior_of = (size_t *) malloc (count * sizeof (size_t));
        if (!self->prior_keys || !self->prior || !self->prior_of) {
            self->prior_max = 0;
            return IM_ENOMEM;
        }
    }
    size_t keys = 0;
    for (size_t cmd = 0; cmd < count; cmd++) {
        const im_command_t *command = commands [cmd];
        self->prior_of [cmd] = 0;
        if (command->type != IM_CMD_OFFSET && *command->request_id) {
            self->prior_keys [keys++] = command->request_id;
            self->prior_of [cmd] = keys;
        }
    }
    return imc_store_requests_get (self->store, self->prior_keys, keys,
                                   self->prior);
}

//  Forgets what imc_fsm_prior_read read for count commands
void
imc_fsm_prior_clear (imc_fsm_t *self, size_t count)
{
    for (size_t cmd = 0; cmd < count && cmd < self->prior_max; cmd++)
        im_fields_destroy (&self->prior [cmd]);
}

//  Fills result with the answer request key already got, in this entry
//  or before (stored: its stored result, borrowed, or NULL). Returns
//  true when there was one (a repeat), false for a new request.
bool
imc_fsm_request_repeat (imc_fsm_t *self, const char *key,
                        const im_fields_t *stored, imc_fsm_result_t *result)
{
    size_t earlier = (size_t) imc_entry_map_str (self->requests, key);
    if (earlier) {
        const imc_fsm_result_t *first = &self->results [earlier - 1];
        result->status = first->status;
        im_fields_merge (result->body, first->body);
        return true;
    }
    if (!stored)
        return false;
    im_fields_merge (result->body, stored);
    result->status = (int) im_fields_int_or (result->body, IM_KEY_STATUS,
                                              IM_PROTO_OK);
    im_fields_remove (result->body, IM_KEY_STATUS);
    return true;
}

imc_fsm_result_t *
imc_fsm_result_push (imc_fsm_t *self)
{
    if (self->results_n == self->results_max) {
        size_t max = self->results_max ? self->results_max * 2 : 64;
        imc_fsm_result_t *results = (imc_fsm_result_t *) realloc (
            self->results, max * sizeof (imc_fsm_result_t));
        assert (results);
        self->results = results;
        for (size_t index = self->results_max; index < max; index++) {
            results [index].body = im_fields_new ();
            assert (results [index].body);
        }
        self->results_max = max;
    }
    imc_fsm_result_t *result = &self->results [self->results_n++];
    result->status = IM_PROTO_OK;
    im_fields_clear (result->body);
    return result;
}

//  Returns the incident an alert dedup key maps to as this entry sees
//  it (0 for none), or 0 with *rc set when the store cannot be read
uint64_t
imc_fsm_dedup_lookup (imc_fsm_t *self, const char *key, int *rc)
{
    uintptr_t mapped = imc_entry_map_str (self->dedup, key);
    if (mapped)
        return mapped == IMC_FSM_DEDUP_NONE ? 0 : (uint64_t) mapped;
    uint64_t id = 0;
    int status = imc_store_dedup_get (self->store, key, &id);
    if (status)
        *rc = status;
    return id;
}

//  Maps key to value (an incident id, or IMC_FSM_DEDUP_NONE) for the
//  rest of the entry. The map borrows its keys, so a key it does not
//  hold yet is copied first (the projection it comes from may change
//  before the entry ends). Returns 0 or IM_ENOMEM.
static int
s_dedup_set (imc_fsm_t *self, const char *key, uintptr_t value)
{
    if (!imc_entry_map_str (self->dedup, key)) {
        if (self->dedup_keys_n == self->dedup_keys_max) {
            size_t max = self->dedup_keys_max ? self->dedup_keys_max * 2 : 16;
            char **keys = (char **) realloc (self->dedup_keys,
                                             max * sizeof (char *));
            if (!keys)
                return IM_ENOMEM;
            self->dedup_keys = keys;
            self->dedup_keys_max = max;
        }
        char *copy = strdup (key);
        if (!copy)
            return IM_ENOMEM;
        self->dedup_keys [self->dedup_keys_n++] = copy;
        key = copy;
    }
    imc_entry_map_set_str (self->dedup, key, value);
    return 0;
}

void
imc_fsm_dedup_clear (imc_fsm_t *self)
{
    imc_entry_map_clear (self->dedup);
    for (size_t index = 0; index < self->dedup_keys_n; index++)
        free (self->dedup_keys [index]);
    self->dedup_keys_n = 0;
}

//  Keeps the dedup index in step with the incidents (after the event
//  was folded): an incident opened with a dedup key takes the key, and
//  gives it up when it is resolved or closed, so that the next trigger
//  with that key opens a new incident
int
imc_fsm_index_dedup (imc_fsm_t *self, imc_store_batch_t *batch,
                     const im_command_t *command, const im_event_t *event,
                     const im_fields_t *incident)
{
    //  Only an ALERT opens an incident with a dedup key: an OPEN, the
    //  command the broker sees most, skips the search for one
    bool opened = event->type == IM_EV_OPENED;
    if ((opened && command->type != IM_CMD_ALERT)
    ||  (!opened && event->type != IM_EV_RESOLVED
                 && event->type != IM_EV_CLOSED))
        return 0;
    const char *key = im_fields_str (incident, IM_KEY_DEDUP_KEY);
    if (!key)
        return 0;
    int rc = 0;
    if (opened) {
        imc_store_batch_put_dedup (batch, key, event->incident);
        rc = s_dedup_set (self, key, (uintptr_t) event->incident);
    }
    else
    if (imc_fsm_dedup_lookup (self, key, &rc) == event->incident) {
        imc_store_batch_delete_dedup (batch, key);
        rc = s_dedup_set (self, key, IMC_FSM_DEDUP_NONE);
    }
    return rc;
}

//  Whether an event of type can change an incident's status or priority
static bool
s_moves_incident (im_event_type_t type)
{
    return type == IM_EV_OPENED || type == IM_EV_ACKNOWLEDGED
        || type == IM_EV_ASSIGNED || type == IM_EV_RESOLVED
        || type == IM_EV_CLOSED || type == IM_EV_REOPENED
        || type == IM_EV_CLASSIFIED || type == IM_EV_PENDING
        || type == IM_EV_RESUMED || type == IM_EV_CANCELLED
        || type == IM_EV_PRIORITIZED;
}

//  Folds event into incident, and counts it: by type, and the incident
//  by status and priority
void
imc_fsm_evolve (imc_fsm_t *self, im_fields_t *incident, const im_event_t *event)
{
    self->counters [imc_counter_event (event->type)]++;
    if (!s_moves_incident (event->type)) {
        imc_incident_evolve (incident, event);
        return;
    }
    im_status_t before = event->type == IM_EV_OPENED
                       ? IM_STATUS_NONE : im_incident_status (incident);
    int priority = (int) im_fields_int_or (incident, IM_KEY_PRIORITY, 0);
    size_t old = imc_counter_incidents (before, priority);
    imc_incident_evolve (incident, event);
    size_t now = imc_counter_incidents (
        im_incident_status (incident),
        (int) im_fields_int_or (incident, IM_KEY_PRIORITY, 0));
    if (now != old) {
        if (before != IM_STATUS_NONE && self->counters [old] > 0)
            self->counters [old]--;
        self->counters [now]++;
    }
}

//  Writes every projection this entry touched, in the order first
//  touched: for an entry of OPENs that is id order, which RocksDB's
//  memtable inserts fastest
void
imc_fsm_put_incidents (imc_fsm_t *self, imc_store_batch_t *batch)
{
    for (size_t index = 0; index < self->projections_used; index++) {
        const imc_fsm_projection_t *projection = &self->projections [index];
        //  Only the map's current object for an id is the projection
        if (imc_entry_map_id (self->incidents, projection->id)
                == (uintptr_t) projection->fields)
            imc_store_batch_put_incident (batch, projection->id,
                                          projection->fields);
    }
}

//  Writes the counters this entry changed
void
imc_fsm_put_counters (imc_fsm_t *self, imc_store_batch_t *batch)
{
    for (size_t index = 0; index < self->counters_n; index++)
        if (self->counters [index] != self->counters_saved [index]) {
            char key [IMC_COUNTER_NAME_MAX + 8] = IMC_COUNTERS_PREFIX;
            imc_counters_name (index, key + strlen (key),
                               sizeof key - strlen (key));
            imc_store_batch_put_meta (batch, key, self->counters [index]);
        }
}

