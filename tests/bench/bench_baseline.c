/*  bench_baseline - what this disk and RocksDB give without imq

    A throughput figure for imq means little on its own on a shared
    machine whose disk may be fast one day and slow the next. So the
    benchmark measures, in the same run and on the same file system,
    what a plain RocksDB gives for records of an imq event's size written
    in synced batches, and how long one fdatasync of 4 KiB takes. imq's
    figure is then read as a ratio to these.
*/
#include "bench_ingest.h"

#define FSYNC_SAMPLES  500
#define FSYNC_BLOCK    4096
#define POOL_SIZE      (1024 * 1024)  //  Random bytes values are cut from

static const size_t s_batch_sizes [BENCH_BASELINE_SIZES] = {
    1, 64, 512, 4096
};

//  Fills buffer with bytes that do not compress, from a xorshift state
static void
s_fill_random (unsigned char *buffer, size_t size, uint64_t *state)
{
    for (size_t index = 0; index < size; index++) {
        uint64_t x = *state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *state = x;
        buffer [index] = (unsigned char) (x >> 24);
    }
}

//  Writes batches of batch records until ms passed (at least 3 batches).
//  Values are slices of a random pool, so that making them costs
//  nothing next to writing them. Returns records per second, or a
//  negative value with errbuf set.
static double
s_rocksdb_rate (rocksdb_t *db, rocksdb_writeoptions_t *sync,
                size_t batch, size_t record_size, int ms, uint64_t *next_key,
                char *errbuf, size_t errlen)
{
    size_t pool_size = POOL_SIZE + record_size;
    unsigned char *pool = (unsigned char *) malloc (pool_size);
    if (!pool) {
        snprintf (errbuf, errlen, "out of memory");
        return -1;
    }
    uint64_t state = 0x9e3779b97f4a7c15ull ^ *next_key;
    s_fill_random (pool, pool_size, &state);
    rocksdb_writebatch_t *writes = rocksdb_writebatch_create ();
    uint64_t started = bench_now_us ();
    uint64_t deadline = started + (uint64_t) ms * 1000;
    uint64_t records = 0, batches = 0;
    double rate = -1;
    while ((bench_now_us () < deadline || batches < 3) && !zsys_interrupted) {
        rocksdb_writebatch_clear (writes);
        for (size_t index = 0; index < batch; index++) {
            unsigned char key [8];
            uint64_t seq = (*next_key)++;
            im_put_u64 (key, seq);
            const unsigned char *value = pool + (seq * 7919) % POOL_SIZE;
            rocksdb_writebatch_put (writes, (const char *) key, 8,
                                    (const char *) value, record_size);
        }
        char *err = NULL;
        rocksdb_write (db, sync, writes, &err);
        if (err) {
            snprintf (errbuf, errlen, "rocksdb_write: %s", err);
            rocksdb_free (err);
            records = 0;
            break;
        }
        records += batch;
        batches++;
    }
    double seconds = (double) (bench_now_us () - started) / 1e6;
    if (records && seconds > 0)
        rate = (double) records / seconds;
    else
    if (!*errbuf)
        snprintf (errbuf, errlen, "interrupted");
    rocksdb_writebatch_destroy (writes);
    free (pool);
    return rate;
}

static int
s_rocksdb (const char *dir, bench_baseline_t *result, int ms,
           char *errbuf, size_t errlen)
{
    char path [512];
    snprintf (path, sizeof path, "%s/rocksdb", dir);
    rocksdb_options_t *options = rocksdb_options_create ();
    rocksdb_options_set_create_if_missing (options, 1);
    rocksdb_options_set_error_if_exists (options, 1);
    rocksdb_writeoptions_t *sync = rocksdb_writeoptions_create ();
    rocksdb_writeoptions_set_sync (sync, 1);
    char *err = NULL;
    rocksdb_t *db = rocksdb_open (options, path, &err);
    int rc = 0;
    if (err) {
        snprintf (errbuf, errlen, "rocksdb_open %s: %s", path, err);
        rocksdb_free (err);
        rc = -1;
    }
    uint64_t next_key = 1;
    for (size_t index = 0; rc == 0 && index < BENCH_BASELINE_SIZES; index++) {
        result->batch [index] = s_batch_sizes [index];
        result->records_per_s [index] = s_rocksdb_rate (
            db, sync, s_batch_sizes [index], result->record_size, ms,
            &next_key, errbuf, errlen);
        if (result->records_per_s [index] < 0)
            rc = -1;
        else {
            char rate [32];
            fprintf (stderr, "  rocksdb sync=1 batch %4zu: %s records/s\n",
                     s_batch_sizes [index],
                     bench_thousands (result->records_per_s [index], rate,
                                      sizeof rate));
        }
    }
    if (db)
        rocksdb_close (db);
    rocksdb_writeoptions_destroy (sync);
    rocksdb_options_destroy (options);
    return rc;
}

static int
s_fsync (const char *dir, bench_baseline_t *result, char *errbuf,
         size_t errlen)
{
    char path [512];
    snprintf (path, sizeof path, "%s/fsync.dat", dir);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        snprintf (errbuf, errlen, "open %s: %s", path, strerror (errno));
        return -1;
    }
    unsigned char block [FSYNC_BLOCK];
    uint64_t state = 0x2545f4914f6cdd1dull;
    double samples [FSYNC_SAMPLES];
    size_t count = 0;
    int rc = 0;
    while (count < FSYNC_SAMPLES && !zsys_interrupted) {
        s_fill_random (block, sizeof block, &state);
        //  Appends, as a write-ahead log does: each sync also has the
        //  file's new size to write
        uint64_t started = bench_now_us ();
        if (write (fd, block, sizeof block) != (ssize_t) sizeof block
        ||  fdatasync (fd)) {
            snprintf (errbuf, errlen, "write/fdatasync %s: %s", path,
                      strerror (errno));
            rc = -1;
            break;
        }
        samples [count++] = (double) (bench_now_us () - started) / 1000.0;
    }
    close (fd);
    unlink (path);
    result->fsync_samples = count;
    result->fsync_p99_ms = bench_percentile (samples, count, 99);
    result->fsync_p50_ms = bench_percentile (samples, count, 50);
    return rc;
}

int
bench_baseline_run (const char *dir, size_t record_size, int ms_per_size,
                    bench_baseline_t *result, char *errbuf, size_t errlen)
{
    assert (dir && result && record_size > 0);
    result->record_size = record_size;
    *errbuf = 0;
    if (s_fsync (dir, result, errbuf, errlen))
        return -1;
    fprintf (stderr, "  fdatasync 4 KiB: p50 %.3f ms, p99 %.3f ms\n",
             result->fsync_p50_ms, result->fsync_p99_ms);
    return s_rocksdb (dir, result, ms_per_size, errbuf, errlen);
}
