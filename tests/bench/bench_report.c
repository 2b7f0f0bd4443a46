/*  bench_report - the table of figures a benchmark run ends with

    One table, baseline and imq side by side, so that the reader sees
    imq's rate next to what the same disk gave a bare RocksDB a minute
    earlier, the ratio between them, and each target with PASS or MISS.
    The verdicts are information for the reader, not an exit code.
*/
#include "bench_ingest.h"

static void
s_row (FILE *stream, const char *what, const char *figure, const char *note)
{
    fprintf (stream, "  %-42s %22s   %s\n", what, figure, note);
}

//  Baseline rows; returns the index of the best rate and of batch 512
static void
s_baseline_rows (FILE *stream, const bench_baseline_t *baseline,
                 size_t *best, size_t *at_512)
{
    char what [96], figure [64], note [96], number [32];
    *best = 0;
    *at_512 = 0;
    for (size_t index = 0; index < BENCH_BASELINE_SIZES; index++) {
        snprintf (what, sizeof what, "RocksDB sync=1, batch %zu",
                  baseline->batch [index]);
        snprintf (figure, sizeof figure, "%s rec/s", bench_thousands (
                  baseline->records_per_s [index], number, sizeof number));
        s_row (stream, what, figure, "baseline, same disk, same run");
        if (baseline->records_per_s [index] > baseline->records_per_s [*best])
            *best = index;
        if (baseline->batch [index] == 512)
            *at_512 = index;
    }
    snprintf (figure, sizeof figure, "%.2f / %.2f ms", baseline->fsync_p50_ms,
              baseline->fsync_p99_ms);
    snprintf (note, sizeof note, "p50 / p99 of %zu appends",
              baseline->fsync_samples);
    s_row (stream, "fdatasync 4 KiB", figure, note);
}

//  Throughput and latency rows
static void
s_imq_rows (FILE *stream, const bench_figures_t *figures, size_t best,
            size_t at_512)
{
    const bench_baseline_t *baseline = &figures->baseline;
    char what [96], figure [64], note [96], number [32];
    double rate = figures->throughput.per_s;
    snprintf (what, sizeof what, "imq OPEN -> durable event (W=%zu, C=%zu)",
              figures->inflight, figures->connections);
    snprintf (figure, sizeof figure, "%s ev/s",
              bench_thousands (rate, number, sizeof number));
    snprintf (note, sizeof note, ">= %s ev/s: %s",
              bench_thousands (BENCH_TARGET_EVENTS_PER_S, number,
                               sizeof number),
              rate >= BENCH_TARGET_EVENTS_PER_S ? "PASS" : "MISS");
    s_row (stream, what, figure, note);
    snprintf (figure, sizeof figure, "%.3fx",
              rate / baseline->records_per_s [at_512]);
    s_row (stream, "imq / RocksDB batch 512", figure, "");
    snprintf (what, sizeof what, "imq / RocksDB best (batch %zu)",
              baseline->batch [best]);
    snprintf (figure, sizeof figure, "%.3fx",
              rate / baseline->records_per_s [best]);
    s_row (stream, what, figure, "");
    snprintf (figure, sizeof figure, "%.1f", figures->entries
              ? (double) figures->events_written / (double) figures->entries
              : 0);
    snprintf (note, sizeof note, "%" PRIu64 " entries, %.0f/s",
              figures->entries,
              (double) figures->entries / figures->throughput.seconds);
    s_row (stream, "imq OPENs per Raft entry (group commit)", figure, note);
    snprintf (figure, sizeof figure, "%.1f / %.1f ms",
              figures->throughput.p50_ms, figures->throughput.p99_ms);
    s_row (stream, "imq OPEN latency under that load p50/p99", figure, "");
    const bench_load_result_t *latency = &figures->latency;
    snprintf (what, sizeof what, "imq OPEN latency, 1 in flight (%" PRIu64
              ")", latency->requests);
    snprintf (figure, sizeof figure, "%.2f/%.2f/%.2f/%.1f", latency->p50_ms,
              latency->p90_ms, latency->p99_ms, latency->max_ms);
    s_row (stream, what, figure, "ms p50/p90/p99/max");
}

//  Memory and lag rows
static void
s_memory_rows (FILE *stream, const bench_figures_t *figures)
{
    char what [96], figure [64], note [96], number [32];
    snprintf (what, sizeof what, "broker RSS at %s events, peak (VmHWM)",
              bench_thousands ((double) figures->total_events, number,
                               sizeof number));
    double peak_mb = (double) figures->memory.hwm_kb / 1024;
    snprintf (figure, sizeof figure, "%.1f MB", peak_mb);
    snprintf (note, sizeof note, "<= %d MB: %s", BENCH_TARGET_RSS_MB,
              peak_mb <= BENCH_TARGET_RSS_MB ? "PASS" : "MISS");
    s_row (stream, what, figure, note);
    snprintf (figure, sizeof figure, "%.1f MB",
              (double) figures->memory.rss_kb / 1024);
    snprintf (note, sizeof note, "anon %.1f MB, file %.1f MB",
              (double) figures->memory.anon_kb / 1024,
              (double) figures->memory.file_kb / 1024);
    s_row (stream, "broker RSS now (VmRSS)", figure, note);
    //  Phase a, phase b and the one warm-up OPEN
    snprintf (what, sizeof what, "broker RSS after phase a+b (%s events)",
              bench_thousands ((double) (figures->events_written
                                         + figures->latency.requests + 1),
                               number, sizeof number));
    snprintf (figure, sizeof figure, "%.1f MB",
              (double) figures->memory_before.rss_kb / 1024);
    s_row (stream, what, figure, "before the lagging consumer");
    snprintf (what, sizeof what, "group %s lag", BENCH_LAGGING_GROUP);
    snprintf (figure, sizeof figure, "%s ev", bench_thousands (
              (double) figures->lagging.group_lag, number, sizeof number));
    snprintf (note, sizeof note, "%" PRIu64 " delivered, %" PRIu64
              " acked, offset %" PRId64, figures->lagger_delivered,
              figures->lagger_acked, figures->lagging.group_offset);
    s_row (stream, what, figure, figures->lagging.group_found
                                 ? note : "group not listed");
}

void
bench_report_print (const bench_figures_t *figures, FILE *stream)
{
    assert (figures && stream);
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    static const char *ids [] = { "counter", "time-ordered", "random" };
    fprintf (stream, "\nimq durable ingest (%ld cores; record = one OPEN "
             "event, %zu bytes; %s request ids)\n", cores, figures->event_size,
             ids [figures->ids]);
    s_row (stream, "what", "figure", "target / note");
    size_t best, at_512;
    s_baseline_rows (stream, &figures->baseline, &best, &at_512);
    s_imq_rows (stream, figures, best, at_512);
    s_memory_rows (stream, figures);
}
