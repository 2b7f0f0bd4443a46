/*  imc_store_batch - the writes of one Raft entry, applied at once

    The state machine turns one committed entry into events, projection
    updates, idempotency results, offsets and the applied index. They
    must reach the disk together or not at all, or a restart would find
    an event without its projection, or an applied index ahead of what
    was written. So every write goes into one RocksDB WriteBatch, and
    commit hands it to RocksDB as one atomic write.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_event.h"
#include "imc_store.h"
#include "imc_store_private.h"

struct _imc_store_batch_t {
    imc_store_t *store;                 //  Store it writes to, borrowed
    rocksdb_writebatch_t *writes;       //  Pending writes, owned
    int status;                         //  First failure while filling, or 0
    unsigned char *value;               //  Scratch: a value being encoded,
                                        //  owned
    size_t value_max;                   //  Bytes allocated at value
};

imc_store_batch_t *
imc_store_batch_new (imc_store_t *self)
{
    assert (self);
    imc_store_batch_t *batch =
        (imc_store_batch_t *) calloc (1, sizeof (imc_store_batch_t));
    if (!batch)
        return NULL;
    batch->store = self;
    batch->writes = rocksdb_writebatch_create ();
    return batch;
}

void
imc_store_batch_destroy (imc_store_batch_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imc_store_batch_t *self = *self_p;
        rocksdb_writebatch_destroy (self->writes);
        free (self->value);
        free (self);
        *self_p = NULL;
    }
}

//  Adds a put to column family cf
static void
s_batch_put (imc_store_batch_t *self, imc_store_cf_t cf, const void *key,
             size_t key_size, const void *value, size_t value_size)
{
    rocksdb_writebatch_put_cf (self->writes, self->store->cf [cf],
                               (const char *) key, key_size,
                               (const char *) value, value_size);
}

//  Makes room for size bytes in the batch's scratch value. Returns 0 or
//  IM_ENOMEM.
static int
s_value_reserve (imc_store_batch_t *self, size_t size)
{
    if (size <= self->value_max)
        return 0;
    size_t max = self->value_max ? self->value_max : 1024;
    while (max < size)
        max *= 2;
    unsigned char *value = (unsigned char *) realloc (self->value, max);
    if (!value)
        return IM_ENOMEM;
    self->value = value;
    self->value_max = max;
    return 0;
}

//  Adds the encoding of fields under key, written straight into the
//  scratch value (the write batch copies it); a failure to make room is
//  kept for the commit, which then writes nothing
static void
s_batch_put_fields (imc_store_batch_t *self, imc_store_cf_t cf,
                    const void *key, size_t key_size,
                    const im_fields_t *fields)
{
    if (s_value_reserve (self, im_fields_packed_max (fields))) {
        if (self->status == 0)
            self->status = IM_ENOMEM;
        return;
    }
    unsigned char *end = im_fields_put (fields, self->value);
    s_batch_put (self, cf, key, key_size, self->value,
                 (size_t) (end - self->value));
}

void
imc_store_batch_put_event (imc_store_batch_t *self, uint64_t seq,
                           uint64_t prev, const void *data, size_t size)
{
    assert (self);
    assert (data || size == 0);
    assert (prev < seq);
    //  The link and the event go in as two parts of one value
    unsigned char key [8], link [8];
    im_put_u64 (key, seq);
    im_put_u64 (link, prev);
    const char *keys [1] = { (const char *) key };
    size_t key_sizes [1] = { sizeof key };
    const char *parts [2] = { (const char *) link, data ? data : "" };
    size_t part_sizes [2] = { sizeof link, size };
    rocksdb_writebatch_putv_cf (self->writes,
                                self->store->cf [IMC_STORE_CF_EVENTS],
                                1, keys, key_sizes, 2, parts, part_sizes);
}

int
imc_store_batch_encode_event (imc_store_batch_t *self, const im_event_t *event,
                              uint64_t prev)
{
    assert (self && event);
    assert (prev < event->seq);
    size_t size;
    int rc = im_event_encoded_size (event, &size);
    if (rc)
        return rc;
    //  The link and the event, encoded in place after it: one value,
    //  the bytes imc_store_batch_put_event writes
    if (s_value_reserve (self, size + 8))
        return IM_ENOMEM;
    im_put_u64 (self->value, prev);
    unsigned char *end = im_event_put (event, self->value + 8);
    assert ((size_t) (end - self->value) == size + 8);
    (void) end;
    unsigned char key [8];
    im_put_u64 (key, event->seq);
    s_batch_put (self, IMC_STORE_CF_EVENTS, key, sizeof key, self->value,
                 size + 8);
    return 0;
}

void
imc_store_batch_put_incident (imc_store_batch_t *self, uint64_t id,
                              const im_fields_t *incident)
{
    assert (self);
    assert (incident);
    unsigned char key [8];
    im_put_u64 (key, id);
    s_batch_put_fields (self, IMC_STORE_CF_INCIDENTS, key, 8, incident);
}

//  request_times key: ts (u64) + request id; returns its size
static size_t
s_request_time_key (unsigned char *key, uint64_t ts_ms, const char *id,
                    size_t id_size)
{
    im_put_u64 (key, ts_ms);
    memcpy (key + 8, id, id_size);
    return 8 + id_size;
}

void
imc_store_batch_put_request (imc_store_batch_t *self, const char *key,
                             uint64_t ts_ms, const im_fields_t *result)
{
    assert (self);
    assert (key);
    assert (result);
    size_t size = strlen (key);
    assert (size < IM_REQUEST_ID_MAX);
    s_batch_put_fields (self, IMC_STORE_CF_REQUESTS, key, size, result);
    unsigned char time_key [8 + IM_REQUEST_ID_MAX];
    s_batch_put (self, IMC_STORE_CF_REQUEST_TIMES, time_key,
                 s_request_time_key (time_key, ts_ms, key, size), "", 0);
}

void
imc_store_batch_delete_request (imc_store_batch_t *self, const char *key,
                                size_t key_size, uint64_t ts_ms)
{
    assert (self);
    assert (key && key_size < IM_REQUEST_ID_MAX);
    rocksdb_writebatch_delete_cf (self->writes,
                                  self->store->cf [IMC_STORE_CF_REQUESTS],
                                  key, key_size);
    unsigned char time_key [8 + IM_REQUEST_ID_MAX];
    rocksdb_writebatch_delete_cf (
        self->writes, self->store->cf [IMC_STORE_CF_REQUEST_TIMES],
        (const char *) time_key,
        s_request_time_key (time_key, ts_ms, key, key_size));
}

void
imc_store_batch_put_offset (imc_store_batch_t *self, const char *group,
                            uint64_t seq)
{
    assert (self);
    assert (group);
    unsigned char value [8];
    im_put_u64 (value, seq);
    s_batch_put (self, IMC_STORE_CF_OFFSETS, group, strlen (group), value, 8);
}

//  deadlines key: due (u64) + incident (u64) + clock (1 octet)
static void
s_deadline_key (unsigned char *key, uint64_t due_ms, uint64_t incident,
                int clock)
{
    im_put_u64 (key, due_ms);
    im_put_u64 (key + 8, incident);
    key [16] = (unsigned char) clock;
}

void
imc_store_batch_put_deadline (imc_store_batch_t *self, uint64_t due_ms,
                              uint64_t incident, int clock)
{
    assert (self);
    unsigned char key [17];
    s_deadline_key (key, due_ms, incident, clock);
    s_batch_put (self, IMC_STORE_CF_DEADLINES, key, sizeof key, "", 0);
}

void
imc_store_batch_delete_deadline (imc_store_batch_t *self, uint64_t due_ms,
                                 uint64_t incident, int clock)
{
    assert (self);
    unsigned char key [17];
    s_deadline_key (key, due_ms, incident, clock);
    rocksdb_writebatch_delete_cf (self->writes,
                                  self->store->cf [IMC_STORE_CF_DEADLINES],
                                  (const char *) key, sizeof key);
}

void
imc_store_batch_put_dedup (imc_store_batch_t *self, const char *key,
                           uint64_t incident)
{
    assert (self);
    assert (key);
    unsigned char value [8];
    im_put_u64 (value, incident);
    s_batch_put (self, IMC_STORE_CF_DEDUP, key, strlen (key), value, 8);
}

void
imc_store_batch_delete_dedup (imc_store_batch_t *self, const char *key)
{
    assert (self);
    assert (key);
    rocksdb_writebatch_delete_cf (self->writes,
                                  self->store->cf [IMC_STORE_CF_DEDUP],
                                  key, strlen (key));
}

void
imc_store_batch_put_meta (imc_store_batch_t *self, const char *key,
                          uint64_t value)
{
    assert (self);
    assert (key);
    unsigned char bytes [8];
    im_put_u64 (bytes, value);
    s_batch_put (self, IMC_STORE_CF_META, key, strlen (key), bytes, 8);
}


//  --------------------------------------------------------------------
//  Writes the batch atomically and destroys it. Returns 0, IM_EIO, or
//  the code of a put that could not encode its fields (nothing written).

int
imc_store_batch_commit (imc_store_t *self, imc_store_batch_t **batch_p,
                        bool sync)
{
    assert (self);
    assert (batch_p && *batch_p);
    imc_store_batch_t *batch = *batch_p;
    assert (batch->store == self);

    int rc = batch->status;
    if (rc)
        imc_store_fail (self, NULL, 0, "commit refused, a put failed: %s",
                        im_strerror (rc));
    else {
        char *err = NULL;
        rocksdb_write (self->db, self->write, batch->writes, &err);
        if (err) {
            imc_store_note (self, err);
            imc_store_fail (self, NULL, 0, "commit: %s", err);
            rocksdb_free (err);
            rc = IM_EIO;
        }
        else
        if (sync && imc_store_sync (self))
            rc = IM_EIO;
    }
    imc_store_batch_destroy (batch_p);
    return rc;
}


//  --------------------------------------------------------------------
//  Deletes every record but the schema, in one write. Returns 0 or
//  IM_EIO.

int
imc_store_clear (imc_store_t *self)
{
    assert (self);
    rocksdb_writebatch_t *writes = rocksdb_writebatch_create ();
    rocksdb_readoptions_t *options = rocksdb_readoptions_create ();
    //  Every key in order, also in requests, which has a prefix extractor
    rocksdb_readoptions_set_total_order_seek (options, 1);
    char *err = NULL;
    for (int cf = 0; cf < IMC_STORE_CF_COUNT && !err; cf++) {
        rocksdb_iterator_t *iterator = rocksdb_create_iterator_cf (
            self->db, options, self->cf [cf]);
        for (rocksdb_iter_seek_to_first (iterator);
             rocksdb_iter_valid (iterator); rocksdb_iter_next (iterator)) {
            size_t size;
            const char *key = rocksdb_iter_key (iterator, &size);
            if (cf == IMC_STORE_CF_META
            &&  size == strlen (IMC_STORE_META_SCHEMA)
            &&  memcmp (key, IMC_STORE_META_SCHEMA, size) == 0)
                continue;
            rocksdb_writebatch_delete_cf (writes, self->cf [cf], key, size);
        }
        rocksdb_iter_get_error (iterator, &err);
        rocksdb_iter_destroy (iterator);
    }
    if (!err)
        rocksdb_write (self->db, self->write, writes, &err);
    rocksdb_readoptions_destroy (options);
    rocksdb_writebatch_destroy (writes);
    if (err) {
        imc_store_fail (self, NULL, 0, "clear: %s", err);
        rocksdb_free (err);
        return IM_EIO;
    }
    return 0;
}
