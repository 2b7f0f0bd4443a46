/*  imc_decide_sla - what the SLA timer's commands mean: a clock started,
    stopped, breached, paused or resumed, each checked against the
    incident's clocks. The timer computes every instant in its calendar
    and sends it; the state machine checks the order of things and
    records them, reading no clock and no calendar.
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
#include "im_warnings.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  Checks an SLA clock argument and that the clock is in state (or, when
//  also is not NULL, in that one); returns the clock's name or NULL
static const char *
s_clock_in (const im_command_t *command, const im_fields_t *incident,
            const char *state, const char *also, imc_decision_t *decision)
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
    const char *now = im_fields_str (incident, key);
    if (!now || (!streq (now, state) && !(also && streq (now, also)))) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock is %s", clock,
                  now ? now : "not started");
        return NULL;
    }
    return clock;
}

//  Checks the clock argument of SLA-STOP: the clock must be running or
//  paused, or breached and not stopped yet (its stop still tells how
//  long it ran). Returns the clock's name or NULL after rejecting.
static const char *
s_stoppable (const im_command_t *command, const im_fields_t *incident,
             imc_decision_t *decision)
{
    const char *clock = im_fields_str (command->args, IM_KEY_CLOCK);
    if (clock && (streq (clock, "response") || streq (clock, "resolution"))) {
        char key [48];
        snprintf (key, sizeof key, "sla_%s_stopped_ms", clock);
        bool stopped = im_fields_has (incident, key);
        snprintf (key, sizeof key, "sla_%s", clock);
        if (!stopped
        &&  streq (im_fields_str_or (incident, key, ""), "breached"))
            return s_clock_in (command, incident, "breached", NULL,
                               decision);
    }
    return s_clock_in (command, incident, "running", "paused", decision);
}

void
imc_decide_sla_ending (const im_fields_t *incident, im_fields_t *payload,
                       bool resolution)
{
    static const char *clocks [2] = { "response", "resolution" };
    static const char *facts [3] = { "due_ms", "target_ms", "remaining_ms" };
    bool any = false;
    for (int index = 0; index < 2; index++) {
        char key [48];
        for (int fact = 0; fact < 3; fact++) {
            snprintf (key, sizeof key, "sla_%s_%s", clocks [index],
                      facts [fact]);
            im_fields_remove (payload, key);
        }
        if (!incident || (index == 1 && !resolution))
            continue;
        snprintf (key, sizeof key, "sla_%s_stopped_ms", clocks [index]);
        bool stopped = im_fields_has (incident, key);
        snprintf (key, sizeof key, "sla_%s", clocks [index]);
        const char *state = im_fields_str_or (incident, key, "");
        if (!streq (state, "running") && !streq (state, "paused")
        &&  !(streq (state, "breached") && !stopped))
            continue;
        for (int fact = 0; fact < 3; fact++) {
            snprintf (key, sizeof key, "sla_%s_%s", clocks [index],
                      facts [fact]);
            int64_t value = 0;
            if (im_fields_int (incident, key, &value) == 0)
                im_fields_set_int (payload, key, value);
        }
        any = true;
    }
    im_fields_remove (payload, IM_KEY_SLA_CALENDAR);
    const char *calendar = incident ? im_fields_str (incident,
                                                     IM_KEY_SLA_CALENDAR)
                                    : NULL;
    if (any && calendar)
        im_fields_set_str (payload, IM_KEY_SLA_CALENDAR, calendar);
}

//  True when args has no key or a warning list at key; rejects otherwise
static bool
s_warnings_valid (const im_fields_t *args, const char *key,
                  imc_decision_t *decision)
{
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = 0;
    const char *text = im_fields_str (args, key);
    if (!text || !*text || im_warnings_parse (text, warnings, &count) == 0)
        return true;
    imc_decide_reject (decision, IM_EINVAL, "argument '%s' is not a list "
                       "of percent:ms warnings", key);
    return false;
}

//  Reads the warnings of clock not given yet from the projection into
//  warnings (IM_WARNINGS_MAX); returns how many (0 for a bad list)
static size_t
s_warnings_left (const im_fields_t *incident, const char *clock,
                 im_warning_t *warnings)
{
    char key [48];
    snprintf (key, sizeof key, "sla_%s_warnings", clock);
    size_t count = 0;
    if (im_warnings_parse (im_fields_str_or (incident, key, ""), warnings,
                           &count))
        count = 0;
    return count;
}

//  Emits sla.warning for warnings [found] of clock, and takes it out of
//  the count warnings: the rest is the event's list, for the projection
//  and the timer's next one
static void
s_warning_emit (const im_command_t *command, const char *clock,
                im_warning_t *warnings, size_t *count, size_t found,
                imc_decision_t *decision)
{
    im_warning_t given = warnings [found];
    memmove (&warnings [found], &warnings [found + 1],
             (*count - found - 1) * sizeof warnings [0]);
    (*count)--;
    char rest [IM_WARNINGS_TEXT];
    im_warnings_format (warnings, *count, rest, sizeof rest);
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_WARNING,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_CLOCK, clock);
    im_fields_set_int (payload, IM_KEY_FRACTION, given.percent);
    im_fields_set_int (payload, IM_KEY_DUE_MS, given.at_ms);
    im_fields_set_str (payload, IM_KEY_WARNINGS, rest);
}

//  SLA-WARN: the warning at fraction of a running clock, due at due_ms,
//  given once: it must be in the clock's list of warnings not given yet
static void
s_warn (const im_command_t *command, const im_fields_t *incident,
        const char *clock, imc_decision_t *decision)
{
    int64_t fraction = im_fields_int_or (command->args, IM_KEY_FRACTION, 0);
    int64_t due = im_fields_int_or (command->args, IM_KEY_DUE_MS, 0);
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = s_warnings_left (incident, clock, warnings);
    size_t found = count;
    for (size_t index = 0; index < count; index++)
        if (warnings [index].percent == fraction)
            found = index;
    if (found == count) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock has no "
                           "warning at %" PRId64 " %% to give", clock,
                           fraction);
        return;
    }
    if (warnings [found].at_ms != due) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock's %" PRId64
                           " %% warning is due at %" PRId64 ", not %" PRId64,
                           clock, fraction, warnings [found].at_ms, due);
        return;
    }
    if ((int64_t) command->ts_ms < due) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock's %" PRId64
                           " %% warning is not due yet", clock, fraction);
        return;
    }
    s_warning_emit (command, clock, warnings, &count, found, decision);
}

//  Before a breach: the clock's warnings not given yet were all due by
//  its deadline. A timer that was down when they fell due sends them
//  with the breach, and the breach may be decided first, which would
//  end the clock and lose them; so they are recorded here, earliest
//  first, before the breach, each once however the commands arrive.
static void
s_warnings_overdue (const im_command_t *command, const im_fields_t *incident,
                    const char *clock, imc_decision_t *decision)
{
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = s_warnings_left (incident, clock, warnings);
    while (count > 0) {
        size_t first = 0;
        for (size_t index = 1; index < count; index++)
            if (warnings [index].at_ms < warnings [first].at_ms)
                first = index;
        if (warnings [first].at_ms > (int64_t) command->ts_ms)
            break;
        s_warning_emit (command, clock, warnings, &count, first, decision);
    }
}

//  SLA-PAUSE: a running clock stops while the incident is pending, with
//  the working time it had left (the timer's, from its calendar)
static void
s_pause (const im_command_t *command, const im_fields_t *incident,
         const char *clock, int64_t due, imc_decision_t *decision)
{
    int64_t at = im_fields_int_or (command->args, IM_KEY_AT_MS, 0);
    if (!streq (im_fields_str_or (incident, IM_KEY_STATUS, ""), "pending")) {
        imc_decide_reject (decision, IM_ESTATE, "the incident is not "
                           "pending");
        return;
    }
    if (at >= due) {
        imc_decide_reject (decision, IM_ESTATE, "the %s clock was due at "
                           "%" PRId64 ", before the pause", clock, due);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_PAUSED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_CLOCK, clock);
    im_fields_set_int (payload, IM_KEY_AT_MS, at);
    im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    im_fields_set_int (payload, IM_KEY_REMAINING_MS,
                       im_fields_int_or (command->args, IM_KEY_REMAINING_MS,
                                         0));
}

//  SLA-RESUME: a paused clock runs again with the deadline the timer
//  computed; the pause's length is the state machine's, from the record
static void
s_resume (const im_command_t *command, const im_fields_t *incident,
          const char *clock, imc_decision_t *decision)
{
    int64_t at = im_fields_int_or (command->args, IM_KEY_AT_MS, 0);
    int64_t due = im_fields_int_or (command->args, IM_KEY_DUE_MS, 0);
    char key [48];
    snprintf (key, sizeof key, "sla_%s_paused_at_ms", clock);
    int64_t paused_at = im_fields_int_or (incident, key, 0);
    if (streq (im_fields_str_or (incident, IM_KEY_STATUS, ""), "pending")) {
        imc_decide_reject (decision, IM_ESTATE, "the incident is still "
                           "pending");
        return;
    }
    if (!s_warnings_valid (command->args, "warnings", decision))
        return;
    if (at < paused_at || due <= at) {
        imc_decide_reject (decision, IM_EINVAL, "resumed at %" PRId64
                           " with due %" PRId64 ", paused at %" PRId64
                           ": must be in that order", at, due, paused_at);
        return;
    }
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_RESUMED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_CLOCK, clock);
    im_fields_set_int (payload, IM_KEY_AT_MS, at);
    im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    im_fields_set_int (payload, IM_KEY_PAUSED_MS, at - paused_at);
    const char *warnings = im_fields_str (command->args, IM_KEY_WARNINGS);
    im_fields_set_str (payload, IM_KEY_WARNINGS, warnings ? warnings : "");
}

void
imc_decide_sla_hold (const im_fields_t *incident, im_fields_t *payload,
                     bool pending)
{
    static const char *clocks [2] = { "response", "resolution" };
    bool any = false;
    for (int index = 0; index < 2; index++) {
        char key [48], copy [48];
        snprintf (key, sizeof key, "sla_%s", clocks [index]);
        const char *state = im_fields_str_or (incident, key, "");
        if (!streq (state, pending ? "running" : "paused"))
            continue;
        snprintf (copy, sizeof copy, pending ? "sla_%s_due_ms"
                                             : "sla_%s_remaining_ms",
                  clocks [index]);
        im_fields_set_int (payload, copy,
                           im_fields_int_or (incident, copy, 0));
        any = true;
        if (pending)
            continue;
        //  And what the timer needs to place the warnings not given yet
        snprintf (copy, sizeof copy, "sla_%s_warnings", clocks [index]);
        const char *warnings = im_fields_str (incident, copy);
        snprintf (key, sizeof key, "sla_%s_target_ms", clocks [index]);
        int64_t target = im_fields_int_or (incident, key, 0);
        if (warnings && *warnings && target > 0) {
            im_fields_set_str (payload, copy, warnings);
            im_fields_set_int (payload, key, target);
        }
    }
    const char *calendar = im_fields_str (incident, IM_KEY_SLA_CALENDAR);
    if (any && calendar)
        im_fields_set_str (payload, IM_KEY_SLA_CALENDAR, calendar);
}

void
imc_decide_sla (const im_command_t *command, const im_fields_t *incident,
                const im_policy_t *policy, imc_decision_t *decision)
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
        if (!s_warnings_valid (args, "response_warnings", decision)
        ||  !s_warnings_valid (args, "resolution_warnings", decision))
            return;
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_STARTED,
                                       command->incident);
        im_fields_merge (payload, args);
        imc_decide_sla_plan (command, incident, policy, payload);
        return;
    }
    //  A stop ends a running or a paused clock; a resume needs a paused
    //  one; a pause and a breach a running one (a paused clock never
    //  breaches)
    const char *clock = command->type == IM_CMD_SLA_STOP
        ? s_stoppable (command, incident, decision)
        : command->type == IM_CMD_SLA_RESUME
        ? s_clock_in (command, incident, "paused", NULL, decision)
        : s_clock_in (command, incident, "running", NULL, decision);
    if (!clock)
        return;
    char key [48];
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    int64_t due = im_fields_int_or (incident, key, 0);
    snprintf (key, sizeof key, "sla_%s", clock);
    bool paused = streq (im_fields_str_or (incident, key, ""), "paused");
    bool breached = streq (im_fields_str_or (incident, key, ""), "breached");
    if (command->type == IM_CMD_SLA_STOP) {
        int64_t at = im_fields_int_or (args, IM_KEY_AT_MS, 0);
        int64_t business = 0;       //  Checked with the arguments
        bool measured = im_fields_int (args, IM_KEY_BUSINESS_MS,
                                       &business) == 0;
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_STOPPED,
                                       command->incident);
        im_fields_set_str (payload, IM_KEY_CLOCK, clock);
        im_fields_set_int (payload, IM_KEY_AT_MS, at);
        //  A clock paused before its deadline had time left: met; one
        //  already breached stays breached, its stop records how long
        im_fields_set_str (payload, IM_KEY_RESULT,
                           !breached && (paused || at <= due)
                           ? "met" : "breached");
        if (measured)
            im_fields_set_int (payload, IM_KEY_BUSINESS_MS, business);
        return;
    }
    if (command->type == IM_CMD_SLA_PAUSE) {
        s_pause (command, incident, clock, due, decision);
        return;
    }
    if (command->type == IM_CMD_SLA_RESUME) {
        s_resume (command, incident, clock, decision);
        return;
    }
    if (command->type == IM_CMD_SLA_WARN) {
        s_warn (command, incident, clock, decision);
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
        s_warnings_overdue (command, incident, clock, decision);
        im_fields_t *payload = imc_decide_emit (decision, IM_EV_SLA_BREACHED,
                                       command->incident);
        im_fields_set_str (payload, IM_KEY_CLOCK, clock);
        im_fields_set_int (payload, IM_KEY_DUE_MS, due);
    }
}
