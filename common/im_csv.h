/*  im_csv - one field of a CSV record, quoted as RFC 4180 says

    imqctl events --csv exports the log for spreadsheets and scripts; a
    payload is JSON text full of commas and quotes, and a comment may
    hold line breaks, so every field goes through one quoting rule.
*/
#ifndef IM_CSV_H_INCLUDED
#define IM_CSV_H_INCLUDED

#include <stddef.h>

//  Writes text as one CSV field into buffer (size bytes, NUL-ended): as
//  it is when it holds no comma, quote, CR or LF, else between quotes
//  with each quote doubled. Returns the length the field needs (without
//  the NUL), so a result >= size means buffer was too small and holds
//  nothing of use.
size_t
    im_csv_field (const char *text, char *buffer, size_t size);

#endif
