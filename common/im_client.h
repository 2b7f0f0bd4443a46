/*  im_client - a client connection to a broker's client endpoint

    imqctl and the workers talk to brokers through this class: a DEALER
    socket connected to the client endpoint, requests tagged with a
    request id, replies matched by that id. The synchronous call resends
    the same request (same request id, so the broker applies it once)
    until it gets an answer or its deadline passes; the asynchronous pair
    send/recv lets a worker keep many commands in flight.
*/
#ifndef IM_CLIENT_H_INCLUDED
#define IM_CLIENT_H_INCLUDED

#include <stdbool.h>
#include <czmq.h>
#include "im_fields.h"
#include "im_proto.h"
#include "im_curve.h"

typedef struct _im_client_t im_client_t;

//  Connects to endpoint (a ZeroMQ endpoint such as tcp://127.0.0.1:7700;
//  a comma-separated list connects to each). timeout_ms bounds each
//  synchronous call. Returns NULL with the reason logged if the endpoint
//  is invalid.
im_client_t *
    im_client_new (const char *endpoint, int timeout_ms);

//  The same, as a CURVE client with identity curve (borrowed: it must
//  outlive the client); NULL curve is the environment's (IMQ_CERT,
//  im_curve_from_env), and no CURVE when that names none. im_client_new
//  is im_client_new_curve with NULL.
im_client_t *
    im_client_new_curve (const char *endpoint, int timeout_ms,
                         const im_curve_t *curve);

//  The same without CURVE, whatever the environment says
im_client_t *
    im_client_new_plain (const char *endpoint, int timeout_ms);

void
    im_client_destroy (im_client_t **self_p);

//  Sends a request and waits for its reply, resending the same request
//  every resend interval (1 s) until timeout_ms passes. request_id may
//  be NULL: a fresh random id is made. raw_items keeps item frames
//  undecoded (TIMELINE). Returns a reply owned by the caller, or NULL on
//  timeout / malformed reply with the reason in im_client_errmsg.
im_reply_t *
    im_client_call (im_client_t *self, const char *verb,
                    const char *request_id, const im_fields_t *body,
                    bool raw_items);

//  Sends a request without waiting. Returns 0 or IM_EIO.
int
    im_client_send (im_client_t *self, const char *verb,
                    const char *request_id, const im_fields_t *body);

//  The socket to poll for replies to im_client_send
zsock_t *
    im_client_sock (im_client_t *self);

//  Receives one reply (call when the socket is readable). Returns a
//  reply owned by the caller, or NULL for a malformed message.
im_reply_t *
    im_client_recv (im_client_t *self, bool raw_items);

//  Writes a fresh request id into buffer: 32 lowercase hex digits, the
//  time in ms (12) then 20 random ones, so that ids sort by time
void
    im_client_new_request_id (char *buffer, size_t size);

//  Detail of the last failure, borrowed
const char *
    im_client_errmsg (im_client_t *self);

#endif
