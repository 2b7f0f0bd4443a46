/*  imb_log_guard_private - what the guard's files share: imb_log_guard.c
    (appends, truncations, snapshots, the repair's end),
    imb_log_guard_io.c (what is forwarded as it is, the callbacks, the
    dropped votes) and imb_log_guard_load.c (the check of the log
    libraft loads)
*/
#ifndef IMB_LOG_GUARD_PRIVATE_H_INCLUDED
#define IMB_LOG_GUARD_PRIVATE_H_INCLUDED

#include "imb_classes.h"
#include "imb_log_guard.h"
#include "imb_log_mark.h"
#include "imb_log_scan.h"

typedef struct _imb_log_append_t imb_log_append_t;

struct _imb_log_guard_t {
    struct raft_io io;              //  What libraft calls; impl: us
    struct raft_io *inner;          //  libraft's disk I/O; its data: us
    uv_loop_t *loop;                //  The Raft thread's loop
    uv_check_t check;               //  Settles written appends, once per
                                    //  loop iteration
    imb_log_mark_t *mark;           //  raft-mark, owned
    char data_dir [IM_CONFIG_PATH_MAX];  //  The node's data directory
    uint64_t node_id;               //  This node
    raft_io_tick_cb tick;           //  libraft's tick callback
    raft_io_recv_cb recv;           //  libraft's receive callback
    raft_io_close_cb closed;        //  libraft's close callback
    bool closing;                   //  libraft is closing the I/O
    uint64_t next_index;            //  Index the next append starts at
    uint64_t durable;               //  The log holds 1 .. durable on disk
    imb_log_append_t *head;         //  Appends not yet reported, in order
    imb_log_append_t *tail;
    bool repairing;                 //  Lost entries: no vote until back
    uint64_t lost_from;             //  First index missing at start
    uint64_t lost_to;               //  The mark at start: last one stored
    raft_term start_term;           //  Term loaded at start
    uint64_t dropped;               //  Vote messages dropped meanwhile
    uint64_t dropped_said_ms;       //  When that was last said (uv time)
    struct raft_io_snapshot_put put;   //  Ours, given to the disk I/O
    struct raft_io_snapshot_put *put_req;  //  libraft's, in flight
    raft_io_snapshot_put_cb put_cb; //  libraft's callback
    bool put_install;               //  It installs a leader's snapshot
    uint64_t put_index;             //  Its last index
    raft_term put_term;             //  Its last term
};

//  Fills the guard's I/O with the calls forwarded as they are, and the
//  callbacks' (imb_log_guard_io.c)
void
    imb_log_guard_io_init (imb_log_guard_t *self);

//  Copies the inner I/O's error message into the guard's when rc says
//  a call failed; returns rc
int
    imb_log_guard_said (imb_log_guard_t *self, int rc);

//  Reports the written appends at the head of the FIFO, after raising
//  the mark over the successful ones
void
    imb_log_guard_settle (imb_log_guard_t *self);

//  The guard's load (imb_log_guard_load.c): scans the segments, loads,
//  compares with the mark and starts a repair, or refuses a node that
//  is the only voter
int
    imb_log_guard_load (struct raft_io *io, raft_term *term,
                        raft_id *voted_for, struct raft_snapshot **snapshot,
                        raft_index *start_index, struct raft_entry *entries [],
                        size_t *n_entries);

//  Ends a repair: the mark is set to the log's end, votes count again,
//  and why is said
void
    imb_log_guard_repaired (imb_log_guard_t *self, const char *why);

#endif
