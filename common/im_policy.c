/*  im_policy - the service-desk rules, one value every process applies

    The defaults, and the lookups made under a policy: by the state
    machine (roles, the taxonomy, groups; common/core/imc_decide*.c) and
    by the workers on every event (the priority matrix, keyword
    categories, routes, business hours). The YAML schema and its checks
    are im_config's, so a policy file and a node's imq.yaml say the same
    thing the same way.

    The defaults are an ITIL impact x urgency matrix, SLA targets in the
    range ServiceNow and most service desks ship with, and a few keyword
    categories.
*/
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_policy.h"
#include "im_config.h"
#include "im_config_private.h"

//  A default category: its name and up to eight keywords
typedef struct {
    const char *name;                   //  Category name
    const char *keywords [8];           //  Keywords, NULL-terminated
} default_category_t;

static const default_category_t s_default_categories [] = {
    { "network",  { "network", "vpn", "wifi", "dns", "firewall", "latency" } },
    { "database", { "database", "db", "sql", "postgres", "mysql",
                    "replication" } },
    { "access",   { "password", "login", "account", "locked", "sso", "mfa" } },
    { "hardware", { "laptop", "printer", "monitor", "keyboard", "disk" } },
    { "email",    { "email", "mail", "outlook", "smtp", "mailbox" } }
};

#define S_MINUTE    ((uint64_t) 60 * 1000)
#define S_HOUR      (60 * S_MINUTE)
#define S_DAY       (24 * S_HOUR)

//  Default SLA targets per priority: response, resolution
static const uint64_t s_default_sla [IM_PRIORITIES][2] = {
    { 15 * S_MINUTE, 4 * S_HOUR }, { 30 * S_MINUTE, 8 * S_HOUR },
    { 4 * S_HOUR, 3 * S_DAY }, { S_DAY, 5 * S_DAY }, { 3 * S_DAY, 10 * S_DAY }
};

void
im_policy_defaults (im_policy_t *policy)
{
    assert (policy);
    memset (policy, 0, sizeof *policy);
    //  Impact 1 (high) x urgency 1 (high) is P1; each step down adds one
    for (int impact = 0; impact < 3; impact++)
        for (int urgency = 0; urgency < 3; urgency++)
            policy->matrix [impact][urgency] = impact + urgency + 1;

    size_t categories = sizeof s_default_categories
                      / sizeof s_default_categories [0];
    for (size_t index = 0; index < categories; index++) {
        const default_category_t *source = &s_default_categories [index];
        im_policy_category_t *category = &policy->categories [index];
        im_strlcpy (category->name, source->name, sizeof category->name);
        for (size_t word = 0; word < 8 && source->keywords [word]; word++)
            im_strlcpy (category->keywords [category->keywords_n++],
                        source->keywords [word], IM_POLICY_NAME_MAX);
    }
    policy->categories_n = categories;
    im_strlcpy (policy->default_category, "general",
                sizeof policy->default_category);
    policy->request_priority = 4;

    for (size_t index = 0; index < IM_PRIORITIES; index++) {
        policy->response_ms [index] = s_default_sla [index][0];
        policy->resolution_ms [index] = s_default_sla [index][1];
    }
    policy->request_response_ms = S_DAY;
    policy->request_resolution_ms = 5 * S_DAY;
    im_strlcpy (policy->sla_calendar, IM_POLICY_CALENDAR_24X7,
                sizeof policy->sla_calendar);
    //  Waiting on the caller or a vendor is time the desk cannot act;
    //  a change or a problem record is the desk's own work
    im_strlcpy (policy->pause_on [0], "awaiting_caller", IM_POLICY_NAME_MAX);
    im_strlcpy (policy->pause_on [1], "awaiting_vendor", IM_POLICY_NAME_MAX);
    policy->pause_on_n = 2;
    policy->warn_at [0] = 50;
    policy->warn_at [1] = 75;
    policy->warn_at_n = 2;

    policy->reopen_window_ms = IM_POLICY_REOPEN_WINDOW_MS;
    policy->auto_close_ms = IM_POLICY_AUTO_CLOSE_MS;
    policy->request_retention_ms = IM_POLICY_REQUEST_RETENTION_MS;
    policy->request_results_max = IM_POLICY_REQUEST_RESULTS_MAX;
    policy->alert_heartbeat_ms = IM_POLICY_ALERT_HEARTBEAT_MS;

    policy->hours_start_ms = 8 * S_HOUR;
    policy->hours_end_ms = 18 * S_HOUR;
    im_strlcpy (policy->broadcast, "all-staff", sizeof policy->broadcast);
    im_strlcpy (policy->breach_recipients [0], "service-desk-manager",
                IM_POLICY_NAME_MAX);
    policy->breach_recipients_n = 1;
}

int
im_policy_parse (im_policy_t *policy, const char *name, const char *text,
                 uint64_t version, char *errbuf, size_t errlen)
{
    assert (policy && name && text);
    //  On the heap: a policy is large, and policy must stay as it was
    //  unless every key checks out
    im_policy_t *parsed = (im_policy_t *) malloc (sizeof (im_policy_t));
    if (!parsed)
        return IM_ENOMEM;
    int rc = im_config_yaml_parse (name, text, strlen (text), NULL, parsed,
                                   errbuf, errlen);
    if (rc == 0) {
        parsed->version = version;
        memcpy (policy, parsed, sizeof *policy);
    }
    free (parsed);
    return rc;
}

int
im_policy_check_category (const im_policy_t *policy, const char *category,
                          const char *subcategory, char *errbuf,
                          size_t errlen)
{
    assert (policy && category);
    if (policy->version == 0)
        return 0;
    const im_policy_category_t *known = NULL;
    for (size_t index = 0; index < policy->categories_n; index++)
        if (streq (policy->categories [index].name, category))
            known = &policy->categories [index];
    if (!known && !streq (category, policy->default_category)) {
        im_errbuf_set (errbuf, errlen, "no category '%s' in the policy "
                       "(version %" PRIu64 ")", category, policy->version);
        return IM_EINVAL;
    }
    if (!subcategory || !known || known->subcategories_n == 0)
        return 0;
    for (size_t index = 0; index < known->subcategories_n; index++)
        if (streq (known->subcategories [index], subcategory))
            return 0;
    im_errbuf_set (errbuf, errlen, "no subcategory '%s' under '%s' in the "
                   "policy", subcategory, category);
    return IM_EINVAL;
}

bool
im_policy_has_role (const im_policy_t *policy, const char *actor,
                    const char *role)
{
    assert (policy);
    for (size_t index = 0; actor && role && index < policy->agents_n;
         index++) {
        const im_policy_agent_t *agent = &policy->agents [index];
        if (!streq (agent->name, actor))
            continue;
        for (size_t held = 0; held < agent->roles_n; held++)
            if (streq (agent->roles [held], role))
                return true;
    }
    return false;
}

const im_policy_group_t *
im_policy_group (const im_policy_t *policy, const char *name)
{
    assert (policy);
    for (size_t index = 0; name && index < policy->groups_n; index++)
        if (streq (policy->groups [index].name, name))
            return &policy->groups [index];
    return NULL;
}


//  --------------------------------------------------------------------
//  The rules the workers apply on every event

int
im_policy_priority (const im_policy_t *policy, int impact, int urgency)
{
    assert (policy);
    if (impact < 1 || impact > 3 || urgency < 1 || urgency > 3)
        return 0;
    return policy->matrix [impact - 1][urgency - 1];
}


//  --------------------------------------------------------------------
//  Words are runs of ASCII letters and digits; bytes above 127 belong to
//  words too, so that a UTF-8 word is never cut into ASCII pieces

static bool
s_word_char (char c)
{
    return isalnum ((unsigned char) c) || (unsigned char) c > 127;
}

//  True when the word at text (size bytes) equals one of the keywords,
//  ignoring ASCII case (keywords are stored in lowercase)
static bool
s_category_matches (const im_policy_category_t *category, const char *word,
                    size_t size)
{
    for (size_t index = 0; index < category->keywords_n; index++) {
        const char *keyword = category->keywords [index];
        if (strlen (keyword) != size)
            continue;
        size_t at = 0;
        while (at < size
        &&     tolower ((unsigned char) word [at]) == keyword [at])
            at++;
        if (at == size)
            return true;
    }
    return false;
}

const char *
im_policy_categorize (const im_policy_t *policy, const char *text)
{
    assert (policy);
    if (!text)
        return policy->default_category;
    //  Categories in policy order: the first one with any match wins
    for (size_t index = 0; index < policy->categories_n; index++) {
        const im_policy_category_t *category = &policy->categories [index];
        const char *cursor = text;
        while (*cursor) {
            while (*cursor && !s_word_char (*cursor))
                cursor++;
            const char *word = cursor;
            while (*cursor && s_word_char (*cursor))
                cursor++;
            size_t size = (size_t) (cursor - word);
            if (size && s_category_matches (category, word, size))
                return category->name;
        }
    }
    return policy->default_category;
}

const im_calendar_def_t *
im_policy_calendar (const im_policy_t *policy, const char *name)
{
    assert (policy);
    static const im_calendar_def_t always = {
        .name = IM_POLICY_CALENDAR_24X7, .always = true };
    if (!name)
        return NULL;
    if (streq (name, IM_POLICY_CALENDAR_24X7))
        return &always;
    for (size_t index = 0; index < policy->calendars_n; index++)
        if (streq (policy->calendars [index].name, name))
            return &policy->calendars [index];
    return NULL;
}

const char *
im_policy_sla_calendar (const im_policy_t *policy, bool request,
                        int priority)
{
    assert (policy);
    const char *name = request ? policy->request_calendar
                     : priority >= 1 && priority <= IM_PRIORITIES
                     ? policy->calendar [priority - 1] : "";
    if (!*name)
        name = policy->sla_calendar;
    return *name ? name : IM_POLICY_CALENDAR_24X7;
}

bool
im_policy_pauses (const im_policy_t *policy, const char *reason)
{
    assert (policy);
    for (size_t index = 0; reason && index < policy->pause_on_n; index++)
        if (streq (policy->pause_on [index], reason))
            return true;
    return false;
}

bool
im_policy_business_hours (const im_policy_t *policy, uint64_t ts_ms)
{
    assert (policy);
    uint64_t days = ts_ms / S_DAY;
    //  1970-01-01 was a Thursday: day 0 is weekday 4 (Sunday 0)
    unsigned weekday = (unsigned) ((days + 4) % 7);
    uint64_t of_day = ts_ms % S_DAY;
    return weekday >= 1 && weekday <= 5
        && of_day >= policy->hours_start_ms && of_day < policy->hours_end_ms;
}

const char *
im_policy_route (const im_policy_t *policy, const char *category)
{
    assert (policy);
    for (size_t group = 0; category && group < policy->groups_n; group++)
        for (size_t route = 0; route < policy->groups [group].routes_n;
             route++)
            if (streq (policy->groups [group].routes [route], category))
                return policy->groups [group].name;
    return NULL;
}
