/*  imb_http_loop_private - what the two files of the I/O thread share

    imb_http_loop.c runs the thread (accepting, deadlines, answers
    coming back from the pools); imb_http_loop_client.c does what one
    connection's octets lead to. Both run on the I/O thread only.
*/
#ifndef IMB_HTTP_LOOP_PRIVATE_H_INCLUDED
#define IMB_HTTP_LOOP_PRIVATE_H_INCLUDED

#include "imb_http_conn.h"
#include "imb_http_gate.h"
#include <pthread.h>

typedef struct _imb_http_client_t imb_http_client_t;

//  Which slot a connection's request holds
typedef enum {
    IMB_HTTP_SLOT_NONE,             //  None: not yet, or /healthz
    IMB_HTTP_SLOT_REQUEST,          //  One of http.inflight_max
    IMB_HTTP_SLOT_PROBE             //  One of IMB_HTTP_PROBES_MAX
} imb_http_slot_t;

//  A connection as the loop keeps it
struct _imb_http_client_t {
    imb_http_conn_t *conn;          //  The connection, owned
    imb_http_slot_t slot;           //  What its request holds
    bool counted;                   //  Counts toward its address and
                                    //  connections_max (else refused
                                    //  at accept)
    size_t held;                    //  Octets its request body holds
    bool working;                   //  A pool has its request: the
                                    //  record lives until it comes back
    bool dead;                      //  Closed; freed after this turn,
                                    //  once no pool has its request
    void *again;                    //  In the loop's list of those to
                                    //  serve again next turn, or NULL
    uint32_t events;                //  epoll events it is registered for
    void *handle;                   //  In the loop's list
};

struct _imb_http_loop_t {
    imb_http_t *http;               //  The server
    imb_http_limits_t limits;       //  Its limits
    int listener;                   //  Listening socket, owned
    int epoll;                      //  epoll set, owned
    int wake [2];                   //  Pipe: stop the thread, owned
    int done [2];                   //  Pipe: answered jobs, owned
    imb_http_pool_t *requests;      //  Answers requests, owned
    imb_http_pool_t *probes;        //  Answers /readyz, owned
    zlistx_t *clients;              //  Every connection, owned
    zlistx_t *again;                //  Connections with octets read and
                                    //  not yet parsed, to serve next turn
    imb_http_gate_t *gate;          //  Counts of what clients hold, owned
    size_t inflight;                //  Request slots taken
    size_t probing;                 //  Probe slots taken
    size_t dead;                    //  Records closed, not yet freed
    uint64_t paused_until;          //  Accepting waits until then, or 0
    uint64_t warned;                //  When that was last logged
    pthread_t thread;               //  The I/O thread
    bool started;                   //  The thread runs
    char scratch [65536];           //  Where sockets are read into
};

//  Does what client's connection can do now: writes, reads, parses,
//  answers, hands requests to the pools, up to some rounds; a client
//  with more to do is served again next turn
void
    imb_http_loop_serve (imb_http_loop_t *self, imb_http_client_t *client);

//  Answers client's request (takes what answer holds), closing the
//  connection after it when close is true
void
    imb_http_loop_answer (imb_http_loop_t *self, imb_http_client_t *client,
                          imb_http_answer_t *answer, bool close);

//  Answers client with {"error": text}
void
    imb_http_loop_refuse (imb_http_loop_t *self, imb_http_client_t *client,
                          unsigned status, const char *text, bool close);

//  Gives back the slot client's request holds, and the room of its body
void
    imb_http_loop_release (imb_http_loop_t *self,
                           imb_http_client_t *client);

//  Closes client's connection; the record is freed by
//  imb_http_loop_bury, once no pool has its request
void
    imb_http_loop_close (imb_http_loop_t *self, imb_http_client_t *client);

//  Frees the records of the connections closed
void
    imb_http_loop_bury (imb_http_loop_t *self);

#endif
