/*  bench_curve - durable ingest with CURVE beside the same without it

    CURVE encrypts and authenticates every message, and the node checks
    the key behind each one: this measures what that costs a client of
    the real broker. Throughput on two shared cores moves with whatever
    else runs, so each round also reports the CPU time the broker and
    this load generator spent per OPEN in the windowed run, which the
    rest of the machine moves much less. Rounds alternate between a
    broker with CURVE (the default) and one started with --no-curve,
    each on a fresh data directory and its own free ports, so that both
    see the same machine in the same minutes; each round runs the same
    OPENs with the same window, then OPENs one at a time for latency.
    The figures of each mode are the medians of its rounds.
*/
#include "bench_ingest.h"
#include <getopt.h>

#define ROUNDS_MAX  16

typedef struct {
    double per_s;                   //  OPENs answered per second
    double p50_ms, p99_ms;          //  Windowed run: reply latency
    double single_p50_ms;           //  One at a time: median latency
    double broker_us;               //  Windowed run: broker CPU per OPEN
    double io_us;                   //  ... of it in its ZeroMQ I/O thread
    double load_us;                 //  This process's CPU per OPEN
} s_round_t;

//  One round against a fresh broker; plain selects --no-curve. Returns
//  0 or -1 with the reason in errbuf.
static int
s_round (const char *dir, bool plain, uint64_t events, size_t inflight,
         size_t connections, uint64_t singles, s_round_t *round,
         char *errbuf, size_t errlen)
{
    bench_broker_t *broker = plain
        ? bench_broker_new_plain (IMQ_BROKER_PATH, dir, errbuf, errlen)
        : bench_broker_new (IMQ_BROKER_PATH, NULL, dir, errbuf, errlen);
    if (!broker)
        return -1;
    char tag [64];
    snprintf (tag, sizeof tag, "curve-%d-%s", (int) getpid (),
              plain ? "plain" : "curve");
    bench_load_t *load = bench_load_new (bench_broker_client_endpoint (broker),
                                         connections, tag);
    snprintf (tag, sizeof tag, "curve-%d-%s-1", (int) getpid (),
              plain ? "plain" : "curve");
    bench_load_t *single = bench_load_new (
        bench_broker_client_endpoint (broker), 1, tag);
    bench_load_result_t warmup, windowed, one;
    int rc = load && single ? 0 : -1;
    if (rc)
        snprintf (errbuf, errlen, "cannot create the client sockets");
    if (rc == 0)
        rc = bench_load_run (single, 10, 1, NULL, NULL, 0, NULL, &warmup,
                             errbuf, errlen);
    bench_threads_t before [2], after [2];
    pid_t pids [2] = { broker ? bench_broker_pid (broker) : 0, getpid () };
    for (size_t index = 0; rc == 0 && index < 2; index++)
        bench_threads_read (pids [index], &before [index]);
    if (rc == 0)
        rc = bench_load_run (load, events, inflight, NULL, NULL, 0, NULL,
                             &windowed, errbuf, errlen);
    for (size_t index = 0; rc == 0 && index < 2; index++)
        bench_threads_read (pids [index], &after [index]);
    if (rc == 0)
        rc = bench_load_run (single, singles, 1, NULL, NULL, 0, NULL, &one,
                             errbuf, errlen);
    if (rc == 0) {
        round->per_s = windowed.per_s;
        round->p50_ms = windowed.p50_ms;
        round->p99_ms = windowed.p99_ms;
        round->single_p50_ms = one.p50_ms;
        double per = 1e6 / (double) events;
        round->broker_us = per * bench_threads_seconds (&before [0],
                                                        &after [0], NULL);
        round->io_us = per * bench_threads_seconds (&before [0], &after [0],
                                                    "ZMQbg/IO");
        round->load_us = per * bench_threads_seconds (&before [1],
                                                      &after [1], NULL);
    }
    bench_load_destroy (&single);
    bench_load_destroy (&load);
    bench_broker_destroy (&broker);
    return rc;
}

static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

//  Median of the field at offset of count rounds
static double
s_median (const s_round_t *rounds, size_t count, size_t offset)
{
    double values [ROUNDS_MAX];
    for (size_t index = 0; index < count; index++)
        values [index] = *(const double *) ((const char *) &rounds [index]
                                            + offset);
    qsort (values, count, sizeof values [0], s_compare);
    return count % 2 ? values [count / 2]
                     : (values [count / 2 - 1] + values [count / 2]) / 2;
}

int
main (int argc, char *argv [])
{
    uint64_t events = 50000, singles = 1000;
    size_t inflight = 2048, connections = 8, rounds = 3;
    static const struct option flags [] = {
        { "events", required_argument, NULL, 'n' },
        { "inflight", required_argument, NULL, 'w' },
        { "connections", required_argument, NULL, 'c' },
        { "latency", required_argument, NULL, 's' },
        { "rounds", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int flag;
    while ((flag = getopt_long (argc, argv, "h", flags, NULL)) != -1) {
        unsigned long long value = 0;
        if (flag != 'h' && flag != '?')
            value = strtoull (optarg, NULL, 10);
        switch (flag) {
            case 'n': events = value; break;
            case 'w': inflight = (size_t) value; break;
            case 'c': connections = (size_t) value; break;
            case 's': singles = value; break;
            case 'r': rounds = (size_t) value; break;
            default:
                fprintf (flag == 'h' ? stdout : stderr,
                         "usage: imq-bench-curve [--events N (50000)] "
                         "[--inflight W (2048)]\n"
                         "       [--connections C (8)] [--latency S (1000)] "
                         "[--rounds R (3, max 16)]\n");
                return flag == 'h' ? 0 : 2;
        }
    }
    if (!events || !singles || !inflight || !connections
    ||  connections > BENCH_CONNECTIONS_MAX || !rounds
    ||  rounds > ROUNDS_MAX) {
        fprintf (stderr, "imq-bench-curve: a number out of its range\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    const char *base = getenv ("IM_TEST_TMPDIR");
    char dir [512];
    snprintf (dir, sizeof dir, "%s/imq-bench-curve-XXXXXX",
              base && *base ? base : "/tmp");
    if (base && *base)
        zsys_dir_create ("%s", base);
    if (!mkdtemp (dir)) {
        fprintf (stderr, "imq-bench-curve: cannot make %s\n", dir);
        return 1;
    }
    s_round_t curve [ROUNDS_MAX], plain [ROUNDS_MAX];
    char errbuf [512] = "";
    int rc = 0;
    for (size_t round = 0; round < rounds && rc == 0; round++) {
        //  Alternate which mode goes first, so neither always meets a
        //  warmer page cache
        for (int turn = 0; turn < 2 && rc == 0; turn++) {
            bool is_plain = (turn == 0) == (round % 2 == 0);
            char sub [600];
            snprintf (sub, sizeof sub, "%s/%zu-%s", dir, round,
                      is_plain ? "plain" : "curve");
            zsys_dir_create ("%s", sub);
            s_round_t *into = is_plain ? &plain [round] : &curve [round];
            rc = s_round (sub, is_plain, events, inflight, connections,
                          singles, into, errbuf, sizeof errbuf);
            if (rc == 0)
                fprintf (stderr, "round %zu %-5s %9.0f OPEN/s  p50 %.2f ms  "
                         "p99 %.2f ms  one at a time p50 %.3f ms  CPU/OPEN "
                         "broker %.1f us (I/O %.1f), load %.1f us\n", round,
                         is_plain ? "plain" : "curve", into->per_s,
                         into->p50_ms, into->p99_ms, into->single_p50_ms,
                         into->broker_us, into->io_us, into->load_us);
        }
    }
    if (rc == 0) {
        double c_rate = s_median (curve, rounds, offsetof (s_round_t, per_s));
        double p_rate = s_median (plain, rounds, offsetof (s_round_t, per_s));
        printf ("imq-bench-curve: %" PRIu64 " OPENs, window %zu over %zu "
                "connections, %zu rounds each (medians)\n", events, inflight,
                connections, rounds);
        printf ("%-28s %12s %12s %8s\n", "", "CURVE", "no CURVE", "ratio");
        printf ("%-28s %12.0f %12.0f %7.1f%%\n", "durable OPENs per second",
                c_rate, p_rate, 100.0 * c_rate / p_rate);
        size_t offsets [] = { offsetof (s_round_t, p50_ms),
                              offsetof (s_round_t, p99_ms),
                              offsetof (s_round_t, single_p50_ms),
                              offsetof (s_round_t, broker_us),
                              offsetof (s_round_t, io_us),
                              offsetof (s_round_t, load_us) };
        const char *names [] = { "windowed p50 latency, ms",
                                 "windowed p99 latency, ms",
                                 "one at a time p50, ms",
                                 "broker CPU per OPEN, us",
                                 "  of it its I/O thread, us",
                                 "load CPU per OPEN, us" };
        for (size_t index = 0; index < 6; index++) {
            double c = s_median (curve, rounds, offsets [index]);
            double p = s_median (plain, rounds, offsets [index]);
            printf ("%-28s %12.3f %12.3f %7.1f%%\n", names [index], c, p,
                    100.0 * c / p);
        }
        im_remove_tree (dir);
    }
    else
        fprintf (stderr, "imq-bench-curve: FAILED: %s (data kept in %s)\n",
                 errbuf, dir);
    return rc ? 1 : 0;
}
