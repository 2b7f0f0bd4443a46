/*  imb_http_parser - HTTP/1.1 requests out of the octets of a connection

    A connection's octets arrive in pieces of any size; the parser
    takes them as they come and says when a request's head is complete
    (so that the server may refuse it, or say 100 Continue, before its
    body is read), when the whole request is, and when it is refused,
    with the status and the reason. It stops at the end of a request:
    octets after it (a pipelined request) are left to the caller. It
    bounds what it holds: the head (head_max octets) and the body
    (body_max, also for chunked bodies, refused as soon as the chunk
    sizes declared exceed it). It reads no socket.
*/
#ifndef IMB_HTTP_PARSER_H_INCLUDED
#define IMB_HTTP_PARSER_H_INCLUDED

#include "imb_http_message.h"

typedef struct _imb_http_parser_t imb_http_parser_t;

//  What imb_http_parser_feed found
typedef enum {
    IMB_HTTP_PARSE_MORE,            //  Every octet taken; more are needed
    IMB_HTTP_PARSE_HEAD,            //  The head is complete (once a request)
    IMB_HTTP_PARSE_DONE,            //  The request is complete
    IMB_HTTP_PARSE_REFUSED          //  The request is refused
} imb_http_parse_t;

//  Creates a parser for requests of heads up to head_max octets and
//  bodies up to body_max. Returns NULL out of memory.
imb_http_parser_t *
    imb_http_parser_new (size_t head_max, size_t body_max);

void
    imb_http_parser_destroy (imb_http_parser_t **self_p);

//  Takes octets of data, at most size, and sets *used to how many; stops
//  after the head and at the end of the request. Call it again with the
//  rest (even none) after IMB_HTTP_PARSE_HEAD. After DONE or REFUSED it
//  takes nothing until imb_http_parser_reset.
imb_http_parse_t
    imb_http_parser_feed (imb_http_parser_t *self, const char *data,
                          size_t size, size_t *used);

//  The request, once its head is complete (borrowed), else NULL
imb_http_message_t *
    imb_http_parser_message (imb_http_parser_t *self);

//  Takes the request from the parser (the caller's), or NULL
imb_http_message_t *
    imb_http_parser_take (imb_http_parser_t *self);

//  Why the request was refused, after IMB_HTTP_PARSE_REFUSED
const imb_http_refusal_t *
    imb_http_parser_refusal (imb_http_parser_t *self);

//  Whether some octet of the next request has arrived
bool
    imb_http_parser_started (imb_http_parser_t *self);

//  Whether the head is complete and the body is being read
bool
    imb_http_parser_in_body (imb_http_parser_t *self);

//  Forgets the request, ready for the next one on the connection
void
    imb_http_parser_reset (imb_http_parser_t *self);

#endif
