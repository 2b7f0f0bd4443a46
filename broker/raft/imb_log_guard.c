/*  imb_log_guard - keeps a node whose Raft log lost entries from voting
    or leading until the others have sent them back

    The I/O libraft is given forwards every call to libraft's own
    (imb_log_guard_io.c), and watches four of them. An append gets the
    indexes it writes (the appends follow one another from the index
    the load ended at, a truncation or an installed snapshot moves
    that); once written, it waits in a FIFO until the end of the loop
    iteration, when the mark is raised once to cover every append
    written so far (one synced write for all of them) and they are
    reported to libraft, in order.
    A truncation or a snapshot install first lowers the mark, synced,
    and cuts the indexes of appends in flight. While the node repairs,
    the mark keeps the index the node must reach.
*/
#include "imb_log_guard_private.h"

//  One append in flight
struct _imb_log_append_t {
    struct raft_io_append inner;    //  Given to the disk I/O; data: us
    imb_log_guard_t *guard;         //  Back pointer
    struct raft_io_append *req;     //  The caller's request
    raft_io_append_cb cb;           //  The caller's callback
    uint64_t first;                 //  Index of its first entry
    uint64_t last;                  //  Of its last still in the log (below
                                    //  first when none is)
    raft_term term;                 //  Highest term of its entries
    int status;                     //  The write's outcome, once done
    bool done;                      //  Written (or failed)
    imb_log_append_t *next;         //  Next in the FIFO
};

static imb_log_guard_t *
s_guard (struct raft_io *io)
{
    return (imb_log_guard_t *) io->impl;
}

//  --------------------------------------------------------------------
//  Appends

void
imb_log_guard_settle (imb_log_guard_t *self)
{
    uint64_t reach = self->durable;
    for (imb_log_append_t *append = self->head; append && append->done;
         append = append->next)
        if (append->status == 0 && append->last >= append->first
        &&  append->last > reach)
            reach = append->last;
    int failed = 0;
    if (reach > imb_log_mark_index (self->mark)
    &&  imb_log_mark_write (self->mark, reach))
        failed = RAFT_IOERR;        //  Not recorded: not reported stored
    if (!failed && reach > self->durable)
        self->durable = reach;
    while (self->head && self->head->done) {
        imb_log_append_t *append = self->head;
        self->head = append->next;
        if (!self->head)
            self->tail = NULL;
        int status = append->status ? append->status : failed;
        bool held = status == 0 && append->last >= append->first;
        if (held && self->repairing
        &&  (self->durable >= self->lost_to
             || append->term > self->start_term))
            imb_log_guard_repaired (self, self->durable >= self->lost_to
                ? "the leader sent back every entry it had lost"
                : "it holds an entry of a leader elected without it");
        //  libraft may append again from its callback: the FIFO is
        //  consistent before the call
        append->cb (append->req, status);
        free (append);
    }
}

static void
s_check (uv_check_t *check)
{
    imb_log_guard_t *self = (imb_log_guard_t *) check->data;
    if (self->head && self->head->done)
        imb_log_guard_settle (self);
}

static void
s_written (struct raft_io_append *inner, int status)
{
    imb_log_append_t *append = (imb_log_append_t *) inner->data;
    imb_log_guard_t *self = append->guard;
    append->done = true;
    append->status = status;
    //  A failed write undoes the index it took, and every one after it
    //  fails too (libraft's disk I/O rolls them back)
    if (status && append->first < self->next_index)
        self->next_index = append->first;
    if (self->closing)
        imb_log_guard_settle (self);    //  libraft waits for it to close
}

static int
s_append (struct raft_io *io, struct raft_io_append *req,
          const struct raft_entry entries [], unsigned n,
          raft_io_append_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    imb_log_append_t *append = (imb_log_append_t *) calloc (1,
                                                            sizeof *append);
    if (!append)
        return RAFT_NOMEM;
    append->inner.data = append;
    append->guard = self;
    append->req = req;
    append->cb = cb;
    append->first = self->next_index;
    append->last = self->next_index + n - 1;
    for (unsigned index = 0; index < n; index++)
        if (entries [index].term > append->term)
            append->term = entries [index].term;
    //  In the FIFO before the write starts, as a write done at once
    //  would look for it there
    imb_log_append_t *before = self->tail;
    if (before)
        before->next = append;
    else
        self->head = append;
    self->tail = append;
    int rc = imb_log_guard_said (self, self->inner->append (
        self->inner, &append->inner, entries, n, s_written));
    if (rc) {
        //  Not started: it is still the tail
        if (before)
            before->next = NULL;
        else
            self->head = NULL;
        self->tail = before;
        free (append);
        return rc;
    }
    req->cb = cb;
    self->next_index += n;
    return 0;
}

//  Entries from index on leave the log: appends in flight no longer
//  hold them, and the mark comes down first (synced) so that a crash
//  after the log was cut does not look like lost entries. While the
//  node repairs, the mark keeps what it must reach.
static int
s_cut (imb_log_guard_t *self, uint64_t index)
{
    for (imb_log_append_t *append = self->head; append; append = append->next)
        if (append->last >= index)
            append->last = index - 1;
    if (self->durable >= index)
        self->durable = index - 1;
    if (!self->repairing && imb_log_mark_index (self->mark) >= index
    &&  imb_log_mark_write (self->mark, index - 1)) {
        snprintf (self->io.errmsg, sizeof self->io.errmsg,
                  "cannot lower the log mark to %" PRIu64, index - 1);
        return RAFT_IOERR;
    }
    return 0;
}

static int
s_truncate (struct raft_io *io, raft_index index)
{
    imb_log_guard_t *self = s_guard (io);
    int rc = s_cut (self, index);
    if (rc == 0)
        rc = imb_log_guard_said (self,
                                 self->inner->truncate (self->inner, index));
    if (rc == 0)
        self->next_index = index;
    return rc;
}

//  --------------------------------------------------------------------
//  Snapshots: one put at a time (libraft never starts a second)

static void
s_put_done (struct raft_io_snapshot_put *put, int status)
{
    imb_log_guard_t *self = (imb_log_guard_t *) put->data;
    struct raft_io_snapshot_put *req = self->put_req;
    raft_io_snapshot_put_cb cb = self->put_cb;
    self->put_req = NULL;
    if (status == 0 && self->put_install) {
        //  The log is the snapshot now, and what follows it
        if (self->put_index > self->durable)
            self->durable = self->put_index;
        if (self->repairing && (self->put_index >= self->lost_to
                                || self->put_term > self->start_term))
            imb_log_guard_repaired (self, "it installed the leader's "
                                          "snapshot past what it lost");
        else
        if (!self->repairing
        &&  self->put_index > imb_log_mark_index (self->mark))
            imb_log_mark_write (self->mark, self->put_index);
    }
    cb (req, status);
}

static int
s_snapshot_put (struct raft_io *io, unsigned trailing,
                struct raft_io_snapshot_put *req,
                const struct raft_snapshot *snapshot,
                raft_io_snapshot_put_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    //  Installing (trailing 0): the log becomes the snapshot; entries
    //  after it, written or in flight, are dropped
    self->put_install = trailing == 0;
    self->put_index = snapshot->index;
    self->put_term = snapshot->term;
    if (self->put_install) {
        int rc = s_cut (self, snapshot->index + 1);
        if (rc)
            return rc;
    }
    self->put_req = req;
    self->put_cb = cb;
    self->put.data = self;
    int rc = imb_log_guard_said (self,
                                 self->inner->snapshot_put (
                                     self->inner, trailing, &self->put,
                                     snapshot, s_put_done));
    if (rc)
        self->put_req = NULL;
    else {
        req->cb = cb;
        if (self->put_install)
            self->next_index = snapshot->index + 1;
    }
    return rc;
}

//  --------------------------------------------------------------------

imb_log_guard_t *
imb_log_guard_new (uv_loop_t *loop, struct raft_io *inner,
                   const char *data_dir, uint64_t node_id, char *errbuf,
                   size_t errlen)
{
    assert (loop && inner && data_dir);
    imb_log_guard_t *self = (imb_log_guard_t *) calloc (1, sizeof *self);
    if (!self) {
        snprintf (errbuf, errlen, "out of memory");
        return NULL;
    }
    char path [IM_CONFIG_PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/raft-mark", data_dir);
    self->mark = imb_log_mark_new (path, errbuf, errlen);
    if (!self->mark) {
        free (self);
        return NULL;
    }
    self->loop = loop;
    self->inner = inner;
    inner->data = self;
    snprintf (self->data_dir, sizeof self->data_dir, "%s", data_dir);
    self->node_id = node_id;
    self->next_index = 1;
    struct raft_io *io = &self->io;
    imb_log_guard_io_init (self);
    io->load = imb_log_guard_load;
    io->append = s_append;
    io->truncate = s_truncate;
    io->snapshot_put = s_snapshot_put;
    uv_check_init (loop, &self->check);
    self->check.data = self;
    uv_check_start (&self->check, s_check);
    return self;
}

static void
s_handle_closed (uv_handle_t *handle)
{
    imb_log_guard_t *self = (imb_log_guard_t *) handle->data;
    //  libraft was closed: every append was reported (s_closed)
    while (self->head) {
        imb_log_append_t *next = self->head->next;
        free (self->head);
        self->head = next;
    }
    imb_log_mark_destroy (&self->mark);
    free (self);
}

void
imb_log_guard_destroy (imb_log_guard_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_log_guard_t *self = *self_p;
        uv_check_stop (&self->check);
        uv_close ((uv_handle_t *) &self->check, s_handle_closed);
        *self_p = NULL;
    }
}

struct raft_io *
imb_log_guard_io (imb_log_guard_t *self)
{
    assert (self);
    return &self->io;
}

void
imb_log_guard_state (imb_log_guard_t *self, imb_log_guard_state_t *state)
{
    assert (self && state);
    state->repairing = self->repairing;
    state->lost_from = self->lost_from;
    state->lost_to = self->lost_to;
    state->stored = self->durable;
}

void
imb_log_guard_repaired (imb_log_guard_t *self, const char *why)
{
    //  The log is whole again to its end: from now on the mark follows
    //  it, up and down
    if (imb_log_mark_write (self->mark, self->durable))
        return;                     //  Said; the next append tries again
    self->repairing = false;
    zsys_notice ("imb_log_guard: Raft log repaired: %s (the log holds 1 .. %"
                 PRIu64 ", it had lost %" PRIu64 " .. %" PRIu64 "); this "
                 "node votes again", why, self->durable, self->lost_from,
                 self->lost_to);
}
