/*  imc_fsm - the deterministic state machine: commands in, events out

    One Raft entry is one write batch. Commands in the same entry may
    touch the same incident or repeat the same request id, so the
    projections this entry changed, and which of its results answered
    which request id, are kept in two small maps and read before the
    store: the entry sees its own writes. The maps are emptied after
    every entry; nothing else is remembered between entries except the
    counters also stored in meta.

    An entry holds up to batch_max commands and the broker applies tens
    of thousands a second, so what every command needs (its result
    body, the encoding of its event, the stored request result, its
    decision's event objects, the projection objects of the incidents it
    touches) lives in buffers this object keeps and clears between uses,
    not in objects made and freed per command.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_log.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "imc_store.h"
#include "imc_entry_map.h"
#include "imc_counters.h"
#include "imc_decide.h"
#include "imc_fsm.h"
#include "imc_fsm_index.h"
#include "imc_fsm_private.h"

//  Makes the policy of a config.applied event the one in force. Its
//  text was checked when the event was decided; a failure here would
//  be a parser that changed between then and now, and is logged.
static void
s_policy_install (imc_fsm_t *self, const im_event_t *event)
{
    const char *text = im_fields_str_or (event->payload, IM_KEY_TEXT, "");
    const char *source = im_fields_str_or (event->payload, IM_KEY_SOURCE, "");
    int64_t version = im_fields_int_or (event->payload, IM_KEY_VERSION, 0);
    char errbuf [256];
    if (im_policy_parse (&self->policy, *source ? source : "policy", text,
                         (uint64_t) version, errbuf, sizeof errbuf))
        im_log_error ("imc_fsm: policy version %" PRId64 " at seq %" PRIu64
                    " does not parse: %s", version, event->seq, errbuf);
}

//  Loads the policy in force from the store: the last config.applied
//  of the events of no incident (0)
static int
s_policy_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    imc_fsm_t *self = (imc_fsm_t *) arg;
    im_event_t *event = im_event_new ();
    if (!event)
        return IM_ENOMEM;
    int rc = im_event_decode (event, data, size, NULL, 0);
    if (rc == 0 && event->type == IM_EV_CONFIGURED)
        s_policy_install (self, event);
    im_event_destroy (&event);
    return rc;
}

imc_fsm_t *
imc_fsm_new (imc_store_t *store)
{
    assert (store);
    imc_fsm_t *self = (imc_fsm_t *) calloc (1, sizeof (imc_fsm_t));
    if (!self)
        return NULL;
    self->store = store;
    im_policy_defaults (&self->policy);
    self->incidents = imc_entry_map_new ();
    self->requests = imc_entry_map_new ();
    self->dedup = imc_entry_map_new ();
    if (!self->incidents || !self->requests || !self->dedup
    ||  imc_store_meta_get (store, IM_META_APPLIED, &self->applied)
    ||  imc_store_meta_get (store, IM_META_LAST_SEQ, &self->last_seq)
    ||  imc_store_meta_get (store, IM_META_NEXT_ID, &self->next_id)
    ||  imc_store_meta_get (store, IM_META_CONFIG_SEQ, &self->config_seq)
    ||  imc_store_meta_get (store, IM_META_AUDIT_SEQ, &self->audit_seq)
    ||  imc_store_meta_get (store, IM_META_REQUESTS, &self->requests_count)) {
        imc_fsm_destroy (&self);
        return NULL;
    }
    if (self->next_id == 0)
        self->next_id = 1;
    self->counters_n = imc_counters_size ();
    self->counters = (uint64_t *) calloc (self->counters_n, sizeof (uint64_t));
    self->counters_saved = (uint64_t *) calloc (self->counters_n,
                                                sizeof (uint64_t));
    if (!self->counters || !self->counters_saved) {
        imc_fsm_destroy (&self);
        return NULL;
    }
    for (size_t index = 0; index < self->counters_n; index++) {
        char key [IMC_COUNTER_NAME_MAX + 8] = IMC_COUNTERS_PREFIX;
        imc_counters_name (index, key + strlen (key),
                           sizeof key - strlen (key));
        if (imc_store_meta_get (store, key, &self->counters [index])) {
            imc_fsm_destroy (&self);
            return NULL;
        }
    }
    if (imc_store_incident_events_scan (store, 0, s_policy_event, self)) {
        imc_fsm_destroy (&self);
        return NULL;
    }
    return self;
}

//  Forgets the last entry's results; their bodies stay for reuse
static void
s_results_clear (imc_fsm_t *self)
{
    self->results_n = 0;
}

void
imc_fsm_destroy (imc_fsm_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imc_fsm_t *self = *self_p;
        for (size_t index = 0; index < self->results_max; index++)
            im_fields_destroy (&self->results [index].body);
        free (self->results);
        imc_decision_destroy_events (&self->decision);
        imc_entry_map_destroy (&self->requests);
        imc_fsm_dedup_clear (self);
        free (self->dedup_keys);
        imc_entry_map_destroy (&self->dedup);
        imc_entry_map_destroy (&self->incidents);
        for (size_t index = 0; index < self->projections_n; index++)
            im_fields_destroy (&self->projections [index].fields);
        free (self->projections);
        free (self->prior_keys);
        free (self->prior);
        free (self->prior_of);
        free (self->counters);
        free (self->counters_saved);
        free (self);
        *self_p = NULL;
    }
}

//  Applies an OFFSET command: a consumer group's offset only moves on
static void
s_apply_offset (imc_fsm_t *self, imc_store_batch_t *batch,
                const im_command_t *command, imc_fsm_result_t *result)
{
    const char *group = im_fields_str (command->args, IM_KEY_GROUP);
    int64_t seq = im_fields_int_or (command->args, IM_KEY_SEQ, -1);
    uint64_t current = 0;
    if (!group || !*group || seq < 0) {
        result->status = IM_PROTO_BAD_REQUEST;
        im_fields_set_str (result->body, IM_KEY_ERROR,
                           "OFFSET needs group and seq");
        return;
    }
    //  Several OFFSETs for one group can share an entry: the batch holds
    //  the last write, and seqs only grow, so writing each is correct
    imc_store_offset_get (self->store, group, &current);
    if ((uint64_t) seq > current)
        imc_store_batch_put_offset (batch, group, (uint64_t) seq);
    im_fields_set_int (result->body, IM_KEY_SEQ, seq);
}

//  True for the events whose handling by a worker depends on policy:
//  they carry the version they were decided under (imw_policy)
static bool
s_policy_stamped (const im_event_t *event)
{
    return event->type == IM_EV_OPENED || event->type == IM_EV_CONVERTED
        || event->type == IM_EV_CLASSIFIED
        || event->type == IM_EV_SLA_BREACHED || event->type == IM_EV_PENDING;
}

//  Counts a request result stored at ts_ms, for its expiry
static void
s_request_stored (imc_fsm_t *self, uint64_t ts_ms)
{
    self->requests_count++;
    self->entry_added++;
    if (ts_ms < self->entry_oldest_ms)
        self->entry_oldest_ms = ts_ms;
}

//  Decides and records one command; stored is the result an earlier
//  entry stored for its request id (borrowed), or NULL
static int
s_apply_command (imc_fsm_t *self, imc_store_batch_t *batch,
                 const im_command_t *command, const im_fields_t *stored)
{
    imc_fsm_result_t *result = imc_fsm_result_push (self);
    int rc = 0;
    if (command->type == IM_CMD_OFFSET) {
        s_apply_offset (self, batch, command, result);
        return 0;
    }
    const char *key = command->request_id;
    size_t position = self->results_n;  //  This result's index + 1
    if (*key) {
        //  A repeat gets the first answer, and no event
        if (imc_fsm_request_repeat (self, key, stored, result)) {
            im_fields_set_int (result->body, IM_KEY_REPEAT, 1);
            imc_entry_map_set_str (self->requests, key, position);
            return 0;
        }
    }
    uint64_t target = command->incident;
    if (command->type == IM_CMD_DENY)
        target = 0;                 //  Names an incident, changes none
    if (command->type == IM_CMD_ALERT) {
        const char *dedup_key = im_fields_str (command->args, IM_KEY_DEDUP_KEY);
        target = dedup_key ? imc_fsm_dedup_lookup (self, dedup_key, &rc) : 0;
    }
    im_fields_t *incident = rc ? NULL : imc_fsm_incident (self, target, &rc);
    if (rc)
        return rc;

    imc_decision_t *decision = &self->decision;
    self->lookup_rc = 0;
    imc_decide (command, incident, self->next_id, &self->policy, imc_fsm_lookup,
                self, decision);
    if (self->lookup_rc) {
        imc_decision_reset (decision);
        return self->lookup_rc;
    }
    self->counters [imc_counter_command (command->type, decision->rc != 0)]++;
    if (decision->rc) {
        result->status = im_error_status (decision->rc);
        im_fields_set_str (result->body, IM_KEY_ERROR, decision->error);
    }
    else {
        for (size_t index = 0; index < decision->count; index++) {
            im_event_t *event = decision->events [index];
            event->seq = ++self->last_seq;
            event->ts_ms = command->ts_ms;
            event->causation = command->causation;
            im_strlcpy (event->actor, command->actor, sizeof event->actor);
            im_strlcpy (event->request_id, command->request_id,
                        sizeof event->request_id);
            const char *behalf = im_fields_str (command->args,
                                                IM_KEY_ON_BEHALF_OF);
            if (behalf)
                im_fields_set_str (event->payload, IM_KEY_ON_BEHALF_OF, behalf);
            //  A command may make events for other incidents than its
            //  own (a follow-up, a linked incident)
            im_fields_t *projection = incident;
            if (event->type == IM_EV_OPENED) {
                projection =
                    imc_fsm_projection_take (self, event->incident, NULL);
                imc_entry_map_set_id (self->incidents, event->incident,
                                      (uintptr_t) projection);
                self->next_id++;
            }
            else
            if (event->incident == 0)
                projection = NULL;  //  Of no incident: the policy
            else
            if (event->incident != command->incident || !projection) {
                projection = imc_fsm_incident (self, event->incident, &rc);
                if (!projection) {
                    imc_decision_reset (decision);
                    return rc ? rc : IM_ENOTFOUND;
                }
            }
            if (self->policy.version && s_policy_stamped (event))
                im_fields_set_int (event->payload, IM_KEY_POLICY_VERSION,
                                   (int64_t) self->policy.version);
            //  Each event links to its incident's previous one: the
            //  projection's last, or the last policy for incident 0;
            //  a denial to the last denial (the audit chain), so that
            //  a flood of them never lengthens incident 0's chain,
            //  which every node reads again for its principals
            bool audit = event->type == IM_EV_DENIED;
            uint64_t prev = projection
                ? (uint64_t) im_fields_int_or (projection, IM_KEY_LAST_SEQ, 0)
                : audit ? self->audit_seq : self->config_seq;
            if (imc_store_batch_encode_event (batch, event, prev)) {
                imc_decision_reset (decision);
                return IM_ENOMEM;
            }
            if (audit) {
                self->audit_seq = event->seq;
                imc_store_batch_put_meta (batch, IM_META_AUDIT_SEQ,
                                          event->seq);
                self->counters [imc_counter_event (event->type)]++;
                continue;
            }
            if (!projection) {      //  Of no incident: a policy, a member
                self->config_seq = event->seq;
                imc_store_batch_put_meta (batch, IM_META_CONFIG_SEQ,
                                          event->seq);
                if (event->type == IM_EV_CONFIGURED)
                    s_policy_install (self, event);
                continue;
            }
            bool timers = imc_fsm_moves_timers (event);
            int64_t before [IMC_FSM_TIMERS] = { 0 };
            if (timers)
                imc_fsm_timers_due (projection, before);
            if (event->type == IM_EV_SLA_STARTED)
                imc_fsm_unindex_clocks (batch, event, projection);
            imc_fsm_evolve (self, projection, event);
            imc_fsm_index_clocks (batch, event, projection);
            if (timers)
                imc_fsm_index_timers (batch, event, before, projection);
            rc = imc_fsm_index_dedup (self, batch, command, event, projection);
            if (rc) {
                imc_decision_reset (decision);
                return rc;
            }
        }
        //  An ALERT may make no event (an acknowledge of an incident
        //  in progress): its answer still names the incident
        //  The body is empty (imc_fsm_result_push) and its keys distinct:
        //  appended, not searched for
        const im_event_t *first = decision->count ? decision->events [0]
                                                  : NULL;
        im_fields_append_int (result->body, IM_KEY_INCIDENT, (int64_t) (
            first ? first->incident : decision->incident));
        im_fields_append_int (result->body, IM_KEY_SEQ,
                              (int64_t) (first ? first->seq : 0));
        im_fields_append_int (result->body, IM_KEY_EVENTS,
                              (int64_t) decision->count);
        if (decision->outcome)
            im_fields_append_str (result->body, IM_KEY_OUTCOME,
                                  decision->outcome);
        if (command->type == IM_CMD_CONFIG)
            im_fields_append_int (result->body, IM_KEY_VERSION,
                                  (int64_t) self->policy.version);
    }
    imc_decision_reset (decision);
    if (*key) {                     //  Remember the answer for repeats
        //  Stored as the body with its status after it: the body never
        //  holds a status, so one is appended for the put and taken off
        //  again (the last entry: nothing moves)
        im_fields_append_int (result->body, IM_KEY_STATUS, result->status);
        imc_store_batch_put_request (batch, key, command->ts_ms, result->body);
        im_fields_remove (result->body, IM_KEY_STATUS);
        imc_entry_map_set_str (self->requests, key, position);
        s_request_stored (self, command->ts_ms);
    }
    return 0;
}

int
imc_fsm_apply (imc_fsm_t *self, uint64_t index, const void *data, size_t size)
{
    assert (self);
    if (index <= self->applied) {
        s_results_clear (self);
        return 0;                   //  Applied before this restart
    }
    im_command_t **commands = NULL;
    size_t count = 0;
    char reason [256];
    int decoded = im_entry_decode (data, size, &commands, &count,
                                   reason, sizeof reason);
    if (decoded)
        im_log_error ("imc_fsm: entry %" PRIu64 " does not decode: %s",
                    index, reason);
    return imc_fsm_apply_decoded (self, index, &commands, count, decoded);
}

int
imc_fsm_apply_decoded (imc_fsm_t *self, uint64_t index,
                       im_command_t ***commands_p, size_t count, int decoded)
{
    assert (self && commands_p);
    s_results_clear (self);
    im_command_t **commands = *commands_p;
    *commands_p = NULL;
    if (index <= self->applied) {
        im_entry_free (&commands, count);
        return 0;                   //  Applied before this restart
    }
    uint64_t saved_seq = self->last_seq, saved_id = self->next_id;
    uint64_t saved_config = self->config_seq;
    uint64_t saved_audit = self->audit_seq;
    uint64_t saved_requests = self->requests_count;
    uint64_t saved_from = self->expire_from_ms, saved_oldest = self->oldest_ms;
    bool saved_known = self->oldest_known;
    //  The entry's time: the latest the leader stamped on its commands
    uint64_t now_ms = 0;
    for (size_t cmd = 0; cmd < count; cmd++)
        if (commands [cmd]->ts_ms > now_ms)
            now_ms = commands [cmd]->ts_ms;
    self->entry_added = 0;
    self->entry_oldest_ms = UINT64_MAX;
    memcpy (self->counters_saved, self->counters,
            self->counters_n * sizeof (uint64_t));
    imc_store_batch_t *batch = imc_store_batch_new (self->store);
    int rc = batch ? 0 : IM_ENOMEM;
    if (rc == 0)
        rc = imc_fsm_prior_read (self, commands, count);
    for (size_t cmd = 0; cmd < count && rc == 0; cmd++) {
        size_t prior = self->prior_of [cmd];
        rc = s_apply_command (self, batch, commands [cmd],
                              prior ? self->prior [prior - 1] : NULL);
    }
    imc_fsm_prior_clear (self, count);
    if (rc == 0)
        rc = imc_fsm_expire_requests (self, batch, now_ms);
    if (rc == 0) {
        imc_fsm_put_incidents (self, batch);
        if (self->requests_count != saved_requests)
            imc_store_batch_put_meta (batch, IM_META_REQUESTS,
                                      self->requests_count);
        imc_store_batch_put_meta (batch, IM_META_APPLIED, index);
        imc_store_batch_put_meta (batch, IM_META_LAST_SEQ, self->last_seq);
        imc_store_batch_put_meta (batch, IM_META_NEXT_ID, self->next_id);
        imc_fsm_put_counters (self, batch);
        rc = imc_store_batch_commit (self->store, &batch, false);
    }
    imc_store_batch_destroy (&batch);
    imc_entry_map_clear (self->incidents);
    imc_fsm_dedup_clear (self);
    self->projections_used = 0;     //  Kept, cleared when taken again
    imc_entry_map_clear (self->requests);   //  Before the ids it borrows go
    im_entry_free (&commands, count);
    if (rc) {
        //  Nothing of this entry was written: the counters go back too
        s_results_clear (self);
        self->last_seq = saved_seq;
        self->next_id = saved_id;
        self->config_seq = saved_config;
        self->audit_seq = saved_audit;
        self->requests_count = saved_requests;
        self->expire_from_ms = saved_from;
        self->oldest_ms = saved_oldest;
        self->oldest_known = saved_known;
        memcpy (self->counters, self->counters_saved,
                self->counters_n * sizeof (uint64_t));
        im_log_error ("imc_fsm: cannot apply entry %" PRIu64 ": %s (%s)", index,
                    im_strerror (rc), imc_store_errmsg (self->store));
        return IM_EIO;
    }
    self->applied = index;
    return decoded ? IM_EPROTO : 0;
}

const imc_fsm_result_t *
imc_fsm_results (imc_fsm_t *self, size_t *count)
{
    assert (self && count);
    *count = self->results_n;
    return self->results;
}

uint64_t
imc_fsm_applied_index (imc_fsm_t *self)
{
    return self->applied;
}

uint64_t
imc_fsm_last_seq (imc_fsm_t *self)
{
    return self->last_seq;
}
