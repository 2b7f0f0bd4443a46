/*  imw_calendars - the policy's calendars, opened when first used

    The policy holds calendars as plain definitions; computing with one
    needs an ICU calendar for its zone, which is too costly to open for
    every deadline. This keeps one im_calendar_t per name, made from the
    policy's definition the first time it is used and again whenever
    the definition changed (the policy follows the log), so the SLA
    timer always computes in the calendar the policy in force says.
*/
#ifndef IMW_CALENDARS_H_INCLUDED
#define IMW_CALENDARS_H_INCLUDED

#include <stdint.h>
#include "im_policy.h"

typedef struct _imw_calendars_t imw_calendars_t;

//  Creates an empty cache over policy (borrowed, may change in place)
imw_calendars_t *
    imw_calendars_new (const im_policy_t *policy);

void
    imw_calendars_destroy (imw_calendars_t **self_p);

//  Sets *due_ms to the instant duration_ms of working time after
//  start_ms in the calendar named name (24x7: the sum). Returns 0, or
//  IM_EINVAL when the policy has no such calendar or it has no working
//  time ahead.
int
    imw_calendars_add (imw_calendars_t *self, const char *name,
                       uint64_t start_ms, uint64_t duration_ms,
                       uint64_t *due_ms);

//  Sets *elapsed_ms to the working time between from_ms and to_ms in
//  the calendar named name. Returns 0 or IM_EINVAL.
int
    imw_calendars_elapsed (imw_calendars_t *self, const char *name,
                           uint64_t from_ms, uint64_t to_ms,
                           uint64_t *elapsed_ms);

#endif
