/*  im_warnings - an SLA clock's warning instants, as one string

    Strict both ways: what the state machine records is what the SLA
    timer formatted, and a list that does not parse is no list.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_warnings.h"

int
im_warnings_parse (const char *text, im_warning_t *warnings, size_t *count)
{
    *count = 0;
    if (!text)
        return -1;
    const char *cursor = text;
    while (*cursor) {
        if (*count == IM_WARNINGS_MAX)
            return -1;
        char *end = NULL;
        long percent = strtol (cursor, &end, 10);
        if (end == cursor || *end != ':' || percent < 1 || percent > 99)
            return -1;
        cursor = end + 1;
        long long at_ms = strtoll (cursor, &end, 10);
        if (end == cursor || at_ms <= 0 || (*end && *end != ','))
            return -1;
        warnings [*count].percent = (int) percent;
        warnings [*count].at_ms = (int64_t) at_ms;
        (*count)++;
        cursor = *end ? end + 1 : end;
        if (*end && !*cursor)
            return -1;              //  A trailing comma
    }
    return 0;
}

int
im_warnings_format (const im_warning_t *warnings, size_t count, char *text,
                    size_t size)
{
    size_t used = 0;
    if (size)
        *text = 0;
    for (size_t index = 0; index < count; index++) {
        int written = snprintf (text + used, size - used, "%s%d:%" PRId64,
                                index ? "," : "", warnings [index].percent,
                                warnings [index].at_ms);
        if (written < 0 || (size_t) written >= size - used)
            return -1;
        used += (size_t) written;
    }
    return 0;
}

bool
im_warnings_next (const char *text, im_warning_t *next)
{
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = 0;
    if (im_warnings_parse (text, warnings, &count) || count == 0)
        return false;
    *next = warnings [0];
    for (size_t index = 1; index < count; index++)
        if (warnings [index].at_ms < next->at_ms)
            *next = warnings [index];
    return true;
}
