/*  im_harness - a private imq node for one end-to-end test

    The temp directory, the endpoints and the configuration file, the
    teardown that leaves nothing behind, and the polling wait every
    test uses instead of sleeping. The children are in
    im_harness_proc.c.
*/
#include "im_harness_private.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

void
imh_options_default (imh_options_t *options)
{
    assert (options);
    memset (options, 0, sizeof *options);
    for (size_t index = 0; index < 5; index++) {
        options->response_ms [index] = 3600 * 1000;
        options->resolution_ms [index] = 4 * 3600 * 1000;
    }
    options->heartbeat_ms = 250;
    options->expiry_ms = 1500;
    options->http_body_max = 1024 * 1024;
    options->http_inflight_max = 64;
}

//  Creates path and its missing parents (mkdir -p)
static int
s_mkdir_p (const char *path)
{
    char copy [IMH_PATH_MAX];
    if (im_strlcpy (copy, path, sizeof copy))
        return -1;
    for (char *cursor = copy + 1; *cursor; cursor++)
        if (*cursor == '/') {
            *cursor = 0;
            if (mkdir (copy, 0755) && errno != EEXIST)
                return -1;
            *cursor = '/';
        }
    return mkdir (copy, 0755) && errno != EEXIST ? -1 : 0;
}

//  Picks a TCP port on 127.0.0.1 that is free now: binds port 0, reads
//  the port the kernel gave, closes. Returns the port or 0.
//  Sets endpoint to ipc://<dir>/<file> when that path fits a Unix
//  socket address, else to tcp://127.0.0.1:<free port>
static int
s_endpoint (imh_t *self, const char *file, char *endpoint, size_t size)
{
    struct sockaddr_un unix_address;
    char path [IMH_DIR_MAX + 32];
    snprintf (path, sizeof path, "%s/%s", self->dir, file);
    if (strlen (path) < sizeof unix_address.sun_path) {
        snprintf (endpoint, size, "ipc://%s", path);
        return 0;
    }
    int port = imh_free_port ();
    if (!port)
        return -1;
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", port);
    return 0;
}

//  Writes imq.yaml: this node's endpoints and data, the test's SLA
//  targets, a sink in the temp directory and one breach recipient
static int
s_write_config (imh_t *self, const imh_options_t *options)
{
    FILE *file = fopen (self->config_path, "w");
    if (!file)
        return -1;
    fprintf (file,
        "#  written by im_harness for one end-to-end test\n"
        "node:\n"
        "  id: 1\n"
        "  data: %s\n"
        "  client: %s\n"
        "  workers: %s\n"
        "  raft: %s\n"
        "  worker_heartbeat: %" PRIu32 "ms\n"
        "  worker_expiry: %" PRIu32 "ms\n",
        self->data_dir, self->client_endpoint, self->worker_endpoint,
        self->raft_address, options->heartbeat_ms, options->expiry_ms);
    if (options->queue_max)
        fprintf (file, "  queue_max: %zu\n  batch_max: %zu\n",
                 options->queue_max, options->queue_max);
    if (options->write_buffer_mb)
        fprintf (file, "  write_buffer_mb: %u\n", options->write_buffer_mb);
    if (options->snapshot_threshold)
        fprintf (file, "  snapshot_threshold: %u\n  snapshot_trailing: %u\n",
                 options->snapshot_threshold,
                 options->snapshot_threshold / 4 + 1);
    fprintf (file,
        "http:\n"
        "  listen: %s\n"
        "  body_max: %zu\n"
        "  inflight_max: %zu\n"
        "  alert_resolve: %s\n",
        self->http_address, options->http_body_max,
        options->http_inflight_max,
        options->alert_record ? "record" : "auto");
    if (options->copies_window_ms)
        fprintf (file, "  alert_copies_window: %" PRIu32 "ms\n",
                 options->copies_window_ms);
    if (options->http_connections_max)
        fprintf (file, "  connections_max: %zu\n",
                 options->http_connections_max);
    if (options->http_per_client)
        fprintf (file, "  connections_per_client: %zu\n",
                 options->http_per_client);
    if (options->http_header_ms)
        fprintf (file, "  header_timeout: %" PRIu32 "ms\n",
                 options->http_header_ms);
    if (options->http_body_ms)
        fprintf (file, "  body_timeout: %" PRIu32 "ms\n",
                 options->http_body_ms);
    fprintf (file, "security:\n  keys: %s\n", self->keys_dir);
    fprintf (file, "sla:\n");
    for (size_t index = 0; index < 5; index++)
        fprintf (file, "  P%zu: {response: %" PRIu64 "ms, resolution: %"
                 PRIu64 "ms}\n", index + 1, options->response_ms [index],
                 options->resolution_ms [index]);
    fprintf (file,
        "notifier:\n"
        "  sink: %s\n"
        "  breach_recipients: [duty-manager]\n", self->sink_dir);
    return fclose (file) ? -1 : 0;
}

//  The certificates a test starts with: the administrator, whom the
//  test process and its programs talk as (IMQ_CERT, IMQ_KEYS), each
//  worker kind, and the node. Made before anything starts, so that a
//  client made before the broker finds the node's key.
static int
s_keys_new (imh_t *self)
{
    if (imh_keys_first (self->keys_dir))
        return -1;
    return imh_node_cert (self, 1, self->client_endpoint,
                          self->worker_endpoint);
}

int
imh_cert (imh_t *self, const char *name, const char *roles, char *path,
          size_t size)
{
    assert (self && name && roles && path);
    char errbuf [256] = "";
    snprintf (path, size, "%s/%s.key_secret", self->keys_dir, name);
    if (access (path, R_OK) == 0)
        return 0;
    if (im_curve_keygen (self->keys_dir, name, roles, NULL, NULL, errbuf,
                         sizeof errbuf) < 0) {
        fprintf (stderr, "im_harness: %s\n", errbuf);
        return -1;
    }
    return 0;
}

zsock_t *
imh_dealer (imh_t *self, const char *endpoint, const char *as)
{
    assert (self && endpoint);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    char errbuf [256] = "", path [IMH_PATH_MAX + 80];
    im_curve_t *curve = NULL;
    if (as && imh_cert (self, as, as, path, sizeof path) == 0)
        curve = im_curve_new (path, self->keys_dir, errbuf, sizeof errbuf);
    int rc = as ? (curve ? im_curve_client (curve, dealer, endpoint, errbuf,
                                            sizeof errbuf)
                         : -1)
                : im_curve_client_env (dealer, endpoint, errbuf,
                                       sizeof errbuf);
    im_curve_destroy (&curve);
    if (dealer && (rc || zsock_connect (dealer, "%s", endpoint))) {
        fprintf (stderr, "im_harness: %s\n", *errbuf ? errbuf : endpoint);
        zsock_destroy (&dealer);
    }
    return dealer;
}

im_client_t *
imh_client_as (imh_t *self, const char *endpoint, const char *name,
               const char *roles, int timeout_ms, im_curve_t **curve_p)
{
    assert (self && endpoint && name && roles && curve_p);
    char path [IMH_PATH_MAX + 80], errbuf [256] = "";
    *curve_p = imh_cert (self, name, roles, path, sizeof path) == 0
             ? im_curve_new (path, self->keys_dir, errbuf, sizeof errbuf)
             : NULL;
    if (!*curve_p) {
        fprintf (stderr, "im_harness: %s\n", *errbuf ? errbuf : name);
        return NULL;
    }
    return im_client_new_curve (endpoint, timeout_ms, *curve_p);
}

int
imh_call_status (im_client_t *client, const char *verb,
                 const im_fields_t *body)
{
    assert (client && verb);
    im_reply_t *reply = im_client_call (client, verb, NULL, body, false);
    int status = reply ? reply->status : 0;
    im_reply_destroy (&reply);
    return status;
}

const char *
imh_keys_dir (imh_t *self)
{
    assert (self);
    return self->keys_dir;
}

int
imh_node_cert (imh_t *self, int id, const char *client, const char *workers)
{
    return imh_node_cert_at (self->keys_dir, id, client, workers);
}

imh_t *
imh_new (const char *name, const imh_options_t *options)
{
    assert (name);
    imh_options_t defaults;
    imh_options_default (&defaults);
    if (!options)
        options = &defaults;
    imh_t *self = (imh_t *) calloc (1, sizeof (imh_t));
    if (!self)
        return NULL;
    self->broker = -1;
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf (self->dir, sizeof self->dir, "%s/e2e-%s-XXXXXX", base, name);
    if (s_mkdir_p (base) || !mkdtemp (self->dir)) {
        fprintf (stderr, "im_harness: cannot make a directory in %s: %s\n",
                 base, strerror (errno));
        free (self);
        return NULL;
    }
    snprintf (self->data_dir, sizeof self->data_dir, "%s/data", self->dir);
    snprintf (self->sink_dir, sizeof self->sink_dir, "%s/sink", self->dir);
    snprintf (self->keys_dir, sizeof self->keys_dir, "%s/keys", self->dir);
    snprintf (self->config_path, sizeof self->config_path, "%s/imq.yaml",
              self->dir);
    //  Both at once: two ports picked one after the other may be the
    //  same one (it was, once: the broker could not serve HTTP)
    int ports [2] = { 0, 0 };
    int rc = imh_free_ports (ports, 2);
    snprintf (self->raft_address, sizeof self->raft_address,
              "127.0.0.1:%d", ports [0]);
    snprintf (self->http_address, sizeof self->http_address,
              "127.0.0.1:%d", ports [1]);
    if (rc
    ||  s_endpoint (self, "client.ipc", self->client_endpoint,
                    sizeof self->client_endpoint)
    ||  s_endpoint (self, "workers.ipc", self->worker_endpoint,
                    sizeof self->worker_endpoint)
    ||  s_write_config (self, options)
    ||  s_keys_new (self)) {
        fprintf (stderr, "im_harness: cannot set up %s\n", self->dir);
        imh_destroy (&self);
    }
    return self;
}

//  Removes a directory tree; returns 0 or -1
static int
s_remove_tree (const char *path)
{
    DIR *dir = opendir (path);
    if (!dir)
        return unlink (path);
    int rc = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (streq (entry->d_name, ".") || streq (entry->d_name, ".."))
            continue;
        char child [IMH_PATH_MAX];
        snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
        struct stat info;
        if (lstat (child, &info) == 0 && S_ISDIR (info.st_mode))
            rc |= s_remove_tree (child);
        else
            rc |= unlink (child);
    }
    closedir (dir);
    return rc | rmdir (path);
}

int
imh_run_test (const char *name, void (*test) (void **state),
              int (*setup) (void **state))
{
    assert (name && test);
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        { name, test, setup, imh_teardown, NULL }
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

int
imh_teardown (void **state)
{
    imh_t *harness = (imh_t *) *state;
    int rc = harness && !imh_logs_clean (harness) ? -1 : 0;
    imh_destroy (&harness);
    *state = NULL;
    return rc;
}

void
imh_destroy (imh_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imh_t *self = *self_p;
        zlistx_destroy (&self->writes);
        im_client_destroy (&self->client);
        for (int node = 0; node < IMH_NODES_MAX; node++) {
            im_client_destroy (&self->nodes [node].client);
            for (size_t index = 0; index < self->nodes [node].prefix_n;
                 index++)
                free (self->nodes [node].prefix [index]);
        }
        for (int slot = 0; slot < self->procs_n; slot++) {
            imh_kill (self, slot);
            if (!self->passed)
                imh_print_log (self, slot);
            for (size_t index = 0; index < self->procs [slot].args_n; index++)
                free (self->procs [slot].args [index]);
        }
        if (!self->passed)
            fprintf (stderr, "im_harness: test failed; config was:\n");
        if (!self->passed) {
            char *config = imh_read_file (self->config_path);
            fprintf (stderr, "%s", config ? config : "(none)\n");
            free (config);
        }
        if (getenv ("IM_TEST_KEEP"))
            fprintf (stderr, "im_harness: kept %s\n", self->dir);
        else
            s_remove_tree (self->dir);
        free (self);
        *self_p = NULL;
    }
}

void
imh_passed (imh_t *self)
{
    assert (self);
    self->passed = true;
}

const char *
imh_dir (imh_t *self)
{
    return self->dir;
}

const char *
imh_client_endpoint (imh_t *self)
{
    return self->client_endpoint;
}

const char *
imh_worker_endpoint (imh_t *self)
{
    return self->worker_endpoint;
}

const char *
imh_config_path (imh_t *self)
{
    return self->config_path;
}

const char *
imh_http_address (imh_t *self)
{
    return self->http_address;
}

const char *
imh_sink_dir (imh_t *self)
{
    return self->sink_dir;
}

bool
imh_wait_for (imh_condition_fn *fn, void *arg, int deadline_ms)
{
    assert (fn);
    uint64_t deadline = im_mono_ms () + (uint64_t) deadline_ms;
    while (true) {
        if (fn (arg))
            return true;
        if (im_mono_ms () >= deadline)
            return false;
        //  The poll interval, not a wait for something to happen
        zclock_sleep (IMH_POLL_MS);
    }
}

int
imh_setup_node (void **state, const char *name)
{
    imh_t *self = imh_new_node (name, NULL, true, NULL);
    *state = self;
    return self ? 0 : -1;
}

int
imh_sink_lines (imh_t *self, const char *recipient, int64_t id,
                const char *reason)
{
    char path [IMH_PATH_MAX + 80], incident [40], why [64];
    snprintf (path, sizeof path, "%s/%s.log", imh_sink_dir (self),
              recipient);
    snprintf (incident, sizeof incident, "incident=%" PRId64 " ", id);
    snprintf (why, sizeof why, "reason=%s ", reason);
    char *text = imh_read_file (path);
    int count = imh_count_lines (text, incident, why, NULL);
    free (text);
    return count;
}
