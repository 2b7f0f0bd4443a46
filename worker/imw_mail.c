/*  imw_mail - the MIME message the email channel sends

    Built by hand rather than with curl_mime: the message must be the
    same bytes a unit test reads, its Message-ID must be ours (stable
    across resends), and its subject must be folded RFC 2047 words,
    which curl_mime does not write.
*/
#include "imw_classes.h"
#include <sodium.h>
#include <time.h>

#define S_WORD_BYTES    45              //  Input bytes per encoded word:
                                        //  60 base64 + 12 = 72 <= 75

//  True when text needs no encoding in a header
static bool
s_plain (const char *text)
{
    for (; *text; text++)
        if ((unsigned char) *text < 0x20 || (unsigned char) *text > 0x7e)
            return false;
    return true;
}

//  True when address may go in a header as it is
static bool
s_safe_address (const char *address)
{
    return *address && !strpbrk (address, "\r\n<>") && s_plain (address);
}

char *
imw_mail_subject (const char *text)
{
    assert (text);
    if (s_plain (text))
        return strdup (text);
    size_t length = strlen (text);
    //  Each word: up to 45 bytes as 60 base64 characters, 12 around it,
    //  3 to fold ("\r\n ")
    size_t words = length / 8 + 2;
    size_t room = words * (sodium_base64_ENCODED_LEN (S_WORD_BYTES,
                           sodium_base64_VARIANT_ORIGINAL) + 16);
    char *value = (char *) malloc (room);
    if (!value)
        return NULL;
    size_t at = 0;
    size_t used = 0;
    while (at < length) {
        size_t take = length - at < S_WORD_BYTES ? length - at : S_WORD_BYTES;
        //  Never cut a character: step back over continuation bytes
        while (take > 0 && at + take < length
               && ((unsigned char) text [at + take] & 0xc0) == 0x80)
            take--;
        if (take == 0)              //  Not UTF-8: cut where it is
            take = length - at < S_WORD_BYTES ? length - at : S_WORD_BYTES;
        if (used)
            used += (size_t) sprintf (value + used, "\r\n ");
        used += (size_t) sprintf (value + used, "=?UTF-8?B?");
        sodium_bin2base64 (value + used, room - used,
                           (const unsigned char *) text + at, take,
                           sodium_base64_VARIANT_ORIGINAL);
        used += strlen (value + used);
        used += (size_t) sprintf (value + used, "?=");
        at += take;
    }
    value [used] = 0;
    return value;
}

//  Writes ms as an RFC 5322 date in UTC, without the locale
static void
s_date (int64_t ms, char *text, size_t size)
{
    static const char *days [] = {
        "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *months [] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun",
        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t seconds = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    snprintf (text, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
              days [tm.tm_wday], tm.tm_mday, months [tm.tm_mon],
              tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

//  Returns text as base64 lines of 76 characters with CRLF (the caller
//  frees it), or NULL when out of memory
static char *
s_base64_lines (const char *text)
{
    size_t length = strlen (text);
    size_t lines = length / 57 + 1;
    char *out = (char *) malloc (lines * 80 + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    for (size_t at = 0; at < length; at += 57) {
        size_t take = length - at < 57 ? length - at : 57;
        sodium_bin2base64 (out + used, 80, (const unsigned char *) text + at,
                           take, sodium_base64_VARIANT_ORIGINAL);
        used += strlen (out + used);
        out [used++] = '\r';
        out [used++] = '\n';
    }
    out [used] = 0;
    return out;
}

char *
imw_mail_build (const imw_notification_t *notification, const char *from,
                int64_t now_ms)
{
    assert (notification && from);
    const char *to = notification->address ? notification->address : "";
    if (!s_safe_address (from) || !s_safe_address (to)
    ||  !s_safe_address (notification->delivery_id))
        return NULL;
    char headline [600];
    imw_channel_headline (notification, headline, sizeof headline);
    char date [48];
    s_date (now_ms, date, sizeof date);
    char when [40];
    im_format_time ((uint64_t) notification->ts_ms, when, sizeof when);
    const char *title = notification->title && *notification->title
                      ? notification->title : "(no title)";
    char *text = zsys_sprintf (
        "%s\r\n\r\nIncident:       #%" PRIu64 "\r\nTitle:          %s\r\n"
        "What happened:  %s\r\nUrgency:        %s\r\nFor:            %s\r\n"
        "When:           %s\r\nEvent:          seq %" PRIu64 "\r\n",
        headline, notification->incident, title, notification->reason,
        notification->high ? "high" : "low", notification->recipient, when,
        notification->about_seq);
    char *subject = imw_mail_subject (headline);
    char *body = text ? s_base64_lines (text) : NULL;
    char *message = NULL;
    if (subject && body)
        message = zsys_sprintf (
            "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "Message-ID: <%s@imq>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "X-Imq-Incident: %" PRIu64 "\r\n\r\n%s",
            date, from, to, subject, notification->delivery_id,
            notification->incident, body);
    zstr_free (&text);
    free (subject);
    free (body);
    return message;
}
