/*  im_client_link - which nodes a client's socket is connected to

    A client starts connected to every node of its list; a redirect
    (421 naming the leader) leaves it connected to the leader alone; a
    node that goes silent, or answers that it cannot tell the outcome,
    sends it back to every node. A CURVE client also hears of handshakes
    a node refused (libzmq never tries such a connection again) and
    starts over with a new socket. im_client.c decides when; this file
    does it.
*/
#include "im_classes.h"
#include "im_client_private.h"

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
int
im_client_link_only (im_client_t *self, const char *endpoint)
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
int
im_client_link_spread (im_client_t *self)
{
    return self->spread ? 0 : im_client_link_only (self, NULL);
}

//  Follows a 421 that names the leader; true when it did
bool
im_client_link_follow (im_client_t *self, const im_reply_t *reply)
{
    const char *leader = reply && reply->status == IM_PROTO_NOT_LEADER
                         && reply->body
                       ? im_fields_str (reply->body, IM_KEY_LEADER) : NULL;
    if (!leader || !*leader || strlen (leader) >= sizeof self->leader)
        return false;
    //  A late answer from a node left behind, naming the leader this
    //  client already talks to alone: nothing to change. Spreading again
    //  on it would send the next requests to the other nodes, whose
    //  421s would spread it again, round and round under load.
    if (!self->spread && streq (leader, self->leader))
        return true;
    if (im_client_link_only (self, leader)) {
        im_client_link_spread (self);
        return false;
    }
    return true;
}

//  Splits a comma-separated list into nodes and connects to each.
//  Returns 0, or -1 with the reason in errmsg.
int
im_client_link_all (im_client_t *self, const char *list)
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
    return rc ? rc : im_client_link_spread (self);
}


//  A DEALER set up as every client's is, not connected
zsock_t *
im_client_link_dealer_new (void)
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
void
im_client_link_monitor_start (im_client_t *self)
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
void
im_client_link_monitor_stop (im_client_t *self)
{
    if (self->monitor) {
        zmq_socket_monitor (zsock_resolve (self->dealer), NULL, 0);
        zsock_destroy (&self->monitor);
    }
}

//  True when a node refused a handshake since the last look
bool
im_client_link_refused (im_client_t *self)
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
int
im_client_link_renew (im_client_t *self)
{
    zsock_t *dealer = im_client_link_dealer_new ();
    if (!dealer)
        return -1;
    im_client_link_monitor_stop (self);
    zsock_destroy (&self->dealer);
    self->dealer = dealer;
    im_client_link_monitor_start (self);
    memset (self->connected, 0, sizeof self->connected);
    self->extra [0] = 0;
    self->spread = false;
    return im_client_link_spread (self);
}
