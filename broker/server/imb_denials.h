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

typedef struct _imb_denials_t imb_denials_t;

//  A recorder for node node_id that sends its DENY commands to the
//  client endpoints of list (comma-separated: every member's), as a
//  CURVE client with the node's key when curve (borrowed) is not NULL.
//  Returns NULL when the client cannot be made.
imb_denials_t *
    imb_denials_new (uint64_t node_id, const char *list,
                     const im_curve_t *curve);

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

//  The socket to watch for the leader's answers (a zloop reader calls
//  imb_denials_on_reply)
zsock_t *
    imb_denials_sock (imb_denials_t *self);

//  Reads one answer to a DENY this node sent
void
    imb_denials_on_reply (imb_denials_t *self);

//  Records what the limit held when its window ended, and resends what
//  the leader has not answered (call every tick)
void
    imb_denials_tick (imb_denials_t *self);

//  Adds the counts to a STATUS body: denied/<verb>/<needs>, and
//  denials/recorded, denials/suppressed, denials/unrecorded
void
    imb_denials_status (const imb_denials_t *self, im_fields_t *body);

#endif
