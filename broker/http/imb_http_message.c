/*  imb_http_message - one HTTP/1.1 request: its head, parsed, and its body

    What a request head may hold is decided here, once: a request line
    of a method, a path and HTTP/1.0 or 1.1; header fields of a token,
    a colon and a value without control characters; a body framed by
    one Content-Length or by chunks, never both (the ambiguity request
    smuggling lives on). Anything else is refused with the status RFC
    9112 gives it and a sentence that says what was wrong; the client's
    own bytes are echoed only as printable ASCII, so that the sentence
    is always valid JSON text. The head is split in place: the fields
    point into it.
*/
#include "imb_classes.h"
#include "imb_http_message.h"
#include <strings.h>

struct _imb_http_message_t {
    char *head;                     //  The head, split in place, owned
    const char *method;             //  Into head
    char *path;                     //  Into head (or root), decoded
    char root [2];                  //  "/", the path of "http://host"
    char *query;                    //  Into head, raw, or NULL
    bool is_1_0;                    //  HTTP/1.0, else HTTP/1.1
    size_t fields;                  //  Header fields
    const char *names [IMB_HTTP_FIELDS_MAX];     //  Into head
    const char *values [IMB_HTTP_FIELDS_MAX];    //  Into head, trimmed
    char *args;                     //  The query, decoded and split, owned
    size_t args_n;                  //  Parameters in it
    char **arg_names;               //  Into args, owned array
    char **arg_values;              //  Into args, owned array
    bool chunked;                   //  The body comes in chunks
    uint64_t length;                //  Else its Content-Length
    bool keep_alive;                //  Another request may follow
    bool expect_continue;           //  Client waits for 100 Continue
    char *body;                     //  Body so far, NUL-ended, owned
    size_t size;                    //  Octets in body
    size_t allocated;               //  Room in body
};

//  Fills refusal; returns NULL, for the callers' tail calls
static imb_http_message_t *
s_refuse (imb_http_refusal_t *refusal, unsigned status, const char *format,
          ...) __attribute__ ((format (printf, 3, 4)));

static imb_http_message_t *
s_refuse (imb_http_refusal_t *refusal, unsigned status, const char *format,
          ...)
{
    refusal->status = status;
    va_list args;
    va_start (args, format);
    vsnprintf (refusal->text, sizeof refusal->text, format, args);
    va_end (args);
    return NULL;
}

//  Copies at most 40 octets of text into quote, each that is not
//  printable ASCII as '?', so that it can be shown in a JSON string
static const char *
s_quote (const char *text, char *quote, size_t size)
{
    size_t length = 0;
    while (text [length] && length < 40 && length + 1 < size) {
        unsigned char c = (unsigned char) text [length];
        quote [length] = c >= 0x20 && c < 0x7f ? (char) c : '?';
        length++;
    }
    quote [length] = 0;
    return quote;
}

//  A tchar of RFC 9110: what a method or a field name is made of
static bool
s_tchar (unsigned char c)
{
    return isalnum (c) || (c && strchr ("!#$%&'*+-.^_`|~", c));
}

//  Decodes %XX escapes in place, and "+" as a space when plus. Returns
//  false when one decodes to NUL.
static bool
s_unescape (char *text, bool plus)
{
    char *to = text;
    for (const char *from = text; *from; from++) {
        if (*from == '%' && isxdigit ((unsigned char) from [1])
        &&  isxdigit ((unsigned char) from [2])) {
            char hex [3] = { from [1], from [2], 0 };
            *to = (char) strtol (hex, NULL, 16);
            if (!*to)
                return false;
            to++;
            from += 2;
        }
        else
            *to++ = plus && *from == '+' ? ' ' : *from;
    }
    *to = 0;
    return true;
}

//  Whether the comma-separated list text holds token (any case)
static bool
s_has_token (const char *text, const char *token)
{
    size_t length = strlen (token);
    while (text && *text) {
        text += strspn (text, " \t,");
        size_t used = strcspn (text, " \t,");
        if (used == length && strncasecmp (text, token, length) == 0)
            return true;
        text += used;
    }
    return false;
}

//  Splits the request line into method, path, query and version
static imb_http_message_t *
s_request_line (imb_http_message_t *self, char *line,
                imb_http_refusal_t *refusal)
{
    char quote [48];
    char *target = strchr (line, ' ');
    char *version = target ? strchr (target + 1, ' ') : NULL;
    if (!version || target == line || version == target + 1
    ||  strchr (version + 1, ' '))
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "the request line '%s' is not "
                         "METHOD /path HTTP/1.1", s_quote (line, quote,
                                                           sizeof quote));
    *target++ = 0;
    *version++ = 0;
    for (const char *c = line; *c; c++)
        if (!s_tchar ((unsigned char) *c))
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "the method '%s' is not a token",
                             s_quote (line, quote, sizeof quote));
    for (const char *c = target; *c; c++)
        if (*c < 0x21 || *c > 0x7e)
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "the request target holds a "
                             "control or non-ASCII octet");
    self->method = line;
    if (streq (version, "HTTP/1.0"))
        self->is_1_0 = true;
    else
    if (!streq (version, "HTTP/1.1")) {
        bool http = strncmp (version, "HTTP/", 5) == 0
                 && isdigit ((unsigned char) version [5])
                 && version [6] == '.' && isdigit ((unsigned char) version [7])
                 && !version [8];
        return s_refuse (refusal,
                         http ? IMB_HTTP_VERSION : IM_PROTO_BAD_REQUEST,
                         "%s '%s' is not supported: send HTTP/1.1 or HTTP/1.0",
                         http ? "version" : "the protocol",
                         s_quote (version, quote, sizeof quote));
    }
    //  The absolute form (a proxy's) names a host first: drop it
    bool absolute = strncasecmp (target, "http://", 7) == 0
                 || strncasecmp (target, "https://", 8) == 0;
    if (absolute) {
        char *rest = strstr (target, "://") + 3;
        target = rest + strcspn (rest, "/?");
    }
    else
    if (*target != '/' && !streq (target, "*"))
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "the request target '%s' is not a "
                         "path", s_quote (target, quote, sizeof quote));
    char *query = strchr (target, '?');
    if (query)
        *query++ = 0;
    //  "http://host" and "http://host?x" ask for "/"
    self->path = *target || !absolute ? target : self->root;
    self->query = query;
    if (!s_unescape (self->path, false))
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "the path must not hold %%00");
    return self;
}

//  Adds one header field line ("Name: value") to self
static imb_http_message_t *
s_field (imb_http_message_t *self, char *line, imb_http_refusal_t *refusal)
{
    char quote [48];
    if (*line == ' ' || *line == '\t')
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "folded header lines (starting with "
                         "a space) are not accepted");
    char *colon = line;
    while (s_tchar ((unsigned char) *colon))
        colon++;
    if (*colon != ':' || colon == line)
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "the header line '%s' is not "
                         "Name: value", s_quote (line, quote, sizeof quote));
    if (self->fields == IMB_HTTP_FIELDS_MAX)
        return s_refuse (refusal, IMB_HTTP_HEADERS_TOO_LARGE,
                         "more than %d header fields",
                         IMB_HTTP_FIELDS_MAX);
    *colon = 0;
    char *value = colon + 1;
    value += strspn (value, " \t");
    size_t length = strlen (value);
    while (length && (value [length - 1] == ' ' || value [length - 1] == '\t'))
        value [--length] = 0;
    for (const char *c = value; *c; c++)
        if ((unsigned char) *c < 0x20 && *c != '\t')
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "the value of header %s holds a "
                             "control character", s_quote (line, quote,
                                                           sizeof quote));
    self->names [self->fields] = line;
    self->values [self->fields] = value;
    self->fields++;
    return self;
}

//  How many fields are named name
static size_t
s_count (const imb_http_message_t *self, const char *name)
{
    size_t count = 0;
    for (size_t index = 0; index < self->fields; index++)
        if (strcasecmp (self->names [index], name) == 0)
            count++;
    return count;
}

//  Decides how the body is framed, and what Host, Connection and
//  Expect ask
static imb_http_message_t *
s_framing (imb_http_message_t *self, size_t body_max,
           imb_http_refusal_t *refusal)
{
    char quote [48];
    if (!self->is_1_0 && s_count (self, "Host") != 1)
        return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                         "an HTTP/1.1 request must have one "
                         "Host header, not %zu", s_count (self, "Host"));
    const char *coding = imb_http_message_header (self, "Transfer-Encoding");
    if (coding) {
        if (s_count (self, "Content-Length"))
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "a request must not have both "
                             "Transfer-Encoding and Content-Length");
        if (self->is_1_0)
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "an HTTP/1.0 request must not "
                             "have Transfer-Encoding");
        if (s_count (self, "Transfer-Encoding") > 1)
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "Transfer-Encoding is given "
                             "twice");
        if (strcasecmp (coding, "chunked") != 0)
            return s_refuse (refusal, IMB_HTTP_NOT_IMPLEMENTED,
                             "Transfer-Encoding '%s' is not "
                             "supported: send chunked or a Content-Length",
                             s_quote (coding, quote, sizeof quote));
        self->chunked = true;
    }
    size_t lengths = 0;             //  Content-Length fields seen
    for (size_t index = 0; index < self->fields; index++) {
        if (strcasecmp (self->names [index], "Content-Length") != 0)
            continue;
        const char *value = self->values [index];
        uint64_t length = 0;
        bool large = false;
        const char *c = value;
        for (; isdigit ((unsigned char) *c); c++) {
            large |= length > (UINT64_MAX - 9) / 10;
            length = length * 10 + (uint64_t) (*c - '0');
        }
        if (c == value || *c)
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "Content-Length '%s' is not a "
                             "whole number of octets",
                             s_quote (value, quote, sizeof quote));
        if (large || length > body_max)
            return s_refuse (refusal, IM_PROTO_TOO_LARGE,
                             "the body is larger than %zu "
                             "bytes (http.body_max)", body_max);
        if (lengths++ && length != self->length)
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "Content-Length is given twice "
                             "with different values");
        self->length = length;
    }
    const char *connection = imb_http_message_header (self, "Connection");
    self->keep_alive = self->is_1_0
                     ? s_has_token (connection, "keep-alive")
                     : !s_has_token (connection, "close");
    const char *expect = imb_http_message_header (self, "Expect");
    if (expect && !self->is_1_0) {
        if (strcasecmp (expect, "100-continue") != 0)
            return s_refuse (refusal, IMB_HTTP_EXPECTATION_FAILED,
                             "Expect '%s' is not supported "
                             "(only 100-continue)",
                             s_quote (expect, quote, sizeof quote));
        self->expect_continue = imb_http_message_has_body (self);
    }
    return self;
}

//  Splits the query into decoded parameters
static imb_http_message_t *
s_arguments (imb_http_message_t *self, imb_http_refusal_t *refusal)
{
    if (!self->query || !*self->query)
        return self;
    self->args = strdup (self->query);
    size_t count = 1;
    for (const char *c = self->query; *c; c++)
        count += *c == '&';
    self->arg_names = (char **) calloc (count, sizeof (char *));
    self->arg_values = (char **) calloc (count, sizeof (char *));
    if (!self->args || !self->arg_names || !self->arg_values)
        return s_refuse (refusal, IM_PROTO_INTERNAL, "out of memory");
    char *save = NULL;
    for (char *pair = strtok_r (self->args, "&", &save); pair;
         pair = strtok_r (NULL, "&", &save)) {
        char *equal = strchr (pair, '=');
        if (equal)
            *equal++ = 0;
        if (!s_unescape (pair, true) || (equal && !s_unescape (equal, true)))
            return s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                             "the query must not hold %%00");
        self->arg_names [self->args_n] = pair;
        self->arg_values [self->args_n] = equal ? equal : pair + strlen (pair);
        self->args_n++;
    }
    return self;
}

imb_http_message_t *
imb_http_message_new (char **head_p, size_t size, size_t body_max,
                      imb_http_refusal_t *refusal)
{
    assert (head_p && *head_p && refusal);
    memset (refusal, 0, sizeof *refusal);
    imb_http_message_t *self =
        (imb_http_message_t *) calloc (1, sizeof *self);
    if (!self) {
        s_refuse (refusal, IM_PROTO_INTERNAL, "out of memory");
        return NULL;
    }
    self->head = *head_p;
    *head_p = NULL;
    self->root [0] = '/';
    bool valid = memchr (self->head, 0, size) == NULL;
    char *line = self->head;
    bool first = true;
    while (valid && line && *line) {
        char *next = strchr (line, '\n');
        if (next)
            *next++ = 0;
        size_t length = strlen (line);
        if (length && line [length - 1] == '\r')
            line [--length] = 0;
        if (strchr (line, '\r')) {
            valid = false;
            break;
        }
        valid = first ? s_request_line (self, line, refusal) != NULL
                      : s_field (self, line, refusal) != NULL;
        first = false;
        line = next;
    }
    if (!valid && !refusal->status)
        s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                  "the request head holds a NUL or a bare CR");
    if (!valid || first || !s_framing (self, body_max, refusal)
    ||  !s_arguments (self, refusal)) {
        if (first && valid)
            s_refuse (refusal, IM_PROTO_BAD_REQUEST,
                      "the request head is empty");
        imb_http_message_destroy (&self);
    }
    return self;
}

void
imb_http_message_destroy (imb_http_message_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_message_t *self = *self_p;
        free (self->body);
        free (self->arg_values);
        free (self->arg_names);
        free (self->args);
        free (self->head);
        free (self);
        *self_p = NULL;
    }
}

const char *
imb_http_message_method (const imb_http_message_t *self)
{
    assert (self);
    return self->method;
}

const char *
imb_http_message_path (const imb_http_message_t *self)
{
    assert (self);
    return self->path;
}

const char *
imb_http_message_header (const imb_http_message_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->fields; index++)
        if (strcasecmp (self->names [index], name) == 0)
            return self->values [index];
    return NULL;
}

const char *
imb_http_message_query (const imb_http_message_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->args_n; index++)
        if (streq (self->arg_names [index], name))
            return self->arg_values [index];
    return NULL;
}

bool
imb_http_message_keep_alive (const imb_http_message_t *self)
{
    assert (self);
    return self->keep_alive;
}

bool
imb_http_message_is_1_0 (const imb_http_message_t *self)
{
    assert (self);
    return self->is_1_0;
}

bool
imb_http_message_expects_continue (const imb_http_message_t *self)
{
    assert (self);
    return self->expect_continue;
}

bool
imb_http_message_has_body (const imb_http_message_t *self)
{
    assert (self);
    return self->chunked || self->length > 0;
}

bool
imb_http_message_chunked (const imb_http_message_t *self)
{
    assert (self);
    return self->chunked;
}

uint64_t
imb_http_message_length (const imb_http_message_t *self)
{
    assert (self);
    return self->length;
}

int
imb_http_message_append (imb_http_message_t *self, const char *data,
                         size_t size)
{
    assert (self);
    if (self->size + size + 1 > self->allocated) {
        //  A known length is allocated once; chunks double the room
        size_t allocated = self->allocated ? self->allocated
                         : self->length ? (size_t) self->length + 1 : 4096;
        while (allocated < self->size + size + 1)
            allocated *= 2;
        char *body = (char *) realloc (self->body, allocated);
        if (!body)
            return -1;
        self->body = body;
        self->allocated = allocated;
    }
    memcpy (self->body + self->size, data, size);
    self->size += size;
    self->body [self->size] = 0;
    return 0;
}

const char *
imb_http_message_body (const imb_http_message_t *self)
{
    assert (self);
    return self->body ? self->body : "";
}

size_t
imb_http_message_size (const imb_http_message_t *self)
{
    assert (self);
    return self->size;
}
