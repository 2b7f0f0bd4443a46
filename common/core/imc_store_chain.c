/*  imc_store_chain - an incident's events, by the links between them

    Each stored event starts with the seq of its incident's event before
    it (docs/storage.md), so an incident's history, incident 0's chain of
    policies and principals, and the audit chain of denials are walked
    link by link from their head, with no index. Every link read back is
    checked: smaller than the seq it leaves, or the chain is broken
    (IM_EIO), so a damaged store cannot send a walk round in a loop.
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

//  Reads the stored value of the event at seq (its link, then the
//  EVENT) pinned into *slice_p (the caller destroys it); *value and
//  *size point into it. Returns 0, or IM_EIO when the event is missing,
//  damaged, or links to a seq not smaller than its own.
static int
s_event_pinned (imc_store_t *self, uint64_t seq,
                rocksdb_pinnableslice_t **slice_p, const char **value,
                size_t *size)
{
    unsigned char key [8];
    im_put_u64 (key, seq);
    *slice_p = NULL;
    *value = NULL;
    *size = 0;
    int rc = imc_store_get_pinned (self, IMC_STORE_CF_EVENTS, key, sizeof key,
                           slice_p);
    if (*slice_p)
        *value = rocksdb_pinnableslice_value (*slice_p, size);
    if (rc == 0 && (!*value || *size < IMC_STORE_LINK || im_get_u64 (*value) >= seq)) {
        im_log_error ("imc_store: chain broken at seq %" PRIu64, seq);
        rc = IM_EIO;
    }
    return rc;
}

//  Reads the link (the seq before) of the event at seq. Returns 0, or
//  IM_EIO when the event is missing or damaged.
static int
s_link_get (imc_store_t *self, uint64_t seq, uint64_t *prev)
{
    rocksdb_pinnableslice_t *slice = NULL;
    const char *value = NULL;
    size_t size = 0;
    int rc = s_event_pinned (self, seq, &slice, &value, &size);
    if (rc == 0)
        *prev = im_get_u64 (value);
    rocksdb_pinnableslice_destroy (slice);
    return rc;
}

int
imc_store_chain_scan (imc_store_t *self, uint64_t head, imc_store_event_fn *fn,
                      void *arg)
{
    assert (self);
    assert (fn);
    //  The links lead backwards: collect the seqs, then call in order.
    //  Each link is smaller than the seq it leaves, so the walk ends.
    size_t count = 0, capacity = 0;
    uint64_t *seqs = NULL;
    int rc = 0;
    for (uint64_t seq = head; seq != 0 && rc == 0; ) {
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            uint64_t *grown = (uint64_t *) realloc (seqs,
                                                    capacity * sizeof *seqs);
            if (!grown) {
                rc = IM_ENOMEM;
                break;
            }
            seqs = grown;
        }
        seqs [count++] = seq;
        rc = s_link_get (self, seq, &seq);
    }
    while (rc == 0 && count > 0) {
        uint64_t seq = seqs [--count];
        rocksdb_pinnableslice_t *slice = NULL;
        const char *value = NULL;
        size_t size = 0;
        rc = s_event_pinned (self, seq, &slice, &value, &size);
        if (rc == 0)
            rc = fn (seq, value + IMC_STORE_LINK, size - IMC_STORE_LINK, arg);
        rocksdb_pinnableslice_destroy (slice);
    }
    free (seqs);
    return rc;
}

int
imc_store_chain_scan_back (imc_store_t *self, uint64_t head,
                           imc_store_event_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    int rc = 0;
    //  Each link is smaller than the seq it leaves, so the walk ends
    for (uint64_t seq = head; seq != 0 && rc == 0; ) {
        rocksdb_pinnableslice_t *slice = NULL;
        const char *value = NULL;
        size_t size = 0;
        rc = s_event_pinned (self, seq, &slice, &value, &size);
        uint64_t prev = rc == 0 ? im_get_u64 (value) : 0;
        if (rc == 0)
            rc = fn (seq, value + IMC_STORE_LINK, size - IMC_STORE_LINK, arg);
        rocksdb_pinnableslice_destroy (slice);
        seq = prev;
    }
    return rc;
}

int
imc_store_incident_events_scan (imc_store_t *self, uint64_t incident,
                                imc_store_event_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    uint64_t head = 0;
    int rc = 0;
    if (incident == 0)
        rc = imc_store_meta_get (self, IM_META_CONFIG_SEQ, &head);
    else {
        im_fields_t *projection = NULL;
        rc = imc_store_incident_get (self, incident, &projection);
        if (rc == 0)
            head = (uint64_t) im_fields_int_or (projection, IM_KEY_LAST_SEQ, 0);
        else
        if (rc == IM_ENOTFOUND)
            rc = 0;                     //  No such incident: no events
        im_fields_destroy (&projection);
    }
    return rc ? rc : imc_store_chain_scan (self, head, fn, arg);
}
