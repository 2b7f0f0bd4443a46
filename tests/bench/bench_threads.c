/*  bench_threads - CPU time of each thread of a process, from /proc

    On a two-core machine the first question about a throughput figure
    is which thread ran out of CPU: the broker's main ZeroMQ thread, its
    Raft thread, ZeroMQ's I/O thread or RocksDB's background threads.
    /proc/PID/task/TID/stat answers that for free, without a profiler,
    so the benchmark prints it for its throughput phase.
*/
#include "bench_ingest.h"
#include <dirent.h>

//  Parses one /proc/PID/task/TID/stat; returns 0 or -1
static int
s_read_thread (pid_t pid, int tid, bench_thread_t *thread)
{
    char path [96], text [1024];
    snprintf (path, sizeof path, "/proc/%d/task/%d/stat", (int) pid, tid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    size_t size = fread (text, 1, sizeof text - 1, file);
    text [size] = 0;
    fclose (file);
    //  "tid (comm) state ppid ...": comm may hold spaces and parens, so
    //  it ends at the last ')'; utime and stime are fields 14 and 15
    char *open = strchr (text, '(');
    char *close_paren = strrchr (text, ')');
    if (!open || !close_paren || close_paren < open)
        return -1;
    size_t length = (size_t) (close_paren - open - 1);
    if (length >= sizeof thread->name)
        length = sizeof thread->name - 1;
    memcpy (thread->name, open + 1, length);
    thread->name [length] = 0;
    thread->tid = tid;
    char *cursor = close_paren + 2;     //  At field 3, the state
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; field < 14 && cursor; field++) {
        cursor = strchr (cursor, ' ');
        if (cursor)
            cursor++;
    }
    if (!cursor || sscanf (cursor, "%llu %llu", &utime, &stime) != 2)
        return -1;
    thread->ticks = utime + stime;
    return 0;
}

int
bench_threads_read (pid_t pid, bench_threads_t *threads)
{
    memset (threads, 0, sizeof *threads);
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = opendir (path);
    if (!dir)
        return -1;
    struct dirent *entry;
    while ((entry = readdir (dir)) && threads->count < BENCH_THREADS_MAX) {
        int tid = atoi (entry->d_name);
        if (tid > 0
        &&  s_read_thread (pid, tid, &threads->threads [threads->count]) == 0)
            threads->count++;
    }
    closedir (dir);
    threads->at_us = bench_now_us ();
    return 0;
}

//  Ticks thread tid used between before and after (0 if it is new)
static uint64_t
s_ticks_since (const bench_threads_t *before, const bench_thread_t *thread)
{
    for (size_t index = 0; index < before->count; index++)
        if (before->threads [index].tid == thread->tid)
            return thread->ticks - before->threads [index].ticks;
    return thread->ticks;
}

void
bench_threads_print (pid_t pid, const bench_threads_t *before,
                     const bench_threads_t *after, FILE *stream)
{
    double hz = (double) sysconf (_SC_CLK_TCK);
    double wall = (double) (after->at_us - before->at_us) / 1e6;
    if (hz <= 0 || wall <= 0)
        return;
    uint64_t used [BENCH_THREADS_MAX];
    bool printed [BENCH_THREADS_MAX];
    double total = 0;
    for (size_t index = 0; index < after->count; index++) {
        used [index] = s_ticks_since (before, &after->threads [index]);
        printed [index] = false;
        total += (double) used [index] / hz;
    }
    fprintf (stream, "  broker CPU by thread over %.1f s (100%% = one core; "
             "total %.0f%%):\n", wall, 100.0 * total / wall);
    for (size_t round = 0; round < after->count; round++) {
        size_t busiest = after->count;
        for (size_t index = 0; index < after->count; index++)
            if (!printed [index]
            &&  (busiest == after->count || used [index] > used [busiest]))
                busiest = index;
        printed [busiest] = true;
        double seconds = (double) used [busiest] / hz;
        if (seconds < 0.01 * wall)
            break;                  //  The idle rest is not worth a line
        const bench_thread_t *thread = &after->threads [busiest];
        fprintf (stream, "    %-16s tid %-7d %6.1f%%%s\n", thread->name,
                 thread->tid, 100.0 * seconds / wall,
                 thread->tid == (int) pid ? "  (main thread: ZeroMQ zloop)"
                                          : "");
    }
}

double
bench_threads_seconds (const bench_threads_t *before,
                       const bench_threads_t *after, const char *prefix)
{
    double hz = (double) sysconf (_SC_CLK_TCK);
    if (hz <= 0)
        return 0;
    uint64_t ticks = 0;
    for (size_t index = 0; index < after->count; index++)
        if (!prefix || strncmp (after->threads [index].name, prefix,
                                strlen (prefix)) == 0)
            ticks += s_ticks_since (before, &after->threads [index]);
    return (double) ticks / hz;
}
