/*  imb_log_guard_io - what the guard forwards to libraft's disk I/O as
    it is, and the callbacks that come back through it

    libraft's disk I/O calls back with its own struct raft_io, whose data
    is the guard: the tick, receive and close callbacks are the guard's,
    and call libraft's with the guard's I/O. Receiving is where a node
    that repairs drops the vote messages: RequestVote, its result and
    TimeoutNow, as a lossy network would.
*/
#include "imb_log_guard_private.h"

#define S_SAY_MS    10000           //  Between two notes of dropped votes

int
imb_log_guard_said (imb_log_guard_t *self, int rc)
{
    if (rc)
        memcpy (self->io.errmsg, self->inner->errmsg, sizeof self->io.errmsg);
    return rc;
}

static imb_log_guard_t *
s_guard (struct raft_io *io)
{
    return (imb_log_guard_t *) io->impl;
}

static void
s_tick (struct raft_io *inner)
{
    imb_log_guard_t *self = (imb_log_guard_t *) inner->data;
    self->tick (&self->io);
}

static void
s_recv (struct raft_io *inner, struct raft_message *message)
{
    imb_log_guard_t *self = (imb_log_guard_t *) inner->data;
    if (self->repairing
    &&  (message->type == RAFT_IO_REQUEST_VOTE
         || message->type == RAFT_IO_REQUEST_VOTE_RESULT
         || message->type == RAFT_IO_TIMEOUT_NOW)) {
        //  These carry no memory of their own to free
        self->dropped++;
        uint64_t now = uv_now (self->loop);
        if (self->dropped == 1 || now - self->dropped_said_ms >= S_SAY_MS) {
            zsys_warning ("imb_log_guard: not voting: the Raft log still "
                          "lacks entries up to %" PRIu64 " (it holds 1 .. %"
                          PRIu64 " on disk); %" PRIu64 " vote messages "
                          "dropped so far", self->lost_to, self->durable,
                          self->dropped);
            self->dropped_said_ms = now;
        }
        return;
    }
    self->recv (&self->io, message);
}

static int
s_start (struct raft_io *io, unsigned msecs, raft_io_tick_cb tick,
         raft_io_recv_cb recv)
{
    imb_log_guard_t *self = s_guard (io);
    self->tick = tick;
    self->recv = recv;
    return imb_log_guard_said (self,
                               self->inner->start (
                                   self->inner, msecs, s_tick, s_recv));
}

static void
s_closed (struct raft_io *inner)
{
    imb_log_guard_t *self = (imb_log_guard_t *) inner->data;
    imb_log_guard_settle (self);
    if (self->closed)
        self->closed (&self->io);
}

static void
s_close (struct raft_io *io, raft_io_close_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    self->closing = true;
    self->closed = cb;
    imb_log_guard_settle (self);
    self->inner->close (self->inner, s_closed);
}

//  --------------------------------------------------------------------
//  The rest, forwarded as they are

static int
s_init (struct raft_io *io, raft_id id, const char *address)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->init (self->inner, id, address));
}

static int
s_bootstrap (struct raft_io *io, const struct raft_configuration *conf)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->bootstrap (self->inner, conf));
}

static int
s_recover (struct raft_io *io, const struct raft_configuration *conf)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self, self->inner->recover (self->inner, conf));
}

//  The term is recorded in the mark first: if libraft's metadata were
//  lost, the load still knows this node may have voted up to it
static int
s_set_term (struct raft_io *io, raft_term term)
{
    imb_log_guard_t *self = s_guard (io);
    if (term > imb_log_mark_term (self->mark)
    &&  imb_log_mark_write_term (self->mark, term)) {
        snprintf (io->errmsg, sizeof io->errmsg,
                  "cannot record term %" PRIu64 " in the log mark",
                  (uint64_t) term);
        return RAFT_IOERR;
    }
    return imb_log_guard_said (self, self->inner->set_term (self->inner, term));
}

static int
s_set_vote (struct raft_io *io, raft_id server_id)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->set_vote (self->inner, server_id));
}

static int
s_send (struct raft_io *io, struct raft_io_send *req,
        const struct raft_message *message, raft_io_send_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->send (
                                   self->inner, req, message, cb));
}

static int
s_snapshot_get (struct raft_io *io, struct raft_io_snapshot_get *req,
                raft_io_snapshot_get_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->snapshot_get (
                                   self->inner, req, cb));
}

static raft_time
s_time (struct raft_io *io)
{
    imb_log_guard_t *self = s_guard (io);
    return self->inner->time (self->inner);
}

static int
s_random (struct raft_io *io, int min, int max)
{
    imb_log_guard_t *self = s_guard (io);
    return self->inner->random (self->inner, min, max);
}

static int
s_async_work (struct raft_io *io, struct raft_io_async_work *req,
              raft_io_async_work_cb cb)
{
    imb_log_guard_t *self = s_guard (io);
    return imb_log_guard_said (self,
                               self->inner->async_work (self->inner, req, cb));
}

void
imb_log_guard_io_init (imb_log_guard_t *self)
{
    struct raft_io *io = &self->io;
    io->version = self->inner->version;
    io->impl = self;
    io->init = s_init;
    io->close = s_close;
    io->start = s_start;
    io->bootstrap = s_bootstrap;
    io->recover = s_recover;
    io->set_term = s_set_term;
    io->set_vote = s_set_vote;
    io->send = s_send;
    io->snapshot_get = s_snapshot_get;
    io->time = s_time;
    io->random = s_random;
    io->async_work = self->inner->async_work ? s_async_work : NULL;
}
