/*  im_proto - the ZeroMQ messages between clients, workers and a broker

    Two dialogs, both DEALER (client, worker) to ROUTER (broker); the
    ROUTER's identity frame is not part of these messages. This is the
    only code that turns frames from the network into values: everything
    it returns has been checked. docs/protocol.md is the normative spec;
    section numbers are cited below.

    Client dialog (section 3), signature "IMQ01":
        REQUEST  = "IMQ01" verb request-id body
        REPLY    = "IMQ01" status request-id body *item
    verb: a command verb (im_command.h) or a query verb (below); status:
    three ASCII digits; body and items: im_fields msgpack maps.
    The same in one frame (section 3.9), signature "IMQ02": CURVE seals
    each frame on its own, so one frame instead of four is a quarter of
    the sealing; a broker answers in the form it was asked in:
        REQUEST  = ["IMQ02" verb-size verb id-size request-id body]
        REPLY    = ["IMQ02" status id-size request-id body] *item

    Worker dialog (section 4), signature "IMQW01":
        READY      = "IMQW01" "READY" group instance credit
        DELIVER    = "IMQW01" "DELIVER" seq event
        ACK        = "IMQW01" "ACK" seq
        PING       = "IMQW01" "PING"
        PONG       = "IMQW01" "PONG"
        DISCONNECT = "IMQW01" "DISCONNECT"
        REDIRECT   = "IMQW01" "REDIRECT" endpoint
        ERROR      = "IMQW01" "ERROR" status reason
    seq: 8 octets, network order; event: msgpack EVENT (im_event.h).
*/
#ifndef IM_PROTO_H_INCLUDED
#define IM_PROTO_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include <czmq.h>
#include "im_fields.h"
#include "im_proto_status.h"

#define IM_PROTO_CLIENT_SIG  "IMQ01"
#define IM_PROTO_ONE_FRAME_SIG "IMQ02"
#define IM_PROTO_WORKER_SIG  "IMQW01"
#define IM_PROTO_FRAME_MAX   (1024 * 1024)  //  Bytes in one frame
#define IM_PROTO_ITEMS_MAX   10000          //  Item frames in one reply
#define IM_PROTO_VERB_MAX    32             //  Bytes in a verb, with NUL
#define IM_PROTO_GROUP_MAX   64             //  Bytes in a group name
#define IM_PROTO_ENDPOINT_MAX 256           //  Bytes in a REDIRECT endpoint
#define IM_PROTO_CREDIT_MAX  10000          //  Deliveries a worker may hold
#define IM_PROTO_REASON_MAX  256            //  Bytes in an ERROR's reason,
                                            //  with NUL

//  Query verbs: answered from the projections, never go through the
//  state machine; the CLUSTER-* verbs change Raft's membership.
//  X(enum, verb)
#define IM_QUERY_TABLE(X)                                                  \
    X (IM_QUERY_GET,        "GET")                                         \
    X (IM_QUERY_LIST,       "LIST")                                        \
    X (IM_QUERY_TIMELINE,   "TIMELINE")                                    \
    X (IM_QUERY_STATUS,     "STATUS")                                      \
    X (IM_QUERY_SLA_CLOCKS, "SLA-CLOCKS")                                  \
    X (IM_QUERY_COUNTERS,   "COUNTERS")                                    \
    X (IM_QUERY_CONFIG,     "CONFIG-GET")                                  \
    X (IM_QUERY_SEARCH,     "SEARCH")                                      \
    X (IM_QUERY_CLUSTER_ADD, "CLUSTER-ADD")                                \
    X (IM_QUERY_CLUSTER_REMOVE, "CLUSTER-REMOVE")                          \
    X (IM_QUERY_CLUSTER_TRANSFER, "CLUSTER-TRANSFER")                      \
    X (IM_QUERY_CLUSTER_MEMBERS, "CLUSTER-MEMBERS")                        \
    X (IM_QUERY_CHECKPOINT, "CHECKPOINT")                                  \
    X (IM_QUERY_CHECKPOINT_READ, "CHECKPOINT-READ")                        \
    X (IM_QUERY_DENIALS,    "DENIALS")                                     \
    X (IM_QUERY_PRINCIPALS, "PRINCIPALS")                                  \
    X (IM_QUERY_SLA_REPORT, "SLA-REPORT")                                  \
    X (IM_QUERY_EVENTS,     "EVENTS")

#define IM_QUERY_ENUM(e, name) e,
typedef enum {
    IM_QUERY_NONE = 0,
    IM_QUERY_TABLE (IM_QUERY_ENUM)
    IM_QUERY_MAX
} im_query_type_t;
#undef IM_QUERY_ENUM

im_query_type_t
    im_query_type_from_name (const char *name);
const char *
    im_query_type_name (im_query_type_t type);

//  ---------------------------------------------------------------------
//  Client dialog

typedef struct {
    char verb [IM_PROTO_VERB_MAX];          //  Command or query verb
    char request_id [128];                  //  As sent, may be empty
    im_fields_t *body;                      //  Arguments, owned
    bool one_frame;                         //  Sent as IMQ02: answer so
} im_request_t;

typedef struct {
    int status;                             //  200..599
    char request_id [128];                  //  Echoed
    im_fields_t *body;                      //  Result or {error}, owned
    zlist_t *items;                         //  im_fields_t * items, owned
                                            //  (NULL when none)
    zlist_t *raw_items;                     //  zframe_t * items kept raw
                                            //  (TIMELINE events), owned
} im_reply_t;

//  True when frame begins with the signature of IMQ02: the first frame
//  of a client message in one frame
bool
    im_proto_is_one_frame (zframe_t *frame);

im_request_t *
    im_request_new (void);
void
    im_request_destroy (im_request_t **self_p);

//  Builds a REQUEST message; the caller owns it. Returns NULL if the
//  body does not encode.
zmsg_t *
    im_request_encode (const char *verb, const char *request_id,
                       const im_fields_t *body);

//  The same REQUEST in one frame (IMQ02), as im_client sends it
zmsg_t *
    im_request_encode_one (const char *verb, const char *request_id,
                           const im_fields_t *body);

//  Sends a REQUEST whose body is already encoded (msgpack map bytes)
//  straight to socket (a zsock_t or a libzmq socket), in one frame
//  (IMQ02) and without message objects: for clients that send many.
//  Returns 0, or -1 if a part is too long or the send fails.
int
    im_request_send_packed (void *socket, const char *verb,
                            const char *request_id, const void *body,
                            size_t size);

//  Parses a REQUEST (without the routing frame), destroying *msg_p. On
//  error returns IM_EPROTO / IM_ETOOBIG with the reason in errbuf and,
//  when it could be read, the request id copied into self->request_id
//  so the error reply can echo it.
int
    im_request_decode (im_request_t *self, zmsg_t **msg_p,
                       char *errbuf, size_t errlen);

im_reply_t *
    im_reply_new (int status);
void
    im_reply_destroy (im_reply_t **self_p);

//  Builds a REPLY message from parts. items may be NULL; each item in
//  items is an im_fields_t *; raw_items are msgpack bytes already
//  encoded (zframe_t *). Both lists are borrowed.
zmsg_t *
    im_reply_encode (int status, const char *request_id,
                     const im_fields_t *body, zlist_t *items,
                     zlist_t *raw_items);

//  Builds a REPLY whose body is already encoded fields (size bytes, an
//  empty map when size is 0), with no items. The broker uses it to pass
//  on results the state machine encoded. Returns NULL if status, id or
//  size are out of range.
zmsg_t *
    im_reply_encode_packed (int status, const char *request_id,
                            const void *body, size_t size);

//  Sends the same REPLY straight to socket (a zsock_t or a libzmq
//  socket), after the routing frame when routing is not NULL (a ROUTER
//  answering), in one frame (IMQ02) when one_frame: no message objects
//  are made. Returns 0, or -1 if the reply cannot be made or sent.
int
    im_reply_send_packed (void *socket, const void *routing,
                          size_t routing_size, bool one_frame, int status,
                          const char *request_id, const void *body,
                          size_t size);

//  Turns a REPLY built by the encoders here (IMQ01) into IMQ02: its
//  four head frames into one, the items left as they are. Returns 0,
//  or -1 (and destroys *msg_p) when out of memory.
int
    im_reply_to_one_frame (zmsg_t **msg_p);

//  True when msg, a REPLY in either form not yet decoded, echoes
//  request_id; false when it echoes another or its head cannot be read
bool
    im_reply_answers (zmsg_t *msg, const char *request_id);

//  Reads the head frame of an IMQ02 REPLY (data, size octets): status,
//  request id (copied into request_id, IM_REQUEST_ID_MAX bytes) and the
//  body, pointed into data, not decoded. For clients that read many
//  replies without message objects. Returns 0 or IM_EPROTO.
int
    im_reply_head (const void *data, size_t size, int *status,
                   char *request_id, const void **body, size_t *body_size);

//  Builds an error REPLY: body {"error": text}
zmsg_t *
    im_reply_encode_error (int status, const char *request_id,
                           const char *text);

//  Parses a REPLY, destroying *msg_p. When raw is true the item frames
//  are kept as zframe_t * in raw_items (for TIMELINE, whose items are
//  EVENTs), else decoded into items.
int
    im_reply_decode (im_reply_t *self, zmsg_t **msg_p, bool raw,
                     char *errbuf, size_t errlen);

//  Converts a reply to JSON: the body's keys, then, when items_key is
//  not NULL, the items (raw items decoded as EVENTs) as an array under
//  items_key. Returns a new object (the caller's), or NULL when out of
//  memory or an item does not decode. imqctl --json and the broker's
//  HTTP API print the same thing this way.
struct json_t;
struct json_t *
    im_reply_to_json (const im_reply_t *reply, const char *items_key);

//  ---------------------------------------------------------------------
//  Worker dialog

typedef enum {
    IM_WMSG_NONE = 0,
    IM_WMSG_READY,
    IM_WMSG_DELIVER,
    IM_WMSG_ACK,
    IM_WMSG_PING,
    IM_WMSG_PONG,
    IM_WMSG_DISCONNECT,
    IM_WMSG_REDIRECT,
    IM_WMSG_ERROR
} im_wmsg_type_t;

typedef struct {
    im_wmsg_type_t type;                    //  Which message
    char group [IM_PROTO_GROUP_MAX];        //  READY: consumer group
    char instance [IM_PROTO_GROUP_MAX];     //  READY: instance name
    uint32_t credit;                        //  READY: deliveries it holds
    uint64_t seq;                           //  DELIVER / ACK
    zframe_t *event;                        //  DELIVER: event bytes, owned
    char endpoint [IM_PROTO_ENDPOINT_MAX];  //  REDIRECT: leader's stream
    int status;                             //  ERROR: 400 or 413
    char reason [IM_PROTO_REASON_MAX];      //  ERROR: what was refused, why
} im_wmsg_t;

im_wmsg_t *
    im_wmsg_new (void);
void
    im_wmsg_destroy (im_wmsg_t **self_p);

zmsg_t *
    im_wmsg_encode_ready (const char *group, const char *instance,
                          uint32_t credit);
zmsg_t *
    im_wmsg_encode_deliver (uint64_t seq, const void *event, size_t size);
zmsg_t *
    im_wmsg_encode_ack (uint64_t seq);
zmsg_t *
    im_wmsg_encode_simple (im_wmsg_type_t type);   //  PING PONG DISCONNECT

//  REDIRECT naming the leader's worker endpoint; NULL when it is empty
//  or too long
zmsg_t *
    im_wmsg_encode_redirect (const char *endpoint);

//  ERROR answering a message that did not decode: status (100..599)
//  and reason, cut to IM_PROTO_REASON_MAX - 1 octets at a character
//  boundary; NULL when status is out of range or reason is empty or
//  not UTF-8
zmsg_t *
    im_wmsg_encode_error (int status, const char *reason);

//  Parses a worker-dialog message, destroying *msg_p. Returns 0 or
//  IM_EPROTO with the reason in errbuf.
int
    im_wmsg_decode (im_wmsg_t *self, zmsg_t **msg_p,
                    char *errbuf, size_t errlen);

#endif
