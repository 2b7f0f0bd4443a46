/*  imb_raft_tcp - libraft's outgoing TCP connections, with a bound on
    the wait between retransmissions

    libraft's TCP transport keeps a connection to each peer for as long
    as writes to it succeed, and a write succeeds as soon as the kernel
    has the bytes. Across a network cut nothing fails: the kernel
    retransmits, doubling its timeout each time (200 ms, 400 ms, ...
    6.4 s after 5 tries, up to 2 min), and once the link is back the
    peer hears nothing until the next try. A leader's heartbeats to a
    node healed after a 10 s cut arrived 3.2 to 4.2 s later, and only
    then did the node follow it. Each connection libraft makes gets
    TCP_RTO_MAX_MS here, so a healed link carries Raft messages again
    within that bound. Linux has the option since 6.15; on an older
    kernel the connection is left as it is, and that is said once.
*/
#ifndef IMB_RAFT_TCP_H_INCLUDED
#define IMB_RAFT_TCP_H_INCLUDED

#include <raft.h>
#include <raft/uv.h>

typedef struct _imb_raft_tcp_t imb_raft_tcp_t;

//  libraft's connect, as struct raft_uv_transport has it
typedef int (imb_raft_tcp_connect_fn) (struct raft_uv_transport *transport,
                                       struct raft_uv_connect *req,
                                       raft_id id, const char *address,
                                       raft_uv_connect_cb cb);

//  Creates the wrapper for transport (made by raft_uv_tcp_init, still
//  the caller's); rto_max_ms is the longest wait between two
//  retransmissions on a connection it makes (at least 1000). Returns
//  NULL when out of memory.
imb_raft_tcp_t *
    imb_raft_tcp_new (struct raft_uv_transport *transport,
                      unsigned rto_max_ms);

//  Frees the wrapper. Call once the transport was closed (every connect
//  it started has called back).
void
    imb_raft_tcp_destroy (imb_raft_tcp_t **self_p);

//  Replaces transport->connect by call, the caller's function that finds
//  this wrapper and calls imb_raft_tcp_connect (the transport has no
//  room for the wrapper itself)
void
    imb_raft_tcp_install (imb_raft_tcp_t *self, imb_raft_tcp_connect_fn *call);

//  The wrapped connect: the transport's own, then the bound set on the
//  connection before libraft's callback gets it
int
    imb_raft_tcp_connect (imb_raft_tcp_t *self,
                          struct raft_uv_transport *transport,
                          struct raft_uv_connect *req, raft_id id,
                          const char *address, raft_uv_connect_cb cb);

#endif
