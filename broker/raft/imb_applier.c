/*  imb_applier - the state-machine thread: applies committed entries

    The queue is a list of jobs under a mutex with two condition
    variables: one wakes the thread, one wakes whoever waits for room or
    for the queue to empty. A job is an entry to apply (with the tokens
    of the commands someone waits for) or an answer with no entry (a
    proposal libraft refused); both go out in queue order, so results
    reach the main thread in the order commands were proposed.

    The pushing thread decodes each entry into its commands before it
    queues it: decoding needs no state, and the applier thread, which
    every command of every node goes through, is the busiest.

    RocksDB counts per-operation statistics in thread-local storage by
    default; this thread turns that off, it is a measurable share of an
    apply and nothing reads it.
*/
#include "imb_classes.h"
#include "imb_applier.h"

//  What a decoded command holds in memory, at most for the usual sizes
//  (the command, its fields map with inline room): counted against the
//  queue's bound along with the entry's bytes
#define S_DECODED_COMMAND IMB_APPLIER_COMMAND_BYTES
#define S_ROOM_WAIT_MS    IMB_APPLIER_ROOM_WAIT_MS  //  See s_enqueue
#define S_UNKNOWN         "outcome unknown: the command is committed but " \
                          "this node cannot write its store (disk full or " \
                          "failing) and stops; retry with the same " \
                          "request id"

typedef struct _job_t {
    struct _job_t *next;            //  Next in the queue
    uint64_t index;                 //  Raft index, 0 for an answer only
    im_command_t **commands;        //  The entry decoded, owned
    size_t commands_n;              //  How many
    int decoded;                    //  im_entry_decode's return code
    size_t size;                    //  Bytes the job counts for
    int status;                     //  Answer only: status for every token
    char text [128];                //  Answer only: why
    size_t count;                   //  Tokens
    uint64_t tokens [];             //  Commands whose results are wanted
} job_t;

struct _imb_applier_t {
    imc_fsm_t *fsm;                 //  The state machine, borrowed
    uv_thread_t thread;             //  The applier thread
    uv_mutex_t lock;                //  Guards everything below
    uv_cond_t wake;                 //  Work or stop for the thread
    uv_cond_t done;                 //  Room, or the queue drained
    job_t *head;                    //  Oldest job
    job_t *tail;                    //  Newest job
    size_t bytes;                   //  Entry bytes queued
    size_t max_bytes;               //  Most entry bytes queued
    bool busy;                      //  The thread holds a job
    bool stopping;                  //  Destroy asked the thread to end
    bool broken;                    //  A store write failed
    uint64_t last_seq;              //  Last event seq applied
    uint64_t applied;               //  Last Raft index applied
    char endpoint [64];             //  Where results go
    zsock_t *results;               //  PAIR, owned by the thread
    zchunk_t *scratch;              //  Results being built, thread's
};

//  Sends the results of job: from the state machine when results is not
//  NULL (500 for a command it gave none, as in an entry that does not
//  decode), 504 for every token when unknown (an entry the store could
//  not take), else the job's own status and text for every token
static void
s_send (imb_applier_t *self, const job_t *job,
        const imc_fsm_result_t *results, size_t results_n, bool unknown)
{
    imb_raft_results_begin (self->scratch, imc_fsm_last_seq (self->fsm),
                            (uint32_t) job->count);
    //  An entry given to the applier is committed: when the store could
    //  not take it, whether its commands were done or refused is known
    //  once a node applies it, not now, so the client must ask again
    //  with the same request id, and gets the outcome (docs/protocol.md
    //  section 5)
    int status = unknown ? IM_PROTO_OUTCOME_UNKNOWN
               : job->index ? IM_PROTO_INTERNAL : job->status;
    im_fields_t *error = im_fields_new ();
    im_fields_set_str (error, IM_KEY_ERROR, unknown ? S_UNKNOWN
                                     : job->index ? "not applied"
                                                  : job->text);
    for (size_t index = 0; index < job->count; index++) {
        if (results && index < results_n)
            imb_raft_results_add (self->scratch, job->tokens [index],
                                  results [index].status,
                                  results [index].body);
        else
            imb_raft_results_add (self->scratch, job->tokens [index],
                                  status, error);
    }
    im_fields_destroy (&error);
    zframe_t *frame = zframe_new (zchunk_data (self->scratch),
                                  zchunk_size (self->scratch));
    if (frame)
        zframe_send (&frame, self->results, 0);
}

//  Applies one job on this thread; returns false when the store broke
static bool
s_run (imb_applier_t *self, job_t *job)
{
    if (job->index == 0) {
        s_send (self, job, NULL, 0, false);
        return true;
    }
    int rc = imc_fsm_apply_decoded (self->fsm, job->index, &job->commands,
                                    job->commands_n, job->decoded);
    if (rc == IM_EIO) {
        //  The entry is committed but not in the store: applying later
        //  entries would leave a hole, so nothing more is applied; the
        //  main thread stops the node and a restart replays the log
        s_send (self, job, NULL, 0, true);
        return false;
    }
    //  Published before the results go out: a client answered and then
    //  asking STATUS sees at least what it was answered
    uv_mutex_lock (&self->lock);
    self->last_seq = imc_fsm_last_seq (self->fsm);
    self->applied = imc_fsm_applied_index (self->fsm);
    uv_mutex_unlock (&self->lock);
    size_t results_n = 0;
    const imc_fsm_result_t *results = imc_fsm_results (self->fsm, &results_n);
    if (job->count)
        s_send (self, job, results, results_n, false);
    return true;
}

static void
s_thread (void *arg)
{
    imb_applier_t *self = (imb_applier_t *) arg;
    im_thread_name ("imq-apply");
    imc_store_thread_quiet ();
    uv_mutex_lock (&self->lock);
    while (true) {
        while (!self->head && !self->stopping)
            uv_cond_wait (&self->wake, &self->lock);
        job_t *job = self->head;
        if (!job)
            break;                  //  Stopping, and nothing left
        self->head = job->next;
        if (!self->head)
            self->tail = NULL;
        self->busy = true;
        uv_mutex_unlock (&self->lock);

        bool good = false;
        if (self->broken)
            s_send (self, job, NULL, 0, job->index != 0);
        else
            good = s_run (self, job);

        uv_mutex_lock (&self->lock);
        self->busy = false;
        self->bytes -= job->size;
        if (!good)
            self->broken = true;
        uv_cond_broadcast (&self->done);
        im_entry_free (&job->commands, job->commands_n);
        free (job);
    }
    uv_mutex_unlock (&self->lock);
    zsock_destroy (&self->results);
}

imb_applier_t *
imb_applier_new (imc_fsm_t *fsm, const char *endpoint, size_t max_bytes)
{
    assert (fsm && endpoint);
    imb_applier_t *self = (imb_applier_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->fsm = fsm;
    self->max_bytes = max_bytes;
    self->last_seq = imc_fsm_last_seq (fsm);
    self->applied = imc_fsm_applied_index (fsm);
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    uv_mutex_init (&self->lock);
    uv_cond_init (&self->wake);
    uv_cond_init (&self->done);
    //  The socket is made here and used only by the thread from now on
    self->results = zsock_new_pair (endpoint);
    self->scratch = zchunk_new (NULL, 0);
    if (!self->results || !self->scratch
    ||  uv_thread_create (&self->thread, s_thread, self)) {
        zsock_destroy (&self->results);
        zchunk_destroy (&self->scratch);
        uv_cond_destroy (&self->done);
        uv_cond_destroy (&self->wake);
        uv_mutex_destroy (&self->lock);
        free (self);
        return NULL;
    }
    return self;
}

void
imb_applier_destroy (imb_applier_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_applier_t *self = *self_p;
        uv_mutex_lock (&self->lock);
        self->stopping = true;
        uv_cond_signal (&self->wake);
        uv_mutex_unlock (&self->lock);
        uv_thread_join (&self->thread);
        zchunk_destroy (&self->scratch);
        uv_cond_destroy (&self->done);
        uv_cond_destroy (&self->wake);
        uv_mutex_destroy (&self->lock);
        free (self);
        *self_p = NULL;
    }
}

static void
s_enqueue (imb_applier_t *self, job_t *job)
{
    uv_mutex_lock (&self->lock);
    //  Back-pressure: the Raft thread waits rather than memory growing.
    //  Its loop answers the leader and sends heartbeats, so it waits
    //  S_ROOM_WAIT_MS at most while the queue is under twice its bound:
    //  a state machine behind for a moment (a RocksDB flush, a busy
    //  core) must not silence the node. Beyond that it waits for room.
    uint64_t deadline = uv_hrtime () + S_ROOM_WAIT_MS * 1000000ull;
    while (self->bytes > 0 && self->bytes + job->size > self->max_bytes
    &&     !self->broken) {
        uint64_t now = uv_hrtime ();
        if (self->bytes + job->size > 2 * self->max_bytes)
            uv_cond_wait (&self->done, &self->lock);
        else
        if (now < deadline)
            uv_cond_timedwait (&self->done, &self->lock, deadline - now);
        else
            break;
    }
    job->next = NULL;
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    self->bytes += job->size;
    uv_cond_signal (&self->wake);
    uv_mutex_unlock (&self->lock);
}

static job_t *
s_job_new (const uint64_t *tokens, size_t count)
{
    job_t *job = (job_t *) calloc (1, sizeof (job_t) + count * sizeof (uint64_t));
    assert (job);
    job->count = tokens ? count : 0;
    if (tokens && count)
        memcpy (job->tokens, tokens, count * sizeof (uint64_t));
    return job;
}

void
imb_applier_push (imb_applier_t *self, uint64_t index, const void *data,
                  size_t size, const uint64_t *tokens, size_t count)
{
    assert (self && index > 0);
    job_t *job = s_job_new (tokens, count);
    job->index = index;
    char reason [256];
    job->decoded = im_entry_decode (data, size, &job->commands,
                                    &job->commands_n, reason, sizeof reason);
    job->size = size + job->commands_n * S_DECODED_COMMAND;
    if (job->decoded)
        zsys_error ("imb_applier: entry %" PRIu64 " does not decode: %s",
                    index, reason);
    s_enqueue (self, job);
}

void
imb_applier_fail (imb_applier_t *self, const uint64_t *tokens, size_t count,
                  int status, const char *text)
{
    assert (self);
    job_t *job = s_job_new (tokens, count);
    job->status = status;
    snprintf (job->text, sizeof job->text, "%s", text ? text : "failed");
    s_enqueue (self, job);
}

int
imb_applier_wait (imb_applier_t *self)
{
    uv_mutex_lock (&self->lock);
    while ((self->head || self->busy) && !self->broken)
        uv_cond_wait (&self->done, &self->lock);
    bool broken = self->broken;
    uv_mutex_unlock (&self->lock);
    return broken ? IM_EIO : 0;
}

int
imb_applier_wait_index (imb_applier_t *self, uint64_t index,
                        uint64_t *last_seq)
{
    uv_mutex_lock (&self->lock);
    while (self->applied < index && !self->broken)
        uv_cond_wait (&self->done, &self->lock);
    bool broken = self->broken;
    *last_seq = self->last_seq;
    uv_mutex_unlock (&self->lock);
    return broken ? IM_EIO : 0;
}

bool
imb_applier_broken (imb_applier_t *self)
{
    uv_mutex_lock (&self->lock);
    bool broken = self->broken;
    uv_mutex_unlock (&self->lock);
    return broken;
}

uint64_t
imb_applier_last_seq (imb_applier_t *self)
{
    uv_mutex_lock (&self->lock);
    uint64_t last_seq = self->last_seq;
    uv_mutex_unlock (&self->lock);
    return last_seq;
}

uint64_t
imb_applier_applied (imb_applier_t *self)
{
    uv_mutex_lock (&self->lock);
    uint64_t applied = self->applied;
    uv_mutex_unlock (&self->lock);
    return applied;
}

size_t
imb_applier_backlog (imb_applier_t *self)
{
    uv_mutex_lock (&self->lock);
    size_t bytes = self->bytes;
    uv_mutex_unlock (&self->lock);
    return bytes;
}
