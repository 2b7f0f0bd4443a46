/*  imb_raft - the Raft thread: libraft, its libuv loop, the store and the
    state machine

    Three libraft facts shape this file (see design notes):
    - entry buffers must be a multiple of 8 bytes (im_entry_encode pads);
    - the state machine is not told the entry index: inside apply it is
      raft_last_applied () + 1, and after a restart libraft replays
      entries the store already has, which imb_fsm skips by index;
    - a buffer given to raft_apply is raft's on success and still ours
      when raft_apply fails at once.
    The snapshot is a manifest (the applied index and the node that took
    it) taken after the store was made durable: the log entries it lets
    libraft delete are already in RocksDB. A node asked to restore a
    snapshot beyond its own data (new, wiped, or too far behind) records
    that it needs a checkpoint of another node's store and stops;
    imb_install fetches it before the store is opened again.
*/
#include "imb_classes.h"
#include "imb_raft_queue.h"

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
//  entry on rarely waits for room there.
#define PROPOSE_BACKLOG  (SNAPSHOT_BYTES / 2)

struct _imb_raft_t {
    im_config_t config;             //  Copy of the node's configuration
    im_store_t *store;              //  The database, owned
    imb_fsm_t *fsm;                 //  The state machine, owned
    uv_thread_t thread;             //  The Raft thread
    bool thread_started;            //  thread is joinable
    bool raft_started;              //  raft_init succeeded: close it
    uv_loop_t loop;                 //  Raft thread's loop
    uv_async_t wake;                //  Main -> Raft: queue or stop
    uv_timer_t tick;                //  Refreshes the shared status
    struct raft_uv_transport transport;  //  libraft TCP transport
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
    uv_sem_t started;               //  Posted when start finished
    int start_rc;                   //  0 if Raft started
    char start_error [1024];        //  Why not
    zsock_t *results_main;          //  PAIR, main thread end
    imb_applier_t *applier;         //  State-machine thread, owned
    uv_check_t check;               //  Hands a staged entry on, per loop
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

//  One proposal: an entry in flight and the tokens of its commands
typedef struct {
    struct raft_apply request;      //  libraft's request, must be first
    imb_raft_t *self;               //  Back pointer
    size_t count;                   //  Commands in the entry
    uint64_t tokens [];             //  Their tokens, in entry order
} s_proposal_t;

static void s_drain (imb_raft_t *self);
static void s_status_refresh (imb_raft_t *self);

//  --------------------------------------------------------------------
//  Handing entries to the applier. libraft calls apply and then, for an
//  entry this node proposed, the proposal's callback, one after the
//  other: the entry waits here ("staged") for that callback to attach
//  the tokens of its commands, and is handed on without tokens by the
//  next apply or at the end of the loop iteration when no callback came.

static void
s_hand_on (imb_raft_t *self, const uint64_t *tokens, size_t count)
{
    if (!self->staged_index)
        return;
    uint64_t start = im_mono_ms ();
    imb_applier_push (self->applier, self->staged_index, self->staged_data,
                      self->staged_size, tokens, count);
    self->pushed_index = self->staged_index;
    free (self->staged_data);
    self->staged_data = NULL;
    self->staged_index = 0;
    self->push_ms += im_mono_ms () - start;
}

static void
s_check (uv_check_t *check)
{
    s_hand_on ((imb_raft_t *) check->data, NULL, 0);
}

//  --------------------------------------------------------------------
//  libraft state machine callbacks

static void
s_adapt_snapshots (imb_raft_t *self, size_t entry_size)
{
    self->entry_bytes += entry_size;
    if (++self->entry_count < SNAPSHOT_ADAPT
    &&  self->entry_bytes < SNAPSHOT_BYTES / 4)
        return;
    uint64_t average = self->entry_bytes / self->entry_count;
    uint64_t threshold = SNAPSHOT_BYTES / (average ? average : 1);
    if (threshold > self->config.snapshot_threshold)
        threshold = self->config.snapshot_threshold;
    if (threshold < SNAPSHOT_ENTRIES)
        threshold = SNAPSHOT_ENTRIES;
    uint64_t trailing = threshold / 8;
    if (trailing > self->config.snapshot_trailing)
        trailing = self->config.snapshot_trailing;
    raft_set_snapshot_threshold (&self->raft, (unsigned) threshold);
    raft_set_snapshot_trailing (&self->raft, (unsigned) (trailing ? trailing
                                                                   : 1));
    self->entry_bytes = 0;
    self->entry_count = 0;
}

static int
s_fsm_apply (struct raft_fsm *fsm, const struct raft_buffer *buf,
             void **result)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    *result = NULL;
    if (self->install || imb_applier_broken (self->applier))
        return RAFT_IOERR;          //  The node is stopping
    s_hand_on (self, NULL, 0);
    self->staged_data = malloc (buf->len ? buf->len : 1);
    if (!self->staged_data)
        return RAFT_NOMEM;
    memcpy (self->staged_data, buf->base, buf->len);
    self->staged_size = buf->len;
    self->staged_index = raft_last_applied (&self->raft) + 1;
    s_adapt_snapshots (self, buf->len);
    return 0;
}

//  Snapshots (libraft's fsm version 3). On this thread: the manifest is
//  made, naming the last entry handed to the applier. In libuv's thread
//  pool: the wait for the applier to have written that entry and the
//  store sync, since the log entries before the snapshot may be deleted
//  once it is taken; this thread goes on meanwhile, applying too. Then,
//  on this thread again, the manifest is freed.
static int
s_fsm_snapshot (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                unsigned *n_bufs)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    s_hand_on (self, NULL, 0);
    *bufs = (struct raft_buffer *) raft_malloc (sizeof (struct raft_buffer));
    if (!*bufs)
        return RAFT_NOMEM;
    unsigned char *data = (unsigned char *) raft_malloc (SNAPSHOT_SIZE);
    if (!data) {
        raft_free (*bufs);
        *bufs = NULL;
        return RAFT_NOMEM;
    }
    memcpy (data, SNAPSHOT_MAGIC, 8);
    uint64_t index = self->pushed_index;
    if (index < imb_applier_applied (self->applier))
        index = imb_applier_applied (self->applier);
    im_put_u64 (data + 8, index);
    im_put_u64 (data + 16, 0);      //  Last seq: once applied
    im_put_u64 (data + 24, self->config.node_id);
    (*bufs) [0].base = data;
    (*bufs) [0].len = SNAPSHOT_SIZE;
    *n_bufs = 1;
    return 0;
}

static int
s_fsm_snapshot_async (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                      unsigned *n_bufs)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    if (*n_bufs != 1)
        return RAFT_INVALID;
    unsigned char *data = (unsigned char *) (*bufs) [0].base;
    uint64_t start = im_mono_ms ();
    uint64_t last_seq = 0;
    if (imb_applier_wait_index (self->applier, im_get_u64 (data + 8),
                                &last_seq))
        return RAFT_IOERR;
    uint64_t applied = im_mono_ms ();
    //  RocksDB's WAL sync may be called from any thread while the
    //  applier writes
    int rc = im_store_sync (self->store);
    uint64_t synced = im_mono_ms ();
    if (synced - start > 1000)
        zsys_info ("imb_raft: snapshot took %" PRIu64 " ms: %" PRIu64
                   " ms for the applier to reach it, %" PRIu64 " ms to "
                   "sync the store", synced - start, applied - start,
                   synced - applied);
    if (rc) {
        zsys_error ("imb_raft: snapshot: cannot sync store");
        return RAFT_IOERR;
    }
    im_put_u64 (data + 16, last_seq);
    return 0;
}

static int
s_fsm_snapshot_finalize (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                         unsigned *n_bufs)
{
    (void) fsm;
    for (unsigned index = 0; *bufs && index < *n_bufs; index++)
        raft_free ((*bufs) [index].base);
    raft_free (*bufs);
    *bufs = NULL;
    *n_bufs = 0;
    return 0;
}

static int
s_fsm_restore (struct raft_fsm *fsm, struct raft_buffer *buf)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    s_hand_on (self, NULL, 0);
    int rc = imb_applier_wait (self->applier) ? RAFT_IOERR : 0;
    if (rc)
        ;
    else
    if ((buf->len != SNAPSHOT_SIZE
         || memcmp (buf->base, SNAPSHOT_MAGIC, 8))
    &&  (buf->len != SNAPSHOT1_SIZE
         || memcmp (buf->base, SNAPSHOT1_MAGIC, 8))) {
        zsys_error ("imb_raft: snapshot is not an imq manifest");
        rc = RAFT_CORRUPT;
    }
    else {
        uint64_t index = im_get_u64 ((char *) buf->base + 8);
        uint64_t source = buf->len == SNAPSHOT_SIZE
                        ? im_get_u64 ((char *) buf->base + 24) : 0;
        if (index > imb_fsm_applied_index (self->fsm)) {
            //  The store lacks what the log no longer has: fetch it
            //  from another node before serving anything
            zsys_warning ("imb_raft: snapshot at index %" PRIu64 " (node %"
                          PRIu64 ") is beyond this node's data (applied %"
                          PRIu64 "): the store will be replaced by a "
                          "checkpoint", index, source,
                          imb_fsm_applied_index (self->fsm));
            if (imb_install_want (self->config.data_dir, index, source))
                zsys_error ("imb_raft: cannot record the install in %s",
                            self->config.data_dir);
            //  Taken, not refused: libraft leaks on its refusal path.
            //  Nothing is applied from now on (s_fsm_apply), and the
            //  server stops at its next tick to install the checkpoint.
            self->install = true;
        }
    }
    if (rc == 0)
        raft_free (buf->base);      //  Ours on success only
    return rc;
}

//  --------------------------------------------------------------------
//  Proposals

static void
s_applied (struct raft_apply *request, int status, void *result)
{
    (void) result;
    s_proposal_t *proposal = (s_proposal_t *) request;
    imb_raft_t *self = proposal->self;
    if (status == 0 && self->staged_index)
        s_hand_on (self, proposal->tokens, proposal->count);
    else {
        s_hand_on (self, NULL, 0);
        imb_applier_fail (self->applier, proposal->tokens, proposal->count,
                          status == RAFT_NOTLEADER
                              || status == RAFT_LEADERSHIPLOST ? 421 : 503,
                          status ? raft_strerror (status) : "not applied");
    }
    free (proposal);
    self->inflight--;
    s_drain (self);
    s_status_refresh (self);
}

//  Proposes commands [from, from + count) of the draining queue
static void
s_propose (imb_raft_t *self, size_t from, size_t count)
{
    imb_raft_queue_t *queue = self->draining;
    s_proposal_t *proposal = (s_proposal_t *) malloc (
        sizeof (s_proposal_t) + count * sizeof (uint64_t));
    assert (proposal);
    proposal->self = self;
    proposal->count = count;
    for (size_t index = 0; index < count; index++)
        proposal->tokens [index] = imb_raft_queue_token (queue, from + index);

    struct raft_buffer buffer;
    size_t packed_size;
    const void *packed = imb_raft_queue_range (queue, from, count,
                                               &packed_size);
    int rc = im_entry_encode_packed (packed, packed_size, count, raft_malloc,
                                     &buffer.base, &buffer.len);
    if (rc == 0)
        rc = raft_apply (&self->raft, &proposal->request, &buffer, 1,
                         s_applied);
    else
        buffer.base = NULL;
    if (rc) {
        raft_free (buffer.base);    //  Still ours after a failed apply
        imb_applier_fail (self->applier, proposal->tokens, count,
                          rc == RAFT_NOTLEADER ? 421 : 503,
                          rc == RAFT_NOTLEADER ? "not the leader"
                                               : raft_strerror (rc));
        free (proposal);
        return;
    }
    self->inflight++;
}

//  Proposes what is waiting, one entry per batch_max commands (or per
//  ENTRY_BYTES), while fewer than inflight_entries_max entries are in
//  flight and the applier is not too far behind
static void
s_drain (imb_raft_t *self)
{
    //  The tick calls again while the applier is behind
    while (self->inflight < self->config.inflight_entries_max
    &&     imb_applier_backlog (self->applier) <= PROPOSE_BACKLOG) {
        if (self->draining_at == imb_raft_queue_size (self->draining)) {
            imb_raft_queue_reset (self->draining);
            self->draining_at = 0;
            uv_mutex_lock (&self->lock);
            imb_raft_queue_t *full = self->queue;
            self->queue = self->draining;
            self->draining = full;
            uv_mutex_unlock (&self->lock);
            if (imb_raft_queue_size (self->draining) == 0)
                return;
        }
        size_t left = imb_raft_queue_size (self->draining) - self->draining_at;
        size_t count = imb_raft_queue_fit (
            self->draining, self->draining_at,
            left < self->config.batch_max ? left : self->config.batch_max,
            ENTRY_BYTES);
        s_propose (self, self->draining_at, count);
        self->draining_at += count;
    }
}

//  --------------------------------------------------------------------
//  Status shared with the main thread

static void
s_status_refresh (imb_raft_t *self)
{
    raft_id leader_id = 0;
    const char *leader_address = NULL;
    raft_leader (&self->raft, &leader_id, &leader_address);
    uv_mutex_lock (&self->lock);
    imb_raft_status_t *status = &self->status;
    status->state = raft_state (&self->raft);
    status->term = self->raft.current_term;
    status->leader_id = leader_id;
    //  A follower keeps naming a dead leader until its election timer
    //  fires: one not heard from for two heartbeats is not named
    status->leader_silent = status->state == RAFT_FOLLOWER
        && self->raft.io->time (self->raft.io)
           - self->raft.election_timer_start
           > 2 * (raft_time) self->raft.heartbeat_timeout;
    snprintf (status->leader_address, sizeof status->leader_address, "%s",
              leader_address ? leader_address : "");
    status->commit_index = self->raft.commit_index;
    status->applied_index = imb_applier_applied (self->applier);
    status->last_seq = imb_applier_last_seq (self->applier);
    status->failed = imb_applier_broken (self->applier);
    status->install = self->install;
    status->queue = imb_raft_queue_size (self->queue)
                  + imb_raft_queue_size (self->draining) - self->draining_at;
    uv_mutex_unlock (&self->lock);
}

//  Runs every 50 ms. A tick much later than that means the loop did not
//  run: heartbeats and replies to the leader were late too. What held
//  it is said, with the role changes, so a leader change can be traced.
static void
s_tick (uv_timer_t *timer)
{
    imb_raft_t *self = (imb_raft_t *) timer->data;
    uint64_t now = uv_now (&self->loop);
    if (self->tick_ms && now - self->tick_ms > 250)
        zsys_warning ("imb_raft: loop stalled %" PRIu64 " ms (%" PRIu64
                      " ms of it handing entries to the applier)",
                      now - self->tick_ms, self->push_ms);
    self->tick_ms = now;
    self->push_ms = 0;
    s_drain (self);
    s_status_refresh (self);
    int state = raft_state (&self->raft);
    if (state != self->last_state)
        zsys_info ("imb_raft: %s in term %" PRIu64,
                   imb_raft_state_name (state),
                   (uint64_t) self->raft.current_term);
    self->last_state = state;
}

//  --------------------------------------------------------------------
//  The thread

static void
s_closed (struct raft *raft)
{
    imb_raft_t *self = (imb_raft_t *) raft->data;
    raft_uv_close (&self->io);
    raft_uv_tcp_close (&self->transport);
    uv_close ((uv_handle_t *) &self->wake, NULL);
    uv_close ((uv_handle_t *) &self->tick, NULL);
    uv_close ((uv_handle_t *) &self->check, NULL);
}

//  A control request finished: its outcome goes back like a result,
//  after every entry applied before it
static void
s_control_done (void *arg, uint64_t token, int status, const char *text)
{
    imb_raft_t *self = (imb_raft_t *) arg;
    s_hand_on (self, NULL, 0);
    imb_applier_fail (self->applier, &token, 1, status, text);
}

//  Starts the control requests the main thread queued
static void
s_controls (imb_raft_t *self)
{
    uv_mutex_lock (&self->lock);
    zlist_t *controls = self->controls;
    self->controls = zlist_new ();
    uv_mutex_unlock (&self->lock);
    imb_raft_ctl_t *control;
    while ((control = (imb_raft_ctl_t *) zlist_pop (controls)))
        imb_raft_ctl_start (&control, &self->raft, s_control_done, self);
    zlist_destroy (&controls);
}

static void
s_wake (uv_async_t *async)
{
    imb_raft_t *self = (imb_raft_t *) async->data;
    uv_mutex_lock (&self->lock);
    bool stopping = self->stopping;
    uv_mutex_unlock (&self->lock);
    if (stopping) {
        if (!uv_is_closing ((uv_handle_t *) &self->tick)) {
            uv_timer_stop (&self->tick);
            raft_close (&self->raft, s_closed);
        }
        return;
    }
    s_controls (self);
    s_drain (self);
}

//  Starts libraft on this thread's loop; returns 0 or a RAFT_* code with
//  self->start_error set
static int
s_start (imb_raft_t *self)
{
    const im_config_t *config = &self->config;
    char raft_dir [IM_CONFIG_PATH_MAX + 8];
    snprintf (raft_dir, sizeof raft_dir, "%s/raft", config->data_dir);
    if (zsys_dir_create ("%s", raft_dir)) {
        snprintf (self->start_error, sizeof self->start_error,
                  "cannot create %s: %s", raft_dir, strerror (errno));
        return RAFT_IOERR;
    }
    int rc = raft_uv_tcp_init (&self->transport, &self->loop);
    if (rc == 0)
        rc = raft_uv_tcp_set_bind_address (&self->transport,
                                           config->raft_address);
    if (rc == 0)
        rc = raft_uv_init (&self->io, &self->loop, raft_dir, &self->transport);
    //  libraft 0.15's raft_uv_init provides async_work (the snapshots'
    //  thread pool work) but still says version 1, which raft_init
    //  refuses with snapshot_async; upstream set it to 2 later
    if (rc == 0 && self->io.version < 2 && self->io.async_work)
        self->io.version = 2;
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft I/O in %s: %s", raft_dir,
                  *self->io.errmsg ? self->io.errmsg : raft_strerror (rc));
        return rc;
    }
    self->raft_fsm.version = 3;
    self->raft_fsm.data = self;
    self->raft_fsm.apply = s_fsm_apply;
    self->raft_fsm.snapshot = s_fsm_snapshot;
    self->raft_fsm.restore = s_fsm_restore;
    self->raft_fsm.snapshot_finalize = s_fsm_snapshot_finalize;
    self->raft_fsm.snapshot_async = s_fsm_snapshot_async;
    rc = raft_init (&self->raft, &self->io, &self->raft_fsm, config->node_id,
                    config->raft_address);
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_init: %s", raft_errmsg (&self->raft));
        return rc;
    }
    self->raft.data = self;
    self->raft_started = true;
    //  Every node of a new cluster bootstraps the same configuration:
    //  the members listed, all voters (or this node alone)
    struct raft_configuration configuration;
    raft_configuration_init (&configuration);
    //  A node that joins a running cluster bootstraps nothing: the
    //  leader sends it the configuration when it is added
    if (config->members_n == 0 && !config->join)
        rc = raft_configuration_add (&configuration, config->node_id,
                                     config->raft_address, RAFT_VOTER);
    for (size_t index = 0; index < config->members_n && rc == 0
                           && !config->join; index++)
        rc = raft_configuration_add (&configuration,
                                     config->members [index].id,
                                     config->members [index].raft,
                                     RAFT_VOTER);
    if (rc == 0 && !config->join) {
        rc = raft_bootstrap (&self->raft, &configuration);
        if (rc == RAFT_CANTBOOTSTRAP)
            rc = 0;                 //  Bootstrapped on an earlier start
    }
    raft_configuration_close (&configuration);
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_bootstrap: %s", raft_errmsg (&self->raft));
        return rc;
    }
    raft_set_pre_vote (&self->raft, true);
    raft_set_election_timeout (&self->raft, config->election_timeout_ms);
    raft_set_heartbeat_timeout (&self->raft, config->heartbeat_ms);
    raft_set_snapshot_threshold (&self->raft, config->snapshot_threshold);
    raft_set_snapshot_trailing (&self->raft, config->snapshot_trailing);
    rc = raft_start (&self->raft);
    if (rc) {
        //  libraft says RAFT_IOERR with no detail when the port is taken
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_start: %s %s(is the raft address %s already in "
                  "use?)", raft_strerror (rc), raft_errmsg (&self->raft),
                  config->raft_address);
        return rc;
    }
    return 0;
}

static void
s_thread (void *arg)
{
    imb_raft_t *self = (imb_raft_t *) arg;
    self->start_rc = s_start (self);
    if (self->start_rc) {
        if (self->raft_started)
            raft_close (&self->raft, s_closed);
        else {
            //  libraft's I/O was not handed to a raft instance: what it
            //  holds is left to the process exit that follows
            uv_close ((uv_handle_t *) &self->wake, NULL);
            uv_close ((uv_handle_t *) &self->tick, NULL);
            uv_close ((uv_handle_t *) &self->check, NULL);
        }
        uv_run (&self->loop, UV_RUN_DEFAULT);
        uv_sem_post (&self->started);
        return;
    }
    s_status_refresh (self);
    uv_timer_start (&self->tick, s_tick, 50, 50);
    uv_check_start (&self->check, s_check);
    uv_sem_post (&self->started);
    uv_run (&self->loop, UV_RUN_DEFAULT);
}

//  --------------------------------------------------------------------
//  Main thread side

imb_raft_t *
imb_raft_new (const im_config_t *config, char *errbuf, size_t errlen)
{
    assert (config);
    imb_raft_t *self = (imb_raft_t *) calloc (1, sizeof (imb_raft_t));
    if (!self)
        return NULL;
    self->config = *config;
    uv_mutex_init (&self->lock);
    uv_sem_init (&self->started, 0);
    if (zsys_dir_create ("%s", config->data_dir)) {
        snprintf (errbuf, errlen, "cannot create data directory %s: %s",
                  config->data_dir, strerror (errno));
        imb_raft_destroy (&self);
        return NULL;
    }
    char store_dir [IM_CONFIG_PATH_MAX + 8];
    snprintf (store_dir, sizeof store_dir, "%s/store", config->data_dir);
    im_store_options_t options;
    im_store_options_default (&options);
    options.block_cache_mb = config->block_cache_mb;
    options.write_buffer_mb = config->write_buffer_mb;
    self->store = im_store_new (store_dir, &options, errbuf, errlen);
    if (self->store)
        self->fsm = imb_fsm_new (self->store);
    self->queue = imb_raft_queue_new (config->queue_max);
    self->draining = imb_raft_queue_new (config->queue_max);
    self->controls = zlist_new ();
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "@inproc://imb-raft-%p", (void *) self);
    self->results_main = zsock_new_pair (endpoint);
    endpoint [0] = '>';
    //  Entries wait for the applier up to about one snapshot's worth
    if (self->results_main && self->fsm)
        self->applier = imb_applier_new (self->fsm, endpoint, SNAPSHOT_BYTES);
    if (!self->store || !self->fsm || !self->queue || !self->draining
    ||  !self->controls || !self->results_main || !self->applier) {
        if (self->store && !self->fsm)
            snprintf (errbuf, errlen, "cannot read the store's counters");
        imb_raft_destroy (&self);
        return NULL;
    }
    uv_loop_init (&self->loop);
    uv_async_init (&self->loop, &self->wake, s_wake);
    self->wake.data = self;
    uv_timer_init (&self->loop, &self->tick);
    self->tick.data = self;
    uv_check_init (&self->loop, &self->check);
    self->check.data = self;
    if (uv_thread_create (&self->thread, s_thread, self)) {
        snprintf (errbuf, errlen, "cannot start the raft thread");
        imb_raft_destroy (&self);
        return NULL;
    }
    self->thread_started = true;
    uv_sem_wait (&self->started);
    if (self->start_rc) {
        snprintf (errbuf, errlen, "%s", self->start_error);
        imb_raft_destroy (&self);
    }
    return self;
}

void
imb_raft_destroy (imb_raft_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_raft_t *self = *self_p;
        if (self->thread_started) {
            uv_mutex_lock (&self->lock);
            self->stopping = true;
            uv_mutex_unlock (&self->lock);
            if (self->start_rc == 0)
                uv_async_send (&self->wake);
            uv_thread_join (&self->thread);
            uv_loop_close (&self->loop);
        }
        //  The Raft thread is gone: what it staged is handed on here,
        //  and the applier finishes the queue before the store closes
        if (self->applier)
            s_hand_on (self, NULL, 0);
        imb_applier_destroy (&self->applier);
        free (self->staged_data);
        zsock_destroy (&self->results_main);
        imb_raft_queue_destroy (&self->draining);
        imb_raft_queue_destroy (&self->queue);
        imb_raft_ctl_t *control;
        while (self->controls
           &&  (control = (imb_raft_ctl_t *) zlist_pop (self->controls)))
            imb_raft_ctl_destroy (&control);
        zlist_destroy (&self->controls);
        imb_fsm_destroy (&self->fsm);
        im_store_destroy (&self->store);
        uv_sem_destroy (&self->started);
        uv_mutex_destroy (&self->lock);
        free (self);
        *self_p = NULL;
    }
}

im_store_t *
imb_raft_store (imb_raft_t *self)
{
    return self->store;
}

zsock_t *
imb_raft_results (imb_raft_t *self)
{
    return self->results_main;
}

int
imb_raft_submit (imb_raft_t *self, uint64_t token, const void *command,
                 size_t size)
{
    uv_mutex_lock (&self->lock);
    int rc = imb_raft_queue_push (self->queue, token, command, size);
    uv_mutex_unlock (&self->lock);
    if (rc == 0)
        self->unflushed = true;
    return rc;
}

int
imb_raft_control (imb_raft_t *self, uint64_t token, int kind,
                  uint64_t node_id, const char *address)
{
    imb_raft_ctl_t *control = imb_raft_ctl_new ((imb_raft_ctl_kind_t) kind,
                                                token, node_id, address);
    if (!control)
        return IM_ENOMEM;
    uv_mutex_lock (&self->lock);
    int rc = zlist_append (self->controls, control);
    uv_mutex_unlock (&self->lock);
    if (rc) {
        imb_raft_ctl_destroy (&control);
        return IM_ENOMEM;
    }
    uv_async_send (&self->wake);
    return 0;
}

void
imb_raft_flush (imb_raft_t *self)
{
    assert (self);
    if (self->unflushed) {
        self->unflushed = false;
        uv_async_send (&self->wake);
    }
}

void
imb_raft_status (imb_raft_t *self, imb_raft_status_t *status)
{
    uv_mutex_lock (&self->lock);
    *status = self->status;
    uv_mutex_unlock (&self->lock);
    //  What the store holds, read now: a reply the main thread just sent
    //  is never ahead of the status it reports next
    status->applied_index = imb_applier_applied (self->applier);
    status->last_seq = imb_applier_last_seq (self->applier);
    status->failed = imb_applier_broken (self->applier);
}

const char *
imb_raft_state_name (int state)
{
    switch (state) {
        case RAFT_FOLLOWER:  return "follower";
        case RAFT_CANDIDATE: return "candidate";
        case RAFT_LEADER:    return "leader";
        default:             return "unavailable";
    }
}

bool
imb_raft_wait_leader (imb_raft_t *self, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    imb_raft_status_t status;
    do {
        imb_raft_status (self, &status);
        if (status.state == RAFT_LEADER)
            return true;
        zclock_sleep (10);          //  Start-up only, not a test
    } while (zclock_mono () < deadline && !zsys_interrupted);
    return false;
}
