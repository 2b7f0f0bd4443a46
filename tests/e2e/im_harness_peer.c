/*  im_harness_peer - a raw ZeroMQ peer for the tests of hostile bytes

    e2e_bad_input (the client endpoint) and e2e_bad_stream (the worker
    dialog, both ways) stand in for a misbehaving client, worker or
    broker with a socket of their own, so that every frame is exactly
    what the test says rather than what imq's encoders would make.
*/
#include "im_harness_private.h"

int
imh_peer_setup (void **state, const char *name)
{
    imh_peer_t *self = (imh_peer_t *) calloc (1, sizeof (imh_peer_t));
    if (!self)
        return -1;
    self->harness = imh_new (name, NULL);
    self->big = (char *) malloc (IMH_PEER_BIG);
    if (!self->harness || !self->big) {
        imh_destroy (&self->harness);
        free (self->big);
        free (self);
        return -1;
    }
    memset (self->big, 'x', IMH_PEER_BIG);
    *state = self;
    return 0;
}

int
imh_peer_teardown (void **state)
{
    imh_peer_t *self = (imh_peer_t *) *state;
    int rc = 0;
    if (self && self->harness && !imh_logs_clean (self->harness))
        rc = -1;
    if (self) {
        zsock_destroy (&self->peer);
        imh_destroy (&self->harness);
        free (self->big);
    }
    free (self);
    *state = NULL;
    return rc;
}

int
imh_peer_start (imh_peer_t *self, bool workers)
{
    assert (self && !self->peer);
    char cert [IMH_PATH_MAX + 80];
    int broker = imh_cert (self->harness, "peer", "classifier", cert,
                           sizeof cert)
               ? -1 : imh_start_broker (self->harness);
    if (broker < 0)
        return -1;
    self->peer = workers
        ? imh_dealer (self->harness, imh_worker_endpoint (self->harness),
                      "peer")
        : imh_dealer (self->harness, imh_client_endpoint (self->harness),
                      NULL);
    return self->peer ? broker : -1;
}

zmsg_t *
imh_peer_msg (const char *const *strings, zframe_t *last)
{
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    for (size_t index = 0; strings [index]; index++)
        zmsg_addstr (msg, strings [index]);
    if (last)
        zmsg_append (msg, &last);
    return msg;
}

zmsg_t *
imh_peer_recv (zsock_t *socket)
{
    zpoller_t *poller = zpoller_new (socket, NULL);
    zmsg_t *msg = zpoller_wait (poller, IMH_PEER_WAIT_MS)
                ? zmsg_recv (socket) : NULL;
    zpoller_destroy (&poller);
    return msg;
}
