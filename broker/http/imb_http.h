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
#include "im_proto_status.h"

//  HTTP statuses the protocol has no use for (docs/http.md section 5);
//  the others are the protocol's, IM_PROTO_* (im_proto_status.h)
#define IMB_HTTP_ACCEPTED           202     //  Taken; the outcome follows
#define IMB_HTTP_METHOD_NOT_ALLOWED 405     //  Allow names those it takes
#define IMB_HTTP_TIMEOUT            408     //  Head or body too slow
#define IMB_HTTP_LENGTH_REQUIRED    411
#define IMB_HTTP_URI_TOO_LONG       414
#define IMB_HTTP_EXPECTATION_FAILED 417     //  An Expect we do not take
#define IMB_HTTP_TOO_MANY           429     //  Client over its share
#define IMB_HTTP_HEADERS_TOO_LARGE  431
#define IMB_HTTP_NOT_IMPLEMENTED    501     //  A Transfer-Encoding
#define IMB_HTTP_VERSION            505     //  Not HTTP/1.0 or 1.1

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
