/*  test_im_calendar - working hours across weekends, holidays and DST

    Each expected instant is written in UTC and was worked out from the
    zones' published rules: Europe/Berlin springs forward on 2026-03-29
    (02:00 CET -> 03:00 CEST) and falls back on 2026-10-25; Australia/
    Sydney, in the other hemisphere, falls back on 2026-04-05 (03:00 AEDT
    -> 02:00 AEST) and springs forward on 2026-10-04. The test turns
    them into milliseconds with timegm, which knows no zone, so a wrong
    conversion in the calendar cannot hide behind the same one here.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_calendar.h"

#define HOUR    3600000ll

//  Milliseconds of "YYYY-MM-DDTHH:MM" in UTC
static int64_t
s_utc (const char *text)
{
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    assert_int_equal (sscanf (text, "%d-%d-%dT%d:%d", &tm.tm_year,
                              &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                              &tm.tm_min), 5);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t) timegm (&tm) * 1000;
}

//  A definition in zone with hours (im_calendar_parse_day) on days
//  (im_calendar_parse_weekdays)
static void
s_def (im_calendar_def_t *def, const char *zone, const char *days,
       const char *hours)
{
    memset (def, 0, sizeof *def);
    strcpy (def->name, "test");
    strcpy (def->zone, zone);
    bool on [7];
    char errbuf [200];
    im_calendar_day_t day;
    assert_int_equal (im_calendar_parse_weekdays (days, on, errbuf,
                                                  sizeof errbuf), 0);
    assert_int_equal (im_calendar_parse_day (hours, &day, errbuf,
                                             sizeof errbuf), 0);
    for (int index = 0; index < 7; index++)
        if (on [index])
            def->week [index] = day;
}

static void
s_add_holiday (im_calendar_def_t *def, const char *text)
{
    char errbuf [200];
    assert_int_equal (im_calendar_parse_date (
        text, &def->holidays [def->holidays_n++], errbuf, sizeof errbuf), 0);
}

static im_calendar_t *
s_new (const im_calendar_def_t *def)
{
    char errbuf [200] = "";
    im_calendar_t *calendar = im_calendar_new (def, errbuf, sizeof errbuf);
    if (!calendar)
        fail_msg ("im_calendar_new: %s", errbuf);
    return calendar;
}

static int64_t
s_deadline (im_calendar_t *calendar, const char *start, int64_t duration)
{
    int64_t deadline = 0;
    assert_int_equal (im_calendar_add (calendar, s_utc (start), duration,
                                       &deadline), 0);
    return deadline;
}

static int64_t
s_elapsed (im_calendar_t *calendar, const char *from, const char *to)
{
    int64_t elapsed = -1;
    assert_int_equal (im_calendar_elapsed (calendar, s_utc (from),
                                           s_utc (to), &elapsed), 0);
    return elapsed;
}

static void
test_a_clock_runs_over_the_weekend (void **state)
{
    (void) state;
    im_calendar_def_t def;
    s_def (&def, "Europe/Berlin", "mon-fri", "08:00-18:00");
    im_calendar_t *calendar = s_new (&def);
    //  Friday 17:30 CET, 4 working hours: Monday 11:30 CET
    assert_int_equal (s_deadline (calendar, "2026-12-04T16:30", 4 * HOUR),
                      s_utc ("2026-12-07T10:30"));
    //  Started on Saturday: counts from Monday 08:00
    assert_int_equal (s_deadline (calendar, "2026-12-05T12:00", HOUR),
                      s_utc ("2026-12-07T08:00"));
    //  Ten hours from Monday 08:00 CET end at that day's 18:00
    assert_int_equal (s_deadline (calendar, "2026-12-07T07:00", 10 * HOUR),
                      s_utc ("2026-12-07T17:00"));
    assert_int_equal (s_elapsed (calendar, "2026-12-04T16:30",
                                 "2026-12-07T10:30"), 4 * HOUR);
    assert_true (im_calendar_open (calendar, s_utc ("2026-12-07T07:00")));
    assert_false (im_calendar_open (calendar, s_utc ("2026-12-07T06:59")));
    assert_false (im_calendar_open (calendar, s_utc ("2026-12-05T12:00")));
    im_calendar_destroy (&calendar);
    assert_null (calendar);
}

static void
test_berlin_springs_forward_and_falls_back (void **state)
{
    (void) state;
    im_calendar_def_t def;
    s_def (&def, "Europe/Berlin", "mon-sun", "00:00-24:00");
    im_calendar_t *calendar = s_new (&def);
    //  The local day of 2026-03-29 lasts 23 hours, of 2026-10-25 25
    assert_int_equal (s_elapsed (calendar, "2026-03-28T23:00",
                                 "2026-03-29T22:00"), 23 * HOUR);
    assert_int_equal (s_elapsed (calendar, "2026-10-24T22:00",
                                 "2026-10-25T23:00"), 25 * HOUR);
    im_calendar_destroy (&calendar);

    //  Hours 01:00-04:00 on those Sundays: two real hours, then four
    s_def (&def, "Europe/Berlin", "sun", "01:00-04:00");
    calendar = s_new (&def);
    assert_int_equal (s_elapsed (calendar, "2026-03-28T00:00",
                                 "2026-03-30T00:00"), 2 * HOUR);
    assert_int_equal (s_elapsed (calendar, "2026-10-24T00:00",
                                 "2026-10-26T00:00"), 4 * HOUR);
    //  A span edge in the skipped hour moves to 03:00 CEST
    im_calendar_destroy (&calendar);
    s_def (&def, "Europe/Berlin", "sun", "02:30-05:00");
    calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-03-28T12:00", HOUR),
                      s_utc ("2026-03-29T02:00"));
    im_calendar_destroy (&calendar);

    //  Business hours over the change: Friday 17:00 CET with two hours
    //  to go is due Monday 09:00 CEST, 07:00 UTC, not 08:00
    s_def (&def, "Europe/Berlin", "mon-fri", "08:00-18:00");
    calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-03-27T16:00", 2 * HOUR),
                      s_utc ("2026-03-30T07:00"));
    im_calendar_destroy (&calendar);
}

static void
test_sydney_falls_back_in_april_and_springs_forward_in_october (void **state)
{
    (void) state;
    im_calendar_def_t def;
    s_def (&def, "Australia/Sydney", "mon-sun", "00:00-24:00");
    im_calendar_t *calendar = s_new (&def);
    assert_int_equal (s_elapsed (calendar, "2026-04-04T13:00",
                                 "2026-04-05T14:00"), 25 * HOUR);
    assert_int_equal (s_elapsed (calendar, "2026-10-03T14:00",
                                 "2026-10-04T13:00"), 23 * HOUR);
    im_calendar_destroy (&calendar);

    s_def (&def, "Australia/Sydney", "mon-fri", "09:00-17:00");
    calendar = s_new (&def);
    //  Friday 16:00 AEDT (UTC+11), two hours: Monday 10:00 AEST (UTC+10)
    assert_int_equal (s_deadline (calendar, "2026-04-03T05:00", 2 * HOUR),
                      s_utc ("2026-04-06T00:00"));
    //  Friday 16:00 AEST (UTC+10), two hours: Monday 10:00 AEDT (UTC+11)
    assert_int_equal (s_deadline (calendar, "2026-10-02T06:00", 2 * HOUR),
                      s_utc ("2026-10-04T23:00"));
    im_calendar_destroy (&calendar);
}

static void
test_a_holiday_inside_a_running_clock (void **state)
{
    (void) state;
    im_calendar_def_t def;
    s_def (&def, "Europe/Berlin", "mon-fri", "08:00-18:00");
    im_calendar_t *calendar = s_new (&def);
    //  Thursday 24 December 17:00 CET, three hours: Friday 10:00
    assert_int_equal (s_deadline (calendar, "2026-12-24T16:00", 3 * HOUR),
                      s_utc ("2026-12-25T09:00"));
    im_calendar_destroy (&calendar);

    //  With 25 and 26 December holidays every year: Monday 28th 10:00
    s_add_holiday (&def, "12-25");
    s_add_holiday (&def, "12-26");
    calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-12-24T16:00", 3 * HOUR),
                      s_utc ("2026-12-28T09:00"));
    assert_int_equal (s_elapsed (calendar, "2026-12-24T16:00",
                                 "2026-12-28T09:00"), 3 * HOUR);
    im_calendar_destroy (&calendar);

    //  Christmas Eve a half day (an exception): 11:00 CET with two hours
    //  left works one on the 24th and one on Monday the 28th
    char errbuf [200];
    im_calendar_exception_t *exception = &def.exceptions [def.exceptions_n++];
    assert_int_equal (im_calendar_parse_date ("2026-12-24", &exception->date,
                                              errbuf, sizeof errbuf), 0);
    assert_int_equal (im_calendar_parse_day ("08:00-12:00", &exception->day,
                                             errbuf, sizeof errbuf), 0);
    calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-12-24T10:00", 2 * HOUR),
                      s_utc ("2026-12-28T08:00"));
    im_calendar_destroy (&calendar);
}

static void
test_yearly_rules (void **state)
{
    (void) state;
    im_calendar_def_t def;
    s_def (&def, "Europe/Berlin", "mon-fri", "08:00-18:00");
    //  The last Monday of May 2026 is the 25th: Friday 22nd 17:00 CEST
    //  with two hours left is due Tuesday 26th 09:00 CEST
    s_add_holiday (&def, "last monday of may");
    im_calendar_t *calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-05-22T15:00", 2 * HOUR),
                      s_utc ("2026-05-26T07:00"));
    im_calendar_destroy (&calendar);

    //  The fourth Thursday of November 2026 is the 26th; the third is not
    //  a holiday
    def.holidays_n = 0;
    s_add_holiday (&def, "4th thursday of november");
    calendar = s_new (&def);
    assert_false (im_calendar_open (calendar, s_utc ("2026-11-26T10:00")));
    assert_true (im_calendar_open (calendar, s_utc ("2026-11-19T10:00")));
    assert_true (im_calendar_open (calendar, s_utc ("2026-11-27T10:00")));
    im_calendar_destroy (&calendar);
}

static void
test_always_and_bad_calendars (void **state)
{
    (void) state;
    im_calendar_def_t def;
    memset (&def, 0, sizeof def);
    def.always = true;
    im_calendar_t *calendar = s_new (&def);
    assert_int_equal (s_deadline (calendar, "2026-03-29T00:30", 3 * HOUR),
                      s_utc ("2026-03-29T03:30"));
    im_calendar_destroy (&calendar);

    //  An unknown zone is refused, not taken for GMT
    char errbuf [200] = "";
    s_def (&def, "Mars/Olympus_Mons", "mon-fri", "08:00-18:00");
    assert_null (im_calendar_new (&def, errbuf, sizeof errbuf));
    assert_non_null (strstr (errbuf, "Mars/Olympus_Mons"));

    //  No working time at all: no deadline in ten years
    memset (&def, 0, sizeof def);
    strcpy (def.zone, "UTC");
    calendar = s_new (&def);
    int64_t deadline = 0;
    assert_int_equal (im_calendar_add (calendar, s_utc ("2026-01-01T00:00"),
                                       HOUR, &deadline), IM_EINVAL);
    im_calendar_destroy (&calendar);

    //  Spans out of order are refused by new, not only by the parser
    s_def (&def, "UTC", "mon", "08:00-18:00");
    def.week [0].spans [0].start = 19 * 60;
    assert_null (im_calendar_new (&def, errbuf, sizeof errbuf));
}

static void
test_parsing (void **state)
{
    (void) state;
    char errbuf [200];
    im_calendar_day_t day;
    assert_int_equal (im_calendar_parse_day ("08:00-12:00, 13:00-24:00",
                                             &day, errbuf, sizeof errbuf),
                      0);
    assert_int_equal (day.spans_n, 2);
    assert_int_equal (day.spans [1].start, 13 * 60);
    assert_int_equal (day.spans [1].end, 1440);
    assert_int_equal (im_calendar_parse_day ("closed", &day, errbuf,
                                             sizeof errbuf), 0);
    assert_int_equal (day.spans_n, 0);
    const char *bad_days [] = {
        "8:00-12:00", "12:00-08:00", "08:00-12:00,11:00-13:00",
        "08:00-24:01", "24:00-24:00", "08:60-09:00", "08:00", "",
        "01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00",
        "08:00-12:00;13:00-14:00"
    };
    for (size_t index = 0; index < sizeof bad_days / sizeof *bad_days;
         index++) {
        errbuf [0] = 0;
        assert_int_equal (im_calendar_parse_day (bad_days [index], &day,
                                                 errbuf, sizeof errbuf),
                          IM_EINVAL);
        assert_true (strlen (errbuf) > 0);
    }
    bool on [7];
    assert_int_equal (im_calendar_parse_weekdays ("sun-tue,Friday", on,
                                                  errbuf, sizeof errbuf), 0);
    bool expected [7] = { true, true, false, false, true, false, true };
    assert_memory_equal (on, expected, sizeof on);
    assert_int_equal (im_calendar_parse_weekdays ("mon-funday", on, errbuf,
                                                  sizeof errbuf), IM_EINVAL);
    assert_int_equal (im_calendar_parse_weekdays ("mo", on, errbuf,
                                                  sizeof errbuf), IM_EINVAL);

    im_calendar_date_t date;
    assert_int_equal (im_calendar_parse_date ("2028-02-29", &date, errbuf,
                                              sizeof errbuf), 0);
    assert_int_equal (date.year, 2028);
    assert_int_equal (im_calendar_parse_date ("02-29", &date, errbuf,
                                              sizeof errbuf), 0);
    assert_int_equal (date.year, 0);
    assert_int_equal (im_calendar_parse_date ("Last Mon of May", &date,
                                              errbuf, sizeof errbuf), 0);
    assert_int_equal (date.nth, -1);
    assert_int_equal (date.weekday, 1);
    assert_int_equal (date.month, 5);
    const char *bad_dates [] = {
        "2027-02-29", "2026-13-01", "2026-12-32", "12-25x", "2026-1-5",
        "sixth monday of may", "last funday of may", "last monday in may",
        "last monday of smarch", "christmas", ""
    };
    for (size_t index = 0; index < sizeof bad_dates / sizeof *bad_dates;
         index++)
        assert_int_equal (im_calendar_parse_date (bad_dates [index], &date,
                                                  errbuf, sizeof errbuf),
                          IM_EINVAL);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_a_clock_runs_over_the_weekend),
        cmocka_unit_test (test_berlin_springs_forward_and_falls_back),
        cmocka_unit_test (
            test_sydney_falls_back_in_april_and_springs_forward_in_october),
        cmocka_unit_test (test_a_holiday_inside_a_running_clock),
        cmocka_unit_test (test_yearly_rules),
        cmocka_unit_test (test_always_and_bad_calendars),
        cmocka_unit_test (test_parsing),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
