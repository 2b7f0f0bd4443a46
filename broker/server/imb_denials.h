/*  imb_denials - a node's denials, counted and recorded in the log

    Every time a node refuses an authenticated principal a verb (a
    missing role, 403), the refusal is counted by verb and by what was
    missing (STATUS, /metrics) and, within the bounds of imb_deny_limit,
    recorded through Raft as a DENY command, which the state machine
    turns into an access.denied event (docs/protocol.md section 9). The
    DENY goes from this node to the leader as any node-to-node request
    does: over the client endpoints, with the node's own key, resent
    with the same request id until the leader answers, so a denial seen
    on a follower is recorded once.

    imb_denials_record is the one entry point on the main thread. Other
    threads of the node (HTTP) report a denial by sending DENY over
    their inproc connection to the node (docs/protocol.md section 9),
    which hands it here.
*/
#ifndef IMB_DENIALS_H_INCLUDED
#define IMB_DENIALS_H_INCLUDED

#include <czmq.h>
#include "im_curve.h"
#include "im_fields.h"
#include "im_client.h"

typedef struct _imb_denials_t imb_denials_t;

//  A recorder for node node_id that sends its DENY commands to the
//  client endpoints of list (comma-separated: every member's), as a
//  CURVE client with the node's key when curve (borrowed) is not NULL.
//  Its connection is made when first needed, and read on loop (the
//  node's main loop, borrowed: destroy the recorder after it). Returns
//  NULL when out of memory.
imb_denials_t *
    imb_denials_new (uint64_t node_id, const char *list,
                     const im_curve_t *curve, zloop_t *loop);

void
    imb_denials_destroy (imb_denials_t **self_p);

//  Counts one denial: principal was refused verb (on incident, 0 for
//  none) because it lacks needs (a role or what else was missing: a
//  short name from imq's code, counted by it), reason in words; records
//  it in the log unless the limit holds it back
void
    imb_denials_record (imb_denials_t *self, const char *principal,
                        const char *verb, uint64_t incident,
                        const char *needs, const char *reason);

//  Records what the limit held when its window ended, and resends what
//  the leader has not answered (call every tick)
void
    imb_denials_tick (imb_denials_t *self);

//  Reports a denial from another thread of the node (an HTTP request
//  thread that refused a caller) through client, its connection to
//  the node's inproc client endpoint: sends DENY {actor: principal,
//  verb, incident (0: none), needs, reason} and waits for the node's
//  answer, at most the client's timeout. The node then counts and
//  records it as its own (imb_denials_record). Returns 0, or IM_EIO
//  when the node did not answer 200.
int
    imb_denials_report (im_client_t *client, const char *principal,
                        const char *verb, uint64_t incident,
                        const char *needs, const char *reason);

//  Adds the counts to a STATUS body: denied/<verb>/<needs>, and
//  denials/recorded, denials/suppressed, denials/unrecorded
void
    imb_denials_status (const imb_denials_t *self, im_fields_t *body);

#endif
