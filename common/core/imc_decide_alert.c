/*  imc_decide_alert - what an ALERT means: a trigger, acknowledge,
    resolve or clear from a monitoring source, named by its dedup key
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  A trigger of the occurrence the open incident already holds (a
//  monitoring source saying again that the alert still fires): the
//  incident's last_alert_ms moves, through an alert.seen, at most once
//  per policy alert_heartbeat, so that a source re-sending every few
//  seconds cannot grow the log faster than that. No new occurrence, so
//  nothing is counted and nobody is told.
static void
s_decide_heartbeat (const im_command_t *command, const im_fields_t *incident,
                    uint64_t id, const im_policy_t *policy,
                    imc_decision_t *decision)
{
    decision->incident = id;
    decision->outcome = "seen";
    int64_t last = im_fields_int_or (incident, IM_KEY_LAST_ALERT_MS, 0);
    if ((int64_t) command->ts_ms - last < policy->alert_heartbeat_ms)
        return;
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_ALERT_SEEN, id);
    im_fields_set_str (payload, IM_KEY_DEDUP_KEY,
                       im_fields_str (command->args, IM_KEY_DEDUP_KEY));
}

//  An alert from a monitoring source, named by its dedup key. incident
//  is what the key maps to; only an incident not yet resolved absorbs
//  the alert, so after a resolve a trigger opens a new incident.
void
imc_decide_alert (const im_command_t *command, const im_fields_t *incident,
                uint64_t new_id, const im_policy_t *policy,
                imc_decision_t *decision)
{
    const im_fields_t *args = command->args;
    const char *action = im_fields_str (args, IM_KEY_ACTION);
    const char *key = im_fields_str (args, IM_KEY_DEDUP_KEY);
    im_status_t status = incident ? im_incident_status (incident)
                                  : IM_STATUS_NONE;
    bool open = status == IM_STATUS_NEW || status == IM_STATUS_ASSIGNED
             || status == IM_STATUS_IN_PROGRESS
             || status == IM_STATUS_PENDING;
    uint64_t id = open
                ? (uint64_t) im_fields_int_or (incident, IM_KEY_ID, 0) : 0;
    im_fields_t *payload;
    if (streq (action, "trigger")) {
        if (!open && !im_fields_has (args, IM_KEY_TITLE)) {
            imc_decide_reject (decision, IM_EINVAL, "missing argument 'title'");
            return;
        }
        const char *occurrence = im_fields_str (args, IM_KEY_OCCURRENCE);
        const char *held = open ? im_fields_str (incident,
                                                 IM_KEY_ALERT_OCCURRENCE)
                                : NULL;
        if (occurrence && held && streq (occurrence, held)) {
            s_decide_heartbeat (command, incident, id, policy, decision);
            return;
        }
        if (open) {
            payload = imc_decide_emit (decision, IM_EV_ALERT_REPEATED, id);
            im_fields_set_str (payload, IM_KEY_DEDUP_KEY, key);
            im_fields_set_int (payload, IM_KEY_ALERTS,
                               im_fields_int_or (incident,
                                                 IM_KEY_ALERTS, 1) + 1);
            imc_decide_copy_str (payload, args, IM_KEY_SEVERITY, NULL);
            if (occurrence)
                im_fields_set_str (payload, IM_KEY_ALERT_OCCURRENCE,
                                   occurrence);
            decision->outcome = "added";
        }
        else {
            payload = imc_decide_emit_opened (args, "incident", new_id, decision);
            im_fields_set_str (payload, IM_KEY_DEDUP_KEY, key);
            im_fields_set_int (payload, IM_KEY_ALERTS, 1);
            im_fields_set_int (payload, IM_KEY_LAST_ALERT_MS,
                               (int64_t) command->ts_ms);
            imc_decide_copy_str (payload, args, IM_KEY_SEVERITY, NULL);
            if (occurrence)
                im_fields_set_str (payload, IM_KEY_ALERT_OCCURRENCE,
                                   occurrence);
            id = new_id;
            decision->outcome = "opened";
        }
        decision->incident = id;
        return;
    }
    if (!streq (action, "acknowledge") && !streq (action, "resolve")
    &&  !streq (action, "clear") && !streq (action, "heartbeat")) {
        imc_decide_reject (decision, IM_EINVAL, "argument 'action' is '%s', "
                           "must be trigger, heartbeat, acknowledge, resolve "
                           "or clear", action);
        return;
    }
    if (!open) {
        imc_decide_reject (decision, IM_ENOTFOUND,
                  "no open incident has dedup_key '%s'", key);
        return;
    }
    if (streq (action, "heartbeat")) {
        //  Of the occurrence the incident holds, else of one it no
        //  longer holds: nothing to record
        const char *occurrence = im_fields_str (args, IM_KEY_OCCURRENCE);
        const char *held = im_fields_str (incident, IM_KEY_ALERT_OCCURRENCE);
        if (!occurrence)
            imc_decide_reject (decision, IM_EINVAL, "missing argument "
                               "'occurrence'");
        else
        if (held && streq (occurrence, held))
            s_decide_heartbeat (command, incident, id, policy, decision);
        else {
            decision->incident = id;
            decision->outcome = "unchanged";
        }
        return;
    }
    decision->incident = id;
    const char *source = im_fields_str_or (args, IM_KEY_REPORTER,
                                           "the alert source");
    if (streq (action, "acknowledge")) {
        if (status == IM_STATUS_IN_PROGRESS) {
            decision->outcome = "unchanged";
            return;
        }
        payload = imc_decide_emit (decision, IM_EV_ACKNOWLEDGED, id);
        im_fields_set_str (payload, IM_KEY_STATUS, "in_progress");
        char note [128];
        snprintf (note, sizeof note, "acknowledged by %s", source);
        im_fields_set_str (payload, IM_KEY_NOTE, note);
        imc_decide_sla_ending (incident, payload, false);
        decision->outcome = "acknowledged";
    }
    else
    if (streq (action, "resolve")) {
        payload = imc_decide_emit (decision, IM_EV_RESOLVED, id);
        im_fields_set_str (payload, IM_KEY_CODE, "auto");
        char notes [128];
        snprintf (notes, sizeof notes, "resolved by %s", source);
        im_fields_set_str (payload, IM_KEY_NOTES, notes);
        im_fields_set_str (payload, IM_KEY_STATUS, "resolved");
        imc_decide_resolution_deadlines (payload, incident, policy, command->ts_ms);
        imc_decide_sla_ending (incident, payload, true);
        decision->outcome = "resolved";
    }
    else {
        payload = imc_decide_emit (decision, IM_EV_ALERT_CLEARED, id);
        im_fields_set_str (payload, IM_KEY_DEDUP_KEY, key);
        decision->outcome = "cleared";
    }
}
