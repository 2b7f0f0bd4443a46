/*  imc_decide_sla - what the SLA timer's commands mean: a clock started,
    stopped, or breached, each checked against the incident's clocks
*/
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_command.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  Checks an SLA clock argument and that the clock is running
static const char *
s_running_clock (const im_command_t *command, const im_fields_t *incident,
                 imc_decision_t *decision)
{
    const char *clock = im_fields_str (command->args, IM_KEY_CLOCK);
    if (!streq (clock, "response") && !streq (clock, "resolution")) {
        imc_decide_reject (decision, IM_EINVAL,
                  "argument 'clock' is '%s', must be response or resolution",
                  clock);
        return NULL;
    }
    char key [32];
    snprintf (key, sizeof key, "sla_%s", clock);
    const char *state = im_fields_str (incident, key);
    if (!state || !streq (state, "running")) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock is %s", clock,
                  state ? state : "not started");
        return NULL;
    }
    return clock;
}

void
imc_decide_sla (const im_command_t *command, const im_fields_t *incident,
              imc_decision_t *decision)
{
    const im_fields_t *args = command->args;
    if (command->type == IM_CMD_SLA_START) {
        //  Clocks start once, and again when the record changed type
        //  (the other type has its own SLA policy)
        const char *type = im_fields_str (args, IM_KEY_TYPE);
        if (im_fields_has (incident, IM_KEY_SLA_RESPONSE)
        &&  (!type || streq (type, im_fields_str_or (incident, IM_KEY_SLA_TYPE,
                                                     "incident")))) {
            imc_decide_reject (decision, IM_ESTATE,
                               "SLA clocks already started");
            return;
        }
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_STARTED,
                                       command->incident);
        im_fields_merge (payload, args);
        return;
    }
    const char *clock = s_running_clock (command, incident, decision);
    if (!clock)
        return;
    char key [48];
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    int64_t due = im_fields_int_or (incident, key, 0);
    if (command->type == IM_CMD_SLA_STOP) {
        int64_t at = im_fields_int_or (args, IM_KEY_AT_MS, 0);
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_STOPPED,
                                       command->incident);
        im_fields_set_str (payload, IM_KEY_CLOCK, clock);
        im_fields_set_int (payload, IM_KEY_AT_MS, at);
        im_fields_set_str (payload, IM_KEY_RESULT,
                           at <= due ? "met" : "breached");
        return;
    }
    //  A breach is a fact about times: the deadline must be the clock's,
    //  it must have passed by the leader's stamp, and the stop that would
    //  have met it must not already be in the projection
    int64_t claimed = im_fields_int_or (args, IM_KEY_DUE_MS, 0);
    const char *stopper = streq (clock, "response") ? IM_KEY_ACKNOWLEDGED_MS
                                                    : IM_KEY_RESOLVED_MS;
    int64_t stopped = im_fields_int_or (incident, stopper, 0);
    if (claimed != due)
        imc_decide_reject (decision, IM_ESTATE,
                           "the %s clock is due at %" PRId64
                           ", not %" PRId64, clock, due, claimed);
    else
    if ((int64_t) command->ts_ms < due)
        imc_decide_reject (decision, IM_ESTATE,
                           "the %s clock is not due yet", clock);
    else
    if (stopped && stopped <= due)
        imc_decide_reject (decision, IM_ESTATE, "the %s clock was met", clock);
    else {
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_BREACHED,
                                       command->incident);
        im_fields_set_str (payload, IM_KEY_CLOCK, clock);
        im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    }
}
