/*  im_config_schema - every key of imq.yaml, and where its value goes

    The schema is data: a table per mapping, each key naming how its
    value is read and where it goes (in im_config_t for a node's
    settings, in im_policy_t for a rule), so that adding a setting is one
    line here and one field in im_config.h or im_policy.h. A node's file
    is read into an im_config_file_t, which holds both; a replicated
    policy into an im_policy_t, through a root that knows only the
    policy sections. Unknown keys
    are errors that name the keys that would have been accepted, since
    a misspelt key silently ignored is a setting that never applies.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_config.h"
#include "im_config_private.h"

//  How the value of one key is read
typedef enum {
    FIELD_SECTION,                      //  A mapping, described by fields
    FIELD_ID,                           //  uint64_t in min..max
    FIELD_SIZE,                         //  size_t in min..max
    FIELD_UINT,                         //  unsigned in min..max
    FIELD_MS32,                         //  uint32_t duration in ms
    FIELD_MS64,                         //  uint64_t duration in ms
    FIELD_MSI64,                        //  int64_t duration in ms, max
                                        //  at most INT64_MAX
    FIELD_PATH,                         //  char [IM_CONFIG_PATH_MAX]
    FIELD_ENDPOINT,                     //  Same, a ZeroMQ endpoint
    FIELD_ADDRESS,                      //  Same, host:port
    FIELD_NAME,                         //  char [IM_CONFIG_NAME_MAX]
    FIELD_BOOL,                         //  bool: true or false
    FIELD_RECIPIENTS,                   //  notifier.breach_recipients
    FIELD_KEYWORDS,                     //  A category's keywords
    FIELD_MATRIX,                       //  classifier.matrix
    FIELD_CATEGORIES,                   //  classifier.categories
    FIELD_AGENTS,                       //  agents (policy)
    FIELD_ROLES,                        //  An agent's roles
    FIELD_GROUPS,                       //  groups (policy)
    FIELD_MEMBERS,                      //  A group's agents
    FIELD_ROUTES,                       //  Categories routed to a group
    FIELD_SUBCATEGORIES,                //  A category's subcategories
    FIELD_NODES,                        //  cluster.members
    FIELD_CALENDARS,                    //  calendars (policy)
    FIELD_HOURS,                        //  A calendar's hours
    FIELD_HOLIDAYS,                     //  A calendar's holidays
    FIELD_EXCEPTIONS,                   //  A calendar's exceptions
    FIELD_PAUSE_ON,                     //  sla.pause_on
    FIELD_PERCENTS,                     //  sla.warn_at
    FIELD_ESCALATIONS,                  //  escalations (policy)
    FIELD_LEVELS,                       //  An escalation policy's levels
    FIELD_USERS,                        //  A level's users
    FIELD_TARGET_GROUPS,                //  A level's groups
    FIELD_SCHEDULES,                    //  A level's schedules
    FIELD_OVERRIDES,                    //  sla.overrides
    FIELD_URL,                          //  char [IM_NOTIFY_URL_MAX]
    FIELD_CHANNEL_NAMES,                //  im_notify_names_t
    FIELD_CHANNELS,                     //  notifier.channels
    FIELD_PEOPLE                        //  notifier.people
} field_kind_t;

//  One key of a mapping; a table of them ends with a NULL key
struct _im_config_field_t {
    const char *key;                    //  Key in its mapping
    field_kind_t kind;                  //  How its value is read
    size_t offset;                      //  Where it goes, from the base
    uint64_t min;                       //  Smallest number accepted
    uint64_t max;                       //  Largest number or duration
    const im_config_field_t *fields;    //  FIELD_SECTION: its keys
};

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

static const im_config_field_t s_category [] = {
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
static const im_config_field_t s_override [] = {
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
static const im_config_field_t s_level [] = {
    { "after", FIELD_MS64, S_LEVEL (after_ms), 1, S_YEARS_100, NULL },
    { "users", FIELD_USERS, 0, 0, 0, NULL },
    { "groups", FIELD_TARGET_GROUPS, 0, 0, 0, NULL },
    { "schedules", FIELD_SCHEDULES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  An escalation policy (the escalations section)
static const im_config_field_t s_escalation [] = {
    { "name", FIELD_NAME, offsetof (im_policy_escalation_t, name), 0, 0,
      NULL },
    { "repeat", FIELD_ID, offsetof (im_policy_escalation_t, repeat), 1, 100,
      NULL },
    { "levels", FIELD_LEVELS, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_CAL(member) offsetof (im_calendar_def_t, member)

//  A calendar (im_config_calendar.c reads its hours and dates)
static const im_config_field_t s_calendar [] = {
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
static const im_config_field_t s_channel [] = {
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
static const im_config_field_t s_person [] = {
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

static const im_config_field_t s_agent [] = {
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

static const im_config_field_t s_group [] = {
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

static const im_config_field_t s_member [] = {
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
static const im_config_field_t s_root [] = {
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
static const im_config_field_t s_policy_root [] = {
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

//  Reads one category of the list at item
static void
s_category_read (struct fy_diag *diag, const char *name, struct fy_node *item,
                 im_policy_t *policy, im_policy_category_t *category)
{
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with name "
                              "and keywords", name);
        return;
    }
    im_config_schema_walk (diag, name, item, s_category, category);
    if (!fy_node_mapping_lookup_pair_by_string (item, "name", FY_NT))
        im_config_yaml_error (diag, item, "%s: missing name", name);
    if (!fy_node_mapping_lookup_pair_by_string (item, "keywords", FY_NT))
        im_config_yaml_error (diag, item, "%s: missing keywords", name);
    for (im_policy_category_t *other = policy->categories; other < category;
         other++)
        if (*category->name && streq (other->name, category->name))
            im_config_yaml_error (diag, item, "%s: category '%s' is listed "
                                  "twice", name, category->name);
}

//  Reads category number index of the classifier's list at item (an
//  im_config_item_fn over the policy)
static void
s_category_item (struct fy_diag *diag, const char *name, struct fy_node *item,
                 void *target, size_t index)
{
    im_policy_t *policy = (im_policy_t *) target;
    s_category_read (diag, name, item, policy, &policy->categories [index]);
}

//  Reads level number index of an escalation policy's list at item
static void
s_level_item (struct fy_diag *diag, const char *name, struct fy_node *item,
              void *target, size_t index)
{
    im_policy_escalation_t *escalation = (im_policy_escalation_t *) target;
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with "
                              "after and users, groups or schedules", name);
        return;
    }
    im_config_schema_walk (diag, name, item, s_level,
                           &escalation->levels [index]);
    if (!fy_node_mapping_lookup_pair_by_string (item, "after", FY_NT))
        im_config_yaml_error (diag, item, "%s: missing after (how long "
                              "after the step before, e.g. 15m)", name);
}

//  Reads entry number index of sla.overrides at item
static void
s_override_item (struct fy_diag *diag, const char *name, struct fy_node *item,
                 void *target, size_t index)
{
    im_policy_t *policy = (im_policy_t *) target;
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with "
                              "service or customer_group", name);
        return;
    }
    im_config_schema_walk (diag, name, item, s_override,
                           &policy->overrides [index]);
}

//  Reads member number index of the cluster list at item (an
//  im_config_item_fn over the node's settings)
static void
s_member_read (struct fy_diag *diag, const char *name, struct fy_node *item,
               void *target, size_t index)
{
    im_config_t *config = (im_config_t *) target;
    im_config_member_t *member = &config->members [index];
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with id, "
                              "raft, client and workers", name);
        return;
    }
    im_config_schema_walk (diag, name, item, s_member, member);
    static const char *const keys [] = { "id", "raft", "client", "workers" };
    for (size_t key = 0; key < 4; key++)
        if (!fy_node_mapping_lookup_pair_by_string (item, keys [key], FY_NT))
            im_config_yaml_error (diag, item, "%s: missing %s", name,
                                  keys [key]);
    for (im_config_member_t *other = config->members; other < member; other++) {
        if (member->id && other->id == member->id)
            im_config_yaml_error (diag, item, "%s: id %" PRIu64 " is listed "
                                  "twice", name, member->id);
        if (*member->raft && streq (other->raft, member->raft))
            im_config_yaml_error (diag, item, "%s: raft address %s is listed "
                                  "twice", name, member->raft);
    }
}

//  Reads the value of one known key into base
static void
s_field (struct fy_diag *diag, const char *name, const im_config_field_t *field,
         struct fy_node *key, struct fy_node *value, void *base)
{
    char *target = (char *) base + field->offset;
    //  The kinds of lists are read into what holds them, at target
    im_config_t *config = (im_config_t *) (void *) target;
    im_policy_t *policy = (im_policy_t *) (void *) target;
    im_policy_category_t *category = (im_policy_category_t *) base;
    uint64_t number = 0;
    switch (field->kind) {
        case FIELD_SECTION:
            im_config_schema_walk (diag, name, value, field->fields, target);
            break;
        case FIELD_ID:
        case FIELD_SIZE:
        case FIELD_UINT:
            if (!im_config_yaml_number (diag, name, key, value, field->min,
                                        field->max, &number))
                break;
            if (field->kind == FIELD_ID)
                *(uint64_t *) target = number;
            else
            if (field->kind == FIELD_SIZE)
                *(size_t *) target = (size_t) number;
            else
                *(unsigned *) target = (unsigned) number;
            break;
        case FIELD_MS32:
        case FIELD_MS64:
        case FIELD_MSI64:
            if (!im_config_yaml_duration (diag, name, key, value, field->min,
                                          field->max, &number))
                break;
            if (field->kind == FIELD_MS32)
                *(uint32_t *) target = (uint32_t) number;
            else
            if (field->kind == FIELD_MSI64)
                *(int64_t *) target = (int64_t) number;
            else
                *(uint64_t *) target = number;
            break;
        case FIELD_PATH:
            im_config_yaml_scalar (diag, name, key, value, target,
                                   IM_CONFIG_PATH_MAX);
            break;
        case FIELD_ENDPOINT:
        case FIELD_ADDRESS:
            im_config_read_address (diag, name, key, value,
                                    field->kind == FIELD_ENDPOINT, target);
            break;
        case FIELD_NAME:
            im_config_yaml_scalar (diag, name, key, value, target,
                                   IM_CONFIG_NAME_MAX);
            break;
        case FIELD_BOOL: {
            char text [32] = "";
            if (!im_config_yaml_scalar (diag, name, key, value, text,
                                        sizeof text))
                break;
            if (streq (text, "true") || streq (text, "false"))
                *(bool *) target = streq (text, "true");
            else
                im_config_yaml_error (diag, value, "%s: expected true or "
                                      "false, found '%s'", name, text);
            break;
        }
        case FIELD_RECIPIENTS:
            im_config_read_names (diag, name, key, value,
                                  policy->breach_recipients,
                                  IM_POLICY_RECIPIENTS_MAX,
                                  &policy->breach_recipients_n, false);
            break;
        case FIELD_KEYWORDS:
            im_config_read_names (diag, name, key, value, category->keywords,
                                  IM_POLICY_KEYWORDS_MAX,
                                  &category->keywords_n, true);
            if (value && fy_node_is_sequence (value)
            &&  category->keywords_n == 0)
                im_config_yaml_error (diag, value, "%s: needs at least one "
                                      "keyword", name);
            break;
        case FIELD_MATRIX:
            im_config_read_matrix (diag, name, key, value, policy);
            break;
        case FIELD_CATEGORIES:
            //  The list replaces the default categories
            memset (policy->categories, 0, sizeof policy->categories);
            im_config_read_list (diag, name, key, value,
                                 IM_POLICY_CATEGORIES_MAX, "categories",
                                 &policy->categories_n, s_category_item,
                                 policy);
            break;
        case FIELD_NODES:
            memset (config->members, 0, sizeof config->members);
            im_config_read_list (diag, name, key, value, IM_CONFIG_NODES_MAX,
                                 "members", &config->members_n, s_member_read,
                                 config);
            break;
        case FIELD_AGENTS:
            policy->agents_n = im_config_read_entries (
                diag, name, key, value, s_agent, policy->agents,
                sizeof (im_policy_agent_t), IM_POLICY_AGENTS_MAX);
            break;
        case FIELD_ROLES: {
            im_policy_agent_t *agent = (im_policy_agent_t *) base;
            im_config_read_names (diag, name, key, value, agent->roles,
                                  IM_POLICY_ROLES_MAX, &agent->roles_n, false);
            break;
        }
        case FIELD_GROUPS: {
            policy->groups_n = im_config_read_entries (
                diag, name, key, value, s_group, policy->groups,
                sizeof (im_policy_group_t), IM_POLICY_GROUPS_MAX);
            void *iterator = NULL;
            struct fy_node *item;
            for (size_t index = 0; index < policy->groups_n
                 && (item = fy_node_sequence_iterate (value, &iterator));
                 index++)
                if (fy_node_is_mapping (item)
                &&  !fy_node_mapping_lookup_pair_by_string (item, "tier",
                                                            FY_NT))
                    im_config_yaml_error (diag, item, "%s[%zu]: missing tier "
                                          "(1, 2 or 3)", name, index);
            break;
        }
        case FIELD_MEMBERS: {
            im_policy_group_t *group = (im_policy_group_t *) base;
            im_config_read_names (diag, name, key, value, group->agents,
                                  IM_POLICY_MEMBERS_MAX, &group->agents_n,
                                  false);
            break;
        }
        case FIELD_SUBCATEGORIES:
            im_config_read_names (diag, name, key, value,
                                  category->subcategories,
                                  IM_POLICY_SUBCATEGORIES_MAX,
                                  &category->subcategories_n, false);
            break;
        case FIELD_CALENDARS:
            policy->calendars_n = im_config_read_entries (
                diag, name, key, value, s_calendar, policy->calendars,
                sizeof (im_calendar_def_t), IM_POLICY_CALENDARS_MAX);
            im_config_check_calendars (diag, name, value, policy);
            break;
        case FIELD_HOURS:
            im_config_read_hours (diag, name, key, value,
                                  (im_calendar_def_t *) base);
            break;
        case FIELD_HOLIDAYS:
            im_config_read_holidays (diag, name, key, value,
                                     (im_calendar_def_t *) base);
            break;
        case FIELD_EXCEPTIONS:
            im_config_read_exceptions (diag, name, key, value,
                                       (im_calendar_def_t *) base);
            break;
        case FIELD_PAUSE_ON:
            im_config_read_names (diag, name, key, value, policy->pause_on,
                                  IM_POLICY_PAUSE_MAX, &policy->pause_on_n,
                                  false);
            break;
        case FIELD_PERCENTS:
            im_config_read_percents (diag, name, key, value, policy);
            break;
        case FIELD_ESCALATIONS:
            policy->escalations_n = im_config_read_entries (
                diag, name, key, value, s_escalation, policy->escalations,
                sizeof (im_policy_escalation_t), IM_POLICY_ESCALATIONS_MAX);
            for (size_t index = 0; index < policy->escalations_n; index++)
                if (policy->escalations [index].repeat == 0)
                    policy->escalations [index].repeat = 1;
            break;
        case FIELD_LEVELS: {
            im_policy_escalation_t *escalation =
                (im_policy_escalation_t *) base;
            memset (escalation->levels, 0, sizeof escalation->levels);
            im_config_read_list (diag, name, key, value,
                                 IM_POLICY_LEVELS_MAX, "levels",
                                 &escalation->levels_n, s_level_item,
                                 escalation);
            break;
        }
        case FIELD_USERS:
        case FIELD_TARGET_GROUPS:
        case FIELD_SCHEDULES: {
            im_policy_level_t *level = (im_policy_level_t *) base;
            if (field->kind == FIELD_USERS)
                im_config_read_names (diag, name, key, value, level->users,
                                      IM_POLICY_TARGETS_MAX,
                                      &level->users_n, false);
            else
            if (field->kind == FIELD_TARGET_GROUPS)
                im_config_read_names (diag, name, key, value, level->groups,
                                      IM_POLICY_TARGETS_MAX,
                                      &level->groups_n, false);
            else
                im_config_read_names (diag, name, key, value,
                                      level->schedules,
                                      IM_POLICY_TARGETS_MAX,
                                      &level->schedules_n, false);
            break;
        }
        case FIELD_OVERRIDES:
            memset (policy->overrides, 0, sizeof policy->overrides);
            im_config_read_list (diag, name, key, value,
                                 IM_POLICY_OVERRIDES_MAX, "overrides",
                                 &policy->overrides_n, s_override_item,
                                 policy);
            break;
        case FIELD_URL:
            im_config_yaml_scalar (diag, name, key, value, target,
                                   IM_NOTIFY_URL_MAX);
            break;
        case FIELD_CHANNEL_NAMES: {
            im_notify_names_t *names = (im_notify_names_t *) (void *) target;
            im_config_read_names (diag, name, key, value, names->names,
                                  IM_NOTIFY_CHANNELS_MAX, &names->names_n,
                                  false);
            break;
        }
        case FIELD_CHANNELS: {
            im_notify_rules_t *rules = (im_notify_rules_t *) (void *) target;
            rules->channels_n = im_config_read_entries (
                diag, name, key, value, s_channel, rules->channels,
                sizeof (im_notify_channel_t), IM_NOTIFY_CHANNELS_MAX);
            break;
        }
        case FIELD_PEOPLE: {
            im_notify_rules_t *rules = (im_notify_rules_t *) (void *) target;
            rules->people_n = im_config_read_entries (
                diag, name, key, value, s_person, rules->people,
                sizeof (im_notify_person_t), IM_NOTIFY_PEOPLE_MAX);
            break;
        }
        case FIELD_ROUTES: {
            im_policy_group_t *group = (im_policy_group_t *) base;
            im_config_read_names (diag, name, key, value, group->routes,
                                  IM_POLICY_MEMBERS_MAX, &group->routes_n,
                                  true);
            break;
        }
    }
}

//  Reads a mapping whose keys are described by fields, and reports every
//  unknown key by name. An empty (null) mapping leaves base as it was.
void
im_config_schema_walk (struct fy_diag *diag, const char *where,
                       struct fy_node *node, const im_config_field_t *fields,
                       void *base)
{
    char known [320] = "";
    for (const im_config_field_t *field = fields; field->key; field++)
        snprintf (known + strlen (known), sizeof known - strlen (known),
                  "%s%s", field == fields ? "" : ", ", field->key);
    if (im_config_yaml_null (node))
        return;
    if (!fy_node_is_mapping (node)) {
        im_config_yaml_error (diag, node, "%s: expected a mapping with keys "
                              "%s, found %s", where ? where : "top level",
                              known, im_config_yaml_kind (node));
        return;
    }
    void *iterator = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate (node, &iterator))) {
        struct fy_node *key = fy_node_pair_key (pair);
        struct fy_node *value = fy_node_pair_value (pair);
        //  An empty value may have no position: report at its key
        if (key && im_config_yaml_null (value))
            value = NULL;
        const char *text = key && fy_node_is_scalar (key)
                         ? fy_node_get_scalar0 (key) : NULL;
        const im_config_field_t *field = fields;
        while (field->key && (!text || !streq (field->key, text)))
            field++;
        char name [IM_CONFIG_WHERE_MAX];
        if (field->key) {
            snprintf (name, sizeof name, "%s%s%s", where ? where : "",
                      where ? "." : "", field->key);
            s_field (diag, name, field, key, value, base);
        }
        else
            im_config_yaml_error (diag, key ? key : (value ? value : node),
                                  "%s: unknown key '%s' (known: %s)",
                                  where ? where : "top level",
                                  text ? text : "?", known);
    }
}

void
im_config_schema_apply (struct fy_diag *diag, struct fy_node *root,
                        im_config_file_t *file, im_policy_t *policy)
{
    assert (diag);
    assert (file || policy);
    if (file)
        im_config_schema_walk (diag, NULL, root, s_root, file);
    else
        im_config_schema_walk (diag, NULL, root, s_policy_root, policy);
    im_config_check (diag, root, file ? &file->config : NULL,
                     file ? &file->policy : policy);
}
