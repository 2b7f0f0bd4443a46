/*  im_log - one-line log messages on stderr, for code without ZeroMQ

    The one piece of process-wide state in imq besides zsys's own: the
    program name and the stream, set at start and read after, as zsys
    keeps its log ident. A line is formatted with the stream locked, so
    that two threads' lines never interleave. See im_log.h.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "im_log.h"

//  Set once at start (im_log_set_*), read by every line after
static struct {
    char ident [64];                //  Program name, or "" for none
    FILE *stream;                   //  Where lines go; NULL: nowhere
    int stream_set;                 //  stream was chosen: else stderr
} s_log;

void
im_log_set_ident (const char *ident)
{
    if (ident) {
        strncpy (s_log.ident, ident, sizeof s_log.ident - 1);
        s_log.ident [sizeof s_log.ident - 1] = 0;
    }
    else
        s_log.ident [0] = 0;
}

void
im_log_set_stream (FILE *stream)
{
    s_log.stream = stream;
    s_log.stream_set = 1;
}

//  Writes one line at level: "L: (ident) yy-mm-dd hh:mm:ss text"
static void
    s_log_line (char level, const char *format, va_list args)
    __attribute__ ((format (printf, 2, 0)));

static void
s_log_line (char level, const char *format, va_list args)
{
    FILE *stream = s_log.stream_set ? s_log.stream : stderr;
    if (!stream)
        return;
    time_t now = time (NULL);
    struct tm local;
    localtime_r (&now, &local);
    char date [32];                 //  zsys's "%y-%m-%d %H:%M:%S"
    snprintf (date, sizeof date, "%02d-%02d-%02d %02d:%02d:%02d",
              local.tm_year % 100, local.tm_mon + 1, local.tm_mday,
              local.tm_hour, local.tm_min, local.tm_sec);

    flockfile (stream);
    if (s_log.ident [0])
        fprintf (stream, "%c: (%s) %s ", level, s_log.ident, date);
    else
        fprintf (stream, "%c: %s ", level, date);
    vfprintf (stream, format, args);
    fputc ('\n', stream);
    fflush (stream);
    funlockfile (stream);
}

void
im_log_error (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log_line ('E', format, args);
    va_end (args);
}

void
im_log_warning (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log_line ('W', format, args);
    va_end (args);
}

void
im_log_notice (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log_line ('N', format, args);
    va_end (args);
}

void
im_log_info (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_log_line ('I', format, args);
    va_end (args);
}
