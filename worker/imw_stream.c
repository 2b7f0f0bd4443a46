/*  imw_stream - a worker's connection to the event stream (IMQW01)

    The stream is the leader's. The worker endpoint may be a
    comma-separated list of a cluster's nodes: the stream is read from
    one at a time, a node that does not lead answers REDIRECT naming
    the leader's stream, and a node silent for the expiry interval is
    left for the next one of the list.

    Sends never block: with the broker away the DEALER queues a few
    messages (a reconnect drops them with the old socket), and a full
    queue makes a send fail with a log line rather than stall the
    worker's loop.
*/
#include "imw_classes.h"

#define IMW_HEARTBEAT_DEFAULT_MS    1000
#define IMW_EXPIRY_DEFAULT_MS       3000

#define IMW_STREAM_NODES_MAX        16

struct _imw_stream_t {
    char group [IM_PROTO_GROUP_MAX];    //  Consumer group we read
    const imw_options_t *options;       //  Endpoint, instance, credit
    char nodes [IMW_STREAM_NODES_MAX][IM_PROTO_ENDPOINT_MAX];
                                        //  The endpoints of the list
    size_t nodes_n;                     //  How many
    size_t next;                        //  Where the list goes on from
    char current [IM_PROTO_ENDPOINT_MAX];   //  Read from here
    zsock_t *sock;                      //  DEALER, owned
    uint64_t heard_ms;                  //  Monotonic: broker last spoke
    uint64_t ping_ms;                   //  Monotonic: next PING
};

//  Heartbeat and expiry from the config; zero would ping or reconnect on
//  every pass, so it means the default
static uint64_t
s_heartbeat_ms (imw_stream_t *self)
{
    uint32_t value = self->options->config.worker_heartbeat_ms;
    return value ? value : IMW_HEARTBEAT_DEFAULT_MS;
}

static uint64_t
s_expiry_ms (imw_stream_t *self)
{
    uint32_t value = self->options->config.worker_expiry_ms;
    return value ? value : IMW_EXPIRY_DEFAULT_MS;
}

static int
s_send (imw_stream_t *self, zmsg_t *msg)
{
    int rc = 0;
    if (!msg || !self->sock || zmsg_send (&msg, self->sock)) {
        zsys_warning ("%s: cannot send on the stream", self->group);
        rc = IM_EIO;
    }
    zmsg_destroy (&msg);
    return rc;
}

//  Replaces the socket with a new one connected to endpoint (NULL: the
//  next of the list) and sends READY
static int
s_connect (imw_stream_t *self, const char *endpoint)
{
    if (!endpoint) {
        endpoint = self->nodes [self->next];
        self->next = (self->next + 1) % self->nodes_n;
    }
    im_strlcpy (self->current, endpoint, sizeof self->current);
    if (self->sock) {
        zsock_set_linger (self->sock, 0);   //  Drop what it still queues
        zsock_destroy (&self->sock);
    }
    uint64_t now = im_mono_ms ();
    self->heard_ms = now;
    self->ping_ms = now + s_heartbeat_ms (self);
    self->sock = zsock_new (ZMQ_DEALER);
    if (!self->sock)
        return IM_ENOMEM;
    zsock_set_sndtimeo (self->sock, 0);
    zsock_set_linger (self->sock, 500);     //  Let DISCONNECT go out
    char errbuf [256];
    if (self->options->curve
    &&  im_curve_client (self->options->curve, self->sock, self->current,
                         errbuf, sizeof errbuf)) {
        zsys_error ("%s: %s", self->group, errbuf);
        zsock_destroy (&self->sock);
        return IM_EINVAL;
    }
    if (zsock_connect (self->sock, "%s", self->current)) {
        zsys_error ("%s: cannot connect to '%s'", self->group,
                    self->current);
        zsock_destroy (&self->sock);
        return IM_EINVAL;
    }
    return s_send (self, im_wmsg_encode_ready (self->group,
                                               self->options->instance,
                                               self->options->credit));
}

imw_stream_t *
imw_stream_new (const char *group, const imw_options_t *options)
{
    assert (group && options);
    imw_stream_t *self = (imw_stream_t *) calloc (1, sizeof (imw_stream_t));
    if (!self)
        return NULL;
    im_strlcpy (self->group, group, sizeof self->group);
    self->options = options;
    char list [IM_CONFIG_PATH_MAX];
    im_strlcpy (list, options->worker_endpoint, sizeof list);
    char *saveptr = NULL;
    for (char *token = strtok_r (list, ", ", &saveptr); token;
         token = strtok_r (NULL, ", ", &saveptr))
        if (self->nodes_n < IMW_STREAM_NODES_MAX)
            im_strlcpy (self->nodes [self->nodes_n++], token,
                        IM_PROTO_ENDPOINT_MAX);
    if (self->nodes_n == 0) {
        zsys_error ("%s: no worker endpoint in '%s'", group,
                    options->worker_endpoint);
        free (self);
        return NULL;
    }
    s_connect (self, NULL);
    if (!self->sock)
        imw_stream_destroy (&self);
    return self;
}

void
imw_stream_destroy (imw_stream_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_stream_t *self = *self_p;
        zsock_destroy (&self->sock);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
imw_stream_sock (imw_stream_t *self)
{
    assert (self);
    return self->sock;
}

im_wmsg_t *
imw_stream_recv (imw_stream_t *self, bool *reconnected)
{
    assert (self && reconnected);
    *reconnected = false;
    zmsg_t *msg = self->sock ? zmsg_recv (self->sock) : NULL;
    if (!msg)
        return NULL;                //  Interrupted
    im_wmsg_t *wmsg = im_wmsg_new ();
    char errbuf [256] = "";
    if (!wmsg || im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf)) {
        zsys_warning ("%s: malformed message on the stream: %s",
                      self->group, errbuf);
        zmsg_destroy (&msg);
        im_wmsg_destroy (&wmsg);
        return NULL;
    }
    self->heard_ms = im_mono_ms ();
    if (wmsg->type == IM_WMSG_DELIVER)
        return wmsg;
    if (wmsg->type == IM_WMSG_PING)
        s_send (self, im_wmsg_encode_simple (IM_WMSG_PONG));
    else
    if (wmsg->type == IM_WMSG_DISCONNECT) {
        zsys_notice ("%s: broker disconnected us, reconnecting",
                     self->group);
        s_connect (self, self->current);
        *reconnected = true;
    }
    else
    if (wmsg->type == IM_WMSG_REDIRECT) {
        zsys_notice ("%s: %s does not lead, reading the stream from %s",
                     self->group, self->current, wmsg->endpoint);
        s_connect (self, wmsg->endpoint);
        *reconnected = true;
    }
    else
    if (wmsg->type == IM_WMSG_ERROR)
        //  Said, never answered: two peers must not trade refusals
        zsys_warning ("%s: the broker refused a message: %d %s",
                      self->group, wmsg->status, wmsg->reason);
    else
    if (wmsg->type != IM_WMSG_PONG)
        zsys_warning ("%s: unexpected message type %d on the stream",
                      self->group, (int) wmsg->type);
    im_wmsg_destroy (&wmsg);
    return NULL;
}

int
imw_stream_ack (imw_stream_t *self, uint64_t seq)
{
    assert (self);
    return s_send (self, im_wmsg_encode_ack (seq));
}

bool
imw_stream_heartbeat (imw_stream_t *self, uint64_t now_ms)
{
    assert (self);
    if (!self->sock || now_ms - self->heard_ms > s_expiry_ms (self)) {
        zsys_warning ("%s: broker silent for %" PRIu64 " ms, reconnecting",
                      self->group, now_ms - self->heard_ms);
        s_connect (self, NULL);
        return true;
    }
    if (now_ms >= self->ping_ms) {
        self->ping_ms = now_ms + s_heartbeat_ms (self);
        s_send (self, im_wmsg_encode_simple (IM_WMSG_PING));
    }
    return false;
}

void
imw_stream_disconnect (imw_stream_t *self)
{
    assert (self);
    s_send (self, im_wmsg_encode_simple (IM_WMSG_DISCONNECT));
}
