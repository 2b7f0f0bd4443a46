/*  imf_load - the fault suite's load generator

    Opens incidents at a steady rate through the real client library
    (im_client, over every node's client endpoint), each with a request
    id of its own that it keeps for life: a write not answered is sent
    again with the same id (500 ms after its last send, 50 ms after a
    421 or 503), as any imq client does through a failover. It records
    every write's first 200 answer (the incident it named, and when), so
    that the checker can hold every node's log against what was
    acknowledged, and measures the write gap: the longest time during
    which no write was acknowledged.
*/
#ifndef IMF_LOAD_H_INCLUDED
#define IMF_LOAD_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "imf_check.h"

typedef struct _imf_load_t imf_load_t;

//  What the load saw; a plain value type
typedef struct {
    size_t sent;                    //  Writes started
    size_t sends;                   //  Messages sent, resends included
    size_t acknowledged;            //  Writes answered 200
    uint64_t gap_ms;                //  Longest time without a 200
    uint64_t gap_at_ms;             //  When it began, ms from the start
    size_t status_421;              //  Answers: redirected
    size_t status_503;              //  no leader yet / busy
    size_t status_5xx;              //  other 5xx (500 not applied, 504)
    size_t status_other;            //  anything else but 200
} imf_load_stats_t;

//  A load of rate opens a second to endpoints (a comma-separated list),
//  request ids "<prefix>-<n>", titles "<prefix> <n>". Returns NULL when
//  the client cannot be made.
imf_load_t *
    imf_load_new (const char *endpoints, const char *prefix, int rate);

void
    imf_load_destroy (imf_load_t **self_p);

//  Runs the load until monotonic time until_ms (im_mono_ms): opens new
//  writes at the rate while opening is true, resends what is due and
//  reads answers. Returns early when zsys_interrupted is set.
void
    imf_load_pump (imf_load_t *self, uint64_t until_ms, bool opening);

//  Resends and reads, opening nothing, until every write was answered
//  or deadline_ms passed; returns the writes still unanswered
size_t
    imf_load_drain (imf_load_t *self, int deadline_ms);

//  Fills stats
void
    imf_load_stats (imf_load_t *self, imf_load_stats_t *stats);

//  Hands every write to the checker: sent, and acknowledged with the
//  incident its answer named
void
    imf_load_feed (imf_load_t *self, imf_check_t *check);

#endif
