/*  imb_raft - the Raft thread: libraft, its libuv loop, the store and the
    state machine

    Three libraft facts shape this file and imb_raft_fsm.c (see design
    notes):
    - entry buffers must be a multiple of 8 bytes (im_entry_encode pads);
    - the state machine is not told the entry index: inside apply it is
      raft_last_applied () + 1, and after a restart libraft replays
      entries the store already has, which imc_fsm skips by index;
    - a buffer given to raft_apply is raft's on success and still ours
      when raft_apply fails at once.
    The snapshot is a manifest (the applied index and the node that took
    it) taken after the store was made durable: the log entries it lets
    libraft delete are already in RocksDB. A node asked to restore a
    snapshot beyond its own data (new, wiped, or too far behind) records
    that it needs a checkpoint of another node's store and stops;
    imb_install fetches it before the store is opened again.
*/
#include "imb_raft_private.h"

#define APPEND_STUCK_MS 20000       //  A log write waiting longer failed

//  One proposal: an entry in flight and the tokens of its commands
typedef struct {
    struct raft_apply request;      //  libraft's request, must be first
    imb_raft_t *self;               //  Back pointer
    size_t count;                   //  Commands in the entry
    uint64_t tokens [];             //  Their tokens, in entry order
} s_proposal_t;

//  --------------------------------------------------------------------
//  Proposals

//  libraft's words for a status; 0.15 has none for RAFT_NOSPACE
static const char *
s_raft_error (int status)
{
    return status == RAFT_NOSPACE ? "no space left on the disk"
                                  : raft_strerror (status);
}

static void
s_applied (struct raft_apply *request, int status, void *result)
{
    (void) result;
    s_proposal_t *proposal = (s_proposal_t *) request;
    imb_raft_t *self = proposal->self;
    if (status == 0 && self->staged_index)
        imb_raft_hand_on (self, proposal->tokens, proposal->count);
    else
    if (status == RAFT_NOTLEADER || status == RAFT_LEADERSHIPLOST) {
        imb_raft_hand_on (self, NULL, 0);
        imb_applier_fail (self->applier, proposal->tokens, proposal->count,
                          IM_PROTO_NOT_LEADER, raft_strerror (status));
    }
    else {
        //  The entry went to the followers as this node wrote it (the
        //  write failed: a full disk), or it was committed and not handed
        //  on here: it may be, or is, in the log, so the outcome is not
        //  known and the client asks again with the same request id
        char text [128];
        snprintf (text, sizeof text, "outcome unknown (%s); retry with the "
                  "same request id", status ? s_raft_error (status)
                                            : "committed, not applied here");
        imb_raft_hand_on (self, NULL, 0);
        imb_applier_fail (self->applier, proposal->tokens, proposal->count,
                          IM_PROTO_OUTCOME_UNKNOWN, text);
    }
    free (proposal);
    self->inflight--;
    //  Never proposed from here: when a leader steps down, libraft fails
    //  the entries in flight (RAFT_LEADERSHIPLOST) after it freed its
    //  per-follower progress and before its state says follower, so a
    //  raft_apply made now passes its leader check and then reads that
    //  progress through a NULL pointer. What waits is proposed at the
    //  end of this loop iteration (s_check), outside libraft.
    self->drain_due = true;
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
                          rc == RAFT_NOTLEADER ? IM_PROTO_NOT_LEADER
                                               : IM_PROTO_UNAVAILABLE,
                          rc == RAFT_NOTLEADER ? "not the leader"
                                               : s_raft_error (rc));
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
    status->log_failed = self->log_failed;
    status->install = self->install;
    imb_log_guard_state_t guard = { false, 0, 0, 0 };
    if (self->guard)
        imb_log_guard_state (self->guard, &guard);
    status->log_repair_to = guard.repairing ? guard.lost_to : 0;
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
    uint64_t longest_ms = 0;
    uint64_t held = imb_raft_pace_held (self->pace, &longest_ms);
    if (held > self->held_said && now - self->held_said_ms >= 10000) {
        zsys_info ("imb_raft: the state machine was behind: %" PRIu64
                   " stored appends held back so far, the longest %"
                   PRIu64 " ms; it holds %zu KiB now, applied index %"
                   PRIu64 ", commit %" PRIu64, held, longest_ms,
                   imb_applier_backlog (self->applier) / 1024,
                   imb_applier_applied (self->applier),
                   (uint64_t) self->raft.commit_index);
        self->held_said = held;
        self->held_said_ms = now;
    }
    s_drain (self);
    int state = raft_state (&self->raft);
    //  A write of the log that failed leaves libraft unable to go on:
    //  a follower turns unavailable, and a leader keeps leading without
    //  storing anything more (libraft 0.15), so the cluster waits on it.
    //  The node stops (fail-stop) and a restart reloads the log from the
    //  disk; a log that lost entries is repaired (imb_log_guard).
    uv_mutex_lock (&self->lock);
    bool stopping = self->stopping;
    uv_mutex_unlock (&self->lock);
    //  A write libraft started and never finished (0.15 leaves the
    //  appends of a write whose submission failed waiting for ever) is
    //  as good as failed once it waited far longer than any disk takes
    uint64_t failed = imb_raft_pace_failed (self->pace);
    uint64_t stuck_ms = imb_raft_pace_stuck_ms (self->pace);
    if ((state == RAFT_UNAVAILABLE || failed || stuck_ms > APPEND_STUCK_MS)
    &&  !stopping && !self->log_failed) {
        zsys_error ("imb_raft: the Raft log could not be written (%" PRIu64
                    " appends failed, the oldest waiting for %" PRIu64
                    " ms; libraft %s in term %" PRIu64 ")", failed, stuck_ms,
                    imb_raft_state_name (state),
                    (uint64_t) self->raft.current_term);
        self->log_failed = true;
    }
    s_status_refresh (self);
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
    imb_raft_tcp_destroy (&self->tcp);
    imb_raft_pace_destroy (&self->pace);
    imb_log_guard_destroy (&self->guard);
    uv_close ((uv_handle_t *) &self->wake, NULL);
    uv_close ((uv_handle_t *) &self->tick, NULL);
    uv_close ((uv_handle_t *) &self->check, NULL);
}

//  A control request finished: its outcome goes back like a result,
//  after every entry applied before it. The status is refreshed first:
//  a change may have moved leadership, and the main thread names the
//  leader from the status when it reads the outcome.
static void
s_control_done (void *arg, uint64_t token, int status, const char *text)
{
    imb_raft_t *self = (imb_raft_t *) arg;
    s_status_refresh (self);
    imb_raft_hand_on (self, NULL, 0);
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

//  At the end of each loop iteration: the entry staged there is handed
//  on, and what s_applied left to propose is proposed, libraft being
//  between calls
static void
s_check (uv_check_t *check)
{
    imb_raft_t *self = (imb_raft_t *) check->data;
    imb_raft_check (check);
    if (self->drain_due) {
        self->drain_due = false;
        s_drain (self);
        s_status_refresh (self);
    }
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
            imb_raft_pace_release (self->pace);
            raft_close (&self->raft, s_closed);
        }
        return;
    }
    s_controls (self);
    s_drain (self);
}

static void
s_thread (void *arg)
{
    imb_raft_t *self = (imb_raft_t *) arg;
    im_thread_name ("imq-raft");
    self->start_rc = imb_raft_start (self);
    if (self->start_rc) {
        if (self->raft_started) {
            imb_raft_pace_release (self->pace);
            raft_close (&self->raft, s_closed);
        }
        else {
            //  libraft's I/O was not handed to a raft instance: what it
            //  holds is left to the process exit that follows
            imb_raft_pace_destroy (&self->pace);
            imb_log_guard_destroy (&self->guard);
            imb_raft_tcp_destroy (&self->tcp);
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
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.block_cache_mb = config->block_cache_mb;
    options.write_buffer_mb = config->write_buffer_mb;
    self->store = imc_store_new (store_dir, &options, errbuf, errlen);
    if (self->store)
        self->fsm = imc_fsm_new (self->store);
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
        char damage [600];
        if (self->store && !self->fsm
        &&  imc_store_damaged (self->store, damage, sizeof damage))
            snprintf (errbuf, errlen, "cannot read the store's counters: "
                      "%s", damage);
        else
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
            imb_raft_hand_on (self, NULL, 0);
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
        imc_fsm_destroy (&self->fsm);
        imc_store_destroy (&self->store);
        uv_sem_destroy (&self->started);
        uv_mutex_destroy (&self->lock);
        free (self);
        *self_p = NULL;
    }
}

imc_store_t *
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
    //  The commit index is the Raft thread's, refreshed at the end of a
    //  loop iteration and by the tick; an entry applied is committed
    if (status->commit_index < status->applied_index)
        status->commit_index = status->applied_index;
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
