/*  imb_raft_pace - holds back libraft's "entries stored" while the state
    machine is far behind

    A node tells the leader it stored entries when its disk write
    completes; libraft then commits and hands them to the state machine.
    When the applier falls behind (a RocksDB flush late, the cores busy),
    entries pile up in its queue, and waiting for room there on the Raft
    thread silences the node: no heartbeat is answered, and when both
    followers wait the leader loses its quorum and steps down. The pacer
    sits between libraft and its disk I/O: a completed append is reported
    to libraft only while the applier holds at most max_bytes, in the
    order the appends were made. A slow state machine then looks like a
    slow disk: the leader commits at the pace of the nodes that keep up,
    the Raft loop stays free, and heartbeats are answered at once (libraft
    answers an AppendEntries without new entries without touching the
    disk).
*/
#ifndef IMB_RAFT_PACE_H_INCLUDED
#define IMB_RAFT_PACE_H_INCLUDED

#include <raft.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct _imb_raft_pace_t imb_raft_pace_t;

//  What the state machine holds, in bytes (imb_applier_backlog)
typedef size_t (imb_raft_pace_backlog_fn) (void *arg);

//  Creates the pacer on the Raft thread's loop; io's append (libraft's
//  disk I/O, already initialised) is what paced appends go to. backlog
//  (called with arg, on the loop's thread) says what the state machine
//  holds. Returns NULL when out of memory.
imb_raft_pace_t *
    imb_raft_pace_new (uv_loop_t *loop, struct raft_io *io,
                       imb_raft_pace_backlog_fn *backlog, void *arg,
                       size_t max_bytes);

//  Frees the pacer. Call after libraft was closed (every append it made
//  was reported) and before the loop closes; the timer handle is closed
//  here and the memory freed by its close callback.
void
    imb_raft_pace_destroy (imb_raft_pace_t **self_p);

//  Replaces io->append by the paced one; call is the caller's function
//  with io->append's signature that finds this pacer and calls
//  imb_raft_pace_append (libraft's io has no room for the pacer itself)
void
    imb_raft_pace_install (imb_raft_pace_t *self,
                           int (*call) (struct raft_io *,
                                        struct raft_io_append *,
                                        const struct raft_entry [], unsigned,
                                        raft_io_append_cb));

//  The paced append: starts the disk write at once, reports it to cb
//  when written and the applier has room
int
    imb_raft_pace_append (imb_raft_pace_t *self, struct raft_io *io,
                          struct raft_io_append *req,
                          const struct raft_entry entries [], unsigned n,
                          raft_io_append_cb cb);

//  From now on every completed append is reported at once: libraft is
//  closing and waits for them
void
    imb_raft_pace_release (imb_raft_pace_t *self);

//  Appends completed but held back since the pacer started, and the
//  longest time one was held, in ms (Raft thread)
uint64_t
    imb_raft_pace_held (imb_raft_pace_t *self, uint64_t *longest_ms);

//  Appends whose write to the disk failed, at once or when it completed,
//  since the pacer started (Raft thread)
uint64_t
    imb_raft_pace_failed (imb_raft_pace_t *self);

//  How long, in ms, the oldest append whose write has not completed has
//  been waiting for the disk; 0 when none waits (Raft thread)
uint64_t
    imb_raft_pace_stuck_ms (imb_raft_pace_t *self);

#endif
