/*  bench_clocks - a million running SLA clocks in one SLA timer

    imq-bench-clocks [--clocks N] [--seconds S]

    Three timers of the same N clocks in one run:

      imw_sla     the SLA timer itself (imw_timers underneath), loaded
                  through its start-up path: the SLA-CLOCKS reply of N
                  items encoded as the broker sends it, decoded as the
                  timer receives it, then imw_sla_restore
      old hash    the layout imw_sla had before: a zhashx by
                  "<incident>:<clock>" of malloc'd 48-byte clocks, all
                  scanned every IMW_TICK_MS
      plain heap  a binary heap of {due, id} pairs and nothing else: no
                  key index, no state, the floor of what a timer costs

    For each: bytes per clock (the allocator's bytes in use, mallinfo2,
    before and after loading, divided by N; RSS likewise), the time to
    load, and the lateness of firing while deadlines expire at one a
    millisecond for S seconds. The deadlines are the loaded clocks' own,
    one a millisecond apart; the timer's time is the real monotonic
    clock shifted so that the first comes 200 ms after the run starts
    (the SLA timer's clock source is a value, so it is given that time).
    The loop sleeps in poll until the next due time, as the worker does
    (the old hash wakes every IMW_TICK_MS, as the worker did), and
    lateness is the real time of firing minus the due time (for imw_sla
    the due time plus IMW_SLA_GRACE_MS, when it is meant to fire). Each
    fired clock is answered (disarmed), as the broker's answer would.
*/
#include "imw_classes.h"
#include <malloc.h>
#include <poll.h>

#define BASE_MS     4000000000000ull    //  First deadline, far ahead
#define LEAD_MS     200                 //  From the run's start to it

//  The allocator's bytes in use, small and mmapped blocks
static size_t
s_heap_bytes (void)
{
    struct mallinfo2 info = mallinfo2 ();
    return info.uordblks + info.hblkhd;
}

static size_t
s_rss_bytes (void)
{
    long pages = 0, resident = 0;
    FILE *file = fopen ("/proc/self/statm", "r");
    if (file) {
        if (fscanf (file, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose (file);
    }
    return (size_t) resident * (size_t) sysconf (_SC_PAGESIZE);
}

static int
s_compare (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint64_t *late_us;                  //  Lateness of each firing
    size_t fired;                       //  Firings so far
    size_t wanted;                      //  Firings to measure
    int64_t offset_ms;                  //  Timer time minus monotonic
} s_run_t;

static void
s_run_start (s_run_t *run, size_t wanted, uint64_t first_due_ms)
{
    run->fired = 0;
    run->wanted = wanted;
    run->offset_ms = (int64_t) first_due_ms
                   - (int64_t) (zclock_usecs () / 1000) - LEAD_MS;
}

//  The timer's time for the monotonic instant now_us
static uint64_t
s_timer_ms (const s_run_t *run, int64_t now_us)
{
    return (uint64_t) (now_us / 1000 + run->offset_ms);
}

static void
s_record (s_run_t *run, int64_t now_us, uint64_t due_ms)
{
    int64_t due_us = ((int64_t) due_ms - run->offset_ms) * 1000;
    if (run->fired < run->wanted)
        run->late_us [run->fired++] =
            now_us > due_us ? (uint64_t) (now_us - due_us) : 0;
}

//  Sleeps in poll until the timer's time next_ms, at most max_ms
static void
s_sleep_until (const s_run_t *run, uint64_t next_ms, int max_ms)
{
    uint64_t now_ms = s_timer_ms (run, zclock_usecs ());
    if (next_ms > now_ms)
        poll (NULL, 0, next_ms - now_ms < (uint64_t) max_ms
                       ? (int) (next_ms - now_ms) : max_ms);
}

static void
s_print (const char *name, size_t clocks, size_t heap, size_t rss,
         double load_ms, s_run_t *run)
{
    qsort (run->late_us, run->fired, sizeof (uint64_t), s_compare);
    double p50 = 0, p99 = 0, max = 0;
    if (run->fired) {
        p50 = (double) run->late_us [run->fired / 2] / 1000;
        p99 = (double) run->late_us [run->fired * 99 / 100] / 1000;
        max = (double) run->late_us [run->fired - 1] / 1000;
    }
    printf ("%-11s %9zu %9.1f %9.1f %9.0f %8zu %8.2f %8.2f %8.2f\n", name,
            clocks, (double) heap / (double) clocks,
            (double) rss / (double) clocks, load_ms, run->fired, p50, p99,
            max);
}

static double
s_ms_since (int64_t start_us)
{
    return (double) (zclock_usecs () - start_us) / 1000;
}

//  One page of the SLA-CLOCKS answer, clocks first to first + count - 1,
//  encoded as the broker sends it. NULL when out of memory.
static zmsg_t *
s_page (size_t first, size_t count)
{
    zlist_t *items = zlist_new ();
    im_fields_t *body = im_fields_new ();
    int rc = items && body
           ? im_fields_set_int (body, "count", (int64_t) count) : -1;
    for (size_t index = first; index < first + count && rc == 0; index++) {
        im_fields_t *item = im_fields_new ();
        if (!item
        ||  im_fields_set_int (item, IM_KEY_INCIDENT, (int64_t) index / 2 + 1)
        ||  im_fields_set_str (item, IM_KEY_CLOCK,
                               index % 2 ? "resolution" : "response")
        ||  im_fields_set_int (item, IM_KEY_DUE_MS,
                               (int64_t) (BASE_MS + index)))
            rc = -1;
        if (item)
            zlist_append (items, item);
    }
    zmsg_t *msg = rc == 0 ? im_reply_encode (200, "bench", body, items, NULL)
                          : NULL;
    im_fields_t *item;
    while (items && (item = (im_fields_t *) zlist_pop (items)))
        im_fields_destroy (&item);
    zlist_destroy (&items);
    im_fields_destroy (&body);
    return msg;
}

//  imw_sla through its start-up path, then firing. SLA-CLOCKS answers
//  at most IM_PROTO_ITEMS_MAX clocks, so the N come as pages of that
//  many, each encoded, decoded and restored in turn.
static int
s_bench_sla (size_t clocks, s_run_t *run)
{
    im_policy_t policy;
    im_policy_defaults (&policy);
    imw_sla_t *sla = imw_sla_new (&policy);
    size_t heap = 0, rss = s_rss_bytes (), armed = 0;
    double encode_ms = 0, decode_ms = 0, restore_ms = 0;
    for (size_t first = 0; first < clocks; first += IM_PROTO_ITEMS_MAX) {
        size_t count = clocks - first < IM_PROTO_ITEMS_MAX
                     ? clocks - first : IM_PROTO_ITEMS_MAX;
        int64_t start = zclock_usecs ();
        zmsg_t *msg = s_page (first, count);
        encode_ms += s_ms_since (start);
        im_reply_t *reply = im_reply_new (0);
        char errbuf [256] = "encode";
        start = zclock_usecs ();
        if (!msg || im_reply_decode (reply, &msg, false, errbuf,
                                     sizeof errbuf)) {
            fprintf (stderr, "SLA-CLOCKS reply: %s\n", errbuf);
            return -1;
        }
        decode_ms += s_ms_since (start);
        size_t before = s_heap_bytes ();
        start = zclock_usecs ();
        armed += imw_sla_restore (sla, reply->items);
        restore_ms += s_ms_since (start);
        heap += s_heap_bytes () - before;
        im_reply_destroy (&reply);
    }
    rss = s_rss_bytes () - rss;
    if (armed != clocks || imw_sla_armed (sla) != clocks) {
        fprintf (stderr, "restore armed %zu of %zu\n", armed, clocks);
        return -1;
    }
    printf ("imw_sla start-up, %zu pages: building and encoding them "
            "%.0f ms (broker side), decoding %.0f ms, restoring %.0f ms\n",
            (clocks + IM_PROTO_ITEMS_MAX - 1) / IM_PROTO_ITEMS_MAX,
            encode_ms, decode_ms, restore_ms);
    printf ("%-11s %9s %9s %9s %9s %8s %8s %8s %8s\n", "timer", "clocks",
            "B/clock", "RSS/clock", "load ms", "fired", "p50 ms", "p99 ms",
            "max ms");

    imw_output_t *out = imw_output_new ();
    s_run_start (run, run->wanted, BASE_MS + IMW_SLA_GRACE_MS);
    while (run->fired < run->wanted) {
        s_sleep_until (run, imw_sla_next (sla), IMW_TICK_MS / 2);
        int64_t now_us = zclock_usecs ();
        if (imw_sla_tick (sla, s_timer_ms (run, now_us), out))
            return -1;
        for (size_t index = 0; index < imw_output_size (out); index++) {
            const im_fields_t *args = imw_output_args (out, index);
            s_record (run, now_us, (uint64_t) im_fields_int_or (
                          args, IM_KEY_DUE_MS, 0) + IMW_SLA_GRACE_MS);
            imw_sla_answered (sla, imw_output_key (out, index), 200);
        }
        imw_output_clear (out);
    }
    s_print ("imw_sla", clocks, heap, rss, decode_ms + restore_ms, run);
    imw_output_destroy (&out);
    imw_sla_destroy (&sla);
    return 0;
}

//  The layout imw_sla had before
typedef struct {
    uint64_t incident;                  //  Incident the clock runs for
    char clock [16];                    //  Its name
    uint64_t due_ms;                    //  Deadline
    int priority;                       //  Priority it started with
    int fraction;                       //  A warning's percent
    bool sent;                          //  Sent, not answered
} s_old_clock_t;

static void
s_old_clock_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static int
s_bench_old_hash (size_t clocks, s_run_t *run)
{
    size_t heap = s_heap_bytes (), rss = s_rss_bytes ();
    int64_t start = zclock_usecs ();
    zhashx_t *hash = zhashx_new ();
    zhashx_set_destructor (hash, s_old_clock_destroy);
    for (size_t index = 0; index < clocks; index++) {
        s_old_clock_t *clock = (s_old_clock_t *) calloc (1, sizeof *clock);
        if (!clock)
            return -1;
        clock->incident = index / 2 + 1;
        im_strlcpy (clock->clock, index % 2 ? "resolution" : "response",
                    sizeof clock->clock);
        clock->due_ms = BASE_MS + index;
        clock->priority = (int) (index % 5) + 1;
        char key [48];
        snprintf (key, sizeof key, "%" PRIu64 ":%s", clock->incident,
                  clock->clock);
        zhashx_update (hash, key, clock);
    }
    double load_ms = s_ms_since (start);
    heap = s_heap_bytes () - heap;
    rss = s_rss_bytes () - rss;

    zlist_t *done = zlist_new ();
    zlist_autofree (done);
    s_run_start (run, run->wanted, BASE_MS);
    while (run->fired < run->wanted) {
        poll (NULL, 0, IMW_TICK_MS);
        int64_t now_us = zclock_usecs ();
        uint64_t now_ms = s_timer_ms (run, now_us);
        s_old_clock_t *clock = (s_old_clock_t *) zhashx_first (hash);
        for (; clock; clock = (s_old_clock_t *) zhashx_next (hash))
            if (!clock->sent && clock->due_ms <= now_ms) {
                //  The breach is sent now: after the scan so far
                s_record (run, zclock_usecs (), clock->due_ms);
                clock->sent = true;
                zlist_append (done, (void *) zhashx_cursor (hash));
            }
        for (char *key = (char *) zlist_first (done); key;
             key = (char *) zlist_next (done))
            zhashx_delete (hash, key);
        zlist_purge (done);
    }
    s_print ("old hash", clocks, heap, rss, load_ms, run);
    zlist_destroy (&done);
    zhashx_destroy (&hash);
    return 0;
}

//  A binary heap of {due, id} pairs
typedef struct {
    uint64_t due_ms;                    //  Deadline
    uint64_t id;                        //  What it is for
} s_pair_t;

static void
s_pair_push (s_pair_t *heap, size_t *size, s_pair_t pair)
{
    size_t pos = (*size)++;
    while (pos > 0 && pair.due_ms < heap [(pos - 1) / 2].due_ms) {
        heap [pos] = heap [(pos - 1) / 2];
        pos = (pos - 1) / 2;
    }
    heap [pos] = pair;
}

static s_pair_t
s_pair_pop (s_pair_t *heap, size_t *size)
{
    s_pair_t top = heap [0], last = heap [--*size];
    size_t pos = 0;
    while (2 * pos + 1 < *size) {
        size_t child = 2 * pos + 1;
        if (child + 1 < *size && heap [child + 1].due_ms < heap [child].due_ms)
            child++;
        if (last.due_ms <= heap [child].due_ms)
            break;
        heap [pos] = heap [child];
        pos = child;
    }
    heap [pos] = last;
    return top;
}

static int
s_bench_plain_heap (size_t clocks, s_run_t *run)
{
    size_t heap_bytes = s_heap_bytes (), rss = s_rss_bytes ();
    int64_t start = zclock_usecs ();
    s_pair_t *heap = (s_pair_t *) malloc (clocks * sizeof (s_pair_t));
    if (!heap)
        return -1;
    size_t size = 0;
    //  Pushed in a scattered order, as clocks start
    for (size_t index = 0; index < clocks; index++) {
        size_t scattered = (index * 7919) % clocks;
        s_pair_push (heap, &size, (s_pair_t) { BASE_MS + scattered,
                                               scattered });
    }
    double load_ms = s_ms_since (start);
    heap_bytes = s_heap_bytes () - heap_bytes;
    rss = s_rss_bytes () - rss;
    s_run_start (run, run->wanted, BASE_MS);
    while (run->fired < run->wanted && size) {
        s_sleep_until (run, heap [0].due_ms, IMW_TICK_MS / 2);
        int64_t now_us = zclock_usecs ();
        uint64_t now_ms = s_timer_ms (run, now_us);
        while (size && heap [0].due_ms <= now_ms)
            s_record (run, now_us, s_pair_pop (heap, &size).due_ms);
    }
    s_print ("plain heap", clocks, heap_bytes, rss, load_ms, run);
    free (heap);
    return 0;
}

int
main (int argc, char *argv [])
{
    size_t clocks = 1000000, seconds = 10;
    for (int arg = 1; arg + 1 < argc; arg += 2) {
        if (streq (argv [arg], "--clocks"))
            clocks = (size_t) atol (argv [arg + 1]);
        else
        if (streq (argv [arg], "--seconds"))
            seconds = (size_t) atol (argv [arg + 1]);
        else {
            fprintf (stderr, "usage: imq-bench-clocks [--clocks N] "
                             "[--seconds S]\n");
            return 2;
        }
    }
    if (clocks < 2 || seconds < 1 || seconds * 1000 > clocks) {
        fprintf (stderr, "imq-bench-clocks: need 2 <= seconds * 1000 "
                         "<= clocks\n");
        return 2;
    }
    zsys_init ();
    s_run_t run = { .wanted = seconds * 1000 };
    run.late_us = (uint64_t *) calloc (run.wanted, sizeof (uint64_t));
    if (!run.late_us)
        return 1;
    printf ("%zu clocks, deadlines at 1/ms for %zu s\n", clocks, seconds);
    int rc = s_bench_sla (clocks, &run);
    if (rc == 0)
        rc = s_bench_old_hash (clocks, &run);
    if (rc == 0)
        rc = s_bench_plain_heap (clocks, &run);
    free (run.late_us);
    if (rc)
        fprintf (stderr, "imq-bench-clocks: failed\n");
    return rc ? 1 : 0;
}
