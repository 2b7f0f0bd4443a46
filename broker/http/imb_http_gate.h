/*  imb_http_gate - who may connect, and what request bodies may hold

    The HTTP server's counts of what its clients hold: connections in
    all (http.connections_max) and from each client address
    (http.connections_per_client), connections refused and still
    closing, and the octets of request bodies being received (at most
    http.inflight_max x http.body_max together). Each refusal comes with
    the status and a sentence naming its limit. It belongs to the
    server's I/O thread and does no I/O.
*/
#ifndef IMB_HTTP_GATE_H_INCLUDED
#define IMB_HTTP_GATE_H_INCLUDED

typedef struct _imb_http_gate_t imb_http_gate_t;

//  Creates a gate for limits (copied). Returns NULL out of memory.
imb_http_gate_t *
    imb_http_gate_new (const imb_http_limits_t *limits);

void
    imb_http_gate_destroy (imb_http_gate_t **self_p);

//  A connection from address (a string) arrives. Returns 0 when it may
//  be served: it then counts toward its address and the total until it
//  leaves. Else returns the status it is refused with (429: its address
//  has too many; 503: the server has), with the reason in text; it
//  then counts as closing until it leaves.
unsigned
    imb_http_gate_enter (imb_http_gate_t *self, const char *address,
                         char *text, size_t size);

//  The connection from address leaves; entered is whether enter let it
//  in (returned 0)
void
    imb_http_gate_leave (imb_http_gate_t *self, const char *address,
                         bool entered);

//  Whether the connections refused and closing are within their budget
//  (http.connections_max): past it, a refused one is not lingered on
bool
    imb_http_gate_may_linger (imb_http_gate_t *self);

//  The connections let in and open now
size_t
    imb_http_gate_open (imb_http_gate_t *self);

//  One request's body holds size octets (*held of them were counted
//  before; the count is raised, never lowered). Returns true, or false
//  with the reason in text when all bodies would hold more than their
//  budget; the octets stay counted until imb_http_gate_release.
bool
    imb_http_gate_hold (imb_http_gate_t *self, size_t *held, size_t size,
                        char *text, size_t text_size);

//  The *held octets of one request's body are free again; sets *held 0
void
    imb_http_gate_release (imb_http_gate_t *self, size_t *held);

#endif
