/*  imc_decide_desk - what the service desk's commands mean

    The half of the decider that is about who works on an incident and
    how it is classified: assignment (checked against the policy's
    groups and agents when it names them), functional and hierarchical
    escalation, conversion between incident and service request,
    classification by hand and by the classifier, and the priority
    override only the right roles may make. imc_decide.c holds the
    argument checks and the lifecycle.
*/
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "im_config.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  Checks group and agent against the policy's groups, when it names
//  any; returns the group (NULL when the policy has none or group is
//  empty), or NULL with decision rejected
static const im_policy_group_t *
s_check_group (const im_policy_t *policy, const char *group,
               const char *agent, imc_decision_t *decision)
{
    if (policy->groups_n == 0 || !*group)
        return NULL;
    const im_policy_group_t *known = im_policy_group (policy, group);
    if (!known) {
        imc_decide_reject (decision, IM_EINVAL, "no group '%s' in the policy "
                           "(version %" PRIu64 ")", group, policy->version);
        return NULL;
    }
    bool member = !*agent || known->agents_n == 0;
    for (size_t index = 0; !member && index < known->agents_n; index++)
        member = streq (known->agents [index], agent);
    if (!member) {
        imc_decide_reject (decision, IM_EINVAL, "agent '%s' is not in group "
                           "'%s'", agent, group);
        return NULL;
    }
    return known;
}

//  Emits incident.assigned moving incident to new_group / new_agent
static void
s_assign_to (const im_command_t *command, const im_fields_t *incident,
             const im_policy_t *policy, const char *new_group,
             const char *new_agent, imc_decision_t *decision)
{
    const char *old_group = im_fields_str_or (incident, IM_KEY_GROUP, "");
    const char *old_agent = im_fields_str_or (incident, IM_KEY_AGENT, "");
    if (streq (new_group, old_group) && streq (new_agent, old_agent)) {
        imc_decide_reject (decision, IM_ESTATE, "incident is already "
                           "assigned to %s%s%s", new_group,
                           *new_agent ? "/" : "", new_agent);
        return;
    }
    const im_policy_group_t *group = s_check_group (policy, new_group,
                                                    new_agent, decision);
    if (decision->rc)
        return;
    //  A reassignment is any change after the first assignment
    int64_t count = im_fields_int_or (incident, IM_KEY_REASSIGNMENT_COUNT, 0);
    if (*old_group || *old_agent)
        count++;
    im_status_t status = im_incident_status (incident);
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_ASSIGNED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_GROUP, new_group);
    im_fields_set_str (payload, IM_KEY_AGENT, new_agent);
    im_fields_set_str (payload, IM_KEY_PREVIOUS_GROUP, old_group);
    im_fields_set_str (payload, IM_KEY_PREVIOUS_AGENT, old_agent);
    im_fields_set_str (payload, IM_KEY_STATUS,
                       status == IM_STATUS_NEW ? "assigned"
                                               : im_status_name (status));
    im_fields_set_int (payload, IM_KEY_REASSIGNMENT_COUNT, count);
    if (group)
        im_fields_set_int (payload, IM_KEY_TIER, (int64_t) group->tier);
}

void
imc_decide_assign (const im_command_t *command, const im_fields_t *incident,
                   const im_policy_t *policy, imc_decision_t *decision)
{
    const char *group = im_fields_str (command->args, IM_KEY_GROUP);
    const char *agent = im_fields_str (command->args, IM_KEY_AGENT);
    if ((!group || !*group) && (!agent || !*agent)) {
        imc_decide_reject (decision, IM_EINVAL,
                           "assign needs a 'group' or an 'agent'");
        return;
    }
    const char *old_group = im_fields_str_or (incident, IM_KEY_GROUP, "");
    const char *old_agent = im_fields_str_or (incident, IM_KEY_AGENT, "");
    //  Routing by the classifier never takes an incident from someone
    if (im_fields_int_or (command->args, IM_KEY_UNASSIGNED_ONLY, 0)
    &&  (*old_group || *old_agent)) {
        imc_decide_reject (decision, IM_ESTATE, "incident is already "
                           "assigned");
        return;
    }
    s_assign_to (command, incident, policy, group ? group : old_group,
                 agent ? agent : (group ? "" : old_agent), decision);
}

//  ESCALATE: functional moves the incident to the next tier's group (or
//  the one named), hierarchical tells management and changes nothing
//  of who works on it
void
imc_decide_escalate (const im_command_t *command, const im_fields_t *incident,
                     const im_policy_t *policy, imc_decision_t *decision)
{
    const im_fields_t *args = command->args;
    const char *kind = im_fields_str (args, IM_KEY_KIND);
    const char *named = im_fields_str (args, IM_KEY_GROUP);
    if (!streq (kind, "functional") && !streq (kind, "hierarchical")) {
        imc_decide_reject (decision, IM_EINVAL, "argument 'kind' is '%s', "
                           "must be functional or hierarchical", kind);
        return;
    }
    if (streq (kind, "hierarchical")) {
        if (named) {
            imc_decide_reject (decision, IM_EINVAL, "a hierarchical "
                               "escalation names no group");
            return;
        }
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_ESCALATED,
                                                command->incident);
        im_fields_set_str (payload, IM_KEY_KIND, kind);
        imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
        im_fields_set_int (payload, IM_KEY_LEVEL, 1 + im_fields_int_or (
            incident, IM_KEY_HIERARCHICAL_ESCALATIONS, 0));
        return;
    }
    const char *from = im_fields_str_or (incident, IM_KEY_GROUP, "");
    int64_t tier = im_fields_int_or (incident, IM_KEY_TIER, 1);
    const char *to = named;
    for (size_t index = 0; !to && index < policy->groups_n; index++)
        if ((int64_t) policy->groups [index].tier == tier + 1)
            to = policy->groups [index].name;
    if (!to) {
        imc_decide_reject (decision, IM_ESTATE, "no tier %" PRId64 " group "
                           "in the policy to escalate to; name one with "
                           "'group'", tier + 1);
        return;
    }
    const im_policy_group_t *target = im_policy_group (policy, to);
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_ESCALATED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_KIND, kind);
    imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
    im_fields_set_str (payload, IM_KEY_FROM_GROUP, from);
    im_fields_set_str (payload, IM_KEY_TO_GROUP, to);
    if (target)
        im_fields_set_int (payload, IM_KEY_TIER, (int64_t) target->tier);
    s_assign_to (command, incident, policy, to, "", decision);
}

//  CLASSIFY (the classifier's result): a priority set by hand stays
void
imc_decide_classify (const im_command_t *command,
                     const im_fields_t *incident, imc_decision_t *decision)
{
    const char *type = im_fields_str (command->args, IM_KEY_TYPE);
    if (type && !imc_decide_type_valid (type)) {
        imc_decide_reject (decision, IM_EINVAL,
                           "argument 'type' is '%s', must be "
                           "incident or request", type);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CLASSIFIED,
                                   command->incident);
    im_fields_merge (payload, command->args);
    //  What the SLA timer picks the targets' calendar by (sla.overrides)
    const char *service = im_fields_str (incident, IM_KEY_SERVICE);
    if (service && *service)
        im_fields_set_str (payload, IM_KEY_SERVICE, service);
    imc_decide_copy_str (payload, incident, IM_KEY_CUSTOMER_GROUP, NULL);
    if (im_fields_int_or (incident, IM_KEY_PRIORITY_OVERRIDE, 0))
        im_fields_set_int (payload, IM_KEY_PRIORITY,
                           im_fields_int_or (incident, IM_KEY_PRIORITY,
                                             im_fields_int_or (command->args,
                                                               IM_KEY_PRIORITY,
                                                               3)));
}

//  CONVERT: an incident becomes a service request or back
void
imc_decide_convert (const im_command_t *command, const im_fields_t *incident,
                    imc_decision_t *decision)
{
    const char *to = im_fields_str (command->args, IM_KEY_TYPE);
    const char *from = im_fields_str_or (incident, IM_KEY_TYPE, "incident");
    if (!imc_decide_type_valid (to)) {
        imc_decide_reject (decision, IM_EINVAL,
                           "argument 'type' is '%s', must be "
                           "incident or request", to);
        return;
    }
    if (streq (to, from)) {
        imc_decide_reject (decision, IM_ESTATE, "it is already a%s %s",
                  streq (to, "incident") ? "n" : "", to);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CONVERTED,
                                   command->incident);
    im_fields_set_str (payload, IM_KEY_FROM, from);
    im_fields_set_str (payload, IM_KEY_TO, to);
    imc_decide_copy_str (payload, command->args, IM_KEY_REASON, NULL);
    //  What the classifier needs to classify it again as its new type
    im_fields_set_int (payload, IM_KEY_IMPACT,
                       im_fields_int_or (incident, IM_KEY_IMPACT, 3));
    im_fields_set_int (payload, IM_KEY_URGENCY,
                       im_fields_int_or (incident, IM_KEY_URGENCY, 3));
    imc_decide_copy_str (payload, incident, IM_KEY_TITLE, "");
    imc_decide_copy_str (payload, incident, IM_KEY_DESCRIPTION, "");
}

//  PRIORITIZE: a manual priority, for an incident or desk manager only
void
imc_decide_prioritize (const im_command_t *command,
                       const im_fields_t *incident,
                       const im_policy_t *policy, imc_decision_t *decision)
{
    //  A command with roles was checked against them (imc_roles); one
    //  without goes by the policy's roles alone, as it always did
    if (!command->has_roles
    &&  !im_policy_has_role (policy, command->actor,
                             IM_ROLE_INCIDENT_MANAGER)
    &&  !im_policy_has_role (policy, command->actor, IM_ROLE_DESK_MANAGER)) {
        imc_decide_reject (decision, IM_EDENIED,
                           "'%s' may not override a priority: "
                           "needs the role " IM_ROLE_INCIDENT_MANAGER " or "
                           IM_ROLE_DESK_MANAGER " in the policy",
                           command->actor);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_PRIORITIZED,
                                   command->incident);
    im_fields_set_int (payload, IM_KEY_PRIORITY,
                       im_fields_int_or (command->args, IM_KEY_PRIORITY, 3));
    im_fields_set_int (payload, IM_KEY_PREVIOUS_PRIORITY,
                       im_fields_int_or (incident, IM_KEY_PRIORITY, 0));
    imc_decide_copy_str (payload, command->args, IM_KEY_REASON, NULL);
}

