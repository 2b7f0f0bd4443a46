/*  im_config - a node's own settings

    This file holds the defaults, the cluster member lookups and duration
    parsing. Reading the YAML file is in im_config_yaml.c, so that this
    half stays free of libfyaml; the rules (and their defaults) are
    im_policy's. An empty file gives a working single-node setup.
*/
#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_config.h"

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

    im_strlcpy (config->sink_dir, "imq-data/notifications",
                sizeof config->sink_dir);
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
