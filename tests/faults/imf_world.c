/*  imf_world - one run of one scenario, from setup to check

    The end of a run is where faults show: everything the schedule did
    is undone first (so that a partition or a paused node cannot pass
    for a loss), then the run waits for the cluster to take every write
    and agree, and only then reads the stores. A node that cannot be
    started again is left out of the comparison and said to be down.
*/
#include "imf_world_private.h"
#include "imc_store.h"

//  Appends the wrapper of node's broker to argv from *count: the I/O
//  shim's environment, then its namespace
static void
s_broker_prefix (imf_world_t *self, int node, const char **argv,
                 size_t *count, char *arm, char *seed)
{
    argv [(*count)++] = "/usr/bin/env";
    if (self->scenario->needs.iofail) {
        argv [(*count)++] = "LD_PRELOAD=" IMF_IOFAIL_PATH;
        char path [512];
        imf_world_arm_path (self, node, path, sizeof path);
        snprintf (arm, 600, "IMF_IOFAIL_ARM=%s", path);
        argv [(*count)++] = arm;
        snprintf (seed, 64, "IMF_IOFAIL_SEED=%" PRIu64, self->seed);
        argv [(*count)++] = seed;
    }
    if (self->net) {
        argv [(*count)++] = "ip";
        argv [(*count)++] = "netns";
        argv [(*count)++] = "exec";
        argv [(*count)++] = imf_net_ns (self->net, node);
    }
    argv [*count] = NULL;
}

//  Starts the three workers, the SLA timer under libfaketime when the
//  scenario moves its clock; returns 0 or -1
static int
s_start_workers (imf_world_t *self)
{
    static const imh_program_t programs [IMF_WORKERS] = {
        IMH_CLASSIFIER, IMH_SLA_TIMER, IMH_NOTIFIER
    };
    static const char *names [IMF_WORKERS] = {
        "classifier-1", "sla-1", "notifier-1"
    };
    static const char *groups [IMF_WORKERS] = {
        "classifier", "sla", "notifier"
    };
    char preload [600], clock [600];
    snprintf (preload, sizeof preload, "LD_PRELOAD=%s", IMF_FAKETIME_PATH);
    snprintf (clock, sizeof clock, "FAKETIME_TIMESTAMP_FILE=%s",
              self->clock_file);
    for (int index = 0; index < IMF_WORKERS; index++) {
        const char *argv [16];
        size_t count = 0;
        if (index == 1 && *self->clock_file) {
            argv [count++] = "/usr/bin/env";
            argv [count++] = preload;
            argv [count++] = clock;
            argv [count++] = "FAKETIME_NO_CACHE=1";
            argv [count++] = "FAKETIME_DONT_FAKE_MONOTONIC=1";
        }
        argv [count++] = imh_program_path (programs [index]);
        argv [count++] = "-c";
        argv [count++] = imh_config_path (self->harness);
        argv [count++] = "--instance";
        argv [count++] = names [index];
        argv [count] = NULL;
        self->workers [index] = imh_start_command (self->harness,
                                                   names [index], argv);
        if (self->workers [index] < 0)
            return -1;
    }
    for (int index = 0; index < IMF_WORKERS; index++)
        if (!imh_wait_instances (self->harness, groups [index], 1,
                                 IMF_WAIT_MS)) {
            fprintf (stderr, "imf_world: no %s joined\n", groups [index]);
            return -1;
        }
    return 0;
}

void
imf_world_arm_path (imf_world_t *self, int node, char *path, size_t size)
{
    snprintf (path, size, "%s/iofail-node%d", imh_dir (self->harness), node);
}

//  Places each node (namespace, shim) before the cluster starts
static int
s_place_nodes (imf_world_t *self)
{
    for (int node = 1; node <= IMF_NODES; node++) {
        const char *argv [16];
        char arm [600], seed [64];
        size_t count = 0;
        s_broker_prefix (self, node, argv, &count, arm, seed);
        const char *host = self->net ? imf_net_host (self->net, node) : "";
        if (count > 1
        &&  imh_cluster_place (self->harness, node, host, argv))
            return -1;
    }
    return 0;
}

imf_world_t *
imf_world_new (const imf_scenario_t *scenario, uint64_t seed)
{
    assert (scenario);
    imf_world_t *self = (imf_world_t *) calloc (1, sizeof (imf_world_t));
    if (!self)
        return NULL;
    self->scenario = scenario;
    self->seed = seed;
    self->rng.state = seed ^ 0x5eedull;
    snprintf (self->prefix, sizeof self->prefix, "f%08x",
              (unsigned) (seed & 0xffffffffu));
    imh_options_t options;
    imh_options_default (&options);
    options.snapshot_threshold = scenario->needs.snapshot_threshold;
    //  Every incident's response clock breaches during the run, so the
    //  SLA timer and the notifier work as the load does (breach notices
    //  in the sink); a clock jump needs the long targets to jump past
    for (int index = 0; index < 5 && !scenario->needs.faketime; index++)
        options.response_ms [index] = IMF_RESPONSE_MS;
    self->harness = imh_new ("faults", &options);
    if (!self->harness) {
        imf_world_destroy (&self);
        return NULL;
    }
    if (scenario->needs.net && !(self->net = imf_net_new (IMF_NODES))) {
        imf_world_destroy (&self);
        return NULL;
    }
    if (scenario->needs.tmpfs) {
        char data [512];
        imh_node_data (self->harness, 1, data, sizeof data);
        if (imf_disk_mount (data, IMF_TMPFS_MB)) {
            imf_world_destroy (&self);
            return NULL;
        }
        im_strlcpy (self->tmpfs, data, sizeof self->tmpfs);
    }
    if (scenario->needs.faketime) {
        snprintf (self->clock_file, sizeof self->clock_file, "%s/clock",
                  imh_dir (self->harness));
        FILE *file = fopen (self->clock_file, "w");
        if (!file || fprintf (file, "+0\n") < 0 || fclose (file)) {
            imf_world_destroy (&self);
            return NULL;
        }
    }
    if (s_place_nodes (self)
    ||  imh_cluster_start (self->harness, IMF_NODES)
    ||  s_start_workers (self)) {
        fprintf (stderr, "imf_world: the cluster did not come up\n");
        imf_world_destroy (&self);
    }
    return self;
}

void
imf_world_destroy (imf_world_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imf_world_t *self = *self_p;
        imf_load_destroy (&self->load);
        //  Children first (imh_destroy kills them), then what they used.
        //  Their logs stay in the directory (kept when the run failed)
        if (self->harness) {
            for (int node = 1; node <= IMF_NODES; node++)
                if (self->stopped [node])
                    imh_signal (self->harness,
                                imh_node_slot (self->harness, node), SIGCONT);
            imh_passed (self->harness);
        }
        char tmpfs [sizeof self->tmpfs];
        memcpy (tmpfs, self->tmpfs, sizeof tmpfs);
        if (*tmpfs && self->harness) {
            imh_kill_all (self->harness);
            imf_disk_umount (tmpfs);
        }
        imh_destroy (&self->harness);
        imf_net_destroy (&self->net);
        free (self);
        *self_p = NULL;
    }
}

//  Reads node's store from disk into the checker; returns the number
//  of events, or -1 when the store cannot be read (printed)
typedef struct {
    imf_check_t *check;             //  Where events go
    int node;                       //  Whose
    size_t count;                   //  Events read
    size_t breaches;                //  sla.breached among them
} s_reader_t;

static int
s_read_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_reader_t *reader = (s_reader_t *) arg;
    imf_event_t event;
    memset (&event, 0, sizeof event);
    event.seq = seq;
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t index = 0; index < size; index++)
        hash = (hash ^ ((const unsigned char *) data) [index])
             * 0x100000001b3ull;
    event.digest = hash;
    im_event_t *decoded = im_event_new ();
    char errbuf [128];
    if (decoded && im_event_decode (decoded, data, size, errbuf,
                                    sizeof errbuf) == 0) {
        event.incident = decoded->incident;
        const char *type = im_event_type_name (decoded->type);
        im_strlcpy (event.type, type ? type : "?", sizeof event.type);
        im_strlcpy (event.request_id, decoded->request_id,
                    sizeof event.request_id);
        reader->breaches += streq (event.type, "sla.breached");
    }
    else
        im_strlcpy (event.type, "undecodable", sizeof event.type);
    im_event_destroy (&decoded);
    imf_check_event (reader->check, reader->node, &event);
    reader->count++;
    return 0;
}

static int64_t
s_read_store (imf_world_t *self, int node, imf_check_t *check,
              size_t *breaches)
{
    char data [512], path [600], errbuf [512] = "";
    imh_node_data (self->harness, node, data, sizeof data);
    snprintf (path, sizeof path, "%s/store", data);
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;
    imc_store_t *store = imc_store_new (path, &options, errbuf, sizeof errbuf);
    if (!store) {
        printf ("  node %d: store unreadable: %s\n", node, errbuf);
        return -1;
    }
    s_reader_t reader = { check, node, 0, 0 };
    int rc = imc_store_events_scan (store, 1, 0, s_read_event, &reader);
    if (rc)
        printf ("  node %d: reading events failed after %zu: %s\n", node,
                reader.count, imc_store_errmsg (store));
    imc_store_destroy (&store);
    if (breaches && reader.breaches > *breaches)
        *breaches = reader.breaches;
    return rc ? -1 : (int64_t) reader.count;
}

const char *
imf_world_dir (imf_world_t *self)
{
    assert (self);
    return imh_dir (self->harness);
}

void
imf_world_note_ends (imf_world_t *self)
{
    assert (self);
    for (int node = 1; node <= IMF_NODES; node++) {
        int slot = imh_node_slot (self->harness, node);
        if (imh_running (self->harness, slot) || self->killed [node]
        ||  self->ended [node])
            continue;
        self->ended [node] = true;
        int signal = imh_end_signal (self->harness, slot);
        if (signal) {
            self->crashes++;
            printf ("    node %d CRASHED (signal %d, %s)\n", node, signal,
                    strsignal (signal));
        }
        else {
            self->exits++;
            printf ("    node %d exited by itself\n", node);
        }
    }
}

//  Brings back every process: nodes and workers that died
static void
s_restart_dead (imf_world_t *self)
{
    imf_world_note_ends (self);
    for (int node = 1; node <= IMF_NODES; node++)
        if (!imh_running (self->harness, imh_node_slot (self->harness, node)))
        {
            printf ("  node %d was down at the end: restarted\n", node);
            imh_node_restart (self->harness, node);
            self->killed [node] = self->ended [node] = false;
        }
    for (int index = 0; index < IMF_WORKERS; index++)
        if (!imh_running (self->harness, self->workers [index]))
            imh_restart (self->harness, self->workers [index]);
}

//  Undoes the faults, waits for every write and for agreement, stops
//  everything and checks; returns the problems
static size_t
s_finish (imf_world_t *self, imf_outcome_t *outcome)
{
    imh_t *h = self->harness;
    imf_world_heal (self);
    s_restart_dead (self);
    outcome->unanswered = imf_load_drain (self->load, IMF_WAIT_MS);
    bool converged = imh_cluster_converged (h, IMF_WAIT_MS);
    bool settled = converged && imh_wait_settled (h, IMF_WAIT_MS);
    outcome->converged = converged && settled;
    if (!outcome->converged)
        printf ("  the cluster did not %s within %d ms\n",
                converged ? "settle (workers' lag)" : "converge",
                IMF_WAIT_MS);
    imf_load_stats (self->load, &outcome->load);
    //  Workers first, so that the sink is final; then the brokers, so
    //  that each store is closed and flushed before it is read
    for (int index = 0; index < IMF_WORKERS; index++)
        imh_stop (h, self->workers [index], 5000);
    imf_world_note_ends (self);
    bool up [IMF_NODES + 1] = { false };
    for (int node = 1; node <= IMF_NODES; node++) {
        int slot = imh_node_slot (h, node);
        up [node] = imh_running (h, slot);
        self->killed [node] = true;     //  From here on, by the suite
        if (up [node] && imh_stop (h, slot, 10000) != 0)
            printf ("  node %d did not stop cleanly\n", node);
    }
    imf_check_t *check = imf_check_new (self->prefix);
    assert (check);
    for (int node = 1; node <= IMF_NODES; node++) {
        if (!up [node]) {
            outcome->nodes_down++;
            printf ("  node %d: down at the end, left out\n", node);
            continue;
        }
        s_read_store (self, node, check, &outcome->breaches);
    }
    imf_check_sink_dir (check, imh_sink_dir (h));
    imf_load_feed (self->load, check);
    size_t problems = imf_check_run (check, &outcome->check, stdout);
    imf_check_destroy (&check);
    //  A node that crashes while the test runs, even if it comes back
    //  and loses nothing, is a fault found
    outcome->crashes = self->crashes;
    outcome->exits = self->exits;
    outcome->refused = (size_t) imh_log_lines (h, "sla-1", "not due yet");
    //  Every fault was undone: a node that does not come back is one
    return problems + !outcome->converged + self->crashes
         + (size_t) outcome->nodes_down;
}

size_t
imf_world_run (imf_world_t *self, const imf_schedule_t *schedule, int rate,
               imf_outcome_t *outcome)
{
    assert (self && schedule && outcome);
    memset (outcome, 0, sizeof *outcome);
    uint64_t began = im_mono_ms ();
    self->load = imf_load_new (imh_client_endpoint (self->harness),
                               self->prefix, rate);
    if (!self->load)
        return 1;
    uint64_t start = im_mono_ms ();
    for (int index = 0; index < schedule->count && !zsys_interrupted;
         index++) {
        const imf_step_t *step = &schedule->steps [index];
        imf_load_pump (self->load, start + step->at_ms, true);
        imf_world_step (self, step, start);
    }
    imf_load_pump (self->load, start + schedule->load_ms, true);
    size_t problems = s_finish (self, outcome);
    outcome->elapsed_ms = im_mono_ms () - began;
    return problems;
}
