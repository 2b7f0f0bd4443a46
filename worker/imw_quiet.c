/*  imw_quiet - whether a moment falls in a person's quiet hours

    The hours outside quiet are a calendar open every day, and quiet is
    that calendar closed: im_calendar already turns wall-clock spans in
    a zone into instants across every DST change.
*/
#include "imw_classes.h"

bool
imw_quiet_now (const im_notify_person_t *person, int64_t ts_ms)
{
    assert (person);
    if (!*person->quiet)
        return false;
    int start, end;
    char errbuf [160];
    if (im_notify_rules_parse_quiet (person->quiet, &start, &end, errbuf,
                                     sizeof errbuf)) {
        zsys_warning ("notifier: %s: %s", person->name, errbuf);
        return false;
    }
    im_calendar_def_t *def =
        (im_calendar_def_t *) calloc (1, sizeof (im_calendar_def_t));
    if (!def)
        return false;
    im_strlcpy (def->zone, *person->zone ? person->zone : "UTC",
                sizeof def->zone);
    im_calendar_day_t day = { .spans_n = 0 };
    if (start < end) {              //  01:00-05:00: awake around it
        if (start > 0)
            day.spans [day.spans_n++] = (im_calendar_span_t) { 0, start };
        if (end < IM_CALENDAR_DAY_MIN)
            day.spans [day.spans_n++] =
                (im_calendar_span_t) { end, IM_CALENDAR_DAY_MIN };
    }
    else                            //  22:00-07:00: awake in between
        day.spans [day.spans_n++] = (im_calendar_span_t) { end, start };
    for (int weekday = 0; weekday < 7; weekday++)
        def->week [weekday] = day;
    im_calendar_t *calendar = im_calendar_new (def, errbuf, sizeof errbuf);
    free (def);
    if (!calendar) {
        zsys_warning ("notifier: %s: quiet hours: %s", person->name, errbuf);
        return false;
    }
    bool quiet = !im_calendar_open (calendar, ts_ms);
    im_calendar_destroy (&calendar);
    return quiet;
}
