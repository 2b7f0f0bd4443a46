/*  imb_http_conn - one HTTP connection, as the server's I/O thread sees it

    The deadlines are what keeps a connection from holding the server:
    a new connection has http.header_timeout from its accept for its
    first head, however slowly it trickles; a kept-alive connection
    waits IMB_HTTP_IDLE_MS for the first octet of its next request and
    then has http.header_timeout for the rest of the head; a body has
    http.body_timeout from the end of its head; an answer has
    IMB_HTTP_SEND_MS to be read, and lingering lasts IMB_HTTP_LINGER_MS.
    Nothing a client sends moves a deadline further away.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include "imb_http_conn.h"
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define S_READ_MAX      (256 * 1024)    //  Read at once, for fairness

struct _imb_http_conn_t {
    int fd;                         //  The socket, owned
    char address [48];              //  The client's address
    const imb_http_limits_t *limits;    //  The server's, borrowed
    imb_http_conn_state_t state;    //  What it is doing
    uint64_t deadline;              //  When what it waits for is late
                                    //  (ms, monotonic), 0 for never
    bool kept;                      //  Kept alive, waiting for a request
    imb_http_parser_t *parser;      //  The request being read, owned
    char *pending;                  //  Octets read and not parsed, owned
    size_t pending_size;            //  How many
    char *out;                      //  Octets to write, owned
    size_t out_size;                //  How many
    size_t out_sent;                //  Written so far
    bool close_after;               //  Close once out is written
    bool keep_alive;                //  The request keeps the connection
    bool is_1_0;                    //  The request is HTTP/1.0
    bool head_only;                 //  The request is a HEAD: no body
};

//  Reason phrases of the statuses imq answers
static const char *
s_reason (unsigned status)
{
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 417: return "Expectation Failed";
        case 421: return "Misdirected Request";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default:  return status < 300 ? "OK" : status < 500 ? "Bad Request"
                                                              : "Error";
    }
}

imb_http_conn_t *
imb_http_conn_new (int fd, const char *address,
                   const imb_http_limits_t *limits, uint64_t now)
{
    assert (address && limits);
    imb_http_conn_t *self = (imb_http_conn_t *) calloc (1, sizeof *self);
    if (self)
        self->parser = imb_http_parser_new (IMB_HTTP_HEAD_MAX,
                                            limits->body_max);
    if (!self || !self->parser) {
        free (self);
        close (fd);
        return NULL;
    }
    self->fd = fd;
    im_strlcpy (self->address, address, sizeof self->address);
    self->limits = limits;
    self->state = IMB_HTTP_CONN_HEAD;
    self->deadline = now + limits->header_ms;
    return self;
}

void
imb_http_conn_destroy (imb_http_conn_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_conn_t *self = *self_p;
        close (self->fd);
        imb_http_parser_destroy (&self->parser);
        free (self->pending);
        free (self->out);
        free (self);
        *self_p = NULL;
    }
}

//  Keeps size octets of data for the next read, before what is kept
//  already. Returns false out of memory.
static bool
s_keep (imb_http_conn_t *self, const char *data, size_t size)
{
    if (!size)
        return true;
    char *pending = (char *) malloc (self->pending_size + size);
    if (!pending)
        return false;
    memcpy (pending, data, size);
    if (self->pending_size)
        memcpy (pending + size, self->pending, self->pending_size);
    free (self->pending);
    self->pending = pending;
    self->pending_size += size;
    return true;
}

//  Parses size octets of data, setting *used; returns what they made
static imb_http_conn_event_t
s_parse (imb_http_conn_t *self, const char *data, size_t size, size_t *used,
         uint64_t now)
{
    bool started = imb_http_parser_started (self->parser);
    imb_http_parse_t parsed = imb_http_parser_feed (self->parser, data, size,
                                                    used);
    if (!started && self->kept && imb_http_parser_started (self->parser)) {
        //  The next request began: its head has header_timeout
        self->kept = false;
        self->deadline = now + self->limits->header_ms;
    }
    if (parsed == IMB_HTTP_PARSE_HEAD) {
        const imb_http_message_t *message =
            imb_http_parser_message (self->parser);
        self->keep_alive = imb_http_message_keep_alive (message);
        self->is_1_0 = imb_http_message_is_1_0 (message);
        self->head_only = streq (imb_http_message_method (message), "HEAD");
        self->state = IMB_HTTP_CONN_BODY;
        self->deadline = now + self->limits->body_ms;
        return IMB_HTTP_CONN_REQUEST_HEAD;
    }
    if (parsed == IMB_HTTP_PARSE_DONE) {
        self->state = IMB_HTTP_CONN_WORK;
        self->deadline = 0;
        return IMB_HTTP_CONN_REQUEST;
    }
    return parsed == IMB_HTTP_PARSE_REFUSED ? IMB_HTTP_CONN_REFUSED
                                            : IMB_HTTP_CONN_NONE;
}

//  Reads and drops what the client still sends, while lingering
static imb_http_conn_event_t
s_drain (imb_http_conn_t *self, char *scratch, size_t size)
{
    for (size_t taken = 0; taken < S_READ_MAX;) {
        ssize_t got = recv (self->fd, scratch, size, 0);
        if (got > 0)
            taken += (size_t) got;
        else
        if (got == -1 && errno == EINTR)
            continue;
        else
            return got == -1 && errno == EAGAIN ? IMB_HTTP_CONN_NONE
                                                : IMB_HTTP_CONN_GONE;
    }
    return IMB_HTTP_CONN_NONE;
}

imb_http_conn_event_t
imb_http_conn_read (imb_http_conn_t *self, char *scratch, size_t size,
                    uint64_t now)
{
    assert (self && scratch && size);
    if (self->state == IMB_HTTP_CONN_LINGER)
        return s_drain (self, scratch, size);
    if (self->state != IMB_HTTP_CONN_HEAD && self->state != IMB_HTTP_CONN_BODY)
        return IMB_HTTP_CONN_NONE;
    size_t used = 0;
    imb_http_conn_event_t event;
    //  What was read before first; after a head, even nothing, since a
    //  request without a body is complete with its head
    if (self->pending_size || self->state == IMB_HTTP_CONN_BODY) {
        event = s_parse (self, self->pending, self->pending_size, &used, now);
        if (used) {
            self->pending_size -= used;
            memmove (self->pending, self->pending + used, self->pending_size);
        }
        if (event != IMB_HTTP_CONN_NONE)
            return event;
    }
    for (size_t taken = 0; taken < S_READ_MAX;) {
        ssize_t got = recv (self->fd, scratch, size, 0);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            return got == -1 && errno == EAGAIN ? IMB_HTTP_CONN_NONE
                                                : IMB_HTTP_CONN_GONE;
        taken += (size_t) got;
        event = s_parse (self, scratch, (size_t) got, &used, now);
        if (event == IMB_HTTP_CONN_REFUSED)
            return event;           //  The rest is dropped
        if (event != IMB_HTTP_CONN_NONE)
            return s_keep (self, scratch + used, (size_t) got - used)
                 ? event : IMB_HTTP_CONN_GONE;
    }
    return IMB_HTTP_CONN_NONE;
}

imb_http_conn_event_t
imb_http_conn_write (imb_http_conn_t *self, uint64_t now)
{
    assert (self);
    while (self->out_sent < self->out_size) {
        ssize_t sent = send (self->fd, self->out + self->out_sent,
                             self->out_size - self->out_sent, MSG_NOSIGNAL);
        if (sent == -1 && errno == EINTR)
            continue;
        if (sent == -1)
            return errno == EAGAIN ? IMB_HTTP_CONN_NONE : IMB_HTTP_CONN_GONE;
        self->out_sent += (size_t) sent;
    }
    free (self->out);
    self->out = NULL;
    self->out_size = self->out_sent = 0;
    if (self->state != IMB_HTTP_CONN_SEND)
        return IMB_HTTP_CONN_NONE;  //  A 100 Continue, or nothing
    if (self->close_after) {
        //  Our side is done; the client's octets still coming are read
        //  and dropped, so that closing does not reset the connection
        //  before the client has read the answer
        shutdown (self->fd, SHUT_WR);
        self->state = IMB_HTTP_CONN_LINGER;
        self->deadline = now + IMB_HTTP_LINGER_MS;
    }
    else {
        self->state = IMB_HTTP_CONN_HEAD;
        self->kept = true;
        self->deadline = now + IMB_HTTP_IDLE_MS;
    }
    return IMB_HTTP_CONN_SENT;
}

//  Appends size octets of data to what is to be written
static void
s_out (imb_http_conn_t *self, const char *data, size_t size)
{
    char *out = (char *) realloc (self->out, self->out_size + size);
    if (!out) {
        self->close_after = true;   //  Out of memory: the answer is lost
        return;
    }
    memcpy (out + self->out_size, data, size);
    self->out = out;
    self->out_size += size;
}

void
imb_http_conn_answer (imb_http_conn_t *self, imb_http_answer_t *answer,
                      bool close, uint64_t now)
{
    assert (self && answer);
    bool headed = self->state != IMB_HTTP_CONN_HEAD;
    self->close_after = close || !headed || !self->keep_alive;
    char date [64];
    struct tm tm;
    time_t seconds = time (NULL);
    strftime (date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT",
              gmtime_r (&seconds, &tm));
    char head [1024];
    int length = snprintf (head, sizeof head,
        "HTTP/1.1 %u %s\r\nDate: %s\r\nContent-Type: %s\r\n"
        "Content-Length: %zu\r\n", answer->status, s_reason (answer->status),
        date, answer->type ? answer->type : "application/json",
        answer->size);
    if (answer->retry_after)
        length += snprintf (head + length, sizeof head - (size_t) length,
                            "Retry-After: %u\r\n", answer->retry_after);
    if (answer->location)
        length += snprintf (head + length, sizeof head - (size_t) length,
                            "Location: %.200s\r\n", answer->location);
    if (answer->allow)
        length += snprintf (head + length, sizeof head - (size_t) length,
                            "Allow: %.200s\r\n", answer->allow);
    if (answer->authenticate)
        length += snprintf (head + length, sizeof head - (size_t) length,
                            "WWW-Authenticate: Bearer realm=\"imq\"\r\n");
    length += snprintf (head + length, sizeof head - (size_t) length,
                        "%s\r\n", self->close_after ? "Connection: close\r\n"
                                  : self->is_1_0 ? "Connection: keep-alive\r\n"
                                  : "");
    s_out (self, head, (size_t) length);
    if (!self->head_only && answer->size)
        s_out (self, answer->body, answer->size);
    imb_http_answer_clear (answer);
    imb_http_parser_reset (self->parser);
    self->keep_alive = self->is_1_0 = self->head_only = false;
    self->state = IMB_HTTP_CONN_SEND;
    self->deadline = now + IMB_HTTP_SEND_MS;
}

void
imb_http_conn_continue (imb_http_conn_t *self)
{
    assert (self);
    static const char text [] = "HTTP/1.1 100 Continue\r\n\r\n";
    s_out (self, text, sizeof text - 1);
}

imb_http_conn_event_t
imb_http_conn_expire (imb_http_conn_t *self, uint64_t now)
{
    assert (self);
    if (!self->deadline || now < self->deadline)
        return IMB_HTTP_CONN_NONE;
    if (self->state == IMB_HTTP_CONN_HEAD)
        return self->kept ? IMB_HTTP_CONN_GONE : IMB_HTTP_CONN_HEAD_LATE;
    if (self->state == IMB_HTTP_CONN_BODY)
        return IMB_HTTP_CONN_BODY_LATE;
    return IMB_HTTP_CONN_GONE;
}

const imb_http_message_t *
imb_http_conn_message (imb_http_conn_t *self)
{
    assert (self);
    return imb_http_parser_message (self->parser);
}

imb_http_message_t *
imb_http_conn_take (imb_http_conn_t *self)
{
    assert (self);
    return imb_http_parser_take (self->parser);
}

const imb_http_refusal_t *
imb_http_conn_refusal (imb_http_conn_t *self)
{
    assert (self);
    return imb_http_parser_refusal (self->parser);
}

imb_http_conn_state_t
imb_http_conn_state (imb_http_conn_t *self)
{
    assert (self);
    return self->state;
}

uint32_t
imb_http_conn_events (imb_http_conn_t *self)
{
    assert (self);
    uint32_t events = self->out_sent < self->out_size ? EPOLLOUT : 0;
    if (self->state == IMB_HTTP_CONN_HEAD || self->state == IMB_HTTP_CONN_BODY
    ||  self->state == IMB_HTTP_CONN_LINGER)
        events |= EPOLLIN;
    return events;
}

int
imb_http_conn_fd (imb_http_conn_t *self)
{
    assert (self);
    return self->fd;
}

const char *
imb_http_conn_address (imb_http_conn_t *self)
{
    assert (self);
    return self->address;
}
