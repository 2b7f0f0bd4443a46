/*  im_policy - the service-desk rules the state machine applies

    The rules that decide what a lifecycle command does beyond the
    transition table: how long a resolved incident may be reopened and
    when it closes by itself. They are a plain value, the same on every
    node: what the state machine derives from them (a reopen deadline,
    an auto-close time) is written into the event that resolves, so a
    replay applies each incident's rules as they were at the time.
*/
#ifndef IM_POLICY_H_INCLUDED
#define IM_POLICY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_config.h"

#define IM_POLICY_REOPEN_WINDOW_MS  (7 * 86400000ll)    //  7 days
#define IM_POLICY_AUTO_CLOSE_MS     (3 * 86400000ll)    //  3 days
#define IM_POLICY_REQUEST_RETENTION_MS (7 * 86400000ll) //  7 days
#define IM_POLICY_REQUEST_RESULTS_MAX  5000000ll        //  results kept
#define IM_POLICY_ALERT_HEARTBEAT_MS   (5 * 60000ll)    //  5 minutes

typedef struct {
    uint64_t version;               //  Replicated configuration applied
                                    //  (config.applied), 0: defaults
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
    size_t agents_n;                //  Agents known
    im_policy_agent_t agents [IM_POLICY_AGENTS_MAX];
                                    //  Their names and roles
    size_t categories_n;            //  Categories, 0: any is accepted
    im_policy_category_t categories [IM_POLICY_CATEGORIES_MAX];
                                    //  Their names and subcategories
    char default_category [IM_CONFIG_NAME_MAX];
                                    //  Also accepted
    size_t groups_n;                //  Assignment groups
    im_policy_group_t groups [IM_POLICY_GROUPS_MAX];
                                    //  Their tiers and agents
} im_policy_t;

//  Roles the state machine checks (docs/protocol.md section 3.6)
#define IM_ROLE_INCIDENT_MANAGER    "incident_manager"
#define IM_ROLE_DESK_MANAGER        "service_desk_manager"

//  Fills policy with the defaults above
void
    im_policy_defaults (im_policy_t *policy);

//  Fills policy from a parsed configuration, as version
void
    im_policy_from_config (im_policy_t *policy, const im_config_t *config,
                           uint64_t version);

//  True when the agent named actor holds role in policy. Roles are what
//  the policy says of a name; the actor is what the client said it is
//  (no authentication).
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

//  Parses the text of a config.applied event (a replicated policy) and
//  fills policy from it, as version. Returns 0, or IM_ECONFIG with the
//  errors ("name:line:col: error: ...") in errbuf, or IM_ENOMEM.
int
    im_policy_parse (im_policy_t *policy, const char *name, const char *text,
                     uint64_t version, char *errbuf, size_t errlen);

#endif
