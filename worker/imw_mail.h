/*  imw_mail - the MIME message the email channel sends

    One text/plain UTF-8 part, base64 so no server's 7-bit or line
    length rules can change it, with the headers a mail client shows and
    a receiver deduplicates on:

        Date, From, To, Subject "[imq] P1 #42 db down — assigned",
        Message-ID <delivery-id@imq>, MIME-Version, Content-Type,
        Content-Transfer-Encoding

    A subject that is not plain ASCII is written as RFC 2047 encoded
    words (UTF-8, base64) of at most 75 characters, never splitting a
    character, folded onto continuation lines.
*/
#ifndef IMW_MAIL_H_INCLUDED
#define IMW_MAIL_H_INCLUDED

#include "imw_channel.h"

//  Returns the whole message (CRLF line ends) for notification from
//  from to notification->address, dated now_ms; the caller frees it.
//  NULL when out of memory or when an address holds a character that
//  would break the header (CR, LF, <, >).
char *
    imw_mail_build (const imw_notification_t *notification, const char *from,
                    int64_t now_ms);

//  Writes text as a Subject value: as is when it is printable ASCII,
//  else as folded RFC 2047 encoded words. Returns the value (the caller
//  frees it) or NULL when out of memory.
char *
    imw_mail_subject (const char *text);

#endif
