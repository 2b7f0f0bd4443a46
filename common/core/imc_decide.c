/*  imc_decide - what one command means, given an incident's projection

    The entry point of the decider: a command's arguments are checked
    (imc_decide_args.c), then the lifecycle says whether the incident's
    status allows it, and the command goes to its verb's decider in one
    table (s_deciders): here, or in the imc_decide_*.c file of its
    family. Also the ways every decider makes events and rejections, and
    the commands of opening, configuration and membership, which have no
    incident to go by.
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
#include "im_keys.h"
#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "imc_decide.h"
#include "imc_decide_private.h"
#include "imc_principals.h"
#include "imc_roles.h"

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
    s_append_str (payload, args, IM_KEY_TITLE, NULL);
    s_append_str (payload, args, IM_KEY_DESCRIPTION, "");
    s_append_str (payload, args, IM_KEY_REPORTER, "alert");
    s_append_str (payload, args, IM_KEY_SERVICE, "");
    s_append_str (payload, args, IM_KEY_CUSTOMER_GROUP, NULL);
    im_fields_append_int (payload, IM_KEY_IMPACT,
                          im_fields_int_or (args, IM_KEY_IMPACT, 3));
    im_fields_append_int (payload, IM_KEY_URGENCY,
                          im_fields_int_or (args, IM_KEY_URGENCY, 3));
    im_fields_append_str (payload, IM_KEY_TYPE, type);
    s_append_str (payload, args, IM_KEY_CHANNEL, "api");
    im_fields_append_str (payload, IM_KEY_STATUS, "new");
    return payload;
}

static void
s_decide_open (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const char *type = im_fields_str_or (call->command->args, IM_KEY_TYPE,
                                         "incident");
    if (!imc_decide_type_valid (type)) {
        imc_decide_reject (decision, IM_EINVAL, "argument 'type' is '%s', "
                           "must be incident or request", type);
        return;
    }
    imc_decide_emit_opened (call->command->args, type, call->new_id,
                            decision);
}

//  CONFIG: a replicated policy, checked as a whole before anything
//  changes; it becomes the next version, an event of no incident (0)
static void
s_decide_config (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const im_command_t *command = call->command;
    const im_policy_t *policy = call->policy;
    const char *text = im_fields_str (command->args, IM_KEY_TEXT);
    const char *source = im_fields_str_or (command->args, IM_KEY_SOURCE, "");
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
    im_fields_set_int (payload, IM_KEY_VERSION, (int64_t) policy->version + 1);
    im_fields_set_str (payload, IM_KEY_SOURCE, source);
    im_fields_set_str (payload, IM_KEY_TEXT, text);
}

//  PRINCIPAL: a change to who holds which keys and roles, an event of
//  no incident that every node folds (imc_principals); who may send it
//  is the broker's to check (an administrator), before it is proposed
static void
s_decide_principal (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const im_command_t *command = call->command;
    const char *wrong = imc_principals_check (command->args);
    if (wrong) {
        imc_decide_reject (decision, IM_EINVAL, "%s", wrong);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_PRINCIPAL, 0);
    imc_decide_copy_str (payload, command->args, IM_KEY_ACTION, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_NAME, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_ROLES, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_KEY, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_TOKEN_ID, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_TOKEN_HASH, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_LABEL, NULL);
}

//  DENY: a node refused someone a verb (docs/security.md). Recorded as
//  an access.denied event of no incident; the incident the refused
//  request named, if any, is in the payload. Who may send it (a node
//  only) is the broker's to check.
static void
s_decide_deny (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const im_command_t *command = call->command;
    const im_fields_t *args = command->args;
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_DENIED, 0);
    imc_decide_copy_str (payload, args, IM_KEY_VERB, NULL);
    imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
    im_fields_set_int (payload, IM_KEY_NODE,
                       im_fields_int_or (args, IM_KEY_NODE, 0));
    if (command->incident)
        im_fields_set_int (payload, IM_KEY_INCIDENT,
                           (int64_t) command->incident);
    if (im_fields_int_or (args, IM_KEY_SUPPRESSED, 0) > 0)
        im_fields_set_int (payload, IM_KEY_SUPPRESSED,
                           im_fields_int_or (args, IM_KEY_SUPPRESSED, 0));
    if (im_fields_has (args, IM_KEY_AT_MS))
        im_fields_set_int (payload, IM_KEY_AT_MS,
                           im_fields_int_or (args, IM_KEY_AT_MS, 0));
}

//  MEMBER: a member's addresses, recorded for every node to name it
static void
s_decide_member (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const im_fields_t *args = call->command->args;
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_MEMBER, 0);
    im_fields_set_int (payload, IM_KEY_NODE,
                       im_fields_int_or (args, IM_KEY_NODE, 0));
    imc_decide_copy_str (payload, args, IM_KEY_RAFT, NULL);
    imc_decide_copy_str (payload, args, IM_KEY_CLIENT, "");
    imc_decide_copy_str (payload, args, IM_KEY_WORKERS, "");
    imc_decide_copy_str (payload, args, IM_KEY_HTTP, "");
}

//  The deciders of the other imc_decide_*.c files, called as the table
//  calls every decider
static void
s_decide_alert (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_alert (call->command, call->incident, call->new_id,
                      call->policy, decision);
}

static void
s_decide_assign (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_assign (call->command, call->incident, call->policy,
                       decision);
}

static void
s_decide_resolve (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_resolve (call->command, call->incident, call->policy,
                        decision);
    imc_decide_resolve_children (call->command, call->incident,
                                 call->lookup, call->arg, decision);
}

static void
s_decide_close (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_close (call->command, call->incident, decision);
}

static void
s_decide_reopen (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_reopen (call->command, call->incident, call->new_id,
                       decision);
}

static void
s_decide_classify (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_classify (call->command, call->incident, decision);
}

static void
s_decide_convert (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_convert (call->command, call->incident, decision);
}

static void
s_decide_escalate (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_escalate (call->command, call->incident, call->policy,
                         decision);
}

static void
s_decide_link (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_link (call->command, call->incident, call->lookup, call->arg,
                     decision);
}

static void
s_decide_unlink (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_unlink (call->command, call->incident, call->lookup,
                       call->arg, decision);
}

static void
s_decide_major (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_major (call->command, call->incident, call->policy,
                      decision);
}

static void
s_decide_review (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_review (call->command, call->incident, decision);
}

static void
s_decide_prioritize (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_prioritize (call->command, call->incident, call->policy,
                           decision);
}

static void
s_decide_sla (const imc_decide_call_t *call, imc_decision_t *decision)
{
    imc_decide_sla (call->command, call->incident, call->policy, decision);
}

//  One decider per command verb. A command of no incident is decided
//  as it comes; any other needs its incident, in a status that allows
//  the command (im_incident_check), first. A verb with no decider
//  (OFFSET, which the state machine applies itself) makes no event.
//  A verb that changes its `other` incident too (LINK, UNLINK) needs
//  its roles to reach that one as well.
static const struct {
    imc_decide_fn *decide;          //  The verb's decider
    bool of_no_incident;            //  Decided without an incident
    bool reaches_other;             //  Changes its args' other incident
} s_deciders [IM_CMD_MAX] = {
    [IM_CMD_OPEN]       = { s_decide_open, true, false },
    [IM_CMD_ALERT]      = { s_decide_alert, true, false },
    [IM_CMD_CONFIG]     = { s_decide_config, true, false },
    [IM_CMD_PRINCIPAL]  = { s_decide_principal, true, false },
    [IM_CMD_DENY]       = { s_decide_deny, true, false },
    [IM_CMD_MEMBER]     = { s_decide_member, true, false },
    [IM_CMD_ACK]        = { imc_decide_ack, false, false },
    [IM_CMD_ASSIGN]     = { s_decide_assign, false, false },
    [IM_CMD_COMMENT]    = { imc_decide_comment, false, false },
    [IM_CMD_RESOLVE]    = { s_decide_resolve, false, false },
    [IM_CMD_CLOSE]      = { s_decide_close, false, false },
    [IM_CMD_REOPEN]     = { s_decide_reopen, false, false },
    [IM_CMD_PEND]       = { imc_decide_pend, false, false },
    [IM_CMD_RESUME]     = { imc_decide_resume, false, false },
    [IM_CMD_CANCEL]     = { imc_decide_cancel, false, false },
    [IM_CMD_CLASSIFY]   = { s_decide_classify, false, false },
    [IM_CMD_CONVERT]    = { s_decide_convert, false, false },
    [IM_CMD_ESCALATE]   = { s_decide_escalate, false, false },
    [IM_CMD_LINK]       = { s_decide_link, false, true },
    [IM_CMD_UNLINK]     = { s_decide_unlink, false, true },
    [IM_CMD_MAJOR]      = { s_decide_major, false, false },
    [IM_CMD_REVIEW]     = { s_decide_review, false, false },
    [IM_CMD_CATEGORIZE] = { imc_decide_categorize, false, false },
    [IM_CMD_PRIORITIZE] = { s_decide_prioritize, false, false },
    [IM_CMD_SLA_START]  = { s_decide_sla, false, false },
    [IM_CMD_SLA_STOP]   = { s_decide_sla, false, false },
    [IM_CMD_SLA_BREACH] = { s_decide_sla, false, false },
    [IM_CMD_SLA_PAUSE]  = { s_decide_sla, false, false },
    [IM_CMD_SLA_RESUME] = { s_decide_sla, false, false },
    [IM_CMD_SLA_WARN]   = { s_decide_sla, false, false },
    [IM_CMD_SLA_ESCALATE] = { imc_decide_sla_escalate, false, false },
    [IM_CMD_SLA_ACK_TIMEOUT] = { imc_decide_sla_ack_timeout, false, false },
    [IM_CMD_NOTIFY]     = { imc_decide_notify, false, false },
};

//  How far the roles stamped on command (with the policy's for its
//  actor) reach with its verb; 0 with decision rejected (403) when
//  nowhere. A command without roles (no CURVE, the node's own, or one
//  logged before roles were stamped) is decided as before: the policy's
//  roles alone, where a decider checks them.
static unsigned
s_reach (const im_command_t *command, const im_policy_t *policy,
         imc_decision_t *decision)
{
    if (!command->has_roles)
        return IMC_REACH_ALL;
    const char *verb = im_command_type_name (command->type);
    const char *action = command->type == IM_CMD_MAJOR
                       ? im_fields_str (command->args, IM_KEY_ACTION) : NULL;
    char roles [IMC_ROLES_MAX];
    imc_roles_merge (roles, sizeof roles, command->roles, policy,
                     command->actor);
    unsigned reach = imc_roles_reach (roles, verb, action);
    if (!reach) {
        imc_roles_refusal (decision->error, sizeof decision->error, verb,
                           action, command->actor);
        decision->rc = IM_EDENIED;
    }
    return reach;
}

//  Rejects (403) a command whose roles reach only some incidents, and
//  not incident (of id)
static int
s_check_reach (const im_command_t *command, unsigned reach,
               uint64_t id, const im_fields_t *incident,
               const im_policy_t *policy, imc_decision_t *decision)
{
    if (imc_roles_reaches (reach, command->actor, incident, policy))
        return 0;
    const char *verb = im_command_type_name (command->type);
    return imc_decide_reject (decision, IM_EDENIED, "'%s' may %s only "
                              "incidents %s: incident %" PRIu64 " is not "
                              "one", command->actor, verb,
                              reach == IMC_REACH_OWN ? "it reported"
                              : reach & IMC_REACH_OWN
                              ? "it reported, assigned to it, to a group "
                                "that lists it or to nobody"
                              : "assigned to it, to a group that lists it "
                                "or to nobody", id);
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
    unsigned reach = s_reach (command, policy, decision);
    if (!reach)
        return;
    bool known = command->type > IM_CMD_NONE && command->type < IM_CMD_MAX;
    if (!known || !s_deciders [command->type].of_no_incident) {
        if (!incident) {
            imc_decide_reject (decision, IM_ENOTFOUND, "no incident %"
                               PRIu64, command->incident);
            return;
        }
        if (s_check_reach (command, reach, command->incident, incident,
                           policy, decision))
            return;
        uint64_t other = (uint64_t) im_fields_int_or (command->args,
                                                      IM_KEY_OTHER, 0);
        const im_fields_t *target = known && s_deciders [command->type]
                                             .reaches_other && other
                                  ? lookup (arg, other) : NULL;
        if (target && s_check_reach (command, reach, other, target, policy,
                                     decision))
            return;
        if (im_incident_check (im_incident_status (incident), command->type,
                               decision->error, sizeof decision->error)) {
            decision->rc = IM_ESTATE;
            return;
        }
    }
    if (known && s_deciders [command->type].decide) {
        imc_decide_call_t call = { command, incident, new_id, policy,
                                   lookup, arg };
        s_deciders [command->type].decide (&call, decision);
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
