/*  im_csv - one field of a CSV record, quoted as RFC 4180 says

    RFC 4180 section 2: a field holding a comma, a double quote or a
    line break is enclosed in double quotes, and a double quote inside
    is written twice. Other fields are left bare, so numbers and names
    read the same in any tool.
*/
#include <stdbool.h>
#include <string.h>

#include "im_csv.h"

size_t
im_csv_field (const char *text, char *buffer, size_t size)
{
    bool quoted = strpbrk (text, ",\"\r\n") != NULL;
    size_t length = 0;
    if (quoted) {
        if (length + 1 < size)
            buffer [length] = '"';
        length++;
    }
    for (const char *cursor = text; *cursor; cursor++) {
        size_t times = *cursor == '"' ? 2 : 1;
        for (size_t copy = 0; copy < times; copy++, length++)
            if (length + 1 < size)
                buffer [length] = *cursor;
    }
    if (quoted) {
        if (length + 1 < size)
            buffer [length] = '"';
        length++;
    }
    if (size)
        buffer [length < size ? length : size - 1] = 0;
    return length;
}
