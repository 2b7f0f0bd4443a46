/*  im_config - the YAML configuration every imq process reads

    This file holds the defaults and the policy lookups the workers make
    on every event: the priority matrix, keyword categories and duration
    parsing. Reading the YAML file is in im_config_yaml.c, so that this
    half stays free of libfyaml.

    The defaults are an ITIL impact x urgency matrix, SLA targets in the
    range ServiceNow and most service desks ship with, and a few keyword
    categories; an empty file gives a working single-node setup.
*/
#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_policy.h"
#include "im_config.h"

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
im_config_default (im_config_t *config)
{
    assert (config);
    memset (config, 0, sizeof *config);
    config->node_id = 1;
    im_strlcpy (config->data_dir, "imq-data", sizeof config->data_dir);
    im_strlcpy (config->client_endpoint, "tcp://127.0.0.1:7700",
                sizeof config->client_endpoint);
    im_strlcpy (config->worker_endpoint, "tcp://127.0.0.1:7701",
                sizeof config->worker_endpoint);
    im_strlcpy (config->raft_address, "127.0.0.1:7702",
                sizeof config->raft_address);
    config->batch_max = 4096;
    config->queue_max = 65536;
    config->inflight_entries_max = 2;
    config->block_cache_mb = 32;
    config->write_buffer_mb = 64;
    config->worker_heartbeat_ms = 1000;
    config->worker_expiry_ms = 3000;
    config->offset_commit_ms = 100;
    config->snapshot_threshold = 8192;
    config->snapshot_trailing = 1024;
    config->election_timeout_ms = IM_CONFIG_ELECTION_TIMEOUT_MS;
    config->heartbeat_ms = IM_CONFIG_HEARTBEAT_MS;
    im_strlcpy (config->http_listen, "127.0.0.1:7780",
                sizeof config->http_listen);
    config->http_body_max = 1024 * 1024;
    config->http_inflight_max = 64;
    config->http_connections_max = 1024;
    config->http_connections_per_client = 64;
    config->http_header_timeout_ms = 10000;
    config->http_body_timeout_ms = 30000;
    im_strlcpy (config->alert_resolve, "auto", sizeof config->alert_resolve);
    config->http_alert_copies_window_ms = 60000;
    config->http_readyz_open = true;
    config->http_metrics_open = true;
    config->curve = true;
    im_strlcpy (config->keys_dir, "imq-keys", sizeof config->keys_dir);

    //  Impact 1 (high) x urgency 1 (high) is P1; each step down adds one
    for (int impact = 0; impact < 3; impact++)
        for (int urgency = 0; urgency < 3; urgency++)
            config->matrix [impact][urgency] = impact + urgency + 1;

    size_t categories = sizeof s_default_categories
                      / sizeof s_default_categories [0];
    for (size_t index = 0; index < categories; index++) {
        const default_category_t *source = &s_default_categories [index];
        im_config_category_t *category = &config->categories [index];
        im_strlcpy (category->name, source->name, sizeof category->name);
        for (size_t word = 0; word < 8 && source->keywords [word]; word++)
            im_strlcpy (category->keywords [category->keywords_n++],
                        source->keywords [word], IM_CONFIG_NAME_MAX);
    }
    config->categories_n = categories;
    im_strlcpy (config->default_category, "general",
                sizeof config->default_category);

    for (size_t index = 0; index < IM_PRIORITIES; index++) {
        config->response_ms [index] = s_default_sla [index][0];
        config->resolution_ms [index] = s_default_sla [index][1];
    }

    config->request_priority = 4;
    config->request_response_ms = S_DAY;
    config->request_resolution_ms = 5 * S_DAY;
    im_strlcpy (config->broadcast, "all-staff", sizeof config->broadcast);
    config->hours_start_ms = 8 * S_HOUR;
    config->hours_end_ms = 18 * S_HOUR;
    config->reopen_window_ms = 7 * S_DAY;
    config->auto_close_ms = 3 * S_DAY;
    config->request_retention_ms = IM_POLICY_REQUEST_RETENTION_MS;
    config->request_results_max = IM_POLICY_REQUEST_RESULTS_MAX;
    config->alert_heartbeat_ms = IM_POLICY_ALERT_HEARTBEAT_MS;

    im_strlcpy (config->sink_dir, "imq-data/notifications",
                sizeof config->sink_dir);
    im_strlcpy (config->breach_recipients [0], "service-desk-manager",
                IM_CONFIG_NAME_MAX);
    config->breach_recipients_n = 1;
}


//  --------------------------------------------------------------------
//  Parses "<digits><unit>", unit one of ms, s, m, h, d; the result must
//  be above zero and fit in 64 bits

int
im_config_parse_duration (const char *text, uint64_t *ms)
{
    assert (ms);
    if (!text || !isdigit ((unsigned char) *text))
        return IM_EINVAL;
    uint64_t value = 0;
    const char *cursor = text;
    for (; isdigit ((unsigned char) *cursor); cursor++) {
        uint64_t digit = (uint64_t) (*cursor - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return IM_EINVAL;
        value = value * 10 + digit;
    }
    uint64_t unit = 0;
    if (streq (cursor, "ms"))
        unit = 1;
    else
    if (streq (cursor, "s"))
        unit = 1000;
    else
    if (streq (cursor, "m"))
        unit = 60 * 1000;
    else
    if (streq (cursor, "h"))
        unit = 3600 * 1000;
    else
    if (streq (cursor, "d"))
        unit = 24 * 3600 * 1000;
    if (unit == 0 || value == 0 || value > UINT64_MAX / unit)
        return IM_EINVAL;
    *ms = value * unit;
    return 0;
}

int
im_config_priority (const im_config_t *config, int impact, int urgency)
{
    assert (config);
    if (impact < 1 || impact > 3 || urgency < 1 || urgency > 3)
        return 0;
    return config->matrix [impact - 1][urgency - 1];
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
s_category_matches (const im_config_category_t *category, const char *word,
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
im_config_categorize (const im_config_t *config, const char *text)
{
    assert (config);
    if (!text)
        return config->default_category;
    //  Categories in config order: the first one with any match wins
    for (size_t index = 0; index < config->categories_n; index++) {
        const im_config_category_t *category = &config->categories [index];
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
    return config->default_category;
}

bool
im_config_business_hours (const im_config_t *config, uint64_t ts_ms)
{
    assert (config);
    uint64_t days = ts_ms / S_DAY;
    //  1970-01-01 was a Thursday: day 0 is weekday 4 (Sunday 0)
    unsigned weekday = (unsigned) ((days + 4) % 7);
    uint64_t of_day = ts_ms % S_DAY;
    return weekday >= 1 && weekday <= 5
        && of_day >= config->hours_start_ms && of_day < config->hours_end_ms;
}

const char *
im_config_route (const im_config_t *config, const char *category)
{
    assert (config);
    for (size_t group = 0; category && group < config->groups_n; group++)
        for (size_t route = 0; route < config->groups [group].routes_n;
             route++)
            if (streq (config->groups [group].routes [route], category))
                return config->groups [group].name;
    return NULL;
}
const im_config_member_t *
im_config_member (const im_config_t *config, uint64_t id)
{
    assert (config);
    for (size_t index = 0; index < config->members_n; index++)
        if (config->members [index].id == id)
            return &config->members [index];
    return NULL;
}

int
im_config_member_endpoints (const im_config_t *config, bool workers,
                            char *buffer, size_t size)
{
    assert (config && buffer && size);
    buffer [0] = 0;
    if (config->members_n == 0)
        return IM_EINVAL;
    size_t length = 0;
    for (size_t index = 0; index < config->members_n; index++) {
        const im_config_member_t *member = &config->members [index];
        int written = snprintf (buffer + length, size - length, "%s%s",
                                index ? "," : "",
                                workers ? member->workers : member->client);
        if (written < 0 || (size_t) written >= size - length) {
            buffer [0] = 0;
            return IM_EINVAL;
        }
        length += (size_t) written;
    }
    return 0;
}
