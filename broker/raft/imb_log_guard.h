/*  imb_log_guard - keeps a node whose Raft log lost entries from voting
    or leading until the others have sent them back

    Raft's promise that a committed entry survives rests on every node
    keeping what it told the leader it stored. A disk that loses such
    entries (libraft 0.15 loads a damaged log up to the damage and says
    nothing) turns the node into one that votes with a log that looks
    complete to it: with another node that missed the same entries, it
    elects itself, and what a majority had acknowledged is overwritten
    on every node. Protocol-Aware Recovery (Alagappan et al., FAST 2018)
    counts such a node as lost, not as a voter: it must not vote until
    repaired from the others.

    The guard sits between libraft and its disk I/O (a struct raft_io
    that forwards to libraft's own). It records, in imb_log_mark, the
    highest index each completed append made durable before libraft
    hears of the append, and lowers it before a truncation or a snapshot
    install. When libraft loads the log, the segments are first checked
    (imb_log_scan) and the loaded log is compared with the mark. A log
    that ends before the mark lost entries this node had acknowledged:
    the node then repairs. It takes part in replication as a follower,
    so the leader sends back what is missing, but the RequestVote,
    RequestVote result and TimeoutNow messages it receives are dropped,
    as a network may drop them: it neither votes nor wins an election.
    It is repaired once its log durably holds the mark's index again,
    or an entry (or a snapshot) of a term after the one it had when it
    started: a leader of such a term was elected without its vote, so
    by Raft's leader completeness it holds every committed entry, and
    this node's log now matches it past everything the node lost. A node
    that is the only voter has no one to repair from: it does not start,
    and says which entries are missing.
*/
#ifndef IMB_LOG_GUARD_H_INCLUDED
#define IMB_LOG_GUARD_H_INCLUDED

#include <raft.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct _imb_log_guard_t imb_log_guard_t;

//  Where the guard stands, a plain value type
typedef struct {
    bool repairing;                 //  The log lost entries: no vote
    uint64_t lost_from;             //  First index missing at start
    uint64_t lost_to;               //  Last index the node had stored
    uint64_t stored;                //  Last index durably stored now
} imb_log_guard_state_t;

//  Creates the guard over inner (libraft's disk I/O, initialised by
//  raft_uv_init) on the Raft thread's loop. The mark lives in
//  data_dir/raft-mark; damaged segments go to data_dir/raft-damaged.
//  node_id is this node's. Returns NULL with the reason in errbuf.
imb_log_guard_t *
    imb_log_guard_new (uv_loop_t *loop, struct raft_io *inner,
                       const char *data_dir, uint64_t node_id,
                       char *errbuf, size_t errlen);

//  Frees the guard. Call after libraft was closed and before the loop
//  closes; the check handle is closed here and the memory freed by its
//  close callback.
void
    imb_log_guard_destroy (imb_log_guard_t **self_p);

//  The I/O to give raft_init (and to wrap further); owned by the guard
struct raft_io *
    imb_log_guard_io (imb_log_guard_t *self);

//  Copies where the guard stands (Raft thread)
void
    imb_log_guard_state (imb_log_guard_t *self,
                         imb_log_guard_state_t *state);

#endif
