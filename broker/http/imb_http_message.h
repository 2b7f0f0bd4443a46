/*  imb_http_message - one HTTP/1.1 request: its head, parsed, and its body

    The HTTP server reads requests itself (imb_http_parser), so that
    every refusal is its own JSON answer. This class holds one request
    once its head has arrived: it checks the request line and the header
    fields as RFC 9112 asks (and answers what it refuses with a status
    and a sentence), decides how the body is framed, and gives the
    routes the method, the path, the header fields, the query
    parameters and the body. It reads no socket.
*/
#ifndef IMB_HTTP_MESSAGE_H_INCLUDED
#define IMB_HTTP_MESSAGE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMB_HTTP_FIELDS_MAX     100     //  Header fields in one request

typedef struct _imb_http_message_t imb_http_message_t;

//  Why a request is refused: the status and a sentence for the client
typedef struct {
    unsigned status;                    //  400, 413, 431 ...
    char text [200];                    //  What was wrong, NUL-ended
} imb_http_refusal_t;

//  Parses a request head: the request line and the header fields, each
//  line ended by LF or CRLF, without the empty line that ends the head
//  (size octets of *head_p, NUL-ended; the message takes it). A body
//  announced larger than body_max is refused here. Returns the message,
//  or NULL with refusal filled.
imb_http_message_t *
    imb_http_message_new (char **head_p, size_t size, size_t body_max,
                          imb_http_refusal_t *refusal);

void
    imb_http_message_destroy (imb_http_message_t **self_p);

//  The method ("GET", "POST" ...), borrowed
const char *
    imb_http_message_method (const imb_http_message_t *self);

//  The path, percent-decoded, without the query, borrowed
const char *
    imb_http_message_path (const imb_http_message_t *self);

//  The value of the first header field named name (any case), or NULL;
//  borrowed
const char *
    imb_http_message_header (const imb_http_message_t *self,
                             const char *name);

//  The value of the first query parameter named name, decoded ("+" is a
//  space), or NULL; borrowed
const char *
    imb_http_message_query (const imb_http_message_t *self,
                            const char *name);

//  Whether the connection may carry another request after this one
bool
    imb_http_message_keep_alive (const imb_http_message_t *self);

//  Whether this is HTTP/1.0 (its keep-alive must be said in the answer)
bool
    imb_http_message_is_1_0 (const imb_http_message_t *self);

//  Whether the client waits for "100 Continue" before sending the body
bool
    imb_http_message_expects_continue (const imb_http_message_t *self);

//  Whether a body follows the head (Content-Length above 0, or chunked)
bool
    imb_http_message_has_body (const imb_http_message_t *self);

//  Whether the body comes in chunks; else its length is the
//  Content-Length (0 without one)
bool
    imb_http_message_chunked (const imb_http_message_t *self);

//  The Content-Length (0 when chunked or absent)
uint64_t
    imb_http_message_length (const imb_http_message_t *self);

//  Appends size octets to the body. Returns 0, or -1 out of memory.
int
    imb_http_message_append (imb_http_message_t *self, const char *data,
                             size_t size);

//  The body read so far, NUL-ended, borrowed ("" when none)
const char *
    imb_http_message_body (const imb_http_message_t *self);

//  Its size, in octets
size_t
    imb_http_message_size (const imb_http_message_t *self);

#endif
