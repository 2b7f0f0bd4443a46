/*  imb_raft_tcp - libraft's outgoing TCP connections, with a bound on
    the wait between retransmissions

    The transport's own connect does the work, with a request of ours
    in place of libraft's: when it calls back with a connection, the
    bound is set on its socket, and libraft's callback gets the
    connection with its own request. libraft's request and callback
    ride in ours, so nothing has to be looked up.
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
    imb_raft_tcp_connect_fn *connect;       //  Its own connect
    unsigned rto_max_ms;                    //  The bound
    bool said;                              //  Said the kernel lacks it
};

//  One connect under way
typedef struct {
    struct raft_uv_connect req;     //  Given to the transport, first
    imb_raft_tcp_t *self;           //  Back pointer
    struct raft_uv_connect *outer;  //  libraft's request
    raft_uv_connect_cb cb;          //  libraft's callback
} s_connect_t;

imb_raft_tcp_t *
imb_raft_tcp_new (struct raft_uv_transport *transport, unsigned rto_max_ms)
{
    assert (transport && transport->connect && rto_max_ms >= 1000);
    imb_raft_tcp_t *self = (imb_raft_tcp_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->transport = transport;
    self->connect = transport->connect;
    self->rto_max_ms = rto_max_ms;
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
s_connected (struct raft_uv_connect *req, struct uv_stream_s *stream,
             int status)
{
    s_connect_t *connect = (s_connect_t *) req;
    struct raft_uv_connect *outer = connect->outer;
    raft_uv_connect_cb cb = connect->cb;
    if (status == 0 && stream)
        s_bound (connect->self, stream);
    //  The transport is done with our request before it calls back
    free (connect);
    cb (outer, stream, status);
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
    int rc = self->connect (transport, &connect->req, id, address,
                            s_connected);
    if (rc)
        free (connect);             //  No callback comes
    return rc;
}
