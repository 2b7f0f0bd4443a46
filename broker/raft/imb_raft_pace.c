/*  imb_raft_pace - holds back libraft's "entries stored" while the state
    machine is far behind

    Each append libraft makes goes to its disk I/O with a request of our
    own; when the write completes, the request waits in a FIFO, and the
    head of the FIFO is reported to libraft while the applier has room.
    A failed write is reported without waiting (after those before it),
    and everything is reported at once once libraft is closing. While a
    written append waits, a 2 ms timer looks again.
*/
#include "imb_classes.h"
#include "imb_raft_pace.h"

#define S_RETRY_MS  2

typedef struct _s_append_t s_append_t;
struct _s_append_t {
    struct raft_io_append inner;    //  Given to the disk I/O; data: us
    imb_raft_pace_t *pace;          //  Back pointer
    struct raft_io_append *req;     //  libraft's request
    raft_io_append_cb cb;           //  libraft's callback
    int status;                     //  The write's outcome, once done
    bool done;                      //  Written (or failed)
    bool held;                      //  Waited after it was written
    uint64_t done_ms;               //  When written (loop time)
    uint64_t start_ms;              //  When the write started
    s_append_t *next;               //  Next in the FIFO
};

struct _imb_raft_pace_t {
    uv_timer_t timer;               //  Looks again while one is held
    uv_loop_t *loop;                //  The Raft thread's loop
    struct raft_io *io;             //  libraft's disk I/O
    int (*append) (struct raft_io *, struct raft_io_append *,
                   const struct raft_entry [], unsigned,
                   raft_io_append_cb);  //  io's own append
    imb_raft_pace_backlog_fn *backlog;  //  What the state machine holds
    void *arg;                      //  Its argument
    size_t max_bytes;               //  Report while the backlog is <= this
    s_append_t *head;               //  Appends not reported, in order
    s_append_t *tail;
    bool releasing;                 //  libraft is closing: report all
    uint64_t held;                  //  Appends held back so far
    uint64_t longest_ms;            //  Longest hold
    uint64_t failed;                //  Appends whose write failed
};

static void s_timer (uv_timer_t *timer);

static void
s_report (imb_raft_pace_t *self)
{
    while (self->head && self->head->done
    &&    (self->releasing || self->head->status != 0
           || self->backlog (self->arg) <= self->max_bytes)) {
        s_append_t *append = self->head;
        self->head = append->next;
        if (!self->head)
            self->tail = NULL;
        if (append->held) {
            uint64_t held_ms = uv_now (self->loop) - append->done_ms;
            if (held_ms > self->longest_ms)
                self->longest_ms = held_ms;
        }
        //  libraft may append again from its callback: the FIFO is
        //  consistent before the call
        append->cb (append->req, append->status);
        free (append);
    }
    if (self->head && self->head->done) {
        if (!self->head->held) {
            self->head->held = true;
            self->held++;
        }
        if (!uv_is_active ((uv_handle_t *) &self->timer))
            uv_timer_start (&self->timer, s_timer,
                            S_RETRY_MS, S_RETRY_MS);
    }
    else
        uv_timer_stop (&self->timer);
}

static void
s_timer (uv_timer_t *timer)
{
    s_report ((imb_raft_pace_t *) timer->data);
}

static void
s_written (struct raft_io_append *inner, int status)
{
    s_append_t *append = (s_append_t *) inner->data;
    append->done = true;
    append->status = status;
    if (status != 0)
        append->pace->failed++;
    append->done_ms = uv_now (append->pace->loop);
    s_report (append->pace);
}

imb_raft_pace_t *
imb_raft_pace_new (uv_loop_t *loop, struct raft_io *io,
                   imb_raft_pace_backlog_fn *backlog, void *arg,
                   size_t max_bytes)
{
    assert (loop && io && backlog);
    imb_raft_pace_t *self = (imb_raft_pace_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->io = io;
    self->append = io->append;
    self->backlog = backlog;
    self->arg = arg;
    self->max_bytes = max_bytes;
    uv_timer_init (loop, &self->timer);
    self->timer.data = self;
    return self;
}

static void
s_closed (uv_handle_t *handle)
{
    imb_raft_pace_t *self = (imb_raft_pace_t *) handle->data;
    //  libraft was closed: it waited for every append; none is left
    //  unless its disk I/O dropped one
    while (self->head) {
        s_append_t *next = self->head->next;
        free (self->head);
        self->head = next;
    }
    free (self);
}

void
imb_raft_pace_destroy (imb_raft_pace_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_raft_pace_t *self = *self_p;
        uv_timer_stop (&self->timer);
        uv_close ((uv_handle_t *) &self->timer, s_closed);
        *self_p = NULL;
    }
}

void
imb_raft_pace_install (imb_raft_pace_t *self,
                       int (*call) (struct raft_io *,
                                    struct raft_io_append *,
                                    const struct raft_entry [], unsigned,
                                    raft_io_append_cb))
{
    assert (self && call);
    self->io->append = call;
}

int
imb_raft_pace_append (imb_raft_pace_t *self, struct raft_io *io,
                      struct raft_io_append *req,
                      const struct raft_entry entries [], unsigned n,
                      raft_io_append_cb cb)
{
    s_append_t *append = (s_append_t *) calloc (1, sizeof *append);
    if (!append)
        return RAFT_NOMEM;
    append->inner.data = append;
    append->pace = self;
    append->req = req;
    append->cb = cb;
    append->start_ms = uv_now (self->loop);
    req->cb = cb;
    //  In the FIFO before the write starts: a write that completes at
    //  once finds it there
    if (self->tail)
        self->tail->next = append;
    else
        self->head = append;
    self->tail = append;
    int rc = self->append (io, &append->inner, entries, n, s_written);
    if (rc) {
        self->failed++;
        //  Not started: libraft gets the error now, not a callback. The
        //  failed append is the tail (nothing completes synchronously).
        s_append_t **link = &self->head;
        while (*link != append)
            link = &(*link)->next;
        *link = NULL;
        self->tail = self->head;
        while (self->tail && self->tail->next)
            self->tail = self->tail->next;
        free (append);
    }
    return rc;
}

void
imb_raft_pace_release (imb_raft_pace_t *self)
{
    if (self) {
        self->releasing = true;
        s_report (self);
    }
}

uint64_t
imb_raft_pace_held (imb_raft_pace_t *self, uint64_t *longest_ms)
{
    if (longest_ms)
        *longest_ms = self->longest_ms;
    return self->held;
}

uint64_t
imb_raft_pace_failed (imb_raft_pace_t *self)
{
    assert (self);
    return self->failed;
}

uint64_t
imb_raft_pace_stuck_ms (imb_raft_pace_t *self)
{
    assert (self);
    //  The FIFO is in append order: the first not yet written is the
    //  oldest
    for (s_append_t *append = self->head; append; append = append->next)
        if (!append->done)
            return uv_now (self->loop) - append->start_ms;
    return 0;
}
