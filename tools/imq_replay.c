/*  imq_replay - reads a node's data directory offline, with the core
    alone, and folds every incident again from its events

    The walk is three scans of the store, each one pass in key order:
    the events family (counts by type), the incidents family (each
    projection, and its chain of events folded again into a new map),
    and the request results and offsets. The fold is the core's own,
    so a projection that differs means the store and its log of events
    disagree; the tool says which incident first.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_store.h"
#include "imc_incident.h"
#include "imq_replay.h"

//  What one incident's fold works with
typedef struct {
    im_fields_t *projection;            //  Folded so far, owned
    im_event_t *event;                  //  Decoding buffer, owned
    imq_replay_counts_t *counts;        //  Where to count, borrowed
    int rc;                             //  First failure, or 0
} s_fold_t;

//  Counts one event of the events family
static int
s_count_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_fold_t *fold = (s_fold_t *) arg;
    imq_replay_counts_t *counts = fold->counts;
    counts->events++;
    if (seq > counts->max_seq)
        counts->max_seq = seq;
    if (im_event_decode (fold->event, data, size, NULL, 0))
        counts->unreadable++;
    else
        counts->by_type [fold->event->type]++;
    return 0;
}

//  Folds one event of an incident's chain into the projection
static int
s_fold_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    s_fold_t *fold = (s_fold_t *) arg;
    fold->counts->chained++;
    if (im_event_decode (fold->event, data, size, NULL, 0)) {
        fold->rc = IM_EPROTO;           //  Counted by the events scan
        return 0;
    }
    imc_incident_evolve (fold->projection, fold->event);
    return 0;
}

//  What the incidents scan works with
typedef struct {
    imc_store_t *store;                 //  Open store, borrowed
    s_fold_t fold;                      //  The current incident's fold
    im_fields_t *stored;                //  Decoding buffer, owned
    int rc;                             //  First failure, or 0
} s_walk_t;

//  Counts one stored projection and folds its incident again
static int
s_check_incident (uint64_t id, const void *data, size_t size, void *arg)
{
    s_walk_t *walk = (s_walk_t *) arg;
    imq_replay_counts_t *counts = walk->fold.counts;
    counts->incidents++;
    if (im_fields_decode (walk->stored, data, size, NULL, 0)) {
        walk->rc = IM_EPROTO;
        return 0;
    }
    counts->by_status [im_incident_status (walk->stored)]++;
    im_fields_clear (walk->fold.projection);
    walk->fold.rc = 0;
    int rc = imc_store_incident_events_scan (walk->store, id, s_fold_event,
                                             &walk->fold);
    counts->rebuilt++;
    if (rc || walk->fold.rc
    ||  !im_fields_equal (walk->fold.projection, walk->stored)) {
        if (counts->differ++ == 0)
            counts->first_differ = id;
    }
    return 0;
}

//  Counts one event of the chains of no incident (config, members,
//  principals; and the denials' audit chain)
static int
s_count_chained (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    (void) data;
    (void) size;
    ((imq_replay_counts_t *) arg)->chained++;
    return 0;
}

static int
s_count_request (uint64_t ts_ms, const char *key, size_t key_size,
                 void *arg)
{
    (void) ts_ms;
    (void) key;
    (void) key_size;
    ((imq_replay_counts_t *) arg)->requests++;
    return 0;
}

static int
s_count_offset (const char *group, uint64_t seq, void *arg)
{
    (void) group;
    (void) seq;
    ((imq_replay_counts_t *) arg)->offsets++;
    return 0;
}

int
imq_replay_run (const char *data_dir, imq_replay_counts_t *counts,
                char *errbuf, size_t errlen)
{
    assert (data_dir && counts);
    memset (counts, 0, sizeof *counts);
    //  A data directory holds store/; a store given itself is read too
    char path [4096];
    struct stat info;
    snprintf (path, sizeof path, "%s/store", data_dir);
    if (stat (path, &info) || !S_ISDIR (info.st_mode))
        snprintf (path, sizeof path, "%s", data_dir);
    if (stat (path, &info) || !S_ISDIR (info.st_mode)) {
        if (errbuf)
            snprintf (errbuf, errlen, "%s: no such directory", data_dir);
        return IM_EIO;
    }
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;           //  Never writes, even a LOCK
    imc_store_t *store = imc_store_new (path, &options, errbuf, errlen);
    if (!store)
        return IM_EIO;

    s_walk_t walk = {
        .store = store,
        .fold = { .projection = im_fields_new (), .event = im_event_new (),
                  .counts = counts },
        .stored = im_fields_new () };
    int rc = IM_ENOMEM;
    if (!walk.fold.projection || !walk.fold.event || !walk.stored)
        goto cleanup;
    rc = IM_EIO;
    uint64_t audit = 0;
    if (imc_store_meta_get (store, IM_META_APPLIED, &counts->applied)
    ||  imc_store_meta_get (store, IM_META_LAST_SEQ, &counts->last_seq)
    ||  imc_store_meta_get (store, IM_META_NEXT_ID, &counts->next_id)
    ||  imc_store_events_scan (store, 1, 0, s_count_event, &walk.fold)
    ||  imc_store_incidents_scan (store, 1, s_check_incident, &walk)
    ||  imc_store_incident_events_scan (store, 0, s_count_chained, counts)
    ||  imc_store_meta_get (store, IM_META_AUDIT_SEQ, &audit)
    ||  imc_store_chain_scan (store, audit, s_count_chained, counts)
    ||  imc_store_request_times_scan (store, 0, s_count_request, counts)
    ||  imc_store_offsets_scan (store, s_count_offset, counts))
        goto cleanup;
    rc = walk.rc;
    if (rc && errbuf)
        snprintf (errbuf, errlen, "a stored projection does not decode");
cleanup:
    if (rc == IM_EIO && errbuf)
        snprintf (errbuf, errlen, "reading %s failed: %s", path,
                  *imc_store_errmsg (store) ? imc_store_errmsg (store)
                                            : "see the log above");
    im_fields_destroy (&walk.stored);
    im_event_destroy (&walk.fold.event);
    im_fields_destroy (&walk.fold.projection);
    imc_store_destroy (&store);
    return rc;
}
