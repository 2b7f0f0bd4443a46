/*  im_client - a client connection to a broker's client endpoint

    A request may be lost: the broker it went to may have died, or the
    connection may not be up yet. The client cannot tell a lost request
    from a slow one, so the synchronous call resends the same request
    (the same request id, which the broker applies at most once) every
    second until a reply with that id arrives or the deadline passes.
    Replies carrying any other id are late answers to earlier calls on
    this socket and are dropped.

    A client starts connected to every node of its list, and a request
    goes to one that is up. A node that does not lead answers a command
    with 421 naming the leader's client endpoint: the client then talks
    to the leader alone and resends at once. When the node it talks to
    says nothing for a resend interval (dead, stopped, cut off), or
    answers that it cannot tell the outcome (504: its disk failed under
    a committed command), the client connects to every node again and
    resends. The request id stays the same throughout, so the command
    is applied once wherever it lands. The asynchronous pair does the
    same on the workers' behalf: a 421 moves the connection at once,
    and sends that got no reply of any kind for IM_CLIENT_FAILOVER_MS
    spread it again.

    The DEALER is set to ZMQ_IMMEDIATE: a request is only queued to a
    connected broker, never to a pipe waiting for a dead endpoint, so
    with several endpoints a resend reaches a live node. Sends never
    block: when no broker is connected yet the call polls for the socket
    to become writable and sends as soon as one is.
*/
#include "im_classes.h"

#define IM_CLIENT_RESEND_MS     1000    //  Resend interval of a call
#define IM_CLIENT_RETRY_MS      100     //  Ask again after a 503, a 504
                                        //  or a 421 naming no leader: an
                                        //  election ends about then, and
                                        //  the answer comes at once
#define IM_CLIENT_FAILOVER_MS   1000    //  Async: silence before moving on
#define IM_CLIENT_AGAIN_MS      50      //  Second send after a redirect
#define IM_CLIENT_HWM           10000   //  Messages queued either way
#define IM_CLIENT_NODES_MAX     16      //  Endpoints in a list

struct _im_client_t {
    zsock_t *dealer;                //  Connected to the nodes, owned
    const im_curve_t *curve;        //  CURVE identity, or NULL
    im_curve_t *curve_env;          //  The environment's, owned, or NULL
    bool lent;                      //  The socket was handed out
                                    //  (im_client_sock): never replaced
    zsock_t *monitor;               //  PAIR hearing of the dealer's
                                    //  refused handshakes, owned, or NULL
    unsigned monitors;              //  Monitors started, for endpoints
    char *endpoint;                 //  Endpoint list as given, owned
    char *nodes [IM_CLIENT_NODES_MAX];  //  The list's endpoints, owned
    size_t nodes_n;                 //  How many
    bool connected [IM_CLIENT_NODES_MAX];  //  Which nodes are connected
    char extra [IM_PROTO_ENDPOINT_MAX];  //  A leader not in the list, or ""
    bool spread;                    //  Connected to every node
    char leader [IM_PROTO_ENDPOINT_MAX];  //  Else to this one alone
    uint64_t unanswered_ms;         //  Async: first send since a reply
    int timeout_ms;                 //  Bound on each synchronous call
    char errmsg [256];              //  Detail of the last failure
};

//  Connects the dealer to endpoint; returns 0, or -1 with the reason in
//  errmsg
static int
s_connect (im_client_t *self, const char *endpoint)
{
    //  Each connection takes the server key set when it is made: the
    //  key of the node serving this endpoint
    if (self->curve && strncmp (endpoint, "inproc://", 9) != 0
    &&  im_curve_client (self->curve, self->dealer, endpoint,
                                        self->errmsg, sizeof self->errmsg))
        return -1;
    if (zsock_connect (self->dealer, "%s", endpoint) == 0)
        return 0;
    snprintf (self->errmsg, sizeof self->errmsg, "cannot connect to '%s': %s",
              endpoint, zmq_strerror (zmq_errno ()));
    return -1;
}

//  Leaves the dealer connected to endpoint alone (NULL: to every node of
//  the list). A connection that stays is never dropped and made again:
//  ZeroMQ may not take a new connection to an endpoint whose old one is
//  still closing. Returns 0, or -1 with the reason in errmsg.
static int
s_connect_only (im_client_t *self, const char *endpoint)
{
    int rc = 0;
    bool listed = false;
    for (size_t index = 0; index < self->nodes_n; index++) {
        bool wanted = !endpoint || streq (endpoint, self->nodes [index]);
        listed |= endpoint && wanted;
        if (wanted && !self->connected [index]) {
            if (s_connect (self, self->nodes [index]))
                rc = -1;
            else
                self->connected [index] = true;
        }
        else
        if (!wanted && self->connected [index]) {
            zsock_disconnect (self->dealer, "%s", self->nodes [index]);
            self->connected [index] = false;
        }
    }
    if (*self->extra && (!endpoint || !streq (endpoint, self->extra))) {
        zsock_disconnect (self->dealer, "%s", self->extra);
        self->extra [0] = 0;
    }
    if (endpoint && !listed && !*self->extra) {
        if (s_connect (self, endpoint))
            rc = -1;
        else
            im_strlcpy (self->extra, endpoint, sizeof self->extra);
    }
    self->spread = endpoint == NULL;
    im_strlcpy (self->leader, endpoint ? endpoint : "", sizeof self->leader);
    return rc;
}

//  Connects to every node of the list. Returns 0, or -1 with the
//  reason in errmsg.
static int
s_spread (im_client_t *self)
{
    return self->spread ? 0 : s_connect_only (self, NULL);
}

//  True for the answers that ask for the same request again, maybe of
//  another node: 421 (not the leader), 503 (busy, no leader yet), 504
//  (outcome unknown: the node failed or timed out)
static bool
s_again (int status)
{
    return status == 421 || status == 503 || status == 504;
}

//  Follows a 421 that names the leader; true when it did
static bool
s_follow (im_client_t *self, const im_reply_t *reply)
{
    const char *leader = reply && reply->status == 421 && reply->body
                       ? im_fields_str (reply->body, "leader") : NULL;
    if (!leader || !*leader || strlen (leader) >= sizeof self->leader)
        return false;
    //  A late answer from a node left behind, naming the leader this
    //  client already talks to alone: nothing to change. Spreading again
    //  on it would send the next requests to the other nodes, whose
    //  421s would spread it again, round and round under load.
    if (!self->spread && streq (leader, self->leader))
        return true;
    if (s_connect_only (self, leader)) {
        s_spread (self);
        return false;
    }
    return true;
}

//  Splits a comma-separated list into nodes and connects to each.
//  Returns 0, or -1 with the reason in errmsg.
static int
s_connect_all (im_client_t *self, const char *list)
{
    char *copy = strdup (list);
    if (!copy) {
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        return -1;
    }
    int rc = 0;
    char *saveptr = NULL;
    char *token = strtok_r (copy, ",", &saveptr);
    while (token && rc == 0) {
        while (isspace ((unsigned char) *token))
            token++;
        size_t length = strlen (token);
        while (length > 0 && isspace ((unsigned char) token [length - 1]))
            token [--length] = 0;
        if (length >= IM_PROTO_ENDPOINT_MAX
        ||  (length > 0 && self->nodes_n == IM_CLIENT_NODES_MAX)) {
            snprintf (self->errmsg, sizeof self->errmsg, "endpoint list "
                      "too long (at most %d endpoints of %d bytes)",
                      IM_CLIENT_NODES_MAX, IM_PROTO_ENDPOINT_MAX - 1);
            rc = -1;
        }
        else
        if (length > 0 && !(self->nodes [self->nodes_n++] = strdup (token))) {
            snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
            rc = -1;
        }
        token = strtok_r (NULL, ",", &saveptr);
    }
    free (copy);
    if (rc == 0 && self->nodes_n == 0) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "no endpoint in '%s'", list);
        rc = -1;
    }
    return rc ? rc : s_spread (self);
}

static im_client_t *
    s_new (const char *endpoint, int timeout_ms, const im_curve_t *curve,
           bool env);

//  A DEALER set up as every client's is, not connected
static zsock_t *
s_dealer_new (void)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    if (dealer) {
        zsock_set_linger (dealer, 0);
        zsock_set_sndhwm (dealer, IM_CLIENT_HWM);
        zsock_set_rcvhwm (dealer, IM_CLIENT_HWM);
        zsock_set_sndtimeo (dealer, 0);
        zsock_set_immediate (dealer, 1);
    }
    return dealer;
}

//  Starts hearing of the dealer's refused handshakes (a CURVE client
//  only); without it nothing changes but that a refusal is not noticed
static void
s_monitor_start (im_client_t *self)
{
    //  The node's own HTTP threads start over inproc, where nothing is
    //  refused: no monitor (a socket more) for each of their calls
    if (!self->curve || strncmp (self->endpoint, "inproc://", 9) == 0)
        return;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://im-client-%p-%u",
              (void *) self, ++self->monitors);
    if (zmq_socket_monitor (zsock_resolve (self->dealer), endpoint,
                            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) == 0)
        self->monitor = zsock_new (ZMQ_PAIR);
    if (self->monitor && zsock_connect (self->monitor, "%s", endpoint)) {
        zsock_destroy (&self->monitor);
        zmq_socket_monitor (zsock_resolve (self->dealer), NULL, 0);
    }
}

//  Stops hearing of the dealer
static void
s_monitor_stop (im_client_t *self)
{
    if (self->monitor) {
        zmq_socket_monitor (zsock_resolve (self->dealer), NULL, 0);
        zsock_destroy (&self->monitor);
    }
}

//  True when a node refused a handshake since the last look
static bool
s_refused (im_client_t *self)
{
    bool refused = false;
    zmsg_t *event;
    while (self->monitor
    &&     (zsock_events (self->monitor) & ZMQ_POLLIN)
    &&     (event = zmsg_recv (self->monitor))) {
        refused = true;
        zmsg_destroy (&event);
    }
    return refused;
}

//  libzmq does not connect again after a node refused the handshake (a
//  key it did not know yet, say: one added through the log that this
//  node had not applied): such a connection stays silent for ever. So a
//  CURVE client that heard of a refusal, and got no answer for a whole
//  interval, starts over with a new socket and new handshakes; the
//  request id stays the same. A socket handed out (im_client_sock) is
//  kept: its holder polls it. Returns 0, or -1 with the reason in
//  errmsg.
static int
s_renew (im_client_t *self)
{
    zsock_t *dealer = s_dealer_new ();
    if (!dealer)
        return -1;
    s_monitor_stop (self);
    zsock_destroy (&self->dealer);
    self->dealer = dealer;
    s_monitor_start (self);
    memset (self->connected, 0, sizeof self->connected);
    self->extra [0] = 0;
    self->spread = false;
    return s_spread (self);
}

im_client_t *
im_client_new (const char *endpoint, int timeout_ms)
{
    return im_client_new_curve (endpoint, timeout_ms, NULL);
}

im_client_t *
im_client_new_plain (const char *endpoint, int timeout_ms)
{
    return s_new (endpoint, timeout_ms, NULL, false);
}

im_client_t *
im_client_new_curve (const char *endpoint, int timeout_ms,
                     const im_curve_t *curve)
{
    return s_new (endpoint, timeout_ms, curve, true);
}

//  A client with identity curve, or, when NULL and env, the
//  environment's
static im_client_t *
s_new (const char *endpoint, int timeout_ms, const im_curve_t *curve,
       bool env)
{
    assert (endpoint);
    im_client_t *self = (im_client_t *) calloc (1, sizeof (im_client_t));
    if (!self)
        return NULL;
    self->curve = curve;
    if (!curve && env) {
        self->curve_env = im_curve_from_env (self->errmsg,
                                             sizeof self->errmsg);
        if (!self->curve_env && *self->errmsg) {
            zsys_error ("im_client: %s", self->errmsg);
            free (self);
            return NULL;
        }
        self->curve = self->curve_env;
    }
    self->timeout_ms = timeout_ms > 0? timeout_ms: 0;
    self->endpoint = strdup (endpoint);
    self->dealer = s_dealer_new ();
    if (!self->endpoint || !self->dealer) {
        zsys_error ("im_client: out of memory or sockets");
        im_client_destroy (&self);
        return NULL;
    }
    s_monitor_start (self);
    if (s_connect_all (self, endpoint)) {
        zsys_error ("im_client: %s", self->errmsg);
        im_client_destroy (&self);
    }
    return self;
}

void
im_client_destroy (im_client_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_client_t *self = *self_p;
        s_monitor_stop (self);
        zsock_destroy (&self->dealer);
        im_curve_destroy (&self->curve_env);
        for (size_t index = 0; index < self->nodes_n; index++)
            free (self->nodes [index]);
        free (self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

//  Copies the caller's request id, or makes a fresh one, into id.
//  Returns 0, or -1 with the reason in errmsg when it is too long.
static int
s_take_request_id (im_client_t *self, const char *request_id,
                   char *id, size_t size)
{
    if (!request_id) {
        im_client_new_request_id (id, size);
        return 0;
    }
    if (im_strlcpy (id, request_id, size)) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "request id longer than %zu bytes", size - 1);
        return -1;
    }
    return 0;
}

//  Sends a copy of request without blocking. Returns 0, or -1 when no
//  broker can take it now (not connected yet, or its queue is full).
static int
s_send_copy (im_client_t *self, zmsg_t *request)
{
    zmsg_t *copy = zmsg_dup (request);
    if (!copy)
        return -1;
    int rc = zmsg_send (&copy, self->dealer);
    zmsg_destroy (&copy);           //  Left to us when the send failed
    return rc;
}

//  Reads one message from the dealer. Returns false when it is a reply
//  to some other request (dropped). Returns true when it answers id:
//  *reply_p is then the decoded reply, or NULL with the reason in
//  errmsg when it did not decode.
static bool
s_recv_matching (im_client_t *self, const char *id, bool raw_items,
                 im_reply_t **reply_p)
{
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg)
        return false;
    //  REPLY = sig status request-id ...: look at the id before paying
    //  for a decode, and so that a stale malformed message is dropped
    //  rather than failing this call
    zmsg_first (msg);
    zmsg_next (msg);
    zframe_t *id_frame = zmsg_next (msg);
    if (!id_frame || !zframe_streq (id_frame, id)) {
        zmsg_destroy (&msg);
        return false;
    }
    char errbuf [200] = "";
    im_reply_t *reply = im_reply_new (200);
    if (!reply) {
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        zmsg_destroy (&msg);
        *reply_p = NULL;
        return true;
    }
    if (im_reply_decode (reply, &msg, raw_items, errbuf, sizeof errbuf)) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "malformed reply: %s", errbuf);
        im_reply_destroy (&reply);
    }
    zmsg_destroy (&msg);            //  In case the decoder left it
    *reply_p = reply;
    return true;
}

im_reply_t *
im_client_call (im_client_t *self, const char *verb,
                const char *request_id, const im_fields_t *body,
                bool raw_items)
{
    assert (self);
    assert (verb);
    self->errmsg [0] = 0;
    char id [IM_REQUEST_ID_MAX];
    if (s_take_request_id (self, request_id, id, sizeof id))
        return NULL;
    zmsg_t *request = im_request_encode (verb, id, body);
    if (!request) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "%s request does not encode", verb);
        return NULL;
    }
    uint64_t now = im_mono_ms ();
    uint64_t deadline = now + (uint64_t) self->timeout_ms;
    uint64_t resend_at = now;       //  First send: at once
    bool pending = false;           //  A send waits for a writable peer
    unsigned sent = 0;              //  Copies handed to a broker
    im_reply_t *reply = NULL;
    im_reply_t *last = NULL;        //  The last 503 answer
    uint64_t again_at = 0;          //  Second send after a redirect
    bool answered = false;

    while (!answered) {
        if (zsys_interrupted) {
            snprintf (self->errmsg, sizeof self->errmsg, "interrupted");
            break;
        }
        now = im_mono_ms ();
        if (again_at && now >= again_at) {
            pending = true;
            again_at = 0;
        }
        if (now >= resend_at) {
            //  Silence for a whole interval: try every node again, with
            //  new handshakes when a refused one may be why
            if ((sent || pending) && !self->lent && s_refused (self))
                s_renew (self);
            else
            if (sent || pending)
                s_spread (self);
            pending = true;
            resend_at = now + IM_CLIENT_RESEND_MS;
        }
        if (pending && s_send_copy (self, request) == 0) {
            pending = false;
            sent++;
        }
        if (now >= deadline) {
            snprintf (self->errmsg, sizeof self->errmsg,
                      "no reply to %s from %s within %d ms (%s)", verb,
                      self->endpoint, self->timeout_ms,
                      sent? "request sent": "no broker connected");
            break;
        }
        uint64_t until = resend_at < deadline? resend_at: deadline;
        if (again_at && again_at < until)
            until = again_at;
        zmq_pollitem_t item = {
            zsock_resolve (self->dealer), 0,
            (short) (ZMQ_POLLIN | (pending? ZMQ_POLLOUT: 0)), 0
        };
        if (zmq_poll (&item, 1, (long) (until - now)) == -1) {
            if (zmq_errno () == EINTR)
                continue;           //  zsys_interrupted is checked above
            snprintf (self->errmsg, sizeof self->errmsg, "poll: %s",
                      zmq_strerror (zmq_errno ()));
            break;
        }
        if (item.revents & ZMQ_POLLIN)
            answered = s_recv_matching (self, id, raw_items, &reply);
        if (answered && reply && s_follow (self, reply)) {
            //  Redirected: resend to the leader now, and once more soon,
            //  as a send made while the other connections close may go
            //  down one of them and be lost (the same request id twice
            //  is still applied once)
            im_reply_destroy (&reply);
            answered = false;
            pending = true;
            again_at = im_mono_ms () + IM_CLIENT_AGAIN_MS;
            resend_at = im_mono_ms () + IM_CLIENT_RESEND_MS;
        }
        else
        if (answered && reply && self->nodes_n > 1
        &&  s_again (reply->status)
        &&  im_mono_ms () + IM_CLIENT_RETRY_MS < deadline) {
            //  Busy, no leader elected yet, a leader whose endpoint the
            //  node does not know, or an outcome the node could not know:
            //  with other nodes to ask, ask again a little later, of any
            //  node, and keep the answer should the deadline come first (a
            //  client of one node gets it at once)
            s_spread (self);
            im_reply_destroy (&last);
            last = reply;
            reply = NULL;
            answered = false;
            resend_at = im_mono_ms () + IM_CLIENT_RETRY_MS;
        }
    }
    if (!reply && last) {
        reply = last;
        last = NULL;
    }
    im_reply_destroy (&last);
    zmsg_destroy (&request);
    return reply;
}

int
im_client_send (im_client_t *self, const char *verb,
                const char *request_id, const im_fields_t *body)
{
    assert (self);
    assert (verb);
    self->errmsg [0] = 0;
    char id [IM_REQUEST_ID_MAX];
    if (s_take_request_id (self, request_id, id, sizeof id))
        return IM_EINVAL;
    zmsg_t *request = im_request_encode (verb, id, body);
    if (!request) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "%s request does not encode", verb);
        return IM_EINVAL;
    }
    //  Sends that got no reply of any kind for a while, or could not go
    //  out at all, were for a node that is gone: move on before this one
    uint64_t now = im_mono_ms ();
    if (!self->unanswered_ms)
        self->unanswered_ms = now;
    else
    if (now - self->unanswered_ms >= IM_CLIENT_FAILOVER_MS) {
        s_spread (self);
        self->unanswered_ms = now;
    }
    //  Right after connecting, or while every broker is away, no peer
    //  can take the request: wait up to the timeout for one, trying
    //  every node again after a resend interval
    uint64_t deadline = now + (uint64_t) self->timeout_ms;
    uint64_t rotate_at = now + IM_CLIENT_RESEND_MS;
    int rc = s_send_copy (self, request);
    while (rc != 0 && !zsys_interrupted) {
        now = im_mono_ms ();
        if (now >= deadline)
            break;
        if (now >= rotate_at) {
            s_spread (self);
            rotate_at = now + IM_CLIENT_RESEND_MS;
        }
        zmq_pollitem_t item = {
            zsock_resolve (self->dealer), 0, ZMQ_POLLOUT, 0
        };
        uint64_t until = rotate_at < deadline ? rotate_at : deadline;
        if (zmq_poll (&item, 1, (long) (until - now)) == -1
        &&  zmq_errno () != EINTR)
            break;
        if (item.revents & ZMQ_POLLOUT)
            rc = s_send_copy (self, request);
    }
    zmsg_destroy (&request);
    if (rc != 0) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "cannot send %s to %s within %d ms", verb,
                  self->endpoint, self->timeout_ms);
        return IM_EIO;
    }
    return 0;
}

zsock_t *
im_client_sock (im_client_t *self)
{
    assert (self);
    self->lent = true;
    return self->dealer;
}

im_reply_t *
im_client_recv (im_client_t *self, bool raw_items)
{
    assert (self);
    self->errmsg [0] = 0;
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg) {
        snprintf (self->errmsg, sizeof self->errmsg, "interrupted");
        return NULL;
    }
    char errbuf [200] = "";
    im_reply_t *reply = im_reply_new (200);
    if (!reply)
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
    else
    if (im_reply_decode (reply, &msg, raw_items, errbuf, sizeof errbuf)) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "malformed reply: %s", errbuf);
        im_reply_destroy (&reply);
    }
    zmsg_destroy (&msg);
    self->unanswered_ms = 0;        //  This node answers
    //  A redirect naming no endpoint, or no leader yet: any node may be
    //  the one to take the next send
    if (!s_follow (self, reply) && reply && s_again (reply->status))
        s_spread (self);
    return reply;
}

void
im_client_new_request_id (char *buffer, size_t size)
{
    assert (buffer);
    assert (size > 0);
    //  The time in ms first (12 hex digits), then 20 random ones: ids
    //  made later sort later, so the broker's index of request ids takes
    //  them near its end, which costs it far less than random places
    uint64_t now = im_now_ms () & 0xffffffffffffull;
    zuuid_t *uuid = zuuid_new ();
    if (!uuid) {
        //  Out of memory: an id unique enough for one process's calls
        snprintf (buffer, size, "%012" PRIx64 "%020" PRIx64, now,
                  im_mono_ms ());
        return;
    }
    //  A version 4 UUID: the last 20 of its 32 hex digits are random
    char digits [21];
    im_strlcpy (digits, zuuid_str (uuid) + 12, sizeof digits);
    for (char *digit = digits; *digit; digit++)
        *digit = (char) tolower ((unsigned char) *digit);
    snprintf (buffer, size, "%012" PRIx64 "%s", now, digits);
    zuuid_destroy (&uuid);
}

const char *
im_client_errmsg (im_client_t *self)
{
    assert (self);
    return self->errmsg;
}
