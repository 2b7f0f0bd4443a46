/*  im_util - small helpers shared by every imq process: time, u64 keys,
    thread names

    Big-endian u64 keys make RocksDB's bytewise order numeric order;
    time helpers keep clock reads out of everything but the leader's
    stamp and the workers' own deadlines.
*/
#define _XOPEN_SOURCE 700             //  nftw and its FTW_* flags

#include <assert.h>
#include <ctype.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "im_error.h"
#include "im_util.h"

uint64_t
im_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

uint64_t
im_mono_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void
im_thread_name (const char *name)
{
    prctl (PR_SET_NAME, (unsigned long) name, 0, 0, 0);
}

void
im_put_u64 (void *out, uint64_t value)
{
    unsigned char *bytes = (unsigned char *) out;
    for (int index = 7; index >= 0; index--) {
        bytes [index] = (unsigned char) (value & 0xff);
        value >>= 8;
    }
}

uint64_t
im_get_u64 (const void *in)
{
    const unsigned char *bytes = (const unsigned char *) in;
    uint64_t value = 0;
    for (int index = 0; index < 8; index++)
        value = (value << 8) | bytes [index];
    return value;
}

uint64_t
im_get_le (const void *in, size_t size)
{
    assert (in && size <= 8);
    const uint8_t *bytes = (const uint8_t *) in;
    uint64_t value = 0;
    for (size_t index = size; index > 0; index--)
        value = value << 8 | bytes [index - 1];
    return value;
}

void
im_format_time (uint64_t ms, char *buffer, size_t size)
{
    assert (buffer);
    time_t seconds = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    char stamp [24];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (buffer, size, "%s.%03uZ", stamp, (unsigned) (ms % 1000));
}

int
im_strlcpy (char *dst, const char *src, size_t dst_size)
{
    assert (dst && src && dst_size > 0);
    size_t length = strlen (src);
    if (length < dst_size) {
        memcpy (dst, src, length + 1);
        return 0;
    }
    memcpy (dst, src, dst_size - 1);
    dst [dst_size - 1] = 0;
    return IM_ETOOBIG;
}

char *
im_utf8_trim (char *text)
{
    assert (text);
    size_t length = strlen (text);
    //  Back over the continuation bytes that end text (three at most)
    //  to the byte that leads its last character
    size_t lead = length;
    while (lead > 0 && length - lead < 3
       &&  ((unsigned char) text [lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0)
        return text;
    lead--;
    unsigned char byte = (unsigned char) text [lead];
    size_t needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2
                                                                    : 1;
    if (length - lead < needed)
        text [lead] = 0;
    return text;
}

void
im_errbuf_set (char *errbuf, size_t errlen, const char *format, ...)
{
    if (errbuf && errlen > 0) {
        va_list args;
        va_start (args, format);
        vsnprintf (errbuf, errlen, format, args);
        va_end (args);
    }
}

int
im_sync_path (const char *path)
{
    assert (path);
    int fd = open (path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

int
im_write_synced (const char *dir, const char *name, const char *text)
{
    assert (dir && name && text);
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "w");
    if (!file)
        return IM_EIO;
    int rc = fputs (text, file) < 0 || fflush (file) || fsync (fileno (file));
    rc |= fclose (file);
    return rc || im_sync_path (dir) ? IM_EIO : 0;
}

//  nftw callback of im_remove_tree: called for each entry after what is
//  under it (FTW_DEPTH), never through a symbolic link (FTW_PHYS): a
//  link, even one to a directory, is itself unlinked and what it names
//  is left alone. An entry that cannot be removed is skipped so that
//  the rest still goes.
static int
s_remove_entry (const char *path, const struct stat *info, int type,
                struct FTW *walk)
{
    (void) info;
    (void) walk;
    if (type == FTW_DP || type == FTW_DNR)
        rmdir (path);
    else
        unlink (path);                  //  Files, links (FTW_SL, FTW_SLN)
    return 0;
}

void
im_remove_tree (const char *path)
{
    assert (path);
    //  16 directories open at most; deeper trees are walked all the same
    nftw (path, s_remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

bool
im_name_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length >= 64 || name [0] == '.')
        return false;
    for (const char *cursor = name; *cursor; cursor++)
        if (!isalnum ((unsigned char) *cursor) && !strchr ("._-", *cursor))
            return false;
    return true;
}
