/*  imb_http_loop_client - what one connection's octets lead to

    The I/O thread's handling of one connection: writing what waits,
    reading and parsing, and acting on what the parser finds. A head
    counts its body against the gate's budget (and gets 100 Continue
    when it waits for one); a complete request is answered here when it
    is /healthz, else takes a slot (http.inflight_max, or one of the
    probes' for /readyz) and goes to a pool, or is answered 429 when
    none is free; a refusal is answered and the connection closed. A
    record whose request is with a pool outlives its connection until
    the request comes back, so that no pointer a pool holds dangles.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include "imb_http_loop_private.h"
#include <sys/epoll.h>

#define S_ROUNDS_MAX    48          //  Reads and writes of one connection
                                    //  at one turn, before the others'
                                    //  turn

//  Sets the epoll events of client to what its connection waits for
static void
s_watch (imb_http_loop_t *self, imb_http_client_t *client)
{
    if (client->dead)
        return;
    uint32_t events = imb_http_conn_events (client->conn);
    if (events == client->events)
        return;
    struct epoll_event event = { events, { .ptr = client } };
    epoll_ctl (self->epoll, EPOLL_CTL_MOD, imb_http_conn_fd (client->conn),
               &event);
    client->events = events;
}

void
imb_http_loop_release (imb_http_loop_t *self, imb_http_client_t *client)
{
    if (client->slot == IMB_HTTP_SLOT_REQUEST)
        self->inflight--;
    else
    if (client->slot == IMB_HTTP_SLOT_PROBE)
        self->probing--;
    client->slot = IMB_HTTP_SLOT_NONE;
    imb_http_gate_release (self->gate, &client->held);
}

//  A closed connection keeps its slot while a pool has its request
void
imb_http_loop_close (imb_http_loop_t *self, imb_http_client_t *client)
{
    if (client->dead)
        return;
    if (!client->working)
        imb_http_loop_release (self, client);
    imb_http_gate_leave (self->gate, imb_http_conn_address (client->conn),
                         client->counted);
    epoll_ctl (self->epoll, EPOLL_CTL_DEL, imb_http_conn_fd (client->conn),
               NULL);
    imb_http_conn_destroy (&client->conn);
    client->dead = true;
    self->dead++;
}

void
imb_http_loop_bury (imb_http_loop_t *self)
{
    imb_http_client_t *client = self->dead
        ? (imb_http_client_t *) zlistx_first (self->clients) : NULL;
    while (client) {
        imb_http_client_t *next =
            (imb_http_client_t *) zlistx_next (self->clients);
        if (client->dead && !client->working) {
            if (client->again)
                zlistx_delete (self->again, client->again);
            zlistx_delete (self->clients, client->handle);
            free (client);
            self->dead--;
        }
        client = next;
    }
}

void
imb_http_loop_answer (imb_http_loop_t *self, imb_http_client_t *client,
                      imb_http_answer_t *answer, bool close)
{
    imb_http_loop_release (self, client);
    imb_http_count (self->http, answer->status);
    imb_http_conn_answer (client->conn, answer, close, im_mono_ms ());
}

void
imb_http_loop_refuse (imb_http_loop_t *self, imb_http_client_t *client,
                      unsigned status, const char *text, bool close)
{
    imb_http_answer_t answer;
    imb_http_answer_refusal (&answer, status, text);
    imb_http_loop_answer (self, client, &answer, close);
}

//  Counts what client's request body holds now. Returns false after
//  refusing the request when the bodies being read would hold more
//  than their budget.
static bool
s_hold (imb_http_loop_t *self, imb_http_client_t *client, size_t more)
{
    const imb_http_message_t *message = imb_http_conn_message (client->conn);
    size_t size = message ? imb_http_message_size (message) + more : 0;
    char text [160];
    if (imb_http_gate_hold (self->gate, &client->held, size, text,
                            sizeof text))
        return true;
    imb_http_loop_refuse (self, client, IM_PROTO_UNAVAILABLE, text, true);
    return false;
}

//  A request head arrived: counts the body it announces, and says 100
//  Continue when the client waits for it
static void
s_on_head (imb_http_loop_t *self, imb_http_client_t *client)
{
    const imb_http_message_t *message = imb_http_conn_message (client->conn);
    if (s_hold (self, client, (size_t) imb_http_message_length (message))
    &&  imb_http_message_expects_continue (message))
        imb_http_conn_continue (client->conn);
}

//  A request is complete: answers /healthz here, or takes the slot its
//  path needs and hands it to a pool, or refuses it when none is free
static void
s_on_request (imb_http_loop_t *self, imb_http_client_t *client)
{
    imb_http_message_t *message = imb_http_conn_take (client->conn);
    const char *path = imb_http_message_path (message);
    bool body = imb_http_message_size (message) > 0;
    if (streq (path, "/healthz") && !body) {
        //  A liveness probe asks nothing of anyone: answered at once
        imb_http_answer_t answer = { 0 };
        imb_http_request_t request = {
            self->http, message, imb_http_message_method (message), path,
            "", 0, &answer, ""
        };
        imb_http_route (&request);
        imb_http_message_destroy (&message);
        imb_http_loop_answer (self, client, &answer, false);
        return;
    }
    bool probe = streq (path, "/readyz") && !body;
    size_t *taken = probe ? &self->probing : &self->inflight;
    size_t max = probe ? IMB_HTTP_PROBES_MAX : self->limits.inflight_max;
    if (*taken >= max) {
        imb_http_message_destroy (&message);
        char text [128];
        snprintf (text, sizeof text, probe
                  ? "too many readiness probes in progress (%zu); retry"
                  : "too many requests in progress (http.inflight_max, "
                    "%zu); retry", max);
        imb_http_loop_refuse (self, client, IMB_HTTP_TOO_MANY, text, false);
        return;
    }
    (*taken)++;
    client->slot = probe ? IMB_HTTP_SLOT_PROBE : IMB_HTTP_SLOT_REQUEST;
    imb_http_job_t *job = (imb_http_job_t *) calloc (1, sizeof *job);
    if (job) {
        job->origin = client;
        job->message = message;
    }
    if (!job || imb_http_pool_submit (probe ? self->probes : self->requests,
                                      job)) {
        free (job);
        imb_http_message_destroy (&message);
        imb_http_loop_refuse (self, client, IM_PROTO_UNAVAILABLE,
                              "the node cannot start a "
                              "thread for the request; retry", false);
    }
    else
        client->working = true;
}

void
imb_http_loop_serve (imb_http_loop_t *self, imb_http_client_t *client)
{
    for (size_t round = 0; round < S_ROUNDS_MAX; round++) {
        if (client->dead)
            return;
        imb_http_conn_state_t state = imb_http_conn_state (client->conn);
        imb_http_conn_event_t event = imb_http_conn_write (client->conn,
                                                           im_mono_ms ());
        if (event == IMB_HTTP_CONN_GONE) {
            imb_http_loop_close (self, client);
            return;
        }
        if (state == IMB_HTTP_CONN_SEND && event != IMB_HTTP_CONN_SENT)
            break;                  //  Waits for room to write
        event = imb_http_conn_read (client->conn, self->scratch,
                                    sizeof self->scratch, im_mono_ms ());
        if (event == IMB_HTTP_CONN_GONE) {
            imb_http_loop_close (self, client);
            return;
        }
        if (event != IMB_HTTP_CONN_REFUSED && !s_hold (self, client, 0))
            continue;               //  Refused: the bodies hold too much
        if (event == IMB_HTTP_CONN_NONE)
            break;
        if (event == IMB_HTTP_CONN_REQUEST_HEAD)
            s_on_head (self, client);
        else
        if (event == IMB_HTTP_CONN_REQUEST)
            s_on_request (self, client);
        else {
            const imb_http_refusal_t *refusal =
                imb_http_conn_refusal (client->conn);
            imb_http_loop_refuse (self, client, refusal->status,
                                  refusal->text, true);
        }
        if (round + 1 == S_ROUNDS_MAX && !client->again)
            //  Its octets already read wake no epoll: serve it next turn
            client->again = zlistx_add_end (self->again, client);
    }
    s_watch (self, client);
}
