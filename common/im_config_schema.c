/*  im_config_schema - every key of imq.yaml, and where its value goes

    The schema is data: a table per mapping, each key naming how its
    value is read and where in im_config_t it goes, so that adding a
    setting is one line here and one field in im_config.h. Unknown keys
    are errors that name the keys that would have been accepted, since
    a misspelt key silently ignored is a setting that never applies.
*/
#include "im_classes.h"
#include "im_config_private.h"

//  How the value of one key is read
typedef enum {
    FIELD_SECTION,                      //  A mapping, described by fields
    FIELD_ID,                           //  uint64_t in min..max
    FIELD_SIZE,                         //  size_t in min..max
    FIELD_UINT,                         //  unsigned in min..max
    FIELD_MS32,                         //  uint32_t duration in ms
    FIELD_MS64,                         //  uint64_t duration in ms
    FIELD_PATH,                         //  char [IM_CONFIG_PATH_MAX]
    FIELD_ENDPOINT,                     //  Same, a ZeroMQ endpoint
    FIELD_ADDRESS,                      //  Same, host:port
    FIELD_NAME,                         //  char [IM_CONFIG_NAME_MAX]
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
    FIELD_NODES                         //  cluster.members
} field_kind_t;

//  One key of a mapping; a table of them ends with a NULL key
typedef struct field_s {
    const char *key;                    //  Key in its mapping
    field_kind_t kind;                  //  How its value is read
    size_t offset;                      //  Where it goes, from the base
    uint64_t min;                       //  Smallest number accepted
    uint64_t max;                       //  Largest number or duration
    const struct field_s *fields;       //  FIELD_SECTION: its keys
} field_t;

#define S_AT(member) offsetof (im_config_t, member)

static const field_t s_node [] = {
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

static const field_t s_http [] = {
    { "listen", FIELD_ADDRESS, S_AT (http_listen), 0, 0, NULL },
    { "body_max", FIELD_SIZE, S_AT (http_body_max), 1024, 64 << 20, NULL },
    { "inflight_max", FIELD_SIZE, S_AT (http_inflight_max), 1, 4096, NULL },
    { "alert_resolve", FIELD_NAME, S_AT (alert_resolve), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_classifier [] = {
    { "matrix", FIELD_MATRIX, 0, 0, 0, NULL },
    { "default_category", FIELD_NAME, S_AT (default_category), 0, 0, NULL },
    { "categories", FIELD_CATEGORIES, 0, 0, 0, NULL },
    { "request_priority", FIELD_ID, S_AT (request_priority), 1,
      IM_PRIORITIES, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_category [] = {
    { "name", FIELD_NAME, offsetof (im_config_category_t, name), 0, 0, NULL },
    { "keywords", FIELD_KEYWORDS, 0, 0, 0, NULL },
    { "subcategories", FIELD_SUBCATEGORIES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  The base of a target is moved to the priority's slot by its section
static const field_t s_sla_target [] = {
    { "response", FIELD_MS64, S_AT (response_ms), 0, UINT64_MAX, NULL },
    { "resolution", FIELD_MS64, S_AT (resolution_ms), 0, UINT64_MAX, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_sla_request [] = {
    { "response", FIELD_MS64, S_AT (request_response_ms), 0, UINT64_MAX,
      NULL },
    { "resolution", FIELD_MS64, S_AT (request_resolution_ms), 0, UINT64_MAX,
      NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_sla [] = {
    { "P1", FIELD_SECTION, 0 * sizeof (uint64_t), 0, 0, s_sla_target },
    { "P2", FIELD_SECTION, 1 * sizeof (uint64_t), 0, 0, s_sla_target },
    { "P3", FIELD_SECTION, 2 * sizeof (uint64_t), 0, 0, s_sla_target },
    { "P4", FIELD_SECTION, 3 * sizeof (uint64_t), 0, 0, s_sla_target },
    { "P5", FIELD_SECTION, 4 * sizeof (uint64_t), 0, 0, s_sla_target },
    { "request", FIELD_SECTION, 0, 0, 0, s_sla_request },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_hours [] = {
    { "start", FIELD_MS64, S_AT (hours_start_ms), 0, 86400000, NULL },
    { "end", FIELD_MS64, S_AT (hours_end_ms), 0, 86400000, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_notifier [] = {
    { "sink", FIELD_PATH, S_AT (sink_dir), 0, 0, NULL },
    { "breach_recipients", FIELD_RECIPIENTS, 0, 0, 0, NULL },
    { "business_hours", FIELD_SECTION, 0, 0, 0, s_hours },
    { "broadcast", FIELD_NAME, S_AT (broadcast), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_agent [] = {
    { "name", FIELD_NAME, offsetof (im_config_agent_t, name), 0, 0, NULL },
    { "roles", FIELD_ROLES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_group [] = {
    { "name", FIELD_NAME, offsetof (im_config_group_t, name), 0, 0, NULL },
    { "tier", FIELD_ID, offsetof (im_config_group_t, tier), 1, 3, NULL },
    { "agents", FIELD_MEMBERS, 0, 0, 0, NULL },
    { "categories", FIELD_ROUTES, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_lifecycle [] = {
    { "reopen_window", FIELD_MS64, S_AT (reopen_window_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { "auto_close", FIELD_MS64, S_AT (auto_close_ms), 0,
      100 * 365 * 86400000ull, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  A replicated policy: the notifier's sink is a node's directory
static const field_t s_policy_notifier [] = {
    { "breach_recipients", FIELD_RECIPIENTS, 0, 0, 0, NULL },
    { "business_hours", FIELD_SECTION, 0, 0, 0, s_hours },
    { "broadcast", FIELD_NAME, S_AT (broadcast), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

#define S_MEMBER(member) offsetof (im_config_member_t, member)

static const field_t s_member [] = {
    { "id", FIELD_ID, S_MEMBER (id), 1, UINT64_MAX, NULL },
    { "raft", FIELD_ADDRESS, S_MEMBER (raft), 0, 0, NULL },
    { "client", FIELD_ENDPOINT, S_MEMBER (client), 0, 0, NULL },
    { "workers", FIELD_ENDPOINT, S_MEMBER (workers), 0, 0, NULL },
    { "http", FIELD_ADDRESS, S_MEMBER (http), 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_cluster [] = {
    { "members", FIELD_NODES, 0, 0, 0, NULL },
    { "election_timeout", FIELD_MS32, S_AT (election_timeout_ms),
      0, 60000, NULL },
    { "heartbeat", FIELD_MS32, S_AT (heartbeat_ms), 0, 10000, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

//  lifecycle is only in the replicated policy: the state machine must
//  apply the same windows on every node, which one node's file cannot
//  promise
static const field_t s_root [] = {
    { "node", FIELD_SECTION, 0, 0, 0, s_node },
    { "cluster", FIELD_SECTION, 0, 0, 0, s_cluster },
    { "http", FIELD_SECTION, 0, 0, 0, s_http },
    { "classifier", FIELD_SECTION, 0, 0, 0, s_classifier },
    { "sla", FIELD_SECTION, 0, 0, 0, s_sla },
    { "notifier", FIELD_SECTION, 0, 0, 0, s_notifier },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static const field_t s_policy_root [] = {
    { "classifier", FIELD_SECTION, 0, 0, 0, s_classifier },
    { "sla", FIELD_SECTION, 0, 0, 0, s_sla },
    { "lifecycle", FIELD_SECTION, 0, 0, 0, s_lifecycle },
    { "notifier", FIELD_SECTION, 0, 0, 0, s_policy_notifier },
    { "agents", FIELD_AGENTS, 0, 0, 0, NULL },
    { "groups", FIELD_GROUPS, 0, 0, 0, NULL },
    { NULL, FIELD_SECTION, 0, 0, 0, NULL }
};

static void
    s_walk (struct fy_diag *diag, const char *where, struct fy_node *node,
            const field_t *fields, void *base);

//  Reads a ZeroMQ endpoint ("transport://address") or a Raft host:port
static void
s_address (struct fy_diag *diag, const char *name, struct fy_node *key,
           struct fy_node *value, bool endpoint, char *target)
{
    char text [IM_CONFIG_PATH_MAX];
    if (!im_config_yaml_scalar (diag, name, key, value, text, sizeof text))
        return;
    const char *scheme = strstr (text, "://");
    const char *colon = strrchr (text, ':');
    bool valid = endpoint ? scheme && scheme > text && scheme [3]
                          : !scheme && colon && colon > text && colon [1]
                            && strspn (colon + 1, "0123456789")
                               == strlen (colon + 1);
    if (valid)
        im_strlcpy (target, text, IM_CONFIG_PATH_MAX);
    else
    if (endpoint)
        im_config_yaml_error (diag, value, "%s: '%s' is not a ZeroMQ "
                              "endpoint (like tcp://host:port)", name, text);
    else
        im_config_yaml_error (diag, value, "%s: '%s' is not a host:port "
                              "address", name, text);
}

//  Checks that a keyword is one word as im_config_categorize splits text,
//  and stores it in lowercase
static void
s_keyword (struct fy_diag *diag, const char *name, struct fy_node *value,
           char *keyword)
{
    for (char *cursor = keyword; *cursor; cursor++) {
        if (!isalnum ((unsigned char) *cursor)
        &&  (unsigned char) *cursor < 128) {
            im_config_yaml_error (diag, value, "%s: '%s' is not one word "
                                  "(letters and digits only)", name, keyword);
            return;
        }
        *cursor = (char) tolower ((unsigned char) *cursor);
    }
}

//  Reads a list of at most max names into names [], setting *count;
//  keywords are also checked and lowercased
static void
s_names (struct fy_diag *diag, const char *name, struct fy_node *key,
         struct fy_node *value, char (*names) [IM_CONFIG_NAME_MAX],
         size_t max, size_t *count, bool keywords)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key,
                              "%s: expected a list", name);
        return;
    }
    if ((size_t) fy_node_sequence_item_count (value) > max) {
        im_config_yaml_error (diag, value, "%s: more than %zu entries",
                              name, max);
        return;
    }
    *count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, *count);
        char *target = names [(*count)++];
        if (im_config_yaml_scalar (diag, item_name, value, item, target,
                                   IM_CONFIG_NAME_MAX)
        &&  keywords)
            s_keyword (diag, item_name, item, target);
    }
}

//  Reads the 3 x 3 priority matrix: rows are impact, columns urgency
static void
s_matrix (struct fy_diag *diag, const char *name, struct fy_node *key,
          struct fy_node *value, im_config_t *config)
{
    if (!value || !fy_node_is_sequence (value)
    ||  fy_node_sequence_item_count (value) != 3) {
        im_config_yaml_error (diag, value ? value : key, "%s: expected 3 "
                              "rows, one per impact 1..3", name);
        return;
    }
    void *rows = NULL;
    struct fy_node *row;
    for (int impact = 1; (row = fy_node_sequence_iterate (value, &rows));
         impact++) {
        if (!fy_node_is_sequence (row)
        ||  fy_node_sequence_item_count (row) != 3) {
            im_config_yaml_error (diag, row, "%s: impact %d: expected 3 "
                                  "values, one per urgency 1..3",
                                  name, impact);
            continue;
        }
        void *cells = NULL;
        struct fy_node *cell;
        for (int urgency = 1; (cell = fy_node_sequence_iterate (row, &cells));
             urgency++) {
            char cell_name [IM_CONFIG_WHERE_MAX + 48];
            snprintf (cell_name, sizeof cell_name,
                      "%s: impact %d, urgency %d", name, impact, urgency);
            uint64_t priority = 0;
            if (im_config_yaml_number (diag, cell_name, row, cell, 1,
                                       IM_PRIORITIES, &priority))
                config->matrix [impact - 1][urgency - 1] = (int) priority;
        }
    }
}

//  Reads one category of the list at item
static void
s_category_read (struct fy_diag *diag, const char *name, struct fy_node *item,
                 im_config_t *config, im_config_category_t *category)
{
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with name "
                              "and keywords", name);
        return;
    }
    s_walk (diag, name, item, s_category, category);
    if (!fy_node_mapping_lookup_pair_by_string (item, "name", FY_NT))
        im_config_yaml_error (diag, item, "%s: missing name", name);
    if (!fy_node_mapping_lookup_pair_by_string (item, "keywords", FY_NT))
        im_config_yaml_error (diag, item, "%s: missing keywords", name);
    for (im_config_category_t *other = config->categories; other < category;
         other++)
        if (*category->name && streq (other->name, category->name))
            im_config_yaml_error (diag, item, "%s: category '%s' is listed "
                                  "twice", name, category->name);
}

//  Reads item number index of a list into config
typedef void (s_item_fn) (struct fy_diag *diag, const char *name,
                          struct fy_node *item, im_config_t *config,
                          size_t index);

//  Reads a list of at most max items (what: their name in messages),
//  calling fn for each and counting them in *count
static void
s_list (struct fy_diag *diag, const char *name, struct fy_node *key,
        struct fy_node *value, size_t max, const char *what, size_t *count,
        s_item_fn *fn, im_config_t *config)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key,
                              "%s: expected a list", name);
        return;
    }
    if (fy_node_sequence_item_count (value) > (int) max) {
        im_config_yaml_error (diag, value, "%s: more than %zu %s",
                              name, max, what);
        return;
    }
    *count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, *count);
        fn (diag, item_name, item, config, (*count)++);
    }
}

static void
s_category_item (struct fy_diag *diag, const char *name, struct fy_node *item,
                 im_config_t *config, size_t index)
{
    s_category_read (diag, name, item, config, &config->categories [index]);
}

//  Reads member number index of the cluster list at item (an s_item_fn)
static void
s_member_read (struct fy_diag *diag, const char *name, struct fy_node *item,
               im_config_t *config, size_t index)
{
    im_config_member_t *member = &config->members [index];
    if (!fy_node_is_mapping (item)) {
        im_config_yaml_error (diag, item, "%s: expected a mapping with id, "
                              "raft, client and workers", name);
        return;
    }
    s_walk (diag, name, item, s_member, member);
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

//  Reads a list of at most max mappings (agents, groups) into items,
//  each of size bytes and described by fields; every one needs a name,
//  no name twice. Returns how many were read.
static size_t
s_entries (struct fy_diag *diag, const char *name, struct fy_node *key,
           struct fy_node *value, const field_t *fields, void *items,
           size_t size, size_t max)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key,
                              "%s: expected a list", name);
        return 0;
    }
    if ((size_t) fy_node_sequence_item_count (value) > max) {
        im_config_yaml_error (diag, value, "%s: more than %zu entries",
                              name, max);
        return 0;
    }
    memset (items, 0, size * max);
    size_t count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, count);
        char *entry = (char *) items + count * size;
        count++;
        if (!fy_node_is_mapping (item)) {
            im_config_yaml_error (diag, item, "%s: expected a mapping with "
                                  "a name", item_name);
            continue;
        }
        s_walk (diag, item_name, item, fields, entry);
        //  The name is the first member of every entry type
        if (!fy_node_mapping_lookup_pair_by_string (item, "name", FY_NT))
            im_config_yaml_error (diag, item, "%s: missing name", item_name);
        for (const char *other = (const char *) items; other < entry;
             other += size)
            if (*entry && streq (other, entry))
                im_config_yaml_error (diag, item, "%s: '%s' is listed twice",
                                      item_name, entry);
    }
    return count;
}

//  Reads the value of one known key into base
static void
s_field (struct fy_diag *diag, const char *name, const field_t *field,
         struct fy_node *key, struct fy_node *value, void *base)
{
    char *target = (char *) base + field->offset;
    im_config_t *config = (im_config_t *) base;
    im_config_category_t *category = (im_config_category_t *) base;
    uint64_t number = 0;
    switch (field->kind) {
        case FIELD_SECTION:
            s_walk (diag, name, value, field->fields, target);
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
            if (!im_config_yaml_duration (diag, name, key, value, field->max,
                                          &number))
                break;
            if (field->kind == FIELD_MS32)
                *(uint32_t *) target = (uint32_t) number;
            else
                *(uint64_t *) target = number;
            break;
        case FIELD_PATH:
            im_config_yaml_scalar (diag, name, key, value, target,
                                   IM_CONFIG_PATH_MAX);
            break;
        case FIELD_ENDPOINT:
        case FIELD_ADDRESS:
            s_address (diag, name, key, value,
                       field->kind == FIELD_ENDPOINT, target);
            break;
        case FIELD_NAME:
            im_config_yaml_scalar (diag, name, key, value, target,
                                   IM_CONFIG_NAME_MAX);
            break;
        case FIELD_RECIPIENTS:
            s_names (diag, name, key, value, config->breach_recipients,
                     IM_CONFIG_RECIPIENTS_MAX, &config->breach_recipients_n,
                     false);
            break;
        case FIELD_KEYWORDS:
            s_names (diag, name, key, value, category->keywords,
                     IM_CONFIG_KEYWORDS_MAX, &category->keywords_n, true);
            if (value && fy_node_is_sequence (value)
            &&  category->keywords_n == 0)
                im_config_yaml_error (diag, value, "%s: needs at least one "
                                      "keyword", name);
            break;
        case FIELD_MATRIX:
            s_matrix (diag, name, key, value, config);
            break;
        case FIELD_CATEGORIES:
            //  The list replaces the default categories
            memset (config->categories, 0, sizeof config->categories);
            s_list (diag, name, key, value, IM_CONFIG_CATEGORIES_MAX,
                    "categories", &config->categories_n, s_category_item,
                    config);
            break;
        case FIELD_NODES:
            memset (config->members, 0, sizeof config->members);
            s_list (diag, name, key, value, IM_CONFIG_NODES_MAX, "members",
                    &config->members_n, s_member_read, config);
            break;
        case FIELD_AGENTS:
            config->agents_n = s_entries (diag, name, key, value, s_agent,
                                          config->agents,
                                          sizeof (im_config_agent_t),
                                          IM_CONFIG_AGENTS_MAX);
            break;
        case FIELD_ROLES: {
            im_config_agent_t *agent = (im_config_agent_t *) base;
            s_names (diag, name, key, value, agent->roles,
                     IM_CONFIG_ROLES_MAX, &agent->roles_n, false);
            break;
        }
        case FIELD_GROUPS: {
            config->groups_n = s_entries (diag, name, key, value, s_group,
                                          config->groups,
                                          sizeof (im_config_group_t),
                                          IM_CONFIG_GROUPS_MAX);
            void *iterator = NULL;
            struct fy_node *item;
            for (size_t index = 0; index < config->groups_n
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
            im_config_group_t *group = (im_config_group_t *) base;
            s_names (diag, name, key, value, group->agents,
                     IM_CONFIG_MEMBERS_MAX, &group->agents_n, false);
            break;
        }
        case FIELD_SUBCATEGORIES:
            s_names (diag, name, key, value, category->subcategories,
                     IM_CONFIG_SUBCATEGORIES_MAX, &category->subcategories_n,
                     false);
            break;
        case FIELD_ROUTES: {
            im_config_group_t *group = (im_config_group_t *) base;
            s_names (diag, name, key, value, group->routes,
                     IM_CONFIG_MEMBERS_MAX, &group->routes_n, true);
            break;
        }
    }
}

//  Reads a mapping whose keys are described by fields, and reports every
//  unknown key by name. An empty (null) mapping leaves base as it was.
static void
s_walk (struct fy_diag *diag, const char *where, struct fy_node *node,
        const field_t *fields, void *base)
{
    char known [320] = "";
    for (const field_t *field = fields; field->key; field++)
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
        const field_t *field = fields;
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

//  Returns where section.key was written (its value, else its key), or
//  NULL when the file does not set it
static struct fy_node *
s_find (struct fy_node *root, const char *section, const char *key)
{
    struct fy_node *mapping = root && fy_node_is_mapping (root)
        ? fy_node_mapping_lookup_by_string (root, section, FY_NT) : NULL;
    struct fy_node_pair *pair = mapping && fy_node_is_mapping (mapping)
        ? fy_node_mapping_lookup_pair_by_string (mapping, key, FY_NT) : NULL;
    if (!pair)
        return NULL;
    struct fy_node *value = fy_node_pair_value (pair);
    return value ? value : fy_node_pair_key (pair);
}

//  Checks what involves more than one key, and derives the default
//  notifier sink from the data directory
static void
s_finish (struct fy_diag *diag, struct fy_node *root, im_config_t *config)
{
    struct fy_node *at = s_find (root, "node", "worker_expiry");
    if (!at)
        at = s_find (root, "node", "worker_heartbeat");
    if (at && config->worker_expiry_ms <= config->worker_heartbeat_ms)
        im_config_yaml_error (diag, at, "node.worker_expiry: must be longer "
                              "than node.worker_heartbeat");
    //  libraft draws each election timer between the timeout and twice
    //  it: followers must hear several heartbeats within the shortest
    at = s_find (root, "cluster", "election_timeout");
    if (!at)
        at = s_find (root, "cluster", "heartbeat");
    if (at && config->election_timeout_ms < 3 * config->heartbeat_ms)
        im_config_yaml_error (diag, at, "cluster.election_timeout: must be "
                              "at least 3 times cluster.heartbeat");
    at = s_find (root, "node", "queue_max");
    if (!at)
        at = s_find (root, "node", "batch_max");
    if (at && config->queue_max < config->batch_max)
        im_config_yaml_error (diag, at, "node.queue_max: must be at least "
                              "node.batch_max");

    at = s_find (root, "http", "alert_resolve");
    if (at && !streq (config->alert_resolve, "auto")
    &&  !streq (config->alert_resolve, "record"))
        im_config_yaml_error (diag, at, "http.alert_resolve: '%s' is not "
                              "auto or record", config->alert_resolve);

    for (size_t index = 0; index < IM_PRIORITIES; index++) {
        char priority [4];
        snprintf (priority, sizeof priority, "P%zu", index + 1);
        at = s_find (root, "sla", priority);
        if (at && config->response_ms [index] > config->resolution_ms [index])
            im_config_yaml_error (diag, at, "sla.%s: the response target "
                                  "must not be longer than the resolution "
                                  "target", priority);
    }
    at = s_find (root, "sla", "request");
    if (at && config->request_response_ms > config->request_resolution_ms)
        im_config_yaml_error (diag, at, "sla.request: the response target "
                              "must not be longer than the resolution "
                              "target");
    at = s_find (root, "notifier", "business_hours");
    if (at && (config->hours_start_ms >= config->hours_end_ms
               || config->hours_end_ms > 86400000))
        im_config_yaml_error (diag, at, "notifier.business_hours: start must "
                              "come before end, within one day");
    if (!s_find (root, "notifier", "sink")) {
        int length = snprintf (config->sink_dir, sizeof config->sink_dir,
                               "%s/notifications", config->data_dir);
        at = s_find (root, "node", "data");
        if (at && (length < 0 || (size_t) length >= sizeof config->sink_dir))
            im_config_yaml_error (diag, at, "node.data: too long to add "
                                  "/notifications; set notifier.sink");
    }
}

void
im_config_schema_apply (struct fy_diag *diag, struct fy_node *root,
                        bool policy, im_config_t *config)
{
    assert (diag);
    assert (config);
    s_walk (diag, NULL, root, policy ? s_policy_root : s_root, config);
    s_finish (diag, root, config);
}
