/*  imb_applier - the state-machine thread: applies committed entries

    libraft calls the state machine's apply from the callback that
    completes a disk write, and starts the next write only afterwards:
    applying inside that callback makes disk writes and applies take
    turns. The applier takes the entry (a copy) and applies it on its own
    thread, so the next write starts at once and the two overlap. Entries
    are applied in index order; the results of an entry the leader
    proposed go to the main thread once the entry is in the store, never
    before, so a client that was answered always reads what it wrote.
*/
#ifndef IMB_APPLIER_H_INCLUDED
#define IMB_APPLIER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "imc_fsm.h"

//  What a decoded command counts for against the bound, beside the
//  entry's bytes; and the longest a push waits for room while the queue
//  is under twice its bound (imb_applier_new)
#define IMB_APPLIER_COMMAND_BYTES   2048
#define IMB_APPLIER_ROOM_WAIT_MS    50

typedef struct _imb_applier_t imb_applier_t;

//  Starts the thread. It applies to fsm (borrowed, used only by this
//  thread from now on) and sends results on a PAIR socket it connects
//  to endpoint. At most max_bytes of entries wait (counted decoded, see
//  imb_applier.c); a push beyond that waits for room, for
//  IMB_APPLIER_ROOM_WAIT_MS at most while twice max_bytes are not
//  reached, and never while nothing waits. Returns NULL if
//  the thread or socket cannot start.
imb_applier_t *
    imb_applier_new (imc_fsm_t *fsm, const char *endpoint, size_t max_bytes);

//  Applies what is queued, then stops the thread
void
    imb_applier_destroy (imb_applier_t **self_p);

//  Decodes the entry at index on the calling thread and queues its
//  commands (data is not kept). tokens (copied; may be NULL
//  when nobody waits) name the commands whose results are wanted.
void
    imb_applier_push (imb_applier_t *self, uint64_t index, const void *data,
                      size_t size, const uint64_t *tokens, size_t count);

//  Queues an answer that needs no entry: every token gets status and
//  text, in order with the entries queued before
void
    imb_applier_fail (imb_applier_t *self, const uint64_t *tokens,
                      size_t count, int status, const char *text);

//  Waits until everything queued was applied. Returns 0, or IM_EIO when
//  the store could not be written (the node must stop).
int
    imb_applier_wait (imb_applier_t *self);

//  True once a store write failed; nothing is applied after that
bool
    imb_applier_broken (imb_applier_t *self);

//  Last event seq applied (any thread)
uint64_t
    imb_applier_last_seq (imb_applier_t *self);

//  Waits until the entry at index (or a later one) was applied, and
//  gives the last event seq applied then in *last_seq. Any thread.
//  Returns 0, or IM_EIO when the store could not be written.
int
    imb_applier_wait_index (imb_applier_t *self, uint64_t index,
                            uint64_t *last_seq);

//  Bytes of entries queued or being applied (any thread)
size_t
    imb_applier_backlog (imb_applier_t *self);

//  Last Raft index applied to the store (any thread)
uint64_t
    imb_applier_applied (imb_applier_t *self);

#endif
