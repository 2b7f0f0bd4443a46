/*  imb_http_parser - HTTP/1.1 requests out of the octets of a connection

    A state machine over octets, so that a request trickled one octet at
    a time is read exactly as one sent whole. The head is collected up
    to its empty line and parsed at once by imb_http_message; the body is
    read as its framing says: Content-Length octets, or chunks, each a
    hexadecimal size line, its data and a line end, until the chunk of
    size 0 and the trailer fields (read and dropped). A chunked body is
    refused 413 as soon as its declared sizes add up to more than
    body_max, before any of that chunk is read, so that no slot waits
    for octets that would be dropped anyway. Lines may end in LF or
    CRLF (RFC 9112 section 2.2); a bare CR is refused.
*/
#include "imb_classes.h"
#include "imb_http_parser.h"

#define S_LINE_MAX      1024        //  A chunk size line, extensions too
#define S_BLANK_MAX     8           //  Empty lines before a request line

typedef enum {
    S_HEAD,                         //  Collecting the head
    S_LENGTH,                       //  Reading Content-Length octets
    S_CHUNK_SIZE,                   //  Reading a chunk size line
    S_CHUNK_DATA,                   //  Reading a chunk's data
    S_CHUNK_END,                    //  Expecting the line end after it
    S_TRAILER,                      //  Reading trailer lines
    S_DONE,                         //  The request is complete
    S_REFUSED                       //  The request is refused
} s_state_t;

struct _imb_http_parser_t {
    size_t head_max;                //  Longest head, octets
    size_t body_max;                //  Largest body, octets
    s_state_t state;                //  Where in the request we are
    char *head;                     //  Head so far, owned
    size_t head_size;               //  Octets in head
    size_t head_allocated;          //  Room in head
    size_t blank;                   //  Empty lines skipped before it
    imb_http_message_t *message;    //  The request once its head is in,
                                    //  owned
    uint64_t remaining;             //  Octets left of the body or chunk
    uint64_t declared;              //  Chunk sizes declared so far
    uint64_t chunk;                 //  The chunk size read so far
    bool sized;                     //  Its digits are all read
    char line [S_LINE_MAX];         //  A chunk size or trailer line
    size_t line_size;               //  Octets in line
    size_t trailer;                 //  Trailer octets so far
    bool cr;                        //  S_CHUNK_END: the CR has been seen
    imb_http_refusal_t refusal;     //  Why the request was refused
};

imb_http_parser_t *
imb_http_parser_new (size_t head_max, size_t body_max)
{
    imb_http_parser_t *self = (imb_http_parser_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->head_max = head_max;
    self->body_max = body_max;
    return self;
}

void
imb_http_parser_destroy (imb_http_parser_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_parser_t *self = *self_p;
        imb_http_message_destroy (&self->message);
        free (self->head);
        free (self);
        *self_p = NULL;
    }
}

//  Refuses the request; returns IMB_HTTP_PARSE_REFUSED
static imb_http_parse_t
s_refuse (imb_http_parser_t *self, unsigned status, const char *text)
{
    self->state = S_REFUSED;
    self->refusal.status = status;
    im_strlcpy (self->refusal.text, text, sizeof self->refusal.text);
    return IMB_HTTP_PARSE_REFUSED;
}

//  The head is complete (without its empty line): parses it and moves
//  on to its body
static imb_http_parse_t
s_head_done (imb_http_parser_t *self)
{
    self->head [self->head_size] = 0;
    self->message = imb_http_message_new (&self->head, self->head_size,
                                          self->body_max, &self->refusal);
    free (self->head);
    self->head = NULL;
    self->head_size = self->head_allocated = 0;
    if (!self->message) {
        self->state = S_REFUSED;
        return IMB_HTTP_PARSE_REFUSED;
    }
    self->remaining = imb_http_message_length (self->message);
    self->state = imb_http_message_chunked (self->message) ? S_CHUNK_SIZE
                : self->remaining ? S_LENGTH : S_DONE;
    return IMB_HTTP_PARSE_HEAD;
}

//  Takes one octet of the head. Returns MORE, or HEAD at its end, or
//  REFUSED.
static imb_http_parse_t
s_head_octet (imb_http_parser_t *self, char c)
{
    if (self->head_size == 0 && (c == '\r' || c == '\n')) {
        //  Empty lines before a request line are ignored, a few of them
        if (c == '\n' && ++self->blank > S_BLANK_MAX)
            return s_refuse (self, IM_PROTO_BAD_REQUEST,
                             "too many empty lines before the "
                             "request line");
        return IMB_HTTP_PARSE_MORE;
    }
    if (self->head_size + 2 > self->head_allocated) {
        if (self->head_size + 2 > self->head_max) {
            char text [96];
            bool line = !self->head_size
                     || !memchr (self->head, '\n', self->head_size);
            snprintf (text, sizeof text, "the request %s is longer than "
                      "%zu bytes", line ? "line" : "head", self->head_max);
            return s_refuse (self,
                             line ? IMB_HTTP_URI_TOO_LONG
                                  : IMB_HTTP_HEADERS_TOO_LARGE, text);
        }
        size_t allocated = self->head_allocated ? self->head_allocated * 2
                                                : 512;
        if (allocated > self->head_max)
            allocated = self->head_max;
        char *head = (char *) realloc (self->head, allocated);
        if (!head)
            return s_refuse (self, IM_PROTO_INTERNAL, "out of memory");
        self->head = head;
        self->head_allocated = allocated;
    }
    self->head [self->head_size++] = c;
    //  The head ends with an empty line: LF LF, or LF CR LF
    size_t size = self->head_size;
    if (c == '\n' && size >= 2 && self->head [size - 2] == '\n') {
        self->head_size -= 1;
        return s_head_done (self);
    }
    if (c == '\n' && size >= 3 && self->head [size - 2] == '\r'
    &&  self->head [size - 3] == '\n') {
        self->head_size -= 2;
        return s_head_done (self);
    }
    return IMB_HTTP_PARSE_MORE;
}

//  Takes one octet of a chunk size line before its end: a digit of the
//  size is counted at once, so that a size past body_max is refused
//  without waiting for the rest of the line
static void
s_chunk_digit (imb_http_parser_t *self, char c)
{
    if (self->sized || !isxdigit ((unsigned char) c)) {
        self->sized = true;
        return;
    }
    self->chunk = self->chunk * 16
                + (uint64_t) (isdigit ((unsigned char) c)
                              ? c - '0' : tolower ((unsigned char) c) - 'a'
                                          + 10);
    //  body_max is far below 2^60: the size cannot overflow first
    if (self->declared + self->chunk > self->body_max) {
        char text [96];
        snprintf (text, sizeof text, "the body is larger than %zu bytes "
                  "(http.body_max)", self->body_max);
        s_refuse (self, IM_PROTO_TOO_LARGE, text);
    }
}

//  A chunk size line is complete: checks it and moves on to the data
static imb_http_parse_t
s_chunk_size (imb_http_parser_t *self)
{
    self->line [self->line_size] = 0;
    if (self->line_size && self->line [self->line_size - 1] == '\r')
        self->line [--self->line_size] = 0;
    const char *c = self->line + strspn (self->line, "0123456789abcdefABCDEF");
    //  Extensions (";name=value") are allowed and ignored
    const char *rest = c + strspn (c, " \t");
    if (c == self->line || (*rest && *rest != ';')
    ||  strchr (self->line, '\r'))
        return s_refuse (self, IM_PROTO_BAD_REQUEST,
                         "a chunk size line is not a "
                         "hexadecimal size");
    uint64_t size = self->chunk;
    self->line_size = 0;
    self->chunk = 0;
    self->sized = false;
    self->declared += size;
    self->remaining = size;
    self->state = size ? S_CHUNK_DATA : S_TRAILER;
    return IMB_HTTP_PARSE_MORE;
}

//  Takes octets of the body, as its framing says. Returns MORE, DONE
//  or REFUSED, with *used set.
static imb_http_parse_t
s_body (imb_http_parser_t *self, const char *data, size_t size,
        size_t *used)
{
    size_t at = 0;
    while (at < size && self->state != S_DONE && self->state != S_REFUSED) {
        if (self->state == S_LENGTH || self->state == S_CHUNK_DATA) {
            size_t take = size - at;
            if (take > self->remaining)
                take = (size_t) self->remaining;
            if (imb_http_message_append (self->message, data + at, take))
                return s_refuse (self, IM_PROTO_INTERNAL, "out of memory");
            at += take;
            self->remaining -= take;
            if (!self->remaining)
                self->state = self->state == S_LENGTH ? S_DONE : S_CHUNK_END;
            continue;
        }
        char c = data [at++];
        if (self->state == S_CHUNK_END) {
            if (c == '\r' && !self->cr)
                self->cr = true;
            else
            if (c == '\n') {
                self->cr = false;
                self->state = S_CHUNK_SIZE;
            }
            else
                s_refuse (self, IM_PROTO_BAD_REQUEST,
                          "a chunk's data is not followed by "
                          "a line end (its size is wrong)");
            continue;
        }
        //  S_CHUNK_SIZE or S_TRAILER: a line
        if (self->state == S_TRAILER && ++self->trailer > self->head_max) {
            char text [96];
            snprintf (text, sizeof text, "the trailer fields are longer "
                      "than %zu bytes", self->head_max);
            s_refuse (self, IMB_HTTP_HEADERS_TOO_LARGE, text);
        }
        else
        if (c != '\n') {
            if (self->line_size + 1 >= S_LINE_MAX)
                s_refuse (self, IM_PROTO_BAD_REQUEST,
                          "a chunk size or trailer line is "
                          "longer than 1023 bytes");
            else
                self->line [self->line_size++] = c;
            if (self->state == S_CHUNK_SIZE)
                s_chunk_digit (self, c);
        }
        else
        if (self->state == S_CHUNK_SIZE)
            s_chunk_size (self);
        else {
            //  A trailer field is read and dropped; an empty line ends it
            bool empty = self->line_size == 0
                      || (self->line_size == 1 && self->line [0] == '\r');
            self->line_size = 0;
            if (empty)
                self->state = S_DONE;
        }
    }
    *used = at;
    return self->state == S_DONE ? IMB_HTTP_PARSE_DONE
         : self->state == S_REFUSED ? IMB_HTTP_PARSE_REFUSED
         : IMB_HTTP_PARSE_MORE;
}

imb_http_parse_t
imb_http_parser_feed (imb_http_parser_t *self, const char *data, size_t size,
                      size_t *used)
{
    assert (self && used && (data || !size));
    *used = 0;
    if (self->state == S_REFUSED)
        return IMB_HTTP_PARSE_REFUSED;
    if (self->state == S_HEAD) {
        while (*used < size) {
            imb_http_parse_t rc = s_head_octet (self, data [(*used)++]);
            if (rc != IMB_HTTP_PARSE_MORE)
                return rc;
        }
        return IMB_HTTP_PARSE_MORE;
    }
    if (self->state == S_DONE)
        return IMB_HTTP_PARSE_DONE;
    return s_body (self, data, size, used);
}

imb_http_message_t *
imb_http_parser_message (imb_http_parser_t *self)
{
    assert (self);
    return self->message;
}

imb_http_message_t *
imb_http_parser_take (imb_http_parser_t *self)
{
    assert (self);
    imb_http_message_t *message = self->message;
    self->message = NULL;
    return message;
}

const imb_http_refusal_t *
imb_http_parser_refusal (imb_http_parser_t *self)
{
    assert (self);
    return &self->refusal;
}

bool
imb_http_parser_started (imb_http_parser_t *self)
{
    assert (self);
    return self->head_size > 0 || self->blank > 0 || self->state != S_HEAD;
}

bool
imb_http_parser_in_body (imb_http_parser_t *self)
{
    assert (self);
    return self->state != S_HEAD && self->state != S_DONE
        && self->state != S_REFUSED;
}

void
imb_http_parser_reset (imb_http_parser_t *self)
{
    assert (self);
    imb_http_message_destroy (&self->message);
    free (self->head);
    size_t head_max = self->head_max;
    size_t body_max = self->body_max;
    memset (self, 0, sizeof *self);
    self->head_max = head_max;
    self->body_max = body_max;
}
