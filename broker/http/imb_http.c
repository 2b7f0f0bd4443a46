/*  imb_http - the broker's HTTP server: JSON API, alert receivers,
    Prometheus metrics and health checks (docs/http.md)

    The broker's state belongs to its main thread (the zloop) and the
    Raft thread. The HTTP threads stay out of it: every request opens a
    DEALER to the broker's client endpoint over inproc and asks as any
    IMQ01 client would, so a command from HTTP goes through the same
    checks, the same queue and the same idempotency as one from imqctl.
    What HTTP adds is bounded: connections (in all and per client
    address), the time a request head and body may take, the body's
    size, and the requests answered at once; each refusal is a JSON
    answer naming its limit, and the broker's own full queue is
    answered 503 with Retry-After; nothing waits without bound.

    The server is imq's own (imb_http_loop, imb_http_conn,
    imb_http_parser) rather than libmicrohttpd's: libmicrohttpd 0.9.75
    answers the faults it finds itself (a bad Content-Length twice
    over, chunk errors in HTML), has no deadline a trickle cannot reset,
    and gives no hook to change either. This file starts it and makes
    the answers. The only state the threads share is a few atomic
    counters (answers by status).
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include <netdb.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_STATUS_MAX    600         //  HTTP status codes counted

struct _imb_http_t {
    imb_http_loop_t *loop;          //  The I/O thread, owned
    char endpoint [IM_CONFIG_PATH_MAX];     //  Broker's client endpoint
    const im_curve_t *curve;        //  The node's identity, or NULL
    bool auto_resolve;              //  Resolved alerts resolve incidents
    bool auth;                      //  Bearer tokens required (CURVE on)
    bool readyz_open;               //  /readyz without a token
    bool metrics_open;              //  /metrics without a token
    uint64_t copies_window_ms;      //  Alert copies within it count once
    atomic_uint_fast64_t answers [S_STATUS_MAX];
                                    //  Answers given, by status
};

//  --------------------------------------------------------------------
//  Answers

void
imb_http_answer_clear (imb_http_answer_t *answer)
{
    assert (answer);
    free (answer->body);
    free (answer->location);
    memset (answer, 0, sizeof *answer);
}

//  Puts text (owned, NUL-ended) of content type type into answer, or
//  a fixed 500 when text is NULL (out of memory)
static void
s_fill (imb_http_answer_t *answer, unsigned status, char *text,
        const char *type)
{
    imb_http_answer_clear (answer);
    if (!text) {
        text = strdup ("{\"error\": \"out of memory\"}");
        status = IM_PROTO_INTERNAL;
        type = "application/json";
    }
    answer->status = status;
    answer->type = type;
    answer->body = text;
    answer->size = text ? strlen (text) : 0;
}

//  Puts the JSON document *json_p (taken) into answer
static void
s_fill_json (imb_http_answer_t *answer, unsigned status, json_t **json_p)
{
    char *text = *json_p ? json_dumps (*json_p, JSON_INDENT (2)
                                                | JSON_PRESERVE_ORDER)
                         : NULL;
    json_decref (*json_p);
    *json_p = NULL;
    s_fill (answer, status, text, "application/json");
}

int
imb_http_answer_text (const imb_http_request_t *request, unsigned status,
                      char **text_p, const char *type)
{
    s_fill (request->answer, status, *text_p, type);
    *text_p = NULL;
    return 0;
}

int
imb_http_answer (const imb_http_request_t *request, unsigned status,
                 json_t **json_p, unsigned retry_after, const char *location)
{
    s_fill_json (request->answer, status, json_p);
    request->answer->retry_after = retry_after;
    if (location)
        request->answer->location = strdup (location);
    return 0;
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

void
imb_http_answer_refusal (imb_http_answer_t *answer, unsigned status,
                         const char *text)
{
    assert (answer);
    memset (answer, 0, sizeof *answer);
    json_t *json = s_error_json (text, NULL);
    s_fill_json (answer, status, &json);
    if (answer->status == IM_PROTO_UNAVAILABLE
    ||  answer->status == IMB_HTTP_TOO_MANY)
        answer->retry_after = 1;
}

int
imb_http_error (const imb_http_request_t *request, unsigned status,
                const char *text, const char *field)
{
    json_t *json = s_error_json (text, field);
    int rc = imb_http_answer (request, status, &json,
                              status == IM_PROTO_UNAVAILABLE
                              || status == IM_PROTO_OUTCOME_UNKNOWN
                              || status == IMB_HTTP_TOO_MANY
                              ? 1 : 0, NULL);
    //  RFC 6750: a request without a valid token is told how to bring one
    request->answer->authenticate = status == IM_PROTO_UNAUTHORIZED;
    return rc;
}

int
imb_http_not_allowed (const imb_http_request_t *request, const char *allow)
{
    char text [96];
    snprintf (text, sizeof text, "method %.20s is not allowed here; "
              "allowed: %s", request->method, allow);
    json_t *json = s_error_json (text, NULL);
    s_fill_json (request->answer, IMB_HTTP_METHOD_NOT_ALLOWED, &json);
    request->answer->allow = allow;
    return 0;
}

int
imb_http_broker_error (const imb_http_request_t *request,
                       const im_reply_t *reply)
{
    //  "Not the leader" tells an HTTP client to come back, as busy does,
    //  and where the leader's HTTP server is when the node knows it
    unsigned status = reply->status == IM_PROTO_NOT_LEADER
                    ? IM_PROTO_UNAVAILABLE : (unsigned) reply->status;
    const char *text = im_fields_str (reply->body, IM_KEY_ERROR);
    const char *leader_http = reply->status == IM_PROTO_NOT_LEADER
                            ? im_fields_str (reply->body, IM_KEY_LEADER_HTTP)
                            : NULL;
    if (reply->status == IM_PROTO_OUTCOME_UNKNOWN) {
        //  Outcome unknown: the same request id, given again as the
        //  Idempotency-Key, applies the command at most once and answers
        //  its result
        json_t *json = json_pack ("{s:s,s:s}", "error", text ? text
                                  : "outcome unknown; retry with the same "
                                  "Idempotency-Key", "request_id",
                                  reply->request_id);
        return imb_http_answer (request, status, &json, 1, NULL);
    }
    if (!leader_http)
        return imb_http_error (request, status,
                               text ? text : "the broker refused the request",
                               NULL);
    json_t *json = json_pack ("{s:s,s:s}", "error", text ? text : "not the "
                              "leader", "leader_http", leader_http);
    return imb_http_answer (request, status, &json, 1, NULL);
}

bool
imb_http_open (imb_http_t *self, const char *path)
{
    assert (self && path);
    return !self->auth || streq (path, "/healthz")
        || (self->readyz_open && streq (path, "/readyz"))
        || (self->metrics_open && streq (path, "/metrics"));
}

bool
imb_http_auto_resolve (imb_http_t *self)
{
    return self->auto_resolve;
}

void
imb_http_count (imb_http_t *self, unsigned status)
{
    if (status < S_STATUS_MAX)
        atomic_fetch_add (&self->answers [status], 1);
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

im_client_t *
imb_http_client (imb_http_t *self, int timeout_ms)
{
    //  Over inproc to this node, which trusts its own threads; a command
    //  it redirects goes to the leader as this node, which the leader
    //  trusts to say who asked
    return self->curve
         ? im_client_new_curve (self->endpoint, timeout_ms, self->curve)
         : im_client_new_plain (self->endpoint, timeout_ms);
}

//  --------------------------------------------------------------------
//  The server

//  Raises the limit of open files to what the connections need, as
//  far as the hard limit allows; says so when that is not enough
static void
s_file_limit (const im_config_t *config)
{
    //  The connections, as many closing after a refusal, and the rest
    //  of the broker (RocksDB, Raft, ZeroMQ)
    rlim_t need = (rlim_t) config->http_connections_max * 2 + 1024;
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) || limit.rlim_cur >= need)
        return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > need
                   ? need : limit.rlim_max;
    setrlimit (RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < need)
        zsys_warning ("http: open files are limited to %lu, and "
                      "http.connections_max %zu wants %lu: raise the limit "
                      "(ulimit -n) or lower http.connections_max",
                      (unsigned long) limit.rlim_cur,
                      config->http_connections_max, (unsigned long) need);
}

//  Opens the listening socket for host:port. Returns it, or -1 with
//  the reason in errbuf.
static int
s_listen (const char *listen_on, char *errbuf, size_t errlen)
{
    char host [IM_CONFIG_PATH_MAX];
    im_strlcpy (host, listen_on, sizeof host);
    char *colon = strrchr (host, ':');
    if (!colon) {
        snprintf (errbuf, errlen, "http.listen '%s' is not host:port",
                  listen_on);
        return -1;
    }
    *colon = 0;
    struct addrinfo hints = { 0 }, *address = NULL;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int found = getaddrinfo (*host ? host : NULL, colon + 1, &hints,
                             &address);
    if (found) {
        snprintf (errbuf, errlen, "http.listen '%s': %s", listen_on,
                  gai_strerror (found));
        return -1;
    }
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd == -1
    ||  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
    ||  bind (fd, address->ai_addr, address->ai_addrlen)
    ||  listen (fd, SOMAXCONN)) {
        snprintf (errbuf, errlen, "cannot serve HTTP on %s: %s", listen_on,
                  strerror (errno));
        if (fd != -1)
            close (fd);
        fd = -1;
    }
    freeaddrinfo (address);
    return fd;
}

imb_http_t *
imb_http_new (const im_config_t *config, const char *endpoint,
              const im_curve_t *curve, char *errbuf,
              size_t errlen)
{
    assert (config && endpoint);
    int listener = s_listen (config->http_listen, errbuf, errlen);
    if (listener == -1)
        return NULL;
    imb_http_t *self = (imb_http_t *) calloc (1, sizeof *self);
    if (!self) {
        close (listener);
        return NULL;
    }
    im_strlcpy (self->endpoint, endpoint, sizeof self->endpoint);
    self->curve = curve;
    self->auto_resolve = streq (config->alert_resolve, "auto");
    self->auth = config->curve;
    self->readyz_open = config->http_readyz_open;
    self->metrics_open = config->http_metrics_open;
    self->copies_window_ms = config->http_alert_copies_window_ms;
    for (size_t index = 0; index < S_STATUS_MAX; index++)
        atomic_init (&self->answers [index], 0);
    s_file_limit (config);
    imb_http_limits_t limits = {
        config->http_body_max, config->http_inflight_max,
        config->http_connections_max, config->http_connections_per_client,
        config->http_header_timeout_ms, config->http_body_timeout_ms
    };
    self->loop = imb_http_loop_new (self, listener, &limits, errbuf, errlen);
    if (!self->loop)
        imb_http_destroy (&self);
    return self;
}

void
imb_http_destroy (imb_http_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_t *self = *self_p;
        imb_http_loop_destroy (&self->loop);
        free (self);
        *self_p = NULL;
    }
}
