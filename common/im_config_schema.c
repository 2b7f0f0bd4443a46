/*  im_config_schema - reads every key of imq.yaml to where its value goes

    The schema is data: a table per mapping (im_config_tables.c), each
    key naming how its value is read and where it goes (in im_config_t
    for a node's settings, in im_policy_t for a rule), so that adding a
    setting is one line there and one field in im_config.h or
    im_policy.h; this file reads values by their kind. A node's file
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
    im_config_schema_walk (diag, name, item, im_config_table_category, category);
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
    im_config_schema_walk (diag, name, item, im_config_table_level,
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
    im_config_schema_walk (diag, name, item, im_config_table_override,
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
    im_config_schema_walk (diag, name, item, im_config_table_member, member);
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
                diag, name, key, value, im_config_table_agent, policy->agents,
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
                diag, name, key, value, im_config_table_group, policy->groups,
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
                diag, name, key, value, im_config_table_calendar, policy->calendars,
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
                diag, name, key, value, im_config_table_escalation, policy->escalations,
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
                diag, name, key, value, im_config_table_channel, rules->channels,
                sizeof (im_notify_channel_t), IM_NOTIFY_CHANNELS_MAX);
            break;
        }
        case FIELD_PEOPLE: {
            im_notify_rules_t *rules = (im_notify_rules_t *) (void *) target;
            rules->people_n = im_config_read_entries (
                diag, name, key, value, im_config_table_person, rules->people,
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
        im_config_schema_walk (diag, NULL, root, im_config_table_root, file);
    else
        im_config_schema_walk (diag, NULL, root, im_config_table_policy_root, policy);
    im_config_check (diag, root, file ? &file->config : NULL,
                     file ? &file->policy : policy);
}
