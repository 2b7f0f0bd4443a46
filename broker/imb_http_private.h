/*  imb_http_private - what the files of the HTTP server share

    imb_http.c runs libmicrohttpd and talks to the broker, and
    imb_http_route.c and imb_http_metrics.c answer requests through the
    functions below. They all run on libmicrohttpd's threads.
*/
#ifndef IMB_HTTP_PRIVATE_H_INCLUDED
#define IMB_HTTP_PRIVATE_H_INCLUDED

#include <microhttpd.h>
#include "imb_http.h"
#include "imb_http_ingest.h"

//  One request, complete with its body; everything borrowed
typedef struct {
    imb_http_t *http;                   //  The server
    struct MHD_Connection *connection;  //  Where the answer goes
    const char *method;                 //  "GET", "POST" ...
    const char *url;                    //  Path, without the query
    const char *body;                   //  NUL-ended
    size_t size;                        //  Octets in body
} imb_http_request_t;

//  Answers request with a JSON document; takes *json_p (NULL answers
//  500). Retry-After is sent when retry_after (seconds) is not 0,
//  Location when location is not NULL.
enum MHD_Result
    imb_http_answer (const imb_http_request_t *request, unsigned status,
                     json_t **json_p, unsigned retry_after,
                     const char *location);

//  Answers {"error": text, "field": field}, field left out when NULL or
//  empty; 429 and 503 carry Retry-After: 1
enum MHD_Result
    imb_http_error (const imb_http_request_t *request, unsigned status,
                    const char *text, const char *field);

//  Answers 405 naming the methods allowed
enum MHD_Result
    imb_http_not_allowed (const imb_http_request_t *request,
                          const char *allow);

//  Answers with text of content type type; takes *text_p
enum MHD_Result
    imb_http_answer_text (const imb_http_request_t *request, unsigned status,
                          char **text_p, const char *type);

//  Answers with the error a broker reply holds (status mapped to HTTP)
enum MHD_Result
    imb_http_broker_error (const imb_http_request_t *request,
                           const im_reply_t *reply);

//  imb_http_call.c: requests to the broker

//  Sends one request to the broker and waits up to timeout_ms (0: the
//  default, 10 s) for its answer. Returns the reply (the caller's), or
//  NULL when none came in time.
im_reply_t *
    imb_http_call (imb_http_t *self, const char *verb,
                   const char *request_id, const im_fields_t *body,
                   bool raw_items, int timeout_ms);

//  Sends every command of batch as ALERT at once and collects their
//  replies into replies [batch->count] (the caller's; a repeat within
//  the batch gets none). Commands answered busy (503) are sent again
//  after a few ms until the deadline (10 s): they are idempotent, and
//  a notification refused whole would be sent whole again, refused
//  again in the same order. Returns 0, or IM_ETIMEOUT when some have
//  no answer or are still busy.
int
    imb_http_call_batch (imb_http_t *self, const imb_http_batch_t *batch,
                         im_reply_t **replies);

//  imb_http.c

//  Whether a resolved alert resolves its incident (http.alert_resolve)
bool
    imb_http_auto_resolve (imb_http_t *self);

//  Length in ms of the window within which copies of one Alertmanager
//  notification count once (http.alert_copies_window)
uint64_t
    imb_http_copies_window (imb_http_t *self);

//  The broker's client endpoint (inproc), borrowed
const char *
    imb_http_endpoint (imb_http_t *self);

//  Answers given so far with status
uint64_t
    imb_http_answers (imb_http_t *self, unsigned status);

//  Answers a request: routes it by method and path (imb_http_route.c)
enum MHD_Result
    imb_http_route (const imb_http_request_t *request);

//  Answers GET /metrics (imb_http_metrics.c)
enum MHD_Result
    imb_http_metrics (const imb_http_request_t *request);

#endif
