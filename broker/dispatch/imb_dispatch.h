/*  imb_dispatch - the committed event stream, per consumer group

    Every committed event goes to one live instance of every consumer
    group, read from the store (never held in memory beyond a bounded
    window), in seq order per incident: while an instance holds an
    event of an incident, the incident's later events go to that same
    instance or wait. An instance that stops answering gives its events
    back to the group. Each group's offset is the highest seq below
    which every event was acknowledged; it is committed through Raft
    (OFFSET), so after a restart delivery resumes just after it.
*/
#ifndef IMB_DISPATCH_H_INCLUDED
#define IMB_DISPATCH_H_INCLUDED

#include <stdint.h>
#include <czmq.h>
#include "im_config.h"
#include "im_proto.h"
#include "imc_store.h"

typedef struct _imb_dispatch_t imb_dispatch_t;

//  Called to commit a group's offset through Raft
typedef void (imb_dispatch_offset_fn) (const char *group, uint64_t seq,
                                       void *arg);

//  Creates a dispatcher sending on router (the worker ROUTER socket),
//  reading events from store; both borrowed
imb_dispatch_t *
    imb_dispatch_new (imc_store_t *store, zsock_t *router,
                      const im_config_t *config);

void
    imb_dispatch_destroy (imb_dispatch_t **self_p);

//  Handles one worker-dialog message from the peer with routing id;
//  takes ownership of *msg_p's content and nulls it
void
    imb_dispatch_handle (imb_dispatch_t *self, zframe_t *routing,
                         im_wmsg_t **msg_p, uint64_t now_ms);

//  Tells the dispatcher that events up to last_seq are committed
void
    imb_dispatch_committed (imb_dispatch_t *self, uint64_t last_seq);

//  Expires silent instances and commits offsets that moved, through fn
void
    imb_dispatch_tick (imb_dispatch_t *self, uint64_t now_ms,
                       imb_dispatch_offset_fn *fn, void *arg);

//  Returns a new list of fields, one per group: {group, instances,
//  offset, lag, inflight, waiting}; the caller destroys the list (its
//  destructor frees the items)
zlist_t *
    imb_dispatch_status (imb_dispatch_t *self);

#endif
