/*  imb_http_gate - who may connect, and what request bodies may hold

    A connection is judged when it is accepted, before it has sent a
    byte: by its address only. Its own address's limit is checked first,
    so that a flooding client hears that it is the one over a limit and
    a client from elsewhere is turned away only when the whole server is
    full. A refused connection is answered and lingers for a moment
    before it is closed (imb_http_conn); those count in a budget of
    their own, so that a flood of refusals cannot take the descriptors
    the connections let in need.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include "imb_http_gate.h"

struct _imb_http_gate_t {
    imb_http_limits_t limits;       //  The server's limits
    zhashx_t *addresses;            //  Address -> connections let in
    size_t open;                    //  Connections let in and open
    size_t refused;                 //  Connections refused, closing
    size_t held;                    //  Octets request bodies hold
};

imb_http_gate_t *
imb_http_gate_new (const imb_http_limits_t *limits)
{
    assert (limits);
    imb_http_gate_t *self = (imb_http_gate_t *) calloc (1, sizeof *self);
    if (self)
        self->addresses = zhashx_new ();    //  String keys, copied
    if (self && !self->addresses)
        imb_http_gate_destroy (&self);
    if (self)
        self->limits = *limits;
    return self;
}

void
imb_http_gate_destroy (imb_http_gate_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_gate_t *self = *self_p;
        zhashx_destroy (&self->addresses);
        free (self);
        *self_p = NULL;
    }
}

unsigned
imb_http_gate_enter (imb_http_gate_t *self, const char *address, char *text,
                     size_t size)
{
    assert (self && address && text);
    size_t count = (size_t) (uintptr_t) zhashx_lookup (self->addresses,
                                                       address);
    unsigned status = 0;
    if (count >= self->limits.per_client) {
        snprintf (text, size, "too many connections from %s: at most %zu "
                  "at once (http.connections_per_client)", address,
                  self->limits.per_client);
        status = IMB_HTTP_TOO_MANY;
    }
    else
    if (self->open >= self->limits.connections_max) {
        snprintf (text, size, "too many connections: at most %zu at once "
                  "(http.connections_max)", self->limits.connections_max);
        status = IM_PROTO_UNAVAILABLE;
    }
    if (status)
        self->refused++;
    else {
        zhashx_update (self->addresses, address,
                       (void *) (uintptr_t) (count + 1));
        self->open++;
    }
    return status;
}

void
imb_http_gate_leave (imb_http_gate_t *self, const char *address,
                     bool entered)
{
    assert (self && address);
    if (!entered) {
        assert (self->refused > 0);
        self->refused--;
        return;
    }
    size_t count = (size_t) (uintptr_t) zhashx_lookup (self->addresses,
                                                       address);
    assert (count > 0 && self->open > 0);
    if (count > 1)
        zhashx_update (self->addresses, address,
                       (void *) (uintptr_t) (count - 1));
    else
        zhashx_delete (self->addresses, address);
    self->open--;
}

bool
imb_http_gate_may_linger (imb_http_gate_t *self)
{
    assert (self);
    return self->refused <= self->limits.connections_max;
}

size_t
imb_http_gate_open (imb_http_gate_t *self)
{
    assert (self);
    return self->open;
}

bool
imb_http_gate_hold (imb_http_gate_t *self, size_t *held, size_t size,
                    char *text, size_t text_size)
{
    assert (self && held && text);
    if (size > *held) {
        self->held += size - *held;
        *held = size;
    }
    size_t budget = self->limits.inflight_max * self->limits.body_max;
    if (self->held <= budget)
        return true;
    snprintf (text, text_size, "too many request bodies being received at "
              "once (at most http.inflight_max x http.body_max, %zu "
              "bytes); retry", budget);
    return false;
}

void
imb_http_gate_release (imb_http_gate_t *self, size_t *held)
{
    assert (self && held && self->held >= *held);
    self->held -= *held;
    *held = 0;
}
