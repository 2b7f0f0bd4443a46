/*  im_notify_rules - the notifier's channels and each person's rules

    Lookups by name over the small tables the policy holds, and the
    one parser both the policy check and the notifier use for quiet
    hours, so that what the check accepts is what the notifier applies.
*/
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_notify_rules.h"

const im_notify_channel_t *
im_notify_rules_channel (const im_notify_rules_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->channels_n; index++)
        if (streq (self->channels [index].name, name))
            return &self->channels [index];
    return NULL;
}

const im_notify_person_t *
im_notify_rules_person (const im_notify_rules_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->people_n; index++)
        if (streq (self->people [index].name, name))
            return &self->people [index];
    return NULL;
}

//  Reads "HH:MM" at text into minutes; returns the characters read, or
//  0 when text does not start with a valid time
static size_t
s_clock (const char *text, int *minutes)
{
    if (!(text [0] >= '0' && text [0] <= '2' && text [1] >= '0'
          && text [1] <= '9' && text [2] == ':' && text [3] >= '0'
          && text [3] <= '5' && text [4] >= '0' && text [4] <= '9'))
        return 0;
    int hours = (text [0] - '0') * 10 + text [1] - '0';
    if (hours > 23)
        return 0;
    *minutes = hours * 60 + (text [3] - '0') * 10 + text [4] - '0';
    return 5;
}

int
im_notify_rules_parse_quiet (const char *text, int *start, int *end,
                             char *errbuf, size_t errlen)
{
    assert (text && start && end);
    size_t at = s_clock (text, start);
    if (at == 0 || text [at] != '-' || s_clock (text + at + 1, end) == 0
    ||  text [at + 6] != 0) {
        snprintf (errbuf, errlen, "expected quiet hours as HH:MM-HH:MM, "
                  "found '%s'", text);
        return IM_EINVAL;
    }
    if (*start == *end) {
        snprintf (errbuf, errlen, "quiet hours '%s' start and end at the "
                  "same time", text);
        return IM_EINVAL;
    }
    return 0;
}
