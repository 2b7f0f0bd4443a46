/*  bench_stats - time and percentiles for the benchmark's figures

    Every figure the benchmark prints is a rate over a monotonic clock or
    a percentile of samples; keeping both here means each phase reports
    them the same way (nearest-rank percentiles, microsecond clock).
*/
#include "bench_ingest.h"
#include <time.h>

uint64_t
bench_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int
s_compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

double
bench_percentile (double *samples, size_t n, double p)
{
    assert (p > 0 && p <= 100);
    if (n == 0)
        return 0;
    qsort (samples, n, sizeof (double), s_compare_double);
    //  Nearest rank: the smallest sample with at least p% at or below it
    size_t rank = (size_t) ((p / 100.0) * (double) n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return samples [rank - 1];
}

double
bench_max (const double *samples, size_t n)
{
    double max = 0;
    for (size_t index = 0; index < n; index++)
        if (samples [index] > max)
            max = samples [index];
    return max;
}

const char *
bench_thousands (double value, char *buffer, size_t size)
{
    char digits [32];
    snprintf (digits, sizeof digits, "%.0f", value < 0 ? -value : value);
    size_t length = strlen (digits);
    size_t at = 0;
    if (value < 0 && at + 1 < size)
        buffer [at++] = '-';
    for (size_t index = 0; index < length && at + 2 < size; index++) {
        if (index > 0 && (length - index) % 3 == 0)
            buffer [at++] = ',';
        buffer [at++] = digits [index];
    }
    buffer [at] = 0;
    return buffer;
}
