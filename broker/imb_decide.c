/*  imb_decide - what one command means, given an incident's projection

    Every argument a command carries is checked here, with an error that
    names the argument, because this is where a bad request from any
    client ends: a rejection is a result stored under the request id like
    any other, so a retried bad request gets the same answer. Unknown
    arguments are rejected too, so a typo does not silently do nothing.
*/
#include "imb_classes.h"
#include "imb_decide.h"
#include "imb_decide_private.h"

//  Argument rules, one table per verb
typedef struct {
    const char *key;                //  Argument name
    bool is_int;                    //  int (else str)
    bool required;                  //  Must be present
    int64_t min, max;               //  int range, or str length range
} s_arg_t;

static const s_arg_t s_open_args [] = {
    { "title", false, true, 1, 256 }, { "reporter", false, true, 1, 63 },
    { "description", false, false, 0, 8192 },
    { "service", false, false, 0, 128 },
    { "impact", true, false, 1, 3 }, { "urgency", true, false, 1, 3 },
    { "type", false, false, 1, 16 }, { "channel", false, false, 1, 32 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_ack_args [] = {
    { "note", false, false, 0, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_assign_args [] = {
    { "group", false, false, 0, 63 }, { "agent", false, false, 0, 63 },
    { "unassigned_only", true, false, 0, 1 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_escalate_args [] = {
    { "kind", false, true, 1, 16 }, { "reason", false, true, 1, 8192 },
    { "group", false, false, 1, 63 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_link_args [] = {
    { "link", false, true, 1, 16 }, { "other", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_unlink_args [] = {
    { "other", true, true, 1, INT64_MAX }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_major_args [] = {
    { "action", false, true, 1, 16 }, { "reason", false, false, 0, 8192 },
    { "commander", false, false, 1, 63 },
    { "cadence_ms", true, false, 1, INT64_MAX },
    { "text", false, false, 1, 8192 }, { "due_ms", true, false, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_review_args [] = {
    { "summary", false, true, 1, 8192 }, { "root_cause", false, true, 1, 8192 },
    { "actions", false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_comment_args [] = {
    { "text", false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_resolve_args [] = {
    { "notes", false, true, 1, 8192 }, { "code", false, true, 1, 63 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_alert_args [] = {
    { "dedup_key", false, true, 1, 255 }, { "action", false, true, 1, 16 },
    { "title", false, false, 1, 256 }, { "reporter", false, false, 1, 63 },
    { "description", false, false, 0, 8192 },
    { "service", false, false, 0, 128 },
    { "impact", true, false, 1, 3 }, { "urgency", true, false, 1, 3 },
    { "channel", false, false, 1, 32 }, { "severity", false, false, 0, 16 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_close_args [] = {
    { "due_ms", true, false, 1, INT64_MAX }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_pend_args [] = {
    { "reason", false, true, 1, 32 }, { "note", false, false, 0, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_resume_args [] = {
    { "note", false, false, 0, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_config_args [] = {
    { "text", false, true, 1, 65536 }, { "source", false, false, 0, 255 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_member_args [] = {
    { "node", true, true, 1, INT64_MAX }, { "raft", false, true, 3, 255 },
    { "client", false, false, 0, 255 }, { "workers", false, false, 0, 255 },
    { "http", false, false, 0, 255 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_cancel_args [] = {
    { "reason", false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_reopen_args [] = {
    { "reason", false, true, 1, 8192 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_classify_args [] = {
    { "priority", true, true, 1, 5 }, { "category", false, true, 1, 63 },
    { "type", false, false, 1, 16 }, { NULL, false, false, 0, 0 } };
static const s_arg_t s_convert_args [] = {
    { "type", false, true, 1, 16 }, { "reason", false, true, 1, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_categorize_args [] = {
    { "category", false, false, 1, 63 }, { "subcategory", false, false, 1, 63 },
    { "service", false, false, 1, 128 }, { "ci", false, false, 1, 128 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_prioritize_args [] = {
    { "priority", true, true, 1, 5 }, { "reason", false, true, 1, 8192 },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_start_args [] = {
    { "priority", true, true, 1, 5 }, { "type", false, false, 1, 16 },
    { "response_due_ms", true, true, 1, INT64_MAX },
    { "resolution_due_ms", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_stop_args [] = {
    { "clock", false, true, 1, 16 }, { "at_ms", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_sla_breach_args [] = {
    { "clock", false, true, 1, 16 }, { "due_ms", true, true, 1, INT64_MAX },
    { NULL, false, false, 0, 0 } };
static const s_arg_t s_notify_args [] = {
    { "recipient", false, true, 1, 63 }, { "channel", false, true, 1, 32 },
    { "reason", false, true, 1, 32 }, { "about_seq", true, true, 0, INT64_MAX },
    { "target", false, false, 0, 1024 }, { NULL, false, false, 0, 0 } };

int
imb_decide_reject (imb_decision_t *decision, int rc, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (decision->error, sizeof decision->error, format, args);
    va_end (args);
    decision->rc = rc;
    return rc;
}

//  Checks args against rules: every key known, types and ranges right,
//  required ones present. Returns 0 or IM_EINVAL with decision->error set.
static int
s_check_args (const im_fields_t *args, const s_arg_t *rules,
              imb_decision_t *decision)
{
    for (size_t index = 0; index < im_fields_size (args); index++) {
        const char *key = im_fields_key_at (args, index);
        const s_arg_t *rule = rules;
        //  Most rules differ from the key in its first byte
        while (rule->key && (rule->key [0] != key [0]
                             || !streq (rule->key, key)))
            rule++;
        if (!rule->key)
            return imb_decide_reject (decision, IM_EINVAL,
                                      "unknown argument '%s'", key);
        im_field_type_t type = im_fields_type_at (args, index);
        if (rule->is_int) {
            if (type != IM_FIELD_INT)
                return imb_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be an integer", key);
            int64_t value = im_fields_int_at (args, index);
            if (value < rule->min || value > rule->max)
                return imb_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' is %" PRId64
                                 ", must be %" PRId64 "..%" PRId64,
                                 key, value, rule->min, rule->max);
        }
        else {
            if (type != IM_FIELD_STR)
                return imb_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be a string", key);
            int64_t length = (int64_t) strlen (im_fields_str_at (args, index));
            if (length < rule->min || length > rule->max)
                return imb_decide_reject (decision, IM_EINVAL,
                                 "argument '%s' must be %" PRId64 " to %"
                                 PRId64 " bytes long", key, rule->min,
                                 rule->max);
        }
    }
    for (const s_arg_t *rule = rules; rule->key; rule++)
        if (rule->required && !im_fields_has (args, rule->key))
            return imb_decide_reject (decision, IM_EINVAL,
                             "missing argument '%s'", rule->key);
    return 0;
}

//  Adds an event of type for incident to decision; returns its payload
im_fields_t *
imb_decide_emit (imb_decision_t *decision, im_event_type_t type,
                 uint64_t incident)
{
    assert (decision->count < IMB_DECIDE_EVENTS_MAX);
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
imb_decide_copy_str (im_fields_t *to, const im_fields_t *from,
                     const char *key, const char *fallback)
{
    const char *value = im_fields_str_or (from, key, fallback);
    if (value)
        im_fields_set_str (to, key, value);
}

//  True for the two record types
bool
imb_decide_type_valid (const char *type)
{
    return type && (streq (type, "incident") || streq (type, "request"));
}

//  Appends the str key of from to to, or fallback when absent (nothing
//  when fallback is NULL too), as imb_decide_copy_str but for a key to
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
imb_decide_emit_opened (const im_fields_t *args, const char *type, uint64_t new_id,
               imb_decision_t *decision)
{
    im_fields_t *payload = imb_decide_emit (decision, IM_EV_OPENED, new_id);
    s_append_str (payload, args, "title", NULL);
    s_append_str (payload, args, "description", "");
    s_append_str (payload, args, "reporter", "alert");
    s_append_str (payload, args, "service", "");
    im_fields_append_int (payload, "impact",
                          im_fields_int_or (args, "impact", 3));
    im_fields_append_int (payload, "urgency",
                          im_fields_int_or (args, "urgency", 3));
    im_fields_append_str (payload, "type", type);
    s_append_str (payload, args, "channel", "api");
    im_fields_append_str (payload, "status", "new");
    return payload;
}

static void
s_decide_open (const im_command_t *command, uint64_t new_id,
               imb_decision_t *decision)
{
    const char *type = im_fields_str_or (command->args, "type", "incident");
    if (!imb_decide_type_valid (type)) {
        imb_decide_reject (decision, IM_EINVAL, "argument 'type' is '%s', "
                           "must be incident or request", type);
        return;
    }
    imb_decide_emit_opened (command->args, type, new_id, decision);
}

//  The deadlines the policy gives a resolution, on its payload: until
//  when it may be reopened, and when it closes by itself (never for a
//  major incident, which closes by hand once reviewed)
void
imb_decide_resolution_deadlines (im_fields_t *payload, const im_fields_t *incident,
                        const im_policy_t *policy, uint64_t ts_ms)
{
    int64_t now = (int64_t) ts_ms;
    im_fields_set_int (payload, "reopen_until_ms",
                       now + policy->reopen_window_ms);
    bool major = streq (im_fields_str_or (incident, "major", ""), "declared");
    if (policy->auto_close_ms > 0 && !major)
        im_fields_set_int (payload, "close_due_ms",
                           now + policy->auto_close_ms);
    if (major)
        im_fields_set_int (payload, "major", 1);
}

//  RESOLVE: the resolution, and the deadlines the policy gives it
static void
s_decide_resolve (const im_command_t *command, const im_fields_t *incident,
                  const im_policy_t *policy, imb_decision_t *decision)
{
    im_fields_t *payload = imb_decide_emit (decision, IM_EV_RESOLVED,
                                            command->incident);
    imb_decide_copy_str (payload, command->args, "code", NULL);
    imb_decide_copy_str (payload, command->args, "notes", NULL);
    im_fields_set_str (payload, "status", "resolved");
    imb_decide_resolution_deadlines (payload, incident, policy, command->ts_ms);
}

//  CLOSE: an operator closes a resolved incident at once; the SLA timer
//  names the auto-close deadline it acts on (due_ms), which must still
//  be the incident's and must have passed by the leader's stamp, so a
//  late or repeated timer cannot close an incident reopened since
static void
s_decide_close (const im_command_t *command, const im_fields_t *incident,
                imb_decision_t *decision)
{
    if (streq (im_fields_str_or (incident, "major", ""), "declared")
    &&  !im_fields_has (incident, "reviewed_ms")) {
        imb_decide_reject (decision, IM_ESTATE, "a major incident closes "
                           "once a post-incident review is attached "
                           "(REVIEW)");
        return;
    }
    int64_t claimed = 0;
    bool automatic = im_fields_int (command->args, "due_ms", &claimed) == 0;
    if (automatic) {
        int64_t due = im_fields_int_or (incident, "close_due_ms", 0);
        if (claimed != due) {
            imb_decide_reject (decision, IM_ESTATE,
                               "the incident closes at %" PRId64
                               ", not %" PRId64, due, claimed);
            return;
        }
        if ((int64_t) command->ts_ms < due) {
            imb_decide_reject (decision, IM_ESTATE,
                               "the incident closes at %" PRId64
                               ", not yet", due);
            return;
        }
    }
    im_fields_t *payload = imb_decide_emit (decision, IM_EV_CLOSED,
                                            command->incident);
    im_fields_set_str (payload, "status", "closed");
    if (automatic)
        im_fields_set_int (payload, "due_ms", claimed);
}

//  Keys a follow-up incident takes from the one it follows
static const char *s_follow_up_keys [] = {
    "title", "description", "reporter", "service", "type" };

//  REOPEN: within the window a resolved incident reopens; a closed one,
//  or one resolved longer ago, stays as it is and a new incident is
//  opened as its follow-up, linked both ways
static void
s_decide_reopen (const im_command_t *command, const im_fields_t *incident,
                 uint64_t new_id, imb_decision_t *decision)
{
    const im_fields_t *args = command->args;
    int64_t until = im_fields_int_or (incident, "reopen_until_ms", 0);
    if (im_incident_status (incident) == IM_STATUS_RESOLVED
    &&  (int64_t) command->ts_ms <= until) {
        bool assigned = *im_fields_str_or (incident, "group", "")
                     || *im_fields_str_or (incident, "agent", "");
        im_fields_t *payload = imb_decide_emit (decision, IM_EV_REOPENED,
                                       command->incident);
        imb_decide_copy_str (payload, args, "reason", NULL);
        im_fields_set_str (payload, "status", assigned ? "assigned" : "new");
        return;
    }
    im_fields_t *payload = imb_decide_emit (decision, IM_EV_OPENED, new_id);
    for (size_t key = 0; key < sizeof s_follow_up_keys
                                / sizeof s_follow_up_keys [0]; key++)
        imb_decide_copy_str (payload, incident, s_follow_up_keys [key], "");
    im_fields_set_int (payload, "impact",
                       im_fields_int_or (incident, "impact", 3));
    im_fields_set_int (payload, "urgency",
                       im_fields_int_or (incident, "urgency", 3));
    im_fields_set_str (payload, "channel", "reopen");
    im_fields_set_str (payload, "status", "new");
    im_fields_set_int (payload, "follow_up_of", (int64_t) command->incident);
    imb_decide_copy_str (payload, args, "reason", NULL);
    payload = imb_decide_emit (decision, IM_EV_LINKED, command->incident);
    im_fields_set_str (payload, "link", "follow_up");
    im_fields_set_int (payload, "other", (int64_t) new_id);
}

//  CONFIG: a replicated policy, checked as a whole before anything
//  changes; it becomes the next version, an event of no incident (0)
static void
s_decide_config (const im_command_t *command, const im_policy_t *policy,
                 imb_decision_t *decision)
{
    const char *text = im_fields_str (command->args, "text");
    const char *source = im_fields_str_or (command->args, "source", "");
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
    im_fields_t *payload = imb_decide_emit (decision, IM_EV_CONFIGURED, 0);
    im_fields_set_int (payload, "version", (int64_t) policy->version + 1);
    im_fields_set_str (payload, "source", source);
    im_fields_set_str (payload, "text", text);
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
        case IM_CMD_NOTIFY:     return s_notify_args;
        case IM_CMD_ALERT:      return s_alert_args;
        default:                return NULL;
    }
}

void
imb_decide (const im_command_t *command, const im_fields_t *incident,
            uint64_t new_id, const im_policy_t *policy,
            imb_decide_lookup_fn *lookup, void *arg,
            imb_decision_t *decision)
{
    assert (command && policy && lookup && decision);
    imb_decision_reset (decision);
    const s_arg_t *rules = s_rules (command->type);
    if (!rules) {
        imb_decide_reject (decision, IM_EUNKNOWN,
                           "command %s is not accepted here",
                           im_command_type_name (command->type)
                           ? im_command_type_name (command->type) : "?");
        return;
    }
    if (s_check_args (command->args, rules, decision))
        return;
    if (command->type == IM_CMD_OPEN) {
        s_decide_open (command, new_id, decision);
        return;
    }
    if (command->type == IM_CMD_ALERT) {
        imb_decide_alert (command, incident, new_id, policy, decision);
        return;
    }
    if (command->type == IM_CMD_CONFIG) {
        s_decide_config (command, policy, decision);
        return;
    }
    if (command->type == IM_CMD_MEMBER) {
        //  A member's addresses, recorded for every node to name it
        im_fields_t *payload = imb_decide_emit (decision, IM_EV_MEMBER, 0);
        im_fields_set_int (payload, "node",
                           im_fields_int_or (command->args, "node", 0));
        imb_decide_copy_str (payload, command->args, "raft", NULL);
        imb_decide_copy_str (payload, command->args, "client", "");
        imb_decide_copy_str (payload, command->args, "workers", "");
        imb_decide_copy_str (payload, command->args, "http", "");
        return;
    }
    if (!incident) {
        imb_decide_reject (decision, IM_ENOTFOUND, "no incident %" PRIu64,
                  command->incident);
        return;
    }
    if (im_incident_check (im_incident_status (incident), command->type,
                           decision->error, sizeof decision->error)) {
        decision->rc = IM_ESTATE;
        return;
    }
    const im_fields_t *args = command->args;
    im_fields_t *payload;
    switch (command->type) {
        case IM_CMD_ACK:
            payload = imb_decide_emit (decision, IM_EV_ACKNOWLEDGED,
                                       command->incident);
            im_fields_set_str (payload, "status", "in_progress");
            imb_decide_copy_str (payload, args, "note", NULL);
            break;
        case IM_CMD_ASSIGN:
            imb_decide_assign (command, incident, policy, decision);
            break;
        case IM_CMD_COMMENT:
            payload = imb_decide_emit (decision, IM_EV_COMMENTED,
                                       command->incident);
            imb_decide_copy_str (payload, args, "text", NULL);
            break;
        case IM_CMD_RESOLVE:
            s_decide_resolve (command, incident, policy, decision);
            imb_decide_resolve_children (command, incident, lookup, arg,
                                         decision);
            break;
        case IM_CMD_CLOSE:
            s_decide_close (command, incident, decision);
            break;
        case IM_CMD_REOPEN:
            s_decide_reopen (command, incident, new_id, decision);
            break;
        case IM_CMD_PEND:
            if (!im_incident_pending_reason_valid (
                    im_fields_str (args, "reason"))) {
                imb_decide_reject (decision, IM_EINVAL,
                          "argument 'reason' is '%s', must be one of %s",
                          im_fields_str (args, "reason"),
                          im_incident_pending_reasons ());
                break;
            }
            payload = imb_decide_emit (decision, IM_EV_PENDING,
                                       command->incident);
            imb_decide_copy_str (payload, args, "reason", NULL);
            imb_decide_copy_str (payload, args, "note", NULL);
            im_fields_set_str (payload, "previous_status",
                               im_fields_str (incident, "status"));
            im_fields_set_str (payload, "status", "pending");
            break;
        case IM_CMD_RESUME:
            //  Back to where it was put on hold from
            payload = imb_decide_emit (decision, IM_EV_RESUMED,
                                       command->incident);
            imb_decide_copy_str (payload, args, "note", NULL);
            im_fields_set_str (payload, "status",
                               im_fields_str_or (incident, "pending_from",
                                                 "in_progress"));
            break;
        case IM_CMD_CANCEL:
            payload = imb_decide_emit (decision, IM_EV_CANCELLED,
                                       command->incident);
            imb_decide_copy_str (payload, args, "reason", NULL);
            im_fields_set_str (payload, "status", "cancelled");
            break;
        case IM_CMD_CLASSIFY:
            imb_decide_classify (command, incident, decision);
            break;
        case IM_CMD_CONVERT:
            imb_decide_convert (command, incident, decision);
            break;
        case IM_CMD_ESCALATE:
            imb_decide_escalate (command, incident, policy, decision);
            break;
        case IM_CMD_LINK:
            imb_decide_link (command, incident, lookup, arg, decision);
            break;
        case IM_CMD_MAJOR:
            imb_decide_major (command, incident, policy, decision);
            break;
        case IM_CMD_REVIEW:
            imb_decide_review (command, incident, decision);
            break;
        case IM_CMD_UNLINK:
            imb_decide_unlink (command, incident, lookup, arg, decision);
            break;
        case IM_CMD_CATEGORIZE:
            if (im_fields_size (args) == 0) {
                imb_decide_reject (decision, IM_EINVAL,
                                   "categorize needs a category, "
                                   "subcategory, service or ci");
                break;
            }
            //  Checked against the policy's taxonomy; a subcategory
            //  alone belongs to the category the incident has
            if (im_policy_check_category (
                    policy, im_fields_str_or (args, "category",
                        im_fields_str_or (incident, "category", "")),
                    im_fields_str (args, "subcategory"), decision->error,
                    sizeof decision->error)) {
                decision->rc = IM_EINVAL;
                break;
            }
            payload = imb_decide_emit (decision, IM_EV_CATEGORIZED,
                                       command->incident);
            im_fields_merge (payload, args);
            break;
        case IM_CMD_PRIORITIZE:
            imb_decide_prioritize (command, incident, policy, decision);
            break;
        case IM_CMD_SLA_START:
        case IM_CMD_SLA_STOP:
        case IM_CMD_SLA_BREACH:
            imb_decide_sla (command, incident, decision);
            break;
        case IM_CMD_NOTIFY:
            payload = imb_decide_emit (decision, IM_EV_NOTIFIED,
                                       command->incident);
            im_fields_merge (payload, args);
            break;
        default:
            break;
    }
}

void
imb_decision_reset (imb_decision_t *decision)
{
    assert (decision);
    decision->rc = 0;
    decision->error [0] = 0;
    decision->count = 0;
    decision->outcome = NULL;
    decision->incident = 0;
}

void
imb_decision_destroy_events (imb_decision_t *decision)
{
    assert (decision);
    for (size_t index = 0; index < IMB_DECIDE_EVENTS_MAX; index++)
        im_event_destroy (&decision->events [index]);
    memset (decision, 0, sizeof *decision);
}
