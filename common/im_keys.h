/*  im_keys - every field key imq names, in one table

    Commands, events, projections and replies are fields maps (im_fields)
    whose keys are short strings. Written as literals in each file that
    uses them, a misspelt key compiles, runs, and reads nothing: "reporter"
    and "reporters" are different fields. So every key the code names is
    one line here, and the code names it as IM_KEY_<NAME>, a constant of
    the same text: a misspelt name does not compile. The table is the one
    list of the keys an incident's projection holds, and test_im_keys
    checks it against docs/storage.md section 2.3 both ways, and that
    every other key is documented in docs/protocol.md or docs/http.md.

    The constants are arrays of the key's text, not literals: they go
    wherever a const char * key goes, and into static tables. A key made
    at run time from parts (the counters' "events/<type>") is not here.

    X (NAME, "text"): IM_KEY_NAME is the text.
*/
#ifndef IM_KEYS_H_INCLUDED
#define IM_KEYS_H_INCLUDED

#include <stddef.h>

//  The incident projection's keys, in the order of docs/storage.md
//  section 2.3
#define IM_KEYS_INCIDENT(X)                                                \
    X (ID,                       "id")                                     \
    X (TITLE,                    "title")                                  \
    X (DESCRIPTION,              "description")                            \
    X (REPORTER,                 "reporter")                               \
    X (SERVICE,                  "service")                                \
    X (TYPE,                     "type")                                   \
    X (CHANNEL,                  "channel")                                \
    X (CUSTOMER_GROUP,           "customer_group")                         \
    X (IMPACT,                   "impact")                                 \
    X (URGENCY,                  "urgency")                                \
    X (STATUS,                   "status")                                 \
    X (PENDING_REASON,           "pending_reason")                         \
    X (PENDING_FROM,             "pending_from")                           \
    X (CANCEL_REASON,            "cancel_reason")                          \
    X (REOPEN_UNTIL_MS,          "reopen_until_ms")                        \
    X (CLOSE_DUE_MS,             "close_due_ms")                           \
    X (FOLLOW_UP_OF,             "follow_up_of")                           \
    X (CONVERSIONS,              "conversions")                            \
    X (SUBCATEGORY,              "subcategory")                            \
    X (CI,                       "ci")                                     \
    X (CATEGORY,                 "category")                               \
    X (PRIORITY_OVERRIDE,        "priority_override")                      \
    X (PRIORITY_REASON,          "priority_reason")                        \
    X (SLA_TYPE,                 "sla_type")                               \
    X (MAJOR,                    "major")                                  \
    X (MAJOR_REASON,             "major_reason")                           \
    X (COMMANDER,                "commander")                              \
    X (UPDATE_CADENCE_MS,        "update_cadence_ms")                      \
    X (UPDATE_DUE_MS,            "update_due_ms")                          \
    X (DECLARED_MS,              "declared_ms")                            \
    X (UPDATES,                  "updates")                                \
    X (UPDATES_MISSED,           "updates_missed")                         \
    X (UPDATE_CALENDAR,          "update_calendar")                        \
    X (REVIEW_SUMMARY,           "review_summary")                         \
    X (ROOT_CAUSE,               "root_cause")                             \
    X (REVIEW_ACTIONS,           "review_actions")                         \
    X (REVIEWED_MS,              "reviewed_ms")                            \
    X (TIER,                     "tier")                                   \
    X (FUNCTIONAL_ESCALATIONS,   "functional_escalations")                 \
    X (HIERARCHICAL_ESCALATIONS, "hierarchical_escalations")               \
    X (POLICY_VERSION,           "policy_version")                         \
    X (ON_BEHALF_OF,             "on_behalf_of")                           \
    X (FOLLOW_UPS,               "follow_ups")                             \
    X (CHILDREN,                 "children")                               \
    X (RELATED,                  "related")                                \
    X (DUPLICATES,               "duplicates")                             \
    X (PARENT,                   "parent")                                 \
    X (DUPLICATE_OF,             "duplicate_of")                           \
    X (REPORTERS,                "reporters")                              \
    X (NOTES,                    "notes")                                  \
    X (PRIORITY,                 "priority")                               \
    X (GROUP,                    "group")                                  \
    X (AGENT,                    "agent")                                  \
    X (CREATED_MS,               "created_ms")                             \
    X (UPDATED_MS,               "updated_ms")                             \
    X (ACKNOWLEDGED_MS,          "acknowledged_ms")                        \
    X (RESOLVED_MS,              "resolved_ms")                            \
    X (CLOSED_MS,                "closed_ms")                              \
    X (CANCELLED_MS,             "cancelled_ms")                           \
    X (RESOLUTION,               "resolution")                             \
    X (RESOLUTION_CODE,          "resolution_code")                        \
    X (REASSIGNMENT_COUNT,       "reassignment_count")                     \
    X (REOPEN_COUNT,             "reopen_count")                           \
    X (COMMENTS,                 "comments")                               \
    X (BREACHES,                 "breaches")                               \
    X (NOTIFICATIONS,            "notifications")                          \
    X (EVENTS,                   "events")                                 \
    X (SLA_RESPONSE_DUE_MS,      "sla_response_due_ms")                    \
    X (SLA_RESOLUTION_DUE_MS,    "sla_resolution_due_ms")                  \
    X (SLA_RESPONSE,             "sla_response")                           \
    X (SLA_RESOLUTION,           "sla_resolution")                         \
    X (SLA_CALENDAR,             "sla_calendar")                           \
    X (SLA_RESPONSE_PAUSED_AT_MS, "sla_response_paused_at_ms")             \
    X (SLA_RESOLUTION_PAUSED_AT_MS, "sla_resolution_paused_at_ms")         \
    X (SLA_RESPONSE_REMAINING_MS, "sla_response_remaining_ms")             \
    X (SLA_RESOLUTION_REMAINING_MS, "sla_resolution_remaining_ms")         \
    X (SLA_RESPONSE_PAUSED_MS,   "sla_response_paused_ms")                 \
    X (SLA_RESOLUTION_PAUSED_MS, "sla_resolution_paused_ms")               \
    X (SLA_RESPONSE_PAUSES,      "sla_response_pauses")                    \
    X (SLA_RESOLUTION_PAUSES,    "sla_resolution_pauses")                  \
    X (SLA_RESPONSE_TARGET_MS,   "sla_response_target_ms")                 \
    X (SLA_RESOLUTION_TARGET_MS, "sla_resolution_target_ms")               \
    X (SLA_RESPONSE_WARNINGS,    "sla_response_warnings")                  \
    X (SLA_RESOLUTION_WARNINGS,  "sla_resolution_warnings")                \
    X (SLA_RESPONSE_WARNED,      "sla_response_warned")                    \
    X (SLA_RESOLUTION_WARNED,    "sla_resolution_warned")                  \
    X (SLA_PRIORITY,             "sla_priority")                           \
    X (SLA_RESPONSE_STOPPED_MS,  "sla_response_stopped_ms")                \
    X (SLA_RESOLUTION_STOPPED_MS, "sla_resolution_stopped_ms")             \
    X (SLA_RESPONSE_BUSINESS_MS, "sla_response_business_ms")               \
    X (SLA_RESOLUTION_BUSINESS_MS, "sla_resolution_business_ms")           \
    X (SLA_RESPONSE_BREACHED_MS, "sla_response_breached_ms")               \
    X (SLA_RESOLUTION_BREACHED_MS, "sla_resolution_breached_ms")           \
    X (ESCALATION,               "escalation")                             \
    X (ESCALATE_DUE_MS,          "escalate_due_ms")                        \
    X (ESCALATE_LEVEL,           "escalate_level")                         \
    X (ESCALATE_ROUND,           "escalate_round")                         \
    X (ESCALATIONS,              "escalations")                            \
    X (ACK_TIMEOUT_MS,           "ack_timeout_ms")                         \
    X (ACK_TIMEOUT_DUE_MS,       "ack_timeout_due_ms")                     \
    X (ACK_TIMEOUTS,             "ack_timeouts")                           \
    X (DEDUP_KEY,                "dedup_key")                              \
    X (SEVERITY,                 "severity")                               \
    X (ALERTS,                   "alerts")                                 \
    X (LAST_ALERT_MS,            "last_alert_ms")                          \
    X (ALERT_OCCURRENCE,         "alert_occurrence")                       \
    X (ALERT_CLEARED_MS,         "alert_cleared_ms")                       \
    X (LAST_SEQ,                 "last_seq")

//  Every other key that travels: command arguments, event payloads,
//  reply and status bodies (docs/protocol.md, docs/http.md)
#define IM_KEYS_MESSAGE(X)                                                 \
    X (ABOUT_SEQ,                "about_seq")                              \
    X (ACTION,                   "action")                                 \
    X (ACTIONS,                  "actions")                                \
    X (ACTOR,                    "actor")                                  \
    X (AFTER,                    "after")                                  \
    X (APPLIED_INDEX,            "applied_index")                          \
    X (ASSIGNEE,                 "assignee")                               \
    X (AT_MS,                    "at_ms")                                  \
    X (BEARER,                  "bearer")                                  \
    X (BUSINESS_MS,              "business_ms")                            \
    X (BY,                       "by")                                     \
    X (CADENCE_MS,               "cadence_ms")                             \
    X (CALENDAR,                "calendar")                                \
    X (CAUSATION,                "causation")                              \
    X (CHECKPOINT,               "checkpoint")                             \
    X (CLIENT,                   "client")                                 \
    X (CLOCK,                    "clock")                                  \
    X (CLOCKS,                   "clocks")                                 \
    X (CODE,                     "code")                                   \
    X (COMMIT_INDEX,             "commit_index")                           \
    X (COUNT,                    "count")                                  \
    X (DEDUP_SCOPE,             "dedup_scope")                             \
    X (DUE_BEFORE,               "due_before")                             \
    X (AFTER_DUE_MS,             "after_due_ms")                           \
    X (AFTER_INCIDENT,           "after_incident")                         \
    X (AFTER_CLOCK,              "after_clock")                            \
    X (DUE_MS,                   "due_ms")                                 \
    X (ERROR,                    "error")                                  \
    X (FILE,                     "file")                                   \
    X (FILES,                    "files")                                  \
    X (FILE_SIZE,                "file_size")                              \
    X (FRACTION,                "fraction")                                \
    X (FROM,                     "from")                                   \
    X (FROM_GROUP,               "from_group")                             \
    X (HASH,                     "hash")                                   \
    X (HTTP,                     "http")                                   \
    X (INCIDENT,                 "incident")                               \
    X (INFLIGHT,                 "inflight")                               \
    X (INSTANCES,                "instances")                              \
    X (KEY,                      "key")                                    \
    X (KEYS,                     "keys")                                   \
    X (KIND,                     "kind")                                   \
    X (LABEL,                   "label")                                   \
    X (LAG,                      "lag")                                    \
    X (LEADER,                   "leader")                                 \
    X (LEADER_ADDRESS,           "leader_address")                         \
    X (LEADER_HTTP,              "leader_http")                            \
    X (LEADER_ID,                "leader_id")                              \
    X (LEVEL,                    "level")                                  \
    X (LIMIT,                    "limit")                                  \
    X (LINEARIZABLE,             "linearizable")                           \
    X (LINK,                     "link")                                   \
    X (LOG_REPAIR_TO,            "log_repair_to")                          \
    X (MERGED,                   "merged")                                 \
    X (MET,                     "met")                                     \
    X (MISSED,                  "missed")                                  \
    X (MORE,                     "more")                                   \
    X (NAME,                     "name")                                   \
    X (NEEDS,                   "needs")                                   \
    X (NODE,                     "node")                                   \
    X (NODE_ID,                  "node_id")                                \
    X (NOTE,                     "note")                                   \
    X (OCCURRENCE,               "occurrence")                             \
    X (OFFSET,                   "offset")                                 \
    X (OTHER,                    "other")                                  \
    X (OUTCOME,                  "outcome")                                \
    X (PAUSED_MS,               "paused_ms")                               \
    X (PREVIOUS_AGENT,           "previous_agent")                         \
    X (PREVIOUS_GROUP,           "previous_group")                         \
    X (PREVIOUS_PRIORITY,        "previous_priority")                      \
    X (PREVIOUS_STATUS,          "previous_status")                        \
    X (PRINCIPAL,               "principal")                               \
    X (QUEUE,                    "queue")                                  \
    X (RAFT,                     "raft")                                   \
    X (RAFT_STATE,               "raft_state")                             \
    X (REASON,                   "reason")                                 \
    X (RECIPIENT,                "recipient")                              \
    X (REMAINING_MS,            "remaining_ms")                            \
    X (REPEAT,                   "repeat")                                 \
    X (RESOLUTION_DUE_MS,        "resolution_due_ms")                      \
    X (RESOLUTION_TARGET_MS,    "resolution_target_ms")                    \
    X (RESOLUTION_WARNINGS,     "resolution_warnings")                     \
    X (RESPONSE_DUE_MS,          "response_due_ms")                        \
    X (RESPONSE_TARGET_MS,      "response_target_ms")                      \
    X (RESPONSE_WARNINGS,       "response_warnings")                       \
    X (RESULT,                   "result")                                 \
    X (ROLES,                    "roles")                                  \
    X (ROUND,                    "round")                                  \
    X (SEQ,                      "seq")                                    \
    X (SINCE,                   "since")                                   \
    X (SINCE_MS,                 "since_ms")                               \
    X (SIZE,                     "size")                                   \
    X (SOURCE,                   "source")                                 \
    X (SUMMARY,                  "summary")                                \
    X (SUPPRESSED,              "suppressed")                              \
    X (TARGET,                   "target")                                 \
    X (TARGETS,                  "targets")                                \
    X (TERM,                     "term")                                   \
    X (TEXT,                     "text")                                   \
    X (TO,                       "to")                                     \
    X (TOKEN_HASH,              "token_hash")                              \
    X (TOKEN_ID,                "token_id")                                \
    X (TOKENS,                   "tokens")                                 \
    X (TO_GROUP,                 "to_group")                               \
    X (TS_MS,                    "ts_ms")                                  \
    X (UNASSIGNED_ONLY,          "unassigned_only")                        \
    X (UNTIL,                    "until")                                  \
    X (UNTIL_MS,                 "until_ms")                               \
    X (UNTIL_SEQ,                "until_seq")                              \
    X (VERB,                    "verb")                                    \
    X (VERSION,                  "version")                                \
    X (WAITING,                  "waiting")                                \
    X (WARNINGS,                "warnings")                                \
    X (WORKERS,                  "workers")

//  imqctl's own flags, which never leave the command line
#define IM_KEYS_LOCAL(X)                                                   \
    X (CADENCE,                  "cadence")                                \
    X (CSV,                      "csv")                                    \
    X (DIR,                      "dir")                                    \
    X (FOLLOW,                   "follow")                                 \
    X (INTERVAL,                 "interval")                               \
    X (KEY_FILE,                 "key-file")                               \
    X (OUTPUT,                   "output")                                 \
    X (VIEW,                     "view")

#define IM_KEYS(X)                                                         \
    IM_KEYS_INCIDENT (X)                                                   \
    IM_KEYS_MESSAGE (X)                                                    \
    IM_KEYS_LOCAL (X)

//  Each file has its own copy of the keys it names (the compiler drops
//  the others): with the text in sight it compares a key to a constant
//  as it did a literal, inline where the text is short
#define IM_KEY_DEFINE(name, text) static const char IM_KEY_##name [] = text;
IM_KEYS (IM_KEY_DEFINE)
#undef IM_KEY_DEFINE

//  Which list of the table a key is in
typedef enum {
    IM_KEYS_OF_INCIDENT = 1,
    IM_KEYS_OF_MESSAGE = 2,
    IM_KEYS_OF_LOCAL = 3
} im_keys_list_t;

//  Returns the number of keys in the table
size_t
    im_keys_size (void);

//  Returns the text of the key at index (0 <= index < im_keys_size), in
//  table order, and stores in *list which list it is in; NULL past the
//  end. The text is static.
const char *
    im_keys_at (size_t index, im_keys_list_t *list);

#endif
