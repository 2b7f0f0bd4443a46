/*  imc_decide_major - major incidents: proposal, declaration, updates,
    post-incident review

    Anyone may propose an incident as major; an incident manager (a role
    of the replicated policy) accepts it, naming a commander and an
    update cadence, or rejects it. A declared major incident has a next
    update due: each update (MAJOR update) moves it a cadence on, and
    when one is missed the SLA timer sends MAJOR remind, which records
    it and moves the due time on, so the reminders repeat until someone
    updates or the incident is resolved. A major incident closes only
    once a post-incident review (REVIEW: summary, root cause, actions
    with owners) is attached; imc_decide.c checks that on CLOSE.
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
#include "im_policy.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  Shortest and longest update cadence
#define S_CADENCE_MIN_MS    1000
#define S_CADENCE_MAX_MS    (7 * 86400000ll)

static bool
s_is_manager (const im_command_t *command, const im_policy_t *policy,
              imc_decision_t *decision)
{
    //  A command with roles was checked against them (imc_roles); one
    //  without goes by the policy's roles alone, as it always did
    if (command->has_roles
    ||  im_policy_has_role (policy, command->actor, IM_ROLE_INCIDENT_MANAGER))
        return true;
    imc_decide_reject (decision, IM_EDENIED, "'%s' may not accept or reject "
                       "a major incident: needs the role "
                       IM_ROLE_INCIDENT_MANAGER " in the policy",
                       command->actor);
    return false;
}

//  Checks that the incident's major state is expected, else rejects
static bool
s_major_is (const im_fields_t *incident, const char *expected,
            const char *action, imc_decision_t *decision)
{
    const char *major = im_fields_str_or (incident, IM_KEY_MAJOR, "no");
    if (streq (major, expected))
        return true;
    imc_decide_reject (decision, IM_ESTATE, "cannot %s: the incident's "
                       "major state is '%s', not '%s'", action, major,
                       expected);
    return false;
}

void
imc_decide_major (const im_command_t *command, const im_fields_t *incident,
                  const im_policy_t *policy, imc_decision_t *decision)
{
    const im_fields_t *args = command->args;
    const char *action = im_fields_str (args, IM_KEY_ACTION);
    int64_t now = (int64_t) command->ts_ms;
    im_fields_t *payload = NULL;
    if (streq (action, "propose")) {
        const char *major = im_fields_str_or (incident, IM_KEY_MAJOR, "no");
        if (streq (major, "proposed") || streq (major, "declared")) {
            imc_decide_reject (decision, IM_ESTATE, "the incident is already "
                               "%s major", major);
            return;
        }
        payload = imc_decide_emit (decision, IM_EV_MAJOR_PROPOSED,
                                   command->incident);
        imc_decide_copy_str (payload, args, IM_KEY_REASON, "");
    }
    else
    if (streq (action, "accept")) {
        int64_t cadence = im_fields_int_or (args, IM_KEY_CADENCE_MS, 0);
        const char *commander = im_fields_str_or (args, IM_KEY_COMMANDER, "");
        if (!*commander || cadence < S_CADENCE_MIN_MS
        ||  cadence > S_CADENCE_MAX_MS) {
            imc_decide_reject (decision, IM_EINVAL, "accept needs a "
                               "'commander' and a 'cadence_ms' of 1 s to "
                               "7 days");
            return;
        }
        if (!s_is_manager (command, policy, decision)
        ||  !s_major_is (incident, "proposed", "accept", decision))
            return;
        payload = imc_decide_emit (decision, IM_EV_MAJOR_DECLARED,
                                   command->incident);
        im_fields_set_str (payload, IM_KEY_COMMANDER, commander);
        im_fields_set_int (payload, IM_KEY_CADENCE_MS, cadence);
        im_fields_set_int (payload, IM_KEY_UPDATE_DUE_MS, now + cadence);
        imc_decide_copy_str (payload, incident, IM_KEY_TITLE, "");
        //  A cadence in another calendar than 24x7: the SLA timer moves
        //  the due time into it (action schedule)
        const char *calendar = imc_decide_update_calendar (incident, policy);
        if (!streq (calendar, IM_POLICY_CALENDAR_24X7))
            im_fields_set_str (payload, IM_KEY_UPDATE_CALENDAR, calendar);
    }
    else
    if (streq (action, "reject")) {
        if (!s_is_manager (command, policy, decision)
        ||  !s_major_is (incident, "proposed", "reject", decision))
            return;
        payload = imc_decide_emit (decision, IM_EV_MAJOR_REJECTED,
                                   command->incident);
        imc_decide_copy_str (payload, args, IM_KEY_REASON, "");
    }
    else
    if (streq (action, "update")) {
        if (!s_major_is (incident, "declared", "post an update", decision))
            return;
        if (!im_fields_has (args, IM_KEY_TEXT)) {
            imc_decide_reject (decision, IM_EINVAL, "an update needs 'text'");
            return;
        }
        payload = imc_decide_emit (decision, IM_EV_MAJOR_UPDATED,
                                   command->incident);
        imc_decide_copy_str (payload, args, IM_KEY_TEXT, NULL);
        im_fields_set_int (payload, IM_KEY_UPDATE_DUE_MS,
                           now + im_fields_int_or (
            incident, IM_KEY_UPDATE_CADENCE_MS, S_CADENCE_MIN_MS));
        imc_decide_copy_str (payload, incident, IM_KEY_UPDATE_CALENDAR,
                             NULL);
    }
    else
    if (streq (action, "remind")) {
        //  From the SLA timer: the due time it acts on must still be the
        //  incident's and must have passed by the leader's stamp
        int64_t due = im_fields_int_or (incident, IM_KEY_UPDATE_DUE_MS, 0);
        int64_t claimed = im_fields_int_or (args, IM_KEY_DUE_MS, 0);
        if (!s_major_is (incident, "declared", "remind", decision))
            return;
        if (claimed != due || now < due) {
            imc_decide_reject (decision, IM_ESTATE, "the next update is due "
                               "at %" PRId64 ", not %" PRId64, due, claimed);
            return;
        }
        payload = imc_decide_emit (decision, IM_EV_UPDATE_DUE,
                                   command->incident);
        im_fields_set_int (payload, IM_KEY_DUE_MS, due);
        imc_decide_copy_str (payload, incident, IM_KEY_COMMANDER, "");
        im_fields_set_int (payload, IM_KEY_UPDATE_DUE_MS,
                           due + im_fields_int_or (
            incident, IM_KEY_UPDATE_CADENCE_MS, S_CADENCE_MIN_MS));
        imc_decide_copy_str (payload, incident, IM_KEY_UPDATE_CALENDAR,
                             NULL);
    }
    else
    if (streq (action, "schedule")) {
        //  From the SLA timer: the next update's due time moved into the
        //  cadence's calendar; only later, and only the current one
        int64_t due = im_fields_int_or (incident, IM_KEY_UPDATE_DUE_MS, 0);
        int64_t claimed = im_fields_int_or (args, IM_KEY_DUE_MS, 0);
        int64_t moved = im_fields_int_or (args, IM_KEY_UPDATE_DUE_MS, 0);
        if (!s_major_is (incident, "declared", "schedule", decision))
            return;
        if (claimed != due || moved < due) {
            imc_decide_reject (decision, IM_ESTATE, "the next update is due "
                               "at %" PRId64 ", not %" PRId64 ", and moves "
                               "only later", due, claimed);
            return;
        }
        payload = imc_decide_emit (decision, IM_EV_UPDATE_SCHEDULED,
                                   command->incident);
        im_fields_set_int (payload, IM_KEY_DUE_MS, due);
        im_fields_set_int (payload, IM_KEY_UPDATE_DUE_MS, moved);
        imc_decide_copy_str (payload, incident, IM_KEY_UPDATE_CALENDAR,
                             NULL);
    }
    else
        imc_decide_reject (decision, IM_EINVAL, "argument 'action' is '%s', "
                           "must be propose, accept, reject, update, "
                           "remind or schedule", action);
}

void
imc_decide_review (const im_command_t *command, const im_fields_t *incident,
                   imc_decision_t *decision)
{
    (void) incident;
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_REVIEWED,
                                            command->incident);
    im_fields_merge (payload, command->args);
}
