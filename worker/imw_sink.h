/*  imw_sink - the notifier's file channel: one log file per recipient

    Each notification is one line appended to <dir>/<recipient>.log:

        TIME incident=ID reason=REASON seq=SEQ recipient="R" title="T"

    TIME is RFC 3339 UTC; recipient and title are quoted with \" \\ and
    \xHH escapes, so a line is always one line. The file name is the
    recipient with every character outside [A-Za-z0-9._-] replaced by
    '_' (long names are cut and end in a hash), plus ".log".

    Exactly once: before appending, the file is locked and scanned for a
    complete line whose key 'seq=SEQ recipient="R" ' matches, so the
    same (event, recipient) never writes two lines, whether the event
    was redelivered, retried after a failure, or handled by another
    process on the same directory. The line is flushed and fsynced
    before the NOTIFY command records it, so a recorded notification
    is on disk; a crash in between writes nothing twice on redelivery.
*/
#ifndef IMW_SINK_H_INCLUDED
#define IMW_SINK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMW_SINK_NAME_MAX   128         //  Bytes in a file name, with NUL

typedef struct _imw_sink_t imw_sink_t;

//  Creates a sink writing into dir, creating it (and its parents) if
//  needed. Returns NULL with the reason logged if it cannot.
imw_sink_t *
    imw_sink_new (const char *dir);

void
    imw_sink_destroy (imw_sink_t **self_p);

//  Writes the file name for recipient into name (at least
//  IMW_SINK_NAME_MAX bytes)
void
    imw_sink_filename (const char *recipient, char *name, size_t size);

//  Appends the notification line for (seq, recipient) unless the file
//  already holds it, and writes the file's path into path. *written
//  tells whether a line was added. Returns 0, or IM_EIO with the reason
//  logged.
int
    imw_sink_write (imw_sink_t *self, const char *recipient,
                    uint64_t incident, const char *reason, uint64_t seq,
                    const char *title, char *path, size_t path_size,
                    bool *written);

//  64-bit FNV-1a of text: short stable names for long recipients
uint64_t
    imw_sink_hash (const char *text);

#endif
