/*  imb_deny_limit - how many denials a node records, per principal and verb

    Every denial a node sees could be an event in the log, and a key
    that sends the same refused verb in a loop must not grow the log
    without bound. Per principal and verb, a node records the first
    few denials of each window; the rest are held as a count, and the
    next denial recorded says how many were left out before it
    (suppressed). When a window ends with denials held, the last one
    held is recorded with the count of the others, so nothing is lost
    from the sum: the denials a node saw are the denials it recorded
    plus their suppressed counts. A principal and verb that stopped
    being refused are forgotten after a quiet window.

    Not thread-safe: the node's main thread owns it. Time is the caller's
    (a monotonic clock in the broker, any numbers in the tests).
*/
#ifndef IMB_DENY_LIMIT_H_INCLUDED
#define IMB_DENY_LIMIT_H_INCLUDED

#include <stdint.h>
#include <stddef.h>

#define IMB_DENY_VERB_MAX   32      //  Bytes in a verb, with the NUL
#define IMB_DENY_REASON_MAX 256     //  Bytes in a reason, with the NUL

typedef struct _imb_deny_limit_t imb_deny_limit_t;

//  One denial: who, which verb, which incident (0: none), why
typedef struct {
    char principal [64];            //  Who was refused
    char verb [IMB_DENY_VERB_MAX];  //  What they asked for
    uint64_t incident;              //  The incident it named, or 0
    char reason [IMB_DENY_REASON_MAX];  //  Why it was refused
    uint64_t at_ms;                 //  When (the caller's wall clock)
    uint64_t suppressed;            //  Denials of the same principal and
                                    //  verb left out before this one
} imb_denial_t;

//  Called for a denial to record now (borrowed for the call)
typedef void (imb_deny_limit_fn) (const imb_denial_t *denial, void *arg);

//  Records at most burst denials per principal and verb per window_ms,
//  tracking at most buckets_max principal-verb pairs at once
imb_deny_limit_t *
    imb_deny_limit_new (uint32_t burst, uint64_t window_ms,
                        size_t buckets_max);

void
    imb_deny_limit_destroy (imb_deny_limit_t **self_p);

//  Counts denial at now_ms. Returns 1 when it is to be recorded now
//  (denial->suppressed then says how many were left out before it), 0
//  when it is held as a count, -1 when the table already tracks
//  buckets_max other pairs (it is neither recorded nor held)
int
    imb_deny_limit_take (imb_deny_limit_t *self, imb_denial_t *denial,
                         uint64_t now_ms);

//  Calls fn for every pair whose window has ended by now_ms with
//  denials held (the last held, suppressed = the others), and forgets
//  the pairs that were quiet for a whole window: call it from a timer
void
    imb_deny_limit_flush (imb_deny_limit_t *self, uint64_t now_ms,
                          imb_deny_limit_fn *fn, void *arg);

//  Principal-verb pairs tracked now
size_t
    imb_deny_limit_size (imb_deny_limit_t *self);

#endif
