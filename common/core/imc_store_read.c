/*  imc_store_read - the read paths of imc_store: point reads and scans

    The broker applies entries on its Raft thread and answers queries on
    its main thread, through the same store. RocksDB reads are safe
    alongside writes, but our object is not shared state: so nothing
    here writes into imc_store_t. A read failure is logged and returned
    as a code, never copied into errmsg (that buffer belongs to the
    owning thread), and every scan builds its own read options and
    iterator bounds for the length of the call.

    An events value is the seq of the incident's previous event (8
    octets) and then the EVENT; readers get the EVENT alone. No
    snapshot is needed for incident timelines: a projection and the
    events its last_seq chain reaches are written in the same batch or
    earlier ones and never change, so a visible link always finds its
    event.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_log.h"
#include "im_fields.h"
#include "im_keys.h"
#include "imc_store.h"
#include "imc_store_private.h"

#define S_LINK IMC_STORE_LINK

//  One scan over a column family: its bounds and its position
typedef struct {
    imc_store_t *store;                 //  The store scanned
    rocksdb_readoptions_t *options;     //  Upper bound of this scan, owned
    rocksdb_iterator_t *iterator;       //  Position, owned
} scan_t;

//  Starts a scan of handle at from (NULL: the first key), stopping before
//  upper (NULL: the end). upper must outlive the scan.
static void
s_scan_open (scan_t *scan, imc_store_t *self,
             rocksdb_column_family_handle_t *handle, const void *from,
             size_t from_size, const void *upper, size_t upper_size)
{
    scan->store = self;
    scan->options = rocksdb_readoptions_create ();
    //  Scans walk keys in order even where a family has a prefix
    //  extractor (requests, see imc_store.c), which would otherwise bound
    //  an iterator to one prefix
    rocksdb_readoptions_set_total_order_seek (scan->options, 1);
    if (upper)
        rocksdb_readoptions_set_iterate_upper_bound (
            scan->options, (const char *) upper, upper_size);
    scan->iterator = rocksdb_create_iterator_cf (self->db, scan->options,
                                                 handle);
    if (from)
        rocksdb_iter_seek (scan->iterator, (const char *) from, from_size);
    else
        rocksdb_iter_seek_to_first (scan->iterator);
}

//  Ends a scan. Returns rc, or IM_EIO when the iterator stopped early
//  on an error and rc was 0.
static int
s_scan_close (scan_t *scan, int rc)
{
    char *err = NULL;
    rocksdb_iter_get_error (scan->iterator, &err);
    if (err) {
        imc_store_note (scan->store, err);
        im_log_error ("imc_store: scan: %s", err);
        rocksdb_free (err);
        if (rc == 0)
            rc = IM_EIO;
    }
    rocksdb_iter_destroy (scan->iterator);
    rocksdb_readoptions_destroy (scan->options);
    return rc;
}

int
imc_store_get_pinned (imc_store_t *self, imc_store_cf_t cf, const void *key,
              size_t key_size, rocksdb_pinnableslice_t **slice_p)
{
    char *err = NULL;
    *slice_p = rocksdb_get_pinned_cf (self->db, self->read, self->cf [cf],
                                      (const char *) key, key_size, &err);
    if (err) {
        imc_store_note (self, err);
        im_log_error ("imc_store: read %s: %s", self->cf_names [cf], err);
        rocksdb_free (err);
        *slice_p = NULL;
        return IM_EIO;
    }
    return 0;
}

//  Reads key of column family cf into a new buffer, the caller's, with a
//  NUL after the value. Returns 0, IM_ENOTFOUND, IM_EIO or IM_ENOMEM.
static int
s_get (imc_store_t *self, imc_store_cf_t cf, const void *key, size_t key_size,
       char **data, size_t *size)
{
    rocksdb_pinnableslice_t *slice = NULL;
    int rc = imc_store_get_pinned (self, cf, key, key_size, &slice);
    if (rc)
        return rc;
    if (!slice)
        return IM_ENOTFOUND;
    size_t length = 0;
    const char *value = rocksdb_pinnableslice_value (slice, &length);
    char *copy = (char *) malloc (length + 1);
    if (copy) {
        memcpy (copy, value, length);
        copy [length] = 0;
        *data = copy;
        *size = length;
    }
    rocksdb_pinnableslice_destroy (slice);
    return copy ? 0 : IM_ENOMEM;
}

//  Reads an 8-octet value; absent reads as 0. Returns 0 or IM_EIO.
static int
s_get_u64 (imc_store_t *self, imc_store_cf_t cf, const char *key,
           uint64_t *value)
{
    char *data = NULL;
    size_t size = 0;
    *value = 0;
    int rc = s_get (self, cf, key, strlen (key), &data, &size);
    if (rc == IM_ENOTFOUND)
        return 0;
    if (rc == 0 && size != 8) {
        im_log_error ("imc_store: %s '%s' holds %zu octets, not 8",
                    self->cf_names [cf], key, size);
        rc = IM_EIO;
    }
    if (rc == 0)
        *value = im_get_u64 (data);
    free (data);
    return rc;
}

//  Decodes a fields value of column family cf into a new map, the
//  caller's. Returns 0, IM_ENOMEM or IM_EPROTO (logged).
static int
s_fields_decode (imc_store_t *self, imc_store_cf_t cf, const void *data,
                 size_t size, im_fields_t **fields_p)
{
    im_fields_t *fields = im_fields_new ();
    *fields_p = NULL;
    if (!fields)
        return IM_ENOMEM;
    char reason [128] = "";
    if (im_fields_decode (fields, data, size, reason, sizeof reason)) {
        im_log_error ("imc_store: %s holds a bad record: %s",
                    self->cf_names [cf], reason);
        im_fields_destroy (&fields);
        return IM_EPROTO;
    }
    *fields_p = fields;
    return 0;
}

//  Reads and decodes a fields value into a new map, the caller's.
//  Returns 0, IM_ENOTFOUND, IM_EIO, IM_ENOMEM or IM_EPROTO.
static int
s_get_fields (imc_store_t *self, imc_store_cf_t cf, const void *key,
              size_t key_size, im_fields_t **fields_p)
{
    char *data = NULL;
    size_t size = 0;
    *fields_p = NULL;
    int rc = s_get (self, cf, key, key_size, &data, &size);
    if (rc == 0)
        rc = s_fields_decode (self, cf, data, size, fields_p);
    free (data);
    return rc;
}

int
imc_store_meta_get (imc_store_t *self, const char *key, uint64_t *value)
{
    assert (self);
    assert (key && value);
    return s_get_u64 (self, IMC_STORE_CF_META, key, value);
}

int
imc_store_offset_get (imc_store_t *self, const char *group, uint64_t *seq)
{
    assert (self);
    assert (group && seq);
    return s_get_u64 (self, IMC_STORE_CF_OFFSETS, group, seq);
}

int
imc_store_dedup_get (imc_store_t *self, const char *key, uint64_t *incident)
{
    assert (self);
    assert (key && incident);
    return s_get_u64 (self, IMC_STORE_CF_DEDUP, key, incident);
}

int
imc_store_event_get (imc_store_t *self, uint64_t seq, char **data,
                     size_t *size)
{
    assert (self);
    assert (data && size);
    unsigned char key [8];
    im_put_u64 (key, seq);
    int rc = s_get (self, IMC_STORE_CF_EVENTS, key, sizeof key, data, size);
    if (rc == 0 && *size < S_LINK) {
        im_log_error ("imc_store: event %" PRIu64 " of %zu octets", seq, *size);
        free (*data);
        *data = NULL;
        return IM_EIO;
    }
    if (rc == 0) {
        *size -= S_LINK;
        memmove (*data, *data + S_LINK, *size + 1);     //  With its NUL
    }
    return rc;
}

int
imc_store_incident_get (imc_store_t *self, uint64_t id,
                        im_fields_t **incident_p)
{
    assert (self);
    assert (incident_p);
    unsigned char key [8];
    im_put_u64 (key, id);
    return s_get_fields (self, IMC_STORE_CF_INCIDENTS, key, sizeof key,
                         incident_p);
}

//  Returns 0, IM_ENOTFOUND, IM_EIO, or IM_EPROTO when the stored result
//  does not decode
int
imc_store_request_get (imc_store_t *self, const char *key,
                       im_fields_t **result_p)
{
    assert (self);
    assert (key && result_p);
    return s_get_fields (self, IMC_STORE_CF_REQUESTS, key, strlen (key),
                         result_p);
}

#define S_MULTI_GET 64                  //  Keys per MultiGet

int
imc_store_requests_get (imc_store_t *self, const char *const *keys,
                        size_t count, im_fields_t **results)
{
    assert (self);
    assert ((keys && results) || count == 0);
    int rc = 0;
    for (size_t index = 0; index < count; index++)
        results [index] = NULL;
    for (size_t first = 0; first < count; first += S_MULTI_GET) {
        size_t batch = count - first < S_MULTI_GET? count - first:
                                                    S_MULTI_GET;
        size_t sizes [S_MULTI_GET];
        rocksdb_pinnableslice_t *values [S_MULTI_GET];
        char *errs [S_MULTI_GET];
        for (size_t index = 0; index < batch; index++)
            sizes [index] = strlen (keys [first + index]);
        rocksdb_batched_multi_get_cf (self->db, self->read,
                                      self->cf [IMC_STORE_CF_REQUESTS], batch,
                                      keys + first, sizes, values, errs,
                                      false);
        for (size_t index = 0; index < batch; index++) {
            if (errs [index]) {
                imc_store_note (self, errs [index]);
                if (rc == 0)
                    im_log_error ("imc_store: read requests: %s", errs [index]);
                rocksdb_free (errs [index]);
                rc = rc ? rc : IM_EIO;
            }
            if (values [index]) {
                size_t size = 0;
                const char *value = rocksdb_pinnableslice_value (
                    values [index], &size);
                int status = s_fields_decode (self, IMC_STORE_CF_REQUESTS,
                                              value, size,
                                              &results [first + index]);
                rc = rc ? rc : status;
                rocksdb_pinnableslice_destroy (values [index]);
            }
        }
    }
    if (rc)
        for (size_t index = 0; index < count; index++)
            im_fields_destroy (&results [index]);
    return rc;
}


//  --------------------------------------------------------------------
//  Scans over u64-keyed families

int
imc_store_events_scan (imc_store_t *self, uint64_t from, size_t limit,
                       imc_store_event_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    unsigned char start [8];
    im_put_u64 (start, from);
    scan_t scan;
    s_scan_open (&scan, self, self->cf [IMC_STORE_CF_EVENTS], start,
                 sizeof start, NULL, 0);
    int rc = 0;
    size_t passed = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)
    &&    (limit == 0 || passed < limit)) {
        size_t key_size = 0, size = 0;
        const char *key = rocksdb_iter_key (scan.iterator, &key_size);
        const char *data = rocksdb_iter_value (scan.iterator, &size);
        if (key_size == 8 && size >= S_LINK)
            rc = fn (im_get_u64 (key), data + S_LINK, size - S_LINK, arg);
        else {
            im_log_error ("imc_store: event of %zu + %zu octets",
                        key_size, size);
            rc = IM_EIO;
        }
        passed++;
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}

int
imc_store_incidents_scan (imc_store_t *self, uint64_t from,
                          imc_store_record_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    unsigned char start [8];
    im_put_u64 (start, from);
    scan_t scan;
    s_scan_open (&scan, self, self->cf [IMC_STORE_CF_INCIDENTS], start,
                 sizeof start, NULL, 0);
    int rc = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)) {
        size_t key_size = 0, size = 0;
        const char *key = rocksdb_iter_key (scan.iterator, &key_size);
        const char *data = rocksdb_iter_value (scan.iterator, &size);
        if (key_size == 8)
            rc = fn (im_get_u64 (key), data, size, arg);
        else {
            im_log_error ("imc_store: incidents key of %zu octets", key_size);
            rc = IM_EIO;
        }
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}


//  --------------------------------------------------------------------
//  Scans over string-keyed families

int
imc_store_offsets_scan (imc_store_t *self, imc_store_offset_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    scan_t scan;
    s_scan_open (&scan, self, self->cf [IMC_STORE_CF_OFFSETS], NULL, 0,
                 NULL, 0);
    int rc = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)) {
        size_t key_size = 0, size = 0;
        const char *key = rocksdb_iter_key (scan.iterator, &key_size);
        const char *value = rocksdb_iter_value (scan.iterator, &size);
        char *group = (char *) malloc (key_size + 1);   //  NUL-terminated
        if (!group)
            rc = IM_ENOMEM;
        else
        if (size != 8) {
            im_log_error ("imc_store: offset of %zu octets", size);
            rc = IM_EIO;
        }
        else {
            memcpy (group, key, key_size);
            group [key_size] = 0;
            rc = fn (group, im_get_u64 (value), arg);
        }
        free (group);
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}

//  From the key after (due_ms, incident, clock) when from is set
static int
s_deadlines_scan (imc_store_t *self, bool from, uint64_t after_due_ms,
                  uint64_t after_incident, int after_clock,
                  uint64_t due_before, imc_store_deadline_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    //  Keys start with the due time: everything due by due_before sorts
    //  below (due_before + 1) followed by nothing
    unsigned char upper [8];
    im_put_u64 (upper, due_before + 1);
    bool bounded = due_before < UINT64_MAX;
    //  The 17-octet key followed by a zero octet is the least key after it
    unsigned char start [18] = { 0 };
    im_put_u64 (start, after_due_ms);
    im_put_u64 (start + 8, after_incident);
    start [16] = (unsigned char) after_clock;
    scan_t scan;
    s_scan_open (&scan, self, self->cf [IMC_STORE_CF_DEADLINES],
                 from ? start : NULL, from ? sizeof start : 0,
                 bounded ? upper : NULL, bounded ? sizeof upper : 0);
    int rc = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)) {
        size_t key_size = 0;
        const unsigned char *key = (const unsigned char *)
            rocksdb_iter_key (scan.iterator, &key_size);
        if (key_size == 17)
            rc = fn (im_get_u64 (key), im_get_u64 (key + 8), key [16], arg);
        else
            im_log_error ("imc_store: deadline key of %zu octets", key_size);
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}

int
imc_store_deadlines_scan (imc_store_t *self, uint64_t due_before,
                          imc_store_deadline_fn *fn, void *arg)
{
    return s_deadlines_scan (self, false, 0, 0, 0, due_before, fn, arg);
}

int
imc_store_deadlines_scan_after (imc_store_t *self, uint64_t after_due_ms,
                                uint64_t after_incident, int after_clock,
                                uint64_t due_before,
                                imc_store_deadline_fn *fn, void *arg)
{
    assert (after_clock >= 0 && after_clock <= UINT8_MAX);
    return s_deadlines_scan (self, true, after_due_ms, after_incident,
                             after_clock, due_before, fn, arg);
}

int
imc_store_request_times_scan (imc_store_t *self, uint64_t from_ms,
                              imc_store_request_time_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    unsigned char from [8];
    im_put_u64 (from, from_ms);
    scan_t scan;
    s_scan_open (&scan, self, self->cf [IMC_STORE_CF_REQUEST_TIMES], from,
                 sizeof from, NULL, 0);
    int rc = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)) {
        size_t key_size = 0;
        const char *key = rocksdb_iter_key (scan.iterator, &key_size);
        if (key_size > 8 && key_size < 8 + IM_REQUEST_ID_MAX)
            rc = fn (im_get_u64 (key), key + 8, key_size - 8, arg);
        else {
            im_log_error ("imc_store: request_times key of %zu octets",
                        key_size);
            rc = IM_EIO;
        }
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}

//  Scans any open column family by name, ours or one found on disk.
//  Returns 0, IM_ENOTFOUND for an unknown name, IM_EIO, or fn's value.
int
imc_store_cf_scan (imc_store_t *self, const char *cf, imc_store_kv_fn *fn,
                   void *arg)
{
    assert (self);
    assert (cf && fn);
    rocksdb_column_family_handle_t *handle = NULL;
    for (size_t index = 0; index < self->cf_count; index++)
        if (streq (self->cf_names [index], cf))
            handle = self->cf_handles [index];
    if (!handle)
        return IM_ENOTFOUND;

    scan_t scan;
    s_scan_open (&scan, self, handle, NULL, 0, NULL, 0);
    int rc = 0;
    while (rc == 0 && rocksdb_iter_valid (scan.iterator)) {
        size_t key_size = 0, size = 0;
        const char *key = rocksdb_iter_key (scan.iterator, &key_size);
        const char *value = rocksdb_iter_value (scan.iterator, &size);
        rc = fn (key, key_size, value, size, arg);
        rocksdb_iter_next (scan.iterator);
    }
    return s_scan_close (&scan, rc);
}
