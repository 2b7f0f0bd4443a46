/*  imb_query - answers to queries, from this node's projections

    Queries never go through Raft: they read the store directly (RocksDB
    reads are thread-safe) and see everything applied so far on this
    node, which on the leader includes every acknowledged command.
*/
#ifndef IMB_QUERY_H_INCLUDED
#define IMB_QUERY_H_INCLUDED

#include <czmq.h>
#include "im_proto.h"
#include "imc_store.h"
#include "imb_raft.h"
#include "imb_dispatch.h"
#include "imb_denials.h"

//  Answers request (a query verb) and returns the REPLY message, owned
//  by the caller. raft, dispatch, refusals (the counts of messages
//  the node refused, by kind) and denials (NULL: none) are borrowed,
//  for STATUS.
zmsg_t *
    imb_query_answer (const im_request_t *request, imc_store_t *store,
                      imb_raft_t *raft, imb_dispatch_t *dispatch,
                      uint64_t node_id, const im_log_limit_t *refusals,
                      const imb_denials_t *denials);

//  The reply to a query that lists items (LIST, SLA-CLOCKS, SEARCH):
//  200 with {count} and the items (borrowed) when scan_rc, the store
//  scan's return code, is not negative, else 500 naming what could not
//  be read
zmsg_t *
    imb_query_list_reply (const char *request_id, int scan_rc,
                          zlist_t *items, const char *what);

#endif
