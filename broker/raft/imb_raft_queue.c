/*  imb_raft_queue - packed commands waiting to be proposed, with tokens

    Two of these alternate: the main thread fills one under the lock
    while the Raft thread proposes from the other, so the lock is held
    only for a push or a swap, never while encoding or writing.
*/
#include "imb_classes.h"
#include "imb_raft_queue.h"

struct _imb_raft_queue_t {
    size_t max;                     //  Commands it may hold
    size_t count;                   //  Commands it holds
    uint64_t *tokens;               //  Token per command
    size_t *starts;                 //  Offset per command, + one past end
    char *data;                     //  Packed commands
    size_t size;                    //  Bytes used
    size_t capacity;                //  Bytes allocated
};

imb_raft_queue_t *
imb_raft_queue_new (size_t max)
{
    imb_raft_queue_t *self = (imb_raft_queue_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->max = max ? max : 1;
    self->tokens = (uint64_t *) calloc (self->max, sizeof (uint64_t));
    self->starts = (size_t *) calloc (self->max + 1, sizeof (size_t));
    if (!self->tokens || !self->starts)
        imb_raft_queue_destroy (&self);
    return self;
}

void
imb_raft_queue_destroy (imb_raft_queue_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_raft_queue_t *self = *self_p;
        free (self->data);
        free (self->starts);
        free (self->tokens);
        free (self);
        *self_p = NULL;
    }
}

int
imb_raft_queue_push (imb_raft_queue_t *self, uint64_t token,
                     const void *command, size_t size)
{
    if (self->count == self->max)
        return IM_EBUSY;
    if (self->size + size > self->capacity) {
        size_t capacity = self->capacity ? self->capacity : 65536;
        while (capacity < self->size + size)
            capacity *= 2;
        char *data = (char *) realloc (self->data, capacity);
        if (!data)
            return IM_EBUSY;
        self->data = data;
        self->capacity = capacity;
    }
    memcpy (self->data + self->size, command, size);
    self->tokens [self->count] = token;
    self->starts [self->count] = self->size;
    self->size += size;
    self->count++;
    self->starts [self->count] = self->size;
    return 0;
}

size_t
imb_raft_queue_size (imb_raft_queue_t *self)
{
    return self->count;
}

uint64_t
imb_raft_queue_token (imb_raft_queue_t *self, size_t index)
{
    assert (index < self->count);
    return self->tokens [index];
}

const void *
imb_raft_queue_range (imb_raft_queue_t *self, size_t from, size_t count,
                      size_t *size)
{
    assert (from + count <= self->count);
    *size = self->starts [from + count] - self->starts [from];
    return self->data + self->starts [from];
}

size_t
imb_raft_queue_fit (imb_raft_queue_t *self, size_t from, size_t count,
                    size_t bytes)
{
    assert (count > 0 && from + count <= self->count);
    //  The largest n in [1, count] with starts [from + n] - starts [from]
    //  <= bytes: starts only grows, so a binary search finds it
    size_t low = 1, high = count;
    while (low < high) {
        size_t middle = low + (high - low + 1) / 2;
        if (self->starts [from + middle] - self->starts [from] <= bytes)
            low = middle;
        else
            high = middle - 1;
    }
    return low;
}

void
imb_raft_queue_reset (imb_raft_queue_t *self)
{
    self->count = 0;
    self->size = 0;
    self->starts [0] = 0;
    //  A burst may have grown the buffer: give most of it back
    if (self->capacity > 16 * 1024 * 1024) {
        free (self->data);
        self->data = NULL;
        self->capacity = 0;
    }
}
