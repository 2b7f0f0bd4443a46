/*  imb_http_private - what the files of the HTTP server share

    imb_http.c starts the server and makes answers; imb_http_loop*.c is
    its I/O thread (accepting, deadlines, what each connection's octets
    lead to), imb_http_gate.c its limits, imb_http_conn.c one
    connection, imb_http_parser.c and imb_http_message.c the requests,
    imb_http_pool.c the threads that answer them, and imb_http_route.c
    (with imb_http_act.c and imb_http_receivers.c) and imb_http_metrics.c
    the answers themselves. The I/O thread owns
    every connection; a request goes to a pool thread with its answer
    slot (imb_http_job_t) and comes back the same way, through pipes,
    so that no object is shared between threads.
*/
#ifndef IMB_HTTP_PRIVATE_H_INCLUDED
#define IMB_HTTP_PRIVATE_H_INCLUDED

#include "imb_http.h"
#include "imb_http_ingest.h"
#include "imb_http_message.h"
#include "imb_http_parser.h"

#define IMB_HTTP_HEAD_MAX       32768   //  Longest request head, octets
#define IMB_HTTP_IDLE_MS        60000   //  Keep-alive connection, unused
#define IMB_HTTP_SEND_MS        30000   //  Longest write of an answer
#define IMB_HTTP_LINGER_MS      2000    //  Reading what follows a refusal
#define IMB_HTTP_PROBES_MAX     4       //  /readyz answered at once

//  An answer before it is written; a plain value type
typedef struct {
    unsigned status;                    //  HTTP status
    const char *type;                   //  Content-Type, static
    char *body;                         //  Body, owned
    size_t size;                        //  Octets in body
    unsigned retry_after;               //  Seconds, sent when not 0
    char *location;                     //  Location, owned, or NULL
    const char *allow;                  //  Allow, static, or NULL
    bool authenticate;                  //  WWW-Authenticate: Bearer
} imb_http_answer_t;

//  One request, complete with its body, as the routes see it
typedef struct {
    imb_http_t *http;                   //  The server
    const imb_http_message_t *message;  //  The request, borrowed
    const char *method;                 //  "GET", "POST" ...
    const char *url;                    //  Path, without the query
    const char *body;                   //  NUL-ended
    size_t size;                        //  Octets in body
    imb_http_answer_t *answer;          //  Where the answer goes
    char bearer [IM_TOKEN_CRED_TEXT];   //  The caller's token as the node
                                        //  is handed it (im_token.h), or
                                        //  "": sent with every call
} imb_http_request_t;

//  The limits of the server, from http.* of the configuration
typedef struct {
    size_t body_max;                    //  Largest body, octets
    size_t inflight_max;                //  Requests answered at once
    size_t connections_max;             //  Connections open at once
    size_t per_client;                  //  From one client address
    uint32_t header_ms;                 //  Deadline of a request head
    uint32_t body_ms;                   //  Deadline of a request body
} imb_http_limits_t;

typedef struct _imb_http_conn_t imb_http_conn_t;
typedef struct _imb_http_loop_t imb_http_loop_t;
typedef struct _imb_http_pool_t imb_http_pool_t;

//  A request on its way to a pool thread and back with its answer
typedef struct {
    void *origin;                       //  Its connection: the I/O
                                        //  thread's, never touched by the
                                        //  pool
    imb_http_message_t *message;        //  The request, owned
    imb_http_answer_t answer;           //  Filled by the pool thread
} imb_http_job_t;

//  --------------------------------------------------------------------
//  imb_http.c: answers

//  Answers request with a JSON document; takes *json_p (NULL answers
//  500). Retry-After is sent when retry_after (seconds) is not 0,
//  Location when location is not NULL. Returns 0.
int
    imb_http_answer (const imb_http_request_t *request, unsigned status,
                     json_t **json_p, unsigned retry_after,
                     const char *location);

//  Answers {"error": text, "field": field}, field left out when NULL or
//  empty; 429 and 503 carry Retry-After: 1. Returns 0.
int
    imb_http_error (const imb_http_request_t *request, unsigned status,
                    const char *text, const char *field);

//  Answers 405 naming the methods allowed (allow is static). Returns 0.
int
    imb_http_not_allowed (const imb_http_request_t *request,
                          const char *allow);

//  Answers with text of content type type (static); takes *text_p.
//  Returns 0.
int
    imb_http_answer_text (const imb_http_request_t *request, unsigned status,
                          char **text_p, const char *type);

//  Answers with the error a broker reply holds (status mapped to HTTP)
int
    imb_http_broker_error (const imb_http_request_t *request,
                           const im_reply_t *reply);

//  Fills answer with {"error": text}: what the server itself refuses
void
    imb_http_answer_refusal (imb_http_answer_t *answer, unsigned status,
                             const char *text);

//  Frees what answer holds and empties it
void
    imb_http_answer_clear (imb_http_answer_t *answer);

//  True when path is answered without a token: always without CURVE
//  (security.curve false), /healthz always, /readyz and /metrics unless
//  http.readyz_open or http.metrics_open is false
bool
    imb_http_open (imb_http_t *self, const char *path);

//  Whether a resolved alert resolves its incident (http.alert_resolve)
bool
    imb_http_auto_resolve (imb_http_t *self);

//  The broker's client endpoint (inproc), borrowed
const char *
    imb_http_endpoint (imb_http_t *self);

//  A client of the broker for one call or batch, with timeout_ms
im_client_t *
    imb_http_client (imb_http_t *self, int timeout_ms);

//  Counts an answer given with status
void
    imb_http_count (imb_http_t *self, unsigned status);

//  Answers given so far with status
uint64_t
    imb_http_answers (imb_http_t *self, unsigned status);

//  The verb of POST /v1/incidents/{id}/{action} (ACK ... ESCALATE,
//  static), or NULL when action names none (imb_http_act.c)
const char *
    imb_http_act_verb (const char *action);

//  Answers POST /v1/incidents/{id}/{action}: verb with the body's
//  members as arguments (imb_http_act.c). Returns 0.
int
    imb_http_act (const imb_http_request_t *request, int64_t id,
                  const char *verb);

//  Reads the Idempotency-Key into *key (NULL when none). Returns false
//  after answering 400 (*rc) when it is not 1..127 printable ASCII.
bool
    imb_http_idempotency_key (const imb_http_request_t *request,
                              const char **key, int *rc);

//  Reads the Idempotency-Key (into *key, NULL when none) and the JSON
//  body of a write. Returns the document, or NULL after answering 400.
json_t *
    imb_http_read (const imb_http_request_t *request, const char **key,
                   int *rc);

//  Writes the request id of a write into request_id (IM_REQUEST_ID_MAX
//  bytes): the client's Idempotency-Key when it gave one (key), else a
//  fresh one
void
    imb_http_request_id (const char *key, char *request_id);

//  Answers a broker reply that did not come, or came as an error;
//  request_id is the command's (NULL for a query), which a client that
//  sent no Idempotency-Key needs to retry it. Returns 0.
int
    imb_http_failed (const imb_http_request_t *request,
                     const im_reply_t *reply, const char *request_id);

//  Parses the body as JSON. Returns the document, or NULL after
//  answering 400 (*rc) with the offset of the fault (imb_http_route.c).
json_t *
    imb_http_parse (const imb_http_request_t *request, int *rc);

//  Reads query parameter name into body: an integer when is_int.
//  Returns false after answering 400 (*rc) when it is not one
//  (imb_http_route.c).
bool
    imb_http_parameter (const imb_http_request_t *request, const char *name,
                        bool is_int, im_fields_t *body, int *rc);

//  Answers GET /v1/config/timeline (imb_http_config.c)
int
    imb_http_config_timeline (const imb_http_request_t *request);

//  Answers POST /v1/alerts/alertmanager (imb_http_receivers.c)
int
    imb_http_alertmanager (const imb_http_request_t *request);

//  Answers POST /v1/events and /v2/enqueue (imb_http_receivers.c)
int
    imb_http_event (const imb_http_request_t *request);

//  Answers a request: routes it by method and path (imb_http_route.c)
int
    imb_http_route (const imb_http_request_t *request);

//  Answers GET /metrics (imb_http_metrics.c)
int
    imb_http_metrics (const imb_http_request_t *request);

//  --------------------------------------------------------------------
//  imb_http_call.c: requests to the broker

//  Sends one request to the broker, with the caller's token credential
//  when request has one, and waits up to timeout_ms (0: the default,
//  10 s) for its answer. Returns the reply (the caller's), or NULL when
//  none came in time.
im_reply_t *
    imb_http_call (const imb_http_request_t *request, const char *verb,
                   const char *request_id, const im_fields_t *body,
                   bool raw_items, int timeout_ms);

//  Sends every command of batch as ALERT at once (each with the
//  caller's token credential when request has one) and collects their
//  replies into replies [batch->count] (the caller's; a repeat within
//  the batch gets none). Commands answered busy (503) are sent again
//  after a few ms until the deadline (10 s): they are idempotent, and
//  a notification refused whole would be sent whole again, refused
//  again in the same order. Returns 0, or IM_ETIMEOUT when some have
//  no answer or are still busy.
int
    imb_http_call_batch (const imb_http_request_t *request,
                         const imb_http_batch_t *batch,
                         im_reply_t **replies);

//  --------------------------------------------------------------------
//  imb_http_loop.c: the I/O thread

//  Starts the I/O thread serving the listening socket listener (taken)
//  within limits. Returns NULL with the reason in errbuf.
imb_http_loop_t *
    imb_http_loop_new (imb_http_t *http, int listener,
                       const imb_http_limits_t *limits, char *errbuf,
                       size_t errlen);

//  Length in ms of the window within which copies of one Alertmanager
//  notification count once (http.alert_copies_window)
uint64_t
    imb_http_copies_window (imb_http_t *self);

//  Stops the thread, waits for the requests being answered, closes
//  every connection
void
    imb_http_loop_destroy (imb_http_loop_t **self_p);

//  --------------------------------------------------------------------
//  imb_http_pool.c: the threads that answer requests

//  Creates a pool of at most threads_max threads (started as needed)
//  answering jobs for http, each sent back through the pipe done (its
//  write end; the caller's). Returns NULL with errno set.
imb_http_pool_t *
    imb_http_pool_new (imb_http_t *http, size_t threads_max, int done);

//  Lets every thread finish its job, answers what is queued without
//  routing it (each still comes back through done), and joins them
void
    imb_http_pool_destroy (imb_http_pool_t **self_p);

//  Hands job to the pool, which sends it back through done once its
//  answer is made; at most threads_max jobs may be out at once.
//  Returns 0, or -1 when no thread could take it (job stays the
//  caller's).
int
    imb_http_pool_submit (imb_http_pool_t *self, imb_http_job_t *job);

//  Makes a pipe, both ends closed on exec. Returns 0, or -1 with errno
//  set (fds then -1).
int
    imb_http_pipe (int fds [2]);

//  Counts a job of this pool back from done (the I/O thread's count of
//  jobs out, by which threads are started)
void
    imb_http_pool_back (imb_http_pool_t *self);

#endif
