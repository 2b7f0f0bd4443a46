/*  imb_http_conn - one HTTP connection, as the server's I/O thread sees it

    A connection reads its requests (imb_http_parser), one at a time:
    after a request is complete it reads nothing more until that
    request's answer is written, so answers leave in the order of the
    requests. It writes answers (and 100 Continue), keeps the deadline
    of whatever it waits for, and after an answer that ends it closes
    gently: its side is shut, and what the client still sends is read
    and dropped for a moment, so that the client gets the answer before
    the connection goes. Everything here runs on the I/O thread; the
    socket is non-blocking.
*/
#ifndef IMB_HTTP_CONN_H_INCLUDED
#define IMB_HTTP_CONN_H_INCLUDED

//  What a connection is doing
typedef enum {
    IMB_HTTP_CONN_HEAD,             //  Waiting for a request head
    IMB_HTTP_CONN_BODY,             //  Reading a request body
    IMB_HTTP_CONN_WORK,             //  Its answer is being made
    IMB_HTTP_CONN_SEND,             //  Its answer is being written
    IMB_HTTP_CONN_LINGER            //  Answered; closing
} imb_http_conn_state_t;

//  What a read, a write or a deadline found
typedef enum {
    IMB_HTTP_CONN_NONE,             //  Nothing to act on
    IMB_HTTP_CONN_REQUEST_HEAD,     //  A request head arrived
    IMB_HTTP_CONN_REQUEST,          //  A request is complete
    IMB_HTTP_CONN_REFUSED,          //  The request is refused
    IMB_HTTP_CONN_SENT,             //  The answer is written
    IMB_HTTP_CONN_HEAD_LATE,        //  The head did not come in time
    IMB_HTTP_CONN_BODY_LATE,        //  The body did not come in time
    IMB_HTTP_CONN_GONE              //  Closed or failed: destroy it
} imb_http_conn_event_t;

//  Takes the connected socket fd from the client at address (dotted
//  IPv4), waiting for its first request head until header_ms from now
//  (limits borrowed, kept by the caller for the connection's life).
//  Returns NULL out of memory (fd is closed).
imb_http_conn_t *
    imb_http_conn_new (int fd, const char *address,
                       const imb_http_limits_t *limits, uint64_t now);

//  Closes the socket and frees the connection
void
    imb_http_conn_destroy (imb_http_conn_t **self_p);

//  Reads what the socket holds, through scratch (size octets, the
//  caller's), as far as the next thing to act on: a head (see
//  imb_http_conn_message), a whole request (imb_http_conn_take), a
//  refusal (imb_http_conn_refusal) or the end. Octets read past that
//  point are kept for the next call. Reads nothing while an answer is
//  made or written; while lingering, reads and drops.
imb_http_conn_event_t
    imb_http_conn_read (imb_http_conn_t *self, char *scratch, size_t size,
                        uint64_t now);

//  Writes what is waiting to be written. Returns SENT once an answer is
//  written whole (the connection then waits for its next request, or
//  lingers), NONE while some is left, GONE on failure.
imb_http_conn_event_t
    imb_http_conn_write (imb_http_conn_t *self, uint64_t now);

//  Answers the request being read or made (takes what answer holds and
//  clears it), closing the connection after it when close is true, the
//  request does not keep it alive, or there was no request head
void
    imb_http_conn_answer (imb_http_conn_t *self, imb_http_answer_t *answer,
                          bool close, uint64_t now);

//  Tells the client to send its body (100 Continue)
void
    imb_http_conn_continue (imb_http_conn_t *self);

//  What passed deadline says, if now is past it: HEAD_LATE, BODY_LATE,
//  GONE (to be closed without a word: an idle keep-alive connection,
//  an answer not read, the end of lingering), else NONE
imb_http_conn_event_t
    imb_http_conn_expire (imb_http_conn_t *self, uint64_t now);

//  The request whose head arrived, borrowed, or NULL
const imb_http_message_t *
    imb_http_conn_message (imb_http_conn_t *self);

//  Takes the complete request (the caller's), or NULL
imb_http_message_t *
    imb_http_conn_take (imb_http_conn_t *self);

//  Why the request was refused
const imb_http_refusal_t *
    imb_http_conn_refusal (imb_http_conn_t *self);

imb_http_conn_state_t
    imb_http_conn_state (imb_http_conn_t *self);

//  The epoll events the connection waits for now (EPOLLIN, EPOLLOUT)
uint32_t
    imb_http_conn_events (imb_http_conn_t *self);

int
    imb_http_conn_fd (imb_http_conn_t *self);

//  The client's address, borrowed
const char *
    imb_http_conn_address (imb_http_conn_t *self);

#endif
