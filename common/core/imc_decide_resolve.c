/*  imc_decide_resolve - what resolving, closing and reopening mean

    The end of an incident's life: a resolution carries the deadlines the
    policy gives it (how long it may be reopened, when it closes by
    itself); a close, by an operator or by the SLA worker's timer, must
    match the deadline it acts on; a reopen past its window opens a
    follow-up incident instead, linked both ways.
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
#include "imc_decide.h"
#include "imc_decide_private.h"

//  The deadlines the policy gives a resolution, on its payload: until
//  when it may be reopened, and when it closes by itself (never for a
//  major incident, which closes by hand once reviewed)
void
imc_decide_resolution_deadlines (im_fields_t *payload,
                                 const im_fields_t *incident,
                                 const im_policy_t *policy, uint64_t ts_ms)
{
    int64_t now = (int64_t) ts_ms;
    im_fields_set_int (payload, IM_KEY_REOPEN_UNTIL_MS,
                       now + policy->reopen_window_ms);
    bool major = streq (im_fields_str_or (incident, IM_KEY_MAJOR, ""),
                        "declared");
    if (policy->auto_close_ms > 0 && !major)
        im_fields_set_int (payload, IM_KEY_CLOSE_DUE_MS,
                           now + policy->auto_close_ms);
    if (major)
        im_fields_set_int (payload, IM_KEY_MAJOR, 1);
}

//  RESOLVE: the resolution, and the deadlines the policy gives it
void
imc_decide_resolve (const im_command_t *command, const im_fields_t *incident,
                    const im_policy_t *policy, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_RESOLVED,
                                            command->incident);
    imc_decide_copy_str (payload, command->args, IM_KEY_CODE, NULL);
    imc_decide_copy_str (payload, command->args, IM_KEY_NOTES, NULL);
    im_fields_set_str (payload, IM_KEY_STATUS, "resolved");
    imc_decide_resolution_deadlines (payload, incident, policy, command->ts_ms);
    imc_decide_sla_ending (incident, payload, true);
}

//  CLOSE: an operator closes a resolved incident at once; the SLA timer
//  names the auto-close deadline it acts on (due_ms), which must still
//  be the incident's and must have passed by the leader's stamp, so a
//  late or repeated timer cannot close an incident reopened since
void
imc_decide_close (const im_command_t *command, const im_fields_t *incident,
                  imc_decision_t *decision)
{
    if (streq (im_fields_str_or (incident, IM_KEY_MAJOR, ""), "declared")
    &&  !im_fields_has (incident, IM_KEY_REVIEWED_MS)) {
        imc_decide_reject (decision, IM_ESTATE, "a major incident closes "
                           "once a post-incident review is attached "
                           "(REVIEW)");
        return;
    }
    int64_t claimed = 0;
    bool automatic = im_fields_int (command->args, IM_KEY_DUE_MS,
                                    &claimed) == 0;
    if (automatic) {
        int64_t due = im_fields_int_or (incident, IM_KEY_CLOSE_DUE_MS, 0);
        if (claimed != due) {
            imc_decide_reject (decision, IM_ESTATE,
                               "the incident closes at %" PRId64
                               ", not %" PRId64, due, claimed);
            return;
        }
        if ((int64_t) command->ts_ms < due) {
            imc_decide_reject (decision, IM_ESTATE,
                               "the incident closes at %" PRId64
                               ", not yet", due);
            return;
        }
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CLOSED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_STATUS, "closed");
    if (automatic)
        im_fields_set_int (payload, IM_KEY_DUE_MS, claimed);
}

//  Keys a follow-up incident takes from the one it follows
static const char *s_follow_up_keys [] = {
    IM_KEY_TITLE, IM_KEY_DESCRIPTION, IM_KEY_REPORTER, IM_KEY_SERVICE,
    IM_KEY_TYPE };

//  REOPEN: within the window a resolved incident reopens; a closed one,
//  or one resolved longer ago, stays as it is and a new incident is
//  opened as its follow-up, linked both ways
void
imc_decide_reopen (const im_command_t *command, const im_fields_t *incident,
                   uint64_t new_id, imc_decision_t *decision)
{
    const im_fields_t *args = command->args;
    int64_t until = im_fields_int_or (incident, IM_KEY_REOPEN_UNTIL_MS, 0);
    if (im_incident_status (incident) == IM_STATUS_RESOLVED
    &&  (int64_t) command->ts_ms <= until) {
        bool assigned = *im_fields_str_or (incident, IM_KEY_GROUP, "")
                     || *im_fields_str_or (incident, IM_KEY_AGENT, "");
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_REOPENED,
                                       command->incident);
        imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
        im_fields_set_str (payload, IM_KEY_STATUS,
                           assigned ? "assigned" : "new");
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_OPENED, new_id);
    for (size_t key = 0; key < sizeof s_follow_up_keys
                                / sizeof s_follow_up_keys [0]; key++)
        imc_decide_copy_str (payload, incident, s_follow_up_keys [key], "");
    im_fields_set_int (payload, IM_KEY_IMPACT,
                       im_fields_int_or (incident, IM_KEY_IMPACT, 3));
    im_fields_set_int (payload, IM_KEY_URGENCY,
                       im_fields_int_or (incident, IM_KEY_URGENCY, 3));
    im_fields_set_str (payload, IM_KEY_CHANNEL, "reopen");
    im_fields_set_str (payload, IM_KEY_STATUS, "new");
    im_fields_set_int (payload, IM_KEY_FOLLOW_UP_OF,
                       (int64_t) command->incident);
    imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
    payload = imc_decide_emit (decision, IM_EV_LINKED, command->incident);
    im_fields_set_str (payload, IM_KEY_LINK, "follow_up");
    im_fields_set_int (payload, IM_KEY_OTHER, (int64_t) new_id);
}
