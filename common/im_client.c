/*  im_client - a client connection to a broker's client endpoint

    A request may be lost: the broker it went to may have died, or the
    connection may not be up yet. The client cannot tell a lost request
    from a slow one, so the synchronous call resends the same request
    (the same request id, which the broker applies at most once) every
    second until a reply with that id arrives or the deadline passes.
    Replies carrying any other id are late answers to earlier calls on
    this socket and are dropped.

    The DEALER is set to ZMQ_IMMEDIATE: a request is only queued to a
    connected broker, never to a pipe waiting for a dead endpoint, so
    with several endpoints a resend reaches a live node. Sends never
    block: when no broker is connected yet the call polls for the socket
    to become writable and sends as soon as one is.
*/
#include "im_classes.h"

#define IM_CLIENT_RESEND_MS     1000    //  Resend interval of a call
#define IM_CLIENT_HWM           10000   //  Messages queued either way

struct _im_client_t {
    zsock_t *dealer;                //  Connected to every endpoint, owned
    char *endpoint;                 //  Endpoint list as given, owned
    int timeout_ms;                 //  Bound on each synchronous call
    char errmsg [256];              //  Detail of the last failure
};

//  Connects the dealer to each endpoint of a comma-separated list.
//  Returns 0, or -1 with the reason in errmsg.
static int
s_connect_all (im_client_t *self, const char *list)
{
    char *copy = strdup (list);
    if (!copy) {
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        return -1;
    }
    int connected = 0;
    int rc = 0;
    char *saveptr = NULL;
    char *token = strtok_r (copy, ",", &saveptr);
    while (token && rc == 0) {
        while (isspace ((unsigned char) *token))
            token++;
        size_t length = strlen (token);
        while (length > 0 && isspace ((unsigned char) token [length - 1]))
            token [--length] = 0;
        if (length > 0) {
            if (zsock_connect (self->dealer, "%s", token) == 0)
                connected++;
            else {
                snprintf (self->errmsg, sizeof self->errmsg,
                          "cannot connect to '%s': %s", token,
                          zmq_strerror (zmq_errno ()));
                rc = -1;
            }
        }
        token = strtok_r (NULL, ",", &saveptr);
    }
    if (rc == 0 && connected == 0) {
        snprintf (self->errmsg, sizeof self->errmsg,
                  "no endpoint in '%s'", list);
        rc = -1;
    }
    free (copy);
    return rc;
}

im_client_t *
im_client_new (const char *endpoint, int timeout_ms)
{
    assert (endpoint);
    im_client_t *self = (im_client_t *) calloc (1, sizeof (im_client_t));
    if (!self)
        return NULL;
    self->timeout_ms = timeout_ms > 0? timeout_ms: 0;
    self->endpoint = strdup (endpoint);
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->endpoint || !self->dealer) {
        zsys_error ("im_client: out of memory or sockets");
        im_client_destroy (&self);
        return NULL;
    }
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndhwm (self->dealer, IM_CLIENT_HWM);
    zsock_set_rcvhwm (self->dealer, IM_CLIENT_HWM);
    zsock_set_sndtimeo (self->dealer, 0);
    zsock_set_immediate (self->dealer, 1);
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
        zsock_destroy (&self->dealer);
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
    bool answered = false;

    while (!answered) {
        if (zsys_interrupted) {
            snprintf (self->errmsg, sizeof self->errmsg, "interrupted");
            break;
        }
        now = im_mono_ms ();
        if (now >= resend_at) {
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
    }
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
    //  Right after connecting, or while every broker is away, no peer
    //  can take the request: wait up to the timeout for one
    uint64_t deadline = im_mono_ms () + (uint64_t) self->timeout_ms;
    int rc = s_send_copy (self, request);
    while (rc != 0 && !zsys_interrupted) {
        uint64_t now = im_mono_ms ();
        if (now >= deadline)
            break;
        zmq_pollitem_t item = {
            zsock_resolve (self->dealer), 0, ZMQ_POLLOUT, 0
        };
        if (zmq_poll (&item, 1, (long) (deadline - now)) == -1
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
