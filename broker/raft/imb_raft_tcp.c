/*  imb_raft_tcp - libraft's outgoing TCP connections, with bounds on
    the waits that follow a network cut

    The transport's own connect does the work, with a request of ours
    in place of libraft's: when it calls back with a connection, the
    bound is set on its socket, and libraft's callback gets the
    connection with its own request. libraft's request and callback
    ride in ours, so nothing has to be looked up. A timer per attempt
    tells libraft first when the attempt is silent for too long; the
    transport still owns our request then, and its callback, when it
    comes, only closes what it brings.
*/
#include "imb_classes.h"
#include "imb_raft_tcp.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

//  Linux 6.15's option, missing from older kernel headers
#ifndef TCP_RTO_MAX_MS
#   define TCP_RTO_MAX_MS 44
#endif

struct _imb_raft_tcp_t {
    struct raft_uv_transport *transport;    //  Wrapped, borrowed
    uv_loop_t *loop;                        //  Its loop, borrowed
    imb_raft_tcp_connect_fn *connect;       //  Its own connect
    unsigned rto_max_ms;                    //  The bound on retransmits
    unsigned connect_ms;                    //  The bound on an attempt
    bool said;                              //  Said the kernel lacks it
};

//  One connect under way
typedef struct {
    struct raft_uv_connect req;     //  Given to the transport, first
    uv_timer_t timer;               //  Gives up on a silent attempt
    imb_raft_tcp_t *self;           //  Back pointer
    struct raft_uv_connect *outer;  //  libraft's request, NULL once
                                    //  libraft was told
    raft_uv_connect_cb cb;          //  libraft's callback
} s_connect_t;

imb_raft_tcp_t *
imb_raft_tcp_new (struct raft_uv_transport *transport, uv_loop_t *loop,
                  unsigned rto_max_ms, unsigned connect_ms)
{
    assert (transport && transport->connect && loop);
    assert (rto_max_ms >= 1000 && connect_ms > 0);
    imb_raft_tcp_t *self = (imb_raft_tcp_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->transport = transport;
    self->loop = loop;
    self->connect = transport->connect;
    self->rto_max_ms = rto_max_ms;
    self->connect_ms = connect_ms;
    return self;
}

void
imb_raft_tcp_destroy (imb_raft_tcp_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

void
imb_raft_tcp_install (imb_raft_tcp_t *self, imb_raft_tcp_connect_fn *call)
{
    assert (self && call);
    self->transport->connect = call;
}

//  Sets the bound on a new connection's socket
static void
s_bound (imb_raft_tcp_t *self, struct uv_stream_s *stream)
{
    uv_os_fd_t fd;
    if (uv_fileno ((uv_handle_t *) stream, &fd))
        return;
    int value = (int) self->rto_max_ms;
    if (setsockopt (fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &value, sizeof value)
    &&  !self->said) {
        zsys_info ("imb_raft: this kernel cannot bound TCP's wait between "
                   "retransmissions (TCP_RTO_MAX_MS, Linux 6.15: %s): after "
                   "a network cut, a node may hear the leader again only "
                   "seconds after the link is back", strerror (errno));
        self->said = true;
    }
}

static void
s_connect_free (uv_handle_t *handle)
{
    free (handle->data);
}

//  A connection that came for an attempt libraft no longer waits for:
//  the transport made it with libraft's allocator
static void
s_stream_free (uv_handle_t *handle)
{
    raft_free (handle);
}

//  The attempt was silent for too long: libraft tries again, on a new
//  socket, after its retry delay
static void
s_silent (uv_timer_t *timer)
{
    s_connect_t *connect = (s_connect_t *) timer->data;
    struct raft_uv_connect *outer = connect->outer;
    connect->outer = NULL;
    connect->cb (outer, NULL, RAFT_NOCONNECTION);
}

static void
s_connected (struct raft_uv_connect *req, struct uv_stream_s *stream,
             int status)
{
    s_connect_t *connect = (s_connect_t *) req;
    uv_timer_stop (&connect->timer);
    struct raft_uv_connect *outer = connect->outer;
    if (outer && status == 0 && stream)
        s_bound (connect->self, stream);
    if (!outer && stream)
        uv_close ((uv_handle_t *) stream, s_stream_free);
    //  The transport is done with our request before it calls back
    uv_close ((uv_handle_t *) &connect->timer, s_connect_free);
    if (outer)
        connect->cb (outer, stream, status);
}

int
imb_raft_tcp_connect (imb_raft_tcp_t *self,
                      struct raft_uv_transport *transport,
                      struct raft_uv_connect *req, raft_id id,
                      const char *address, raft_uv_connect_cb cb)
{
    s_connect_t *connect = (s_connect_t *) calloc (1, sizeof *connect);
    if (!connect)
        return RAFT_NOMEM;
    connect->self = self;
    connect->outer = req;
    connect->cb = cb;
    req->cb = cb;                   //  As the transport would have set it
    uv_timer_init (self->loop, &connect->timer);
    connect->timer.data = connect;
    int rc = self->connect (transport, &connect->req, id, address,
                            s_connected);
    if (rc)                         //  No callback comes
        uv_close ((uv_handle_t *) &connect->timer, s_connect_free);
    else
        uv_timer_start (&connect->timer, s_silent, self->connect_ms, 0);
    return rc;
}
