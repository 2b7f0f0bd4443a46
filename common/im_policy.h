/*  im_policy - the service-desk rules, one value every process applies

    Every rule of the service desk is here, and only rules: the
    classifier's priority matrix and keyword categories, the SLA targets,
    the lifecycle windows the state machine applies, the desk's agents
    and groups, and whom the notifier tells and when. A node's own
    settings (endpoints, directories, cluster, HTTP, security) are
    im_config_t's. The state machine (common/core) decides commands under
    the policy in force, and the workers classify, time and notify under
    the policy each event was decided under (worker/imw_policy), so
    "policy" means the same value on every node and in every process.

    A replicated policy (imqctl config apply, the config.applied event)
    is YAML text parsed by im_policy_parse; a node's file may hold the
    same sections as that node's workers' starting policy
    (im_config_load). Under the defaults (version 0) the state machine
    accepts any category. What the state machine derives from the rules
    (a reopen deadline, an auto-close time) is written into the event
    that resolves, so a replay applies each incident's rules as they
    were at the time.

    im_policy_t is a plain value type, large (some 540 KB): copy it
    freely, but not on a small stack.
*/
#ifndef IM_POLICY_H_INCLUDED
#define IM_POLICY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_calendar.h"
#include "im_notify_rules.h"

#define IM_POLICY_NAME_MAX          64      //  Names, with the NUL
#define IM_POLICY_CATEGORIES_MAX    64
#define IM_POLICY_KEYWORDS_MAX      32
#define IM_POLICY_SUBCATEGORIES_MAX 16
#define IM_POLICY_RECIPIENTS_MAX    16
#define IM_POLICY_AGENTS_MAX        64
#define IM_POLICY_ROLES_MAX         8
#define IM_POLICY_GROUPS_MAX        32
#define IM_POLICY_MEMBERS_MAX       32
#define IM_PRIORITIES               5       //  P1..P5
#define IM_POLICY_CALENDARS_MAX     8       //  Named calendars
#define IM_POLICY_PAUSE_MAX         8       //  Reasons that pause clocks
#define IM_POLICY_WARN_MAX          4       //  Warning fractions
#define IM_POLICY_CALENDAR_24X7     "24x7"  //  The built-in calendar
#define IM_POLICY_ESCALATIONS_MAX   8       //  Escalation policies
#define IM_POLICY_LEVELS_MAX        8       //  Levels of one
#define IM_POLICY_TARGETS_MAX       8       //  Users, groups, schedules
                                            //  of a level, each
#define IM_POLICY_OVERRIDES_MAX     16      //  sla.overrides

#define IM_POLICY_REOPEN_WINDOW_MS  (7 * 86400000ll)    //  7 days
#define IM_POLICY_AUTO_CLOSE_MS     (3 * 86400000ll)    //  3 days
#define IM_POLICY_REQUEST_RETENTION_MS (7 * 86400000ll) //  7 days
#define IM_POLICY_REQUEST_RESULTS_MAX  5000000ll        //  results kept
#define IM_POLICY_ALERT_HEARTBEAT_MS   (5 * 60000ll)    //  5 minutes

//  A category of the classifier's taxonomy
typedef struct {
    char name [IM_POLICY_NAME_MAX];                     //  Category
    size_t keywords_n;                                  //  How many
    char keywords [IM_POLICY_KEYWORDS_MAX][IM_POLICY_NAME_MAX];
                                                        //  Lowercase words
    size_t subcategories_n;                             //  How many
    char subcategories [IM_POLICY_SUBCATEGORIES_MAX][IM_POLICY_NAME_MAX];
                                                        //  Allowed under it
} im_policy_category_t;

//  An agent of the service desk and the roles it holds. Its roles join
//  those of the principal of that name (imc_roles.h); they are not
//  authentication (docs/protocol.md section 9).
typedef struct {
    char name [IM_POLICY_NAME_MAX];                     //  Actor name
    size_t roles_n;                                     //  How many
    char roles [IM_POLICY_ROLES_MAX][IM_POLICY_NAME_MAX];
                                                        //  Role names
} im_policy_agent_t;

//  An assignment group: its tier and its agents
typedef struct {
    char name [IM_POLICY_NAME_MAX];                     //  Group name
    uint64_t tier;                                      //  1..3 (I..III)
    size_t agents_n;                                    //  How many
    char agents [IM_POLICY_MEMBERS_MAX][IM_POLICY_NAME_MAX];
                                                        //  Agent names
    size_t routes_n;                                    //  How many
    char routes [IM_POLICY_MEMBERS_MAX][IM_POLICY_NAME_MAX];
                                                        //  Categories routed
                                                        //  to the group
} im_policy_group_t;

//  One level of an escalation policy: whom to page, and how long after
//  the step before (the start, for the first level of the first round)
typedef struct {
    uint64_t after_ms;                                  //  Wait, above 0
    size_t users_n;                                     //  How many
    char users [IM_POLICY_TARGETS_MAX][IM_POLICY_NAME_MAX];
                                                        //  Agents
    size_t groups_n;                                    //  How many
    char groups [IM_POLICY_TARGETS_MAX][IM_POLICY_NAME_MAX];
                                                        //  Groups
    size_t schedules_n;                                 //  How many
    char schedules [IM_POLICY_TARGETS_MAX][IM_POLICY_NAME_MAX];
                                                        //  On-call
                                                        //  schedules
} im_policy_level_t;

//  A named escalation policy (the escalations section): its levels, run
//  repeat times in all while the incident is not acknowledged
typedef struct {
    char name [IM_POLICY_NAME_MAX];                     //  Policy name
    uint64_t repeat;                                    //  Rounds, >= 1
    size_t levels_n;                                    //  How many, >= 1
    im_policy_level_t levels [IM_POLICY_LEVELS_MAX];    //  In order
} im_policy_escalation_t;

//  What differs for the incidents of one service or customer group
//  (sla.overrides): "" or 0 leaves the rule to the sla section
typedef struct {
    char service [IM_POLICY_NAME_MAX];                  //  Matches the
                                                        //  incident's
                                                        //  service, or ""
    char customer_group [IM_POLICY_NAME_MAX];           //  Or its
                                                        //  customer_group
    char calendar [IM_POLICY_NAME_MAX];                 //  Every target's
    char update_calendar [IM_POLICY_NAME_MAX];          //  The major-
                                                        //  incident updates'
    char calendars [IM_PRIORITIES][IM_POLICY_NAME_MAX]; //  Pn.calendar
    char update_calendars [IM_PRIORITIES][IM_POLICY_NAME_MAX];
                                                        //  Pn.update_calendar
    char escalation [IM_PRIORITIES][IM_POLICY_NAME_MAX];
                                                        //  Pn.escalation
    uint64_t ack_timeout_ms [IM_PRIORITIES];            //  Pn.ack_timeout
} im_policy_override_t;

typedef struct {
    uint64_t version;               //  Replicated configuration applied
                                    //  (config.applied), 0: defaults or
                                    //  a node's file

    //  classifier
    int matrix [3][3];              //  [impact-1][urgency-1] -> 1..5
    size_t categories_n;            //  How many
    im_policy_category_t categories [IM_POLICY_CATEGORIES_MAX];
                                    //  Keywords and subcategories
    char default_category [IM_POLICY_NAME_MAX];
                                    //  When no keyword matches: "general"
    uint64_t request_priority;      //  Requests: at least 4 (P4)

    //  sla: per priority P1..P5 (index 0..4), in ms
    uint64_t response_ms [IM_PRIORITIES];
                                    //  First response due after opening
    uint64_t resolution_ms [IM_PRIORITIES];
                                    //  Resolution due after opening
    uint64_t request_response_ms;   //  Requests: 1d
    uint64_t request_resolution_ms; //  Requests: 5d
    char sla_calendar [IM_POLICY_NAME_MAX];
                                    //  sla.calendar: the targets'
                                    //  calendar, "24x7" by default
    char calendar [IM_PRIORITIES][IM_POLICY_NAME_MAX];
                                    //  sla.Pn.calendar, "": sla_calendar
    char request_calendar [IM_POLICY_NAME_MAX];
                                    //  sla.request.calendar, "": same
    char update_calendar [IM_POLICY_NAME_MAX];
                                    //  sla.update_calendar: a major
                                    //  incident's update cadence's,
                                    //  "": 24x7
    char update_calendars [IM_PRIORITIES][IM_POLICY_NAME_MAX];
                                    //  sla.Pn.update_calendar, "": same
    char escalation [IM_PRIORITIES][IM_POLICY_NAME_MAX];
                                    //  sla.Pn.escalation: the escalation
                                    //  policy of the priority, "": none
    uint64_t ack_timeout_ms [IM_PRIORITIES];
                                    //  sla.Pn.ack_timeout: acknowledged
                                    //  and no progress this long pages
                                    //  again; 0: never
    size_t overrides_n;             //  How many
    im_policy_override_t overrides [IM_POLICY_OVERRIDES_MAX];
                                    //  sla.overrides, the first match
                                    //  of a service before the first of
                                    //  a customer group
    size_t pause_on_n;              //  How many
    char pause_on [IM_POLICY_PAUSE_MAX][IM_POLICY_NAME_MAX];
                                    //  Pending reasons that pause the
                                    //  clocks: awaiting_caller and
                                    //  awaiting_vendor by default
    size_t warn_at_n;               //  How many
    uint64_t warn_at [IM_POLICY_WARN_MAX];
                                    //  Percent of a target at which the
                                    //  timer warns, ascending: 50, 75

    //  escalations: the named escalation policies
    size_t escalations_n;           //  How many
    im_policy_escalation_t escalations [IM_POLICY_ESCALATIONS_MAX];
                                    //  Named by sla.Pn.escalation

    //  calendars: business hours the SLA targets are measured in
    size_t calendars_n;             //  How many, besides 24x7
    im_calendar_def_t calendars [IM_POLICY_CALENDARS_MAX];
                                    //  Each checked by im_calendar_new
                                    //  when the policy was parsed

    //  lifecycle: the state machine's windows
    int64_t reopen_window_ms;       //  After resolution, REOPEN reopens;
                                    //  later it opens a follow-up
    int64_t auto_close_ms;          //  After resolution the incident
                                    //  closes by itself; 0 never
    uint64_t request_retention_ms;  //  A request's result is kept this
                                    //  long after its command; 0: no age
                                    //  limit
    uint64_t request_results_max;   //  And at most this many results,
                                    //  the oldest dropped; 0: no limit
    int64_t alert_heartbeat_ms;     //  A firing alert sent again records
                                    //  alert.seen at most this often

    //  desk: agents, groups
    size_t agents_n;                //  Agents known
    im_policy_agent_t agents [IM_POLICY_AGENTS_MAX];
                                    //  Their names and roles
    size_t groups_n;                //  Assignment groups
    im_policy_group_t groups [IM_POLICY_GROUPS_MAX];
                                    //  Their tiers, agents and routes

    //  notifier
    uint64_t hours_start_ms;        //  Business hours, UTC, Monday to
    uint64_t hours_end_ms;          //  Friday: 8h..18h after midnight
    char broadcast [IM_POLICY_NAME_MAX];
                                    //  Whole organisation: "all-staff"
    size_t breach_recipients_n;     //  How many
    char breach_recipients [IM_POLICY_RECIPIENTS_MAX][IM_POLICY_NAME_MAX];
                                    //  Told of every breach
    im_notify_rules_t notify;       //  notifier.channels and .people
} im_policy_t;

//  Roles the state machine checks (docs/protocol.md section 3.6)
#define IM_ROLE_INCIDENT_MANAGER    "incident_manager"
#define IM_ROLE_DESK_MANAGER        "service_desk_manager"

//  Fills policy with the defaults (version 0): the ITIL matrix, a few
//  keyword categories, ServiceNow-like SLA targets, the lifecycle
//  windows above, no agents or groups
void
    im_policy_defaults (im_policy_t *policy);

//  Parses text (YAML), a replicated policy named name in messages, over
//  the defaults, and fills policy with it as version. Only the policy
//  sections are accepted (classifier, sla, lifecycle, notifier without
//  sink, agents, groups): a replicated policy must not carry one node's
//  settings. Deterministic: every node parsing the same text gets the
//  same policy. Returns 0, or IM_ECONFIG with every error as
//  "name:line:col: error: text" lines in errbuf (policy is left as it
//  was), or IM_ENOMEM.
int
    im_policy_parse (im_policy_t *policy, const char *name, const char *text,
                     uint64_t version, char *errbuf, size_t errlen);

//  True when the agent named actor holds role in policy. Roles are what
//  the policy says of a name; the state machine asks this of a command
//  without roles (imc_roles.h has the one list of a principal's).
bool
    im_policy_has_role (const im_policy_t *policy, const char *actor,
                        const char *role);

//  Checks category and subcategory (either may be NULL) against the
//  policy's taxonomy: a category must be listed (or be the default), a
//  subcategory must be listed under the category when it lists any.
//  Under the defaults (version 0) anything is accepted. Returns 0, or
//  IM_EINVAL with the reason in errbuf.
int
    im_policy_check_category (const im_policy_t *policy,
                              const char *category, const char *subcategory,
                              char *errbuf, size_t errlen);

//  Returns the group named name, or NULL (borrowed from policy)
const im_policy_group_t *
    im_policy_group (const im_policy_t *policy, const char *name);

//  Returns the priority (1..5) for impact and urgency (1..3), or 0 if
//  either is out of range
int
    im_policy_priority (const im_policy_t *policy, int impact, int urgency);

//  Returns the category whose keywords match text (case-insensitive,
//  whole words), else the default category. Borrowed from policy.
const char *
    im_policy_categorize (const im_policy_t *policy, const char *text);

//  Returns the group (the first in the policy's list) that new
//  incidents of category are routed to, or NULL; borrowed from policy
const char *
    im_policy_route (const im_policy_t *policy, const char *category);

//  Returns the calendar named name: one of the policy's, or the
//  built-in 24x7 (IM_POLICY_CALENDAR_24X7); NULL when there is none.
//  Borrowed from policy (the built-in one is static).
const im_calendar_def_t *
    im_policy_calendar (const im_policy_t *policy, const char *name);

//  Returns the name of the calendar the SLA targets of priority (1..5)
//  are measured in, or of a request's when request; borrowed
const char *
    im_policy_sla_calendar (const im_policy_t *policy, bool request,
                            int priority);

//  What the SLA rules of one incident depend on besides its priority:
//  its type, service and customer group (either may be NULL or "")
typedef struct {
    bool request;                   //  A service request, not an incident
    int priority;                   //  1..5
    const char *service;            //  Borrowed, or NULL
    const char *customer_group;     //  Borrowed, or NULL
} im_policy_subject_t;

//  Returns the name of the calendar of subject's response and
//  resolution targets (update false) or of its major-incident update
//  cadence (update true): the first sla.overrides entry matching its
//  service, else the first matching its customer group, may name it
//  (Pn.calendar, then calendar); else sla.Pn / sla.request, then the
//  sla section's. The update cadence follows the same chain of
//  update_calendar keys, then is 24x7. Borrowed.
const char *
    im_policy_calendar_for (const im_policy_t *policy,
                            const im_policy_subject_t *subject, bool update);

//  Returns the escalation policy of subject (the override's
//  Pn.escalation, else sla.Pn.escalation), or NULL when it has none or
//  is a request; borrowed from policy
const im_policy_escalation_t *
    im_policy_escalation_for (const im_policy_t *policy,
                              const im_policy_subject_t *subject);

//  Returns subject's acknowledgement timeout in ms (the override's
//  Pn.ack_timeout, else sla.Pn.ack_timeout), 0 for none
uint64_t
    im_policy_ack_timeout_for (const im_policy_t *policy,
                               const im_policy_subject_t *subject);

//  Returns the escalation policy named name, or NULL; borrowed
const im_policy_escalation_t *
    im_policy_escalation (const im_policy_t *policy, const char *name);

//  True when an incident pending for reason pauses its SLA clocks
bool
    im_policy_pauses (const im_policy_t *policy, const char *reason);

//  True when ts_ms (UTC) falls in business hours: Monday to Friday,
//  from hours_start_ms to hours_end_ms after midnight
bool
    im_policy_business_hours (const im_policy_t *policy, uint64_t ts_ms);

#endif
