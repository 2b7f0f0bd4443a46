/*  im_log_limit - a bound on how often one kind of refusal is logged

    A fixed table of kinds, each with the start of its current interval,
    how many occurrences it has had in it, and its total. Names are
    compared as strings, so the same static name from two call sites is
    one kind. See im_log_limit.h.
*/
#include "im_classes.h"
#include "im_log_limit.h"

typedef struct {
    const char *name;               //  Kind, borrowed static string
    uint64_t start_ms;              //  Start of the current interval
    uint64_t in_interval;           //  Occurrences in it
    uint64_t total;                 //  Occurrences since start
} s_kind_t;

struct _im_log_limit_t {
    uint32_t burst;                 //  Logged in full per interval
    uint64_t interval_ms;           //  Length of an interval
    s_kind_t kinds [IM_LOG_LIMIT_KINDS];  //  Kinds seen, in order
    size_t kinds_n;                 //  How many
};

im_log_limit_t *
im_log_limit_new (uint32_t burst, uint64_t interval_ms)
{
    assert (interval_ms > 0);
    im_log_limit_t *self = (im_log_limit_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->burst = burst;
    self->interval_ms = interval_ms;
    return self;
}

void
im_log_limit_destroy (im_log_limit_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

//  Finds kind, adding it when there is room; the last slot is "other"
static s_kind_t *
s_kind (im_log_limit_t *self, const char *kind)
{
    for (size_t index = 0; index < self->kinds_n; index++)
        if (streq (self->kinds [index].name, kind))
            return &self->kinds [index];
    if (self->kinds_n == IM_LOG_LIMIT_KINDS - 1) {
        //  The table is full: one shared kind for the rest
        s_kind_t *other = &self->kinds [self->kinds_n++];
        other->name = "other";
        return other;
    }
    if (self->kinds_n == IM_LOG_LIMIT_KINDS)
        return &self->kinds [IM_LOG_LIMIT_KINDS - 1];
    s_kind_t *added = &self->kinds [self->kinds_n++];
    added->name = kind;
    return added;
}

//  Ends kind's interval when now_ms is past it, reporting what was left
//  out of the log
static void
s_roll (im_log_limit_t *self, s_kind_t *kind, uint64_t now_ms, bool all,
        im_log_limit_fn *fn, void *arg)
{
    if (now_ms - kind->start_ms < self->interval_ms && !all)
        return;
    if (kind->in_interval > self->burst && fn)
        fn (kind->name, kind->in_interval - self->burst,
            now_ms - kind->start_ms, arg);
    kind->start_ms = now_ms;
    kind->in_interval = 0;
}

bool
im_log_limit_take (im_log_limit_t *self, const char *kind, uint64_t now_ms,
                   im_log_limit_fn *fn, void *arg)
{
    assert (self && kind);
    s_kind_t *entry = s_kind (self, kind);
    if (entry->total == 0)
        entry->start_ms = now_ms;
    else
        s_roll (self, entry, now_ms, false, fn, arg);
    entry->total++;
    return ++entry->in_interval <= self->burst;
}

void
im_log_limit_flush (im_log_limit_t *self, uint64_t now_ms, bool all,
                    im_log_limit_fn *fn, void *arg)
{
    assert (self);
    for (size_t index = 0; index < self->kinds_n; index++)
        if (self->kinds [index].in_interval > 0)
            s_roll (self, &self->kinds [index], now_ms, all, fn, arg);
}

void
im_log_limit_warn (const char *kind, uint64_t suppressed,
                   uint64_t interval_ms, void *arg)
{
    (void) arg;
    zsys_warning ("%" PRIu64 " more '%s' in the last %" PRIu64 " ms, not "
                  "logged one by one (counted in /metrics)", suppressed, kind,
                  interval_ms);
}

size_t
im_log_limit_size (const im_log_limit_t *self)
{
    assert (self);
    return self->kinds_n;
}

const char *
im_log_limit_kind_at (const im_log_limit_t *self, size_t index)
{
    assert (self && index < self->kinds_n);
    return self->kinds [index].name;
}

uint64_t
im_log_limit_total_at (const im_log_limit_t *self, size_t index)
{
    assert (self && index < self->kinds_n);
    return self->kinds [index].total;
}

uint64_t
im_log_limit_total (const im_log_limit_t *self, const char *kind)
{
    assert (self && kind);
    for (size_t index = 0; index < self->kinds_n; index++)
        if (streq (self->kinds [index].name, kind))
            return self->kinds [index].total;
    return 0;
}
