/*  bench_retention - imq-bench-retention: a store that stays flat

    Every request with an id leaves its result in the store, for as long
    as the replicated policy keeps it (lifecycle.request_retention and
    request_results_max). This program feeds a real broker millions of
    distinct requests that make no event (an ACK of an incident that
    does not exist, answered 404 and remembered like any other answer),
    so that the results are all the store gains, and samples the size of
    the store on disk and the broker's resident memory as it goes: once
    with a short retention, and, in the same run on the same disk, once
    with retention off, the baseline that grows. It prints figures; it
    does not judge them: the exit code is 0 unless something broke.
*/
#include "bench_ingest.h"
#include <dirent.h>
#include <getopt.h>
#include <sys/stat.h>

#ifndef IMQ_BROKER_PATH
#   define IMQ_BROKER_PATH "imq-broker"
#endif

#define SAMPLES_MAX     100         //  Rows of the table, at most

typedef struct {
    uint64_t requests;              //  --requests: per run
    uint64_t window_s;              //  --window: retention of the first run
    uint64_t samples;               //  --samples: rows per run
    size_t inflight;                //  --inflight: unanswered at once
    bool baseline;                  //  Also run with retention off
    const char *broker;             //  --broker: imq-broker binary
} s_options_t;

//  One row: where a run stood after some of its requests
typedef struct {
    uint64_t requests;              //  Answered so far
    double seconds;                 //  Since the run started
    double store_mb;                //  Size of the store's files
    double rss_mb;                  //  Broker's resident memory
} s_sample_t;

typedef struct {
    const char *name;               //  What the run is
    const char *policy;             //  Its lifecycle section
    const char *describe;           //  The same, in a few words
    s_sample_t samples [SAMPLES_MAX];   //  Rows
    size_t samples_n;               //  How many
    double per_s;                   //  Requests answered a second
    double peak_rss_mb;             //  VmHWM at the end
} s_run_t;

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: imq-bench-retention [options]\n"
        "  --requests N      distinct requests per run (5000000)\n"
        "  --window S        request_retention of the measured run, in\n"
        "                    seconds (20)\n"
        "  --samples K       rows per run (20, at most %d)\n"
        "  --inflight W      requests unanswered at once (2048)\n"
        "  --no-baseline     skip the run with retention off\n"
        "  --broker PATH     imq-broker binary (%s)\n"
        "  -h, --help        this text\n", SAMPLES_MAX, IMQ_BROKER_PATH);
}

static int
s_number (const char *text, const char *flag, uint64_t max, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long number = strtoull (text, &end, 10);
    if (errno || *end || end == text || *text == '-' || number == 0
    ||  number > max) {
        fprintf (stderr, "imq-bench-retention: %s wants an integer from 1 "
                 "to %" PRIu64 ", not '%s'\n", flag, max, text);
        return -1;
    }
    *value = number;
    return 0;
}

static int
s_parse (int argc, char *argv [], s_options_t *options)
{
    static const struct option flags [] = {
        { "requests", required_argument, NULL, 'n' },
        { "window", required_argument, NULL, 'w' },
        { "samples", required_argument, NULL, 's' },
        { "inflight", required_argument, NULL, 'i' },
        { "no-baseline", no_argument, NULL, 'N' },
        { "broker", required_argument, NULL, 'B' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    *options = (s_options_t) { 5000000, 20, 20, 2048, true,
                               IMQ_BROKER_PATH };
    int flag, rc = 0;
    uint64_t value = 0;
    while (rc == 0 && (flag = getopt_long (argc, argv, "h", flags, NULL))
                      != -1) {
        switch (flag) {
            case 'n': rc = s_number (optarg, "--requests", 1000000000,
                                     &value);
                      options->requests = value; break;
            case 'w': rc = s_number (optarg, "--window", 86400, &value);
                      options->window_s = value; break;
            case 's': rc = s_number (optarg, "--samples", SAMPLES_MAX,
                                     &value);
                      options->samples = value; break;
            case 'i': rc = s_number (optarg, "--inflight", 60000, &value);
                      options->inflight = (size_t) value; break;
            case 'N': options->baseline = false; break;
            case 'B': options->broker = optarg; break;
            case 'h': s_usage (stdout); exit (0);
            default: s_usage (stderr); return -1;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf (stderr, "imq-bench-retention: unexpected '%s'\n",
                 argv [optind]);
        rc = -1;
    }
    return rc;
}

//  Bytes of every file under path
static uint64_t
s_tree_size (const char *path)
{
    DIR *dir = opendir (path);
    if (!dir)
        return 0;
    uint64_t total = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (streq (entry->d_name, ".") || streq (entry->d_name, ".."))
            continue;
        char child [1024];
        snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
        struct stat info;
        if (lstat (child, &info))
            continue;               //  Gone meanwhile: RocksDB deleted it
        if (S_ISDIR (info.st_mode))
            total += s_tree_size (child);
        else
            total += (uint64_t) info.st_size;
    }
    closedir (dir);
    return total;
}

//  Applies the run's policy through CONFIG
static int
s_policy (bench_broker_t *broker, const char *lifecycle, char *errbuf,
          size_t errlen)
{
    im_client_t *client = im_client_new (
        bench_broker_client_endpoint (broker), 10000);
    im_fields_t *body = im_fields_new ();
    char text [256];
    snprintf (text, sizeof text, "lifecycle:\n%s", lifecycle);
    im_fields_set_str (body, "text", text);
    im_fields_set_str (body, "source", "bench.yaml");
    im_reply_t *reply = client ? im_client_call (client, "CONFIG", NULL, body,
                                                 false) : NULL;
    int rc = reply && reply->status == 200 ? 0 : -1;
    if (rc)
        snprintf (errbuf, errlen, "CONFIG refused: %s",
                  reply ? im_fields_str_or (reply->body, "error", "?")
                        : "no answer");
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    im_client_destroy (&client);
    return rc;
}

//  Feeds one broker options->requests requests under run's policy,
//  sampling as it goes
static int
s_run (const s_options_t *options, const char *dir, s_run_t *run,
       char *errbuf, size_t errlen)
{
    char path [600];
    snprintf (path, sizeof path, "%s/%s", dir, run->name);
    if (mkdir (path, 0755)) {
        snprintf (errbuf, errlen, "mkdir %s: %s", path, strerror (errno));
        return -1;
    }
    bench_broker_t *broker = bench_broker_new (options->broker, NULL, path,
                                               errbuf, errlen);
    if (!broker)
        return -1;
    int rc = s_policy (broker, run->policy, errbuf, errlen);
    bench_load_t *load = rc ? NULL : bench_load_new (
        bench_broker_client_endpoint (broker), 8, run->name);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", 999999999);
    if (rc == 0 && (!load || bench_load_set_command (load, "ACK", body, 404))) {
        snprintf (errbuf, errlen, "cannot make the load");
        rc = -1;
    }
    im_fields_destroy (&body);
    if (load)
        bench_load_set_ids (load, BENCH_IDS_TIME);
    char store [700];
    snprintf (store, sizeof store, "%s/broker/store", path);
    uint64_t chunk = options->requests / options->samples;
    uint64_t started = bench_now_us (), sent = 0;
    for (uint64_t sample = 0; rc == 0 && sample < options->samples;
         sample++) {
        uint64_t count = sample + 1 == options->samples
                       ? options->requests - sent : chunk;
        bench_load_result_t result;
        rc = bench_load_run (load, count, options->inflight, NULL, NULL, 0,
                             NULL, &result, errbuf, errlen);
        sent += count;
        bench_memory_t memory;
        if (rc == 0 && bench_broker_memory (broker, &memory) == 0) {
            s_sample_t *row = &run->samples [run->samples_n++];
            row->requests = sent;
            row->seconds = (double) (bench_now_us () - started) / 1e6;
            row->store_mb = (double) s_tree_size (store) / 1048576.0;
            row->rss_mb = (double) memory.rss_kb / 1024.0;
            run->peak_rss_mb = (double) memory.hwm_kb / 1024.0;
            fprintf (stderr, "%s: %" PRIu64 " requests, %.0f s, store %.1f "
                     "MiB, RSS %.1f MiB\n", run->name, sent, row->seconds,
                     row->store_mb, row->rss_mb);
        }
    }
    if (rc == 0 && run->samples_n)
        run->per_s = (double) sent / run->samples [run->samples_n - 1].seconds;
    bench_load_destroy (&load);
    bench_broker_destroy (&broker);
    return rc;
}

static void
s_print (const s_options_t *options, const s_run_t *runs, size_t count)
{
    printf ("\nimq-bench-retention: %" PRIu64 " distinct requests per run "
            "(ACK of no incident: a 404 result, no event)\n\n",
            options->requests);
    printf ("%12s", "requests");
    for (size_t run = 0; run < count; run++)
        printf (" | %-36s", runs [run].name);
    printf ("\n%12s", "");
    for (size_t run = 0; run < count; run++)
        printf (" | %8s %12s %12s", "s", "store MiB", "RSS MiB");
    printf ("\n");
    for (size_t row = 0; row < runs [0].samples_n; row++) {
        printf ("%12" PRIu64, runs [0].samples [row].requests);
        for (size_t run = 0; run < count; run++) {
            const s_sample_t *sample = &runs [run].samples [row];
            printf (" | %8.0f %12.1f %12.1f", sample->seconds,
                    sample->store_mb, sample->rss_mb);
        }
        printf ("\n");
    }
    for (size_t run = 0; run < count; run++)
        printf ("%s (%s): %.0f requests/s, peak RSS %.1f MiB\n",
                runs [run].name, runs [run].describe, runs [run].per_s,
                runs [run].peak_rss_mb);
}

int
main (int argc, char *argv [])
{
    s_options_t options;
    if (s_parse (argc, argv, &options))
        return 2;
    zsys_init ();
    zsys_set_logstream (stderr);
    char dir [512];
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base)
        base = getenv ("TMPDIR");
    if (!base)
        base = "/tmp";
    mkdir (base, 0755);
    snprintf (dir, sizeof dir, "%s/imq-bench-retention-XXXXXX", base);
    if (!mkdtemp (dir)) {
        perror ("mkdtemp");
        return 1;
    }
    static s_run_t runs [2];
    char window [128];
    snprintf (window, sizeof window, "  request_retention: %" PRIu64 "s\n"
              "  request_results_max: 0\n", options.window_s);
    char describe [64];
    snprintf (describe, sizeof describe, "results kept %" PRIu64 " s",
              options.window_s);
    runs [0] = (s_run_t) { .name = "retention", .policy = window,
                           .describe = describe };
    runs [1] = (s_run_t) { .name = "kept-forever",
                           .policy = "  request_retention: 36500d\n"
                                     "  request_results_max: 0\n",
                           .describe = "results kept 100 years: the "
                                       "baseline" };
    size_t count = options.baseline ? 2 : 1;
    char errbuf [2048] = "";
    int rc = 0;
    for (size_t run = 0; run < count && rc == 0; run++)
        rc = s_run (&options, dir, &runs [run], errbuf, sizeof errbuf);
    if (rc == 0)
        s_print (&options, runs, count);
    else
        fprintf (stderr, "imq-bench-retention: %s\n", errbuf);
    im_remove_tree (dir);
    return rc ? 1 : 0;
}
