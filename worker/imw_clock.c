/*  imw_clock - where a worker's role timer reads the time

    The real clock is im_now_ms; the fixed one reads a value its owner
    writes, for tests that set the time the timer sees.
*/
#include "imw_classes.h"

static uint64_t
s_real_now (void *arg)
{
    (void) arg;
    return im_now_ms ();
}

static uint64_t
s_fixed_now (void *arg)
{
    return *(const uint64_t *) arg;
}

imw_clock_t
imw_clock_real (void)
{
    imw_clock_t clock = { .now_fn = s_real_now, .arg = NULL };
    return clock;
}

imw_clock_t
imw_clock_fixed (const uint64_t *now_ms)
{
    assert (now_ms);
    imw_clock_t clock = { .now_fn = s_fixed_now, .arg = (void *) now_ms };
    return clock;
}

uint64_t
imw_clock_now (const imw_clock_t *clock)
{
    assert (clock && clock->now_fn);
    return clock->now_fn (clock->arg);
}
