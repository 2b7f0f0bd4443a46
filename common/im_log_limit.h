/*  im_log_limit - a bound on how often one kind of refusal is logged

    A client sending garbage used to add one warning per message to the
    broker's log (2.7 MB in 34 s). Each kind of refusal is logged in full
    for its first few occurrences in an interval; the rest are counted,
    and one summary line per kind says how many were left out. Totals
    since start are kept for /metrics. Kinds are names from imq's own
    code (never text from a client), so the table stays small.

    Not thread-safe: one owning thread, like every imq object.
*/
#ifndef IM_LOG_LIMIT_H_INCLUDED
#define IM_LOG_LIMIT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_LOG_LIMIT_KINDS  32      //  Kinds tracked; more share "other"

typedef struct _im_log_limit_t im_log_limit_t;

//  Called for a kind whose interval ended with occurrences left out of
//  the log: how many, over how long
typedef void (im_log_limit_fn) (const char *kind, uint64_t suppressed,
                                uint64_t interval_ms, void *arg);

//  Creates a limiter that logs in full at most burst occurrences of a
//  kind per interval_ms. Returns NULL when out of memory.
im_log_limit_t *
    im_log_limit_new (uint32_t burst, uint64_t interval_ms);

//  Destroys the limiter; safe on NULL and twice
void
    im_log_limit_destroy (im_log_limit_t **self_p);

//  Counts one occurrence of kind (a static name, borrowed for the
//  limiter's life) at now_ms; returns true when it is to be logged in
//  full, false when it only counts. An interval that ended with
//  occurrences left out is reported to fn first (fn may be NULL).
bool
    im_log_limit_take (im_log_limit_t *self, const char *kind,
                       uint64_t now_ms, im_log_limit_fn *fn, void *arg);

//  Reports to fn every kind whose interval has ended by now_ms (every
//  kind, when all is true) with occurrences left out, and starts its
//  next interval: call it from a timer, so a flood that stopped is still
//  summed up, and with all at exit
void
    im_log_limit_flush (im_log_limit_t *self, uint64_t now_ms, bool all,
                        im_log_limit_fn *fn, void *arg);

//  Logs a summary line as a zsys warning (an im_log_limit_fn)
void
    im_log_limit_warn (const char *kind, uint64_t suppressed,
                       uint64_t interval_ms, void *arg);

//  How many kinds have been seen
size_t
    im_log_limit_size (const im_log_limit_t *self);

//  The name of kind number index (< size), borrowed
const char *
    im_log_limit_kind_at (const im_log_limit_t *self, size_t index);

//  Occurrences of kind number index since the limiter was made
uint64_t
    im_log_limit_total_at (const im_log_limit_t *self, size_t index);

//  Occurrences of kind since the limiter was made (0 if never seen)
uint64_t
    im_log_limit_total (const im_log_limit_t *self, const char *kind);

#endif
