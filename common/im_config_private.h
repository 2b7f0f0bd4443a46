/*  im_config_private - what the parts of the YAML loader share

    im_config_yaml.c reads the file, runs libfyaml and reports errors;
    im_config_tables.c holds every key and where its value goes, and
    im_config_schema.c reads each value by its kind;
    im_config_read.c reads the values that are more than one scalar, and
    im_config_check.c the rules that involve more than one key. All read
    values through the helpers below, which report what is wrong into
    the diagnostic object of the load, at the node's position.
*/
#ifndef IM_CONFIG_PRIVATE_H_INCLUDED
#define IM_CONFIG_PRIVATE_H_INCLUDED

#include <libfyaml.h>
#include "im_config.h"
#include "im_policy.h"

#define IM_CONFIG_WHERE_MAX 128         //  Dotted key names in messages

//  What a node's file is read into: the node's settings and its
//  workers' starting policy, side by side, so that the schema's tables
//  address both from one base (a replicated policy is read into an
//  im_policy_t alone)
typedef struct {
    im_config_t config;                 //  node, cluster, http, security,
                                        //  notifier.sink
    im_policy_t policy;                 //  classifier, sla, notifier
} im_config_file_t;

//  Parses text (size octets, YAML) named name in messages: a node's
//  file into file, or (file NULL) a replicated policy into policy,
//  over the defaults either way. Returns 0, or IM_ECONFIG with every
//  error as "name:line:col: error: text" lines in errbuf (the target
//  then holds what was read, to be dropped), or IM_ENOMEM.
int
    im_config_yaml_parse (const char *name, const char *text, size_t size,
                          im_config_file_t *file, im_policy_t *policy,
                          char *errbuf, size_t errlen);

//  Reports an error at node, which must not be NULL
void
    im_config_yaml_error (struct fy_diag *diag, struct fy_node *node,
                          const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  True when node is absent or a YAML null (empty, ~, null, Null, NULL
//  written plain); "null" in quotes is a string
bool
    im_config_yaml_null (struct fy_node *node);

//  Returns what node is ("a mapping", "a sequence", ...), static
const char *
    im_config_yaml_kind (struct fy_node *node);

//  Copies the text of the scalar value of key name into buffer. Returns
//  false after reporting a missing, empty, non-scalar or too long value
//  (at value, or at key when the value is empty).
bool
    im_config_yaml_scalar (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           char *buffer, size_t size);

//  Reads a whole number in min..max; false after reporting
bool
    im_config_yaml_number (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           uint64_t min, uint64_t max, uint64_t *result);

//  Reads a duration of min to max ms; false after reporting
bool
    im_config_yaml_duration (struct fy_diag *diag, const char *name,
                             struct fy_node *key, struct fy_node *value,
                             uint64_t min, uint64_t max, uint64_t *ms);

//  One key of a mapping in the schema (im_config_tables.c)
typedef struct _im_config_field_t im_config_field_t;

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

//  The tables that the reader names (im_config_tables.c)
extern const im_config_field_t im_config_table_root [];
extern const im_config_field_t im_config_table_policy_root [];
extern const im_config_field_t im_config_table_person [];
extern const im_config_field_t im_config_table_override [];
extern const im_config_field_t im_config_table_member [];
extern const im_config_field_t im_config_table_level [];
extern const im_config_field_t im_config_table_group [];
extern const im_config_field_t im_config_table_escalation [];
extern const im_config_field_t im_config_table_channel [];
extern const im_config_field_t im_config_table_category [];
extern const im_config_field_t im_config_table_calendar [];
extern const im_config_field_t im_config_table_agent [];

//  Reads a mapping whose keys are described by fields into base, and
//  reports every unknown key by name. An empty (null) mapping leaves
//  base as it was.
void
    im_config_schema_walk (struct fy_diag *diag, const char *where,
                           struct fy_node *node,
                           const im_config_field_t *fields, void *base);

//  Reads a ZeroMQ endpoint ("transport://address", endpoint true) or a
//  Raft host:port into target, of IM_CONFIG_PATH_MAX bytes
void
    im_config_read_address (struct fy_diag *diag, const char *name,
                            struct fy_node *key, struct fy_node *value,
                            bool endpoint, char *target);

//  Reads a list of at most max names into names [], setting *count;
//  keywords are also checked and lowercased
void
    im_config_read_names (struct fy_diag *diag, const char *name,
                          struct fy_node *key, struct fy_node *value,
                          char (*names) [IM_CONFIG_NAME_MAX], size_t max,
                          size_t *count, bool keywords);

//  Reads the 3 x 3 priority matrix: rows are impact, columns urgency
void
    im_config_read_matrix (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           im_policy_t *policy);

//  Reads item number index of a list into target (the im_config_t or
//  im_policy_t that holds the list)
typedef void (im_config_item_fn) (struct fy_diag *diag, const char *name,
                                  struct fy_node *item, void *target,
                                  size_t index);

//  Reads a list of at most max items (what: their name in messages),
//  calling fn for each and counting them in *count
void
    im_config_read_list (struct fy_diag *diag, const char *name,
                         struct fy_node *key, struct fy_node *value,
                         size_t max, const char *what, size_t *count,
                         im_config_item_fn *fn, void *target);

//  Reads a list of at most max mappings (agents, groups) into items,
//  each of size bytes and described by fields; every one needs a name,
//  no name twice. Returns how many were read.
size_t
    im_config_read_entries (struct fy_diag *diag, const char *name,
                            struct fy_node *key, struct fy_node *value,
                            const im_config_field_t *fields, void *items,
                            size_t size, size_t max);

//  Calendars (im_config_calendar.c): reads the hours mapping, the
//  holidays list and the exceptions list of one calendar into def
void
    im_config_read_hours (struct fy_diag *diag, const char *name,
                          struct fy_node *key, struct fy_node *value,
                          im_calendar_def_t *def);
void
    im_config_read_holidays (struct fy_diag *diag, const char *name,
                             struct fy_node *key, struct fy_node *value,
                             im_calendar_def_t *def);
void
    im_config_read_exceptions (struct fy_diag *diag, const char *name,
                               struct fy_node *key, struct fy_node *value,
                               im_calendar_def_t *def);

//  Checks each of the policy's calendars, read from the list at value:
//  a name other than 24x7, a zone and hours or always, and a definition
//  im_calendar_new accepts (an unknown zone is reported at the zone)
void
    im_config_check_calendars (struct fy_diag *diag, const char *name,
                               struct fy_node *value,
                               const im_policy_t *policy);

//  Checks that the calendars the sla section names exist and that
//  sla.pause_on lists pending reasons
void
    im_config_check_sla (struct fy_diag *diag, struct fy_node *root,
                         const im_policy_t *policy);

//  Checks the escalations section and what the sla section says of
//  escalations, update calendars and overrides (im_config_escalation.c)
void
    im_config_check_escalations (struct fy_diag *diag, struct fy_node *root,
                                 const im_policy_t *policy);

//  Reads sla.warn_at: percentages 1..99, ascending
void
    im_config_read_percents (struct fy_diag *diag, const char *name,
                             struct fy_node *key, struct fy_node *value,
                             im_policy_t *policy);

//  Checks notifier.channels and notifier.people (im_config_notify.c):
//  types and URLs, secrets named not given, people's channels, quiet
//  hours and zones
void
    im_config_check_notify (struct fy_diag *diag, struct fy_node *root,
                            const im_policy_t *policy);

//  Checks what involves more than one key of the text at root: of the
//  node's settings unless config is NULL (a replicated policy), and of
//  the policy; derives the default notifier sink from the data
//  directory
void
    im_config_check (struct fy_diag *diag, struct fy_node *root,
                     im_config_t *config, const im_policy_t *policy);

//  Reads the document root (NULL: an empty file) of a node's file into
//  file, or (file NULL) of a replicated policy, whose sections are the
//  only ones accepted, into policy; then checks what involves more than
//  one key
void
    im_config_schema_apply (struct fy_diag *diag, struct fy_node *root,
                            im_config_file_t *file, im_policy_t *policy);

#endif
