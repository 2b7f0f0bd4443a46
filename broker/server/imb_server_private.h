/*  imb_server_private - what the parts of a broker node share

    imb_server.c owns the node (sockets, threads, the main loop, the
    worker side); imb_server_client.c handles a client's request and
    imb_server_pending.c whoever waits for Raft. Private to the node.
*/
#ifndef IMB_SERVER_PRIVATE_H_INCLUDED
#define IMB_SERVER_PRIVATE_H_INCLUDED

struct _imb_server_t {
    im_config_t config;             //  Node configuration
    imb_raft_t *raft;               //  Raft thread, owned
    zsock_t *clients;               //  Client ROUTER, owned
    char inproc [64];               //  Its inproc endpoint, for HTTP
    imb_http_t *http;               //  HTTP server, owned
    zsock_t *workers;               //  Worker ROUTER, owned
    imb_dispatch_t *dispatch;       //  Event stream, owned
    imb_cluster_t *cluster;         //  Who leads, owned
    imb_checkpoint_t *checkpoint;   //  Serves store checkpoints, owned
    zloop_t *loop;                  //  Main loop, owned
    zhashx_t *pending;              //  token -> imb_server_pending_t
    zlistx_t *spare;                //  Pending records kept for reuse,
                                    //  owned
    im_request_t *request;          //  Scratch: the request being read
    uint64_t next_token;            //  Token of the next command
    msgpack_sbuffer packed;         //  Scratch for packing commands
    bool failed;                    //  Stopped because the node broke
    bool log_failed;                //  Because its Raft log did
    bool install;                   //  Stopped to install a checkpoint
    im_log_limit_t *refusals;       //  Refused messages: counts, and how
                                    //  often they are logged, owned
    im_curve_t *curve;              //  The node's CURVE identity, owned,
                                    //  or NULL without CURVE
    imb_keys_t *keys;               //  The keys let in, owned, or NULL
    zsock_t *zap;                   //  The ZAP handler, owned, or NULL
    uint64_t principals_seq;        //  Last event of no incident folded
                                    //  into the keys' principals
    imb_denials_t *denials;         //  Denials counted and recorded,
                                    //  owned
};

//  A command waiting for its result, or a linearizable read for its
//  barrier, or a cluster change. ROUTER routing ids are at most 255
//  bytes, so the whole id fits here and no frame is kept.
typedef struct {
    uint8_t routing [255];          //  Who asked
    uint8_t routing_size;           //  How many bytes of it
    char request_id [IM_REQUEST_ID_MAX];  //  Echoed in the reply
    im_request_t *read;             //  The read waiting, owned, or NULL
    bool change;                    //  A cluster change
    bool one_frame;                 //  Asked in IMQ02: answered in it
    im_command_type_t type;         //  The command's verb, or IM_CMD_NONE
    uint64_t incident;              //  Its incident, for a denial
    char actor [IM_ACTOR_MAX];      //  Its actor, for a denial
} imb_server_pending_t;

//  Sends reply (taken) to routing on socket, in IMQ02 when one_frame
//  (a client reply that was asked in it); nothing when it is NULL
void
    imb_server_send_reply (zsock_t *socket, zframe_t *routing,
                           bool one_frame, zmsg_t **reply_p);

//  When this node started or stopped leading, the event stream starts
//  over (see imb_server.c)
void
    imb_server_look (imb_server_t *self);

//  True when this node leads, looking again when it did not
bool
    imb_server_leading (imb_server_t *self);

//  Handles one message (taken) from the client ROUTER: its routing
//  frame, then the request
void
    imb_server_client_message (imb_server_t *self, zmsg_t *msg);

//  Answers a query from this node's store and state; the reply is the
//  caller's
zmsg_t *
    imb_server_query (imb_server_t *self, const im_request_t *request);

//  Counts a refused message of kind (a static name) and logs reason in
//  full unless that kind was already logged often in this interval
void
    imb_server_refused (imb_server_t *self, const char *kind,
                        const char *what, const char *reason);

//  Makes the node's identity, reads its keys and binds the ZAP handler
//  when security.curve is on (before any endpoint is bound). Returns 0,
//  or -1 with the reason in errbuf.
int
    imb_server_auth_start (imb_server_t *self, char *errbuf, size_t errlen);

//  Puts the ZAP handler and the keys' reload timer on the main loop
void
    imb_server_auth_attach (imb_server_t *self);

//  Lets in the keys the log's principals gained, and no longer those
//  they lost, once this node applied the change (every main loop tick)
void
    imb_server_auth_tick (imb_server_t *self);

//  Frees what imb_server_auth_start made
void
    imb_server_auth_stop (imb_server_t *self);

//  Who sent the message whose first frame after the routing id is frame:
//  *key is the sender's key, or NULL for the node's own inproc peers (or
//  without CURVE). Returns 0, or -1 with the reason in errbuf when a
//  network peer has no key in the table.
int
    imb_server_peer (imb_server_t *self, zframe_t *frame,
                     const imb_key_t **key, char *errbuf, size_t errlen);

//  Whether key (NULL: trusted) may send request (a command's actor is
//  the key's principal: imb_command_from). Returns 0, or -1 with the
//  reason in errbuf and the role it lacks in *needs (static).
int
    imb_server_authorize (const imb_key_t *key,
                          const im_request_t *request, const char **needs,
                          char *errbuf, size_t errlen);

//  The pending table's key hasher and comparator: keys are tokens
size_t
    imb_server_token_hash (const void *key);
int
    imb_server_token_compare (const void *a, const void *b);

//  Frees a pending record and the read it holds (a destructor)
void
    imb_server_pending_free (void **item);

//  Remembers who waits for token's result, and whether it asked in
//  IMQ02 (one_frame); returns the record (the table's)
imb_server_pending_t *
    imb_server_pending_add (imb_server_t *self, uint64_t token,
                            zframe_t *routing, const char *request_id,
                            bool one_frame);

//  Hands a packed command to Raft; routing (borrowed, or NULL for the
//  broker's own commands) waits for its result, answered in IMQ02 when
//  one_frame. Returns 0, IM_EBUSY, IM_ENOMEM, or IM_EPROTO for a
//  routing id over 255 bytes.
int
    imb_server_submit (imb_server_t *self, const im_command_t *command,
                       zframe_t *routing, const char *request_id,
                       bool one_frame);

//  An entry was applied: answers whoever waits for its commands (a
//  zloop reader on the Raft thread's results pipe)
int
    imb_server_on_results (zloop_t *loop, zsock_t *socket, void *arg);

#endif
