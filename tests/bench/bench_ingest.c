/*  bench_ingest - imq-bench-ingest: how many durable events a second

    The figure imq is sized by is durable events per second: incidents
    opened, committed through Raft and applied to RocksDB, acknowledged
    to the client. This program measures it against the real broker and,
    in the same run on the same disk, against what a bare RocksDB gives
    for synced batches of records of an event's size, so that the result
    reads as a ratio rather than a number from a machine that may be
    busy. It also measures latency at light load and the broker's memory
    once it holds a million events with one consumer group far behind,
    and prints everything with the targets (50,000 events/s, 200 MB).
    It prints figures; it does not judge them: the exit code is 0 unless
    something broke.
*/
#include "bench_ingest.h"
#include <getopt.h>
#include <sys/resource.h>

#ifndef IMQ_BROKER_PATH
#   define IMQ_BROKER_PATH "imq-broker"
#endif

#define LAGGING_CREDIT       64
#define LAGGING_ACKS_PER_S   2
#define STATUS_CATCH_UP_US   5000000    //  For STATUS to show every event

typedef struct {
    uint64_t events;                //  --events: OPENs in the throughput run
    size_t inflight;                //  --inflight: unanswered at once
    size_t connections;             //  --connections: DEALER sockets
    uint64_t latency_samples;       //  --latency-samples: one at a time
    uint64_t total_events;          //  --total-events: for the memory phase
    int baseline_ms;                //  --baseline-ms: per batch size
    const char *broker;             //  --broker: imq-broker binary
    const char *config;             //  --broker-config: passed with -c
    bool keep;                      //  --keep: leave the data directory
    bench_ids_t ids;                //  --ids: how request ids look
} s_options_t;

//  What the phases share; owned objects are destroyed by main
typedef struct {
    s_options_t options;            //  From the command line
    char dir [512];                 //  Temp directory, owned
    bench_broker_t *broker;         //  Broker process, owned
    bench_lagger_t *lagger;         //  Slow consumer, owned
    bench_figures_t figures;        //  Results
    char errbuf [2048];             //  Why the run stopped
} s_bench_t;

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: imq-bench-ingest [options]\n"
        "  --events N            OPENs in the throughput run (200000)\n"
        "  --inflight W          requests unanswered at once (2048)\n"
        "  --connections C       DEALER sockets sharing them (8, max 64)\n"
        "  --latency-samples S   OPENs one at a time (2000)\n"
        "  --total-events T      events the broker holds for the memory\n"
        "                        figure (1000000)\n"
        "  --baseline-ms MS      RocksDB run per batch size (2000)\n"
        "  --broker PATH         imq-broker binary (%s)\n"
        "  --broker-config FILE  YAML passed to the broker with -c\n"
        "  --keep                keep the data directory\n"
        "  --ids STYLE           request ids: time (as imqctl makes\n"
        "                        them, the default), random (32 random\n"
        "                        hex digits) or counter (<tag>-<n>)\n"
        "  --random-ids          same as --ids random\n"
        "  -h, --help            this text\n", IMQ_BROKER_PATH);
}

//  Parses a positive integer flag value no larger than max
static int
s_number (const char *text, const char *flag, uint64_t max, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long number = strtoull (text, &end, 10);
    if (errno || *end || end == text || *text == '-' || number == 0
    ||  number > max) {
        fprintf (stderr, "imq-bench-ingest: %s wants an integer from 1 to "
                 "%" PRIu64 ", not '%s'\n", flag, max, text);
        return -1;
    }
    *value = number;
    return 0;
}

static int
s_parse (int argc, char *argv [], s_options_t *options)
{
    static const struct option flags [] = {
        { "events", required_argument, NULL, 'n' },
        { "inflight", required_argument, NULL, 'w' },
        { "connections", required_argument, NULL, 'c' },
        { "latency-samples", required_argument, NULL, 's' },
        { "total-events", required_argument, NULL, 't' },
        { "baseline-ms", required_argument, NULL, 'b' },
        { "broker", required_argument, NULL, 'B' },
        { "broker-config", required_argument, NULL, 'C' },
        { "keep", no_argument, NULL, 'k' },
        { "random-ids", no_argument, NULL, 'r' },
        { "ids", required_argument, NULL, 'I' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    *options = (s_options_t) { 200000, 2048, 8, 2000, 1000000, 2000,
                               IMQ_BROKER_PATH, NULL, false, BENCH_IDS_TIME };
    int flag, rc = 0;
    uint64_t value = 0;
    while (rc == 0 && (flag = getopt_long (argc, argv, "h", flags, NULL))
                      != -1) {
        switch (flag) {
            case 'n': rc = s_number (optarg, "--events", 100000000, &value);
                      options->events = value; break;
            case 'w': rc = s_number (optarg, "--inflight", 60000, &value);
                      options->inflight = (size_t) value; break;
            case 'c': rc = s_number (optarg, "--connections",
                                     BENCH_CONNECTIONS_MAX, &value);
                      options->connections = (size_t) value; break;
            case 's': rc = s_number (optarg, "--latency-samples", 1000000,
                                     &value);
                      options->latency_samples = value; break;
            case 't': rc = s_number (optarg, "--total-events", 1000000000,
                                     &value);
                      options->total_events = value; break;
            case 'b': rc = s_number (optarg, "--baseline-ms", 600000, &value);
                      options->baseline_ms = (int) value; break;
            case 'B': options->broker = optarg; break;
            case 'C': options->config = optarg; break;
            case 'k': options->keep = true; break;
            case 'r': options->ids = BENCH_IDS_RANDOM; break;
            case 'I':
                if (streq (optarg, "time"))
                    options->ids = BENCH_IDS_TIME;
                else
                if (streq (optarg, "random"))
                    options->ids = BENCH_IDS_RANDOM;
                else
                if (streq (optarg, "counter"))
                    options->ids = BENCH_IDS_COUNTER;
                else {
                    fprintf (stderr, "imq-bench-ingest: --ids must be time, "
                             "random or counter\n");
                    rc = -1;
                }
                break;
            case 'h': s_usage (stdout); return 1;
            default:  s_usage (stderr); return -1;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf (stderr, "imq-bench-ingest: unexpected argument '%s'\n",
                 argv [optind]);
        rc = -1;
    }
    return rc;
}

//  Makes a fresh temp directory under $IM_TEST_TMPDIR, $TMPDIR or /tmp
static int
s_make_dir (s_bench_t *self)
{
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = getenv ("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    if (zsys_dir_create ("%s", base)) {
        snprintf (self->errbuf, sizeof self->errbuf, "cannot create %s: %s",
                  base, strerror (errno));
        return -1;
    }
    snprintf (self->dir, sizeof self->dir, "%s/imq-bench-XXXXXX", base);
    if (!mkdtemp (self->dir)) {
        snprintf (self->errbuf, sizeof self->errbuf, "mkdtemp %s: %s",
                  self->dir, strerror (errno));
        self->dir [0] = 0;
        return -1;
    }
    return 0;
}

static double
s_cpu_seconds (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return (double) usage.ru_utime.tv_sec + (double) usage.ru_stime.tv_sec
         + (double) (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static int
s_progress_a (uint64_t answered, void *arg)
{
    s_bench_t *self = (s_bench_t *) arg;
    fprintf (stderr, "  %" PRIu64 " / %" PRIu64 " answered\n", answered,
             self->options.events);
    return 0;
}

//  Phase c's checkpoints: lag grows, memory should not
static int
s_progress_c (uint64_t answered, void *arg)
{
    (void) answered;
    s_bench_t *self = (s_bench_t *) arg;
    bench_status_t status;
    bench_memory_t memory;
    if (bench_broker_status (self->broker, BENCH_LAGGING_GROUP, &status,
                             self->errbuf, sizeof self->errbuf)
    ||  bench_broker_memory (self->broker, &memory))
        return -1;
    fprintf (stderr, "  %" PRIu64 " events: broker RSS %.1f MB (peak %.1f),"
             " group %s lag %" PRId64 "\n", status.last_seq,
             (double) memory.rss_kb / 1024, (double) memory.hwm_kb / 1024,
             BENCH_LAGGING_GROUP, status.group_lag);
    return 0;
}

//  Asks STATUS until its last_seq reaches at least last_seq or the
//  catch-up time passed: STATUS shows what the Raft thread last
//  published, which may trail replies already sent. Returns 0 or -1.
static int
s_status_caught_up (s_bench_t *self, const char *group, uint64_t last_seq,
                    bench_status_t *status)
{
    uint64_t deadline = bench_now_us () + STATUS_CATCH_UP_US;
    do {
        if (bench_broker_status (self->broker, group, status, self->errbuf,
                                 sizeof self->errbuf))
            return -1;
    } while (status->last_seq < last_seq && bench_now_us () < deadline
    &&       !zsys_interrupted);
    return 0;
}

//  Phase a: throughput with many requests in flight
static int
s_phase_throughput (s_bench_t *self, bench_load_t *load)
{
    s_options_t *options = &self->options;
    bench_figures_t *figures = &self->figures;
    fprintf (stderr, "phase a: %" PRIu64 " OPENs, %zu in flight over %zu "
             "connections\n", options->events, options->inflight,
             options->connections);
    bench_status_t before, after;
    bench_threads_t threads_before, threads_after;
    if (bench_broker_status (self->broker, NULL, &before, self->errbuf,
                             sizeof self->errbuf))
        return -1;
    pid_t pid = bench_broker_pid (self->broker);
    bench_threads_read (pid, &threads_before);
    double cpu_before = s_cpu_seconds ();
    if (bench_load_run (load, options->events, options->inflight, NULL,
                        s_progress_a, options->events / 4, self,
                        &figures->throughput, self->errbuf,
                        sizeof self->errbuf))
        return -1;
    figures->client_cpu_s = s_cpu_seconds () - cpu_before;
    bench_threads_read (pid, &threads_after);
    figures->inflight = options->inflight;
    figures->connections = options->connections;
    figures->ids = options->ids;
    if (s_status_caught_up (self, NULL, before.last_seq + options->events,
                            &after))
        return -1;
    figures->events_written = after.last_seq - before.last_seq;
    figures->entries = after.commit_index - before.commit_index;
    if (figures->events_written != options->events) {
        snprintf (self->errbuf, sizeof self->errbuf, "%" PRIu64 " OPENs were "
                  "answered 200 but last_seq grew by %" PRIu64 " (%" PRIu64
                  " -> %" PRIu64 ")", options->events,
                  figures->events_written, before.last_seq, after.last_seq);
        return -1;
    }
    bench_threads_print (pid, &threads_before, &threads_after, stderr);
    fprintf (stderr, "  %" PRIu64 " Raft entries committed: %.1f OPENs per "
             "entry, %.0f entries/s\n", figures->entries,
             figures->entries ? (double) options->events
                                / (double) figures->entries : 0,
             (double) figures->entries / figures->throughput.seconds);
    fprintf (stderr, "  this program (load generator) used %.1f%% of a "
             "core\n", 100.0 * figures->client_cpu_s
                       / figures->throughput.seconds);
    return 0;
}

//  Phase c: fill up to total_events with a lagging consumer connected
static int
s_phase_memory (s_bench_t *self, bench_load_t *load)
{
    s_options_t *options = &self->options;
    bench_figures_t *figures = &self->figures;
    self->lagger = bench_lagger_new (
        bench_broker_worker_endpoint (self->broker), BENCH_LAGGING_GROUP,
        LAGGING_CREDIT, LAGGING_ACKS_PER_S);
    bench_status_t status;
    if (!self->lagger) {
        snprintf (self->errbuf, sizeof self->errbuf, "cannot connect the "
                  "lagging consumer");
        return -1;
    }
    if (bench_broker_status (self->broker, NULL, &status, self->errbuf,
                             sizeof self->errbuf))
        return -1;
    uint64_t missing = options->total_events > status.last_seq
                     ? options->total_events - status.last_seq : 0;
    fprintf (stderr, "phase c: %" PRIu64 " more OPENs to reach %" PRIu64
             " events, group %s connected (credit %d, %d ACKs/s)\n",
             missing, options->total_events, BENCH_LAGGING_GROUP,
             LAGGING_CREDIT, LAGGING_ACKS_PER_S);
    bench_load_result_t result;
    if (missing > 0
    &&  bench_load_run (load, missing, options->inflight, self->lagger,
                        s_progress_c, missing / 4 + 1, self, &result,
                        self->errbuf, sizeof self->errbuf))
        return -1;
    if (s_status_caught_up (self, BENCH_LAGGING_GROUP,
                            status.last_seq + missing, &figures->lagging)
    ||  bench_broker_memory (self->broker, &figures->memory)) {
        if (!*self->errbuf)
            snprintf (self->errbuf, sizeof self->errbuf,
                      "cannot read /proc/%d/status",
                      (int) bench_broker_pid (self->broker));
        return -1;
    }
    figures->total_events = figures->lagging.last_seq;
    figures->lagger_delivered = bench_lagger_delivered (self->lagger);
    figures->lagger_acked = bench_lagger_acked (self->lagger);
    return 0;
}

//  Runs every phase; returns 0 or -1 with the reason in errbuf
static int
s_run (s_bench_t *self)
{
    s_options_t *options = &self->options;
    bench_figures_t *figures = &self->figures;
    if (s_make_dir (self))
        return -1;
    fprintf (stderr, "imq-bench-ingest: data in %s, broker %s\n", self->dir,
             options->broker);
    self->broker = bench_broker_new (options->broker, options->config,
                                     self->dir, self->errbuf,
                                     sizeof self->errbuf);
    if (!self->broker)
        return -1;
    fprintf (stderr, "broker pid %d, clients on %s, workers on %s\n",
             (int) bench_broker_pid (self->broker),
             bench_broker_client_endpoint (self->broker),
             bench_broker_worker_endpoint (self->broker));
    char tag [64];
    snprintf (tag, sizeof tag, "bench-%d-load", (int) getpid ());
    bench_load_t *load = bench_load_new (
        bench_broker_client_endpoint (self->broker), options->connections,
        tag);
    snprintf (tag, sizeof tag, "bench-%d-single", (int) getpid ());
    bench_load_t *single = bench_load_new (
        bench_broker_client_endpoint (self->broker), 1, tag);
    if (load && single) {
        bench_load_set_ids (load, options->ids);
        bench_load_set_ids (single, options->ids);
    }
    int rc = -1;
    bench_load_result_t warmup;
    if (!load || !single)
        snprintf (self->errbuf, sizeof self->errbuf, "cannot create the "
                  "client sockets");
    else
    //  One OPEN first: it tells the size of a real event and warms the
    //  connection; the baseline then writes records of that size
    if (bench_load_run (single, 1, 1, NULL, NULL, 0, NULL, &warmup,
                        self->errbuf, sizeof self->errbuf) == 0
    &&  bench_broker_event_size (self->broker,
                                 bench_load_last_incident (single),
                                 &figures->event_size, self->errbuf,
                                 sizeof self->errbuf) == 0) {
        fprintf (stderr, "baseline: %zu-byte records (one OPEN event), "
                 "fresh RocksDB in %s\n", figures->event_size, self->dir);
        if (bench_baseline_run (self->dir, figures->event_size,
                                options->baseline_ms, &figures->baseline,
                                self->errbuf, sizeof self->errbuf) == 0
        &&  s_phase_throughput (self, load) == 0) {
            fprintf (stderr, "phase b: %" PRIu64 " OPENs one at a time\n",
                     options->latency_samples);
            if (bench_load_run (single, options->latency_samples, 1, NULL,
                                NULL, 0, NULL, &figures->latency,
                                self->errbuf, sizeof self->errbuf) == 0
            &&  bench_broker_memory (self->broker,
                                     &figures->memory_before) == 0)
                rc = s_phase_memory (self, load);
        }
    }
    bench_load_destroy (&single);
    bench_load_destroy (&load);
    return rc;
}

int
main (int argc, char *argv [])
{
    s_bench_t bench;
    memset (&bench, 0, sizeof bench);
    int parsed = s_parse (argc, argv, &bench.options);
    if (parsed)
        return parsed > 0 ? 0 : 2;
    zsys_init ();                   //  SIGINT / SIGTERM set zsys_interrupted
    zsys_set_logstream (stderr);
    int rc = s_run (&bench);
    bench_lagger_destroy (&bench.lagger);
    bench_broker_destroy (&bench.broker);
    if (rc == 0)
        bench_report_print (&bench.figures, stdout);
    else
        fprintf (stderr, "imq-bench-ingest: FAILED: %s\n", bench.errbuf);
    if (*bench.dir && (bench.options.keep || rc))
        fprintf (stderr, "imq-bench-ingest: data kept in %s\n", bench.dir);
    else
    if (*bench.dir)
        im_remove_tree (bench.dir);
    return rc ? 1 : 0;
}
