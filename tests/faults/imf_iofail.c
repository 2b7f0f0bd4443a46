/*  imf_iofail - an LD_PRELOAD shim that fails a node's writes and syncs

    libfiu fails POSIX calls by name, whatever the file; the fault suite
    wants to fail one persistence step at a time: the Raft log's
    segments, the RocksDB store, a checkpoint being installed. So this
    shim looks at the file behind each write and sync and fails (EIO)
    only those whose path matches a pattern, with a probability, and
    only while the fault is armed. libraft writes its segments with
    Linux AIO (io_submit through syscall ()) where the file system
    allows direct I/O, so io_submit is covered too.

    Control: IMF_IOFAIL_ARM names a file. While it exists the fault is
    armed, and its one line says "<fnmatch pattern> <per million>"
    (a pattern matching the files under raft/ and 200000: a fifth of
    the Raft log's writes and syncs fail). The file is read again at most every 50 ms. IMF_IOFAIL_SEED
    seeds the draws. Each failure is told on stderr (the node's log),
    the first 20 of them.
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/aio_abi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define IMF_RECHECK_NS  50000000    //  Between reads of the arm file
#define IMF_TOLD_MAX    20          //  Failures told on stderr

//  The shim's state: one process, set once at load and by the check;
//  races between threads only make a re-read happen twice
static struct {
    char pattern [512];             //  Paths to fail; "" while disarmed
    uint32_t per_million;           //  Probability of a failure
    int64_t checked_ns;             //  When the arm file was last read
    unsigned told;                  //  Failures told so far
} s_shim;

static __thread uint64_t s_random;  //  xorshift state of this thread

typedef ssize_t (write_fn) (int, const void *, size_t);
typedef ssize_t (pwrite_fn) (int, const void *, size_t, off_t);
typedef ssize_t (writev_fn) (int, const struct iovec *, int);
typedef ssize_t (pwritev_fn) (int, const struct iovec *, int, off_t);
typedef ssize_t (pwritev2_fn) (int, const struct iovec *, int, off_t, int);
typedef int (sync_fn) (int);
typedef long (syscall_fn) (long, ...);

//  Any function; cast to its own type before a call
typedef void (any_fn) (void);

//  The next definition of name, the one this shim stands in front of.
//  dlsym returns an object pointer: copied, not cast, into a function
//  pointer, which ISO C does not convert
static any_fn *
s_real (const char *name)
{
    void *symbol = dlsym (RTLD_NEXT, name);
    any_fn *function;
    memcpy (&function, &symbol, sizeof function);
    return function;
}

static int64_t
s_now_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC_COARSE, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

//  Reads the arm file when its time came
static void
s_check_armed (void)
{
    int64_t now = s_now_ns ();
    if (now - s_shim.checked_ns < IMF_RECHECK_NS)
        return;
    s_shim.checked_ns = now;
    const char *path = getenv ("IMF_IOFAIL_ARM");
    FILE *file = path ? fopen (path, "r") : NULL;
    char pattern [512] = "";
    unsigned long per_million = 0;
    if (file) {
        if (fscanf (file, "%511s %lu", pattern, &per_million) != 2)
            pattern [0] = 0;
        fclose (file);
    }
    s_shim.per_million = (uint32_t) per_million;
    memcpy (s_shim.pattern, pattern, sizeof pattern);
}

//  A draw in [0, 1e6)
static uint32_t
s_draw (void)
{
    if (!s_random) {
        const char *seed = getenv ("IMF_IOFAIL_SEED");
        s_random = (seed ? strtoull (seed, NULL, 10) : 1)
                 ^ ((uint64_t) getpid () << 20) ^ (uint64_t) s_now_ns ();
        s_random |= 1;
    }
    s_random ^= s_random << 13;
    s_random ^= s_random >> 7;
    s_random ^= s_random << 17;
    return (uint32_t) (s_random % 1000000);
}

//  True when a call of name on fd is to fail now; tells it
static int
s_fail (int fd, const char *name)
{
    s_check_armed ();
    if (!s_shim.pattern [0] || fd < 0)
        return 0;
    char link [64], path [1024];
    snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink (link, path, sizeof path - 1);
    if (length <= 0)
        return 0;
    path [length] = 0;
    if (fnmatch (s_shim.pattern, path, 0) != 0
    ||  s_draw () >= s_shim.per_million)
        return 0;
    if (s_shim.told < IMF_TOLD_MAX) {
        s_shim.told++;
        char line [1200];
        int size = snprintf (line, sizeof line, "imf_iofail: EIO on %s of "
                             "%s\n", name, path);
        write_fn *real = (write_fn *) s_real ("write");
        if (real && size > 0)
            real (2, line, (size_t) size < sizeof line ? (size_t) size
                                                       : sizeof line - 1);
    }
    errno = EIO;
    return 1;
}

ssize_t
write (int fd, const void *buf, size_t count)
{
    if (s_fail (fd, "write"))
        return -1;
    return ((write_fn *) s_real ("write")) (fd, buf, count);
}

ssize_t
pwrite (int fd, const void *buf, size_t count, off_t offset)
{
    if (s_fail (fd, "pwrite"))
        return -1;
    return ((pwrite_fn *) s_real ("pwrite")) (fd, buf, count, offset);
}

ssize_t
pwrite64 (int fd, const void *buf, size_t count, off_t offset)
{
    if (s_fail (fd, "pwrite64"))
        return -1;
    return ((pwrite_fn *) s_real ("pwrite64")) (fd, buf, count, offset);
}

ssize_t
writev (int fd, const struct iovec *iov, int count)
{
    if (s_fail (fd, "writev"))
        return -1;
    return ((writev_fn *) s_real ("writev")) (fd, iov, count);
}

ssize_t
pwritev (int fd, const struct iovec *iov, int count, off_t offset)
{
    if (s_fail (fd, "pwritev"))
        return -1;
    return ((pwritev_fn *) s_real ("pwritev")) (fd, iov, count, offset);
}

ssize_t
pwritev2 (int fd, const struct iovec *iov, int count, off_t offset,
          int flags)
{
    if (s_fail (fd, "pwritev2"))
        return -1;
    return ((pwritev2_fn *) s_real ("pwritev2")) (fd, iov, count, offset,
                                                 flags);
}

int
fsync (int fd)
{
    if (s_fail (fd, "fsync"))
        return -1;
    return ((sync_fn *) s_real ("fsync")) (fd);
}

int
fdatasync (int fd)
{
    if (s_fail (fd, "fdatasync"))
        return -1;
    return ((sync_fn *) s_real ("fdatasync")) (fd);
}

long
syscall (long number, ...)
{
    va_list args;
    va_start (args, number);
    long arg [6];
    for (int index = 0; index < 6; index++)
        arg [index] = va_arg (args, long);
    va_end (args);
    if (number == SYS_io_submit && arg [1] > 0) {
        struct iocb **iocbs = (struct iocb **) arg [2];
        for (long index = 0; index < arg [1]; index++)
            if (iocbs [index]
            &&  s_fail ((int) iocbs [index]->aio_fildes, "io_submit"))
                return -1;
    }
    return ((syscall_fn *) s_real ("syscall")) (number, arg [0], arg [1],
                                               arg [2], arg [3], arg [4],
                                               arg [5]);
}
