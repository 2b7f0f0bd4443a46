/*  imc_decide_sla_escalate - the escalation steps and the
    acknowledgement timeout the SLA timer reports

    When SLA-START starts an incident's clocks, the state machine looks
    up the incident's escalation policy and acknowledgement timeout
    (im_policy_escalation_for, by priority, service and customer group)
    and writes the plan's first step into sla.started: the policy's
    name, level 1 of round 1 and when it is due. Each step the SLA timer
    reports (SLA-ESCALATE) is recorded as sla.escalated with the level's
    targets copied from the policy in force, so a replay and the
    notifier never need the policy again, and with the step after it,
    which the projection keeps and the deadlines index follows. A
    step is taken once: it must be the incident's next (its due time,
    and its level and round when given) and due by the leader's stamp,
    so a second timer, or one that restarted, is refused.

    Escalation steps are paging, which runs round the clock: their
    times are 24x7, not in the targets' calendar.
*/
#include <inttypes.h>
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

#define S_TARGETS_TEXT  1600            //  "user:a,group:b,..." of a level

void
imc_decide_sla_plan (const im_command_t *command, const im_fields_t *incident,
                     const im_policy_t *policy, im_fields_t *payload)
{
    const char *type = im_fields_str_or (command->args, IM_KEY_TYPE,
                                         "incident");
    im_policy_subject_t subject = {
        .request = streq (type, "request"),
        .priority = (int) im_fields_int_or (command->args, IM_KEY_PRIORITY,
                                            0),
        .service = im_fields_str (incident, IM_KEY_SERVICE),
        .customer_group = im_fields_str (incident, IM_KEY_CUSTOMER_GROUP)
    };
    //  The plan is the state machine's: none of it comes from the args
    static const char *const keys [] = {
        IM_KEY_ESCALATION, IM_KEY_ESCALATE_DUE_MS, IM_KEY_ESCALATE_LEVEL,
        IM_KEY_ESCALATE_ROUND, IM_KEY_ACK_TIMEOUT_MS };
    for (size_t index = 0; index < sizeof keys / sizeof keys [0]; index++)
        im_fields_remove (payload, keys [index]);
    const im_policy_escalation_t *escalation =
        im_policy_escalation_for (policy, &subject);
    if (escalation && escalation->levels_n
    &&  !im_fields_has (incident, IM_KEY_ACKNOWLEDGED_MS)) {
        im_fields_set_str (payload, IM_KEY_ESCALATION, escalation->name);
        im_fields_set_int (payload, IM_KEY_ESCALATE_DUE_MS,
                           (int64_t) (command->ts_ms
                                      + escalation->levels [0].after_ms));
        im_fields_set_int (payload, IM_KEY_ESCALATE_LEVEL, 1);
        im_fields_set_int (payload, IM_KEY_ESCALATE_ROUND, 1);
    }
    uint64_t ack_timeout = im_policy_ack_timeout_for (policy, &subject);
    if (ack_timeout)
        im_fields_set_int (payload, IM_KEY_ACK_TIMEOUT_MS,
                           (int64_t) ack_timeout);
}

const char *
imc_decide_update_calendar (const im_fields_t *incident,
                            const im_policy_t *policy)
{
    const char *type = im_fields_str_or (incident, IM_KEY_TYPE, "incident");
    im_policy_subject_t subject = {
        .request = streq (type, "request"),
        .priority = (int) im_fields_int_or (incident, IM_KEY_PRIORITY, 0),
        .service = im_fields_str (incident, IM_KEY_SERVICE),
        .customer_group = im_fields_str (incident, IM_KEY_CUSTOMER_GROUP)
    };
    return im_policy_calendar_for (policy, &subject, true);
}

//  Writes level's targets as "user:<name>,group:<name>,schedule:<name>"
static void
s_targets (const im_policy_level_t *level, char *text, size_t size)
{
    struct {
        const char *kind;               //  Prefix
        size_t count;                   //  How many
        const char (*names) [IM_POLICY_NAME_MAX];   //  Their names
    } lists [3] = {
        { "user", level->users_n, level->users },
        { "group", level->groups_n, level->groups },
        { "schedule", level->schedules_n, level->schedules } };
    *text = 0;
    size_t used = 0;
    for (int list = 0; list < 3; list++)
        for (size_t index = 0; index < lists [list].count; index++) {
            int length = snprintf (text + used, size - used, "%s%s:%s",
                                   used ? "," : "", lists [list].kind,
                                   lists [list].names [index]);
            if (length < 0 || (size_t) length >= size - used)
                return;
            used += (size_t) length;
        }
}

//  Checks that the step claimed by args is the incident's next (due,
//  the clock of im_incident_timer_due); returns false after rejecting
static bool
s_step_is_next (const im_command_t *command, int64_t due, const char *what,
                imc_decision_t *decision)
{
    int64_t claimed = im_fields_int_or (command->args, IM_KEY_DUE_MS, 0);
    if (due == 0)
        imc_decide_reject (decision, IM_ESTATE, "no %s runs for the "
                           "incident", what);
    else
    if (claimed != due)
        imc_decide_reject (decision, IM_ESTATE, "the %s is due at %" PRId64
                           ", not %" PRId64, what, due, claimed);
    else
    if ((int64_t) command->ts_ms < due)
        imc_decide_reject (decision, IM_ESTATE, "the %s is not due yet",
                           what);
    else
        return true;
    return false;
}

void
imc_decide_sla_escalate (const imc_decide_call_t *call,
                         imc_decision_t *decision)
{
    const im_command_t *command = call->command;
    const im_fields_t *incident = call->incident;
    int64_t due = im_incident_timer_due (incident, IM_CLOCK_ESCALATE);
    if (!s_step_is_next (command, due, "next escalation step", decision))
        return;
    int64_t level = im_fields_int_or (incident, IM_KEY_ESCALATE_LEVEL, 1);
    int64_t round = im_fields_int_or (incident, IM_KEY_ESCALATE_ROUND, 1);
    int64_t claimed_level = im_fields_int_or (command->args, IM_KEY_LEVEL,
                                              level);
    int64_t claimed_round = im_fields_int_or (command->args, IM_KEY_ROUND,
                                              round);
    if (claimed_level != level || claimed_round != round) {
        imc_decide_reject (decision, IM_ESTATE, "the next escalation step "
                           "is level %" PRId64 " of round %" PRId64, level,
                           round);
        return;
    }
    //  The targets as the policy in force names them; a policy that no
    //  longer has the escalation pages no one and ends it
    const char *name = im_fields_str_or (incident, IM_KEY_ESCALATION, "");
    const im_policy_escalation_t *escalation =
        im_policy_escalation (call->policy, name);
    char targets [S_TARGETS_TEXT] = "";
    if (escalation && level >= 1 && (size_t) level <= escalation->levels_n)
        s_targets (&escalation->levels [level - 1], targets, sizeof targets);
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_ESCALATED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_ESCALATION, name);
    im_fields_set_int (payload, IM_KEY_LEVEL, level);
    im_fields_set_int (payload, IM_KEY_ROUND, round);
    im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    im_fields_set_str (payload, IM_KEY_TARGETS, targets);
    if (!escalation || level < 1 || (size_t) level > escalation->levels_n)
        return;
    //  The step after: the next level, or level 1 of the next round
    int64_t next_level = level + 1, next_round = round;
    if ((size_t) next_level > escalation->levels_n) {
        next_level = 1;
        next_round = round + 1;
    }
    if ((uint64_t) next_round > escalation->repeat)
        return;                     //  The last step of the last round
    int64_t next_due = due
        + (int64_t) escalation->levels [next_level - 1].after_ms;
    im_fields_set_int (payload, IM_KEY_ESCALATE_DUE_MS, next_due);
    im_fields_set_int (payload, IM_KEY_ESCALATE_LEVEL, next_level);
    im_fields_set_int (payload, IM_KEY_ESCALATE_ROUND, next_round);
}

void
imc_decide_sla_ack_timeout (const imc_decide_call_t *call,
                            imc_decision_t *decision)
{
    const im_command_t *command = call->command;
    const im_fields_t *incident = call->incident;
    int64_t due = im_incident_timer_due (incident, IM_CLOCK_ACK_TIMEOUT);
    if (!s_step_is_next (command, due, "acknowledgement timeout", decision))
        return;
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_ACK_TIMEOUT,
                                            command->incident);
    im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    im_fields_set_int (payload, IM_KEY_ACK_TIMEOUT_MS,
                       im_fields_int_or (incident, IM_KEY_ACK_TIMEOUT_MS, 0));
    //  Whom to page again: the incident's group and agent, as they are
    imc_decide_copy_str (payload, incident, IM_KEY_GROUP, NULL);
    imc_decide_copy_str (payload, incident, IM_KEY_AGENT, NULL);
}
