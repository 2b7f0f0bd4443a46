/*  bench_http - alerts through HTTP beside OPENs through ZeroMQ, one run

    imq-bench-http starts one broker and measures, against it and in the
    same run so the two figures share the machine's state: OPENs per
    second through the ZeroMQ client endpoint (pipelined, as
    imq-bench-ingest's phase a), then Alertmanager alerts per second
    through POST /v1/alerts/alertmanager, in notifications of
    --batch-size alerts from --threads connections (libcurl, keep-alive).

    The alerts are made to end three ways. Every notification is sent
    --copies times, as HA Alertmanagers send it: the copies are
    duplicates. Fingerprints come from a pool of --fingerprints, so once
    the pool has been used an alert fires again with a new startsAt and
    adds to its open incident; the first firing of each opens one. The
    answers' counts say how many ended each way, and the program checks
    them against what it sent.
*/
#include "bench_ingest.h"
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>

#define S_THREADS_MAX   64          //  HTTP connections

typedef struct {
    uint64_t opens;                 //  --opens: ZeroMQ OPENs
    size_t inflight;                //  --inflight: OPENs unanswered
    uint64_t batches;               //  --batches: notifications
    size_t batch_size;              //  --batch-size: alerts in one
    size_t threads;                 //  --threads: HTTP connections
    uint64_t fingerprints;          //  --fingerprints: distinct alerts
    unsigned copies;                //  --copies: sends of a notification
    bool keep;                      //  --keep: leave the data directory
    bool plain;                     //  --no-curve: no CURVE, HTTP open
} s_options_t;

//  What the HTTP threads share: the next batch to send, the outcomes
typedef struct {
    const s_options_t *options;     //  The run's options
    char url [128];                 //  The receiver's URL
    char authorization [IM_TOKEN_TEXT + 32];
                                    //  Its Authorization header, or ""
    atomic_uint_fast64_t next;      //  Next batch number to take
    atomic_uint_fast64_t posts;     //  POSTs answered 200
    atomic_uint_fast64_t opened;    //  Outcomes summed from the answers
    atomic_uint_fast64_t added;
    atomic_uint_fast64_t duplicate;
    atomic_uint_fast64_t other;     //  Any other outcome
    atomic_int failed;              //  A POST that was not 200
    double *latencies_ms;           //  One per POST, by post number
    atomic_uint_fast64_t latencies_n;
} s_shared_t;

//  Appends a libcurl response into a growing buffer
typedef struct {
    char *data;                     //  Bytes, NUL-ended, owned
    size_t size;                    //  Used
} s_buffer_t;

static size_t
s_write (char *data, size_t size, size_t count, void *arg)
{
    s_buffer_t *buffer = (s_buffer_t *) arg;
    size_t bytes = size * count;
    char *grown = (char *) realloc (buffer->data, buffer->size + bytes + 1);
    if (!grown)
        return 0;
    memcpy (grown + buffer->size, data, bytes);
    buffer->data = grown;
    buffer->size += bytes;
    buffer->data [buffer->size] = 0;
    return bytes;
}

//  Writes notification number batch into text: batch_size alerts whose
//  alert numbers run on from batch * batch_size
static void
s_notification (const s_options_t *options, uint64_t batch, FILE *text)
{
    fprintf (text, "{\"version\":\"4\",\"status\":\"firing\",\"receiver\":"
             "\"imq\",\"groupKey\":\"{}:{alertname=\\\"Bench\\\"}\","
             "\"alerts\":[");
    for (size_t index = 0; index < options->batch_size; index++) {
        uint64_t alert = batch * options->batch_size + index;
        uint64_t fingerprint = alert % options->fingerprints;
        uint64_t round = alert / options->fingerprints;
        fprintf (text, "%s{\"status\":\"firing\",\"fingerprint\":\"%016"
                 PRIx64 "\",\"labels\":{\"alertname\":\"Bench\","
                 "\"instance\":\"host%" PRIu64 "\",\"severity\":\"warning\"},"
                 "\"annotations\":{\"summary\":\"bench alert %" PRIu64 "\"},"
                 "\"startsAt\":\"2026-01-01T%02" PRIu64 ":%02" PRIu64
                 ":00Z\","
                 "\"generatorURL\":\"\"}", index ? "," : "",
                 fingerprint * 2654435761u + 1, fingerprint, fingerprint,
                 round / 60 % 24, round % 60);
    }
    fprintf (text, "]}");
}

//  Adds the outcome counts of one answer
static int
s_tally (s_shared_t *shared, const char *body)
{
    json_t *json = json_loads (body, 0, NULL);
    if (!json)
        return -1;
    static const char *others [] = { "acknowledged", "resolved", "cleared",
                                     "unchanged", "dropped", "failed" };
    atomic_fetch_add (&shared->opened, (uint64_t) json_integer_value (
        json_object_get (json, "opened")));
    atomic_fetch_add (&shared->added, (uint64_t) json_integer_value (
        json_object_get (json, "added")));
    atomic_fetch_add (&shared->duplicate, (uint64_t) json_integer_value (
        json_object_get (json, "duplicate")));
    for (size_t index = 0; index < 6; index++)
        atomic_fetch_add (&shared->other, (uint64_t) json_integer_value (
            json_object_get (json, others [index])));
    json_decref (json);
    return 0;
}

//  One connection: takes batches until none is left and sends each
//  copies times
static void *
s_sender (void *arg)
{
    s_shared_t *shared = (s_shared_t *) arg;
    const s_options_t *options = shared->options;
    CURL *curl = curl_easy_init ();
    if (!curl) {
        atomic_store (&shared->failed, 1);
        return NULL;
    }
    struct curl_slist *headers = curl_slist_append (
        NULL, "Content-Type: application/json");
    if (*shared->authorization)
        headers = curl_slist_append (headers, shared->authorization);
    s_buffer_t answer = { NULL, 0 };
    curl_easy_setopt (curl, CURLOPT_URL, shared->url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
    while (!atomic_load (&shared->failed)) {
        uint64_t batch = atomic_fetch_add (&shared->next, 1);
        if (batch >= options->batches)
            break;
        char *text = NULL;
        size_t size = 0;
        FILE *stream = open_memstream (&text, &size);
        s_notification (options, batch, stream);
        fclose (stream);
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, text);
        curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) size);
        for (unsigned copy = 0; copy < options->copies; copy++) {
            answer.size = 0;
            uint64_t start = bench_now_us ();
            CURLcode rc = curl_easy_perform (curl);
            long status = 0;
            curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
            if (rc != CURLE_OK || status != 200 || !answer.data
            ||  s_tally (shared, answer.data)) {
                fprintf (stderr, "imq-bench-http: POST failed: %s, HTTP %ld:"
                         " %.300s\n", curl_easy_strerror (rc), status,
                         answer.data ? answer.data : "");
                atomic_store (&shared->failed, 1);
                break;
            }
            uint64_t post = atomic_fetch_add (&shared->latencies_n, 1);
            shared->latencies_ms [post] =
                (double) (bench_now_us () - start) / 1000.0;
            atomic_fetch_add (&shared->posts, 1);
        }
        free (text);
    }
    free (answer.data);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return NULL;
}

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: imq-bench-http [options]\n"
        "  --opens N           ZeroMQ OPENs, pipelined (50000)\n"
        "  --inflight W        OPENs unanswered at once (1024)\n"
        "  --batches B         Alertmanager notifications (500)\n"
        "  --batch-size S      alerts in one notification (100)\n"
        "  --threads T         HTTP connections sending at once (4)\n"
        "  --fingerprints F    distinct alerts; past F an alert fires\n"
        "                      again (batches * batch-size / 2)\n"
        "  --copies C          sends of each notification, as C HA\n"
        "                      Alertmanagers (2)\n"
        "  --keep              keep the data directory\n"
        "  --no-curve          a broker without CURVE, its HTTP without "
        "tokens\n"
        "                      (else every alert carries a bearer token)\n");
}

static int
s_parse (int argc, char *argv [], s_options_t *options)
{
    static const struct option flags [] = {
        { "opens", required_argument, NULL, 'o' },
        { "inflight", required_argument, NULL, 'i' },
        { "batches", required_argument, NULL, 'b' },
        { "batch-size", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 't' },
        { "fingerprints", required_argument, NULL, 'f' },
        { "copies", required_argument, NULL, 'c' },
        { "keep", no_argument, NULL, 'k' },
        { "no-curve", no_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    *options = (s_options_t) { 50000, 1024, 500, 100, 4, 0, 2, false,
                               false };
    int flag;
    while ((flag = getopt_long (argc, argv, "h", flags, NULL)) != -1) {
        unsigned long long value = optarg ? strtoull (optarg, NULL, 10) : 0;
        if (optarg && value == 0) {
            fprintf (stderr, "imq-bench-http: a flag wants an integer >= 1, "
                     "not '%s'\n", optarg);
            return -1;
        }
        switch (flag) {
            case 'o': options->opens = value; break;
            case 'i': options->inflight = (size_t) value; break;
            case 'b': options->batches = value; break;
            case 's': options->batch_size = (size_t) value; break;
            case 't': options->threads = (size_t) value; break;
            case 'f': options->fingerprints = value; break;
            case 'c': options->copies = (unsigned) value; break;
            case 'k': options->keep = true; break;
            case 'p': options->plain = true; break;
            case 'h': s_usage (stdout); exit (0);
            default:  s_usage (stderr); return -1;
        }
    }
    if (options->threads > S_THREADS_MAX || options->batch_size > 10000) {
        fprintf (stderr, "imq-bench-http: at most %d threads and 10000 "
                 "alerts a notification\n", S_THREADS_MAX);
        return -1;
    }
    if (!options->fingerprints)
        options->fingerprints = options->batches * options->batch_size / 2;
    if (!options->fingerprints)
        options->fingerprints = 1;
    return 0;
}

//  The HTTP phase: returns 0 with the figures printed, or -1
static int
s_http_phase (const s_options_t *options, bench_broker_t *broker,
              double zeromq_per_s)
{
    s_shared_t shared;
    memset (&shared, 0, sizeof shared);
    shared.options = options;
    snprintf (shared.url, sizeof shared.url,
              "http://%s/v1/alerts/alertmanager",
              bench_broker_http_address (broker));
    char token [IM_TOKEN_TEXT], errbuf [256];
    if (bench_broker_token (broker, token, errbuf, sizeof errbuf)) {
        fprintf (stderr, "imq-bench-http: %s\n", errbuf);
        return -1;
    }
    if (*token)
        snprintf (shared.authorization, sizeof shared.authorization,
                  "Authorization: Bearer %s", token);
    uint64_t posts = options->batches * options->copies;
    shared.latencies_ms = (double *) calloc (posts + 1, sizeof (double));
    assert (shared.latencies_ms);
    pthread_t threads [S_THREADS_MAX];
    uint64_t start = bench_now_us ();
    for (size_t index = 0; index < options->threads; index++)
        pthread_create (&threads [index], NULL, s_sender, &shared);
    for (size_t index = 0; index < options->threads; index++)
        pthread_join (threads [index], NULL);
    double seconds = (double) (bench_now_us () - start) / 1e6;
    int rc = atomic_load (&shared.failed) ? -1 : 0;
    uint64_t alerts = options->batches * options->batch_size
                    * options->copies;
    uint64_t unique = options->batches * options->batch_size;
    uint64_t opened = atomic_load (&shared.opened);
    uint64_t added = atomic_load (&shared.added);
    uint64_t duplicate = atomic_load (&shared.duplicate);
    uint64_t expected_opened = unique < options->fingerprints
                             ? unique : options->fingerprints;
    if (rc == 0 && (opened + added + duplicate != alerts
                    || opened != expected_opened
                    || duplicate != alerts - unique)) {
        fprintf (stderr, "imq-bench-http: outcomes do not add up: opened %"
                 PRIu64 " (expected %" PRIu64 "), added %" PRIu64
                 ", duplicate %" PRIu64 " (expected %" PRIu64 ") of %"
                 PRIu64 "\n", opened, expected_opened, added, duplicate,
                 alerts - unique, alerts);
        rc = -1;
    }
    if (rc == 0) {
        size_t n = (size_t) atomic_load (&shared.latencies_n);
        double p50 = bench_percentile (shared.latencies_ms, n, 50);
        double p99 = bench_percentile (shared.latencies_ms, n, 99);
        char a [32], b [32], c [32];
        printf ("ingest into one broker, same run:\n");
        printf ("  ZeroMQ OPEN, pipelined (%zu in flight):   %12s "
                "commands/s\n", options->inflight,
                bench_thousands (zeromq_per_s, a, sizeof a));
        printf ("  HTTP Alertmanager, %zu alerts a POST, %zu "
                "connections:\n", options->batch_size, options->threads);
        printf ("    alerts accepted                        %12s /s "
                "(%s POSTs/s; per POST p50 %.1f ms, p99 %.1f ms)\n",
                bench_thousands ((double) alerts / seconds, a, sizeof a),
                bench_thousands ((double) posts / seconds, b, sizeof b),
                p50, p99);
        printf ("    of which committed as ALERT commands   %12s /s "
                "(the rest were HA copies)\n",
                bench_thousands ((double) unique / seconds, c, sizeof c));
        printf ("    outcomes: %" PRIu64 " alerts: opened %.1f%%, added "
                "%.1f%%, duplicate %.1f%%\n", alerts,
                100.0 * (double) opened / (double) alerts,
                100.0 * (double) added / (double) alerts,
                100.0 * (double) duplicate / (double) alerts);
    }
    free (shared.latencies_ms);
    return rc;
}

int
main (int argc, char *argv [])
{
    s_options_t options;
    if (s_parse (argc, argv, &options))
        return 2;
    zsys_init ();
    zsys_set_logstream (stderr);
    curl_global_init (CURL_GLOBAL_DEFAULT);
    char dir [512];
    const char *base = getenv ("IM_TEST_TMPDIR");
    snprintf (dir, sizeof dir, "%s/imq-bench-http-XXXXXX",
              base && *base ? base : "/tmp");
    zsys_dir_create ("%s", base && *base ? base : "/tmp");
    char errbuf [1024] = "";
    int rc = -1;
    bench_broker_t *broker = NULL;
    bench_load_t *load = NULL;
    if (!mkdtemp (dir))
        snprintf (errbuf, sizeof errbuf, "mkdtemp %s: %s", dir,
                  strerror (errno));
    else
        broker = options.plain
               ? bench_broker_new_plain (IMQ_BROKER_PATH, dir, errbuf,
                                         sizeof errbuf)
               : bench_broker_new (IMQ_BROKER_PATH, NULL, dir, errbuf,
                                   sizeof errbuf);
    char tag [64];
    snprintf (tag, sizeof tag, "bench-http-%d", (int) getpid ());
    if (broker)
        load = bench_load_new (bench_broker_client_endpoint (broker), 4, tag);
    bench_load_result_t zeromq;
    if (load) {
        fprintf (stderr, "imq-bench-http: %" PRIu64 " OPENs over ZeroMQ, "
                 "then %" PRIu64 " notifications of %zu alerts over HTTP "
                 "(x%u copies), broker data in %s\n", options.opens,
                 options.batches, options.batch_size, options.copies, dir);
        rc = bench_load_run (load, options.opens, options.inflight, NULL,
                             NULL, 0, NULL, &zeromq, errbuf, sizeof errbuf);
    }
    if (rc == 0)
        rc = s_http_phase (&options, broker, zeromq.per_s);
    if (rc && *errbuf)
        fprintf (stderr, "imq-bench-http: FAILED: %s\n", errbuf);
    bench_load_destroy (&load);
    bench_broker_destroy (&broker);
    if (options.keep || rc)
        fprintf (stderr, "imq-bench-http: data kept in %s\n", dir);
    else {
        zdir_t *tree = zdir_new (dir, NULL);
        if (tree)
            zdir_remove (tree, true);
        zdir_destroy (&tree);
    }
    curl_global_cleanup ();
    return rc ? 1 : 0;
}
