/*  imw_timers - many timers keyed by (incident, clock), earliest first

    The SLA timer holds a timer per running clock of every open incident:
    a million at a large desk. Each is a 24-byte value in one array; a
    binary heap of 4-byte slots orders the scheduled ones by due time,
    and an open-addressing index of 4-byte slots finds one by its key.
    No timer has an allocation of its own, arming, re-arming and
    disarming are O(log n), and the earliest due time is read in O(1),
    so the worker can sleep exactly until it (docs/benchmarks.md,
    "SLA clocks").

    A timer fires once: imw_timers_fire takes it out of the schedule but
    keeps it armed, so its owner can wait for the answer to what it sent
    and still look it up; arming it again schedules it again.
*/
#ifndef IMW_TIMERS_H_INCLUDED
#define IMW_TIMERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _imw_timers_t imw_timers_t;

//  One timer, a value: the caller fills the first five fields to arm it
typedef struct {
    uint64_t incident;                  //  Key, with kind
    uint64_t due_ms;                    //  When it fires
    uint32_t heap_pos;                  //  Place in the schedule, or
                                        //  IMW_TIMERS_FIRED; set by arm
    uint8_t kind;                       //  Key, with incident: a clock
                                        //  index (im_clock_from_name)
    uint8_t fraction;                   //  Caller's data (a warning's
                                        //  percent)
    int16_t priority;                   //  Caller's data
} imw_timer_t;

#define IMW_TIMERS_FIRED    UINT32_MAX  //  heap_pos of a fired timer

//  Creates an empty set. Returns NULL when out of memory.
imw_timers_t *
    imw_timers_new (void);

void
    imw_timers_destroy (imw_timers_t **self_p);

//  Arms timer (copied), replacing the one with the same incident and
//  kind, and schedules it at due_ms, fired or not before. Returns 0 or
//  IM_ENOMEM (nothing changed).
int
    imw_timers_arm (imw_timers_t *self, const imw_timer_t *timer);

//  Disarms the timer of incident and kind. Returns true when one was
//  armed.
bool
    imw_timers_disarm (imw_timers_t *self, uint64_t incident, int kind);

//  The timer of incident and kind, borrowed until the next call that
//  changes the set; NULL when none is armed
const imw_timer_t *
    imw_timers_lookup (imw_timers_t *self, uint64_t incident, int kind);

//  Due time of the earliest scheduled timer, UINT64_MAX when none is
//  scheduled (imw_timers_scheduled tells that apart from a timer due
//  at UINT64_MAX)
uint64_t
    imw_timers_next (imw_timers_t *self);

//  Fires the earliest scheduled timer due at or before now_ms: takes it
//  out of the schedule, keeps it armed, and returns it (borrowed as
//  lookup's). Among equal due times the lower incident, then kind,
//  fires first. NULL when none is due.
const imw_timer_t *
    imw_timers_fire (imw_timers_t *self, uint64_t now_ms);

//  Armed timers, fired or not
size_t
    imw_timers_size (imw_timers_t *self);

//  Armed timers not fired yet
size_t
    imw_timers_scheduled (imw_timers_t *self);

//  Bytes the set holds from the heap (its arrays and itself)
size_t
    imw_timers_bytes (imw_timers_t *self);

#endif
