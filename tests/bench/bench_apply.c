/*  bench_apply - the broker's CPU cost per OPEN, stage by stage

    imq-bench-ingest measures what the whole broker sustains; this
    program says where its CPU goes, one thread, no sockets, so that the
    figures hold on a busy machine. It runs the code the broker runs on
    every OPEN, with the thread's own CPU clock around each stage:

    1. ingress (main thread): a client's REQUEST message is decoded,
       turned into a command stamped by the leader, and packed; entries
       of K commands are encoded as the Raft thread proposes them;
    2. apply (state-machine thread): each entry goes through imc_fsm
       into a real RocksDB on disk (no fsync: libraft made the entry
       durable) and the results are packed for the main thread;
    3. egress (main thread): each result becomes the REPLY message;
    4. the client's side, for reference: a REQUEST encoded and a REPLY
       decoded, as imq-bench-ingest's load generator does.

    Baseline, same run, same disk: the same number of RocksDB puts an
    OPEN makes (four keys, the same bytes), in write batches of K,
    without imq's code around them.

    The state machine's share of RocksDB's background work (flushing
    memtables to table files, compaction) runs on RocksDB's threads; it
    is counted in a second figure, the process's CPU from the first
    entry to the store closed (which flushes what is left).

    Usage: imq-bench-apply [--opens N] [--per-entry K]
                           [--ids time|random] [--no-baseline]

    --no-baseline leaves out the RocksDB run, for profiling imq alone
    (valgrind --tool=callgrind counts the same instructions every run).
*/
#include "bench_ingest.h"
#include "imb_classes.h"
#include <time.h>

#define OPENS_DEFAULT       200000
#define PER_ENTRY_DEFAULT   75

typedef struct {
    double ingress, apply, egress, client, baseline;   //  CPU seconds
    double process;                 //  Whole process, apply phase
} s_costs_t;

static double
s_cpu_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

static double
s_process_cpu_now (void)
{
    struct timespec now;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

//  Request id of OPEN number index: led by the time in ms as imqctl
//  makes them (here a clock that moves 1 ms every 40 OPENs, about the
//  rate measured), or random-looking
static void
s_request_id (uint64_t index, bool time_ids, char *id, size_t size)
{
    if (time_ids)
        snprintf (id, size, "%012" PRIx64 "%020" PRIx64,
                  (uint64_t) 0x19ac0000000ull + index / 40, index);
    else {
        //  splitmix64, as the load generator scrambles its ids
        uint64_t value = index + 0x9e3779b97f4a7c15ull;
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
        value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
        snprintf (id, size, "%016" PRIx64 "%016" PRIx64,
                  value ^ (value >> 31), index);
    }
}

static im_fields_t *
s_body_new (void)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", "Checkout API p99 latency above 2 s "
                       "on the EU web tier since 02:15 UTC");
    im_fields_set_str (body, "reporter", "alertmanager@monitoring");
    im_fields_set_str (body, "service", "checkout-api");
    im_fields_set_int (body, "impact", 2);
    im_fields_set_int (body, "urgency", 2);
    return body;
}

//  Runs one entry of count OPENs starting at first through every stage
static int
s_entry (imc_fsm_t *fsm, const im_fields_t *body, uint64_t first,
         size_t count, uint64_t index, bool time_ids, zchunk_t *results,
         msgpack_sbuffer *packed, s_costs_t *costs)
{
    //  The client encodes its requests (not the broker's cost)
    zmsg_t **requests = (zmsg_t **) calloc (count, sizeof (zmsg_t *));
    char ids [PER_ENTRY_DEFAULT * 8][IM_REQUEST_ID_MAX];
    assert (requests && count <= PER_ENTRY_DEFAULT * 8);
    double started = s_cpu_now ();
    for (size_t cmd = 0; cmd < count; cmd++) {
        s_request_id (first + cmd, time_ids, ids [cmd], sizeof ids [cmd]);
        requests [cmd] = im_request_encode ("OPEN", ids [cmd], body);
    }
    costs->client += s_cpu_now () - started;

    //  Ingress: decode, command, pack, entry
    started = s_cpu_now ();
    packed->size = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, packed, msgpack_sbuffer_write);
    int rc = 0;
    for (size_t cmd = 0; cmd < count && rc == 0; cmd++) {
        im_request_t *request = im_request_new ();
        char reason [256];
        im_command_t *command = NULL;
        rc = im_request_decode (request, &requests [cmd], reason,
                                sizeof reason);
        if (rc == 0) {
            zmsg_t *error = imb_command_from (request, NULL, NULL, &command);
            rc = error ? -1 : im_command_pack (command, &pk);
            zmsg_destroy (&error);
        }
        im_command_destroy (&command);
        im_request_destroy (&request);
    }
    void *entry = NULL;
    size_t entry_size = 0;
    if (rc == 0)
        rc = im_entry_encode_packed (packed->data, packed->size, count,
                                     malloc, &entry, &entry_size);
    costs->ingress += s_cpu_now () - started;
    free (requests);
    if (rc)
        return -1;

    //  Apply, and the results packed for the main thread
    started = s_cpu_now ();
    rc = imc_fsm_apply (fsm, index, entry, entry_size);
    size_t results_n = 0;
    const imc_fsm_result_t *result = imc_fsm_results (fsm, &results_n);
    imb_raft_results_begin (results, imc_fsm_last_seq (fsm),
                            (uint32_t) results_n);
    for (size_t cmd = 0; cmd < results_n; cmd++)
        imb_raft_results_add (results, first + cmd, result [cmd].status,
                              result [cmd].body);
    zframe_t *frame = zframe_new (zchunk_data (results), zchunk_size (results));
    costs->apply += s_cpu_now () - started;
    free (entry);
    if (rc || results_n != count) {
        zframe_destroy (&frame);
        return -1;
    }

    //  Egress: one REPLY per result
    started = s_cpu_now ();
    uint64_t last_seq;
    uint32_t n;
    size_t offset;
    zmsg_t **replies = (zmsg_t **) calloc (count, sizeof (zmsg_t *));
    rc = imb_raft_results_header (frame, &last_seq, &n, &offset);
    for (uint32_t cmd = 0; cmd < n && rc == 0; cmd++) {
        uint64_t token;
        int status;
        const void *reply_body;
        size_t size;
        rc = imb_raft_results_next (frame, &offset, &token, &status,
                                    &reply_body, &size);
        if (rc == 0 && status != 200)
            rc = -1;
        if (rc == 0)
            replies [cmd] = im_reply_encode_packed (status, ids [cmd],
                                                    reply_body, size);
    }
    costs->egress += s_cpu_now () - started;
    zframe_destroy (&frame);

    //  The client decodes its replies
    started = s_cpu_now ();
    for (size_t cmd = 0; cmd < count && rc == 0; cmd++) {
        im_reply_t *reply = im_reply_new (200);
        char reason [256];
        if (im_reply_decode (reply, &replies [cmd], false, reason,
                             sizeof reason) || reply->status != 200)
            rc = -1;
        im_reply_destroy (&reply);
    }
    costs->client += s_cpu_now () - started;
    for (size_t cmd = 0; cmd < count; cmd++)
        zmsg_destroy (&replies [cmd]);
    free (replies);
    return rc;
}

//  Three puts per OPEN (event, projection, request result)
//  of about the sizes imq writes, batches of per_entry OPENs, no sync
static int
s_baseline (const char *path, size_t opens, size_t per_entry,
            bool time_ids, double *seconds)
{
    rocksdb_options_t *options = rocksdb_options_create ();
    rocksdb_options_set_create_if_missing (options, 1);
    char *err = NULL;
    rocksdb_t *db = rocksdb_open (options, path, &err);
    if (!db) {
        fprintf (stderr, "baseline: %s\n", err);
        free (err);
        rocksdb_options_destroy (options);
        return -1;
    }
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create ();
    char value [300];
    memset (value, 'v', sizeof value);
    double started = s_cpu_now ();
    for (size_t first = 0; first < opens && !err; first += per_entry) {
        rocksdb_writebatch_t *batch = rocksdb_writebatch_create ();
        for (size_t index = first; index < first + per_entry; index++) {
            char key [48], id [48];
            snprintf (key, sizeof key, "e%016zx", index);
            rocksdb_writebatch_put (batch, key, strlen (key), value, 281);
            key [0] = 'i';
            rocksdb_writebatch_put (batch, key, strlen (key), value, 300);
            s_request_id (index, time_ids, id, sizeof id);
            rocksdb_writebatch_put (batch, id, strlen (id), value, 40);
        }
        rocksdb_write (db, write, batch, &err);
        rocksdb_writebatch_destroy (batch);
    }
    *seconds = s_cpu_now () - started;
    rocksdb_writeoptions_destroy (write);
    rocksdb_close (db);
    rocksdb_options_destroy (options);
    if (err) {
        fprintf (stderr, "baseline: %s\n", err);
        free (err);
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    size_t opens = OPENS_DEFAULT, per_entry = PER_ENTRY_DEFAULT;
    bool time_ids = true, baseline = true;
    for (int arg = 1; arg < argc; arg++) {
        if (streq (argv [arg], "--opens") && arg + 1 < argc)
            opens = strtoul (argv [++arg], NULL, 10);
        else
        if (streq (argv [arg], "--per-entry") && arg + 1 < argc)
            per_entry = strtoul (argv [++arg], NULL, 10);
        else
        if (streq (argv [arg], "--ids") && arg + 1 < argc
        &&  (streq (argv [arg + 1], "time") || streq (argv [arg + 1], "random")))
            time_ids = streq (argv [++arg], "time");
        else
        if (streq (argv [arg], "--no-baseline"))
            baseline = false;
        else {
            fprintf (stderr, "usage: imq-bench-apply [--opens N] "
                     "[--per-entry K (1..%d)] [--ids time|random] "
                     "[--no-baseline]\n",
                     PER_ENTRY_DEFAULT * 8);
            return 2;
        }
    }
    if (opens == 0 || per_entry == 0 || per_entry > PER_ENTRY_DEFAULT * 8) {
        fprintf (stderr, "imq-bench-apply: --opens and --per-entry must be "
                 "at least 1, --per-entry at most %d\n", PER_ENTRY_DEFAULT * 8);
        return 2;
    }
    opens = (opens + per_entry - 1) / per_entry * per_entry;
    zsys_init ();
    zsys_set_logstream (NULL);
    const char *tmp = getenv ("IM_TEST_TMPDIR");
    char dir [512], store_path [600], base_path [600];
    snprintf (dir, sizeof dir, "%s/imq-bench-apply-XXXXXX", tmp ? tmp : "/tmp");
    if (tmp)
        zsys_dir_create ("%s", tmp);
    if (!mkdtemp (dir)) {
        perror ("mkdtemp");
        return 1;
    }
    snprintf (store_path, sizeof store_path, "%s/store", dir);
    snprintf (base_path, sizeof base_path, "%s/baseline", dir);

    char errbuf [256] = "";
    imc_store_t *store = imc_store_new (store_path, NULL, errbuf,
                                        sizeof errbuf);
    imc_fsm_t *fsm = store ? imc_fsm_new (store) : NULL;
    im_fields_t *body = s_body_new ();
    zchunk_t *results = zchunk_new (NULL, 64 * 1024);
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    s_costs_t costs = { 0 };
    int rc = fsm && body && results ? 0 : -1;
    if (rc)
        fprintf (stderr, "imq-bench-apply: cannot open the store: %s\n",
                 errbuf);
    imc_store_thread_quiet ();
    uint64_t index = 0;
    double process_started = s_process_cpu_now ();
    for (size_t first = 0; first < opens && rc == 0; first += per_entry)
        rc = s_entry (fsm, body, first, per_entry, ++index, time_ids,
                      results, &packed, &costs);
    if (rc == 0 && imc_fsm_last_seq (fsm) != opens) {
        fprintf (stderr, "imq-bench-apply: %" PRIu64 " events for %zu "
                 "OPENs\n", imc_fsm_last_seq (fsm), opens);
        rc = -1;
    }
    imc_fsm_destroy (&fsm);
    imc_store_destroy (&store);
    costs.process = s_process_cpu_now () - process_started
                  - costs.client - costs.ingress - costs.egress;
    if (rc == 0 && baseline)
        rc = s_baseline (base_path, opens, per_entry, time_ids,
                         &costs.baseline);
    msgpack_sbuffer_destroy (&packed);
    zchunk_destroy (&results);
    im_fields_destroy (&body);
    zdir_t *tree = zdir_new (dir, NULL);
    if (tree)
        zdir_remove (tree, true);
    zdir_destroy (&tree);

    if (rc == 0) {
        double per = 1e6 / (double) opens;
        printf ("imq broker CPU per OPEN, one thread (%zu OPENs, %zu per "
                "entry, %s request ids)\n", opens, per_entry,
                time_ids ? "time-ordered" : "random");
        printf ("  %-44s %8.2f us\n", "ingress: decode, command, pack, entry",
                costs.ingress * per);
        printf ("  %-44s %8.2f us\n", "apply: state machine + RocksDB write",
                costs.apply * per);
        printf ("  %-44s %8.2f us\n", "apply + RocksDB background threads",
                costs.process * per);
        printf ("  %-44s %8.2f us\n", "egress: REPLY message",
                costs.egress * per);
        printf ("  %-44s %8.2f us\n", "broker total",
                (costs.ingress + costs.apply + costs.egress) * per);
        printf ("  %-44s %8.2f us\n", "client: REQUEST encode + REPLY decode",
                costs.client * per);
        if (baseline)
            printf ("  %-44s %8.2f us   baseline, same run\n",
                    "RocksDB alone: 4 puts per OPEN, no sync",
                    costs.baseline * per);
    }
    return rc ? 1 : 0;
}
