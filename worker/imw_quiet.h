/*  imw_quiet - whether a moment falls in a person's quiet hours

    Quiet hours are wall-clock times in the person's IANA zone
    ("22:00-07:00" in Europe/Berlin), every day; a span whose end comes
    before its start runs past midnight. The moment is turned into the
    zone's wall clock by ICU (im_calendar), never by switching the
    process's TZ, so a day that springs forward or falls back keeps its
    quiet hours where the clock on the wall says.
*/
#ifndef IMW_QUIET_H_INCLUDED
#define IMW_QUIET_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_notify_rules.h"

//  True when ts_ms (UTC) falls in person's quiet hours; false when the
//  person has none or they cannot be read (logged: the policy check
//  refuses such hours, so this is a policy older than the check)
bool
    imw_quiet_now (const im_notify_person_t *person, int64_t ts_ms);

#endif
