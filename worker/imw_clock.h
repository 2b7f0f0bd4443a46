/*  imw_clock - where a worker's role timer reads the time

    Deadlines are wall-clock instants (the leader's stamps), so a role's
    timer is driven by the wall clock; the worker's own resends and
    heartbeats keep the real monotonic clock. A test that wants the
    timer to see another time gives the worker a clock that reads a
    value it sets, instead of sleeping until a deadline or moving the
    process's date: the clock is a value passed in, not global state.
*/
#ifndef IMW_CLOCK_H_INCLUDED
#define IMW_CLOCK_H_INCLUDED

#include <stdint.h>

//  Returns the time in ms since the epoch
typedef uint64_t (imw_clock_now_fn) (void *arg);

typedef struct {
    imw_clock_now_fn *now_fn;           //  Reads the time
    void *arg;                          //  Passed to now_fn, borrowed
} imw_clock_t;

//  The real wall clock
imw_clock_t
    imw_clock_real (void);

//  A clock that reads *now_ms, borrowed: its owner sets the time
imw_clock_t
    imw_clock_fixed (const uint64_t *now_ms);

//  The clock's time, ms since the epoch
uint64_t
    imw_clock_now (const imw_clock_t *clock);

#endif
