/*  im_calendar - working hours in a real time zone, with holidays

    Days are walked as local dates with civil-date arithmetic (days since
    1970-01-01, no zone involved); ICU turns an instant into its local
    date and each span edge of a local date into an instant. Every day
    yields at most four working intervals in UTC, so adding working time
    or measuring it is a walk over days that stops at the interval where
    the sum is reached, bounded at ten years.
*/
#include "im_classes.h"
#include "im_calendar.h"
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define S_DAYS_MAX  3653                    //  Ten years of days

struct _im_calendar_t {
    im_calendar_def_t def;                  //  The definition, a copy
    UCalendar *ucal;                        //  For def.zone, owned; NULL
                                            //  when always
};

//  Days since 1970-01-01 of a civil date (proleptic Gregorian)
static int64_t
s_days_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

//  The civil date of days since 1970-01-01
static void
s_civil_from_days (int64_t days, int *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int) (doy - (153 * mp + 2) / 5 + 1);
    *month = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = (int) (yoe + era * 400 + (*month <= 2));
}

//  0 Monday .. 6 Sunday of days since 1970-01-01 (a Thursday)
static int
s_weekday (int64_t days)
{
    int64_t index = (days + 3) % 7;
    return (int) (index < 0 ? index + 7 : index);
}

static int
s_days_in_month (int year, int month)
{
    static const int days [12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days [month - 1];
}

//  True when date (a date or a rule) falls on the civil date given
static bool
s_date_matches (const im_calendar_date_t *date, int year, int month,
                int day, int weekday)
{
    if (date->month != month || (date->year && date->year != year))
        return false;
    if (date->day)
        return date->day == day;
    if (date->weekday != weekday + 1)
        return false;
    if (date->nth == -1)
        return day + 7 > s_days_in_month (year, month);
    return (day - 1) / 7 + 1 == date->nth;
}

//  The working spans of a civil date: its exception, else none on a
//  holiday, else its weekday's
static const im_calendar_day_t *
s_day_of (const im_calendar_def_t *def, int64_t days)
{
    static const im_calendar_day_t closed = { 0, { { 0, 0 } } };
    int year, month, day;
    s_civil_from_days (days, &year, &month, &day);
    int weekday = s_weekday (days);
    for (size_t index = 0; index < def->exceptions_n; index++)
        if (s_date_matches (&def->exceptions [index].date, year, month, day,
                            weekday))
            return &def->exceptions [index].day;
    for (size_t index = 0; index < def->holidays_n; index++)
        if (s_date_matches (&def->holidays [index], year, month, day,
                            weekday))
            return &closed;
    return &def->week [weekday];
}

//  The instant of local wall time minute (0..1440) on civil date days
static int64_t
s_instant (im_calendar_t *self, int64_t days, int minute)
{
    if (minute >= IM_CALENDAR_DAY_MIN) {
        days++;
        minute -= IM_CALENDAR_DAY_MIN;
    }
    int year, month, day;
    s_civil_from_days (days, &year, &month, &day);
    UErrorCode status = U_ZERO_ERROR;
    ucal_clear (self->ucal);
    ucal_setDateTime (self->ucal, year, month - 1, day, minute / 60,
                      minute % 60, 0, &status);
    UDate instant = ucal_getMillis (self->ucal, &status);
    //  The zone was checked when the calendar was made and the fields
    //  are in range: ICU cannot fail here but for lack of memory, when
    //  the day's own midnight in UTC is the best there is
    if (U_FAILURE (status))
        return (days * IM_CALENDAR_DAY_MIN + minute) * 60000;
    return (int64_t) instant;
}

//  The civil date (days since 1970-01-01) of instant in the zone
static int64_t
s_local_days (im_calendar_t *self, int64_t instant)
{
    UErrorCode status = U_ZERO_ERROR;
    ucal_setMillis (self->ucal, (UDate) instant, &status);
    int year = ucal_get (self->ucal, UCAL_EXTENDED_YEAR, &status);
    int month = ucal_get (self->ucal, UCAL_MONTH, &status) + 1;
    int day = ucal_get (self->ucal, UCAL_DATE, &status);
    if (U_FAILURE (status))
        return instant / 86400000;
    return s_days_from_civil (year, month, day);
}

//  Calls fn with each working interval [start, end) of civil date days,
//  in order, until it returns true; returns true when it did
typedef bool (s_interval_fn) (int64_t start, int64_t end, void *arg);

static bool
s_each_interval (im_calendar_t *self, int64_t days, s_interval_fn *fn,
                 void *arg)
{
    const im_calendar_day_t *day = s_day_of (&self->def, days);
    for (size_t index = 0; index < day->spans_n; index++) {
        int64_t start = s_instant (self, days, day->spans [index].start);
        int64_t end = s_instant (self, days, day->spans [index].end);
        //  Both edges in a skipped hour give an empty interval
        if (end > start && fn (start, end, arg))
            return true;
    }
    return false;
}

static int
s_check_day (const im_calendar_day_t *day, const char *what, char *errbuf,
             size_t errlen)
{
    if (day->spans_n > IM_CALENDAR_SPANS_MAX) {
        snprintf (errbuf, errlen, "%s: more than %d spans", what,
                  IM_CALENDAR_SPANS_MAX);
        return IM_EINVAL;
    }
    int last_end = 0;
    for (size_t index = 0; index < day->spans_n; index++) {
        const im_calendar_span_t *span = &day->spans [index];
        if (span->start < last_end || span->start >= span->end
        ||  span->end > IM_CALENDAR_DAY_MIN) {
            snprintf (errbuf, errlen, "%s: spans must be in order, within "
                      "00:00-24:00 and not overlap", what);
            return IM_EINVAL;
        }
        last_end = span->end;
    }
    return 0;
}

static int
s_check_date (const im_calendar_date_t *date, char *errbuf, size_t errlen)
{
    bool valid = date->month >= 1 && date->month <= 12
        && (date->day
            ? date->day >= 1
              && date->day <= s_days_in_month (date->year ? date->year
                                                          : 2000,
                                               date->month)
            : date->weekday >= 1 && date->weekday <= 7
              && (date->nth == -1 || (date->nth >= 1 && date->nth <= 5)));
    if (!valid)
        snprintf (errbuf, errlen, "date out of range");
    return valid ? 0 : IM_EINVAL;
}

//  Checks the definition and opens ICU's calendar for its zone
static int
s_open (im_calendar_t *self, char *errbuf, size_t errlen)
{
    const im_calendar_def_t *def = &self->def;
    int rc = 0;
    for (int weekday = 0; weekday < 7 && rc == 0; weekday++)
        rc = s_check_day (&def->week [weekday], "weekday", errbuf, errlen);
    if (def->holidays_n > IM_CALENDAR_DATES_MAX
    ||  def->exceptions_n > IM_CALENDAR_DATES_MAX) {
        snprintf (errbuf, errlen, "more than %d holidays or exceptions",
                  IM_CALENDAR_DATES_MAX);
        return IM_EINVAL;
    }
    for (size_t index = 0; index < def->holidays_n && rc == 0; index++)
        rc = s_check_date (&def->holidays [index], errbuf, errlen);
    for (size_t index = 0; index < def->exceptions_n && rc == 0; index++)
        if ((rc = s_check_date (&def->exceptions [index].date, errbuf,
                                errlen)) == 0)
            rc = s_check_day (&def->exceptions [index].day, "exception",
                              errbuf, errlen);
    if (rc || def->always)
        return rc;

    //  ICU takes an unknown zone for GMT without a word: ask it first
    UChar zone [IM_CALENDAR_NAME_MAX];
    UChar canonical [IM_CALENDAR_NAME_MAX * 2];
    const char *name = *def->zone ? def->zone : "UTC";
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8 (zone, IM_CALENDAR_NAME_MAX, NULL, name, -1, &status);
    UBool system = false;
    if (U_SUCCESS (status))
        ucal_getCanonicalTimeZoneID (zone, -1, canonical,
                                     IM_CALENDAR_NAME_MAX * 2, &system,
                                     &status);
    if (U_FAILURE (status) || !system) {
        snprintf (errbuf, errlen, "unknown time zone '%s'", name);
        return IM_EINVAL;
    }
    self->ucal = ucal_open (zone, -1, "en_US_POSIX", UCAL_GREGORIAN,
                            &status);
    if (U_FAILURE (status) || !self->ucal) {
        snprintf (errbuf, errlen, "time zone '%s': %s", name,
                  u_errorName (status));
        return IM_EINVAL;
    }
    //  A proleptic Gregorian calendar, and wall times in a skipped hour
    //  taken as the first valid time after it, repeated ones as the
    //  first of the two
    ucal_setGregorianChange (self->ucal, -8.64e15, &status);
    ucal_setAttribute (self->ucal, UCAL_SKIPPED_WALL_TIME,
                       UCAL_WALLTIME_NEXT_VALID);
    ucal_setAttribute (self->ucal, UCAL_REPEATED_WALL_TIME,
                       UCAL_WALLTIME_FIRST);
    return 0;
}

im_calendar_t *
im_calendar_new (const im_calendar_def_t *def, char *errbuf, size_t errlen)
{
    assert (def);
    im_calendar_t *self = (im_calendar_t *) calloc (1,
                                                    sizeof (im_calendar_t));
    if (!self) {
        snprintf (errbuf, errlen, "out of memory");
        return NULL;
    }
    self->def = *def;
    if (s_open (self, errbuf, errlen))
        im_calendar_destroy (&self);
    return self;
}

void
im_calendar_destroy (im_calendar_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_calendar_t *self = *self_p;
        if (self->ucal)
            ucal_close (self->ucal);
        free (self);
        *self_p = NULL;
    }
}

const im_calendar_def_t *
im_calendar_def (im_calendar_t *self)
{
    assert (self);
    return &self->def;
}

//  Adding working time: the interval where what is left runs out
typedef struct {
    int64_t from;                           //  Count from here
    int64_t left;                           //  Working time still to add
    int64_t deadline;                       //  Set when found
} s_add_t;

static bool
s_add_interval (int64_t start, int64_t end, void *arg)
{
    s_add_t *add = (s_add_t *) arg;
    if (end <= add->from)
        return false;
    int64_t begin = start > add->from ? start : add->from;
    if (add->left <= end - begin) {
        add->deadline = begin + add->left;
        return true;
    }
    add->left -= end - begin;
    return false;
}

int
im_calendar_add (im_calendar_t *self, int64_t start_ms, int64_t duration_ms,
                 int64_t *deadline_ms)
{
    assert (self);
    assert (deadline_ms);
    if (self->def.always || duration_ms <= 0) {
        *deadline_ms = start_ms + (duration_ms > 0 ? duration_ms : 0);
        return 0;
    }
    s_add_t add = { start_ms, duration_ms, 0 };
    int64_t first = s_local_days (self, start_ms);
    for (int64_t days = first; days < first + S_DAYS_MAX; days++)
        if (s_each_interval (self, days, s_add_interval, &add)) {
            *deadline_ms = add.deadline;
            return 0;
        }
    return IM_EINVAL;
}

//  Measuring working time: the overlap of each interval with the range
typedef struct {
    int64_t from;                           //  Range start
    int64_t to;                             //  Range end
    int64_t sum;                            //  Working time so far
} s_elapsed_t;

static bool
s_elapsed_interval (int64_t start, int64_t end, void *arg)
{
    s_elapsed_t *elapsed = (s_elapsed_t *) arg;
    int64_t begin = start > elapsed->from ? start : elapsed->from;
    int64_t until = end < elapsed->to ? end : elapsed->to;
    if (until > begin)
        elapsed->sum += until - begin;
    return start >= elapsed->to;
}

int
im_calendar_elapsed (im_calendar_t *self, int64_t from_ms, int64_t to_ms,
                     int64_t *elapsed_ms)
{
    assert (self);
    assert (elapsed_ms);
    *elapsed_ms = 0;
    if (to_ms <= from_ms)
        return 0;
    if (self->def.always) {
        *elapsed_ms = to_ms - from_ms;
        return 0;
    }
    int64_t first = s_local_days (self, from_ms);
    int64_t last = s_local_days (self, to_ms);
    if (last - first > S_DAYS_MAX)
        return IM_EINVAL;
    s_elapsed_t elapsed = { from_ms, to_ms, 0 };
    for (int64_t days = first; days <= last; days++)
        s_each_interval (self, days, s_elapsed_interval, &elapsed);
    *elapsed_ms = elapsed.sum;
    return 0;
}

bool
im_calendar_open (im_calendar_t *self, int64_t ts_ms)
{
    int64_t elapsed = 0;
    return im_calendar_elapsed (self, ts_ms, ts_ms + 1, &elapsed) == 0
        && elapsed == 1;
}
