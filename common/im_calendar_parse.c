/*  im_calendar_parse - calendars as people write them in a policy

    "08:00-12:00,13:00-17:00", "mon-fri", "2026-12-25", "12-25" and
    "last monday of may": the words a service-desk manager uses, parsed
    strictly (a wrong hour or an unknown month is an error naming the
    text, never a silent default). Names are matched without regard to
    case, by their first three letters or in full.
*/
#include "im_classes.h"
#include "im_calendar.h"

static const char *s_weekdays [7] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday"
};
static const char *s_months [12] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"
};

//  Index of word among names (its first three letters, or all of it),
//  or -1
static int
s_name_index (const char *word, size_t length, const char **names,
              int count)
{
    for (int index = 0; index < count; index++)
        if ((length == 3 || length == strlen (names [index]))
        &&  strncasecmp (word, names [index], length) == 0)
            return index;
    return -1;
}

//  Parses "HH:MM" at *text (00:00..24:00), moving text past it. Returns
//  the minutes after midnight or -1.
static int
s_parse_time (const char **text)
{
    const char *cursor = *text;
    if (!isdigit ((unsigned char) cursor [0])
    ||  !isdigit ((unsigned char) cursor [1]) || cursor [2] != ':'
    ||  !isdigit ((unsigned char) cursor [3])
    ||  !isdigit ((unsigned char) cursor [4]))
        return -1;
    int hours = (cursor [0] - '0') * 10 + cursor [1] - '0';
    int minutes = (cursor [3] - '0') * 10 + cursor [4] - '0';
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes))
        return -1;
    *text = cursor + 5;
    return hours * 60 + minutes;
}

int
im_calendar_parse_day (const char *text, im_calendar_day_t *day,
                       char *errbuf, size_t errlen)
{
    assert (text && day);
    memset (day, 0, sizeof *day);
    if (strcasecmp (text, "closed") == 0)
        return 0;
    const char *cursor = text;
    while (true) {
        while (*cursor == ' ')
            cursor++;
        int start = s_parse_time (&cursor);
        int end = -1;
        if (start >= 0 && *cursor == '-') {
            cursor++;
            end = s_parse_time (&cursor);
        }
        int last_end = day->spans_n ? day->spans [day->spans_n - 1].end : 0;
        if (start < 0 || end < 0 || start >= end || start < last_end
        ||  start >= IM_CALENDAR_DAY_MIN
        ||  day->spans_n == IM_CALENDAR_SPANS_MAX) {
            snprintf (errbuf, errlen, "hours '%s': expected up to %d spans "
                      "\"HH:MM-HH:MM\" in order, separated by commas, or "
                      "\"closed\"", text, IM_CALENDAR_SPANS_MAX);
            return IM_EINVAL;
        }
        day->spans [day->spans_n].start = start;
        day->spans [day->spans_n].end = end;
        day->spans_n++;
        while (*cursor == ' ')
            cursor++;
        if (*cursor == 0)
            return 0;
        if (*cursor++ != ',') {
            snprintf (errbuf, errlen, "hours '%s': expected ',' between "
                      "spans", text);
            return IM_EINVAL;
        }
    }
}

//  Parses a weekday name at *text, moving past it; -1 when none
static int
s_parse_weekday (const char **text)
{
    size_t length = 0;
    while (isalpha ((unsigned char) (*text) [length]))
        length++;
    int index = s_name_index (*text, length, s_weekdays, 7);
    if (index >= 0)
        *text += length;
    return index;
}

int
im_calendar_parse_weekdays (const char *text, bool days [7], char *errbuf,
                            size_t errlen)
{
    assert (text && days);
    memset (days, 0, 7 * sizeof (bool));
    const char *cursor = text;
    while (true) {
        int first = s_parse_weekday (&cursor);
        int last = first;
        if (first >= 0 && *cursor == '-') {
            cursor++;
            last = s_parse_weekday (&cursor);
        }
        if (first < 0 || last < 0) {
            snprintf (errbuf, errlen, "days '%s': expected weekdays such "
                      "as \"mon-fri\" or \"sat,sun\"", text);
            return IM_EINVAL;
        }
        for (int index = first; ; index = (index + 1) % 7) {
            days [index] = true;    //  "sun-tue" wraps over the week end
            if (index == last)
                break;
        }
        if (*cursor == 0)
            return 0;
        if (*cursor++ != ',') {
            snprintf (errbuf, errlen, "days '%s': expected ',' between "
                      "weekdays", text);
            return IM_EINVAL;
        }
    }
}

//  Parses a rule "<nth> <weekday> of <month>" into date; returns 0 or -1
static int
s_parse_rule (const char *text, im_calendar_date_t *date)
{
    static const char *ordinals [6] = {
        "last", "first", "second", "third", "fourth", "fifth"
    };
    static const char *numbers [6] = { "", "1st", "2nd", "3rd", "4th",
                                       "5th" };
    char nth [16], weekday [16], of [8], month [16], rest [2];
    if (sscanf (text, "%15s %15s %7s %15s %1s", nth, weekday, of, month,
                rest) != 4
    ||  strcasecmp (of, "of"))
        return -1;
    date->nth = 0;
    for (int index = 0; index < 6 && !date->nth; index++)
        if (strcasecmp (nth, ordinals [index]) == 0
        ||  strcasecmp (nth, numbers [index]) == 0)
            date->nth = index ? index : -1;
    int day = s_name_index (weekday, strlen (weekday), s_weekdays, 7);
    int month_index = s_name_index (month, strlen (month), s_months, 12);
    if (!date->nth || day < 0 || month_index < 0)
        return -1;
    date->weekday = day + 1;
    date->month = month_index + 1;
    date->day = 0;
    date->year = 0;
    return 0;
}

int
im_calendar_parse_date (const char *text, im_calendar_date_t *date,
                        char *errbuf, size_t errlen)
{
    assert (text && date);
    memset (date, 0, sizeof *date);
    int year = 0, month = 0, day = 0, consumed = 0;
    bool parsed =
        (sscanf (text, "%4d-%2d-%2d%n", &year, &month, &day, &consumed) == 3
         && (size_t) consumed == strlen (text) && consumed == 10
         && year >= 1970)
     || (year = 0, sscanf (text, "%2d-%2d%n", &month, &day, &consumed) == 2
         && (size_t) consumed == strlen (text) && consumed == 5);
    if (parsed) {
        date->year = year;
        date->month = month;
        date->day = day;
        bool leap = year == 0
                 || (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        static const int lengths [12] = {
            31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
        };
        if (month >= 1 && month <= 12 && day >= 1
        &&  day <= lengths [month - 1] + (month == 2 && leap))
            return 0;
    }
    else
    if (s_parse_rule (text, date) == 0)
        return 0;
    snprintf (errbuf, errlen, "date '%s': expected YYYY-MM-DD, MM-DD (every "
              "year) or a rule such as \"last monday of may\"", text);
    return IM_EINVAL;
}
