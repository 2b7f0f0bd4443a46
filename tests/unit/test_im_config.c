/*  test_im_config - defaults, YAML loading, error reports and lookups

    Every test writes its YAML into a fresh directory and loads it through
    the real libfyaml, so error positions are the ones an operator sees.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "im_config.h"
#include "im_policy.h"
#include "im_error.h"
#include "im_msgpack.h"

typedef struct {
    char dir [256];                     //  Temporary directory of the test
    char path [300];                    //  The YAML file written last
    char errbuf [4096];                 //  Errors of the last load
    im_config_t *config;                //  Loaded node settings
    im_config_t *defaults;              //  im_config_default, to compare
    im_policy_t *policy;                //  Loaded policy sections
    im_policy_t *rules;                 //  im_policy_defaults, to compare
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir (base, 0700);                 //  May exist already
    snprintf (f->dir, sizeof f->dir, "%s/im_config.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    snprintf (f->path, sizeof f->path, "%s/imq.yaml", f->dir);
    f->config = (im_config_t *) calloc (1, sizeof (im_config_t));
    f->defaults = (im_config_t *) calloc (1, sizeof (im_config_t));
    assert_non_null (f->config);
    assert_non_null (f->defaults);
    im_config_default (f->defaults);
    f->policy = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    f->rules = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    assert_non_null (f->policy);
    assert_non_null (f->rules);
    im_policy_defaults (f->rules);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    unlink (f->path);
    rmdir (f->dir);
    free (f->rules);
    free (f->policy);
    free (f->defaults);
    free (f->config);
    free (f);
    return 0;
}

//  Writes text as the test's YAML file and loads it
static int
s_load (fixture_t *f, const char *text)
{
    FILE *file = fopen (f->path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (text, 1, strlen (text), file), strlen (text));
    assert_int_equal (fclose (file), 0);
    return im_config_load (f->config, f->policy, f->path, f->errbuf,
                           sizeof f->errbuf);
}

//  Asserts that the errors hold exactly this line, with the file's path
//  before "line:col: error: text"
static void
s_assert_error (fixture_t *f, const char *where_and_text)
{
    char line [1024];
    snprintf (line, sizeof line, "%s:%s", f->path, where_and_text);
    const char *found = strstr (f->errbuf, line);
    if (!found
    ||  (found != f->errbuf && found [-1] != '\n')
    ||  (found [strlen (line)] != 0 && found [strlen (line)] != '\n'))
        fail_msg ("expected error line\n  %s\ngot\n  %s", line, f->errbuf);
}

//  Number of error lines
static size_t
s_error_count (fixture_t *f)
{
    if (!*f->errbuf)
        return 0;
    size_t count = 1;
    for (const char *cursor = f->errbuf; *cursor; cursor++)
        count += *cursor == '\n';
    return count;
}

//  Asserts that two configurations hold the same values, field by field
static void
s_assert_config_equal (const im_config_t *a, const im_config_t *b)
{
    assert_int_equal (a->node_id, b->node_id);
    assert_string_equal (a->data_dir, b->data_dir);
    assert_string_equal (a->client_endpoint, b->client_endpoint);
    assert_string_equal (a->worker_endpoint, b->worker_endpoint);
    assert_string_equal (a->raft_address, b->raft_address);
    assert_int_equal (a->batch_max, b->batch_max);
    assert_int_equal (a->queue_max, b->queue_max);
    assert_int_equal (a->inflight_entries_max, b->inflight_entries_max);
    assert_int_equal (a->block_cache_mb, b->block_cache_mb);
    assert_int_equal (a->write_buffer_mb, b->write_buffer_mb);
    assert_int_equal (a->worker_heartbeat_ms, b->worker_heartbeat_ms);
    assert_int_equal (a->worker_expiry_ms, b->worker_expiry_ms);
    assert_int_equal (a->offset_commit_ms, b->offset_commit_ms);
    assert_int_equal (a->snapshot_threshold, b->snapshot_threshold);
    assert_int_equal (a->snapshot_trailing, b->snapshot_trailing);
    assert_int_equal (a->election_timeout_ms, b->election_timeout_ms);
    assert_int_equal (a->heartbeat_ms, b->heartbeat_ms);
    assert_string_equal (a->sink_dir, b->sink_dir);
}

//  Asserts that two policies hold the same values, field by field
static void
s_assert_policy_equal (const im_policy_t *a, const im_policy_t *b)
{
    assert_memory_equal (a->matrix, b->matrix, sizeof a->matrix);
    assert_int_equal (a->categories_n, b->categories_n);
    for (size_t index = 0; index < a->categories_n; index++) {
        const im_policy_category_t *x = &a->categories [index];
        const im_policy_category_t *y = &b->categories [index];
        assert_string_equal (x->name, y->name);
        assert_int_equal (x->keywords_n, y->keywords_n);
        for (size_t word = 0; word < x->keywords_n; word++)
            assert_string_equal (x->keywords [word], y->keywords [word]);
    }
    assert_string_equal (a->default_category, b->default_category);
    assert_memory_equal (a->response_ms, b->response_ms,
                         sizeof a->response_ms);
    assert_memory_equal (a->resolution_ms, b->resolution_ms,
                         sizeof a->resolution_ms);
    assert_int_equal (a->breach_recipients_n, b->breach_recipients_n);
    for (size_t index = 0; index < a->breach_recipients_n; index++)
        assert_string_equal (a->breach_recipients [index],
                             b->breach_recipients [index]);
}

static void
s_assert_defaults (fixture_t *f)
{
    s_assert_config_equal (f->config, f->defaults);
    s_assert_policy_equal (f->policy, f->rules);
}

static void
test_defaults_are_the_documented_values (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_config_t *c = f->defaults;
    assert_int_equal (c->node_id, 1);
    assert_string_equal (c->data_dir, "imq-data");
    assert_true (c->curve);
    assert_string_equal (c->keys_dir, "imq-keys");
    assert_string_equal (c->cert, "");
    assert_false (c->raft_public);
    assert_string_equal (c->client_endpoint, "tcp://127.0.0.1:7700");
    assert_string_equal (c->worker_endpoint, "tcp://127.0.0.1:7701");
    assert_string_equal (c->raft_address, "127.0.0.1:7702");
    assert_int_equal (c->batch_max, 4096);
    assert_string_equal (c->http_listen, "127.0.0.1:7780");
    assert_int_equal (c->http_body_max, 1048576);
    assert_int_equal (c->http_inflight_max, 64);
    assert_int_equal (c->http_connections_max, 1024);
    assert_int_equal (c->http_connections_per_client, 64);
    assert_int_equal (c->http_header_timeout_ms, 10000);
    assert_int_equal (c->http_body_timeout_ms, 30000);
    assert_string_equal (c->alert_resolve, "auto");
    assert_int_equal (c->queue_max, 65536);
    assert_int_equal (c->inflight_entries_max, 2);
    assert_int_equal (c->block_cache_mb, 32);
    assert_int_equal (c->write_buffer_mb, 64);
    assert_int_equal (c->worker_heartbeat_ms, 1000);
    assert_int_equal (c->worker_expiry_ms, 3000);
    assert_int_equal (c->offset_commit_ms, 100);
    assert_int_equal (c->snapshot_threshold, 8192);
    assert_int_equal (c->snapshot_trailing, 1024);
    assert_int_equal (c->election_timeout_ms, 600);
    assert_int_equal (c->heartbeat_ms, 100);
    assert_string_equal (c->sink_dir, "imq-data/notifications");
    const im_policy_t *p = f->rules;
    int matrix [3][3] = { { 1, 2, 3 }, { 2, 3, 4 }, { 3, 4, 5 } };
    assert_memory_equal (p->matrix, matrix, sizeof matrix);
    assert_int_equal (p->categories_n, 5);
    assert_string_equal (p->categories [0].name, "network");
    assert_int_equal (p->categories [0].keywords_n, 6);
    assert_string_equal (p->categories [0].keywords [5], "latency");
    assert_string_equal (p->categories [4].name, "email");
    assert_string_equal (p->categories [4].keywords [4], "mailbox");
    assert_string_equal (p->default_category, "general");
    uint64_t minute = 60000, hour = 60 * minute, day = 24 * hour;
    uint64_t response [5] = { 15 * minute, 30 * minute, 4 * hour, day,
                              3 * day };
    uint64_t resolution [5] = { 4 * hour, 8 * hour, 3 * day, 5 * day,
                                10 * day };
    assert_memory_equal (p->response_ms, response, sizeof response);
    assert_memory_equal (p->resolution_ms, resolution, sizeof resolution);
    assert_int_equal (p->breach_recipients_n, 1);
    assert_string_equal (p->breach_recipients [0], "service-desk-manager");
}

static void
test_empty_or_comment_only_file_gives_defaults (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, ""), 0);
    s_assert_defaults (f);
    assert_string_equal (f->errbuf, "");
    assert_int_equal (s_load (f, "# nothing here\n\n   # still nothing\n"), 0);
    s_assert_defaults (f);
    assert_int_equal (s_load (f, "---\n"), 0);
    s_assert_defaults (f);
    assert_int_equal (s_load (f, "node:\nsla: ~\n"), 0);
    s_assert_defaults (f);
}

static void
test_sample_config_equals_the_defaults (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  tools/imq.yaml, found from this file's place in the source tree
    char sample [512];
    snprintf (sample, sizeof sample, "%s", __FILE__);
    char *unit = strstr (sample, "tests/unit/test_im_config.c");
    if (unit)
        strcpy (unit, "tools/imq.yaml");
    if (!unit || access (sample, R_OK) != 0) {
        print_message ("tools/imq.yaml not found from %s\n", __FILE__);
        skip ();
    }
    assert_int_equal (im_config_load (f->config, f->policy, sample,
                                      f->errbuf, sizeof f->errbuf), 0);
    s_assert_defaults (f);
}

static void
test_compose_cluster_config_lists_three_members (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  tools/imq-cluster.yaml, which docker-compose.yml gives every program
    char path [512];
    snprintf (path, sizeof path, "%s", __FILE__);
    char *unit = strstr (path, "tests/unit/test_im_config.c");
    if (unit)
        strcpy (unit, "tools/imq-cluster.yaml");
    if (!unit || access (path, R_OK) != 0) {
        print_message ("tools/imq-cluster.yaml not found from %s\n",
                       __FILE__);
        skip ();
    }
    assert_int_equal (im_config_load (f->config, f->policy, path, f->errbuf,
                                      sizeof f->errbuf), 0);
    assert_int_equal (f->config->members_n, 3);
    for (uint64_t id = 1; id <= 3; id++)
        assert_non_null (im_config_member (f->config, id));
    char list [256];
    assert_int_equal (im_config_member_endpoints (f->config, false, list,
                                                  sizeof list), 0);
    assert_string_equal (list, "tcp://imq1:7700,tcp://imq2:7700,"
                               "tcp://imq3:7700");
}

static void
test_full_file_sets_every_key (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    int rc = s_load (f,
        "node:\n"
        "  id: 3\n"
        "  data: /var/lib/imq\n"
        "  client: tcp://10.0.0.3:8700\n"
        "  workers: ipc:///run/imq/workers\n"
        "  raft: 10.0.0.3:8702\n"
        "  batch_max: 8192\n"
        "  queue_max: 100000\n"
        "  inflight_entries_max: 16\n"
        "  block_cache_mb: 128\n"
        "  write_buffer_mb: 256\n"
        "  worker_heartbeat: 500ms\n"
        "  worker_expiry: 2s\n"
        "  offset_commit: 1s\n"
        "  snapshot_threshold: 1024\n"
        "  snapshot_trailing: 128\n"
        "classifier:\n"
        "  matrix: [[1, 1, 2], [2, 3, 4], [4, 5, 5]]\n"
        "  default_category: other\n"
        "  categories:\n"
        "    - name: storage\n"
        "      keywords: [SAN, NFS, disk]\n"
        "    - name: voice\n"
        "      keywords: [phone]\n"
        "sla:\n"
        "  P1: {response: 5m, resolution: 1h}\n"
        "  P5:\n"
        "    resolution: 30d\n"
        "notifier:\n"
        "  sink: /var/spool/imq\n"
        "  breach_recipients: [duty-manager, cio]\n");
    assert_int_equal (rc, 0);
    assert_string_equal (f->errbuf, "");
    const im_config_t *c = f->config;
    assert_int_equal (c->node_id, 3);
    assert_string_equal (c->data_dir, "/var/lib/imq");
    assert_string_equal (c->client_endpoint, "tcp://10.0.0.3:8700");
    assert_string_equal (c->worker_endpoint, "ipc:///run/imq/workers");
    assert_string_equal (c->raft_address, "10.0.0.3:8702");
    assert_int_equal (c->batch_max, 8192);
    assert_int_equal (c->queue_max, 100000);
    assert_int_equal (c->inflight_entries_max, 16);
    assert_int_equal (c->block_cache_mb, 128);
    assert_int_equal (c->write_buffer_mb, 256);
    assert_int_equal (c->worker_heartbeat_ms, 500);
    assert_int_equal (c->worker_expiry_ms, 2000);
    assert_int_equal (c->offset_commit_ms, 1000);
    assert_int_equal (c->snapshot_threshold, 1024);
    assert_int_equal (c->snapshot_trailing, 128);
    const im_policy_t *p = f->policy;
    int matrix [3][3] = { { 1, 1, 2 }, { 2, 3, 4 }, { 4, 5, 5 } };
    assert_memory_equal (p->matrix, matrix, sizeof matrix);
    assert_string_equal (p->default_category, "other");
    assert_int_equal (p->categories_n, 2);
    assert_string_equal (p->categories [0].name, "storage");
    assert_int_equal (p->categories [0].keywords_n, 3);
    assert_string_equal (p->categories [0].keywords [0], "san");
    assert_string_equal (p->categories [0].keywords [1], "nfs");
    assert_string_equal (p->categories [1].name, "voice");
    assert_int_equal (p->response_ms [0], 5 * 60000);
    assert_int_equal (p->resolution_ms [0], 3600000);
    assert_int_equal (p->response_ms [4], f->rules->response_ms [4]);
    assert_int_equal (p->resolution_ms [4], 30ULL * 86400000);
    assert_int_equal (p->response_ms [2], f->rules->response_ms [2]);
    assert_string_equal (c->sink_dir, "/var/spool/imq");
    assert_int_equal (p->breach_recipients_n, 2);
    assert_string_equal (p->breach_recipients [1], "cio");
}

static void
test_default_sink_follows_the_data_directory (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, "node: {data: /srv/imq}\n"), 0);
    assert_string_equal (f->config->sink_dir, "/srv/imq/notifications");
    assert_int_equal (s_load (f, "node: {data: /srv/imq}\n"
                                 "notifier: {sink: /tmp/out}\n"), 0);
    assert_string_equal (f->config->sink_dir, "/tmp/out");
}

static void
test_durations_take_every_unit (void **state)
{
    (void) state;
    uint64_t ms = 0;
    assert_int_equal (im_config_parse_duration ("500ms", &ms), 0);
    assert_int_equal (ms, 500);
    assert_int_equal (im_config_parse_duration ("15s", &ms), 0);
    assert_int_equal (ms, 15000);
    assert_int_equal (im_config_parse_duration ("15m", &ms), 0);
    assert_int_equal (ms, 900000);
    assert_int_equal (im_config_parse_duration ("4h", &ms), 0);
    assert_int_equal (ms, 14400000);
    assert_int_equal (im_config_parse_duration ("3d", &ms), 0);
    assert_int_equal (ms, 259200000);
    assert_int_equal (im_config_parse_duration ("18446744073709551615ms",
                                                &ms), 0);
    assert_true (ms == UINT64_MAX);
}

static void
test_durations_refuse_bad_text (void **state)
{
    (void) state;
    const char *bad [] = {
        "", "0s", "0ms", "15", "m", "15x", "15M", "-5m", "+5m", "1.5h",
        "15 m", " 15m", "15m ", "5mss", "18446744073709551616ms",
        "213503982335d", "99999999999999999999999s"
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        uint64_t ms = 42;
        if (im_config_parse_duration (bad [index], &ms) != IM_EINVAL)
            fail_msg ("'%s' was accepted", bad [index]);
        assert_int_equal (ms, 42);
    }
    uint64_t ms = 0;
    assert_int_equal (im_config_parse_duration (NULL, &ms), IM_EINVAL);
}

static void
test_missing_file_is_not_found (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char path [400];
    snprintf (path, sizeof path, "%s/absent.yaml", f->dir);
    assert_int_equal (im_config_load (f->config, f->policy, path, f->errbuf,
                                      sizeof f->errbuf), IM_ENOTFOUND);
    assert_non_null (strstr (f->errbuf, "absent.yaml: cannot read"));
    s_assert_defaults (f);
    //  A directory cannot be read as a file either
    assert_int_equal (im_config_load (f->config, f->policy, f->dir, NULL, 0),
                      IM_ENOTFOUND);
}

static void
test_syntax_error_has_its_position (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, "node:\n  id: 1\n  id: 2\n"), IM_ECONFIG);
    s_assert_error (f, "3:3: error: duplicate key");
    assert_int_equal (s_load (f, "node:\n  data: \"unterminated\n"),
                      IM_ECONFIG);
    assert_int_equal (s_error_count (f), 1);
    //  libfyaml places this error at the first character inside the quote
    s_assert_error (f, "2:10: error: double-quoted scalar without closing "
                       "quote");
    assert_int_equal (s_load (f, "node:\n\tid: 1\n"), IM_ECONFIG);
    assert_int_equal (s_error_count (f), 1);
    assert_non_null (strstr (f->errbuf, ":2:1: error: "));
    s_assert_defaults (f);
}

static void
test_unknown_keys_are_named (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, "nodes:\n  id: 1\n"
                                 "node:\n  id: 2\n  colour: red\n"),
                      IM_ECONFIG);
    s_assert_error (f, "1:1: error: top level: unknown key 'nodes' (known: "
                       "node, cluster, http, security, classifier, sla, notifier, "
                       "calendars, escalations)");
    assert_non_null (strstr (f->errbuf, ":5:3: error: node: unknown key "
                                        "'colour' (known: id, data, "));
    assert_int_equal (s_error_count (f), 2);
    s_assert_defaults (f);

    assert_int_equal (s_load (f, "sla:\n  P6: {response: 1h}\n"
                                 "  P1: {respond: 1h}\n"), IM_ECONFIG);
    s_assert_error (f, "2:3: error: sla: unknown key 'P6' (known: P1, P2, "
                       "P3, P4, P5, request, calendar, update_calendar, "
                       "pause_on, warn_at, overrides)");
    s_assert_error (f, "3:8: error: sla.P1: unknown key 'respond' (known: "
                       "response, resolution, calendar, update_calendar, "
                       "escalation, ack_timeout)");
}

static void
test_http_section_is_read_and_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, "http:\n  listen: 0.0.0.0:8080\n"
                                 "  body_max: 4096\n  inflight_max: 8\n"
                                 "  alert_resolve: record\n"), 0);
    assert_string_equal (f->config->http_listen, "0.0.0.0:8080");
    assert_int_equal (f->config->http_body_max, 4096);
    assert_int_equal (f->config->http_inflight_max, 8);
    assert_string_equal (f->config->alert_resolve, "record");
    assert_int_equal (s_load (f, "http:\n  alert_resolve: sometimes\n"
                                 "  listen: nowhere\n"), IM_ECONFIG);
    s_assert_error (f, "2:18: error: http.alert_resolve: 'sometimes' is "
                       "not auto or record");
    s_assert_error (f, "3:11: error: http.listen: 'nowhere' is not a "
                       "host:port address");
    s_assert_defaults (f);

    //  The connection limits and deadlines
    assert_int_equal (s_load (f, "http:\n  connections_max: 100\n"
                                 "  connections_per_client: 10\n"
                                 "  header_timeout: 2s\n"
                                 "  body_timeout: 500ms\n"), 0);
    assert_int_equal (f->config->http_connections_max, 100);
    assert_int_equal (f->config->http_connections_per_client, 10);
    assert_int_equal (f->config->http_header_timeout_ms, 2000);
    assert_int_equal (f->config->http_body_timeout_ms, 500);
    assert_int_equal (s_load (f, "http:\n  connections_max: 100\n"
                                 "  connections_per_client: 101\n"
                                 "  header_timeout: 50ms\n"
                                 "  body_timeout: 2h\n"), IM_ECONFIG);
    s_assert_error (f, "3:27: error: http.connections_per_client: must be "
                       "at most http.connections_max");
    s_assert_error (f, "4:19: error: http.header_timeout: '50ms' is too "
                       "short (at least 100ms)");
    s_assert_error (f, "5:17: error: http.body_timeout: '2h' is too long");
    s_assert_defaults (f);
}

static void
test_security_is_read_and_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "security:\n"
        "  curve: false\n"
        "  keys: /etc/imq/keys\n"
        "  cert: /etc/imq/keys/classifier-2.key_secret\n"
        "  raft_public: true\n"), 0);
    assert_false (f->config->curve);
    assert_string_equal (f->config->keys_dir, "/etc/imq/keys");
    assert_string_equal (f->config->cert,
                         "/etc/imq/keys/classifier-2.key_secret");
    assert_true (f->config->raft_public);
    assert_int_equal (s_load (f,
        "security:\n"
        "  curve: yes\n"
        "  raft_public: [true]\n"
        "  curv: true\n"), IM_ECONFIG);
    s_assert_error (f, "2:10: error: security.curve: expected true or false, "
                       "found 'yes'");
    s_assert_error (f, "3:16: error: security.raft_public: expected a single "
                       "value, found a sequence");
    s_assert_error (f, "4:3: error: security: unknown key 'curv' (known: "
                       "curve, keys, cert, raft_public)");
    assert_int_equal (s_error_count (f), 3);
    s_assert_defaults (f);
}

static void
test_wrong_types_are_reported (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "node:\n"
        "  id: [1]\n"
        "  data: {a: b}\n"
        "  batch_max: many\n"
        "  worker_expiry:\n"
        "classifier: [1, 2]\n"
        "notifier:\n"
        "  breach_recipients: boss\n"), IM_ECONFIG);
    s_assert_error (f, "2:7: error: node.id: expected a single value, "
                       "found a sequence");
    s_assert_error (f, "3:9: error: node.data: expected a single value, "
                       "found a mapping");
    s_assert_error (f, "4:14: error: node.batch_max: expected a whole "
                       "number, found 'many'");
    s_assert_error (f, "5:3: error: node.worker_expiry: missing value");
    s_assert_error (f, "6:13: error: classifier: expected a mapping with "
                       "keys matrix, default_category, categories, "
                       "request_priority, found "
                       "a sequence");
    s_assert_error (f, "8:22: error: notifier.breach_recipients: expected "
                       "a list");
    assert_int_equal (s_error_count (f), 6);
    s_assert_defaults (f);

    assert_int_equal (s_load (f, "- node\n"), IM_ECONFIG);
    s_assert_error (f, "1:1: error: top level: expected a mapping with keys "
                       "node, cluster, http, security, classifier, sla, notifier, "
                       "calendars, escalations, found a sequence");
}

static void
test_out_of_range_values_are_reported (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "node:\n"
        "  id: 0\n"
        "  batch_max: 9000\n"
        "  inflight_entries_max: 99999999999999999999999\n"
        "  client: 127.0.0.1:7700\n"
        "  raft: tcp://127.0.0.1:7702\n"
        "  worker_heartbeat: 0s\n"
        "  offset_commit: 50d\n"), IM_ECONFIG);
    s_assert_error (f, "2:7: error: node.id: 0 is out of range "
                       "1..18446744073709551615");
    s_assert_error (f, "3:14: error: node.batch_max: 9000 is out of range "
                       "1..8192");
    s_assert_error (f, "4:25: error: node.inflight_entries_max: "
                       "99999999999999999999999 is out of range 1..1024");
    s_assert_error (f, "5:11: error: node.client: '127.0.0.1:7700' is not "
                       "a ZeroMQ endpoint (like tcp://host:port)");
    s_assert_error (f, "6:9: error: node.raft: 'tcp://127.0.0.1:7702' is "
                       "not a host:port address");
    s_assert_error (f, "7:21: error: node.worker_heartbeat: '0s' is not a "
                       "duration (a whole number above 0 followed by ms, s, "
                       "m, h or d)");
    s_assert_error (f, "8:18: error: node.offset_commit: '50d' is too long");
    assert_int_equal (s_error_count (f), 7);
    s_assert_defaults (f);
}

static void
test_matrix_is_checked_cell_by_cell (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "classifier:\n"
        "  matrix:\n"
        "    - [1, 2, 3]\n"
        "    - [2, 7, 4]\n"
        "    - [3, 4]\n"), IM_ECONFIG);
    s_assert_error (f, "4:11: error: classifier.matrix: impact 2, urgency 2: "
                       "7 is out of range 1..5");
    s_assert_error (f, "5:7: error: classifier.matrix: impact 3: expected 3 "
                       "values, one per urgency 1..3");
    assert_int_equal (s_error_count (f), 2);

    assert_int_equal (s_load (f, "classifier:\n"
                                 "  matrix: [[1, 2, 3], [2, 3, 4]]\n"),
                      IM_ECONFIG);
    s_assert_error (f, "2:11: error: classifier.matrix: expected 3 rows, one "
                       "per impact 1..3");
    s_assert_defaults (f);
}

static void
test_categories_are_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "classifier:\n"
        "  categories:\n"
        "    - name: network\n"
        "      keywords: [vpn, wi-fi]\n"
        "    - keywords: [disk]\n"
        "    - name: network\n"
        "      keywords: []\n"
        "    - name: empty\n"
        "    - just a word\n"), IM_ECONFIG);
    s_assert_error (f, "4:23: error: classifier.categories[0].keywords[1]: "
                       "'wi-fi' is not one word (letters and digits only)");
    s_assert_error (f, "5:7: error: classifier.categories[1]: missing name");
    s_assert_error (f, "7:17: error: classifier.categories[2].keywords: "
                       "needs at least one keyword");
    s_assert_error (f, "6:7: error: classifier.categories[2]: category "
                       "'network' is listed twice");
    s_assert_error (f, "8:7: error: classifier.categories[3]: missing "
                       "keywords");
    s_assert_error (f, "9:7: error: classifier.categories[4]: expected a "
                       "mapping with name and keywords");
    assert_int_equal (s_error_count (f), 6);
    s_assert_defaults (f);
}

static void
test_cluster_members_are_read (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "cluster:\n"
        "  election_timeout: 2s\n"
        "  heartbeat: 250ms\n"
        "  members:\n"
        "    - {id: 1, raft: 10.0.0.1:7702, client: tcp://10.0.0.1:7700,\n"
        "       workers: tcp://10.0.0.1:7701}\n"
        "    - {id: 7, raft: 10.0.0.2:7702, client: tcp://imq2:7700,\n"
        "       workers: tcp://imq2:7701, http: 10.0.0.2:7780}\n"), 0);
    assert_int_equal (f->config->election_timeout_ms, 2000);
    assert_int_equal (f->config->heartbeat_ms, 250);
    assert_int_equal (f->config->members_n, 2);
    const im_config_member_t *member = im_config_member (f->config, 7);
    assert_non_null (member);
    assert_string_equal (member->raft, "10.0.0.2:7702");
    assert_string_equal (member->client, "tcp://imq2:7700");
    assert_string_equal (member->workers, "tcp://imq2:7701");
    assert_string_equal (member->http, "10.0.0.2:7780");
    assert_string_equal (im_config_member (f->config, 1)->http, "");
    assert_null (im_config_member (f->config, 2));
    char list [256];
    assert_int_equal (im_config_member_endpoints (f->config, false, list,
                                                  sizeof list), 0);
    assert_string_equal (list, "tcp://10.0.0.1:7700,tcp://imq2:7700");
    assert_int_equal (im_config_member_endpoints (f->config, true, list,
                                                  sizeof list), 0);
    assert_string_equal (list, "tcp://10.0.0.1:7701,tcp://imq2:7701");
    assert_int_equal (im_config_member_endpoints (f->config, true, list, 20),
                      IM_EINVAL);
    assert_string_equal (list, "");
}

static void
test_cluster_members_are_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "cluster:\n"
        "  members:\n"
        "    - {id: 1, raft: a:1, client: tcp://a:2, workers: tcp://a:3}\n"
        "    - {id: 1, raft: a:1, client: tcp://a:2, workers: tcp://a:3}\n"
        "    - {id: 2, raft: b, client: tcp://b:2}\n"
        "    - just a word\n"
        "    - {id: 3, raft: c:1, client: tcp://c:2, workers: tcp://c:3,\n"
        "       http: web}\n"), IM_ECONFIG);
    s_assert_error (f, "4:7: error: cluster.members[1]: id 1 is listed "
                       "twice");
    s_assert_error (f, "4:7: error: cluster.members[1]: raft address a:1 is "
                       "listed twice");
    s_assert_error (f, "5:21: error: cluster.members[2].raft: 'b' is not a "
                       "host:port address");
    s_assert_error (f, "5:7: error: cluster.members[2]: missing workers");
    s_assert_error (f, "6:7: error: cluster.members[3]: expected a mapping "
                       "with id, raft, client and workers");
    s_assert_error (f, "8:14: error: cluster.members[4].http: 'web' is not "
                       "a host:port address");
    assert_int_equal (s_error_count (f), 6);
    s_assert_defaults (f);
    assert_int_equal (f->config->members_n, 0);
}

static void
test_cross_key_rules_are_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "cluster:\n"
        "  election_timeout: 2m\n"), IM_ECONFIG);
    s_assert_error (f, "2:21: error: cluster.election_timeout: '2m' is too "
                       "long");
    assert_int_equal (s_load (f,
        "node:\n"
        "  worker_heartbeat: 5s\n"
        "  batch_max: 2000\n"
        "  queue_max: 1000\n"
        "sla:\n"
        "  P2: {response: 9h}\n"
        "cluster:\n"
        "  heartbeat: 300ms\n"), IM_ECONFIG);
    s_assert_error (f, "8:14: error: cluster.election_timeout: must be at "
                       "least 3 times cluster.heartbeat");
    s_assert_error (f, "2:21: error: node.worker_expiry: must be longer than "
                       "node.worker_heartbeat");
    s_assert_error (f, "4:14: error: node.queue_max: must be at least "
                       "node.batch_max");
    s_assert_error (f, "6:7: error: sla.P2: the response target must not be "
                       "longer than the resolution target");
    assert_int_equal (s_error_count (f), 4);
    s_assert_defaults (f);
}

static void
test_every_error_is_reported_and_nothing_applied (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f,
        "node:\n"
        "  id: 7\n"
        "  batch_max: -1\n"
        "  data: ok\n"
        "sla:\n"
        "  P1: {response: soon, resolution: 1h}\n"
        "notifier:\n"
        "  breach_recipients: [boss, [a, b]]\n"
        "extra: 1\n"), IM_ECONFIG);
    assert_int_equal (s_error_count (f), 4);
    s_assert_error (f, "3:14: error: node.batch_max: expected a whole "
                       "number, found '-1'");
    s_assert_error (f, "6:18: error: sla.P1.response: 'soon' is not a "
                       "duration (a whole number above 0 followed by ms, s, "
                       "m, h or d)");
    s_assert_error (f, "8:29: error: notifier.breach_recipients[1]: expected "
                       "a single value, found a sequence");
    s_assert_error (f, "9:1: error: top level: unknown key 'extra' (known: "
                       "node, cluster, http, security, classifier, sla, notifier, "
                       "calendars, escalations)");
    //  The valid keys were not applied either
    s_assert_defaults (f);
}

static void
test_errors_fit_a_small_buffer (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    FILE *file = fopen (f->path, "wb");
    assert_non_null (file);
    fputs ("a: 1\nb: 2\nc: 3\nd: 4\n", file);
    assert_int_equal (fclose (file), 0);
    char small [24];
    memset (small, 'x', sizeof small);
    assert_int_equal (im_config_load (f->config, f->policy, f->path, small,
                                      sizeof small), IM_ECONFIG);
    assert_int_equal (strlen (small), sizeof small - 1);
    assert_int_equal (im_config_load (f->config, f->policy, f->path, NULL, 0),
                      IM_ECONFIG);
}

static void
test_aliases_and_bad_bytes_are_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_load (f, "node:\n  data: &d here\n"
                                 "notifier:\n  sink: *d\n"), IM_ECONFIG);
    //  libfyaml places an alias at its name, after the '*'
    s_assert_error (f, "4:10: error: notifier.sink: expected a single value, "
                       "found an alias (not supported here)");
    assert_int_equal (s_load (f, "node:\n  data: ab\xff\xfe\n"), IM_ECONFIG);
    s_assert_error (f, "2:11: error: not valid UTF-8");
    assert_int_equal (s_load (f, "\xff\xfe: 1\n"), IM_ECONFIG);
    s_assert_error (f, "1:1: error: not valid UTF-8");
    //  Columns count characters: the bad byte follows two of them
    assert_int_equal (s_load (f, "node:\n  data: \xc3\xa9\xc3\xa9\xc3\n"),
                      IM_ECONFIG);
    s_assert_error (f, "2:11: error: not valid UTF-8");
    //  libfyaml would stop at a NUL and take what came before
    FILE *file = fopen (f->path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite ("node:\n  id: 2\0\n", 1, 16, file), 16);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (im_config_load (f->config, f->policy, f->path, f->errbuf,
                                      sizeof f->errbuf), IM_ECONFIG);
    s_assert_error (f, "2:8: error: NUL character");
    s_assert_defaults (f);
}

static void
test_a_policy_is_parsed_from_text_without_node_settings (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text = "lifecycle:\n  reopen_window: 2h\n"
                       "  auto_close: 30s\nsla:\n  P1: {response: 1m, "
                       "resolution: 2m}\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", text, 1,
                                       f->errbuf, sizeof f->errbuf), 0);
    assert_int_equal (f->policy->version, 1);
    assert_int_equal (f->policy->reopen_window_ms, 2 * 3600000);
    assert_int_equal (f->policy->auto_close_ms, 30000);
    assert_int_equal (f->policy->response_ms [0], 60000);

    //  Every error, named by the source and line; nothing applied
    const char *bad = "node:\n  id: 3\nlifecycle:\n  reopen_window: soon\n"
                      "notifier:\n  sink: /tmp/x\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", bad, 2,
                                       f->errbuf, sizeof f->errbuf),
                      IM_ECONFIG);
    assert_non_null (strstr (f->errbuf, "desk.yaml:1:1: error: top level: "
                                        "unknown key 'node' (known: "
                                        "classifier, sla, lifecycle, "
                                        "notifier, agents, groups, "
                                        "calendars, escalations)"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:4:18: error: "
                                        "lifecycle.reopen_window: 'soon'"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:6:3: error: notifier: "
                                        "unknown key 'sink'"));
    assert_int_equal (s_error_count (f), 3);
    assert_int_equal (f->policy->version, 1);
    assert_int_equal (f->policy->reopen_window_ms, 2 * 3600000);

    //  A node's own file holds node settings, and no lifecycle: the
    //  state machine's windows come from the replicated policy only
    assert_int_equal (im_config_parse (f->config, f->policy, "imq.yaml", bad,
                                       strlen (bad), f->errbuf,
                                       sizeof f->errbuf), IM_ECONFIG);
    assert_non_null (strstr (f->errbuf, "imq.yaml:3:1: error: top level: "
                                        "unknown key 'lifecycle'"));
    assert_int_equal (s_error_count (f), 1);
}

static void
test_a_policy_names_agents_roles_groups_and_tiers (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text =
        "agents:\n"
        "  - {name: ann, roles: [incident_manager]}\n"
        "  - {name: bob, roles: []}\n"
        "groups:\n"
        "  - {name: desk, tier: 1, agents: [bob]}\n"
        "  - {name: network, tier: 2, agents: [ann, bob], "
        "categories: [network, VPN]}\n"
        "classifier:\n  request_priority: 5\n"
        "  categories:\n    - {name: network, keywords: [vpn], "
        "subcategories: [vpn, wifi]}\n"
        "sla:\n  request: {response: 2h, resolution: 2d}\n"
        "notifier:\n  business_hours: {start: 9h, end: 17h}\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", text, 3,
                                       f->errbuf, sizeof f->errbuf), 0);
    assert_int_equal (f->policy->agents_n, 2);
    const im_policy_t *policy = f->policy;
    assert_true (im_policy_has_role (policy, "ann", "incident_manager"));
    assert_false (im_policy_has_role (policy, "bob", "incident_manager"));
    assert_false (im_policy_has_role (policy, "eve", "incident_manager"));
    assert_int_equal (im_policy_group (policy, "network")->tier, 2);
    char errbuf [128];
    assert_int_equal (im_policy_check_category (policy, "network", "wifi",
                                                errbuf, sizeof errbuf), 0);
    assert_int_equal (im_policy_check_category (policy, "network", "lan",
                                                errbuf, sizeof errbuf),
                      IM_EINVAL);
    assert_null (im_policy_group (policy, "nobody"));
    assert_int_equal (policy->groups_n, 2);
    assert_string_equal (policy->groups [1].name, "network");
    assert_int_equal (policy->groups [1].tier, 2);
    assert_int_equal (policy->groups [1].agents_n, 2);
    assert_string_equal (im_policy_route (policy, "vpn"), "network");
    assert_null (im_policy_route (policy, "email"));
    assert_int_equal (policy->request_priority, 5);
    assert_int_equal (policy->request_response_ms, 2 * 3600000);
    //  Thursday 1970-01-01 10:00 UTC is in; 08:00 and Saturday are out
    assert_true (im_policy_business_hours (policy, 10 * 3600000ull));
    assert_false (im_policy_business_hours (policy, 8 * 3600000ull));
    assert_false (im_policy_business_hours (policy,
                                            (2 * 24 + 10) * 3600000ull));

    const char *bad =
        "agents:\n  - {roles: [x]}\n  - {name: ann}\n  - {name: ann}\n"
        "groups:\n  - {name: desk, agents: [ann]}\n"
        "  - {name: net, tier: 4}\n"
        "notifier:\n  business_hours: {start: 18h, end: 8h}\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", bad, 4,
                                       f->errbuf, sizeof f->errbuf),
                      IM_ECONFIG);
    assert_non_null (strstr (f->errbuf, "desk.yaml:2:5: error: agents[0]: "
                                        "missing name"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:4:5: error: agents[2]: "
                                        "'ann' is listed twice"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:6:5: error: groups[0]: "
                                        "missing tier"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:7:23: error: "
                                        "groups[1].tier"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:9:19: error: "
                                        "notifier.business_hours: start"));
    assert_int_equal (s_error_count (f), 5);
    //  Nothing of it applied: the policy is version 3's still
    assert_int_equal (f->policy->version, 3);
    assert_int_equal (f->policy->agents_n, 2);
}

static void
test_priority_follows_the_matrix (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_policy_t *c = f->rules;
    assert_int_equal (im_policy_priority (c, 1, 1), 1);
    assert_int_equal (im_policy_priority (c, 1, 3), 3);
    assert_int_equal (im_policy_priority (c, 2, 2), 3);
    assert_int_equal (im_policy_priority (c, 3, 1), 3);
    assert_int_equal (im_policy_priority (c, 3, 3), 5);
    assert_int_equal (im_policy_priority (c, 0, 1), 0);
    assert_int_equal (im_policy_priority (c, 1, 4), 0);
    assert_int_equal (im_policy_priority (c, -1, -1), 0);
    assert_int_equal (s_load (f, "classifier:\n  matrix: [[5, 5, 5], "
                                 "[5, 5, 5], [5, 5, 4]]\n"), 0);
    assert_int_equal (im_policy_priority (f->policy, 1, 1), 5);
    assert_int_equal (im_policy_priority (f->policy, 3, 3), 4);
}

static void
test_categorize_matches_whole_words_in_any_case (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const im_policy_t *c = f->rules;
    assert_string_equal (im_policy_categorize (c, "VPN is down"), "network");
    assert_string_equal (im_policy_categorize (c, "cannot reach the "
                                                  "Database!"), "database");
    assert_string_equal (im_policy_categorize (c, "outlook/smtp"), "email");
    assert_string_equal (im_policy_categorize (c, "(printer)"), "hardware");
    //  Parts of words do not count
    assert_string_equal (im_policy_categorize (c, "dnsmasq restarts"),
                         "general");
    assert_string_equal (im_policy_categorize (c, "emails pile up"),
                         "general");
    assert_string_equal (im_policy_categorize (c, "db2"), "general");
    //  UTF-8 letters belong to the word: "vpn\xc3\xa9" is not "vpn"
    assert_string_equal (im_policy_categorize (c, "vpn\xc3\xa9"), "general");
    assert_string_equal (im_policy_categorize (c, ""), "general");
    assert_string_equal (im_policy_categorize (c, NULL), "general");
}

static void
test_categorize_first_category_wins (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  access comes after network in config order, whatever the text order
    assert_string_equal (im_policy_categorize (f->rules,
                                               "password reset over vpn"),
                         "network");
    assert_int_equal (s_load (f,
        "classifier:\n"
        "  default_category: misc\n"
        "  categories:\n"
        "    - {name: access, keywords: [Password]}\n"
        "    - {name: network, keywords: [vpn]}\n"), 0);
    assert_string_equal (im_policy_categorize (f->policy,
                                               "password reset over vpn"),
                         "access");
    assert_string_equal (im_policy_categorize (f->policy, "PASSWORD"),
                         "access");
    assert_string_equal (im_policy_categorize (f->policy, "printer"), "misc");
}

//  Calendars: read into the policy, named by the SLA targets, and every
//  mistake reported at its line and column
static void
test_calendars_are_read_and_named_by_targets (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text =
        "sla:\n"
        "  calendar: business\n"
        "  P1: {response: 15m, resolution: 4h, calendar: 24x7}\n"
        "  request: {calendar: weekend}\n"
        "  pause_on: [awaiting_vendor]\n"
        "  warn_at: [25, 50, 90]\n"
        "calendars:\n"
        "  - name: business\n"
        "    zone: Europe/Berlin\n"
        "    hours: {mon-fri: \"08:00-18:00\", sat: \"09:00-13:00\"}\n"
        "    holidays: [\"12-25\", \"2026-12-31\", last monday of may]\n"
        "    exceptions:\n"
        "      - {date: \"2026-12-24\", hours: \"08:00-12:00\"}\n"
        "      - {date: \"2026-12-28\", hours: closed}\n"
        "  - {name: weekend, always: true}\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", text, 1,
                                       f->errbuf, sizeof f->errbuf), 0);
    assert_int_equal (f->policy->calendars_n, 2);
    const im_calendar_def_t *business =
        im_policy_calendar (f->policy, "business");
    assert_non_null (business);
    assert_string_equal (business->zone, "Europe/Berlin");
    assert_false (business->always);
    assert_int_equal (business->week [0].spans_n, 1);
    assert_int_equal (business->week [0].spans [0].start, 8 * 60);
    assert_int_equal (business->week [4].spans [0].end, 18 * 60);
    assert_int_equal (business->week [5].spans [0].end, 13 * 60);
    assert_int_equal (business->week [6].spans_n, 0);
    assert_int_equal (business->holidays_n, 3);
    assert_int_equal (business->holidays [0].year, 0);
    assert_int_equal (business->holidays [1].year, 2026);
    assert_int_equal (business->holidays [2].nth, -1);
    assert_int_equal (business->exceptions_n, 2);
    assert_int_equal (business->exceptions [0].day.spans [0].end, 12 * 60);
    assert_int_equal (business->exceptions [1].day.spans_n, 0);
    assert_true (im_policy_calendar (f->policy, "weekend")->always);
    assert_true (im_policy_calendar (f->policy, "24x7")->always);
    assert_null (im_policy_calendar (f->policy, "nights"));
    assert_string_equal (im_policy_sla_calendar (f->policy, false, 1),
                         "24x7");
    assert_string_equal (im_policy_sla_calendar (f->policy, false, 2),
                         "business");
    assert_string_equal (im_policy_sla_calendar (f->policy, true, 1),
                         "weekend");
    assert_true (im_policy_pauses (f->policy, "awaiting_vendor"));
    assert_false (im_policy_pauses (f->policy, "awaiting_caller"));
    assert_int_equal (f->policy->warn_at_n, 3);
    assert_int_equal (f->policy->warn_at [2], 90);

    //  The defaults: 24x7 everywhere, pausing for the caller and a
    //  vendor, warnings at half and three quarters
    assert_string_equal (im_policy_sla_calendar (f->rules, false, 3),
                         "24x7");
    assert_true (im_policy_pauses (f->rules, "awaiting_caller"));
    assert_true (im_policy_pauses (f->rules, "awaiting_vendor"));
    assert_false (im_policy_pauses (f->rules, "awaiting_change"));
    assert_int_equal (f->rules->warn_at_n, 2);
    assert_int_equal (f->rules->warn_at [0], 50);
    assert_int_equal (f->rules->warn_at [1], 75);

    const char *bad =
        "sla:\n"
        "  calendar: business\n"
        "  P2: {calendar: nights}\n"
        "  pause_on: [awaiting_godot]\n"
        "  warn_at: [75, 50]\n"
        "calendars:\n"
        "  - {name: business, zone: Europe/Nowhere, hours: {mon: \"9-5\"}}\n"
        "  - {name: 24x7, always: true}\n"
        "  - {name: lazy, zone: UTC}\n"
        "  - name: odd\n"
        "    zone: UTC\n"
        "    hours: {funday: \"08:00-18:00\", mon: \"08:00-18:00\"}\n"
        "    holidays: [\"13-01\"]\n"
        "    exceptions: [{date: \"12-24\"}]\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", bad, 2,
                                       f->errbuf, sizeof f->errbuf),
                      IM_ECONFIG);
    assert_int_equal (f->policy->version, 1);
    assert_non_null (strstr (f->errbuf, "desk.yaml:3:18: error: "
                                        "sla.P2.calendar: no calendar "
                                        "'nights'"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:4:14: error: "
                                        "sla.pause_on[0]: 'awaiting_godot' "
                                        "is not a pending reason"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:5:17: error: "
                                        "sla.warn_at[1]: 50 is not above"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:7:58: error: "
                                        "calendars[0].hours.mon: "));
    assert_non_null (strstr (f->errbuf, "desk.yaml:8:5: error: "
                                        "calendars[1]: '24x7' is the "
                                        "built-in"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:9:5: error: "
                                        "calendars[2]: calendar 'lazy' "
                                        "needs zone and hours"));
    assert_non_null (strstr (f->errbuf, "desk.yaml:12:13: error: "
                                        "calendars[3].hours: "));
    assert_non_null (strstr (f->errbuf, "desk.yaml:13:17: error: "
                                        "calendars[3].holidays[0]: "));
    assert_non_null (strstr (f->errbuf, "desk.yaml:14:18: error: "
                                        "calendars[3].exceptions[0]: "
                                        "missing hours"));
    assert_null (strstr (f->errbuf, "'odd'"));
    assert_int_equal (s_error_count (f), 10);

    //  The zone alone wrong: reported at the zone, by im_calendar_new
    const char *zone = "calendars:\n"
                       "  - name: business\n"
                       "    zone: Europe/Nowhere\n"
                       "    hours: {mon-fri: \"08:00-18:00\"}\n";
    assert_int_equal (im_policy_parse (f->policy, "desk.yaml", zone, 3,
                                       f->errbuf, sizeof f->errbuf),
                      IM_ECONFIG);
    assert_non_null (strstr (f->errbuf, "desk.yaml:3:11: error: "
                                        "calendars[0]: calendar 'business': "
                                        "unknown time zone "
                                        "'Europe/Nowhere'"));
    assert_int_equal (s_error_count (f), 1);

    //  A node's file holds calendars too, for its workers' policy
    assert_int_equal (s_load (f, "sla:\n  calendar: office\ncalendars:\n"
                                 "  - {name: office, zone: Asia/Tokyo, "
                                 "hours: {mon-fri: \"09:00-17:00\"}}\n"), 0);
    assert_string_equal (im_policy_sla_calendar (f->policy, false, 4),
                         "office");
    assert_string_equal (im_policy_calendar (f->policy, "office")->zone,
                         "Asia/Tokyo");
}

//  Errors quote the text, and a policy's go back to the client in a
//  reply of 256 octets at most: cut anywhere, they stay UTF-8
static void
test_errors_cut_short_stay_utf8 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int lead = 0; lead < 2; lead++) {
        char text [512] = "";
        if (lead)
            strcat (text, "x");
        for (int index = 0; index < 200; index++)
            strcat (text, "\xc3\xa9");
        strcat (text, ": 1\n");
        char errbuf [256];
        assert_int_equal (im_policy_parse (f->policy, "policy", text, 1,
                                           errbuf, sizeof errbuf),
                          IM_ECONFIG);
        assert_non_null (strstr (errbuf, "unknown key"));
        assert_true (strlen (errbuf) >= sizeof errbuf - 2);
        assert_true (im_msgpack_utf8_valid (errbuf, strlen (errbuf)));
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_defaults_are_the_documented_values),
        T (test_empty_or_comment_only_file_gives_defaults),
        T (test_sample_config_equals_the_defaults),
        T (test_full_file_sets_every_key),
        T (test_default_sink_follows_the_data_directory),
        T (test_durations_take_every_unit),
        T (test_durations_refuse_bad_text),
        T (test_missing_file_is_not_found),
        T (test_syntax_error_has_its_position),
        T (test_unknown_keys_are_named),
        T (test_http_section_is_read_and_checked),
        T (test_security_is_read_and_checked),
        T (test_wrong_types_are_reported),
        T (test_out_of_range_values_are_reported),
        T (test_matrix_is_checked_cell_by_cell),
        T (test_categories_are_checked),
        T (test_cluster_members_are_read),
        T (test_compose_cluster_config_lists_three_members),
        T (test_cluster_members_are_checked),
        T (test_cross_key_rules_are_checked),
        T (test_every_error_is_reported_and_nothing_applied),
        T (test_errors_fit_a_small_buffer),
        T (test_aliases_and_bad_bytes_are_refused),
        T (test_a_policy_is_parsed_from_text_without_node_settings),
        T (test_a_policy_names_agents_roles_groups_and_tiers),
        T (test_priority_follows_the_matrix),
        T (test_categorize_matches_whole_words_in_any_case),
        T (test_categorize_first_category_wins),
        T (test_errors_cut_short_stay_utf8),
        T (test_calendars_are_read_and_named_by_targets),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
