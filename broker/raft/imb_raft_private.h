/*  imb_raft_private - what the Raft thread's files share: imb_raft.c
    (proposals, status, the thread), imb_raft_fsm.c (libraft's state
    machine callbacks) and imb_raft_start.c (starting libraft)
*/
#ifndef IMB_RAFT_PRIVATE_H_INCLUDED
#define IMB_RAFT_PRIVATE_H_INCLUDED

#include "imb_classes.h"
#include "imb_raft_queue.h"
#include "imb_raft_pace.h"
#include "imb_log_guard.h"
#include "imb_raft_tcp.h"

#define SNAPSHOT_MAGIC   "IMQSNAP2"
#define SNAPSHOT_SIZE    32         //  magic, applied index, last seq, node
#define SNAPSHOT1_MAGIC  "IMQSNAP1" //  Earlier: no node
#define SNAPSHOT1_SIZE   24

//  libraft keeps every entry since its last snapshot (plus the trailing
//  ones) in memory, and a snapshot costs a segment close here and a wait
//  for the applier and a store sync in the thread pool. The threshold is
//  therefore set from the entries' average size: about SNAPSHOT_BYTES of
//  log between snapshots, within SNAPSHOT_ENTRIES ..
//  node.snapshot_threshold entries, re-evaluated every SNAPSHOT_ADAPT
//  entries or quarter of SNAPSHOT_BYTES, whichever comes first.
#define SNAPSHOT_BYTES   (16u * 1024 * 1024)
#define SNAPSHOT_ADAPT   64
#define SNAPSHOT_ENTRIES 16         //  Fewest entries between snapshots

//  An entry holds at most node.batch_max commands and at most this many
//  bytes of them. Large commands (long descriptions) would otherwise
//  make entries of many MiB: libraft holds SNAPSHOT_ENTRIES of them at
//  least, a follower receives them in one message, and each is copied
//  for the applier, so memory would grow with the size of commands.
#define ENTRY_BYTES      (1024u * 1024)

//  This thread's loop sends the heartbeats and answers the leader, so
//  nothing on it may wait long. Measured under saturation
//  (docs/benchmarks.md): appliers fell seconds behind (RocksDB stopping
//  writes while a flush was late, cores shared), and a snapshot, which
//  waited on this thread for the applier and a sync, held the loop 1 to
//  20 s, and the leader lost its quorum. So the snapshot waits in
//  libuv's thread pool (libraft's snapshot_async), and the leader
//  proposes nothing while its own applier holds more than half of what
//  it may hold (counted as imb_applier counts), so that handing an
//  entry on rarely waits for room there. Every node, leader or not,
//  holds back its "entries stored" beyond the same mark (imb_raft_pace):
//  a follower's state machine that falls behind slows the commits that
//  need it rather than its Raft loop.
#define PROPOSE_BACKLOG  (SNAPSHOT_BYTES / 2)
#define STORED_BACKLOG   (SNAPSHOT_BYTES / 2)

//  The longest wait between two TCP retransmissions on a Raft
//  connection (imb_raft_tcp): the least Linux accepts. After a network
//  cut heals, a node hears the leader again within about this, or,
//  after a cut longer than the kernel keeps a silent connection, within
//  about RAFT_CONNECT_MS and libraft's connect retry delay (1 s).
#define RAFT_RTO_MAX_MS  1000
#define RAFT_CONNECT_MS  2000       //  Longest silent connect attempt

struct _imb_raft_t {
    im_config_t config;             //  Copy of the node's configuration
    imc_store_t *store;             //  The database, owned
    imc_fsm_t *fsm;                 //  The state machine, owned
    uv_thread_t thread;             //  The Raft thread
    bool thread_started;            //  thread is joinable
    bool raft_started;              //  raft_init succeeded: close it
    uv_loop_t loop;                 //  Raft thread's loop
    uv_async_t wake;                //  Main -> Raft: queue or stop
    uv_timer_t tick;                //  Refreshes the shared status
    struct raft_uv_transport transport;  //  libraft TCP transport
    imb_raft_tcp_t *tcp;            //  Bounds its retransmissions, owned
    struct raft_io io;              //  libraft disk + network I/O
    struct raft raft;               //  The Raft instance
    struct raft_fsm raft_fsm;       //  Our callbacks for libraft
    uv_mutex_t lock;                //  Guards queue, status, stopping
    imb_raft_queue_t *queue;        //  Commands from main, under lock
    zlist_t *controls;              //  imb_raft_ctl_t *, under lock
    imb_raft_queue_t *draining;     //  Swapped out of queue, Raft thread
    bool unflushed;                 //  Submitted since the last wake-up,
                                    //  main thread only
    size_t draining_at;             //  Next command of draining to propose
    bool stopping;                  //  Main asked the thread to stop
    imb_raft_status_t status;       //  Shared status, under lock
    size_t inflight;                //  Entries proposed, not applied
    bool log_failed;                //  libraft turned unavailable while
                                    //  running: its log failed to write
    bool drain_due;                 //  An entry's outcome came: propose
                                    //  what waits once libraft returns
    uv_sem_t started;               //  Posted when start finished
    int start_rc;                   //  0 if Raft started
    char start_error [1024];        //  Why not
    zsock_t *results_main;          //  PAIR, main thread end
    imb_applier_t *applier;         //  State-machine thread, owned
    imb_raft_pace_t *pace;          //  Paces libraft's appends, owned
    imb_log_guard_t *guard;         //  Watches libraft's log, owned
    uint64_t held_said;             //  Holds logged so far
    uint64_t held_said_ms;          //  When (uv time)
    uv_check_t check;               //  Hands a staged entry on and
                                    //  proposes, per loop
    bool install;                   //  A snapshot needs a checkpoint
    uint64_t staged_index;          //  Entry applied, not yet handed on
    void *staged_data;              //  Its bytes (a copy), owned
    size_t staged_size;             //  How many
    uint64_t entry_bytes;           //  Bytes of entries applied ...
    uint64_t entry_count;           //  ... over this many, since the
                                    //  snapshot threshold was last set
    uint64_t pushed_index;          //  Last entry handed to the applier
    uint64_t tick_ms;               //  When the tick last ran (uv time)
    uint64_t push_ms;               //  Time spent handing entries on
                                    //  since the last tick
    int last_state;                 //  Raft state at the last tick
};

//  Hands the staged entry (if any) to the applier with the tokens of
//  its commands (Raft thread)
void
    imb_raft_hand_on (imb_raft_t *self, const uint64_t *tokens, size_t count);

//  Hands a staged entry on at the end of a loop iteration
void
    imb_raft_check (uv_check_t *check);

//  Fills self->raft_fsm with the state machine callbacks
void
    imb_raft_fsm_init (imb_raft_t *self);

//  Starts libraft on this thread's loop; returns 0 or a RAFT_* code
//  with self->start_error set
int
    imb_raft_start (imb_raft_t *self);

#endif
