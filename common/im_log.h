/*  im_log - one-line log messages on stderr, for code without ZeroMQ

    The deterministic core and the modules every process shares must not
    depend on czmq, yet what they log has to read like the rest of a
    process's log, which zsys writes. im_log writes the same line:

        E: (imq-broker) 26-11-28 02:17:46 imc_store: sync: No space left

    a level letter, the program's name when one was set, the local time
    and the text. A program sets its name (and, for tests, the stream)
    once at start, before it starts threads; after that the settings
    are only read, and each line goes out whole under stdio's lock.
*/
#ifndef IM_LOG_H_INCLUDED
#define IM_LOG_H_INCLUDED

#include <stdio.h>

//  Sets the program name every line carries (at most 63 characters
//  kept); NULL leaves it out. Call once at start, before threads.
void
    im_log_set_ident (const char *ident);

//  Sets the stream lines go to (stderr until set); NULL silences them.
//  Call once at start, before threads.
void
    im_log_set_stream (FILE *stream);

//  Logs a line at level E (error), W (warning), N (notice), I (info)
void
    im_log_error (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));
void
    im_log_warning (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));
void
    im_log_notice (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));
void
    im_log_info (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));

#endif
