/*  imf_net - network namespaces that cut the links between nodes

    Each broker runs in a network namespace of its own, with one end of
    a veth pair inside it and the other on a bridge in the root
    namespace, where the clients and workers stay. The bridge has the
    first address of a /24 in 198.18.0.0/15 (RFC 2544's range for
    testing networks, routed nowhere), node n has .(10 + n). A fault is
    then an iptables rule inside a node's namespace (a peer cut, both
    ways or one way) or the host end of its veth down (the node cut off
    whole, clients included).

    Every name starts with "imf<pid>", so that parallel runs do not
    collide, and a run that died without cleaning up is swept by the
    next one (imf_net_sweep: names whose pid no longer runs). Needs
    root, iproute2 and iptables.
*/
#ifndef IMF_NET_H_INCLUDED
#define IMF_NET_H_INCLUDED

#include <stdbool.h>

typedef struct _imf_net_t imf_net_t;

//  Builds the bridge and nodes namespaces (1 .. 5); returns NULL, with
//  what failed printed and everything built removed, on failure
imf_net_t *
    imf_net_new (int nodes);

//  Removes the namespaces, the veth pairs and the bridge; nulls *self_p
void
    imf_net_destroy (imf_net_t **self_p);

//  Node's address (198.18.X.(10 + node)), borrowed
const char *
    imf_net_host (imf_net_t *self, int node);

//  Node's namespace name, borrowed
const char *
    imf_net_ns (imf_net_t *self, int node);

//  Inside node's namespace, drops what peer sends it (inbound) and what
//  it sends peer (outbound). raft_only limits the inbound drop to peer's
//  packets to node's Raft port (peer's messages to node), so node still
//  reaches peer. Returns 0 or -1.
int
    imf_net_cut (imf_net_t *self, int node, int peer, bool inbound,
                 bool outbound, bool raft_only);

//  Sets the host end of node's veth down (isolated) or up. Returns 0 or
//  -1.
int
    imf_net_isolate (imf_net_t *self, int node, bool isolated);

//  Flushes every namespace's rules and sets every link up; returns 0
//  or -1
int
    imf_net_heal (imf_net_t *self);

//  Removes namespaces and links of imf runs whose process is gone
void
    imf_net_sweep (void);

//  True when this process can build namespaces (root, ip and iptables
//  found)
bool
    imf_net_available (void);

#endif
