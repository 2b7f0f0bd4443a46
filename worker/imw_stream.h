/*  imw_stream - a worker's connection to the event stream (IMQW01)

    The DEALER to the broker's worker endpoint, with the parts of the
    worker dialog (docs/protocol.md section 4) that need no knowledge of
    events: READY on every (re)connect, PING every heartbeat interval,
    PONG to the broker's PING, and a reconnect on a new socket when the
    broker has said nothing for the expiry interval or told us
    DISCONNECT. A new socket, not a reconnect of the old one, so nothing
    queued for a dead connection is replayed to the next broker.
*/
#ifndef IMW_STREAM_H_INCLUDED
#define IMW_STREAM_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include "im_proto.h"
#include "imw_options.h"

typedef struct _imw_stream_t imw_stream_t;

//  Connects to options->worker_endpoint and sends READY for group;
//  options is borrowed (the heartbeat and expiry are read at each use).
//  Returns NULL with the reason logged when the endpoint is invalid.
imw_stream_t *
    imw_stream_new (const char *group, const imw_options_t *options);

//  Sends nothing: DISCONNECT is imw_stream_disconnect's job
void
    imw_stream_destroy (imw_stream_t **self_p);

//  The socket to poll, borrowed; a reconnect replaces it
zsock_t *
    imw_stream_sock (imw_stream_t *self);

//  Receives one message (call when the socket is readable) and notes
//  that the broker spoke. Answers PING; on DISCONNECT reconnects and
//  sets *reconnected. Returns a DELIVER owned by the caller, or NULL
//  when there is nothing else to do (PING, PONG, DISCONNECT, a
//  malformed message, which is logged).
im_wmsg_t *
    imw_stream_recv (imw_stream_t *self, bool *reconnected);

//  Sends ACK seq. Returns 0 or IM_EIO.
int
    imw_stream_ack (imw_stream_t *self, uint64_t seq);

//  Sends PING when due at now_ms (monotonic) and reconnects when the
//  broker has been silent past the expiry. Returns true when it
//  reconnected: deliveries in flight will come again, forget them.
bool
    imw_stream_heartbeat (imw_stream_t *self, uint64_t now_ms);

//  Sends DISCONNECT so the broker hands our deliveries on at once
void
    imw_stream_disconnect (imw_stream_t *self);

#endif
