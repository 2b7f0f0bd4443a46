/*  im_util - small helpers shared by every imq process: time, u64 keys

    Only what more than one module needs and no class owns.
*/
#ifndef IM_UTIL_H_INCLUDED
#define IM_UTIL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  True when two strings are equal; the same definition as czmq's, so
//  that a file may include both
#ifndef streq
#define streq(s1,s2)    (!strcmp ((s1), (s2)))
#endif

//  Wall-clock time in ms since the epoch (the leader's stamp; workers'
//  deadlines). Never called inside the state machine's apply.
uint64_t
    im_now_ms (void);

//  Monotonic time in ms, for timeouts and heartbeats
uint64_t
    im_mono_ms (void);

//  Names the calling thread (at most 15 characters are kept), so that
//  top -H, perf and /proc say which of a broker's threads is busy
void
    im_thread_name (const char *name);

//  Writes value as 8 octets big-endian at out
void
    im_put_u64 (void *out, uint64_t value);

//  Reads 8 octets big-endian
uint64_t
    im_get_u64 (const void *in);

//  Reads size octets (at most 8) little-endian, as libraft writes its
//  integers on disk
uint64_t
    im_get_le (const void *in, size_t size);

//  Formats ms since the epoch as RFC 3339 UTC with milliseconds
//  ("2026-11-28T02:17:46.621Z") into buffer (at least 32 bytes)
void
    im_format_time (uint64_t ms, char *buffer, size_t size);

//  Copies src into dst of size dst_size, always NUL-terminated; returns
//  0, or IM_ETOOBIG when src did not fit (dst then holds a prefix)
int
    im_strlcpy (char *dst, const char *src, size_t dst_size);

//  True when name may name a principal or a certificate: 1 to 63 of
//  [A-Za-z0-9._-], not starting with a dot (so that it is a file name
//  too)
bool
    im_name_valid (const char *name);

//  Ends text before its last character when a cut (snprintf into a
//  buffer too small, im_strlcpy) left that character incomplete, so
//  that UTF-8 text cut anywhere is still UTF-8. Returns text.
char *
    im_utf8_trim (char *text);

//  Removes path and, when it is a directory, everything under it, if
//  it is there. A symbolic link is removed itself and never followed:
//  what it names, a file or a whole tree, stays where it is.
void
    im_remove_tree (const char *path);

//  fsyncs a file or a directory (making its entries durable). Returns
//  0 or -1.
int
    im_sync_path (const char *path);

//  Writes text as the whole of dir/name and makes it durable: the file
//  synced, then dir. Returns 0 or IM_EIO.
int
    im_write_synced (const char *dir, const char *name, const char *text);

//  Writes a formatted reason into errbuf of errlen bytes; does nothing
//  when errbuf is NULL. Every decoder reports its refusals this way.
void
    im_errbuf_set (char *errbuf, size_t errlen, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
