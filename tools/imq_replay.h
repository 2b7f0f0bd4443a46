/*  imq_replay - reads a node's data directory offline, with the core
    alone, and folds every incident again from its events

    An analyst's question ("what did the desk hold, and does the log
    still say so?") must not need a running broker, its sockets or its
    Raft log: the store is the record. imq_replay opens a store
    read-only through imq_core, counts what each column family holds,
    and rebuilds every incident's projection from its chain of events
    with the fold the state machine used when it applied them
    (imc_incident_evolve), comparing it with the stored projection.
    It links imq_core and imq_base only (no ZeroMQ, libraft, libuv or
    HTTP), which tests/checks/links.sh holds it to.
*/
#ifndef IMQ_REPLAY_H_INCLUDED
#define IMQ_REPLAY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include "im_event.h"
#include "im_incident.h"

typedef struct {
    uint64_t applied;                   //  meta: last Raft index applied
    uint64_t last_seq;                  //  meta: last event seq
    uint64_t next_id;                   //  meta: next incident id to give
    uint64_t events;                    //  Events in the events family
    uint64_t by_type [IM_EV_MAX];       //  ... of each type
    uint64_t unreadable;                //  Events that did not decode
    uint64_t max_seq;                   //  Highest seq found
    uint64_t incidents;                 //  Projections stored
    uint64_t by_status [IM_STATUS_MAX]; //  ... in each status
    uint64_t chained;                   //  Events reached through chains
    uint64_t rebuilt;                   //  Projections folded again
    uint64_t differ;                    //  ... not equal to the stored one
    uint64_t first_differ;              //  Id of the first that differs
    uint64_t requests;                  //  Request results stored
    uint64_t offsets;                   //  Consumer groups with an offset
} imq_replay_counts_t;

//  Opens the store of data_dir (data_dir/store, or data_dir itself when
//  it is a store) read-only, fills counts and closes it. Returns 0 when
//  it was read through (counts->differ and counts->unreadable tell
//  whether what it read agrees), or IM_EIO / IM_EPROTO / IM_ENOMEM
//  with the reason in errbuf.
int
    imq_replay_run (const char *data_dir, imq_replay_counts_t *counts,
                    char *errbuf, size_t errlen);

#endif
