/*  test_imc_store - the RocksDB store against a real database on disk

    Every test opens a fresh database in its own temporary directory.
    Scan callbacks never assert: a failed assert would jump out of the
    scan and leave its RocksDB iterator open, and RocksDB aborts on close
    over that. They note what was wrong, and the test asserts after.
    Failures are real ones: a path under a regular file, a directory we
    may not write, a database of another schema, a record that does not
    decode. Some tests write through RocksDB's own C API to build the
    databases imc_store must refuse or must keep intact.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rocksdb/c.h>

#include "im_error.h"
#include "im_fields.h"
#include "imc_store.h"
#include "im_util.h"

#define S_SEEN_MAX 256

typedef struct {
    char dir [256];                     //  Temporary directory of the test
    char path [300];                    //  Database path inside it
    char errbuf [512];                  //  Reason of the last failed open
    imc_store_t *store;                 //  Open store, or NULL
    uint64_t seen [S_SEEN_MAX];         //  Seqs, ids or offsets a scan saw
    char groups [S_SEEN_MAX][32];       //  Groups an offsets scan saw
    size_t seen_n;                      //  How many
    uint64_t stop_at;                   //  Callbacks return 99 here (0: never)
    const char *wrong;                  //  What a callback found wrong
} fixture_t;

//  Removes path and everything under it
static void
s_remove_tree (const char *path)
{
    DIR *dir = opendir (path);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir))) {
            if (strcmp (entry->d_name, ".") == 0
            ||  strcmp (entry->d_name, "..") == 0)
                continue;
            char child [1024];
            snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
            struct stat status;
            if (lstat (child, &status) == 0 && S_ISDIR (status.st_mode)) {
                chmod (child, 0700);    //  A test may have locked it
                s_remove_tree (child);
            }
            else
                unlink (child);
        }
        closedir (dir);
    }
    rmdir (path);
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir (base, 0700);                 //  May exist already
    snprintf (f->dir, sizeof f->dir, "%s/imc_store.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    snprintf (f->path, sizeof f->path, "%s/db", f->dir);
    f->store = imc_store_new (f->path, NULL, f->errbuf, sizeof f->errbuf);
    assert_non_null (f->store);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_destroy (&f->store);
    s_remove_tree (f->dir);
    free (f);
    return 0;
}

//  Closes and reopens the store with options (NULL: defaults)
static void
s_reopen (fixture_t *f, const imc_store_options_t *options)
{
    imc_store_destroy (&f->store);
    f->store = imc_store_new (f->path, options, f->errbuf, sizeof f->errbuf);
    assert_non_null (f->store);
}

//  Commits one event of incident with a body naming its seq, linked to
//  the incident's last event, and moves the chain's head as the state
//  machine does: the projection's last_seq, or meta for incident 0.
//  Events of one incident come in increasing seq order.
static void
s_put_event (fixture_t *f, uint64_t seq, uint64_t incident)
{
    uint64_t prev = 0;
    im_fields_t *projection = NULL;
    if (incident == 0)
        assert_int_equal (imc_store_meta_get (f->store, IM_META_CONFIG_SEQ,
                                              &prev), 0);
    else
    if (imc_store_incident_get (f->store, incident, &projection) == 0)
        prev = (uint64_t) im_fields_int_or (projection, "last_seq", 0);
    else
        projection = im_fields_new ();
    assert_true (projection != NULL || incident == 0);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    assert_non_null (batch);
    char body [32];
    snprintf (body, sizeof body, "event %llu", (unsigned long long) seq);
    imc_store_batch_put_event (batch, seq, prev, body, strlen (body));
    if (incident == 0)
        imc_store_batch_put_meta (batch, IM_META_CONFIG_SEQ, seq);
    else {
        assert_int_equal (im_fields_set_int (projection, "last_seq",
                                             (int64_t) seq), 0);
        imc_store_batch_put_incident (batch, incident, projection);
    }
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_null (batch);
    im_fields_destroy (&projection);
}

//  Records a value a scan passed; returns 99 at f->stop_at, -1 when
//  there is no room left
static int
s_seen (fixture_t *f, uint64_t value)
{
    if (f->seen_n == S_SEEN_MAX) {
        f->wrong = "more values than the test expects";
        return -1;
    }
    f->seen [f->seen_n++] = value;
    return value == f->stop_at ? 99 : 0;
}

//  Records a seq after checking that the body names it
static int
s_on_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    char body [32];
    snprintf (body, sizeof body, "event %llu", (unsigned long long) seq);
    if (size != strlen (body) || memcmp (data, body, size) != 0)
        f->wrong = "an event body does not match its seq";
    return s_seen (f, seq);
}

//  Records an incident id after checking the projection names it
static int
s_on_record (uint64_t id, const void *data, size_t size, void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    im_fields_t *fields = im_fields_new ();
    if (!fields || im_fields_decode (fields, data, size, NULL, 0) != 0
    ||  im_fields_int_or (fields, "id", -1) != (int64_t) id)
        f->wrong = "a projection does not decode to its id";
    im_fields_destroy (&fields);
    return s_seen (f, id);
}

static int
s_on_offset (const char *group, uint64_t seq, void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    if (f->seen_n < S_SEEN_MAX)
        snprintf (f->groups [f->seen_n], sizeof f->groups [0], "%s", group);
    return s_seen (f, seq);
}

//  Records the first 8 key bytes as u64 (or the key size when shorter)
static int
s_on_kv (const void *key, size_t key_size, const void *value,
         size_t value_size, void *arg)
{
    fixture_t *f = (fixture_t *) arg;
    (void) value;
    (void) value_size;
    return s_seen (f, key_size >= 8 ? im_get_u64 (key) : key_size);
}

//  Asserts that the scan saw exactly these values, and nothing wrong
static void
s_assert_seen (fixture_t *f, const uint64_t *expected, size_t count)
{
    if (f->wrong)
        fail_msg ("%s", f->wrong);
    assert_int_equal (f->seen_n, count);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (f->seen [index], expected [index]);
    f->seen_n = 0;
}

//  Opens the database with RocksDB directly: every family named in
//  names, creating missing ones. Handles go into handles.
static rocksdb_t *
s_raw_open (const char *path, const char **names, size_t count,
            rocksdb_column_family_handle_t **handles)
{
    rocksdb_options_t *options = rocksdb_options_create ();
    rocksdb_options_set_create_if_missing (options, 1);
    rocksdb_options_set_create_missing_column_families (options, 1);
    const rocksdb_options_t *cf_options [16];
    for (size_t index = 0; index < count; index++)
        cf_options [index] = options;
    char *err = NULL;
    rocksdb_t *db = rocksdb_open_column_families (
        options, path, (int) count, names, cf_options, handles, &err);
    rocksdb_options_destroy (options);
    if (err)
        fail_msg ("raw open: %s", err);
    return db;
}

static void
s_raw_close (rocksdb_t *db, rocksdb_column_family_handle_t **handles,
             size_t count)
{
    for (size_t index = 0; index < count; index++)
        rocksdb_column_family_handle_destroy (handles [index]);
    rocksdb_close (db);
}

static const char *s_our_families [] = {
    "default", "events", "incidents", "requests", "offsets", "meta",
    "deadlines", "dedup", "request_times"
};
#define OUR_FAMILIES (sizeof s_our_families / sizeof s_our_families [0])

static void
test_new_database_has_every_family_and_the_schema (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (size_t index = 0; index < OUR_FAMILIES; index++)
        assert_int_equal (imc_store_cf_scan (f->store, s_our_families [index],
                                             s_on_kv, f), 0);
    //  Only meta holds anything: the schema ("schema" is 6 octets)
    uint64_t expected [] = { 6 };
    s_assert_seen (f, expected, 1);
    uint64_t schema = 0;
    assert_int_equal (imc_store_meta_get (f->store, "schema", &schema), 0);
    assert_int_equal (schema, IMC_STORE_SCHEMA);
    assert_int_equal (imc_store_cf_scan (f->store, "nonesuch", s_on_kv, f),
                      IM_ENOTFOUND);
    assert_string_equal (imc_store_errmsg (f->store), "");
}

static void
test_options_default_and_small_memory_limits (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_options_t options;
    memset (&options, 0xff, sizeof options);
    imc_store_options_default (&options);
    assert_int_equal (options.block_cache_mb, 32);
    assert_int_equal (options.write_buffer_mb, 64);
    assert_false (options.read_only);
    options.block_cache_mb = 1;
    options.write_buffer_mb = 1;
    s_reopen (f, &options);
    for (uint64_t seq = 1; seq <= 200; seq++)
        s_put_event (f, seq, seq % 3);
    assert_int_equal (imc_store_events_scan (f->store, 1, 0, s_on_event, f),
                      0);
    assert_null (f->wrong);
    assert_int_equal (f->seen_n, 200);
}

static void
test_meta_reads_zero_until_written (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t value = 42;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_APPLIED, &value),
                      0);
    assert_int_equal (value, 0);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_meta (batch, IM_META_APPLIED, 17);
    imc_store_batch_put_meta (batch, IM_META_NEXT_ID, UINT64_MAX);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, true), 0);
    assert_int_equal (imc_store_meta_get (f->store, IM_META_APPLIED, &value),
                      0);
    assert_int_equal (value, 17);
    assert_int_equal (imc_store_meta_get (f->store, IM_META_NEXT_ID, &value),
                      0);
    assert_true (value == UINT64_MAX);
}

static void
test_batch_is_invisible_until_committed_then_whole (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_t *incident = im_fields_new ();
    assert_int_equal (im_fields_set_int (incident, "id", 5), 0);
    assert_int_equal (im_fields_set_str (incident, "status", "new"), 0);
    im_fields_t *result = im_fields_new ();
    assert_int_equal (im_fields_set_int (result, "seq", 1), 0);

    assert_int_equal (im_fields_set_int (incident, "last_seq", 1), 0);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_event (batch, 1, 0, "event 1", 7);
    imc_store_batch_put_incident (batch, 5, incident);
    imc_store_batch_put_request (batch, "client:42", 1000, result);
    imc_store_batch_put_offset (batch, "classifier", 1);
    imc_store_batch_put_meta (batch, IM_META_LAST_SEQ, 1);

    //  Nothing shows before the commit
    char *data = NULL;
    size_t size = 0;
    im_fields_t *read = NULL;
    uint64_t value = 9;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size),
                      IM_ENOTFOUND);
    assert_int_equal (imc_store_incident_get (f->store, 5, &read),
                      IM_ENOTFOUND);
    assert_int_equal (imc_store_request_get (f->store, "client:42", &read),
                      IM_ENOTFOUND);
    assert_int_equal (imc_store_offset_get (f->store, "classifier", &value),
                      0);
    assert_int_equal (value, 0);

    assert_int_equal (imc_store_batch_commit (f->store, &batch, true), 0);
    assert_null (batch);

    //  Everything shows after it
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size), 0);
    assert_int_equal (size, 7);
    assert_memory_equal (data, "event 1", 7);
    free (data);
    assert_int_equal (imc_store_incident_get (f->store, 5, &read), 0);
    assert_true (im_fields_equal (read, incident));
    im_fields_destroy (&read);
    assert_int_equal (imc_store_request_get (f->store, "client:42", &read), 0);
    assert_true (im_fields_equal (read, result));
    im_fields_destroy (&read);
    assert_int_equal (imc_store_offset_get (f->store, "classifier", &value),
                      0);
    assert_int_equal (value, 1);
    assert_int_equal (imc_store_meta_get (f->store, IM_META_LAST_SEQ, &value),
                      0);
    assert_int_equal (value, 1);
    assert_int_equal (imc_store_incident_events_scan (f->store, 5, s_on_event,
                                                      f), 0);
    uint64_t expected [] = { 1 };
    s_assert_seen (f, expected, 1);
    im_fields_destroy (&incident);
    im_fields_destroy (&result);
}

static void
test_destroyed_batch_writes_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_event (batch, 1, 0, "event 1", 7);
    imc_store_batch_destroy (&batch);
    assert_null (batch);
    imc_store_batch_destroy (&batch);   //  Safe twice
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size),
                      IM_ENOTFOUND);
    assert_int_equal (imc_store_cf_scan (f->store, "events", s_on_kv, f), 0);
    assert_int_equal (f->seen_n, 0);
}

static void
test_unsynced_commits_survive_sync_and_reopen (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_put_event (f, seq, 10);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_offset (batch, "sla", 3);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_sync (f->store), 0);
    s_reopen (f, NULL);
    assert_int_equal (imc_store_incident_events_scan (f->store, 10, s_on_event,
                                                      f), 0);
    uint64_t expected [] = { 1, 2, 3 };
    s_assert_seen (f, expected, 3);
    uint64_t offset = 0;
    assert_int_equal (imc_store_offset_get (f->store, "sla", &offset), 0);
    assert_int_equal (offset, 3);
}

static void
test_reopen_keeps_families_it_does_not_know (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_put_event (f, 1, 1);
    imc_store_destroy (&f->store);
    //  A later version added a family: RocksDB must be told of it on open
    const char *names [OUR_FAMILIES + 1];
    rocksdb_column_family_handle_t *handles [OUR_FAMILIES + 1];
    for (size_t index = 0; index < OUR_FAMILIES; index++)
        names [index] = s_our_families [index];
    names [OUR_FAMILIES] = "future";
    rocksdb_t *db = s_raw_open (f->path, names, OUR_FAMILIES + 1, handles);
    char *err = NULL;
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create ();
    rocksdb_put_cf (db, write, handles [OUR_FAMILIES], "fingerprint", 11, "1",
                    1, &err);
    assert_null (err);
    rocksdb_writeoptions_destroy (write);
    s_raw_close (db, handles, OUR_FAMILIES + 1);

    s_reopen (f, NULL);
    assert_int_equal (imc_store_cf_scan (f->store, "future", s_on_kv, f), 0);
    uint64_t expected [] = { im_get_u64 ("fingerpr") };
    s_assert_seen (f, expected, 1);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size), 0);
    free (data);
}

static void
test_events_scan_in_order_with_limit_and_stop (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Written out of order, and 256 after 255 to catch a byte-order bug
    uint64_t seqs [] = { 5, 1, 256, 3, 2, 255, 4, 7, 6 };
    for (size_t index = 0; index < sizeof seqs / sizeof seqs [0]; index++)
        s_put_event (f, seqs [index], seqs [index]);

    assert_int_equal (imc_store_events_scan (f->store, 0, 0, s_on_event, f),
                      0);
    uint64_t all [] = { 1, 2, 3, 4, 5, 6, 7, 255, 256 };
    s_assert_seen (f, all, 9);
    assert_int_equal (imc_store_events_scan (f->store, 3, 4, s_on_event, f),
                      0);
    uint64_t window [] = { 3, 4, 5, 6 };
    s_assert_seen (f, window, 4);
    f->stop_at = 5;
    assert_int_equal (imc_store_events_scan (f->store, 2, 0, s_on_event, f),
                      99);
    uint64_t stopped [] = { 2, 3, 4, 5 };
    s_assert_seen (f, stopped, 4);
    assert_int_equal (imc_store_events_scan (f->store, 257, 0, s_on_event, f),
                      0);
    assert_int_equal (f->seen_n, 0);
}

static void
test_chain_scan_follows_links_and_reports_a_broken_one (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Incident 0 is the chain of config events, its head in meta;
    //  seq 2 belongs to another incident and is stepped over
    uint64_t incident_of [] = { 0, 7, 0, 0 };
    for (uint64_t seq = 1; seq <= 4; seq++)
        s_put_event (f, seq, incident_of [seq - 1]);
    assert_int_equal (imc_store_incident_events_scan (f->store, 0, s_on_event,
                                                      f), 0);
    uint64_t config [] = { 1, 3, 4 };
    s_assert_seen (f, config, 3);
    assert_int_equal (imc_store_chain_scan (f->store, 3, s_on_event, f), 0);
    s_assert_seen (f, config, 2);
    assert_int_equal (imc_store_chain_scan (f->store, 0, s_on_event, f), 0);
    assert_int_equal (f->seen_n, 0);
    //  A link to an event that is not there: an error, nothing passed
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_event (batch, 9, 5, "event 9", 7);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_chain_scan (f->store, 9, s_on_event, f),
                      IM_EIO);
    assert_int_equal (f->seen_n, 0);
    //  The stored value carries the link; readers see the EVENT alone
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 9, &data, &size), 0);
    assert_int_equal (size, 7);
    assert_string_equal (data, "event 9");
    free (data);
}

static void
test_incident_scan_stays_within_its_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_put_event (f, 1, 1);
    s_put_event (f, 2, 2);
    s_put_event (f, 3, 1);
    s_put_event (f, 4, 3);
    s_put_event (f, 5, 2);
    s_put_event (f, 6, 256);
    s_put_event (f, 7, UINT64_MAX - 1);
    s_put_event (f, 8, UINT64_MAX);
    s_put_event (f, 9, UINT64_MAX);

    assert_int_equal (imc_store_incident_events_scan (f->store, 2, s_on_event,
                                                      f), 0);
    uint64_t two [] = { 2, 5 };
    s_assert_seen (f, two, 2);
    assert_int_equal (imc_store_incident_events_scan (f->store, 1, s_on_event,
                                                      f), 0);
    uint64_t one [] = { 1, 3 };
    s_assert_seen (f, one, 2);
    assert_int_equal (imc_store_incident_events_scan (f->store, 4, s_on_event,
                                                      f), 0);
    assert_int_equal (f->seen_n, 0);
    assert_int_equal (imc_store_incident_events_scan (
                          f->store, UINT64_MAX - 1, s_on_event, f), 0);
    uint64_t next_to_last [] = { 7 };
    s_assert_seen (f, next_to_last, 1);
    assert_int_equal (imc_store_incident_events_scan (f->store, UINT64_MAX,
                                                      s_on_event, f), 0);
    uint64_t last [] = { 8, 9 };
    s_assert_seen (f, last, 2);
    f->stop_at = 1;
    assert_int_equal (imc_store_incident_events_scan (f->store, 1, s_on_event,
                                                      f), 99);
    s_assert_seen (f, one, 1);
}

static void
test_incident_get_refuses_a_bad_record (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_t *read = NULL;
    assert_int_equal (imc_store_incident_get (f->store, 1, &read),
                      IM_ENOTFOUND);
    imc_store_destroy (&f->store);
    //  Bytes that are not a fields map, where a projection should be
    rocksdb_column_family_handle_t *handles [OUR_FAMILIES];
    rocksdb_t *db = s_raw_open (f->path, s_our_families, OUR_FAMILIES,
                                handles);
    unsigned char key [8];
    im_put_u64 (key, 1);
    char *err = NULL;
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create ();
    rocksdb_put_cf (db, write, handles [2], (const char *) key, 8,
                    "\xc1garbage", 8, &err);
    assert_null (err);
    rocksdb_put_cf (db, write, handles [3], "req", 3, "\x81", 1, &err);
    assert_null (err);
    rocksdb_put_cf (db, write, handles [5], IM_META_APPLIED, 7, "1234", 4,
                    &err);
    assert_null (err);
    rocksdb_writeoptions_destroy (write);
    s_raw_close (db, handles, OUR_FAMILIES);

    s_reopen (f, NULL);
    assert_int_equal (imc_store_incident_get (f->store, 1, &read), IM_EPROTO);
    assert_null (read);
    assert_int_equal (imc_store_request_get (f->store, "req", &read),
                      IM_EPROTO);
    assert_null (read);
    //  Read with others: the whole read fails, nothing is handed out
    const char *keys [3] = { "absent", "req", "other" };
    im_fields_t *many [3] = { NULL, NULL, NULL };
    assert_int_equal (imc_store_requests_get (f->store, keys, 3, many),
                      IM_EPROTO);
    assert_null (many [0]);
    assert_null (many [1]);
    assert_null (many [2]);
    uint64_t value = 0;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_APPLIED, &value),
                      IM_EIO);
}

static void
test_incidents_scan_from_an_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    uint64_t ids [] = { 300, 2, 1, 40 };
    for (size_t index = 0; index < 4; index++) {
        im_fields_t *incident = im_fields_new ();
        im_fields_set_int (incident, "id", (int64_t) ids [index]);
        imc_store_batch_put_incident (batch, ids [index], incident);
        im_fields_destroy (&incident);
    }
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_incidents_scan (f->store, 0, s_on_record, f),
                      0);
    uint64_t all [] = { 1, 2, 40, 300 };
    s_assert_seen (f, all, 4);
    assert_int_equal (imc_store_incidents_scan (f->store, 3, s_on_record, f),
                      0);
    uint64_t after [] = { 40, 300 };
    s_assert_seen (f, after, 2);
    f->stop_at = 2;
    assert_int_equal (imc_store_incidents_scan (f->store, 1, s_on_record, f),
                      99);
    uint64_t stopped [] = { 1, 2 };
    s_assert_seen (f, stopped, 2);
}

static void
test_offsets_scan_lists_every_group (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_offset (batch, "sla", 7);
    imc_store_batch_put_offset (batch, "classifier", 12);
    imc_store_batch_put_offset (batch, "notifier", 3);
    imc_store_batch_put_offset (batch, "sla", 9);   //  Last put wins
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_offsets_scan (f->store, s_on_offset, f), 0);
    assert_int_equal (f->seen_n, 3);
    assert_string_equal (f->groups [0], "classifier");
    assert_string_equal (f->groups [1], "notifier");
    assert_string_equal (f->groups [2], "sla");
    uint64_t seqs [] = { 12, 3, 9 };
    s_assert_seen (f, seqs, 3);
    uint64_t seq = 1;
    assert_int_equal (imc_store_offset_get (f->store, "nobody", &seq), 0);
    assert_int_equal (seq, 0);
}

static void
test_dedup_keys_map_put_and_delete (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t id = 1;
    assert_int_equal (imc_store_dedup_get (f->store, "am/e94c", &id), 0);
    assert_int_equal (id, 0);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_dedup (batch, "am/e94c", 7);
    imc_store_batch_put_dedup (batch, "am/a4bf", 8);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_dedup_get (f->store, "am/e94c", &id), 0);
    assert_int_equal (id, 7);
    batch = imc_store_batch_new (f->store);
    imc_store_batch_delete_dedup (batch, "am/e94c");
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    assert_int_equal (imc_store_dedup_get (f->store, "am/e94c", &id), 0);
    assert_int_equal (id, 0);
    assert_int_equal (imc_store_dedup_get (f->store, "am/a4bf", &id), 0);
    assert_int_equal (id, 8);
}

static void
test_cf_scan_dumps_keys_in_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_put_event (f, 2, 9);
    s_put_event (f, 1, 8);
    assert_int_equal (imc_store_cf_scan (f->store, "events", s_on_kv, f), 0);
    uint64_t events [] = { 1, 2 };
    s_assert_seen (f, events, 2);
    assert_int_equal (imc_store_cf_scan (f->store, "incidents", s_on_kv, f),
                      0);
    uint64_t incidents [] = { 8, 9 };
    s_assert_seen (f, incidents, 2);
}

static void
test_clear_empties_every_family_but_the_schema (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_put_event (f, 1, 8);
    s_put_event (f, 2, 0);
    im_fields_t *result = im_fields_new ();
    assert_int_equal (im_fields_set_int (result, "status", 200), 0);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_request (batch, "req-1", 1000, result);
    imc_store_batch_put_offset (batch, "classifier", 2);
    imc_store_batch_put_meta (batch, IM_META_APPLIED, 5);
    imc_store_batch_put_deadline (batch, 1000, 8, 0);
    imc_store_batch_put_dedup (batch, "am/e94c", 8);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    im_fields_destroy (&result);

    assert_int_equal (imc_store_clear (f->store), 0);
    const char *families [] = { "events", "incidents", "requests",
                                "offsets", "deadlines", "dedup" };
    for (size_t index = 0; index < 6; index++) {
        assert_int_equal (imc_store_cf_scan (f->store, families [index],
                                             s_on_kv, f), 0);
        assert_int_equal (f->seen_n, 0);
    }
    //  Meta keeps the schema alone: the store still opens as ours
    assert_int_equal (imc_store_cf_scan (f->store, "meta", s_on_kv, f), 0);
    assert_int_equal (f->seen_n, 1);
    f->seen_n = 0;
    uint64_t applied = 1;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_APPLIED,
                                          &applied), 0);
    assert_int_equal (applied, 0);
    s_reopen (f, NULL);

    //  What it cannot write it reports
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;
    s_reopen (f, &options);
    assert_int_equal (imc_store_clear (f->store), IM_EIO);
}

static void
test_read_only_store_reads_and_refuses_writes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_put_event (f, 1, 1);
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;
    s_reopen (f, &options);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size), 0);
    free (data);
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_event (batch, 2, 1, "event 2", 7);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, true), IM_EIO);
    assert_null (batch);
    assert_true (strlen (imc_store_errmsg (f->store)) > 0);
    assert_int_equal (imc_store_sync (f->store), 0);

    //  A read-only open never creates a database
    char absent [400];
    snprintf (absent, sizeof absent, "%s/absent", f->dir);
    imc_store_t *store = imc_store_new (absent, &options, f->errbuf,
                                      sizeof f->errbuf);
    assert_null (store);
    assert_non_null (strstr (f->errbuf, "no database at"));
    struct stat status;
    assert_int_not_equal (stat (absent, &status), 0);
}

static void
test_open_fails_where_a_file_is_in_the_way (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char file [400];
    snprintf (file, sizeof file, "%s/plain", f->dir);
    FILE *handle = fopen (file, "w");
    assert_non_null (handle);
    fputs ("not a database\n", handle);
    assert_int_equal (fclose (handle), 0);

    memset (f->errbuf, 0, sizeof f->errbuf);
    assert_null (imc_store_new (file, NULL, f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "cannot open"));
    assert_non_null (strstr (f->errbuf, file));

    char under [420];
    snprintf (under, sizeof under, "%s/db", file);
    memset (f->errbuf, 0, sizeof f->errbuf);
    assert_null (imc_store_new (under, NULL, f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "cannot open"));
    //  No buffer for the reason is fine too
    assert_null (imc_store_new (under, NULL, NULL, 0));
}

static void
test_open_fails_without_write_permission (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    if (geteuid () == 0) {
        print_message ("running as root: permissions are not enforced, "
                       "skipped\n");
        skip ();
    }
    char locked [400];
    snprintf (locked, sizeof locked, "%s/locked", f->dir);
    assert_int_equal (mkdir (locked, 0500), 0);
    char path [420];
    snprintf (path, sizeof path, "%s/db", locked);
    assert_null (imc_store_new (path, NULL, f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "cannot open"));
}

static void
test_other_schema_is_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    imc_store_batch_put_meta (batch, "schema", 99);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, true), 0);
    imc_store_destroy (&f->store);
    f->store = imc_store_new (f->path, NULL, f->errbuf, sizeof f->errbuf);
    assert_null (f->store);
    char expected [64];
    snprintf (expected, sizeof expected, "holds schema 99, this build "
              "reads schema %d", IMC_STORE_SCHEMA);
    assert_non_null (strstr (f->errbuf, expected));
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;
    f->store = imc_store_new (f->path, &options, f->errbuf, sizeof f->errbuf);
    assert_null (f->store);
}

static void
test_foreign_database_is_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char other [400];
    snprintf (other, sizeof other, "%s/other", f->dir);
    const char *names [] = { "default" };
    rocksdb_column_family_handle_t *handles [1];
    s_raw_close (s_raw_open (other, names, 1, handles), handles, 1);
    assert_null (imc_store_new (other, NULL, f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "is not an imq database"));

    //  Our families but a meta that is not ours
    snprintf (other, sizeof other, "%s/other2", f->dir);
    rocksdb_column_family_handle_t *ours [7];
    rocksdb_t *db = s_raw_open (other, s_our_families, 7, ours);
    char *err = NULL;
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create ();
    rocksdb_put_cf (db, write, ours [5], "owner", 5, "someone", 7, &err);
    assert_null (err);
    rocksdb_writeoptions_destroy (write);
    s_raw_close (db, ours, 7);
    assert_null (imc_store_new (other, NULL, f->errbuf, sizeof f->errbuf));
    assert_non_null (strstr (f->errbuf, "is not an imq database (no "
                                        "schema)"));
}

//  Request results read many at once: found ones decoded, others NULL,
//  in the order asked, over more keys than one MultiGet takes
static void
test_requests_get_reads_many_keys_at_once (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    assert_non_null (batch);
    im_fields_t *result = im_fields_new ();
    char keys [150][16];
    const char *asked [150];
    for (int index = 0; index < 150; index++) {
        //  Asked from the last key down; every third one stored
        snprintf (keys [index], sizeof keys [index], "req-%03d",
                  149 - index);
        asked [index] = keys [index];
        if ((149 - index) % 3 == 0) {
            im_fields_set_int (result, "incident", 149 - index);
            imc_store_batch_put_request (batch, keys [index], 1000, result);
        }
    }
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    im_fields_t *read [150];
    assert_int_equal (imc_store_requests_get (f->store, asked, 150, read), 0);
    for (int index = 0; index < 150; index++) {
        int number = 149 - index;
        if (number % 3 == 0) {
            assert_non_null (read [index]);
            assert_int_equal (im_fields_int_or (read [index], "incident", -1),
                              number);
            im_fields_destroy (&read [index]);
        }
        else
            assert_null (read [index]);
    }
    assert_int_equal (imc_store_requests_get (f->store, asked, 0, read), 0);
    im_fields_destroy (&result);
}

//  Records an event's seq, whatever its bytes
static int
s_on_any_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) data;
    (void) size;
    return s_seen ((fixture_t *) arg, seq);
}

//  An event encoded straight into the batch is stored as
//  im_event_encode's bytes behind its link; one that cannot be encoded
//  puts nothing
static void
test_encoded_event_is_stored_as_its_encoding (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_t *event = im_event_new ();
    assert_non_null (event);
    event->type = IM_EV_OPENED;
    event->incident = 7;
    event->ts_ms = 1764300000000ull;
    snprintf (event->actor, sizeof event->actor, "ops@example");
    snprintf (event->request_id, sizeof event->request_id, "019ac-1");
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    assert_non_null (batch);
    char *expected [2] = { NULL, NULL };
    size_t expected_size [2] = { 0, 0 };
    //  The second is larger than the batch's first scratch buffer
    char long_title [3000];
    memset (long_title, 't', sizeof long_title - 1);
    long_title [sizeof long_title - 1] = 0;
    const char *titles [2] = { "short", long_title };
    for (uint64_t seq = 1; seq <= 2; seq++) {
        event->seq = seq;
        assert_int_equal (im_fields_set_str (event->payload, "title",
                                             titles [seq - 1]), 0);
        assert_int_equal (im_event_encode (event, &expected [seq - 1],
                                           &expected_size [seq - 1]), 0);
        assert_int_equal (imc_store_batch_encode_event (batch, event,
                                                        seq - 1), 0);
    }
    //  An actor without its NUL: refused, nothing put
    event->seq = 3;
    memset (event->actor, 'a', sizeof event->actor);
    assert_int_equal (imc_store_batch_encode_event (batch, event, 2),
                      IM_EINVAL);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    for (uint64_t seq = 1; seq <= 2; seq++) {
        char *data = NULL;
        size_t size = 0;
        assert_int_equal (imc_store_event_get (f->store, seq, &data, &size),
                          0);
        assert_int_equal (size, expected_size [seq - 1]);
        assert_memory_equal (data, expected [seq - 1], size);
        free (data);
        free (expected [seq - 1]);
    }
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 3, &data, &size),
                      IM_ENOTFOUND);
    //  The link: the chain from 2 passes 1, then 2
    assert_int_equal (imc_store_chain_scan (f->store, 2, s_on_any_event, f),
                      0);
    uint64_t chain [] = { 1, 2 };
    s_assert_seen (f, chain, 2);
    im_event_destroy (&event);
}

//  Puts events 1..count stamped stamps [seq - 1], and last_seq
static void
s_put_stamped (fixture_t *f, const uint64_t *stamps, uint64_t count)
{
    im_event_t *event = im_event_new ();
    assert_non_null (event);
    event->type = IM_EV_OPENED;
    event->incident = 1;
    snprintf (event->actor, sizeof event->actor, "ops");
    imc_store_batch_t *batch = imc_store_batch_new (f->store);
    assert_non_null (batch);
    for (uint64_t seq = 1; seq <= count; seq++) {
        event->seq = seq;
        event->ts_ms = stamps [seq - 1];
        assert_int_equal (imc_store_batch_encode_event (batch, event,
                                                        seq - 1), 0);
    }
    imc_store_batch_put_meta (batch, IM_META_LAST_SEQ, count);
    assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    im_event_destroy (&event);
}

static void
test_seek_time_bisects_to_the_first_event_of_a_time (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t seq = 99;
    //  An empty log: the seq the next event will have
    assert_int_equal (imc_store_events_seek_time (f->store, 1000, &seq), 0);
    assert_int_equal (seq, 1);
    //  1000 events 10 ms apart from t0, the same time twice at 500-501
    uint64_t stamps [1000];
    const uint64_t t0 = 1764300000000ull;
    for (uint64_t index = 0; index < 1000; index++)
        stamps [index] = t0 + 10 * index - (index > 500 ? 10 : 0);
    s_put_stamped (f, stamps, 1000);
    assert_int_equal (imc_store_events_seek_time (f->store, 0, &seq), 0);
    assert_int_equal (seq, 1);
    assert_int_equal (imc_store_events_seek_time (f->store, t0, &seq), 0);
    assert_int_equal (seq, 1);
    assert_int_equal (imc_store_events_seek_time (f->store, t0 + 1, &seq),
                      0);
    assert_int_equal (seq, 2);
    assert_int_equal (imc_store_events_seek_time (f->store, t0 + 3000,
                                                  &seq), 0);
    assert_int_equal (seq, 301);
    //  Two events of one time: the first of them
    assert_int_equal (imc_store_events_seek_time (f->store, t0 + 5000,
                                                  &seq), 0);
    assert_int_equal (seq, 501);
    assert_int_equal (imc_store_events_seek_time (f->store, t0 + 9980,
                                                  &seq), 0);
    assert_int_equal (seq, 1000);
    //  Later than every event: after the last
    assert_int_equal (imc_store_events_seek_time (f->store, t0 + 9981,
                                                  &seq), 0);
    assert_int_equal (seq, 1001);
}

//  A flipped byte in a table file: every read of its block fails its
//  checksum, the store says it is damaged and names the file, and a
//  reopen finds it again (RocksDB keeps no other copy)
static void
test_corrupt_block_marks_the_store_damaged (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char body [200];
    memset (body, 'x', sizeof body);
    for (uint64_t seq = 1; seq <= 200; seq++) {
        imc_store_batch_t *batch = imc_store_batch_new (f->store);
        imc_store_batch_put_event (batch, seq, 0, body, sizeof body);
        assert_int_equal (imc_store_batch_commit (f->store, &batch, false), 0);
    }
    assert_int_equal (imc_store_sync (f->store), 0);
    assert_false (imc_store_damaged (f->store, NULL, 0));
    imc_store_destroy (&f->store);
    //  The largest table file holds the events
    char largest [600] = "";
    off_t size = 0;
    DIR *dir = opendir (f->path);
    assert_non_null (dir);
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        char file [600];
        struct stat info;
        snprintf (file, sizeof file, "%s/%.255s", f->path, entry->d_name);
        if (strstr (entry->d_name, ".sst") && stat (file, &info) == 0
        &&  info.st_size > size) {
            size = info.st_size;
            snprintf (largest, sizeof largest, "%s", file);
        }
    }
    closedir (dir);
    assert_true (size > 1000);
    FILE *file = fopen (largest, "r+b");
    assert_non_null (file);
    assert_int_equal (fseek (file, 20, SEEK_SET), 0);
    int byte = fgetc (file);
    assert_int_equal (fseek (file, 20, SEEK_SET), 0);
    fputc (byte ^ 0xff, file);
    fclose (file);

    s_reopen (f, NULL);
    char *data = NULL;
    size_t length = 0;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &length),
                      IM_EIO);
    char detail [512] = "";
    assert_true (imc_store_damaged (f->store, detail, sizeof detail));
    assert_true (imc_store_is_damage (detail));
    assert_non_null (strstr (detail, strrchr (largest, '/') + 1));
    assert_false (imc_store_is_damage ("IO error: No space left on device"));
    assert_false (imc_store_is_damage (NULL));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_new_database_has_every_family_and_the_schema),
        T (test_options_default_and_small_memory_limits),
        T (test_meta_reads_zero_until_written),
        T (test_batch_is_invisible_until_committed_then_whole),
        T (test_destroyed_batch_writes_nothing),
        T (test_unsynced_commits_survive_sync_and_reopen),
        T (test_reopen_keeps_families_it_does_not_know),
        T (test_events_scan_in_order_with_limit_and_stop),
        T (test_incident_scan_stays_within_its_incident),
        T (test_chain_scan_follows_links_and_reports_a_broken_one),
        T (test_encoded_event_is_stored_as_its_encoding),
        T (test_seek_time_bisects_to_the_first_event_of_a_time),
        T (test_requests_get_reads_many_keys_at_once),
        T (test_incident_get_refuses_a_bad_record),
        T (test_incidents_scan_from_an_id),
        T (test_offsets_scan_lists_every_group),
        T (test_dedup_keys_map_put_and_delete),
        T (test_cf_scan_dumps_keys_in_order),
        T (test_clear_empties_every_family_but_the_schema),
        T (test_read_only_store_reads_and_refuses_writes),
        T (test_open_fails_where_a_file_is_in_the_way),
        T (test_open_fails_without_write_permission),
        T (test_other_schema_is_refused),
        T (test_foreign_database_is_refused),
        T (test_corrupt_block_marks_the_store_damaged),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
