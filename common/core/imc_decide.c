/*  imc_decide - what one command means, given an incident's projection

    The entry point of the decider: a command's arguments are checked
    (imc_decide_args.c), then the lifecycle says whether the incident's
    status allows it, and the command is decided here or by the
    imc_decide_*.c file of its family. Also the ways every decider makes
    events and rejections, and the commands of opening, configuration
    and membership, which have no incident to go by.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "imc_decide.h"
#include "imc_decide_private.h"
#include "imc_principals.h"

int
imc_decide_reject (imc_decision_t *decision, int rc, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (decision->error, sizeof decision->error, format, args);
    va_end (args);
    //  A reason may quote a client's text (a dedup key of 255 octets)
    //  and is cut to fit; the reply that carries it holds only UTF-8
    im_utf8_trim (decision->error);
    decision->rc = rc;
    return rc;
}

//  Adds an event of type for incident to decision; returns its payload
im_fields_t *
imc_decide_emit (imc_decision_t *decision, im_event_type_t type,
                 uint64_t incident)
{
    assert (decision->count < IMC_DECIDE_EVENTS_MAX);
    im_event_t *event = decision->events [decision->count];
    if (event) {
        //  Kept from an earlier decision: every field back to empty
        im_fields_t *payload = event->payload;
        im_fields_clear (payload);
        memset (event, 0, sizeof *event);
        event->payload = payload;
    }
    else {
        event = im_event_new ();
        assert (event);
        decision->events [decision->count] = event;
    }
    decision->count++;
    event->type = type;
    event->incident = incident;
    return event->payload;
}

void
imc_decide_copy_str (im_fields_t *to, const im_fields_t *from,
                     const char *key, const char *fallback)
{
    const char *value = im_fields_str_or (from, key, fallback);
    if (value)
        im_fields_set_str (to, key, value);
}

//  True for the two record types
bool
imc_decide_type_valid (const char *type)
{
    return type && (streq (type, "incident") || streq (type, "request"));
}

//  Appends the str key of from to to, or fallback when absent (nothing
//  when fallback is NULL too), as imc_decide_copy_str but for a key to
//  does not hold: no search of to, and no second check of what from
//  holds (a map holds only checked text)
static void
s_append_str (im_fields_t *to, const im_fields_t *from, const char *key,
              const char *fallback)
{
    size_t index;
    if (im_fields_index (from, key, &index)
    &&  im_fields_type_at (from, index) == IM_FIELD_STR)
        im_fields_append_from (to, from, index);
    else
    if (fallback)
        im_fields_append_str (to, key, fallback);
}

//  Emits incident.opened for an OPEN or an ALERT that opens; returns
//  its payload. Every OPEN goes through here: the payload starts empty
//  and its keys are distinct, so each is appended without a search.
im_fields_t *
imc_decide_emit_opened (const im_fields_t *args, const char *type, uint64_t new_id,
               imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_OPENED, new_id);
    s_append_str (payload, args, "title", NULL);
    s_append_str (payload, args, "description", "");
    s_append_str (payload, args, "reporter", "alert");
    s_append_str (payload, args, "service", "");
    im_fields_append_int (payload, "impact",
                          im_fields_int_or (args, "impact", 3));
    im_fields_append_int (payload, "urgency",
                          im_fields_int_or (args, "urgency", 3));
    im_fields_append_str (payload, "type", type);
    s_append_str (payload, args, "channel", "api");
    im_fields_append_str (payload, "status", "new");
    return payload;
}

static void
s_decide_open (const im_command_t *command, uint64_t new_id,
               imc_decision_t *decision)
{
    const char *type = im_fields_str_or (command->args, "type", "incident");
    if (!imc_decide_type_valid (type)) {
        imc_decide_reject (decision, IM_EINVAL, "argument 'type' is '%s', "
                           "must be incident or request", type);
        return;
    }
    imc_decide_emit_opened (command->args, type, new_id, decision);
}

//  CONFIG: a replicated policy, checked as a whole before anything
//  changes; it becomes the next version, an event of no incident (0)
static void
s_decide_config (const im_command_t *command, const im_policy_t *policy,
                 imc_decision_t *decision)
{
    const char *text = im_fields_str (command->args, "text");
    const char *source = im_fields_str_or (command->args, "source", "");
    //  Parsed to check it only: the state machine installs it when it
    //  applies the event (on the heap: a policy is large)
    im_policy_t *checked = (im_policy_t *) malloc (sizeof (im_policy_t));
    int rc = checked ? im_policy_parse (checked, *source ? source : "policy",
                                        text, policy->version + 1,
                                        decision->error,
                                        sizeof decision->error)
                     : IM_ENOMEM;
    free (checked);
    if (rc) {
        decision->rc = rc;
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CONFIGURED, 0);
    im_fields_set_int (payload, "version", (int64_t) policy->version + 1);
    im_fields_set_str (payload, "source", source);
    im_fields_set_str (payload, "text", text);
}

//  PRINCIPAL: a change to who holds which keys and roles, an event of
//  no incident that every node folds (imc_principals); who may send it
//  is the broker's to check (an administrator), before it is proposed
static void
s_decide_principal (const im_command_t *command, imc_decision_t *decision)
{
    const char *wrong = imc_principals_check (command->args);
    if (wrong) {
        imc_decide_reject (decision, IM_EINVAL, "%s", wrong);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_PRINCIPAL, 0);
    imc_decide_copy_str (payload, command->args, "action", NULL);
    imc_decide_copy_str (payload, command->args, "name", NULL);
    imc_decide_copy_str (payload, command->args, "roles", NULL);
    imc_decide_copy_str (payload, command->args, "key", NULL);
}

void
imc_decide (const im_command_t *command, const im_fields_t *incident,
            uint64_t new_id, const im_policy_t *policy,
            imc_decide_lookup_fn *lookup, void *arg,
            imc_decision_t *decision)
{
    assert (command && policy && lookup && decision);
    imc_decision_reset (decision);
    if (imc_decide_check_args (command, decision))
        return;
    if (command->type == IM_CMD_OPEN) {
        s_decide_open (command, new_id, decision);
        return;
    }
    if (command->type == IM_CMD_ALERT) {
        imc_decide_alert (command, incident, new_id, policy, decision);
        return;
    }
    if (command->type == IM_CMD_CONFIG) {
        s_decide_config (command, policy, decision);
        return;
    }
    if (command->type == IM_CMD_PRINCIPAL) {
        s_decide_principal (command, decision);
        return;
    }
    if (command->type == IM_CMD_MEMBER) {
        //  A member's addresses, recorded for every node to name it
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_MEMBER, 0);
        im_fields_set_int (payload, "node",
                           im_fields_int_or (command->args, "node", 0));
        imc_decide_copy_str (payload, command->args, "raft", NULL);
        imc_decide_copy_str (payload, command->args, "client", "");
        imc_decide_copy_str (payload, command->args, "workers", "");
        imc_decide_copy_str (payload, command->args, "http", "");
        return;
    }
    if (!incident) {
        imc_decide_reject (decision, IM_ENOTFOUND, "no incident %" PRIu64,
                  command->incident);
        return;
    }
    if (im_incident_check (im_incident_status (incident), command->type,
                           decision->error, sizeof decision->error)) {
        decision->rc = IM_ESTATE;
        return;
    }
    const im_fields_t *args = command->args;
    im_fields_t *payload;
    switch (command->type) {
        case IM_CMD_ACK:
            payload = imc_decide_emit (decision, IM_EV_ACKNOWLEDGED,
                                       command->incident);
            im_fields_set_str (payload, "status", "in_progress");
            imc_decide_copy_str (payload, args, "note", NULL);
            break;
        case IM_CMD_ASSIGN:
            imc_decide_assign (command, incident, policy, decision);
            break;
        case IM_CMD_COMMENT:
            payload = imc_decide_emit (decision, IM_EV_COMMENTED,
                                       command->incident);
            imc_decide_copy_str (payload, args, "text", NULL);
            break;
        case IM_CMD_RESOLVE:
            imc_decide_resolve (command, incident, policy, decision);
            imc_decide_resolve_children (command, incident, lookup, arg,
                                         decision);
            break;
        case IM_CMD_CLOSE:
            imc_decide_close (command, incident, decision);
            break;
        case IM_CMD_REOPEN:
            imc_decide_reopen (command, incident, new_id, decision);
            break;
        case IM_CMD_PEND:
            if (!im_incident_pending_reason_valid (
                    im_fields_str (args, "reason"))) {
                imc_decide_reject (decision, IM_EINVAL,
                          "argument 'reason' is '%s', must be one of %s",
                          im_fields_str (args, "reason"),
                          im_incident_pending_reasons ());
                break;
            }
            payload = imc_decide_emit (decision, IM_EV_PENDING,
                                       command->incident);
            imc_decide_copy_str (payload, args, "reason", NULL);
            imc_decide_copy_str (payload, args, "note", NULL);
            im_fields_set_str (payload, "previous_status",
                               im_fields_str (incident, "status"));
            im_fields_set_str (payload, "status", "pending");
            imc_decide_sla_hold (incident, payload, true);
            break;
        case IM_CMD_RESUME:
            //  Back to where it was put on hold from
            payload = imc_decide_emit (decision, IM_EV_RESUMED,
                                       command->incident);
            imc_decide_copy_str (payload, args, "note", NULL);
            im_fields_set_str (payload, "status",
                               im_fields_str_or (incident, "pending_from",
                                                 "in_progress"));
            imc_decide_sla_hold (incident, payload, false);
            break;
        case IM_CMD_CANCEL:
            payload = imc_decide_emit (decision, IM_EV_CANCELLED,
                                       command->incident);
            imc_decide_copy_str (payload, args, "reason", NULL);
            im_fields_set_str (payload, "status", "cancelled");
            break;
        case IM_CMD_CLASSIFY:
            imc_decide_classify (command, incident, decision);
            break;
        case IM_CMD_CONVERT:
            imc_decide_convert (command, incident, decision);
            break;
        case IM_CMD_ESCALATE:
            imc_decide_escalate (command, incident, policy, decision);
            break;
        case IM_CMD_LINK:
            imc_decide_link (command, incident, lookup, arg, decision);
            break;
        case IM_CMD_MAJOR:
            imc_decide_major (command, incident, policy, decision);
            break;
        case IM_CMD_REVIEW:
            imc_decide_review (command, incident, decision);
            break;
        case IM_CMD_UNLINK:
            imc_decide_unlink (command, incident, lookup, arg, decision);
            break;
        case IM_CMD_CATEGORIZE:
            if (im_fields_size (args)
                == (im_fields_has (args, "on_behalf_of") ? 1 : 0)) {
                imc_decide_reject (decision, IM_EINVAL,
                                   "categorize needs a category, "
                                   "subcategory, service or ci");
                break;
            }
            //  Checked against the policy's taxonomy; a subcategory
            //  alone belongs to the category the incident has
            if (im_policy_check_category (
                    policy, im_fields_str_or (args, "category",
                        im_fields_str_or (incident, "category", "")),
                    im_fields_str (args, "subcategory"), decision->error,
                    sizeof decision->error)) {
                decision->rc = IM_EINVAL;
                break;
            }
            payload = imc_decide_emit (decision, IM_EV_CATEGORIZED,
                                       command->incident);
            im_fields_merge (payload, args);
            break;
        case IM_CMD_PRIORITIZE:
            imc_decide_prioritize (command, incident, policy, decision);
            break;
        case IM_CMD_SLA_START:
        case IM_CMD_SLA_STOP:
        case IM_CMD_SLA_BREACH:
        case IM_CMD_SLA_PAUSE:
        case IM_CMD_SLA_RESUME:
        case IM_CMD_SLA_WARN:
            imc_decide_sla (command, incident, decision);
            break;
        case IM_CMD_NOTIFY:
            payload = imc_decide_emit (decision, IM_EV_NOTIFIED,
                                       command->incident);
            im_fields_merge (payload, args);
            break;
        default:
            break;
    }
}

void
imc_decision_reset (imc_decision_t *decision)
{
    assert (decision);
    decision->rc = 0;
    decision->error [0] = 0;
    decision->count = 0;
    decision->outcome = NULL;
    decision->incident = 0;
}

void
imc_decision_destroy_events (imc_decision_t *decision)
{
    assert (decision);
    for (size_t index = 0; index < IMC_DECIDE_EVENTS_MAX; index++)
        im_event_destroy (&decision->events [index]);
    memset (decision, 0, sizeof *decision);
}
