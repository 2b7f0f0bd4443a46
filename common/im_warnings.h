/*  im_warnings - an SLA clock's warning instants, as one string

    A clock warns at fractions of its target (sla.warn_at, percent),
    each at an instant the SLA timer computed in the clock's calendar.
    The ones not given yet travel in events and stay in the projection
    as one string, "50:1796400000000,75:1796403600000" (percent, then
    ms since the epoch, in order of time), so a replay and the deadlines
    index need neither the calendar nor the policy.
*/
#ifndef IM_WARNINGS_H_INCLUDED
#define IM_WARNINGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_WARNINGS_MAX     8           //  Warnings in one list
#define IM_WARNINGS_TEXT    256         //  Octets of a list, with NUL

//  One warning: percent of the target, and when
typedef struct {
    int percent;                        //  1..99
    int64_t at_ms;                      //  ms since the epoch
} im_warning_t;

//  Parses text into warnings (at most IM_WARNINGS_MAX), setting *count.
//  Returns 0, or -1 when text is not such a list (percent 1..99, at_ms
//  above 0).
int
    im_warnings_parse (const char *text, im_warning_t *warnings,
                       size_t *count);

//  Formats count warnings into text of size octets. Returns 0, or -1
//  when they do not fit.
int
    im_warnings_format (const im_warning_t *warnings, size_t count,
                        char *text, size_t size);

//  The earliest warning of text into *next. Returns false when there is
//  none (or text is not a list).
bool
    im_warnings_next (const char *text, im_warning_t *next);

#endif
