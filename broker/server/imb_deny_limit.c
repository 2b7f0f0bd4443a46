/*  imb_deny_limit - how many denials a node records, per principal and verb

    A fixed window per pair rather than a sliding one: the bound it
    gives (burst records per pair and window, the summary included) is
    easy to state and to test, and a window costs one timestamp.
*/
#include "imb_classes.h"
#include "imb_deny_limit.h"

//  One principal-verb pair
typedef struct {
    uint64_t start_ms;              //  When its window started
    uint32_t recorded;              //  Recorded in this window
    uint64_t held;                  //  Refused since, not recorded
    imb_denial_t last;              //  The last of those held
} s_bucket_t;

struct _imb_deny_limit_t {
    zhashx_t *buckets;              //  "principal\x1fverb" -> s_bucket_t,
                                    //  owned
    uint32_t burst;                 //  Records per pair and window
    uint64_t window_ms;             //  Window length
    size_t buckets_max;             //  Pairs tracked at most
};

static void
s_bucket_free (void **item)
{
    free (*item);
    *item = NULL;
}

imb_deny_limit_t *
imb_deny_limit_new (uint32_t burst, uint64_t window_ms, size_t buckets_max)
{
    imb_deny_limit_t *self = (imb_deny_limit_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->burst = burst ? burst : 1;
    self->window_ms = window_ms;
    self->buckets_max = buckets_max;
    self->buckets = zhashx_new ();
    if (!self->buckets) {
        imb_deny_limit_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->buckets, s_bucket_free);
    return self;
}

void
imb_deny_limit_destroy (imb_deny_limit_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_deny_limit_t *self = *self_p;
        zhashx_destroy (&self->buckets);
        free (self);
        *self_p = NULL;
    }
}

int
imb_deny_limit_take (imb_deny_limit_t *self, imb_denial_t *denial,
                     uint64_t now_ms)
{
    assert (self && denial);
    char key [sizeof denial->principal + sizeof denial->verb + 1];
    snprintf (key, sizeof key, "%s\x1f%s", denial->principal, denial->verb);
    s_bucket_t *bucket = (s_bucket_t *) zhashx_lookup (self->buckets, key);
    if (!bucket) {
        if (zhashx_size (self->buckets) >= self->buckets_max)
            return -1;
        bucket = (s_bucket_t *) calloc (1, sizeof *bucket);
        assert (bucket);
        bucket->start_ms = now_ms;
        zhashx_insert (self->buckets, key, bucket);
    }
    if (now_ms - bucket->start_ms >= self->window_ms) {
        //  A new window; what the last one held rides on this record
        bucket->start_ms = now_ms;
        bucket->recorded = 0;
    }
    if (bucket->recorded < self->burst) {
        bucket->recorded++;
        denial->suppressed = bucket->held;
        bucket->held = 0;
        return 1;
    }
    bucket->held++;
    bucket->last = *denial;
    return 0;
}

void
imb_deny_limit_flush (imb_deny_limit_t *self, uint64_t now_ms,
                      imb_deny_limit_fn *fn, void *arg)
{
    assert (self);
    zlistx_t *quiet = NULL;
    for (s_bucket_t *bucket = (s_bucket_t *) zhashx_first (self->buckets);
         bucket; bucket = (s_bucket_t *) zhashx_next (self->buckets)) {
        if (now_ms - bucket->start_ms < self->window_ms)
            continue;
        if (bucket->held) {
            //  The last one held stands for itself and the others; it
            //  opens the next window as its first record
            imb_denial_t denial = bucket->last;
            denial.suppressed = bucket->held - 1;
            bucket->held = 0;
            bucket->recorded = 1;
            bucket->start_ms = now_ms;
            if (fn)
                fn (&denial, arg);
        }
        else {
            if (!quiet)
                quiet = zlistx_new ();
            if (quiet)
                zlistx_add_end (quiet, (void *) zhashx_cursor (self->buckets));
        }
    }
    if (!quiet)
        return;
    //  Keys are the table's; a copy each, since deleting frees them
    for (const char *key = (const char *) zlistx_first (quiet); key;
         key = (const char *) zlistx_next (quiet)) {
        char *copy = strdup (key);
        if (copy)
            zhashx_delete (self->buckets, copy);
        free (copy);
    }
    zlistx_destroy (&quiet);
}

size_t
imb_deny_limit_size (imb_deny_limit_t *self)
{
    assert (self);
    return zhashx_size (self->buckets);
}
