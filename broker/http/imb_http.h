/*  imb_http - the broker's HTTP server: JSON API, alert receivers,
    Prometheus metrics and health checks (docs/http.md)

    One I/O thread holds every connection, and threads started as the
    requests in progress need them answer. Those threads never touch
    the broker's state: each request talks to the broker's client
    endpoint as an ordinary IMQ01 client, over inproc, and turns JSON
    into commands and replies into JSON.
*/
#ifndef IMB_HTTP_H_INCLUDED
#define IMB_HTTP_H_INCLUDED

#include "im_config.h"

typedef struct _imb_http_t imb_http_t;

//  Starts serving on config->http_listen, sending commands and queries
//  to endpoint (the broker's client endpoint, bound already), and, when
//  that node redirects them, to the leader as the node curve (borrowed,
//  may be NULL: no CURVE). Returns NULL with the reason in errbuf.
imb_http_t *
    imb_http_new (const im_config_t *config, const char *endpoint,
                  const im_curve_t *curve, char *errbuf, size_t errlen);

//  Stops the server, waiting for the requests in progress
void
    imb_http_destroy (imb_http_t **self_p);

#endif
