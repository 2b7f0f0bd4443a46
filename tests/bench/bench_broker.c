/*  bench_broker - the imq-broker process under test

    The benchmark measures the real broker binary, started with
    posix_spawn on a fresh data directory and free TCP ports, exactly as
    an operator would run it, so that the figures include ZeroMQ, the
    Raft thread, libraft's log writes and RocksDB. Its output goes to a
    log file next to the data; when it cannot start, the tail of that log
    is the error. Whatever happens, the destructor stops and reaps it.
    Ports, keys, the spawn and the log's tail are the e2e harness's
    (im_harness_spawn.c): tests and benchmarks start imq one way.
*/
#include "bench_ingest.h"
#include "im_harness.h"
#include <sys/wait.h>
#include <time.h>

#define START_TIMEOUT_MS  30000     //  Leading and answering STATUS
#define CALL_TIMEOUT_MS   10000     //  One STATUS or TIMELINE
#define STOP_TIMEOUT_MS   10000     //  SIGTERM to exit, then SIGKILL

struct _bench_broker_t {
    pid_t pid;                      //  Broker process, 0 once reaped
    char data_dir [512];            //  Its data directory
    char log_path [512];            //  Its stdout and stderr
    char client [64];               //  Client endpoint
    char workers [64];              //  Worker endpoint
    char raft [64];                 //  Raft address host:port
    char http [64];                 //  HTTP address host:port
    im_client_t *control;           //  For STATUS and TIMELINE, owned
    char id [24];                   //  --id of a cluster member, or ""
    char keys [512];                //  Keys directory: <dir>/keys
    bool plain;                     //  --no-curve: no CURVE at all
};

//  Makes the keys directory's certificates, the node's with this
//  broker's endpoints, and makes this process talk as the administrator
//  (IMQ_CERT), as tools/imq-up sets a machine up: the e2e harness's way
//  (im_harness_spawn). Returns 0 or -1.
static int
s_keys (bench_broker_t *self, char *errbuf, size_t errlen)
{
    int id = *self->id ? atoi (self->id) : 1;
    if (imh_keys_first (self->keys)
    ||  imh_node_cert_at (self->keys, id, self->client, self->workers)) {
        snprintf (errbuf, errlen, "cannot make the certificates in %s "
                  "(printed above)", self->keys);
        return -1;
    }
    return 0;
}

//  Copies the last part of the broker's log into errbuf after prefix
static void
s_log_tail (bench_broker_t *self, const char *prefix, char *errbuf,
            size_t errlen)
{
    char tail [1200];
    imh_file_tail (self->log_path, tail, sizeof tail);
    snprintf (errbuf, errlen, "%s; broker log %s ends with:\n%s", prefix,
              self->log_path, tail);
}

//  True while the broker runs; reaps it when it has exited
static bool
s_alive (bench_broker_t *self)
{
    if (self->pid == 0)
        return false;
    int status;
    if (waitpid (self->pid, &status, WNOHANG) == self->pid) {
        self->pid = 0;
        return false;
    }
    return true;
}

static int
s_spawn (bench_broker_t *self, const char *path, const char *config)
{
    const char *argv [20];
    size_t argc = 0;
    argv [argc++] = path;
    argv [argc++] = "-d";
    argv [argc++] = self->data_dir;
    argv [argc++] = "--client";
    argv [argc++] = self->client;
    argv [argc++] = "--workers";
    argv [argc++] = self->workers;
    argv [argc++] = "--raft";
    argv [argc++] = self->raft;
    argv [argc++] = "--http";
    argv [argc++] = self->http;
    argv [argc++] = "--keys";
    argv [argc++] = self->keys;
    if (self->plain)
        argv [argc++] = "--no-curve";
    if (config) {
        argv [argc++] = "-c";
        argv [argc++] = config;
    }
    if (*self->id) {
        argv [argc++] = "--id";
        argv [argc++] = self->id;
    }
    argv [argc] = NULL;
    self->pid = imh_spawn (argv, self->log_path, true, true);
    if (self->pid < 0) {
        self->pid = 0;
        return -1;
    }
    return 0;
}

//  Starts a broker named name (its data and log in dir) on ports
//  (client, workers, raft, HTTP), as cluster member id when id is not 0,
//  and waits until it answers STATUS (as leader, when leader is true)
static bench_broker_t *
s_new (const char *path, const char *config, const char *dir,
       const char *name, uint64_t id, const int *ports, bool leader,
       bool plain, char *errbuf, size_t errlen)
{
    bench_broker_t *self = (bench_broker_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->plain = plain;
    if (id)
        snprintf (self->id, sizeof self->id, "%" PRIu64, id);
    snprintf (self->data_dir, sizeof self->data_dir, "%s/%s", dir, name);
    snprintf (self->log_path, sizeof self->log_path, "%s/%s.log", dir,
              name);
    snprintf (self->client, sizeof self->client, "tcp://127.0.0.1:%d",
              ports [0]);
    snprintf (self->workers, sizeof self->workers, "tcp://127.0.0.1:%d",
              ports [1]);
    snprintf (self->raft, sizeof self->raft, "127.0.0.1:%d", ports [2]);
    snprintf (self->http, sizeof self->http, "127.0.0.1:%d", ports [3]);
    snprintf (self->keys, sizeof self->keys, "%s/keys", dir);
    if (plain)
        unsetenv ("IMQ_CERT");      //  This process's clients: plain too
    else
    if (s_keys (self, errbuf, errlen)) {
        bench_broker_destroy (&self);
        return NULL;
    }
    if (s_spawn (self, path, config)) {
        snprintf (errbuf, errlen, "cannot start %s: %s", path,
                  strerror (errno));
        bench_broker_destroy (&self);
        return NULL;
    }
    self->control = im_client_new (self->client, 1000);
    if (!self->control) {
        snprintf (errbuf, errlen, "cannot connect to %s", self->client);
        bench_broker_destroy (&self);
        return NULL;
    }
    //  It binds the client endpoint once it leads: poll STATUS until
    //  it answers as leader, the process exits, or the deadline passes
    uint64_t deadline = bench_now_us () + START_TIMEOUT_MS * 1000ull;
    bool ready = false;
    while (!ready && s_alive (self) && !zsys_interrupted
    &&     bench_now_us () < deadline) {
        im_reply_t *reply = im_client_call (self->control, "STATUS", NULL,
                                            NULL, false);
        ready = reply && reply->status == 200
             && (!leader
                 || streq (im_fields_str_or (reply->body, "raft_state", ""),
                           "leader"));
        im_reply_destroy (&reply);
    }
    if (!ready) {
        s_log_tail (self, self->pid ? "the broker did not answer STATUS "
                                      "(as leader) within 30 s"
                                    : "the broker exited at start",
                    errbuf, errlen);
        bench_broker_destroy (&self);
        return NULL;
    }
    //  Calls from now on may wait longer: the broker may be busy
    im_client_destroy (&self->control);
    self->control = im_client_new (self->client, CALL_TIMEOUT_MS);
    if (!self->control) {
        snprintf (errbuf, errlen, "cannot connect to %s", self->client);
        bench_broker_destroy (&self);
    }
    return self;
}

bench_broker_t *
bench_broker_new (const char *path, const char *config, const char *dir,
                  char *errbuf, size_t errlen)
{
    assert (path && dir);
    int ports [4];
    if (imh_free_ports (ports, 4)) {
        snprintf (errbuf, errlen, "cannot find free ports: %s",
                  strerror (errno));
        return NULL;
    }
    return s_new (path, config, dir, "broker", 0, ports, true, false,
                  errbuf, errlen);
}

bench_broker_t *
bench_broker_new_plain (const char *path, const char *dir, char *errbuf,
                        size_t errlen)
{
    assert (path && dir);
    int ports [4];
    if (imh_free_ports (ports, 4)) {
        snprintf (errbuf, errlen, "cannot find free ports: %s",
                  strerror (errno));
        return NULL;
    }
    return s_new (path, NULL, dir, "broker-plain", 0, ports, true, true,
                  errbuf, errlen);
}

bench_broker_t *
bench_broker_new_member (const char *path, const char *config,
                         const char *dir, uint64_t id, const int *ports,
                         char *errbuf, size_t errlen)
{
    assert (path && config && dir && id && ports);
    char name [32];
    snprintf (name, sizeof name, "node%" PRIu64, id);
    return s_new (path, config, dir, name, id, ports, false, false, errbuf,
                  errlen);
}

void
bench_broker_kill (bench_broker_t *self)
{
    assert (self);
    if (self->pid > 0) {
        kill (-self->pid, SIGKILL);
        waitpid (self->pid, NULL, 0);
        self->pid = 0;
    }
}

void
bench_broker_destroy (bench_broker_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        bench_broker_t *self = *self_p;
        im_client_destroy (&self->control);
        if (s_alive (self)) {
            pid_t group = self->pid;
            kill (-group, SIGTERM);
            uint64_t deadline = bench_now_us () + STOP_TIMEOUT_MS * 1000ull;
            while (s_alive (self) && bench_now_us () < deadline) {
                struct timespec pause = { 0, 10 * 1000 * 1000 };
                nanosleep (&pause, NULL);
            }
            if (s_alive (self)) {
                fprintf (stderr, "bench: broker %d ignored SIGTERM for "
                         "10 s: killing it\n", (int) self->pid);
                kill (-group, SIGKILL);
                waitpid (self->pid, NULL, 0);
                self->pid = 0;
            }
        }
        free (self);
        *self_p = NULL;
    }
}

const char *
bench_broker_client_endpoint (bench_broker_t *self)
{
    return self->client;
}

const char *
bench_broker_http_address (bench_broker_t *self)
{
    return self->http;
}

const char *
bench_broker_worker_endpoint (bench_broker_t *self)
{
    return self->workers;
}

pid_t
bench_broker_pid (bench_broker_t *self)
{
    return self->pid;
}

int
bench_broker_token (bench_broker_t *self, char *token, char *errbuf,
                    size_t errlen)
{
    token [0] = 0;
    if (self->plain)
        return 0;
    char id [IM_TOKEN_ID_TEXT], hash [IM_TOKEN_HASH_TEXT];
    im_fields_t *body = im_fields_new ();
    if (!body || im_token_make (token, id, hash)
    ||  im_fields_set_str (body, "action", "token")
    ||  im_fields_set_str (body, "name", "admin")
    ||  im_fields_set_str (body, "token_id", id)
    ||  im_fields_set_str (body, "token_hash", hash)) {
        im_fields_destroy (&body);
        snprintf (errbuf, errlen, "cannot make a token");
        return -1;
    }
    im_reply_t *reply = im_client_call (self->control, "PRINCIPAL", NULL,
                                        body, false);
    im_fields_destroy (&body);
    int rc = reply && reply->status == 200 ? 0 : -1;
    if (rc)
        snprintf (errbuf, errlen, "PRINCIPAL token: %s", reply
                  ? im_fields_str_or (reply->body, "error", "error")
                  : im_client_errmsg (self->control));
    im_reply_destroy (&reply);
    return rc;
}

int
bench_broker_status (bench_broker_t *self, const char *group,
                     bench_status_t *status, char *errbuf, size_t errlen)
{
    memset (status, 0, sizeof *status);
    if (!s_alive (self)) {
        s_log_tail (self, "the broker is gone", errbuf, errlen);
        return -1;
    }
    im_reply_t *reply = im_client_call (self->control, "STATUS", NULL, NULL,
                                        false);
    if (!reply || reply->status != 200) {
        snprintf (errbuf, errlen, "STATUS: %s", reply
                  ? im_fields_str_or (reply->body, "error", "error")
                  : im_client_errmsg (self->control));
        im_reply_destroy (&reply);
        return -1;
    }
    status->last_seq = (uint64_t) im_fields_int_or (reply->body, "last_seq",
                                                    0);
    status->commit_index = (uint64_t) im_fields_int_or (reply->body,
                                                        "commit_index", 0);
    im_fields_t *item = reply->items
                      ? (im_fields_t *) zlist_first (reply->items) : NULL;
    while (item && group) {
        if (streq (im_fields_str_or (item, "group", ""), group)) {
            status->group_found = true;
            status->group_lag = im_fields_int_or (item, "lag", -1);
            status->group_offset = im_fields_int_or (item, "offset", -1);
        }
        item = (im_fields_t *) zlist_next (reply->items);
    }
    im_reply_destroy (&reply);
    return 0;
}

//  Reads "key: value kB" from a /proc status text
static uint64_t
s_status_kb (const char *text, const char *key)
{
    const char *at = strstr (text, key);
    return at ? strtoull (at + strlen (key), NULL, 10) : 0;
}

int
bench_broker_memory (bench_broker_t *self, bench_memory_t *memory)
{
    memset (memory, 0, sizeof *memory);
    char path [64], text [4096];
    snprintf (path, sizeof path, "/proc/%d/status", (int) self->pid);
    FILE *file = self->pid ? fopen (path, "r") : NULL;
    if (!file)
        return -1;
    size_t size = fread (text, 1, sizeof text - 1, file);
    text [size] = 0;
    fclose (file);
    memory->hwm_kb = s_status_kb (text, "VmHWM:");
    memory->rss_kb = s_status_kb (text, "VmRSS:");
    memory->anon_kb = s_status_kb (text, "RssAnon:");
    memory->file_kb = s_status_kb (text, "RssFile:");
    return memory->rss_kb ? 0 : -1;
}

int
bench_broker_memory_reset (bench_broker_t *self)
{
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/clear_refs", (int) self->pid);
    FILE *file = self->pid ? fopen (path, "w") : NULL;
    if (!file)
        return -1;
    int rc = fputs ("5", file) < 0 ? -1 : 0;  //  5: reset the peak RSS
    return fclose (file) || rc ? -1 : 0;
}

int
bench_broker_event_size (bench_broker_t *self, int64_t incident,
                         size_t *size, char *errbuf, size_t errlen)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", incident);
    im_reply_t *reply = im_client_call (self->control, "TIMELINE", NULL, body,
                                        true);
    im_fields_destroy (&body);
    zframe_t *first = reply && reply->status == 200 && reply->raw_items
                    ? (zframe_t *) zlist_first (reply->raw_items) : NULL;
    if (first)
        *size = zframe_size (first);
    else
        snprintf (errbuf, errlen, "TIMELINE %" PRId64 ": %s", incident,
                  reply ? im_fields_str_or (reply->body, "error", "no event")
                        : im_client_errmsg (self->control));
    im_reply_destroy (&reply);
    return first ? 0 : -1;
}
