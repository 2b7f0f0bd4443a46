/*  imb_raft_queue - packed commands waiting to be proposed, with tokens

    A flat buffer of packed commands plus, per command, its token and
    where it starts: the Raft thread proposes a run of consecutive
    commands as one entry straight from the buffer. Bounded: a full
    queue refuses, and the broker answers 503 instead of growing.
*/
#ifndef IMB_RAFT_QUEUE_H_INCLUDED
#define IMB_RAFT_QUEUE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct _imb_raft_queue_t imb_raft_queue_t;

//  Creates a queue holding at most max commands
imb_raft_queue_t *
    imb_raft_queue_new (size_t max);
void
    imb_raft_queue_destroy (imb_raft_queue_t **self_p);

//  Appends a copy of command; returns 0 or IM_EBUSY when full
int
    imb_raft_queue_push (imb_raft_queue_t *self, uint64_t token,
                         const void *command, size_t size);

//  Number of commands
size_t
    imb_raft_queue_size (imb_raft_queue_t *self);

//  Token of command index
uint64_t
    imb_raft_queue_token (imb_raft_queue_t *self, size_t index);

//  Returns the packed bytes of commands [from, from + count), borrowed
const void *
    imb_raft_queue_range (imb_raft_queue_t *self, size_t from, size_t count,
                          size_t *size);

//  How many commands from index from, at most count, fit in bytes
//  packed bytes; at least one, however large it is
size_t
    imb_raft_queue_fit (imb_raft_queue_t *self, size_t from, size_t count,
                        size_t bytes);

//  Empties the queue, keeping its memory
void
    imb_raft_queue_reset (imb_raft_queue_t *self);

#endif
