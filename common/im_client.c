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
#include "im_client_private.h"

static im_client_t *
    s_new (const char *endpoint, int timeout_ms, const im_curve_t *curve,
           bool env);

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
    self->dealer = im_client_link_dealer_new ();
    if (!self->endpoint || !self->dealer) {
        zsys_error ("im_client: out of memory or sockets");
        im_client_destroy (&self);
        return NULL;
    }
    im_client_link_monitor_start (self);
    if (im_client_link_all (self, endpoint)) {
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
        im_client_link_monitor_stop (self);
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

//  Encodes a request in the form the brokers take: one frame (IMQ02),
//  or IMQ01's four once a broker refused one frame
static zmsg_t *
s_encode (im_client_t *self, const char *verb, const char *id,
          const im_fields_t *body)
{
    return self->frames ? im_request_encode (verb, id, body)
                        : im_request_encode_one (verb, id, body);
}

//  True when msg is a broker's refusal of IMQ02 itself: a broker older
//  than IMQ02 answers it 400 "frame 0: signature is not IMQ01", with no
//  request id, as it could not read one
static bool
s_refuses_one_frame (const im_client_t *self, zmsg_t *msg)
{
    if (self->frames || !im_reply_answers (msg, ""))
        return false;
    zmsg_t *copy = zmsg_dup (msg);
    im_reply_t *reply = copy ? im_reply_new (IM_PROTO_OK) : NULL;
    bool refused = reply && im_reply_decode (reply, &copy, false, NULL, 0) == 0
                && reply->status == IM_PROTO_BAD_REQUEST
                && strstr (im_fields_str_or (reply->body, IM_KEY_ERROR, ""),
                           "signature is not IMQ01");
    im_reply_destroy (&reply);
    zmsg_destroy (&copy);
    return refused;
}

//  What the outbox's send function needs: the client and the request,
//  encoded once
typedef struct {
    im_client_t *client;            //  Sending through its dealer
    zmsg_t *request;                //  The request, sent as copies
} s_call_t;

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

//  The outbox's send function for a call: the encoded request again
static int
s_send_call (void *arg, const char *verb, const char *request_id,
             const im_fields_t *body)
{
    (void) verb;
    (void) request_id;
    (void) body;
    s_call_t *call = (s_call_t *) arg;
    return s_send_copy (call->client, call->request);
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
    //  Look at the id before paying for a decode, and so that a stale
    //  malformed message is dropped rather than failing this call
    if (!im_reply_answers (msg, id)) {
        if (s_refuses_one_frame (self, msg))
            self->frames = true;    //  The caller sends again, in IMQ01
        zmsg_destroy (&msg);
        return false;
    }
    char errbuf [200] = "";
    im_reply_t *reply = im_reply_new (IM_PROTO_OK);
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
    s_call_t call = { self, s_encode (self, verb, id, body) };
    if (!call.request) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "%s request does not encode", verb);
        return NULL;
    }
    //  The request waits in an outbox of one: sent at once, again after
    //  each silent interval or soon after an answer asking again
    im_outbox_t *outbox = im_outbox_new (IM_CLIENT_RESEND_MS,
                                         IM_CLIENT_RETRY_MS, 0);
    im_fields_t *none = NULL;       //  The encoded request is sent
    if (!outbox || im_outbox_add (outbox, verb, id, &none, 0)) {
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        im_outbox_destroy (&outbox);
        zmsg_destroy (&call.request);
        return NULL;
    }
    uint64_t now = im_mono_ms ();
    uint64_t deadline = now + (uint64_t) self->timeout_ms;
    uint64_t check_at = now + IM_CLIENT_RESEND_MS;  //  Look at silence
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
            im_outbox_due_at (outbox, id, now);
            again_at = 0;
        }
        if (now >= check_at) {
            //  Silence for a whole interval: try every node again, with
            //  new handshakes when a refused one may be why
            if (!self->lent && im_client_link_refused (self))
                im_client_link_renew (self);
            else
                im_client_link_spread (self);
            im_outbox_due_at (outbox, id, now);
            check_at = now + IM_CLIENT_RESEND_MS;
        }
        sent += (unsigned) im_outbox_send_due (outbox, now, 0, s_send_call,
                                               &call);
        if (now >= deadline) {
            snprintf (self->errmsg, sizeof self->errmsg,
                      "no reply to %s from %s within %d ms (%s)", verb,
                      self->endpoint, self->timeout_ms,
                      sent? "request sent": "no broker connected");
            break;
        }
        bool due = im_outbox_due (outbox, now);
        uint64_t until = check_at < deadline? check_at: deadline;
        if (again_at && again_at < until)
            until = again_at;
        if (!due && im_outbox_next_due (outbox) < until)
            until = im_outbox_next_due (outbox);
        zmq_pollitem_t item = {
            zsock_resolve (self->dealer), 0,
            (short) (ZMQ_POLLIN | (due? ZMQ_POLLOUT: 0)), 0
        };
        if (zmq_poll (&item, 1, (long) (until - now)) == -1) {
            if (zmq_errno () == EINTR)
                continue;           //  zsys_interrupted is checked above
            snprintf (self->errmsg, sizeof self->errmsg, "poll: %s",
                      zmq_strerror (zmq_errno ()));
            break;
        }
        bool frames = self->frames;
        if (item.revents & ZMQ_POLLIN)
            answered = s_recv_matching (self, id, raw_items, &reply);
        if (self->frames != frames) {
            //  An older broker: the same request again, in IMQ01
            zmsg_destroy (&call.request);
            call.request = s_encode (self, verb, id, body);
            if (!call.request) {
                snprintf (self->errmsg, sizeof self->errmsg,
                          "%s request does not encode", verb);
                break;
            }
            im_outbox_due_at (outbox, id, im_mono_ms ());
        }
        uint64_t tag;
        if (!answered || !reply
        ||  im_outbox_answer (outbox, id, reply->status, im_mono_ms (),
                              &tag) != IM_EBUSY)
            continue;               //  Not answered yet, or answered
        if (im_client_link_follow (self, reply)) {
            //  Redirected: resend to the leader now, and once more soon,
            //  as a send made while the other connections close may go
            //  down one of them and be lost (the same request id twice
            //  is still applied once)
            im_reply_destroy (&reply);
            answered = false;
            now = im_mono_ms ();
            im_outbox_due_at (outbox, id, now);
            again_at = now + IM_CLIENT_AGAIN_MS;
            check_at = now + IM_CLIENT_RESEND_MS;
        }
        else
        if (self->nodes_n > 1
        &&  im_mono_ms () + IM_CLIENT_RETRY_MS < deadline) {
            //  Busy, no leader elected yet, a leader whose endpoint the
            //  node does not know, or an outcome the node could not know:
            //  with other nodes to ask, ask again a little later (the
            //  outbox's retry), of any node, and keep the answer should
            //  the deadline come first (a client of one node gets it at
            //  once)
            im_client_link_spread (self);
            im_reply_destroy (&last);
            last = reply;
            reply = NULL;
            answered = false;
            check_at = im_mono_ms () + IM_CLIENT_RESEND_MS;
        }
    }
    if (!reply && last) {
        reply = last;
        last = NULL;
    }
    im_reply_destroy (&last);
    im_outbox_destroy (&outbox);
    zmsg_destroy (&call.request);
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
    zmsg_t *request = s_encode (self, verb, id, body);
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
        im_client_link_spread (self);
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
            im_client_link_spread (self);
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
    //  An older broker refused one frame: later sends go in IMQ01, and
    //  the caller's resend of this one too (its reply names no request)
    if (s_refuses_one_frame (self, msg))
        self->frames = true;
    char errbuf [200] = "";
    im_reply_t *reply = im_reply_new (IM_PROTO_OK);
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
    if (!im_client_link_follow (self, reply) && reply
    &&  im_outbox_again (reply->status))
        im_client_link_spread (self);
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
