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
#include "imb_server_private.h"

#define TICK_MS     100             //  Offsets, expiry, health
#define READ_BURST  256             //  Messages read per wake-up
#define REFUSED_LOGGED  10          //  Refusals of a kind logged in full
#define REFUSED_INTERVAL_MS 60000   //  per this interval; then summed up
#define LAST_MS     2000            //  A failing node's last replies go

//  Sends reply (taken) to routing on socket; nothing when it is NULL
void
imb_server_send_reply (zsock_t *socket, zframe_t *routing, bool one_frame,
                       zmsg_t **reply_p)
{
    if (!*reply_p || (one_frame && im_reply_to_one_frame (reply_p)))
        return;
    zframe_t *copy = zframe_dup (routing);
    zmsg_prepend (*reply_p, &copy);
    zmsg_send (reply_p, socket);
}

zmsg_t *
imb_server_query (imb_server_t *self, const im_request_t *request)
{
    return imb_query_answer (request, imb_raft_store (self->raft),
                             self->raft, self->dispatch,
                             self->config.node_id, self->refusals,
                             self->denials);
}

void
imb_server_refused (imb_server_t *self, const char *kind, const char *what,
                    const char *reason)
{
    if (im_log_limit_take (self->refusals, kind, im_mono_ms (),
                           im_log_limit_warn, NULL))
        zsys_warning ("%s rejected: %s", what, reason);
}

//  When this node started or stopped leading, the event stream starts
//  over: a new leader reads the replicated offsets, and a node that
//  stopped leading forgets its workers, whom it redirects from then on
void
imb_server_look (imb_server_t *self)
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
bool
imb_server_leading (imb_server_t *self)
{
    if (!imb_cluster_leading (self->cluster))
        imb_server_look (self);
    return imb_cluster_leading (self->cluster);
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
    s_read_burst (self, socket, imb_server_client_message);
    imb_raft_flush (self->raft);    //  What this burst submitted
    return 0;
}

static void
s_worker_message (imb_server_t *self, zmsg_t *msg)
{
    zframe_t *routing = zmsg_pop (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char reason [256] = "";
    char denial [256] = "";
    const imb_key_t *key = NULL;
    bool allowed = imb_server_peer (self, zmsg_first (msg), &key, denial,
                                    sizeof denial) == 0;
    int rc = routing ? im_wmsg_decode (wmsg, &msg, reason, sizeof reason)
                     : IM_EPROTO;
    if (rc == 0 && allowed && key && wmsg->type == IM_WMSG_READY
    &&  !imb_key_has_role (key, wmsg->group)) {
        snprintf (denial, sizeof denial, "%s does not hold the role %s, "
                  "the group it asked to join", key->principal, wmsg->group);
        allowed = false;
    }
    if (!allowed) {
        imb_server_refused (self, "worker/denied", "worker message", denial);
        if (key)                    //  An authenticated principal: audited
            imb_denials_record (self->denials, key->principal, "READY", 0,
                                "group_role", denial);
        if (routing) {
            zmsg_t *error = im_wmsg_encode_error (key ? IM_PROTO_FORBIDDEN
                                                      : IM_PROTO_UNAUTHORIZED,
                                                  denial);
            imb_server_send_reply (self->workers, routing, false, &error);
        }
    }
    else
    if (rc == 0) {
        if (imb_server_leading (self))
            imb_dispatch_handle (self->dispatch, routing, &wmsg,
                                 im_mono_ms ());
        else
        if (wmsg->type != IM_WMSG_DISCONNECT) {
            //  The stream is the leader's: name it, or stay silent while
            //  none is known, and the worker tries another node
            zmsg_t *redirect = imb_cluster_worker_redirect (self->cluster);
            imb_server_send_reply (self->workers, routing, false, &redirect);
        }
    }
    else {
        imb_server_refused (self, "worker/malformed", "worker message",
                            reason);
        if (routing) {              //  The refusal, said (section 4)
            zmsg_t *error = im_wmsg_encode_error (im_error_status (rc),
                                                  reason);
            imb_server_send_reply (self->workers, routing, false, &error);
        }
    }
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

static void
s_commit_offset (const char *group, uint64_t seq, void *arg)
{
    imb_server_t *self = (imb_server_t *) arg;
    im_command_t *command = im_command_new ();
    command->type = IM_CMD_OFFSET;
    command->ts_ms = im_now_ms ();
    im_strlcpy (command->actor, "broker", sizeof command->actor);
    im_fields_set_str (command->args, IM_KEY_GROUP, group);
    im_fields_set_int (command->args, IM_KEY_SEQ, (int64_t) seq);
    if (imb_server_submit (self, command, NULL, "", false))
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
    imb_server_look (self);
    imb_server_auth_tick (self);
    imb_denials_tick (self->denials);
    im_log_limit_flush (self->refusals, im_mono_ms (), false,
                        im_log_limit_warn, NULL);
    imb_dispatch_tick (self->dispatch, im_mono_ms (), s_commit_offset, self);
    imb_raft_status_t status;
    imb_raft_status (self->raft, &status);
    if (status.install) {
        zsys_notice ("stopping to replace the store with a checkpoint of "
                     "another node's");
        self->install = true;
        return -1;
    }
    //  A corrupt block fails every read of it, after a restart too: the
    //  store is rebuilt before it is opened again (imb_store_repair)
    char damage [600];
    if (imc_store_damaged (imb_raft_store (self->raft), damage, sizeof damage)
    &&  imb_store_repair_want (self->config.data_dir, damage) == 0) {
        zsys_error ("the store is damaged (%s): stopping this node to "
                    "rebuild it", damage);
        self->install = true;
        return -1;
    }
    if (status.failed || status.log_failed) {
        zsys_error ("the %s cannot be written: stopping this node (restart "
                    "it once the disk is sound: it reloads the Raft log, and "
                    "a log that lost entries is repaired from the others)",
                    status.log_failed ? "Raft log" : "store");
        //  What the applier answered before it stopped (504: the outcome
        //  is unknown) goes out before the node does
        zsock_t *results = imb_raft_results (self->raft);
        while (zsock_events (results) & ZMQ_POLLIN)
            imb_server_on_results (NULL, results, self);
        zsock_set_linger (self->clients, LAST_MS);
        self->failed = true;
        self->log_failed = status.log_failed;
        return -1;
    }
    return 0;
}

//  Creates a ROUTER bound to endpoint, or NULL with the reason in errbuf
static zsock_t *
s_bind (const char *endpoint, const char *what, const im_curve_t *curve,
        char *errbuf, size_t errlen)
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
    if (curve)
        im_curve_server (curve, socket);
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
    self->refusals = im_log_limit_new (REFUSED_LOGGED, REFUSED_INTERVAL_MS);
    if (!self->pending || !self->spare || !self->request
    ||  !self->refusals) {
        imb_server_destroy (&self);
        return NULL;
    }
    zhashx_set_key_hasher (self->pending, imb_server_token_hash);
    zhashx_set_key_comparator (self->pending, imb_server_token_compare);
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
    if (imb_server_auth_start (self, errbuf, errlen)) {
        imb_server_destroy (&self);
        return NULL;
    }
    self->clients = s_bind (config->client_endpoint, "client", self->curve,
                            errbuf, errlen);
    if (self->clients)
        self->workers = s_bind (config->worker_endpoint, "worker",
                                self->curve, errbuf, errlen);
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
    //  Denials go to the leader over the members' client endpoints (this
    //  node's own when alone), as this node
    char list [IM_CONFIG_NODES_MAX * IM_CONFIG_PATH_MAX];
    if (im_config_member_endpoints (config, false, list, sizeof list))
        im_strlcpy (list, config->client_endpoint, sizeof list);
    self->denials = imb_denials_new (config->node_id, list, self->curve,
                                     self->loop);
    if (!self->denials) {
        snprintf (errbuf, errlen, "out of memory");
        imb_server_destroy (&self);
        return NULL;
    }
    self->http = imb_http_new (config, self->inproc, self->curve, errbuf,
                               errlen);
    if (!self->http) {
        imb_server_destroy (&self);
        return NULL;
    }
    imb_server_look (self);
    zloop_reader (self->loop, self->clients, s_on_client, self);
    zloop_reader (self->loop, self->workers, s_on_worker, self);
    zloop_reader (self->loop, imb_raft_results (self->raft),
                  imb_server_on_results, self);
    zloop_timer (self->loop, TICK_MS, 0, s_on_tick, self);
    imb_server_auth_attach (self);
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
        imb_denials_destroy (&self->denials);
        imb_checkpoint_destroy (&self->checkpoint);
        imb_cluster_destroy (&self->cluster);
        imb_dispatch_destroy (&self->dispatch);
        zsock_destroy (&self->workers);
        zsock_destroy (&self->clients);
        imb_server_auth_stop (self);
        imb_raft_destroy (&self->raft);
        if (self->pending) {
            imb_server_pending_t *pending =
                (imb_server_pending_t *) zhashx_first (self->pending);
            while (pending) {
                void *item = pending;
                pending =
                    (imb_server_pending_t *) zhashx_next (self->pending);
                imb_server_pending_free (&item);
            }
        }
        zhashx_destroy (&self->pending);
        if (self->spare) {
            zlistx_set_destructor (self->spare, imb_server_pending_free);
            zlistx_destroy (&self->spare);
        }
        im_request_destroy (&self->request);
        if (self->refusals)         //  What the log left out, said once
            im_log_limit_flush (self->refusals, im_mono_ms (), true,
                                im_log_limit_warn, NULL);
        im_log_limit_destroy (&self->refusals);
        msgpack_sbuffer_destroy (&self->packed);
        free (self);
        *self_p = NULL;
    }
}

int
imb_server_run (imb_server_t *self)
{
    zloop_start (self->loop);
    return self->install ? 1
         : self->log_failed ? IMB_SERVER_LOG_FAILED
         : self->failed ? -1 : 0;
}
