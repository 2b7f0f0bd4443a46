/*  imb_server - one broker node: its sockets, its Raft thread, its
    dispatcher, and the main loop that ties them together

    The main thread owns the ZeroMQ side. A command is checked, stamped
    with the leader's time and the actor, packed, and handed to the Raft
    thread under a token; the reply goes out when the entry holding it
    was applied and its result comes back under that token. Queries are
    answered at once from the store; a linearizable one waits under a
    token for a Raft barrier. Bad input of any kind gets an error reply
    naming what was wrong, and a log line; nothing else. A node that
    does not lead answers as imb_cluster says.
*/
#include "imb_classes.h"

#define TICK_MS     100             //  Offsets, expiry, health
#define READ_BURST  256             //  Messages read per wake-up

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
    zhashx_t *pending;              //  token -> s_pending_t
    zlistx_t *spare;                //  s_pending_t kept for reuse, owned
    im_request_t *request;          //  Scratch: the request being read
    uint64_t next_token;            //  Token of the next command
    msgpack_sbuffer packed;         //  Scratch for packing commands
    bool failed;                    //  Stopped because the node broke
    bool install;                   //  Stopped to install a checkpoint
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
} s_pending_t;

static size_t
s_token_hash (const void *key)
{
    return (size_t) ((uintptr_t) key * 11400714819323198485ull);
}

static int
s_token_compare (const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) a, y = (uintptr_t) b;
    return x < y ? -1 : x > y;
}

static void
s_pending_free (void **item)
{
    s_pending_t *pending = (s_pending_t *) *item;
    im_request_destroy (&pending->read);
    free (pending);
    *item = NULL;
}

//  Reuses a spare pending record, or makes one
static s_pending_t *
s_pending_take (imb_server_t *self)
{
    s_pending_t *pending = (s_pending_t *) zlistx_detach (self->spare, NULL);
    if (!pending)
        pending = (s_pending_t *) malloc (sizeof *pending);
    assert (pending);
    return pending;
}

//  Keeps up to this many spare records; more are freed
#define SPARE_MAX   65536

static void
s_pending_give (imb_server_t *self, s_pending_t *pending)
{
    im_request_destroy (&pending->read);
    if (zlistx_size (self->spare) < SPARE_MAX)
        zlistx_add_end (self->spare, pending);
    else
        free (pending);
}

static void
s_send_reply (zsock_t *socket, zframe_t *routing, zmsg_t **reply_p)
{
    if (!*reply_p)
        return;
    zframe_t *copy = zframe_dup (routing);
    zmsg_prepend (*reply_p, &copy);
    zmsg_send (reply_p, socket);
}

//  Remembers who waits for token's result; returns the record (the
//  table's)
static s_pending_t *
s_pending_add (imb_server_t *self, uint64_t token, zframe_t *routing,
               const char *request_id)
{
    s_pending_t *pending = s_pending_take (self);
    size_t routing_size = zframe_size (routing);
    assert (routing_size <= sizeof pending->routing);
    memcpy (pending->routing, zframe_data (routing), routing_size);
    pending->routing_size = (uint8_t) routing_size;
    im_strlcpy (pending->request_id, request_id, sizeof pending->request_id);
    pending->read = NULL;
    pending->change = false;
    zhashx_insert (self->pending, (void *) (uintptr_t) token, pending);
    return pending;
}

//  Hands a command to Raft, packed, under token. Returns 0, IM_ENOMEM
//  or IM_EBUSY.
static int
s_submit_as (imb_server_t *self, const im_command_t *command, uint64_t token)
{
    self->packed.size = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, &self->packed, msgpack_sbuffer_write);
    if (im_command_pack (command, &pk))
        return IM_ENOMEM;
    return imb_raft_submit (self->raft, token, self->packed.data,
                            self->packed.size);
}

//  Hands a packed command to Raft. Returns 0 or IM_EBUSY.
static int
s_submit (imb_server_t *self, const im_command_t *command, zframe_t *routing,
          const char *request_id)
{
    //  libzmq keeps routing ids to 255 bytes; never trust that blindly
    if (routing && zframe_size (routing) > sizeof ((s_pending_t *) 0)->routing)
        return IM_EPROTO;
    uint64_t token = ++self->next_token;
    int rc = s_submit_as (self, command, token);
    if (rc == 0 && routing)
        s_pending_add (self, token, routing, request_id);
    return rc;
}

//  When this node started or stopped leading, the event stream starts
//  over: a new leader reads the replicated offsets, and a node that
//  stopped leading forgets its workers, whom it redirects from then on
static void
s_look (imb_server_t *self)
{
    if (!imb_cluster_look (self->cluster))
        return;
    imb_dispatch_destroy (&self->dispatch);
    self->dispatch = imb_dispatch_new (imb_raft_store (self->raft),
                                       self->workers, &self->config);
    assert (self->dispatch);
}

//  True when this node leads, looking again when it did not: a command
//  just after an election must not wait for the next tick
static bool
s_leading (imb_server_t *self)
{
    if (!imb_cluster_leading (self->cluster))
        s_look (self);
    return imb_cluster_leading (self->cluster);
}

static void
s_handle_command (imb_server_t *self, zframe_t *routing,
                  im_request_t *request)
{
    //  A repeated request id is answered by the state machine from what
    //  it stored the first time: no look-up here, on the hot path
    im_command_t *command = NULL;
    zmsg_t *reply = s_leading (self)
                  ? imb_command_from (request, &command)
                  : imb_cluster_redirect (self->cluster, request->request_id);
    if (!reply) {
        int rc = s_submit (self, command, routing, request->request_id);
        if (rc == IM_EPROTO)
            reply = im_reply_encode_error (400, request->request_id,
                                           "routing id longer than 255 "
                                           "bytes");
        else
        if (rc)
            reply = im_reply_encode_error (503, request->request_id,
                                           "the broker is busy; retry with "
                                           "the same request id");
    }
    im_command_destroy (&command);
    s_send_reply (self->clients, routing, &reply);
}

//  A query: answered now from this node's store, or, when it asks to be
//  linearizable, on the leader once a barrier shows that everything
//  committed before it is applied. A cluster change goes to Raft.
static zmsg_t *
s_handle_query (imb_server_t *self, zframe_t *routing,
                const im_request_t *request)
{
    if (imb_checkpoint_is_verb (request->verb))
        return imb_checkpoint_answer (self->checkpoint, request);
    if (im_query_type_from_name (request->verb) == IM_QUERY_CLUSTER_MEMBERS)
        return imb_cluster_members (self->cluster, request->request_id);
    bool change = imb_cluster_is_change (request->verb);
    if (!change && im_fields_int_or (request->body, "linearizable", 0) == 0)
        return imb_query_answer (request, imb_raft_store (self->raft),
                                 self->raft, self->dispatch,
                                 self->config.node_id);
    if (!s_leading (self))
        return imb_cluster_redirect (self->cluster, request->request_id);
    if (change && imb_cluster_change_running (self->cluster,
                                              request->request_id))
        return NULL;                //  A resend: the first is answered
    uint64_t token = ++self->next_token;
    zmsg_t *reply = change
        ? imb_cluster_change (self->cluster, request, token)
        : imb_raft_control (self->raft, token, IMB_RAFT_BARRIER, 0, NULL)
        ? im_reply_encode_error (503, request->request_id, "out of memory; "
                                 "retry")
        : NULL;
    if (reply)
        return reply;
    s_pending_t *pending = s_pending_add (self, token, routing,
                                         request->request_id);
    pending->change = change;
    if (!change) {
        //  The request is scratch: the read keeps a copy
        pending->read = im_request_new ();
        assert (pending->read);
        memcpy (pending->read->verb, request->verb, sizeof request->verb);
        memcpy (pending->read->request_id, request->request_id,
                sizeof request->request_id);
        im_fields_destroy (&pending->read->body);
        pending->read->body = im_fields_dup (request->body);
        assert (pending->read->body);
    }
    return NULL;
}

static void
s_client_message (imb_server_t *self, zmsg_t *msg)
{
    zframe_t *routing = zmsg_pop (msg);
    im_request_t *request = self->request;
    char reason [256] = "";
    int rc = routing ? im_request_decode (request, &msg, reason, sizeof reason)
                     : IM_EPROTO;
    zmsg_destroy (&msg);
    if (!routing)
        ;                           //  Nothing to answer to
    else
    if (rc) {
        zsys_warning ("client request rejected: %s", reason);
        zmsg_t *reply = im_reply_encode_error (im_error_status (rc),
                                               request->request_id, reason);
        s_send_reply (self->clients, routing, &reply);
    }
    else
    if (im_query_type_from_name (request->verb) != IM_QUERY_NONE) {
        zmsg_t *reply = s_handle_query (self, routing, request);
        s_send_reply (self->clients, routing, &reply);
    }
    else
        s_handle_command (self, routing, request);
    zframe_destroy (&routing);
}

//  Returns the next whole message waiting on socket, or NULL when none
//  is: a receive that does not wait costs less than asking for
//  ZMQ_EVENTS before each one. The parts of a message arrive together.
static zmsg_t *
s_recv_nowait (zsock_t *socket)
{
    zmq_msg_t part;
    zmq_msg_init (&part);
    if (zmq_msg_recv (&part, zsock_resolve (socket), ZMQ_DONTWAIT) == -1) {
        zmq_msg_close (&part);
        return NULL;
    }
    zmsg_t *msg = zmsg_new ();
    zframe_t *frame = zframe_new (zmq_msg_data (&part), zmq_msg_size (&part));
    bool more = zmq_msg_more (&part);
    zmq_msg_close (&part);
    if (!msg || !frame || zmsg_append (msg, &frame)) {
        zframe_destroy (&frame);
        zmsg_destroy (&msg);
        return NULL;
    }
    while (more) {
        frame = zframe_recv (socket);
        if (!frame) {
            zmsg_destroy (&msg);
            break;
        }
        more = zframe_more (frame);
        zmsg_append (msg, &frame);
    }
    return msg;
}

//  Reads what is waiting on socket, up to a bound so the other sockets
//  get a turn: one poll per message would cost more than the message
static void
s_read_burst (imb_server_t *self, zsock_t *socket,
              void (*handle) (imb_server_t *, zmsg_t *))
{
    for (int count = 0; count < READ_BURST; count++) {
        zmsg_t *msg = s_recv_nowait (socket);
        if (!msg)
            break;
        handle (self, msg);
    }
}

static int
s_on_client (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    imb_server_t *self = (imb_server_t *) arg;
    s_read_burst (self, socket, s_client_message);
    imb_raft_flush (self->raft);    //  What this burst submitted
    return 0;
}

static void
s_worker_message (imb_server_t *self, zmsg_t *msg)
{
    zframe_t *routing = zmsg_pop (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char reason [256] = "";
    if (routing && im_wmsg_decode (wmsg, &msg, reason, sizeof reason) == 0) {
        if (s_leading (self))
            imb_dispatch_handle (self->dispatch, routing, &wmsg,
                                 im_mono_ms ());
        else
        if (wmsg->type != IM_WMSG_DISCONNECT) {
            //  The stream is the leader's: name it, or stay silent while
            //  none is known, and the worker tries another node
            zmsg_t *redirect = imb_cluster_worker_redirect (self->cluster);
            s_send_reply (self->workers, routing, &redirect);
        }
    }
    else
        zsys_warning ("worker message rejected: %s", reason);
    im_wmsg_destroy (&wmsg);
    zmsg_destroy (&msg);
    zframe_destroy (&routing);
}

static int
s_on_worker (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    s_read_burst ((imb_server_t *) arg, socket, s_worker_message);
    return 0;
}

//  Answers what waited for a barrier or a change that went through,
//  what failed because this node stopped leading (naming the leader),
//  or a change whose next step could not start (503)
static void
s_answer_after (imb_server_t *self, s_pending_t *pending, int status)
{
    zmsg_t *reply;
    if (status == 421) {
        s_look (self);
        reply = imb_cluster_redirect (self->cluster, pending->request_id);
    }
    else
    if (status == 503)
        reply = im_reply_encode_error (503, pending->request_id, "the "
                                       "broker is busy; retry with the "
                                       "same request id");
    else
    if (pending->read)
        reply = imb_query_answer (pending->read, imb_raft_store (self->raft),
                                  self->raft, self->dispatch,
                                  self->config.node_id);
    else {
        im_fields_t *done = im_fields_new ();
        im_fields_set_int (done, "node_id", (int64_t) self->config.node_id);
        reply = im_reply_encode (200, pending->request_id, done, NULL, NULL);
        im_fields_destroy (&done);
    }
    zframe_t *routing = zframe_new (pending->routing, pending->routing_size);
    s_send_reply (self->clients, routing, &reply);
    zframe_destroy (&routing);
}

//  An entry was applied: answer whoever waits for its commands
static int
s_on_results (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    imb_server_t *self = (imb_server_t *) arg;
    zframe_t *frame = zframe_recv (socket);
    uint64_t last_seq;
    uint32_t count;
    size_t offset;
    if (!frame || imb_raft_results_header (frame, &last_seq, &count, &offset)) {
        zframe_destroy (&frame);
        return 0;
    }
    for (uint32_t index = 0; index < count; index++) {
        uint64_t token;
        int status;
        const void *body;
        size_t size;
        if (imb_raft_results_next (frame, &offset, &token, &status, &body,
                                   &size))
            break;
        void *key = (void *) (uintptr_t) token;
        s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending,
                                                              key);
        if (!pending)
            continue;               //  An internal command (OFFSET)
        im_command_t *member = NULL;
        int next = pending->change && status == 200
                 ? imb_cluster_change_next (self->cluster, token, &member)
                 : 0;
        if (member) {               //  A node's endpoints, recorded first
            if (s_submit_as (self, member, token))
                next = IM_EBUSY;
            imb_raft_flush (self->raft);
            im_command_destroy (&member);
        }
        if (next == 1)
            continue;               //  The change goes on, same token
        if (next < 0)
            status = 503;
        if (pending->change)
            imb_cluster_change_done (self->cluster);
        if (status == 421 || next < 0
        ||  (status == 200 && (pending->read || pending->change)))
            s_answer_after (self, pending, status);
        else
            im_reply_send_packed (self->clients, pending->routing,
                                  pending->routing_size, status,
                                  pending->request_id, body, size);
        zhashx_delete (self->pending, key);     //  No destructor
        s_pending_give (self, pending);
    }
    zframe_destroy (&frame);
    imb_dispatch_committed (self->dispatch, last_seq);
    return 0;
}

static void
s_commit_offset (const char *group, uint64_t seq, void *arg)
{
    imb_server_t *self = (imb_server_t *) arg;
    im_command_t *command = im_command_new ();
    command->type = IM_CMD_OFFSET;
    command->ts_ms = im_now_ms ();
    im_strlcpy (command->actor, "broker", sizeof command->actor);
    im_fields_set_str (command->args, "group", group);
    im_fields_set_int (command->args, "seq", (int64_t) seq);
    if (s_submit (self, command, NULL, ""))
        zsys_warning ("offset of %s not committed now (queue full)", group);
    imb_raft_flush (self->raft);
    im_command_destroy (&command);
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    imb_server_t *self = (imb_server_t *) arg;
    s_look (self);
    imb_dispatch_tick (self->dispatch, im_mono_ms (), s_commit_offset, self);
    imb_raft_status_t status;
    imb_raft_status (self->raft, &status);
    if (status.install) {
        zsys_notice ("stopping to replace the store with a checkpoint of "
                     "another node's");
        self->install = true;
        return -1;
    }
    if (status.failed) {
        zsys_error ("the store cannot be written: stopping this node "
                    "(a restart replays the Raft log)");
        self->failed = true;
        return -1;
    }
    return 0;
}

//  Creates a ROUTER bound to endpoint, or NULL with the reason in errbuf
static zsock_t *
s_bind (const char *endpoint, const char *what, char *errbuf, size_t errlen)
{
    zsock_t *socket = zsock_new (ZMQ_ROUTER);
    if (!socket) {
        snprintf (errbuf, errlen, "cannot create the %s socket", what);
        return NULL;
    }
    zsock_set_linger (socket, 0);
    zsock_set_sndhwm (socket, 200000);
    zsock_set_rcvhwm (socket, 200000);
    //  A frame over 8 MiB drops the connection before it is read whole;
    //  frames up to that size are read and refused with 413
    zsock_set_maxmsgsize (socket, 8 * 1024 * 1024);
    if (zsock_bind (socket, "%s", endpoint) == -1) {
        snprintf (errbuf, errlen, "cannot bind the %s endpoint %s: %s", what,
                  endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&socket);
    }
    return socket;
}

imb_server_t *
imb_server_new (const im_config_t *config, char *errbuf, size_t errlen)
{
    assert (config);
    imb_server_t *self = (imb_server_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    msgpack_sbuffer_init (&self->packed);
    self->pending = zhashx_new ();
    self->spare = zlistx_new ();
    self->request = im_request_new ();
    if (!self->pending || !self->spare || !self->request) {
        imb_server_destroy (&self);
        return NULL;
    }
    zhashx_set_key_hasher (self->pending, s_token_hash);
    zhashx_set_key_comparator (self->pending, s_token_compare);
    zhashx_set_key_duplicator (self->pending, NULL);
    zhashx_set_key_destructor (self->pending, NULL);

    self->raft = imb_raft_new (config, errbuf, errlen);
    if (!self->raft) {
        imb_server_destroy (&self);
        return NULL;
    }
    //  One node elects itself at once; give it a few election timeouts.
    //  A node of a cluster serves at once: until a leader is elected it
    //  answers writes with 503, and a follower redirects them.
    if (config->members_n <= 1 && !config->join
    &&  !imb_raft_wait_leader (self->raft, 10000)) {
        snprintf (errbuf, errlen, "this node did not become leader within "
                  "10 s");
        imb_server_destroy (&self);
        return NULL;
    }
    self->clients = s_bind (config->client_endpoint, "client", errbuf, errlen);
    if (self->clients)
        self->workers = s_bind (config->worker_endpoint, "worker", errbuf,
                                errlen);
    if (self->workers)
        self->dispatch = imb_dispatch_new (imb_raft_store (self->raft),
                                           self->workers, config);
    self->cluster = imb_cluster_new (&self->config, self->raft);
    self->checkpoint = imb_checkpoint_new (imb_raft_store (self->raft),
                                           config->data_dir);
    self->loop = zloop_new ();
    if (!self->clients || !self->workers || !self->dispatch || !self->cluster
    ||  !self->checkpoint || !self->loop) {
        imb_server_destroy (&self);
        return NULL;
    }
    //  The HTTP threads are clients too, over inproc
    snprintf (self->inproc, sizeof self->inproc, "inproc://imb-clients-%p",
              (void *) self);
    if (zsock_bind (self->clients, "%s", self->inproc) == -1) {
        snprintf (errbuf, errlen, "cannot bind %s: %s", self->inproc,
                  zmq_strerror (zmq_errno ()));
        imb_server_destroy (&self);
        return NULL;
    }
    self->http = imb_http_new (config, self->inproc, errbuf, errlen);
    if (!self->http) {
        imb_server_destroy (&self);
        return NULL;
    }
    s_look (self);
    zloop_reader (self->loop, self->clients, s_on_client, self);
    zloop_reader (self->loop, self->workers, s_on_worker, self);
    zloop_reader (self->loop, imb_raft_results (self->raft), s_on_results,
                  self);
    zloop_timer (self->loop, TICK_MS, 0, s_on_tick, self);
    return self;
}

void
imb_server_destroy (imb_server_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_server_t *self = *self_p;
        imb_http_destroy (&self->http);
        zloop_destroy (&self->loop);
        imb_checkpoint_destroy (&self->checkpoint);
        imb_cluster_destroy (&self->cluster);
        imb_dispatch_destroy (&self->dispatch);
        zsock_destroy (&self->workers);
        zsock_destroy (&self->clients);
        imb_raft_destroy (&self->raft);
        if (self->pending) {
            s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending);
            while (pending) {
                void *item = pending;
                pending = (s_pending_t *) zhashx_next (self->pending);
                s_pending_free (&item);
            }
        }
        zhashx_destroy (&self->pending);
        if (self->spare) {
            zlistx_set_destructor (self->spare, s_pending_free);
            zlistx_destroy (&self->spare);
        }
        im_request_destroy (&self->request);
        msgpack_sbuffer_destroy (&self->packed);
        free (self);
        *self_p = NULL;
    }
}

int
imb_server_run (imb_server_t *self)
{
    zloop_start (self->loop);
    return self->install ? 1 : self->failed ? -1 : 0;
}
