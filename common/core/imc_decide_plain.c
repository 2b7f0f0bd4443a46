/*  imc_decide_plain - the commands that make one event from their
    arguments

    ACK, COMMENT, PEND, RESUME, CANCEL, CATEGORIZE and NOTIFY need no
    other incident and little of the policy: each checks what it must
    and makes its one event. The lifecycle has already allowed the
    command (imc_decide.c).
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_policy.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

void
imc_decide_ack (const imc_decide_call_t *call, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_ACKNOWLEDGED,
                                            call->command->incident);
    im_fields_set_str (payload, IM_KEY_STATUS, "in_progress");
    imc_decide_copy_str (payload, call->command->args, IM_KEY_NOTE, NULL);
    imc_decide_sla_ending (call->incident, payload, false);
}

void
imc_decide_comment (const imc_decide_call_t *call, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_COMMENTED,
                                            call->command->incident);
    imc_decide_copy_str (payload, call->command->args, IM_KEY_TEXT, NULL);
}

void
imc_decide_pend (const imc_decide_call_t *call, imc_decision_t *decision)
{
    const im_fields_t *args = call->command->args;
    if (!im_incident_pending_reason_valid (
            im_fields_str (args, IM_KEY_REASON))) {
        imc_decide_reject (decision, IM_EINVAL,
                  "argument 'reason' is '%s', must be one of %s",
                  im_fields_str (args, IM_KEY_REASON),
                  im_incident_pending_reasons ());
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_PENDING,
                                            call->command->incident);
    imc_decide_copy_str (payload, args, IM_KEY_REASON, NULL);
    imc_decide_copy_str (payload, args, IM_KEY_NOTE, NULL);
    im_fields_set_str (payload, IM_KEY_PREVIOUS_STATUS,
                       im_fields_str (call->incident, IM_KEY_STATUS));
    im_fields_set_str (payload, IM_KEY_STATUS, "pending");
    imc_decide_sla_hold (call->incident, payload, true);
}

//  Back to where it was put on hold from
void
imc_decide_resume (const imc_decide_call_t *call, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_RESUMED,
                                            call->command->incident);
    imc_decide_copy_str (payload, call->command->args, IM_KEY_NOTE, NULL);
    im_fields_set_str (payload, IM_KEY_STATUS,
                       im_fields_str_or (call->incident, IM_KEY_PENDING_FROM,
                                         "in_progress"));
    imc_decide_sla_hold (call->incident, payload, false);
}

void
imc_decide_cancel (const imc_decide_call_t *call, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CANCELLED,
                                            call->command->incident);
    imc_decide_copy_str (payload, call->command->args, IM_KEY_REASON, NULL);
    im_fields_set_str (payload, IM_KEY_STATUS, "cancelled");
}

void
imc_decide_categorize (const imc_decide_call_t *call,
                       imc_decision_t *decision)
{
    const im_fields_t *args = call->command->args;
    if (im_fields_size (args)
        == (im_fields_has (args, IM_KEY_ON_BEHALF_OF) ? 1 : 0)) {
        imc_decide_reject (decision, IM_EINVAL,
                           "categorize needs a category, "
                           "subcategory, service or ci");
        return;
    }
    //  Checked against the policy's taxonomy; a subcategory alone
    //  belongs to the category the incident has
    if (im_policy_check_category (
            call->policy, im_fields_str_or (args, IM_KEY_CATEGORY,
                im_fields_str_or (call->incident, IM_KEY_CATEGORY, "")),
            im_fields_str (args, IM_KEY_SUBCATEGORY), decision->error,
            sizeof decision->error)) {
        decision->rc = IM_EINVAL;
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CATEGORIZED,
                                            call->command->incident);
    im_fields_merge (payload, args);
}

void
imc_decide_notify (const imc_decide_call_t *call, imc_decision_t *decision)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_NOTIFIED,
                                            call->command->incident);
    im_fields_merge (payload, call->command->args);
}
