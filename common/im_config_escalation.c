/*  im_config_escalation - the checks of escalations and sla.overrides

    An escalation policy is written as a desk's on-call rota reads:

        escalations:
          - name: standard
            repeat: 2                   # rounds in all, default 1
            levels:
              - {after: 15m, groups: [dba]}
              - {after: 30m, users: [carol], schedules: [duty-manager]}
        sla:
          P1: {escalation: standard, ack_timeout: 30m}
          overrides:
            - service: payments
              calendar: 24x7
              P1: {escalation: critical}

    The keys are read by the tables of im_config_schema.c; what is
    checked here involves more than one key: a level pages someone, a
    name given is known (a user among the agents and a group among the
    groups when the policy lists any; schedules are the notifier's and
    cannot be checked here), every escalation or calendar an sla key
    names exists, and an override names one service or one customer
    group.
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_config.h"
#include "im_config_private.h"

//  Returns the value (or the key, when empty) of key in mapping, or NULL
static struct fy_node *
s_at (struct fy_node *mapping, const char *key)
{
    struct fy_node_pair *pair = mapping && fy_node_is_mapping (mapping)
        ? fy_node_mapping_lookup_pair_by_string (mapping, key, FY_NT) : NULL;
    if (!pair)
        return NULL;
    return fy_node_pair_value (pair) ? fy_node_pair_value (pair)
                                     : fy_node_pair_key (pair);
}

//  Returns the mapping at key in mapping, or NULL
static struct fy_node *
s_mapping (struct fy_node *mapping, const char *key)
{
    struct fy_node *node = s_at (mapping, key);
    return node && fy_node_is_mapping (node) ? node : NULL;
}

//  Reports when the calendar at key of mapping (what in messages) is
//  not in the policy
static void
s_calendar_known (struct fy_diag *diag, struct fy_node *mapping,
                  const char *key, const char *what, const char *name,
                  const im_policy_t *policy)
{
    struct fy_node *at = s_at (mapping, key);
    if (at && *name && !im_policy_calendar (policy, name))
        im_config_yaml_error (diag, at, "%s: no calendar '%s' (calendars: "
                              "%s%s)", what, name, IM_POLICY_CALENDAR_24X7,
                              policy->calendars_n ? " and the calendars "
                                                    "section" : "");
}

//  Reports when the escalation policy at key of mapping is not there
static void
s_escalation_known (struct fy_diag *diag, struct fy_node *mapping,
                    const char *what, const char *name,
                    const im_policy_t *policy)
{
    struct fy_node *at = s_at (mapping, "escalation");
    if (at && *name && !im_policy_escalation (policy, name))
        im_config_yaml_error (diag, at, "%s: no escalation policy '%s' in "
                              "the escalations section", what, name);
}

//  Checks the names a level pages
static void
s_check_level (struct fy_diag *diag, struct fy_node *item, const char *what,
               const im_policy_level_t *level, const im_policy_t *policy)
{
    if (level->users_n + level->groups_n + level->schedules_n == 0)
        im_config_yaml_error (diag, item, "%s: pages no one (give users, "
                              "groups or schedules)", what);
    for (size_t index = 0; policy->agents_n && index < level->users_n;
         index++) {
        bool known = false;
        for (size_t agent = 0; agent < policy->agents_n; agent++)
            known |= streq (policy->agents [agent].name,
                            level->users [index]);
        if (!known)
            im_config_yaml_error (diag, s_at (item, "users"), "%s.users: no "
                                  "agent '%s' in the agents section", what,
                                  level->users [index]);
    }
    for (size_t index = 0; policy->groups_n && index < level->groups_n;
         index++)
        if (!im_policy_group (policy, level->groups [index]))
            im_config_yaml_error (diag, s_at (item, "groups"), "%s.groups: "
                                  "no group '%s' in the groups section",
                                  what, level->groups [index]);
}

//  Checks the escalations section: every policy has levels that page
static void
s_check_escalations (struct fy_diag *diag, struct fy_node *list,
                     const im_policy_t *policy)
{
    for (size_t index = 0; list && fy_node_is_sequence (list)
         && index < policy->escalations_n; index++) {
        const im_policy_escalation_t *escalation =
            &policy->escalations [index];
        struct fy_node *item = fy_node_sequence_get_by_index (list,
                                                              (int) index);
        if (!item || !fy_node_is_mapping (item))
            continue;
        char what [IM_CONFIG_WHERE_MAX];
        snprintf (what, sizeof what, "escalations[%zu]", index);
        if (escalation->levels_n == 0) {
            im_config_yaml_error (diag, item, "%s: escalation policy '%s' "
                                  "needs at least one level", what,
                                  escalation->name);
            continue;
        }
        struct fy_node *levels = s_at (item, "levels");
        for (size_t level = 0; level < escalation->levels_n; level++) {
            struct fy_node *at = fy_node_sequence_get_by_index (levels,
                                                                (int) level);
            char where [IM_CONFIG_WHERE_MAX + 48];
            snprintf (where, sizeof where, "%s.levels[%zu]", what, level);
            if (at && fy_node_is_mapping (at))
                s_check_level (diag, at, where, &escalation->levels [level],
                               policy);
        }
    }
}

//  Checks one priority's keys of the sla section or of an override
static void
s_check_priority (struct fy_diag *diag, struct fy_node *mapping,
                  const char *what, const char *escalation,
                  const char *update_calendar, const char *calendar,
                  const im_policy_t *policy)
{
    char where [IM_CONFIG_WHERE_MAX + 48];
    s_escalation_known (diag, mapping, what, escalation, policy);
    snprintf (where, sizeof where, "%s.update_calendar", what);
    s_calendar_known (diag, mapping, "update_calendar", where,
                      update_calendar, policy);
    snprintf (where, sizeof where, "%s.calendar", what);
    if (calendar)
        s_calendar_known (diag, mapping, "calendar", where, calendar, policy);
}

//  Checks sla.overrides: one service or one customer group each, not
//  twice, and the names they give
static void
s_check_overrides (struct fy_diag *diag, struct fy_node *list,
                   const im_policy_t *policy)
{
    for (size_t index = 0; list && fy_node_is_sequence (list)
         && index < policy->overrides_n; index++) {
        const im_policy_override_t *over = &policy->overrides [index];
        struct fy_node *item = fy_node_sequence_get_by_index (list,
                                                              (int) index);
        if (!item || !fy_node_is_mapping (item))
            continue;
        char what [IM_CONFIG_WHERE_MAX];
        snprintf (what, sizeof what, "sla.overrides[%zu]", index);
        if (!*over->service == !*over->customer_group)
            im_config_yaml_error (diag, item, "%s: give either service or "
                                  "customer_group", what);
        for (size_t other = 0; other < index; other++)
            if ((*over->service
                 && streq (policy->overrides [other].service, over->service))
            ||  (*over->customer_group
                 && streq (policy->overrides [other].customer_group,
                           over->customer_group)))
                im_config_yaml_error (diag, item, "%s: overrides[%zu] "
                                      "already names %s '%s'", what, other,
                                      *over->service ? "service"
                                                     : "customer_group",
                                      *over->service ? over->service
                                                     : over->customer_group);
        char where [IM_CONFIG_WHERE_MAX + 48];
        snprintf (where, sizeof where, "%s.calendar", what);
        s_calendar_known (diag, item, "calendar", where, over->calendar,
                          policy);
        snprintf (where, sizeof where, "%s.update_calendar", what);
        s_calendar_known (diag, item, "update_calendar", where,
                          over->update_calendar, policy);
        for (int priority = 0; priority < IM_PRIORITIES; priority++) {
            char section [8];
            snprintf (section, sizeof section, "P%d", priority + 1);
            snprintf (where, sizeof where, "%s.%s", what, section);
            s_check_priority (diag, s_mapping (item, section), where,
                              over->escalation [priority],
                              over->update_calendars [priority],
                              over->calendars [priority], policy);
        }
    }
}

void
im_config_check_escalations (struct fy_diag *diag, struct fy_node *root,
                             const im_policy_t *policy)
{
    if (!root || !fy_node_is_mapping (root))
        return;
    s_check_escalations (diag, s_at (root, "escalations"), policy);
    struct fy_node *sla = s_mapping (root, "sla");
    if (!sla)
        return;
    s_calendar_known (diag, sla, "update_calendar", "sla.update_calendar",
                      policy->update_calendar, policy);
    for (int priority = 0; priority < IM_PRIORITIES; priority++) {
        char section [8], what [16];
        snprintf (section, sizeof section, "P%d", priority + 1);
        snprintf (what, sizeof what, "sla.%s", section);
        //  Pn.calendar is im_config_check_sla's
        s_check_priority (diag, s_mapping (sla, section), what,
                          policy->escalation [priority],
                          policy->update_calendars [priority], NULL, policy);
    }
    s_check_overrides (diag, s_at (sla, "overrides"), policy);
}
