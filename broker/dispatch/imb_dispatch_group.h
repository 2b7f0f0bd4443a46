/*  imb_dispatch_group - one consumer group: its instances, what they
    hold, what waits, and its offset

    See imb_dispatch.h for the rules. Peers are named by the hex of
    their ROUTER routing id.
*/
#ifndef IMB_DISPATCH_GROUP_H_INCLUDED
#define IMB_DISPATCH_GROUP_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include "im_fields.h"
#include "imc_store.h"

//  A group tracks acknowledgements for this many seqs past its offset,
//  and loads no event further on; it holds at most WAITING_MAX loaded
//  events that no instance could take yet
#define IMB_DISPATCH_GROUP_RING         65536
#define IMB_DISPATCH_GROUP_WAITING_MAX  4096

typedef struct _imb_dispatch_group_t imb_dispatch_group_t;

//  Creates a group starting after its stored offset; store and router
//  are borrowed
imb_dispatch_group_t *
    imb_dispatch_group_new (const char *name, imc_store_t *store,
                            zsock_t *router, uint64_t last_seq);
void
    imb_dispatch_group_destroy (imb_dispatch_group_t **self_p);

const char *
    imb_dispatch_group_name (imb_dispatch_group_t *self);

//  Adds an instance (routing is copied)
void
    imb_dispatch_group_join (imb_dispatch_group_t *self, const char *peer,
                             zframe_t *routing, const char *instance,
                             uint32_t credit, uint64_t now_ms);

//  Removes an instance; what it held goes back to waiting
void
    imb_dispatch_group_leave (imb_dispatch_group_t *self, const char *peer);

//  Notes that the instance is alive
void
    imb_dispatch_group_seen (imb_dispatch_group_t *self, const char *peer,
                             uint64_t now_ms);

//  Acknowledges seq from peer (ignored unless peer holds it)
void
    imb_dispatch_group_ack (imb_dispatch_group_t *self, const char *peer,
                            uint64_t seq, uint64_t now_ms);

void
    imb_dispatch_group_committed (imb_dispatch_group_t *self,
                                  uint64_t last_seq);

//  Delivers what it can
void
    imb_dispatch_group_pump (imb_dispatch_group_t *self);

//  Removes instances silent for expiry_ms; returns the list of their
//  peer names (the caller destroys it)
zlist_t *
    imb_dispatch_group_expire (imb_dispatch_group_t *self, uint64_t now_ms,
                               uint32_t expiry_ms);

//  True (and the offset) if the offset moved since last asked
bool
    imb_dispatch_group_offset_moved (imb_dispatch_group_t *self,
                                     uint64_t *offset);

//  {group, instances, offset, lag, inflight, waiting}, caller owns
im_fields_t *
    imb_dispatch_group_status (imb_dispatch_group_t *self);

#endif
