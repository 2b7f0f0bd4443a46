/*  imb_cluster - what a node of a cluster says about leadership

    Only the leader takes commands, serves the event stream and carries
    out membership changes. This class follows Raft's state for the main
    thread and writes the answers of a node that does not lead: 421
    naming the leader's client endpoint, 503 while no leader is known,
    REDIRECT for a worker. It also checks and starts the CLUSTER-*
    requests. It belongs to the main thread.
*/
#ifndef IMB_CLUSTER_H_INCLUDED
#define IMB_CLUSTER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include "im_config.h"
#include "im_proto.h"
#include "imb_raft.h"

typedef struct _imb_cluster_t imb_cluster_t;

//  Follows raft (borrowed) for the node config describes (borrowed,
//  must outlive this object)
imb_cluster_t *
    imb_cluster_new (const im_config_t *config, imb_raft_t *raft);

void
    imb_cluster_destroy (imb_cluster_t **self_p);

//  Looks at Raft now. Returns true when this node started or stopped
//  leading since the last look.
bool
    imb_cluster_look (imb_cluster_t *self);

//  True when this node leads; looks again first when it did not, so a
//  request right after an election need not wait for the next look
bool
    imb_cluster_leading (imb_cluster_t *self);

//  The reply of a node that does not lead: 421 {error, leader_id,
//  leader}, or 503 while no leader is known. Caller owns it.
zmsg_t *
    imb_cluster_redirect (imb_cluster_t *self, const char *request_id);

//  The answer to a worker message on a node that does not lead:
//  REDIRECT to the leader's worker endpoint, or NULL (say nothing)
//  while none is known. Caller owns it.
zmsg_t *
    imb_cluster_worker_redirect (imb_cluster_t *self);

//  The answer to CLUSTER-MEMBERS, from this node's configuration and
//  log: 200 {node_id, count} and one item {node, raft, client, workers,
//  http, source} per node it knows, in id order. A node listed in
//  cluster.members is as listed (source "config"); any other as the
//  last cluster.member event of its id recorded it (source "log").
//  Caller owns the reply.
zmsg_t *
    imb_cluster_members (imb_cluster_t *self, const char *request_id);

//  True for CLUSTER-ADD, CLUSTER-REMOVE and CLUSTER-TRANSFER
bool
    imb_cluster_is_change (const char *verb);

//  Checks a CLUSTER-* request and hands it to Raft under token. Returns
//  NULL when it went (its outcome comes back as the token's result),
//  else the reply (redirect, 400, 503), which the caller owns. A
//  CLUSTER-ADD that names the node's endpoints (client, workers, http)
//  goes in three steps under the one token: Raft checks that the node
//  may be added (its id and Raft address are no member's); then
//  imb_cluster_change_next hands the caller a MEMBER command to submit;
//  once that is answered 200, imb_cluster_change_next adds the node.
zmsg_t *
    imb_cluster_change (imb_cluster_t *self, const im_request_t *request,
                        uint64_t token);

//  token's result was 200: starts the next step of the change under
//  way, under the same token. Returns 1 when it went (the change goes
//  on), 0 when the change is done, IM_ENOMEM when it could not start.
//  When the next step is a command, *member_p gets it (the caller's),
//  for the caller to submit under token; else *member_p is NULL.
int
    imb_cluster_change_next (imb_cluster_t *self, uint64_t token,
                             im_command_t **member_p);

//  True while the change sent with request_id is under way: a resend of
//  it is not a second change, and its answer is the first one's
bool
    imb_cluster_change_running (imb_cluster_t *self, const char *request_id);

//  The change under way is done
void
    imb_cluster_change_done (imb_cluster_t *self);

#endif
