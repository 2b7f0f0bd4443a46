/*  imc_store - the RocksDB database that holds the log and its projections

    A node keeps everything it applied in one RocksDB database, so that
    events, projections, idempotency results, consumer offsets and the
    applied Raft index always move together in one atomic write. This
    file opens the database with bounded memory, checks its schema and
    writes through batches; batches are in imc_store_batch.c and the read
    paths in imc_store_read.c.

    Memory is bounded whatever the load: one LRU block cache holds the
    data, index and filter blocks of every column family, and all the
    memtables together stay under write_buffer_mb.

    Durability: the Raft log holds every committed entry, so the store
    keeps no WAL of its own; a crash loses the memtables, and the
    entries above meta.applied are applied again from the log (docs/
    storage.md section 2). Two things make that sound. Every flush
    covers all column families at once (atomic flush), so the store on
    disk is always the state after some whole entry. And imc_store_sync
    forces such a flush before libraft may delete log entries.

    Threads: one thread owns the store and is the only one that writes
    batches or reads errmsg; the thread that opens it may hand it on (the
    broker opens it on its main thread and its applier thread writes,
    docs/architecture.md section 2). Reads, checkpoints and syncs may
    come from other threads, so they never write into the object: they
    log their failures instead (imc_store_read.c).
*/
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_log.h"
#include "imc_store.h"
#include "imc_store_private.h"

#define S_MB                ((size_t) 1 << 20)
#define S_CF_WRITE_BUFFER   (16 * S_MB)     //  Per column family, at most
#define S_MAX_OPEN_FILES    256             //  Table files kept open
#define S_LEVELS            7               //  RocksDB's default
#define S_INFO_LOG_FATAL    4               //  rocksdb::FATAL_LEVEL

//  Names of our column families, indexed by imc_store_cf_t
static const char *s_cf_names [IMC_STORE_CF_COUNT] = {
    "default", "events", "incidents", "requests", "offsets", "meta",
    "deadlines", "dedup", "request_times"
};

void
imc_store_thread_quiet (void)
{
    rocksdb_set_perf_level (1);     //  rocksdb::PerfLevel::kDisable
}

void
imc_store_options_default (imc_store_options_t *options)
{
    assert (options);
    options->block_cache_mb = 32;
    options->write_buffer_mb = 64;
    options->read_only = false;
}


//  --------------------------------------------------------------------
//  Records a failure of the owning thread in errmsg, the log and, when
//  not NULL, errbuf

void
imc_store_fail (imc_store_t *self, char *errbuf, size_t errlen,
                const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->errmsg, sizeof self->errmsg, format, args);
    va_end (args);
    im_log_error ("imc_store: %s", self->errmsg);
    if (errbuf && errlen)
        im_strlcpy (errbuf, self->errmsg, errlen);
}


//  --------------------------------------------------------------------
//  The requests column family is keyed by request ids and is only ever
//  read by exact key (and scanned whole by dumps). Its memtable is
//  RocksDB's skiplist: ids made by imq clients lead with the time in ms,
//  so an insert lands near the end of the list, and a flush walks the
//  list in order. (A hash of linked lists made random ids cheaper to
//  insert, but every flush then sorted the whole memtable: about 16k
//  instructions per OPEN on the flush thread, against 2k saved on the
//  state machine's; docs/benchmarks.md.) The whole key is the "prefix"
//  of its bloom filters, over the memtable and per key in table files.

static void
s_whole_key_destroy (void *state)
{
    (void) state;                   //  Stateless; RocksDB calls it anyway
}

static char *
s_whole_key (void *state, const char *key, size_t length, size_t *dst_length)
{
    (void) state;
    *dst_length = length;
    return (char *) key;
}

static unsigned char
s_whole_key_in_domain (void *state, const char *key, size_t length)
{
    (void) state;
    (void) key;
    (void) length;
    return 1;
}

static unsigned char
s_whole_key_in_range (void *state, const char *key, size_t length)
{
    (void) state;
    (void) key;
    (void) length;
    return 0;
}

static const char *
s_whole_key_name (void *state)
{
    (void) state;
    //  RocksDB records this name in every table file: keep it stable
    return "imq.WholeKey";
}

static void
s_requests_options_build (imc_store_t *self)
{
    self->requests_options = rocksdb_options_create_copy (self->options);
    rocksdb_options_set_prefix_extractor (
        self->requests_options,     //  Takes ownership of the transform
        rocksdb_slicetransform_create (NULL, s_whole_key_destroy,
                                       s_whole_key,
                                       s_whole_key_in_domain,
                                       s_whole_key_in_range,
                                       s_whole_key_name));
}


//  --------------------------------------------------------------------
//  Returns new table options on the one block cache, the caller's;
//  with bloom filters when filter is true

static rocksdb_block_based_table_options_t *
s_table_new (imc_store_t *self, bool filter)
{
    rocksdb_block_based_table_options_t *table =
        rocksdb_block_based_options_create ();
    rocksdb_block_based_options_set_block_cache (table, self->cache);
    //  Index and filter blocks count against the cache too, so that a
    //  large database cannot grow memory behind the cache's back
    rocksdb_block_based_options_set_cache_index_and_filter_blocks (table, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache (
        table, 1);
    //  Most lookups of a request id miss (a new command): a bloom filter
    //  per table, and one over each memtable, answer those cheaply
    if (filter)
        rocksdb_block_based_options_set_filter_policy (
            table, rocksdb_filterpolicy_create_bloom_full (10));
    //  ... in partitions of about 4 KiB, found through a small top-level
    //  index pinned in the cache. A table's whole filter (or index) is
    //  about 1.2 MiB per million keys, more than one shard of the LRU
    //  cache holds (the cache is split in shards of 512 KiB or less):
    //  such a block is read from the file again at every lookup, and
    //  measured that way the state machine spent ~220 us per OPEN
    //  reading filters once the store outgrew its first tables.
    rocksdb_block_based_options_set_partition_filters (table, 1);
    rocksdb_block_based_options_set_index_type (
        table, rocksdb_block_based_table_index_type_two_level_index_search);
    rocksdb_block_based_options_set_metadata_block_size (table, 4096);
    rocksdb_block_based_options_set_pin_top_level_index_and_filter (table, 1);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority (
        table, 1);
    return table;
}


//  --------------------------------------------------------------------
//  The events family is read by seq, and seqs only grow: every table
//  file holds a range of seqs no other file at its level overlaps, so
//  a lookup finds its one file by range and a bloom filter never spares
//  a read. Its table files and its memtable go without one.

static void
s_events_options_build (imc_store_t *self)
{
    self->events_options = rocksdb_options_create_copy (self->options);
    rocksdb_block_based_table_options_t *table = s_table_new (self, false);
    rocksdb_options_set_block_based_table_factory (self->events_options,
                                                   table);
    rocksdb_block_based_options_destroy (table);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio (
        self->events_options, 0);
}


//  --------------------------------------------------------------------
//  Builds the options every column family shares: the one block cache,
//  memtable limits and a cap on open files and log files

static void
s_options_build (imc_store_t *self, const imc_store_options_t *options)
{
    size_t cache_mb = options->block_cache_mb ? options->block_cache_mb : 32;
    size_t buffer_mb = options->write_buffer_mb ? options->write_buffer_mb : 64;
    size_t cf_buffer = buffer_mb * S_MB / 2;
    if (cf_buffer > S_CF_WRITE_BUFFER)
        cf_buffer = S_CF_WRITE_BUFFER;

    self->cache = rocksdb_cache_create_lru (cache_mb * S_MB);
    rocksdb_block_based_table_options_t *table = s_table_new (self, true);
    self->options = rocksdb_options_create ();
    rocksdb_options_set_block_based_table_factory (self->options, table);
    rocksdb_block_based_options_destroy (table);    //  The factory copied it
    rocksdb_options_set_create_if_missing (self->options, 1);
    //  Flushes write level 0 uncompressed: the state machine's every
    //  byte passes through a flush, and level 0 is soon compacted into
    //  level 1 anyway, which then compresses once (with nothing to
    //  decompress first). Levels 1 and below stay snappy, as before.
    int levels [S_LEVELS];
    levels [0] = rocksdb_no_compression;
    for (size_t level = 1; level < S_LEVELS; level++)
        levels [level] = rocksdb_snappy_compression;
    rocksdb_options_set_num_levels (self->options, S_LEVELS);
    rocksdb_options_set_compression_per_level (self->options, levels,
                                               S_LEVELS);
    rocksdb_options_set_create_missing_column_families (self->options, 1);
    rocksdb_options_set_db_write_buffer_size (self->options, buffer_mb * S_MB);
    rocksdb_options_set_write_buffer_size (self->options, cf_buffer);
    rocksdb_options_set_max_write_buffer_number (self->options, 2);
    rocksdb_options_set_memtable_whole_key_filtering (self->options, 1);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio (self->options, 0.02);
    rocksdb_options_set_max_open_files (self->options, S_MAX_OPEN_FILES);
    //  One thread writes, so concurrent memtable inserts gain nothing;
    //  and the hashed memtable of requests does not support them
    rocksdb_options_set_allow_concurrent_memtable_write (self->options, 0);
    //  No WAL (see the top): a flush takes every family or none
    rocksdb_options_set_atomic_flush (self->options, 1);
    //  Column families written rarely (offsets, meta) would otherwise pin
    //  old WAL files for ever: flush them once the WAL reaches this size
    rocksdb_options_set_max_total_wal_size (self->options,
                                            (uint64_t) (4 * buffer_mb * S_MB));
    rocksdb_options_set_keep_log_file_num (self->options, 4);
    rocksdb_options_set_max_log_file_size (self->options, 8 * S_MB);
    //  RocksDB's own LOG holds its header (the options) and nothing else:
    //  Debian's RocksDB 7.8 keeps an assertion that aborts the process
    //  when its info logger writes again after a write to the LOG failed,
    //  so on a full disk any message logged after the first failure
    //  killed the node before it could answer what it had in flight
    rocksdb_options_set_info_log_level (self->options, S_INFO_LOG_FATAL);
    s_requests_options_build (self);
    s_events_options_build (self);
}


//  --------------------------------------------------------------------
//  Lists the column families to open: ours first, then any other the
//  database already holds, since RocksDB refuses to open an existing
//  database unless every column family is named. Returns 0 or a
//  negative code (errbuf filled).

static int
s_cf_list (imc_store_t *self, const char *path, char *errbuf, size_t errlen)
{
    char *err = NULL;
    size_t found = 0;
    char **names = rocksdb_list_column_families (self->options, path,
                                                 &found, &err);
    bool existed = err == NULL;
    if (err) {
        //  RocksDB returns an (empty) array even when it fails
        if (names)
            rocksdb_list_column_families_destroy (names, found);
        if (self->read_only) {
            imc_store_fail (self, errbuf, errlen, "no database at '%s': %s",
                            path, err);
            rocksdb_free (err);
            return IM_ENOTFOUND;
        }
        rocksdb_free (err);             //  No database yet: we create it
        names = NULL;
        found = 0;
    }
    self->disk_names = names;
    self->disk_count = found;
    self->cf_names = (const char **) calloc (IMC_STORE_CF_COUNT + found,
                                             sizeof (char *));
    self->cf_handles = (rocksdb_column_family_handle_t **) calloc (
        IMC_STORE_CF_COUNT + found, sizeof (rocksdb_column_family_handle_t *));
    if (!self->cf_names || !self->cf_handles) {
        imc_store_fail (self, errbuf, errlen, "out of memory opening '%s'",
                        path);
        return IM_ENOMEM;
    }
    for (size_t index = 0; index < IMC_STORE_CF_COUNT; index++)
        self->cf_names [self->cf_count++] = s_cf_names [index];

    bool has_meta = false;
    for (size_t index = 0; index < found; index++) {
        bool ours = false;
        for (size_t known = 0; known < IMC_STORE_CF_COUNT; known++)
            if (streq (names [index], s_cf_names [known]))
                ours = true;
        if (streq (names [index], s_cf_names [IMC_STORE_CF_META]))
            has_meta = true;
        if (!ours)
            self->cf_names [self->cf_count++] = names [index];
    }
    //  A database without our meta family was made by someone else:
    //  adding our families to it would damage it
    if (existed && !has_meta) {
        imc_store_fail (self, errbuf, errlen, "'%s' is not an imq database "
                        "(no meta column family)", path);
        return IM_ESTATE;
    }
    return 0;
}


//  --------------------------------------------------------------------
//  Opens every listed column family. Returns 0 or IM_EIO/IM_ENOMEM.

static int
s_open (imc_store_t *self, const char *path, char *errbuf, size_t errlen)
{
    const rocksdb_options_t **cf_options = (const rocksdb_options_t **)
        calloc (self->cf_count, sizeof (rocksdb_options_t *));
    if (!cf_options) {
        imc_store_fail (self, errbuf, errlen, "out of memory opening '%s'",
                        path);
        return IM_ENOMEM;
    }
    for (size_t index = 0; index < self->cf_count; index++)
        cf_options [index] = index == IMC_STORE_CF_REQUESTS
                           ? self->requests_options
                           : index == IMC_STORE_CF_EVENTS
                           ? self->events_options : self->options;

    char *err = NULL;
    if (self->read_only)
        self->db = rocksdb_open_for_read_only_column_families (
            self->options, path, (int) self->cf_count, self->cf_names,
            cf_options, self->cf_handles, 0, &err);
    else
        self->db = rocksdb_open_column_families (
            self->options, path, (int) self->cf_count, self->cf_names,
            cf_options, self->cf_handles, &err);
    free (cf_options);
    if (err) {
        imc_store_note (self, err);
        imc_store_fail (self, errbuf, errlen, "cannot open '%s': %s", path,
                        err);
        rocksdb_free (err);
        self->db = NULL;
        return IM_EIO;
    }
    for (size_t index = 0; index < IMC_STORE_CF_COUNT; index++)
        self->cf [index] = self->cf_handles [index];
    return 0;
}


//  --------------------------------------------------------------------
//  True when the meta column family holds no key at all

static bool
s_meta_empty (imc_store_t *self)
{
    rocksdb_iterator_t *iterator = rocksdb_create_iterator_cf (
        self->db, self->read, self->cf [IMC_STORE_CF_META]);
    rocksdb_iter_seek_to_first (iterator);
    bool empty = !rocksdb_iter_valid (iterator);
    rocksdb_iter_destroy (iterator);
    return empty;
}


//  --------------------------------------------------------------------
//  Checks the schema of an existing database, or writes it into a new
//  one. A database whose meta is empty was created by us and never got
//  as far as its schema, so it counts as new.

static int
s_schema_check (imc_store_t *self, const char *path,
                char *errbuf, size_t errlen)
{
    uint64_t schema = 0;
    if (imc_store_meta_get (self, IMC_STORE_META_SCHEMA, &schema)) {
        imc_store_fail (self, errbuf, errlen,
                        "cannot read the schema of '%s'", path);
        return IM_EIO;
    }
    if (schema == IMC_STORE_SCHEMA)
        return 0;
    if (schema != 0) {
        imc_store_fail (self, errbuf, errlen, "'%s' holds schema %" PRIu64
                        ", this build reads schema %d", path, schema,
                        IMC_STORE_SCHEMA);
        return IM_ESTATE;
    }
    if (self->read_only || !s_meta_empty (self)) {
        imc_store_fail (self, errbuf, errlen,
                        "'%s' is not an imq database (no schema)", path);
        return IM_ESTATE;
    }
    imc_store_batch_t *batch = imc_store_batch_new (self);
    if (!batch) {
        imc_store_fail (self, errbuf, errlen, "out of memory opening '%s'",
                        path);
        return IM_ENOMEM;
    }
    imc_store_batch_put_meta (batch, IMC_STORE_META_SCHEMA, IMC_STORE_SCHEMA);
    int rc = imc_store_batch_commit (self, &batch, true);
    if (rc && errbuf && errlen)
        im_strlcpy (errbuf, self->errmsg, errlen);
    return rc;
}


//  --------------------------------------------------------------------
//  Opens or creates the database at path with every column family

imc_store_t *
imc_store_new (const char *path, const imc_store_options_t *options,
               char *errbuf, size_t errlen)
{
    assert (path);
    imc_store_options_t defaults;
    imc_store_options_default (&defaults);
    if (!options)
        options = &defaults;

    imc_store_t *self = (imc_store_t *) calloc (1, sizeof (imc_store_t));
    if (!self) {
        if (errbuf && errlen)
            im_strlcpy (errbuf, "out of memory", errlen);
        return NULL;
    }
    self->read_only = options->read_only;
    s_options_build (self, options);
    self->read = rocksdb_readoptions_create ();
    self->write = rocksdb_writeoptions_create ();
    rocksdb_writeoptions_disable_WAL (self->write, 1);
    im_strlcpy (self->path, path, sizeof self->path);

    if (s_cf_list (self, path, errbuf, errlen)
    ||  s_open (self, path, errbuf, errlen)
    ||  s_schema_check (self, path, errbuf, errlen))
        imc_store_destroy (&self);      //  Half-built: same teardown path
    return self;
}


//  --------------------------------------------------------------------
//  Closes the database and frees everything, in reverse order

void
imc_store_destroy (imc_store_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imc_store_t *self = *self_p;
        //  Handles go before the database they belong to
        for (size_t index = 0; self->cf_handles && index < self->cf_count;
             index++)
            if (self->cf_handles [index])
                rocksdb_column_family_handle_destroy (self->cf_handles [index]);
        if (self->db)
            rocksdb_close (self->db);
        free (self->cf_handles);
        free (self->cf_names);
        if (self->disk_names)
            rocksdb_list_column_families_destroy (self->disk_names,
                                                  self->disk_count);
        rocksdb_writeoptions_destroy (self->write);
        rocksdb_readoptions_destroy (self->read);
        rocksdb_options_destroy (self->requests_options);
        rocksdb_options_destroy (self->events_options);
        rocksdb_options_destroy (self->options);
        rocksdb_cache_destroy (self->cache);
        free (self);
        *self_p = NULL;
    }
}

const char *
imc_store_errmsg (imc_store_t *self)
{
    assert (self);
    return self->errmsg;
}

bool
imc_store_is_damage (const char *message)
{
    return message && strstr (message, "Corruption:") != NULL;
}

void
imc_store_note (imc_store_t *self, const char *err)
{
    int none = 0;
    if (imc_store_is_damage (err)
    &&  atomic_compare_exchange_strong (&self->damage_state, &none, 1)) {
        im_strlcpy (self->damage, err, sizeof self->damage);
        atomic_store (&self->damage_state, 2);
    }
}

bool
imc_store_damaged (imc_store_t *self, char *detail, size_t size)
{
    assert (self);
    if (atomic_load (&self->damage_state) != 2)
        return false;
    if (detail && size)
        im_strlcpy (detail, self->damage, size);
    return true;
}


int
imc_store_sync (imc_store_t *self)
{
    assert (self);
    if (self->read_only)
        return 0;                       //  Nothing of ours to make durable
    //  RocksDB 7's C API flushes one family at a time, which would leave
    //  the families at different entries on disk. Taking a checkpoint
    //  flushes them all at once (GetLiveFiles with atomic_flush); the
    //  checkpoint itself, hard links and a manifest, is then dropped.
    char dir [sizeof self->path + 16];
    snprintf (dir, sizeof dir, "%s.flush", self->path);
    im_remove_tree (dir);                 //  Left by a crash, if any
    char errbuf [512] = "";
    int rc = imc_store_checkpoint (self, dir, errbuf, sizeof errbuf);
    im_remove_tree (dir);
    if (rc) {
        im_log_error ("imc_store: sync: %s", errbuf);
        return IM_EIO;
    }
    return 0;
}
