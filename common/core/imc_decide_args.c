/*  imc_decide_args - the arguments every command may carry

    Every argument a command carries is checked here, with an error that
    names the argument, because this is where a bad request from any
    client ends: a rejection is a result stored under the request id like
    any other, so a retried bad request gets the same answer. Unknown
    arguments are rejected too, so a typo does not silently do nothing.
    The rules are data, one table per verb.
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

//  Argument rules, one table per verb
typedef struct {
    const char *key;                //  Argument name
    bool is_int;                    //  int (else str)
    bool required;                  //  Must be present
    int64_t min, max;               //  int range, or str length range
} s_arg_t;

static const s_arg_t s_open_args [] = {
    { IM_KEY_TITLE, false, true, 1, 256 },
    { IM_KEY_REPORTER, false, true, 1, 63 },
    { IM_KEY_DESCRIPTION, false, false, 0, 8192 },
    { IM_KEY_SERVICE, false, false, 0, 128 },
    { IM_KEY_CUSTOMER_GROUP, false, false, 1, 63 },
    { IM_KEY_IMPACT, true, false, 1, 3 }, { IM_KEY_URGENCY, true, false, 1, 3 },
    { IM_KEY_TYPE, false, false, 1, 16 },
    { IM_KEY_CHANNEL, false, false, 1, 32 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_ack_args [] = {
    { IM_KEY_NOTE, false, false, 0, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_assign_args [] = {
    { IM_KEY_GROUP, false, false, 0, 63 },
    { IM_KEY_AGENT, false, false, 0, 63 },
    { IM_KEY_UNASSIGNED_ONLY, true, false, 0, 1 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_escalate_args [] = {
    { IM_KEY_KIND, false, true, 1, 16 },
    { IM_KEY_REASON, false, true, 1, 8192 },
    { IM_KEY_GROUP, false, false, 1, 63 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_link_args [] = {
    { IM_KEY_LINK, false, true, 1, 16 },
    { IM_KEY_OTHER, true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_unlink_args [] = {
    { IM_KEY_OTHER, true, true, 1, INT64_MAX }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_major_args [] = {
    { IM_KEY_ACTION, false, true, 1, 16 },
    { IM_KEY_REASON, false, false, 0, 8192 },
    { IM_KEY_COMMANDER, false, false, 1, 63 },
    { IM_KEY_CADENCE_MS, true, false, 1, INT64_MAX },
    { IM_KEY_TEXT, false, false, 1, 8192 },
    { IM_KEY_DUE_MS, true, false, 1, INT64_MAX },
    { IM_KEY_UPDATE_DUE_MS, true, false, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_review_args [] = {
    { IM_KEY_SUMMARY, false, true, 1, 8192 },
    { IM_KEY_ROOT_CAUSE, false, true, 1, 8192 },
    { IM_KEY_ACTIONS, false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_comment_args [] = {
    { IM_KEY_TEXT, false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_resolve_args [] = {
    { IM_KEY_NOTES, false, true, 1, 8192 }, { IM_KEY_CODE, false, true, 1, 63 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_alert_args [] = {
    { IM_KEY_DEDUP_KEY, false, true, 1, 255 },
    { IM_KEY_ACTION, false, true, 1, 16 },
    { IM_KEY_TITLE, false, false, 1, 256 },
    { IM_KEY_REPORTER, false, false, 1, 63 },
    { IM_KEY_DESCRIPTION, false, false, 0, 8192 },
    { IM_KEY_SERVICE, false, false, 0, 128 },
    { IM_KEY_IMPACT, true, false, 1, 3 }, { IM_KEY_URGENCY, true, false, 1, 3 },
    { IM_KEY_CHANNEL, false, false, 1, 32 },
    { IM_KEY_SEVERITY, false, false, 0, 16 },
    { IM_KEY_OCCURRENCE, false, false, 1, 64 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_close_args [] = {
    { IM_KEY_DUE_MS, true, false, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_pend_args [] = {
    { IM_KEY_REASON, false, true, 1, 32 },
    { IM_KEY_NOTE, false, false, 0, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_resume_args [] = {
    { IM_KEY_NOTE, false, false, 0, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_config_args [] = {
    { IM_KEY_TEXT, false, true, 1, 65536 },
    { IM_KEY_SOURCE, false, false, 0, 255 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_behalf [] = {
    { IM_KEY_ON_BEHALF_OF, false, false, 1, 63 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_principal_args [] = {
    { IM_KEY_ACTION, false, true, 1, 16 }, { IM_KEY_NAME, false, true, 1, 63 },
    { IM_KEY_ROLES, false, false, 0, 255 },
    { IM_KEY_KEY, false, false, 40, 40 },
    { IM_KEY_TOKEN_ID, false, false, 16, 16 },
    { IM_KEY_TOKEN_HASH, false, false, 64, 64 },
    { IM_KEY_LABEL, false, false, 0, 63 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_member_args [] = {
    { IM_KEY_NODE, true, true, 1, INT64_MAX },
    { IM_KEY_RAFT, false, true, 3, 255 },
    { IM_KEY_CLIENT, false, false, 0, 255 },
    { IM_KEY_WORKERS, false, false, 0, 255 },
    { IM_KEY_HTTP, false, false, 0, 255 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_deny_args [] = {
    { IM_KEY_VERB, false, true, 1, 31 },
    { IM_KEY_REASON, false, true, 1, 255 },
    { IM_KEY_NODE, true, true, 0, INT64_MAX },
    { IM_KEY_SUPPRESSED, true, false, 0, INT64_MAX },
    { IM_KEY_AT_MS, true, false, 0, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_cancel_args [] = {
    { IM_KEY_REASON, false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_reopen_args [] = {
    { IM_KEY_REASON, false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_classify_args [] = {
    { IM_KEY_PRIORITY, true, true, 1, 5 },
    { IM_KEY_CATEGORY, false, true, 1, 63 },
    { IM_KEY_TYPE, false, false, 1, 16 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_convert_args [] = {
    { IM_KEY_TYPE, false, true, 1, 16 },
    { IM_KEY_REASON, false, true, 1, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_categorize_args [] = {
    { IM_KEY_CATEGORY, false, false, 1, 63 },
    { IM_KEY_SUBCATEGORY, false, false, 1, 63 },
    { IM_KEY_SERVICE, false, false, 1, 128 },
    { IM_KEY_CI, false, false, 1, 128 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_prioritize_args [] = {
    { IM_KEY_PRIORITY, true, true, 1, 5 },
    { IM_KEY_REASON, false, true, 1, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_start_args [] = {
    { IM_KEY_PRIORITY, true, true, 1, 5 }, { IM_KEY_TYPE, false, false, 1, 16 },
    { "calendar", false, false, 1, 63 },
    { "response_target_ms", true, false, 1, INT64_MAX },
    { "resolution_target_ms", true, false, 1, INT64_MAX },
    { "response_warnings", false, false, 0, 255 },
    { "resolution_warnings", false, false, 0, 255 },
    { IM_KEY_RESPONSE_DUE_MS, true, true, 1, INT64_MAX },
    { IM_KEY_RESOLUTION_DUE_MS, true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_stop_args [] = {
    { IM_KEY_CLOCK, false, true, 1, 16 },
    { IM_KEY_AT_MS, true, true, 1, INT64_MAX },
    //  Working time the clock ran: up to 2^45 ms, over a thousand years
    { IM_KEY_BUSINESS_MS, true, false, 0, INT64_C (1) << 45 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_breach_args [] = {
    { IM_KEY_CLOCK, false, true, 1, 16 },
    { IM_KEY_DUE_MS, true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_pause_args [] = {
    { "clock", false, true, 1, 16 }, { "at_ms", true, true, 1, INT64_MAX },
    { "remaining_ms", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_resume_args [] = {
    { "clock", false, true, 1, 16 }, { "at_ms", true, true, 1, INT64_MAX },
    { "due_ms", true, true, 1, INT64_MAX },
    { "warnings", false, false, 0, 255 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_warn_args [] = {
    { "clock", false, true, 1, 16 }, { "fraction", true, true, 1, 99 },
    { "due_ms", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_escalate_args [] = {
    { IM_KEY_DUE_MS, true, true, 1, INT64_MAX },
    { IM_KEY_LEVEL, true, false, 1, IM_POLICY_LEVELS_MAX },
    { IM_KEY_ROUND, true, false, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_ack_timeout_args [] = {
    { IM_KEY_DUE_MS, true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_notify_args [] = {
    { IM_KEY_RECIPIENT, false, true, 1, 63 },
    { IM_KEY_CHANNEL, false, true, 1, 32 },
    { IM_KEY_REASON, false, true, 1, 32 },
    { IM_KEY_ABOUT_SEQ, true, true, 0, INT64_MAX },
    { IM_KEY_TARGET, false, false, 0, 1024 },
    { IM_KEY_RESULT, false, false, 0, 255 }, { NULL, false, false, 0, 0 } };

//  Checks args against rules: every key known, types and ranges right,
//  required ones present. Returns 0 or IM_EINVAL with decision->error set.
static int
s_check_args (const im_fields_t *args, const s_arg_t *rules,
              imc_decision_t *decision)
{
    for (size_t index = 0; index < im_fields_size (args); index++) {
        const char *key = im_fields_key_at (args, index);
        //  Every command may say for whom it acts (an integration for a
        //  caller): recorded in its events beside the actor
        const s_arg_t *rule = streq (key,
                                     IM_KEY_ON_BEHALF_OF) ? s_behalf : rules;
        //  Most rules differ from the key in its first byte
        while (rule->key && (rule->key [0] != key [0]
                             || !streq (rule->key, key)))
            rule++;
        if (!rule->key)
            return imc_decide_reject (decision, IM_EINVAL,
                                      "unknown argument '%s'", key);
        im_field_type_t type = im_fields_type_at (args, index);
        if (rule->is_int) {
            if (type != IM_FIELD_INT)
                return imc_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be an integer", key);
            int64_t value = im_fields_int_at (args, index);
            if (value < rule->min || value > rule->max)
                return imc_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' is %" PRId64
                                 ", must be %" PRId64 "..%" PRId64,
                                 key, value, rule->min, rule->max);
        }
        else {
            if (type != IM_FIELD_STR)
                return imc_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be a string", key);
            int64_t length = (int64_t) strlen (im_fields_str_at (args, index));
            if (length < rule->min || length > rule->max)
                return imc_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be %" PRId64 " to %"
                                 PRId64 " bytes long", key, rule->min,
                                 rule->max);
        }
    }
    for (const s_arg_t *rule = rules; rule->key; rule++)
        if (rule->required && !im_fields_has (args, rule->key))
            return imc_decide_reject (decision, IM_EINVAL,
                             "missing argument '%s'", rule->key);
    return 0;
}

static const s_arg_t *
s_rules (im_command_type_t type)
{
    switch (type) {
        case IM_CMD_OPEN:       return s_open_args;
        case IM_CMD_ACK:        return s_ack_args;
        case IM_CMD_ASSIGN:     return s_assign_args;
        case IM_CMD_COMMENT:    return s_comment_args;
        case IM_CMD_RESOLVE:    return s_resolve_args;
        case IM_CMD_CLOSE:      return s_close_args;
        case IM_CMD_PEND:       return s_pend_args;
        case IM_CMD_RESUME:     return s_resume_args;
        case IM_CMD_CANCEL:     return s_cancel_args;
        case IM_CMD_CONFIG:     return s_config_args;
        case IM_CMD_MEMBER:     return s_member_args;
        case IM_CMD_PRINCIPAL:  return s_principal_args;
        case IM_CMD_DENY:       return s_deny_args;
        case IM_CMD_CONVERT:    return s_convert_args;
        case IM_CMD_LINK:       return s_link_args;
        case IM_CMD_MAJOR:      return s_major_args;
        case IM_CMD_REVIEW:     return s_review_args;
        case IM_CMD_UNLINK:     return s_unlink_args;
        case IM_CMD_ESCALATE:   return s_escalate_args;
        case IM_CMD_CATEGORIZE: return s_categorize_args;
        case IM_CMD_PRIORITIZE: return s_prioritize_args;
        case IM_CMD_REOPEN:     return s_reopen_args;
        case IM_CMD_CLASSIFY:   return s_classify_args;
        case IM_CMD_SLA_START:  return s_sla_start_args;
        case IM_CMD_SLA_STOP:   return s_sla_stop_args;
        case IM_CMD_SLA_BREACH: return s_sla_breach_args;
        case IM_CMD_SLA_PAUSE:  return s_sla_pause_args;
        case IM_CMD_SLA_RESUME: return s_sla_resume_args;
        case IM_CMD_SLA_WARN:   return s_sla_warn_args;
        case IM_CMD_SLA_ESCALATE: return s_sla_escalate_args;
        case IM_CMD_SLA_ACK_TIMEOUT: return s_sla_ack_timeout_args;
        case IM_CMD_NOTIFY:     return s_notify_args;
        case IM_CMD_ALERT:      return s_alert_args;
        default:                return NULL;
    }
}

int
imc_decide_check_args (const im_command_t *command, imc_decision_t *decision)
{
    const s_arg_t *rules = s_rules (command->type);
    if (!rules)
        return imc_decide_reject (decision, IM_EUNKNOWN,
                                  "command %s is not accepted here",
                                  im_command_type_name (command->type)
                                  ? im_command_type_name (command->type)
                                  : "?");
    return s_check_args (command->args, rules, decision);
}
