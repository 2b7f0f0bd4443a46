/*  imc_store - the RocksDB database that holds the log and its projections

    One database per node, laid out in column families (docs/storage.md
    section 2): events (seq -> the seq of the incident's previous event
    and the EVENT), incidents (id -> projection fields), requests (idempotency
    key -> result fields), offsets (consumer group -> seq), meta
    (applied Raft index, last seq, next incident id, schema version,
    counters), deadlines (running SLA clocks by due time) and dedup
    (alert dedup key -> the open incident it adds to).

    Writes go through a batch that the state machine fills for one Raft
    entry and commits at once: events, projections and the applied index
    move together or not at all. Only the thread that owns the store
    writes; RocksDB reads are thread-safe, so the broker's query side
    reads through the same handle.

    Keys: u64 values are 8 octets big-endian so that RocksDB's bytewise
    order is numeric order. An incident's events are a chain: each
    names the one before it, and the projection (last_seq) names the
    newest, so a timeline costs no index key per event.
*/
#ifndef IMC_STORE_H_INCLUDED
#define IMC_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"
#include "im_event.h"

#define IMC_STORE_SCHEMA 3              //  meta "schema", docs/storage.md

typedef struct _imc_store_t imc_store_t;
typedef struct _imc_store_batch_t imc_store_batch_t;

typedef struct {
    size_t block_cache_mb;              //  Shared LRU cache, default 32
    size_t write_buffer_mb;             //  All memtables together, default 64
    bool read_only;                     //  Open for reading (imqctl dump)
} imc_store_options_t;

//  Fills options with the defaults
void
    imc_store_options_default (imc_store_options_t *options);

//  Opens or creates the database at path with every column family.
//  options may be NULL for the defaults. Returns NULL on failure, with
//  the reason logged and, if errbuf is not NULL, copied there (an
//  existing database of another schema is refused).
imc_store_t *
    imc_store_new (const char *path, const imc_store_options_t *options,
                   char *errbuf, size_t errlen);

void
    imc_store_destroy (imc_store_t **self_p);

//  Turns off RocksDB's per-operation counters for the calling thread (a
//  measurable share of each write, and imq reads none of them). Call it
//  once on the thread that applies entries.
void
    imc_store_thread_quiet (void);

//  Detail of the last failure, borrowed
const char *
    imc_store_errmsg (imc_store_t *self);

//  True once a read or write of any thread found the database corrupt
//  (RocksDB said "Corruption:", a block or file failing its checks);
//  detail then gets RocksDB's words, which name the file and offset.
//  A damaged store stays damaged: a retry reads the same bytes.
bool
    imc_store_damaged (imc_store_t *self, char *detail, size_t size);

//  True when message (a failure reported by the store) is RocksDB's
//  report of a corrupt database
bool
    imc_store_is_damage (const char *message);

//  --------------------------------------------------------------------
//  Meta values (u64). Reads return 0 when the key was never written.

#define IM_META_APPLIED     "applied"       //  Last Raft index applied
#define IM_META_LAST_SEQ    "last_seq"      //  Last event seq
#define IM_META_NEXT_ID     "next_incident" //  Next incident id to give
#define IM_META_CONFIG_SEQ  "config_seq"    //  Last event of incident 0
#define IM_META_REQUESTS    "requests"      //  Request results stored
#define IM_META_AUDIT_SEQ   "audit_seq"     //  Last access.denied event

int
    imc_store_meta_get (imc_store_t *self, const char *key, uint64_t *value);

//  --------------------------------------------------------------------
//  Reads. Returned buffers are the caller's (free ()).

//  Reads the event at seq (the EVENT alone). Returns 0, IM_ENOTFOUND,
//  IM_EIO.
int
    imc_store_event_get (imc_store_t *self, uint64_t seq,
                         char **data, size_t *size);

//  Calls fn for each event with from <= seq, in seq order, until fn
//  returns non-zero or limit events were passed (0: no limit). The data
//  is borrowed for the call. Returns 0, IM_EIO, or fn's non-zero value.
typedef int (imc_store_event_fn) (uint64_t seq, const void *data,
                                  size_t size, void *arg);
int
    imc_store_events_scan (imc_store_t *self, uint64_t from, size_t limit,
                           imc_store_event_fn *fn, void *arg);

//  Finds by bisection, without a scan, the first seq whose event and
//  every later one's are stamped ts_ms or later, were the stamps in seq
//  order (meta last_seq + 1 when none is): nearly so, as a failover may
//  set them back by the clocks' skew, which a caller subtracts from its
//  time. Returns 0, IM_EIO or IM_ENOMEM.
int
    imc_store_events_seek_time (imc_store_t *self, uint64_t ts_ms,
                                uint64_t *seq);

//  Calls fn for each event of the chain that ends at seq head (0: none),
//  in seq order, until fn returns non-zero. Returns 0, IM_EIO (a link
//  names an event that is not there), IM_ENOMEM, or fn's value.
int
    imc_store_chain_scan (imc_store_t *self, uint64_t head,
                          imc_store_event_fn *fn, void *arg);

//  Calls fn for each event of the chain that ends at seq head (0: none),
//  newest first, until fn returns non-zero: a reader that wants the
//  newest few (the audit chain's recent denials) reads only those.
//  Returns 0, IM_EIO (a link names an event that is not there), or fn's
//  value.
int
    imc_store_chain_scan_back (imc_store_t *self, uint64_t head,
                               imc_store_event_fn *fn, void *arg);

//  Calls fn for each event of one incident, in seq order: the chain from
//  its projection's last_seq; incident 0 is the chain of the events of
//  no incident (config.applied, cluster.member), from meta config_seq
int
    imc_store_incident_events_scan (imc_store_t *self, uint64_t incident,
                                    imc_store_event_fn *fn, void *arg);

//  Reads the projection of an incident into a new fields map, owned by
//  the caller. Returns 0, IM_ENOTFOUND, IM_EIO, IM_EPROTO.
int
    imc_store_incident_get (imc_store_t *self, uint64_t id,
                            im_fields_t **incident_p);

//  Calls fn for each incident projection in id order (data borrowed),
//  starting at id from, until fn returns non-zero
typedef int (imc_store_record_fn) (uint64_t id, const void *data,
                                   size_t size, void *arg);
int
    imc_store_incidents_scan (imc_store_t *self, uint64_t from,
                              imc_store_record_fn *fn, void *arg);

//  Reads the stored result of an idempotency key into a new fields map.
//  Returns 0, IM_ENOTFOUND, IM_EIO.
int
    imc_store_request_get (imc_store_t *self, const char *key,
                           im_fields_t **result_p);

//  Reads the stored results of count idempotency keys at once (one
//  RocksDB MultiGet per 64 keys, cheaper than a read each): results [i]
//  gets a new fields map, the caller's, or NULL when keys [i] has none.
//  Returns 0, or IM_EIO / IM_EPROTO / IM_ENOMEM with every results [i]
//  NULL.
int
    imc_store_requests_get (imc_store_t *self, const char *const *keys,
                            size_t count, im_fields_t **results);

//  Calls fn for each stored request result in the order it was stored
//  (its command's time, then its id), starting at time from_ms, until
//  fn returns non-zero (docs/storage.md section 2.4). key is borrowed
//  for the call and not NUL-terminated. Returns 0, IM_EIO or fn's
//  value.
typedef int (imc_store_request_time_fn) (uint64_t ts_ms, const char *key,
                                         size_t key_size, void *arg);
int
    imc_store_request_times_scan (imc_store_t *self, uint64_t from_ms,
                                  imc_store_request_time_fn *fn, void *arg);

//  Reads a consumer group's acknowledged offset (0 if none)
int
    imc_store_offset_get (imc_store_t *self, const char *group,
                          uint64_t *seq);

//  Calls fn (group, seq) for each consumer group offset
typedef int (imc_store_offset_fn) (const char *group, uint64_t seq,
                                   void *arg);
int
    imc_store_offsets_scan (imc_store_t *self, imc_store_offset_fn *fn,
                            void *arg);

//  Raw dump of a whole column family ("events", "incidents", ...) for
//  determinism checks: calls fn with every key/value in order.
typedef int (imc_store_kv_fn) (const void *key, size_t key_size,
                               const void *value, size_t value_size,
                               void *arg);
int
    imc_store_cf_scan (imc_store_t *self, const char *cf,
                       imc_store_kv_fn *fn, void *arg);

//  Calls fn for each running SLA clock due at or before due_before, in
//  due order, until fn returns non-zero. clock is 0 for response, 1 for
//  resolution.
typedef int (imc_store_deadline_fn) (uint64_t due_ms, uint64_t incident,
                                     int clock, void *arg);
int
    imc_store_deadlines_scan (imc_store_t *self, uint64_t due_before,
                              imc_store_deadline_fn *fn, void *arg);

//  The same, from just after the clock (after_due_ms, after_incident,
//  after_clock) in that order: the next page after the last clock a
//  scan gave
int
    imc_store_deadlines_scan_after (imc_store_t *self, uint64_t after_due_ms,
                                    uint64_t after_incident, int after_clock,
                                    uint64_t due_before,
                                    imc_store_deadline_fn *fn, void *arg);

//  Reads the incident an alert dedup key maps to (docs/storage.md
//  section 2.6); *incident is 0 when it maps to none. Returns 0 or
//  IM_EIO.
int
    imc_store_dedup_get (imc_store_t *self, const char *key,
                         uint64_t *incident);

//  --------------------------------------------------------------------
//  Writes, through one batch per Raft entry

imc_store_batch_t *
    imc_store_batch_new (imc_store_t *self);
void
    imc_store_batch_destroy (imc_store_batch_t **self_p);

//  Puts the EVENT at seq; prev is the seq of the previous event of the
//  same incident (0 for its first)
void
    imc_store_batch_put_event (imc_store_batch_t *self, uint64_t seq,
                               uint64_t prev,
                               const void *data, size_t size);

//  Puts event, encoded (im_event_encode's bytes) straight into the
//  batch, at its seq; prev as above. Returns 0, IM_EINVAL for an event
//  that cannot be encoded or IM_ENOMEM (then nothing was put).
int
    imc_store_batch_encode_event (imc_store_batch_t *self,
                                  const im_event_t *event, uint64_t prev);
void
    imc_store_batch_put_incident (imc_store_batch_t *self, uint64_t id,
                                  const im_fields_t *incident);
//  Puts the result of request key, whose command was stamped ts_ms, and
//  its place in the order of expiry
void
    imc_store_batch_put_request (imc_store_batch_t *self, const char *key,
                                 uint64_t ts_ms, const im_fields_t *result);

//  Removes the result of request key (key_size octets) stored at ts_ms,
//  and its place in the order of expiry
void
    imc_store_batch_delete_request (imc_store_batch_t *self, const char *key,
                                    size_t key_size, uint64_t ts_ms);
void
    imc_store_batch_put_offset (imc_store_batch_t *self, const char *group,
                                uint64_t seq);
void
    imc_store_batch_put_meta (imc_store_batch_t *self, const char *key,
                              uint64_t value);

//  Records or removes a running SLA clock in the deadlines index
void
    imc_store_batch_put_deadline (imc_store_batch_t *self, uint64_t due_ms,
                                  uint64_t incident, int clock);
void
    imc_store_batch_delete_deadline (imc_store_batch_t *self, uint64_t due_ms,
                                     uint64_t incident, int clock);

//  Maps an alert dedup key to an open incident, or removes the mapping
void
    imc_store_batch_put_dedup (imc_store_batch_t *self, const char *key,
                               uint64_t incident);
void
    imc_store_batch_delete_dedup (imc_store_batch_t *self, const char *key);

//  Writes the batch atomically and destroys it. sync makes it durable
//  before returning (imc_store_sync). Returns 0 or IM_EIO.
int
    imc_store_batch_commit (imc_store_t *self, imc_store_batch_t **batch_p,
                            bool sync);

//  Deletes every record of every column family (the schema stays), in
//  one write: the store is as new, without the cost of creating a
//  database (~70 ms even on tmpfs). The state machine's fuzz target
//  starts each input on an empty store this way. A state machine over
//  the store caches its counters: destroy it first, make a new one
//  after. Returns 0 or IM_EIO.
int
    imc_store_clear (imc_store_t *self);

//  Makes every write so far durable: the memtables of every column
//  family are flushed together. Any thread may call it. Returns 0 or
//  IM_EIO.
int
    imc_store_sync (imc_store_t *self);

//  Writes a checkpoint of the database into dir, which must not exist
//  (its parent must): table files hard-linked, the WAL copied, no flush.
//  Any thread. Returns 0, or IM_EIO with the reason in errbuf.
int
    imc_store_checkpoint (imc_store_t *self, const char *dir, char *errbuf,
                          size_t errlen);

#endif
