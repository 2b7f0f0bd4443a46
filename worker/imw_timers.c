/*  imw_timers - many timers keyed by (incident, clock), earliest first

    Three arrays and no per-timer allocation. The timers sit densely in
    'timers' (a disarm moves the last one into the hole); 'heap' is a
    binary min-heap of slots into 'timers', each timer knowing its heap
    position so a re-arm or disarm sifts it in place; 'index' is a
    linear-probing table of slot + 1 (0 is empty) hashed by the key,
    deleted from by backward shift so no tombstones pile up. The index
    stays at most half full; the arrays double and halve with the count.

    A binary heap beside a hierarchical wheel: a wheel fires in O(1) but
    needs a bucket list per slot (a pointer or two per timer) and a
    cascade step, and the SLA timer fires about a thousand a second at
    most, where log2 (1M) = 20 comparisons cost nothing measurable.
*/
#include "imw_classes.h"

#define MIN_CAPACITY    16

struct _imw_timers_t {
    imw_timer_t *timers;                //  Armed timers, dense, owned
    uint32_t *heap;                     //  Slots of scheduled ones, owned
    size_t count;                       //  Armed timers
    size_t scheduled;                   //  Timers in heap
    size_t capacity;                    //  Of timers and of heap
    uint32_t *index;                    //  Slot + 1 by key, owned
    size_t buckets;                     //  Of index, a power of two
};

static size_t
s_home (const imw_timers_t *self, uint64_t incident, int kind)
{
    uint64_t hash = (incident ^ ((uint64_t) kind << 56))
                  * 0x9E3779B97F4A7C15ull;
    hash ^= hash >> 29;
    return (size_t) hash & (self->buckets - 1);
}

//  The index bucket holding the key, or the empty one where it would go
static size_t
s_bucket (const imw_timers_t *self, uint64_t incident, int kind)
{
    size_t bucket = s_home (self, incident, kind);
    while (self->index [bucket]) {
        const imw_timer_t *timer = &self->timers [self->index [bucket] - 1];
        if (timer->incident == incident && timer->kind == kind)
            break;
        bucket = (bucket + 1) & (self->buckets - 1);
    }
    return bucket;
}

static int
s_reindex (imw_timers_t *self, size_t buckets)
{
    uint32_t *index = (uint32_t *) calloc (buckets, sizeof (uint32_t));
    if (!index)
        return IM_ENOMEM;
    free (self->index);
    self->index = index;
    self->buckets = buckets;
    for (size_t slot = 0; slot < self->count; slot++) {
        const imw_timer_t *timer = &self->timers [slot];
        size_t bucket = s_bucket (self, timer->incident, timer->kind);
        self->index [bucket] = (uint32_t) slot + 1;
    }
    return 0;
}

//  Moves both arrays to capacity (at least count): all or nothing
static int
s_resize (imw_timers_t *self, size_t capacity)
{
    imw_timer_t *timers = (imw_timer_t *)
        malloc (capacity * sizeof (imw_timer_t));
    uint32_t *heap = (uint32_t *) malloc (capacity * sizeof (uint32_t));
    if (!timers || !heap) {
        free (timers);
        free (heap);
        return IM_ENOMEM;
    }
    if (self->count)
        memcpy (timers, self->timers, self->count * sizeof (imw_timer_t));
    if (self->scheduled)
        memcpy (heap, self->heap, self->scheduled * sizeof (uint32_t));
    free (self->timers);
    free (self->heap);
    self->timers = timers;
    self->heap = heap;
    self->capacity = capacity;
    return 0;
}

imw_timers_t *
imw_timers_new (void)
{
    imw_timers_t *self = (imw_timers_t *) calloc (1, sizeof (imw_timers_t));
    if (!self)
        return NULL;
    if (s_resize (self, MIN_CAPACITY) || s_reindex (self, MIN_CAPACITY * 2))
        imw_timers_destroy (&self);
    return self;
}

void
imw_timers_destroy (imw_timers_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_timers_t *self = *self_p;
        free (self->index);
        free (self->heap);
        free (self->timers);
        free (self);
        *self_p = NULL;
    }
}

//  Whether the timer in slot a fires before the one in slot b
static bool
s_before (const imw_timers_t *self, uint32_t a, uint32_t b)
{
    const imw_timer_t *ta = &self->timers [a], *tb = &self->timers [b];
    if (ta->due_ms != tb->due_ms)
        return ta->due_ms < tb->due_ms;
    if (ta->incident != tb->incident)
        return ta->incident < tb->incident;
    return ta->kind < tb->kind;
}

static void
s_place (imw_timers_t *self, size_t pos, uint32_t slot)
{
    self->heap [pos] = slot;
    self->timers [slot].heap_pos = (uint32_t) pos;
}

//  Moves the slot at pos up or down to where it belongs
static void
s_sift (imw_timers_t *self, size_t pos)
{
    uint32_t slot = self->heap [pos];
    while (pos > 0 && s_before (self, slot, self->heap [(pos - 1) / 2])) {
        s_place (self, pos, self->heap [(pos - 1) / 2]);
        pos = (pos - 1) / 2;
    }
    while (true) {
        size_t child = 2 * pos + 1;
        if (child >= self->scheduled)
            break;
        if (child + 1 < self->scheduled
        &&  s_before (self, self->heap [child + 1], self->heap [child]))
            child++;
        if (!s_before (self, self->heap [child], slot))
            break;
        s_place (self, pos, self->heap [child]);
        pos = child;
    }
    s_place (self, pos, slot);
}

//  Takes the timer in slot out of the heap, if it is there
static void
s_unschedule (imw_timers_t *self, uint32_t slot)
{
    size_t pos = self->timers [slot].heap_pos;
    if (pos == IMW_TIMERS_FIRED)
        return;
    self->timers [slot].heap_pos = IMW_TIMERS_FIRED;
    self->scheduled--;
    if (pos < self->scheduled) {
        s_place (self, pos, self->heap [self->scheduled]);
        s_sift (self, pos);
    }
}

int
imw_timers_arm (imw_timers_t *self, const imw_timer_t *timer)
{
    assert (self && timer);
    size_t bucket = s_bucket (self, timer->incident, timer->kind);
    uint32_t slot;
    if (self->index [bucket]) {
        slot = self->index [bucket] - 1;
        s_unschedule (self, slot);
    }
    else {
        if (self->count >= UINT32_MAX - 1)
            return IM_ENOMEM;
        if (self->count == self->capacity
        &&  s_resize (self, self->capacity * 2))
            return IM_ENOMEM;
        if ((self->count + 1) * 2 > self->buckets) {
            if (s_reindex (self, self->buckets * 2))
                return IM_ENOMEM;
            bucket = s_bucket (self, timer->incident, timer->kind);
        }
        slot = (uint32_t) self->count++;
        self->index [bucket] = slot + 1;
    }
    self->timers [slot] = *timer;
    self->timers [slot].heap_pos = IMW_TIMERS_FIRED;
    s_place (self, self->scheduled++, slot);
    s_sift (self, self->scheduled - 1);
    return 0;
}

//  Empties bucket, shifting back the entries that probed past it
static void
s_unindex (imw_timers_t *self, size_t bucket)
{
    size_t mask = self->buckets - 1;
    size_t hole = bucket, next = bucket;
    self->index [hole] = 0;
    while (true) {
        next = (next + 1) & mask;
        if (!self->index [next])
            break;
        const imw_timer_t *timer = &self->timers [self->index [next] - 1];
        size_t home = s_home (self, timer->incident, timer->kind);
        //  It may move to the hole when its home is not in (hole, next]
        bool stays = hole <= next ? (home > hole && home <= next)
                                  : (home > hole || home <= next);
        if (!stays) {
            self->index [hole] = self->index [next];
            self->index [next] = 0;
            hole = next;
        }
    }
}

bool
imw_timers_disarm (imw_timers_t *self, uint64_t incident, int kind)
{
    assert (self);
    size_t bucket = s_bucket (self, incident, kind);
    if (!self->index [bucket])
        return false;
    uint32_t slot = self->index [bucket] - 1;
    s_unschedule (self, slot);
    s_unindex (self, bucket);
    //  The last timer fills the hole, and its index and heap entries
    //  follow it
    uint32_t last = (uint32_t) --self->count;
    if (slot != last) {
        const imw_timer_t *moved = &self->timers [last];
        self->index [s_bucket (self, moved->incident, moved->kind)] = slot + 1;
        self->timers [slot] = *moved;
        if (moved->heap_pos != IMW_TIMERS_FIRED)
            self->heap [moved->heap_pos] = slot;
    }
    if (self->capacity > MIN_CAPACITY && self->count * 4 < self->capacity)
        s_resize (self, self->capacity / 2);    //  On failure it stays
    if (self->buckets > MIN_CAPACITY * 2 && self->count * 8 < self->buckets)
        s_reindex (self, self->buckets / 2);    //  On failure it stays
    return true;
}

const imw_timer_t *
imw_timers_lookup (imw_timers_t *self, uint64_t incident, int kind)
{
    assert (self);
    size_t bucket = s_bucket (self, incident, kind);
    return self->index [bucket]
        ? &self->timers [self->index [bucket] - 1] : NULL;
}

uint64_t
imw_timers_next (imw_timers_t *self)
{
    assert (self);
    return self->scheduled ? self->timers [self->heap [0]].due_ms
                           : UINT64_MAX;
}

const imw_timer_t *
imw_timers_fire (imw_timers_t *self, uint64_t now_ms)
{
    assert (self);
    if (!self->scheduled || self->timers [self->heap [0]].due_ms > now_ms)
        return NULL;
    uint32_t slot = self->heap [0];
    s_unschedule (self, slot);
    return &self->timers [slot];
}

size_t
imw_timers_size (imw_timers_t *self)
{
    assert (self);
    return self->count;
}

size_t
imw_timers_scheduled (imw_timers_t *self)
{
    assert (self);
    return self->scheduled;
}

size_t
imw_timers_bytes (imw_timers_t *self)
{
    assert (self);
    return sizeof (imw_timers_t)
         + self->capacity * (sizeof (imw_timer_t) + sizeof (uint32_t))
         + self->buckets * sizeof (uint32_t);
}
