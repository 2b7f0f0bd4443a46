/*  imb_raft_tcp - libraft's outgoing TCP connections, with bounds on
    the waits that follow a network cut

    libraft's TCP transport keeps a connection to each peer for as long
    as writes to it succeed, and a write succeeds as soon as the kernel
    has the bytes. Across a network cut nothing fails: the kernel
    retransmits, doubling its timeout each time (200 ms, 400 ms, ...
    6.4 s after 5 tries, up to 2 min), and once the link is back the
    peer hears nothing until the next try. A leader's heartbeats to a
    node healed after a 10 s cut arrived 3.2 to 4.2 s later, and only
    then did the node follow it; after a 30 s cut, 24 to 26 s later.
    So each connection libraft makes gets TCP_RTO_MAX_MS: a healed link
    carries Raft messages again within that bound (Linux has the option
    since 6.15; on an older kernel the connection is left as it is, and
    that is said once).

    With retransmissions that frequent the kernel gives a silent
    connection up after about 13 s (net.ipv4.tcp_retries2), and libraft
    connects again: the new connection's SYN is retransmitted after 1,
    2, 4, 8 ... s, so after a longer cut the wait moved there (4.4 s
    after a 30 s cut). A connect attempt silent for connect_ms is given
    up on here: libraft is told it failed and tries again on a new
    socket (raft_uv_set_connect_retry_delay, 1 s), and the attempt given
    up is closed when the kernel ends it, as the connection it makes if
    the link comes back first.
*/
#ifndef IMB_RAFT_TCP_H_INCLUDED
#define IMB_RAFT_TCP_H_INCLUDED

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

typedef struct _imb_raft_tcp_t imb_raft_tcp_t;

//  libraft's connect, as struct raft_uv_transport has it
typedef int (imb_raft_tcp_connect_fn) (struct raft_uv_transport *transport,
                                       struct raft_uv_connect *req,
                                       raft_id id, const char *address,
                                       raft_uv_connect_cb cb);

//  Creates the wrapper for transport (made by raft_uv_tcp_init on loop,
//  still the caller's); rto_max_ms is the longest wait between two
//  retransmissions on a connection it makes (at least 1000), connect_ms
//  how long a connect attempt may stay silent. Returns NULL when out of
//  memory.
imb_raft_tcp_t *
    imb_raft_tcp_new (struct raft_uv_transport *transport, uv_loop_t *loop,
                      unsigned rto_max_ms, unsigned connect_ms);

//  Frees the wrapper. Call once the transport was closed (every connect
//  it started has called back).
void
    imb_raft_tcp_destroy (imb_raft_tcp_t **self_p);

//  Replaces transport->connect by call, the caller's function that finds
//  this wrapper and calls imb_raft_tcp_connect (the transport has no
//  room for the wrapper itself)
void
    imb_raft_tcp_install (imb_raft_tcp_t *self, imb_raft_tcp_connect_fn *call);

//  The wrapped connect: the transport's own, bounded in time, then the
//  bound on retransmissions set on the connection before libraft's
//  callback gets it
int
    imb_raft_tcp_connect (imb_raft_tcp_t *self,
                          struct raft_uv_transport *transport,
                          struct raft_uv_connect *req, raft_id id,
                          const char *address, raft_uv_connect_cb cb);

#endif
