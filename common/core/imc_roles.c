/*  imc_roles - who may do what: one list of roles, one table of verbs

    The table is a matrix, one row per verb (MAJOR per action), one
    column per role, from the least to the most privileged, so that a
    reader sees every rule at once and docs/security.md copies it
    as it is. The first row that names a verb decides it; a row whose
    verb ends in '-' names every verb it starts (SLA-): the SLA timer's
    verbs grow without a new row. A verb no row names is the
    administrator's.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_keys.h"
#include "imc_roles.h"

//  The roles the table knows, its columns
typedef enum {
    S_REPORTER, S_ANALYST, S_AGENT, S_CLASSIFIER, S_SLA, S_NOTIFIER,
    S_DESK_MANAGER, S_INCIDENT_MANAGER, S_ADMINISTRATOR, S_ROLES
} s_role_t;

static const char *s_role_names [S_ROLES] = {
    "reporter", "analyst", "agent", "classifier", "sla", "notifier",
    IM_ROLE_DESK_MANAGER, IM_ROLE_INCIDENT_MANAGER, "administrator"
};

#define _   0u
#define O   IMC_REACH_OWN
#define G   IMC_REACH_GROUP
#define GO  (IMC_REACH_GROUP | IMC_REACH_OWN)
#define A   IMC_REACH_ALL

typedef struct {
    const char *verb;               //  Wire verb; "SLA-": its prefix
    const char *action;             //  MAJOR's action, NULL: any
    unsigned reach [S_ROLES];       //  Per role, as s_role_names
} s_rule_t;

//  Every verb, and how far each role reaches with it. Queries first:
//  SLA-CLOCKS is a query, not one of the SLA timer's verbs.
static const s_rule_t s_rules [] = {
    //                          rep ana agt cls sla ntf sdm im  adm
    { "GET", NULL,            { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "LIST", NULL,           { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "TIMELINE", NULL,       { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "SEARCH", NULL,         { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "STATUS", NULL,         { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "COUNTERS", NULL,       { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "SLA-CLOCKS", NULL,     { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "CONFIG-GET", NULL,     { A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "CLUSTER-MEMBERS", NULL,{ A,  A,  A,  A,  A,  A,  A,  A,  A } },
    { "DENIALS", NULL,        { _,  A,  _,  _,  _,  _,  _,  _,  A } },
    { "PRINCIPALS", NULL,     { _,  A,  _,  _,  _,  _,  _,  _,  A } },
    { "SLA-REPORT", NULL,     { _,  A,  _,  _,  _,  _,  A,  A,  A } },
    { "EVENTS", NULL,         { _,  A,  _,  _,  _,  _,  A,  A,  A } },
    { "CLASSIFY", NULL,       { _,  _,  _,  A,  _,  _,  _,  _,  _ } },
    { "SLA-", NULL,           { _,  _,  _,  _,  A,  _,  _,  _,  _ } },
    { "NOTIFY", NULL,         { _,  _,  _,  _,  _,  A,  _,  _,  _ } },
    { "DENY", NULL,           { _,  _,  _,  _,  _,  _,  _,  _,  _ } },
    { "OPEN", NULL,           { A,  _,  A,  _,  _,  _,  A,  A,  A } },
    { "ALERT", NULL,          { A,  _,  A,  _,  _,  _,  A,  A,  A } },
    { "COMMENT", NULL,        { O,  _,  GO, _,  _,  _,  A,  A,  A } },
    { "REOPEN", NULL,         { O,  _,  GO, _,  _,  _,  A,  A,  A } },
    { "CANCEL", NULL,         { O,  _,  GO, _,  _,  _,  A,  A,  A } },
    { "ACK", NULL,            { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "ASSIGN", NULL,         { _,  _,  G,  A,  _,  _,  A,  A,  A } },
    { "PEND", NULL,           { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "RESUME", NULL,         { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "RESOLVE", NULL,        { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "CLOSE", NULL,          { _,  _,  G,  _,  A,  _,  A,  A,  A } },
    { "CATEGORIZE", NULL,     { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "CONVERT", NULL,        { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "ESCALATE", NULL,       { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "LINK", NULL,           { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "UNLINK", NULL,         { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "REVIEW", NULL,         { _,  A,  G,  _,  _,  _,  A,  A,  A } },
    { "PRIORITIZE", NULL,     { _,  _,  _,  _,  _,  _,  A,  A,  A } },
    { "MAJOR", "accept",      { _,  _,  _,  _,  _,  _,  _,  A,  A } },
    { "MAJOR", "reject",      { _,  _,  _,  _,  _,  _,  _,  A,  A } },
    { "MAJOR", "remind",      { _,  _,  _,  _,  A,  _,  _,  _,  A } },
    { "MAJOR", "schedule",    { _,  _,  _,  _,  A,  _,  _,  _,  A } },
    { "MAJOR", NULL,          { _,  _,  G,  _,  _,  _,  A,  A,  A } },
    { "CONFIG", NULL,         { _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "PRINCIPAL", NULL,      { _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "CHECKPOINT", NULL,     { _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "CHECKPOINT-READ", NULL,{ _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "CLUSTER-ADD", NULL,    { _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "CLUSTER-REMOVE", NULL, { _,  _,  _,  _,  _,  _,  _,  _,  A } },
    { "CLUSTER-TRANSFER", NULL,{ _, _,  _,  _,  _,  _,  _,  _,  A } },
};
#define S_RULES (sizeof s_rules / sizeof s_rules [0])

//  Any other verb: the administrator's
static const s_rule_t s_otherwise =
    { "", NULL,               { _,  _,  _,  _,  _,  _,  _,  _,  A } };

#undef _
#undef O
#undef G
#undef GO
#undef A

//  True when list, items between any of separators, holds item (size
//  bytes)
static bool
s_has_in (const char *list, const char *item, size_t size,
          const char *separators)
{
    for (const char *cursor = list; cursor && *cursor; ) {
        while (*cursor && strchr (separators, *cursor))
            cursor++;
        size_t length = strcspn (cursor, separators);
        if (length == size && size && memcmp (cursor, item, size) == 0)
            return true;
        cursor += length;
    }
    return false;
}

//  True when the list of roles (commas, perhaps spaces) holds role
static bool
s_has (const char *list, const char *role, size_t size)
{
    return s_has_in (list, role, size, ", ");
}

//  Appends role to roles (size bytes) unless it is there or does not fit
static void
s_add (char *roles, size_t size, const char *role, size_t length)
{
    size_t used = strlen (roles);
    if (!length || s_has (roles, role, length) || used + length + 2 > size)
        return;
    if (used)
        roles [used++] = ',';
    memcpy (roles + used, role, length);
    roles [used + length] = 0;
}

void
imc_roles_merge (char *roles, size_t size, const char *own,
                 const im_policy_t *policy, const char *name)
{
    assert (roles && size && policy && name);
    *roles = 0;
    for (const char *cursor = own; cursor && *cursor; ) {
        while (*cursor == ',' || *cursor == ' ')
            cursor++;
        size_t length = strcspn (cursor, ", ");
        s_add (roles, size, cursor, length);
        cursor += length;
    }
    //  The policy says who works where: never who is a node, which only
    //  a certificate in a node's own keys directory makes
    for (size_t index = 0; index < policy->agents_n; index++) {
        const im_policy_agent_t *agent = &policy->agents [index];
        for (size_t held = 0; streq (agent->name, name)
             && held < agent->roles_n; held++)
            if (!streq (agent->roles [held], "node"))
                s_add (roles, size, agent->roles [held],
                       strlen (agent->roles [held]));
    }
    for (size_t index = 0; index < policy->groups_n; index++) {
        const im_policy_group_t *group = &policy->groups [index];
        for (size_t member = 0; member < group->agents_n; member++)
            if (streq (group->agents [member], name))
                s_add (roles, size, "agent", 5);
    }
}

//  The rule of verb (with action)
static const s_rule_t *
s_rule (const char *verb, const char *action)
{
    for (size_t index = 0; index < S_RULES; index++) {
        const s_rule_t *rule = &s_rules [index];
        size_t length = strlen (rule->verb);
        bool prefix = rule->verb [length - 1] == '-';
        if (prefix ? strncmp (verb, rule->verb, length) != 0
                   : !streq (verb, rule->verb))
            continue;
        if (!rule->action || (action && streq (action, rule->action)))
            return rule;
    }
    return &s_otherwise;
}

unsigned
imc_roles_reach (const char *roles, const char *verb, const char *action)
{
    assert (verb);
    if (s_has (roles, "node", 4))
        return IMC_REACH_ALL;       //  Another node: trusted to relay
    const s_rule_t *rule = s_rule (verb, action);
    bool desk = false;
    unsigned reach = 0;
    for (int role = 0; role < S_ROLES; role++) {
        if (!s_has (roles, s_role_names [role], strlen (s_role_names [role])))
            continue;
        reach |= rule->reach [role];
        desk |= role <= S_AGENT || role >= S_DESK_MANAGER;
    }
    //  No service-desk role at all (a certificate made without roles,
    //  an integration, a worker): a reporter
    if (!desk)
        reach |= rule->reach [S_REPORTER];
    return reach;
}

const char *
imc_roles_needs (const char *verb, const char *action)
{
    assert (verb);
    const s_rule_t *rule = s_rule (verb, action);
    for (int role = 0; role < S_ROLES; role++)
        if (rule->reach [role])
            return s_role_names [role];
    return "node";
}

void
imc_roles_refusal (char *text, size_t size, const char *verb,
                   const char *action, const char *principal)
{
    assert (text && verb && principal);
    const s_rule_t *rule = s_rule (verb, action);
    char list [256] = "";
    int holders = 0, said = 0;
    for (int role = 0; role < S_ROLES; role++)
        holders += rule->reach [role] != 0;
    for (int role = 0; role < S_ROLES; role++) {
        if (!rule->reach [role])
            continue;
        size_t used = strlen (list);
        snprintf (list + used, sizeof list - used, "%s%s",
                  said == 0 ? "" : said == holders - 1 ? " or " : ", ",
                  s_role_names [role]);
        said++;
    }
    snprintf (text, size, "%s%s%s needs the role %s, which %s does not hold",
              verb, action ? " " : "", action ? action : "",
              holders ? list : "node", principal);
}

bool
imc_roles_reaches (unsigned reach, const char *actor,
                   const im_fields_t *incident, const im_policy_t *policy)
{
    assert (actor && policy);
    if (reach & IMC_REACH_ALL)
        return true;
    if (!incident)
        return false;
    size_t length = strlen (actor);
    if ((reach & IMC_REACH_OWN)
    &&  (streq (im_fields_str_or (incident, IM_KEY_REPORTER, ""), actor)
         || s_has_in (im_fields_str (incident, IM_KEY_REPORTERS), actor,
                      length, ",")))
        return true;
    if (!(reach & IMC_REACH_GROUP))
        return false;
    const char *group = im_fields_str_or (incident, IM_KEY_GROUP, "");
    const char *agent = im_fields_str_or (incident, IM_KEY_AGENT, "");
    if (streq (agent, actor) || (!*group && !*agent))
        return true;
    const im_policy_group_t *known = *group ? im_policy_group (policy, group)
                                            : NULL;
    for (size_t index = 0; known && index < known->agents_n; index++)
        if (streq (known->agents [index], actor))
            return true;
    return false;
}
