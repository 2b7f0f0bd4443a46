/*  imb_http - the broker's HTTP server: JSON API, alert receivers,
    Prometheus metrics and health checks (docs/http.md)

    The broker's state belongs to its main thread (the zloop) and the
    Raft thread. libmicrohttpd's threads stay out of it: every request
    opens a DEALER to the broker's client endpoint over inproc and asks
    as any IMQ01 client would, so a command from HTTP goes through the
    same checks, the same queue and the same idempotency as one from
    imqctl. What HTTP adds is bounded: a body larger than http.body_max
    is read to its end and dropped (413), and more than http.inflight_max
    requests at once are answered 429 with Retry-After, as the broker's
    own full queue is answered 503 with Retry-After; nothing waits
    without bound. The only state the threads share is a few atomic
    counters (requests in flight, answers by status).
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include <netdb.h>
#include <stdatomic.h>

#define S_STATUS_MAX    600         //  HTTP status codes counted

struct _imb_http_t {
    struct MHD_Daemon *daemon;      //  The server, owned
    char endpoint [IM_CONFIG_PATH_MAX];     //  Broker's client endpoint
    size_t body_max;                //  Largest body accepted, octets
    size_t inflight_max;            //  Requests answered at once
    bool auto_resolve;              //  Resolved alerts resolve incidents
    uint64_t copies_window_ms;      //  Alert copies within it count once
    atomic_size_t inflight;         //  Requests being answered now
    atomic_uint_fast64_t answers [S_STATUS_MAX];
                                    //  Answers given, by status
};

//  One request as it arrives: its body, up to the limit
typedef struct {
    char *body;                     //  Octets read, owned (NUL ended)
    size_t size;                    //  How many
    size_t allocated;               //  Room in body
    bool too_big;                   //  Over body_max: the rest is dropped
} s_upload_t;

//  --------------------------------------------------------------------
//  Answers

//  Counts an answer and queues it
static enum MHD_Result
s_queue (imb_http_t *self, struct MHD_Connection *connection,
         unsigned status, struct MHD_Response *response)
{
    if (status < S_STATUS_MAX)
        atomic_fetch_add (&self->answers [status], 1);
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

enum MHD_Result
imb_http_answer_text (const imb_http_request_t *request, unsigned status,
                      char **text_p, const char *type)
{
    char *text = *text_p;
    *text_p = NULL;
    struct MHD_Response *response = MHD_create_response_from_buffer (
        strlen (text), text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free (text);
        return MHD_NO;
    }
    MHD_add_response_header (response, "Content-Type", type);
    return s_queue (request->http, request->connection, status, response);
}

//  Makes the response for a JSON document; takes *json_p
static struct MHD_Response *
s_json_response (json_t **json_p, unsigned *status)
{
    char *text = *json_p ? json_dumps (*json_p, JSON_INDENT (2)
                                                | JSON_PRESERVE_ORDER)
                         : NULL;
    json_decref (*json_p);
    *json_p = NULL;
    if (!text) {
        text = strdup ("{\"error\": \"out of memory\"}");
        *status = 500;
        if (!text)
            return NULL;
    }
    struct MHD_Response *response = MHD_create_response_from_buffer (
        strlen (text), text, MHD_RESPMEM_MUST_FREE);
    if (!response)
        free (text);
    else
        MHD_add_response_header (response, "Content-Type",
                                 "application/json");
    return response;
}

enum MHD_Result
imb_http_answer (const imb_http_request_t *request, unsigned status,
                 json_t **json_p, unsigned retry_after, const char *location)
{
    struct MHD_Response *response = s_json_response (json_p, &status);
    if (!response)
        return MHD_NO;
    if (retry_after) {
        char seconds [16];
        snprintf (seconds, sizeof seconds, "%u", retry_after);
        MHD_add_response_header (response, "Retry-After", seconds);
    }
    if (location)
        MHD_add_response_header (response, "Location", location);
    return s_queue (request->http, request->connection, status, response);
}

//  The error document {"error": text, "field": field}
static json_t *
s_error_json (const char *text, const char *field)
{
    json_t *json = json_pack ("{s:s}", "error", text);
    if (json && field && *field)
        json_object_set_new (json, "field", json_string (field));
    return json;
}

enum MHD_Result
imb_http_error (const imb_http_request_t *request, unsigned status,
                const char *text, const char *field)
{
    json_t *json = s_error_json (text, field);
    return imb_http_answer (request, status, &json,
                            status == 503 || status == 429 ? 1 : 0, NULL);
}

enum MHD_Result
imb_http_not_allowed (const imb_http_request_t *request, const char *allow)
{
    char text [96];
    snprintf (text, sizeof text, "method %s is not allowed here; allowed: %s",
              request->method, allow);
    json_t *json = s_error_json (text, NULL);
    unsigned status = 405;
    struct MHD_Response *response = s_json_response (&json, &status);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Allow", allow);
    return s_queue (request->http, request->connection, status, response);
}

enum MHD_Result
imb_http_broker_error (const imb_http_request_t *request,
                       const im_reply_t *reply)
{
    //  "Not the leader" tells an HTTP client to come back, as busy does,
    //  and where the leader's HTTP server is when the node knows it
    unsigned status = reply->status == 421 ? 503 : (unsigned) reply->status;
    const char *text = im_fields_str (reply->body, "error");
    const char *leader_http = reply->status == 421
                            ? im_fields_str (reply->body, "leader_http")
                            : NULL;
    if (!leader_http)
        return imb_http_error (request, status,
                               text ? text : "the broker refused the request",
                               NULL);
    json_t *json = json_pack ("{s:s,s:s}", "error", text ? text : "not the "
                              "leader", "leader_http", leader_http);
    return imb_http_answer (request, status, &json, 1, NULL);
}

bool
imb_http_auto_resolve (imb_http_t *self)
{
    return self->auto_resolve;
}

uint64_t
imb_http_copies_window (imb_http_t *self)
{
    return self->copies_window_ms;
}

uint64_t
imb_http_answers (imb_http_t *self, unsigned status)
{
    return status < S_STATUS_MAX ? atomic_load (&self->answers [status]) : 0;
}

const char *
imb_http_endpoint (imb_http_t *self)
{
    return self->endpoint;
}

//  --------------------------------------------------------------------
//  The libmicrohttpd callbacks

//  Appends a chunk of the body, or drops it once over the limit
static void
s_upload (imb_http_t *self, s_upload_t *upload, const char *data,
          size_t size)
{
    if (upload->too_big || upload->size + size > self->body_max) {
        upload->too_big = true;
        return;
    }
    if (upload->size + size + 1 > upload->allocated) {
        size_t allocated = upload->allocated ? upload->allocated : 4096;
        while (allocated < upload->size + size + 1)
            allocated *= 2;
        char *body = (char *) realloc (upload->body, allocated);
        assert (body);
        upload->body = body;
        upload->allocated = allocated;
    }
    memcpy (upload->body + upload->size, data, size);
    upload->size += size;
    upload->body [upload->size] = 0;
}

static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *connection, const char *url,
              const char *method, const char *version,
              const char *upload_data, size_t *upload_data_size,
              void **context)
{
    (void) version;
    imb_http_t *self = (imb_http_t *) cls;
    s_upload_t *upload = (s_upload_t *) *context;
    if (!upload) {                  //  Headers only, so far
        upload = (s_upload_t *) calloc (1, sizeof *upload);
        if (!upload)
            return MHD_NO;
        *context = upload;
        //  A body announced too large is refused before it is read
        const char *length = MHD_lookup_connection_value (
            connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > self->body_max)
            upload->too_big = true;
        else
            return MHD_YES;
    }
    if (*upload_data_size) {        //  Past the limit: read, dropped
        s_upload (self, upload, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    imb_http_request_t request = {
        self, connection, method, url, upload->body ? upload->body : "",
        upload->size
    };
    if (upload->too_big) {
        char text [96];
        snprintf (text, sizeof text, "the body is larger than %zu bytes "
                  "(http.body_max)", self->body_max);
        return imb_http_error (&request, 413, text, NULL);
    }
    //  A liveness probe is never turned away: it asks nothing of anyone
    if (streq (url, "/healthz"))
        return imb_http_route (&request);
    if (atomic_fetch_add (&self->inflight, 1) >= self->inflight_max) {
        atomic_fetch_sub (&self->inflight, 1);
        return imb_http_error (&request, 429, "too many requests in "
                               "progress (http.inflight_max); retry", NULL);
    }
    enum MHD_Result rc = imb_http_route (&request);
    atomic_fetch_sub (&self->inflight, 1);
    return rc;
}

static void
s_on_completed (void *cls, struct MHD_Connection *connection, void **context,
                enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) connection;
    (void) code;
    s_upload_t *upload = (s_upload_t *) *context;
    if (upload) {
        free (upload->body);
        free (upload);
        *context = NULL;
    }
}

static void
s_on_log (void *cls, const char *format, va_list args)
{
    (void) cls;
    char text [256];
    vsnprintf (text, sizeof text, format, args);
    zsys_warning ("http: %s", text);
}

imb_http_t *
imb_http_new (const im_config_t *config, const char *endpoint, char *errbuf,
              size_t errlen)
{
    assert (config && endpoint);
    //  host:port as a socket address
    char host [IM_CONFIG_PATH_MAX];
    im_strlcpy (host, config->http_listen, sizeof host);
    char *colon = strrchr (host, ':');
    if (!colon) {
        snprintf (errbuf, errlen, "http.listen '%s' is not host:port",
                  config->http_listen);
        return NULL;
    }
    *colon = 0;
    struct addrinfo hints = { 0 }, *address = NULL;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int found = getaddrinfo (*host ? host : NULL, colon + 1, &hints,
                             &address);
    if (found) {
        snprintf (errbuf, errlen, "http.listen '%s': %s", config->http_listen,
                  gai_strerror (found));
        return NULL;
    }
    imb_http_t *self = (imb_http_t *) calloc (1, sizeof *self);
    if (!self) {
        freeaddrinfo (address);
        return NULL;
    }
    im_strlcpy (self->endpoint, endpoint, sizeof self->endpoint);
    self->body_max = config->http_body_max;
    self->inflight_max = config->http_inflight_max;
    self->auto_resolve = streq (config->alert_resolve, "auto");
    self->copies_window_ms = config->http_alert_copies_window_ms;
    atomic_init (&self->inflight, 0);
    for (size_t index = 0; index < S_STATUS_MAX; index++)
        atomic_init (&self->answers [index], 0);
    //  One thread per connection: a request blocks its thread while
    //  the broker commits, and connections beyond the limit are refused
    unsigned connections = (unsigned) self->inflight_max * 4;
    self->daemon = MHD_start_daemon (
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION
        | MHD_USE_ERROR_LOG,
        0, NULL, NULL, s_on_request, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_on_log, self,
        MHD_OPTION_SOCK_ADDR, address->ai_addr,
        MHD_OPTION_CONNECTION_LIMIT, connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 60,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self,
        MHD_OPTION_END);
    freeaddrinfo (address);
    if (!self->daemon) {
        snprintf (errbuf, errlen, "cannot serve HTTP on %s: %s",
                  config->http_listen, strerror (errno));
        imb_http_destroy (&self);
    }
    return self;
}

void
imb_http_destroy (imb_http_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_t *self = *self_p;
        if (self->daemon)
            MHD_stop_daemon (self->daemon);
        free (self);
        *self_p = NULL;
    }
}
