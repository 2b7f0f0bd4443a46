/*  im_calendar - working hours in a real time zone, with holidays

    Service desks measure service levels in business hours: a P3 raised
    on Friday at 17:30 in Berlin, with 4 working hours to resolve and
    hours of 08:00-18:00 on weekdays, is due on Monday at 11:30, and an
    hour later while Berlin keeps summer time is still 11:30 local. A
    calendar is either 24x7 or, for each weekday, up to four spans of
    local wall-clock time in an IANA time zone, with holidays (a date, a
    date every year, or a rule such as "the last Monday of May") and
    exceptions (a date with its own spans, or none, which wins over the
    weekday and the holidays).

    Local times are turned into instants by ICU's calendar for the
    calendar's zone, never by the process's TZ: each span's edges are
    converted separately, so a day that springs forward is an hour
    shorter, one that falls back an hour longer, and a span edge in the
    skipped hour moves to the first valid time after it. What ICU's zone
    data says today is what a computation gives; that is why the SLA
    timer records every deadline it computes in the event that starts or
    resumes a clock, and replays read the record, not the calendar.

    An im_calendar_t holds one ICU calendar and is not shared between
    threads; its definition is a plain value (im_calendar_def_t).
*/
#ifndef IM_CALENDAR_H_INCLUDED
#define IM_CALENDAR_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_CALENDAR_NAME_MAX        64      //  Name, zone: bytes with NUL
#define IM_CALENDAR_SPANS_MAX       4       //  Spans of one day
#define IM_CALENDAR_DATES_MAX       64      //  Holidays, exceptions
#define IM_CALENDAR_DAY_MIN         1440    //  Minutes in a wall day

//  Local wall-clock time [start, end), in minutes after midnight; end
//  1440 is the next midnight
typedef struct {
    int start;                              //  0..1439
    int end;                                //  start+1..1440
} im_calendar_span_t;

//  Working spans of one day, in order, not overlapping
typedef struct {
    size_t spans_n;                         //  0: not a working day
    im_calendar_span_t spans [IM_CALENDAR_SPANS_MAX];
} im_calendar_day_t;

//  A date or a yearly rule. A date: year (0: every year), month 1..12,
//  day 1..31. A rule (day 0): the nth (1..5, -1 the last) weekday
//  (1 Monday .. 7 Sunday) of month, every year.
typedef struct {
    int year;                               //  Or 0: every year
    int month;                              //  1..12
    int day;                                //  1..31, or 0: a rule
    int weekday;                            //  Rule: 1 Monday..7 Sunday
    int nth;                                //  Rule: 1..5, or -1 last
} im_calendar_date_t;

//  An exception: a date with its own spans (none: closed)
typedef struct {
    im_calendar_date_t date;                //  Which day
    im_calendar_day_t day;                  //  Its working spans
} im_calendar_exception_t;

typedef struct {
    char name [IM_CALENDAR_NAME_MAX];       //  As policies name it
    bool always;                            //  24x7: every other field
                                            //  is ignored
    char zone [IM_CALENDAR_NAME_MAX];       //  IANA zone, "Europe/Berlin"
    im_calendar_day_t week [7];             //  Monday (0) .. Sunday (6)
    size_t holidays_n;                      //  How many
    im_calendar_date_t holidays [IM_CALENDAR_DATES_MAX];
    size_t exceptions_n;                    //  How many
    im_calendar_exception_t exceptions [IM_CALENDAR_DATES_MAX];
} im_calendar_def_t;

typedef struct _im_calendar_t im_calendar_t;

//  A calendar for def (copied). Returns NULL with the reason in errbuf
//  when the zone is not a known IANA zone or a span or date is out of
//  range.
im_calendar_t *
    im_calendar_new (const im_calendar_def_t *def, char *errbuf,
                     size_t errlen);

void
    im_calendar_destroy (im_calendar_t **self_p);

//  The definition, borrowed
const im_calendar_def_t *
    im_calendar_def (im_calendar_t *self);

//  The instant duration_ms of working time after start_ms (UTC ms):
//  the deadline of a clock started at start_ms. Returns 0, or IM_EINVAL
//  when the calendar has no working time in the ten years after start.
int
    im_calendar_add (im_calendar_t *self, int64_t start_ms,
                     int64_t duration_ms, int64_t *deadline_ms);

//  The working time between from_ms and to_ms (0 when to_ms is not
//  later). Returns 0, or IM_EINVAL when the range spans more than ten
//  years.
int
    im_calendar_elapsed (im_calendar_t *self, int64_t from_ms,
                         int64_t to_ms, int64_t *elapsed_ms);

//  True when ts_ms falls in working time
bool
    im_calendar_open (im_calendar_t *self, int64_t ts_ms);

//  Parses "08:00-18:00" or "08:00-12:00,13:00-17:00" (or "closed")
//  into day. Returns 0 or IM_EINVAL with the reason in errbuf.
int
    im_calendar_parse_day (const char *text, im_calendar_day_t *day,
                           char *errbuf, size_t errlen);

//  Parses a date: "2026-12-25", "12-25" (every year), or a rule such as
//  "last monday of may" or "4th thursday of november". Returns 0 or
//  IM_EINVAL with the reason in errbuf.
int
    im_calendar_parse_date (const char *text, im_calendar_date_t *date,
                            char *errbuf, size_t errlen);

//  Parses weekdays: "mon-fri", "sat", "mon,wed,fri", "sun-tue" (wraps).
//  Sets days [0..6] (Monday first). Returns 0 or IM_EINVAL.
int
    im_calendar_parse_weekdays (const char *text, bool days [7],
                                char *errbuf, size_t errlen);

#endif
