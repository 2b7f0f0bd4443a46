/*  im_config_tables - the tables of imq.yaml's keys

    Every mapping of a node's file and of a replicated policy is a table
    of keys here (im_config_private.h says what a key holds), read by
    im_config_schema.c. Adding a setting is one line in a table and one
    field in im_config.h or im_policy.h.
*/
#include <stddef.h>
#include <stdint.h>

#include "im_config.h"
#include "im_config_private.h"

#define S_AT(member) offsetof (im_config_t, member)
#define S_POL(member) offsetof (im_policy_t, member)
#define S_FILE(member) offsetof (im_config_file_t, member)

static const im_config_field_t s_node [] = {
    { "id", FIELD_ID, S_AT (node_id), 1, UINT64_MAX, NULL },
    { "data", FIELD_PATH, S_AT (data_dir), 0, 0, NULL },
    { "client", FIELD_ENDPOINT, S_AT (client_endpoint), 0, 0, NULL },
    { "workers", FIELD_ENDPOINT, S_AT (worker_endpoint), 0, 0, NULL },
    { "raft", FIELD_ADDRESS, S_AT (raft_address), 0, 0, NULL },
    { "batch_max", FIELD_SIZE, S_AT (batch_max), 1, 8192, NULL },
    { "queue_max", FIELD_SIZE, S_AT (queue_max), 1, 1 << 24, NULL },
    { "inflight_entries_max", FIELD_SIZE, S_AT (inflight_entries_max),
      1, 1024, NULL },
    { "block_cache_mb", FIELD_SIZE, S_AT (block_cache_mb), 1, 65536, NULL },
    { "write_buffer_mb", FIELD_SIZE, S_AT (write_buffer_mb), 1, 65536, NULL },
    { "worker_heartbeat", FIELD_MS32, S_AT (worker_heartbeat_ms),
      0, UINT32_MAX, NULL },
    { "worker_expiry", FIELD_MS32, S_AT (worker_expiry_ms),
      0, UINT32_MAX, NULL },
    { "offset_commit", FIELD_MS32, S_AT (offset_commit_ms),
      0, UINT32_MAX, NULL },
    { "snapshot_threshold", FIELD_UINT, S_AT (snapshot_threshold),
      1, 1 << 20, NULL },
    { "snapshot_trailing", FIELD_UINT, S_AT (snapshot_trailing),
      1, 1 << 20, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_http [] = {
    { "listen", FIELD_ADDRESS, S_AT (http_listen), 0, 0, NULL },
    { "body_max", FIELD_SIZE, S_AT (http_body_max), 1024, 64 << 20, NULL },
    { "inflight_max", FIELD_SIZE, S_AT (http_inflight_max), 1, 4096, NULL },
    { "connections_max", FIELD_SIZE, S_AT (http_connections_max), 16, 65536,
      NULL },
    { "connections_per_client", FIELD_SIZE,
      S_AT (http_connections_per_client), 1, 65536, NULL },
    { "header_timeout", FIELD_MS32, S_AT (http_header_timeout_ms), 100,
      3600000, NULL },
    { "body_timeout", FIELD_MS32, S_AT (http_body_timeout_ms), 100, 3600000,
      NULL },
    { "alert_resolve", FIELD_NAME, S_AT (alert_resolve), 0, 0, NULL },
    { "alert_copies_window", FIELD_MS32, S_AT (http_alert_copies_window_ms),
      1000, 3600000, NULL },
    { "readyz_open", FIELD_BOOL, S_AT (http_readyz_open), 0, 0, NULL },
    { "metrics_open", FIELD_BOOL, S_AT (http_metrics_open), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_classifier [] = {
    { "matrix", FIELD_MATRIX, 0, 0, 0, NULL },
    { "default_category", FIELD_NAME, S_POL (default_category), 0, 0, NULL },
    { "categories", FIELD_CATEGORIES, 0, 0, 0, NULL },
    { "request_priority", FIELD_ID, S_POL (request_priority), 1,
      IM_PRIORITIES, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

const im_config_field_t im_config_table_category [] = {
    { "name", FIELD_NAME, offsetof (im_policy_category_t, name), 0, 0, NULL },
    { "keywords", FIELD_KEYWORDS, 0, 0, 0, NULL },
    { "subcategories", FIELD_SUBCATEGORIES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_YEARS_100 (100 * 365 * 86400000ull)

//  One table per priority: its targets and its calendar
#define S_SLA_TARGET(n)                                                    \
static const im_config_field_t s_sla_p##n [] = {                          \
    { "response", FIELD_MS64, S_POL (response_ms [n - 1]), 0, UINT64_MAX,  \
      NULL },                                                              \
    { "resolution", FIELD_MS64, S_POL (resolution_ms [n - 1]), 0,         \
      UINT64_MAX, NULL },                                                  \
    { "calendar", FIELD_NAME, S_POL (calendar [n - 1]), 0, 0, NULL },      \
    { "update_calendar", FIELD_NAME, S_POL (update_calendars [n - 1]), 0,  \
      0, NULL },                                                           \
    { "escalation", FIELD_NAME, S_POL (escalation [n - 1]), 0, 0, NULL },  \
    { "ack_timeout", FIELD_MS64, S_POL (ack_timeout_ms [n - 1]), 1,        \
      S_YEARS_100, NULL },                                                 \
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }                                 \
};
S_SLA_TARGET (1)
S_SLA_TARGET (2)
S_SLA_TARGET (3)
S_SLA_TARGET (4)
S_SLA_TARGET (5)

static const im_config_field_t s_sla_request [] = {
    { "response", FIELD_MS64, S_POL (request_response_ms), 0, UINT64_MAX,
      NULL },
    { "resolution", FIELD_MS64, S_POL (request_resolution_ms), 0, UINT64_MAX,
      NULL },
    { "calendar", FIELD_NAME, S_POL (request_calendar), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_sla [] = {
    { "P1", FIELD_SECTION, 0, 0, 0, s_sla_p1 },
    { "P2", FIELD_SECTION, 0, 0, 0, s_sla_p2 },
    { "P3", FIELD_SECTION, 0, 0, 0, s_sla_p3 },
    { "P4", FIELD_SECTION, 0, 0, 0, s_sla_p4 },
    { "P5", FIELD_SECTION, 0, 0, 0, s_sla_p5 },
    { "request", FIELD_SECTION, 0, 0, 0, s_sla_request },
    { "calendar", FIELD_NAME, S_POL (sla_calendar), 0, 0, NULL },
    { "update_calendar", FIELD_NAME, S_POL (update_calendar), 0, 0, NULL },
    { "pause_on", FIELD_PAUSE_ON, 0, 0, 0, NULL },
    { "warn_at", FIELD_PERCENTS, 0, 0, 0, NULL },
    { "overrides", FIELD_OVERRIDES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_OVR(member) offsetof (im_policy_override_t, member)

//  One table per priority of an override
#define S_OVERRIDE_P(n)                                                    \
static const im_config_field_t s_override_p##n [] = {                     \
    { "calendar", FIELD_NAME, S_OVR (calendars [n - 1]), 0, 0, NULL },     \
    { "update_calendar", FIELD_NAME, S_OVR (update_calendars [n - 1]), 0,  \
      0, NULL },                                                           \
    { "escalation", FIELD_NAME, S_OVR (escalation [n - 1]), 0, 0, NULL },  \
    { "ack_timeout", FIELD_MS64, S_OVR (ack_timeout_ms [n - 1]), 1,        \
      S_YEARS_100, NULL },                                                 \
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }                                 \
};
S_OVERRIDE_P (1)
S_OVERRIDE_P (2)
S_OVERRIDE_P (3)
S_OVERRIDE_P (4)
S_OVERRIDE_P (5)

//  An entry of sla.overrides (im_config_escalation.c checks it)
const im_config_field_t im_config_table_override [] = {
    { "service", FIELD_NAME, S_OVR (service), 0, 0, NULL },
    { "customer_group", FIELD_NAME, S_OVR (customer_group), 0, 0, NULL },
    { "calendar", FIELD_NAME, S_OVR (calendar), 0, 0, NULL },
    { "update_calendar", FIELD_NAME, S_OVR (update_calendar), 0, 0, NULL },
    { "P1", FIELD_SECTION, 0, 0, 0, s_override_p1 },
    { "P2", FIELD_SECTION, 0, 0, 0, s_override_p2 },
    { "P3", FIELD_SECTION, 0, 0, 0, s_override_p3 },
    { "P4", FIELD_SECTION, 0, 0, 0, s_override_p4 },
    { "P5", FIELD_SECTION, 0, 0, 0, s_override_p5 },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_LEVEL(member) offsetof (im_policy_level_t, member)

//  A level of an escalation policy
const im_config_field_t im_config_table_level [] = {
    { "after", FIELD_MS64, S_LEVEL (after_ms), 1, S_YEARS_100, NULL },
    { "users", FIELD_USERS, 0, 0, 0, NULL },
    { "groups", FIELD_TARGET_GROUPS, 0, 0, 0, NULL },
    { "schedules", FIELD_SCHEDULES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  An escalation policy (the escalations section)
const im_config_field_t im_config_table_escalation [] = {
    { "name", FIELD_NAME, offsetof (im_policy_escalation_t, name), 0, 0,
      NULL },
    { "repeat", FIELD_ID, offsetof (im_policy_escalation_t, repeat), 1, 100,
      NULL },
    { "levels", FIELD_LEVELS, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_CAL(member) offsetof (im_calendar_def_t, member)

//  A calendar (im_config_calendar.c reads its hours and dates)
const im_config_field_t im_config_table_calendar [] = {
    { "name", FIELD_NAME, S_CAL (name), 0, 0, NULL },
    { "always", FIELD_BOOL, S_CAL (always), 0, 0, NULL },
    { "zone", FIELD_NAME, S_CAL (zone), 0, 0, NULL },
    { "hours", FIELD_HOURS, 0, 0, 0, NULL },
    { "holidays", FIELD_HOLIDAYS, 0, 0, 0, NULL },
    { "exceptions", FIELD_EXCEPTIONS, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_hours [] = {
    { "start", FIELD_MS64, S_POL (hours_start_ms), 0, 86400000, NULL },
    { "end", FIELD_MS64, S_POL (hours_end_ms), 0, 86400000, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_CHAN(member) offsetof (im_notify_channel_t, member)

//  One of notifier.channels (im_config_notify.c checks it whole)
const im_config_field_t im_config_table_channel [] = {
    { "name", FIELD_NAME, S_CHAN (name), 0, 0, NULL },
    { "type", FIELD_NAME, S_CHAN (type), 0, 0, NULL },
    { "url", FIELD_URL, S_CHAN (url), 0, 0, NULL },
    { "secret", FIELD_NAME, S_CHAN (secret), 0, 0, NULL },
    { "from", FIELD_URL, S_CHAN (from), 0, 0, NULL },
    { "connect_timeout", FIELD_MS32, S_CHAN (connect_timeout_ms), 1,
      600000, NULL },
    { "timeout", FIELD_MS32, S_CHAN (timeout_ms), 1, 600000, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_PERSON(member) offsetof (im_notify_person_t, member)

//  One of notifier.people
const im_config_field_t im_config_table_person [] = {
    { "name", FIELD_NAME, S_PERSON (name), 0, 0, NULL },
    { "email", FIELD_URL, S_PERSON (email), 0, 0, NULL },
    { "high", FIELD_CHANNEL_NAMES, S_PERSON (high), 0, 0, NULL },
    { "low", FIELD_CHANNEL_NAMES, S_PERSON (low), 0, 0, NULL },
    { "quiet", FIELD_NAME, S_PERSON (quiet), 0, 0, NULL },
    { "zone", FIELD_NAME, S_PERSON (zone), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  A node's file: the sink is the node's, the rest its workers' policy
static const im_config_field_t s_notifier [] = {
    { "sink", FIELD_PATH, S_FILE (config.sink_dir), 0, 0, NULL },
    { "breach_recipients", FIELD_RECIPIENTS, S_FILE (policy), 0, 0, NULL },
    { "business_hours", FIELD_SECTION, S_FILE (policy), 0, 0, s_hours },
    { "broadcast", FIELD_NAME, S_FILE (policy.broadcast), 0, 0, NULL },
    { "channels", FIELD_CHANNELS, S_FILE (policy.notify), 0, 0, NULL },
    { "people", FIELD_PEOPLE, S_FILE (policy.notify), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

const im_config_field_t im_config_table_agent [] = {
    { "name", FIELD_NAME, offsetof (im_policy_agent_t, name), 0, 0, NULL },
    { "roles", FIELD_ROLES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_security [] = {
    { "curve", FIELD_BOOL, S_AT (curve), 0, 0, NULL },
    { "keys", FIELD_PATH, S_AT (keys_dir), 0, 0, NULL },
    { "cert", FIELD_PATH, S_AT (cert), 0, 0, NULL },
    { "raft_public", FIELD_BOOL, S_AT (raft_public), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

const im_config_field_t im_config_table_group [] = {
    { "name", FIELD_NAME, offsetof (im_policy_group_t, name), 0, 0, NULL },
    { "tier", FIELD_ID, offsetof (im_policy_group_t, tier), 1, 3, NULL },
    { "agents", FIELD_MEMBERS, 0, 0, 0, NULL },
    { "categories", FIELD_ROUTES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_lifecycle [] = {
    { "reopen_window", FIELD_MSI64, S_POL (reopen_window_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { "auto_close", FIELD_MSI64, S_POL (auto_close_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { "request_retention", FIELD_MS64, S_POL (request_retention_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { "request_results_max", FIELD_ID, S_POL (request_results_max), 0,
      UINT64_MAX, NULL },
    { "alert_heartbeat", FIELD_MSI64, S_POL (alert_heartbeat_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  A replicated policy: the notifier's sink is a node's directory
static const im_config_field_t s_policy_notifier [] = {
    { "breach_recipients", FIELD_RECIPIENTS, 0, 0, 0, NULL },
    { "business_hours", FIELD_SECTION, 0, 0, 0, s_hours },
    { "broadcast", FIELD_NAME, S_POL (broadcast), 0, 0, NULL },
    { "channels", FIELD_CHANNELS, S_POL (notify), 0, 0, NULL },
    { "people", FIELD_PEOPLE, S_POL (notify), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_MEMBER(member) offsetof (im_config_member_t, member)

const im_config_field_t im_config_table_member [] = {
    { "id", FIELD_ID, S_MEMBER (id), 1, UINT64_MAX, NULL },
    { "raft", FIELD_ADDRESS, S_MEMBER (raft), 0, 0, NULL },
    { "client", FIELD_ENDPOINT, S_MEMBER (client), 0, 0, NULL },
    { "workers", FIELD_ENDPOINT, S_MEMBER (workers), 0, 0, NULL },
    { "http", FIELD_ADDRESS, S_MEMBER (http), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const im_config_field_t s_cluster [] = {
    { "members", FIELD_NODES, 0, 0, 0, NULL },
    { "election_timeout", FIELD_MS32, S_AT (election_timeout_ms),
      0, 60000, NULL },
    { "heartbeat", FIELD_MS32, S_AT (heartbeat_ms), 0, 10000, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  lifecycle is only in the replicated policy: the state machine must
//  apply the same windows on every node, which one node's file cannot
//  promise
//  A node's file, read into an im_config_file_t
const im_config_field_t im_config_table_root [] = {
    { "node", FIELD_SECTION, S_FILE (config), 0, 0, s_node },
    { "cluster", FIELD_SECTION, S_FILE (config), 0, 0, s_cluster },
    { "http", FIELD_SECTION, S_FILE (config), 0, 0, s_http },
    { "security", FIELD_SECTION, S_FILE (config), 0, 0, s_security },
    { "classifier", FIELD_SECTION, S_FILE (policy), 0, 0, s_classifier },
    { "sla", FIELD_SECTION, S_FILE (policy), 0, 0, s_sla },
    { "notifier", FIELD_SECTION, 0, 0, 0, s_notifier },
    { "calendars", FIELD_CALENDARS, S_FILE (policy), 0, 0, NULL },
    { "escalations", FIELD_ESCALATIONS, S_FILE (policy), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  A replicated policy, read into an im_policy_t
const im_config_field_t im_config_table_policy_root [] = {
    { "classifier", FIELD_SECTION, 0, 0, 0, s_classifier },
    { "sla", FIELD_SECTION, 0, 0, 0, s_sla },
    { "lifecycle", FIELD_SECTION, 0, 0, 0, s_lifecycle },
    { "notifier", FIELD_SECTION, 0, 0, 0, s_policy_notifier },
    { "agents", FIELD_AGENTS, 0, 0, 0, NULL },
    { "groups", FIELD_GROUPS, 0, 0, 0, NULL },
    { "calendars", FIELD_CALENDARS, 0, 0, 0, NULL },
    { "escalations", FIELD_ESCALATIONS, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};
