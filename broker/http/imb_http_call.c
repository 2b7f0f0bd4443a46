/*  imb_http_call - the HTTP server's requests to the broker

    An HTTP request is answered by asking the broker's client endpoint
    over inproc, through a DEALER made for the request (im_client): the
    libmicrohttpd threads own nothing of the broker's. A notification of
    many alerts is sent at once and its answers collected by request id.
    The broker refuses a command its queue cannot hold (503) rather than
    queue without bound; those are sent again, a few at a time, as it
    takes them, and what no answer came for is sent again each second,
    until the deadline: every command is idempotent. On a follower the
    broker answers 421 naming the leader: im_client moves to the leader
    and the command goes again, so writes are forwarded.
*/
#include "imb_classes.h"
#include "imb_http_private.h"

#define S_CALL_MS       10000       //  Longest wait for the broker
#define S_RESEND_MS     1000        //  Resend of a batch's missing answers
#define S_BUSY_MS       20          //  Resend of those answered busy

im_reply_t *
imb_http_call (const imb_http_request_t *request, const char *verb,
               const char *request_id, const im_fields_t *body,
               bool raw_items, int timeout_ms)
{
    im_client_t *client = imb_http_client (request->http, timeout_ms
                                           ? timeout_ms : S_CALL_MS);
    if (!client)
        return NULL;
    //  The caller's token goes with the request: the node (or the
    //  leader, when this node forwards it) says who it is
    im_fields_t *sent = NULL;
    if (*request->bearer) {
        sent = body ? im_fields_dup (body) : im_fields_new ();
        if (!sent || im_fields_set_str (sent, IM_KEY_BEARER, request->bearer)) {
            im_fields_destroy (&sent);
            im_client_destroy (&client);
            return NULL;
        }
    }
    im_reply_t *reply = im_client_call (client, verb, request_id,
                                        sent ? sent : body, raw_items);
    im_fields_destroy (&sent);
    im_client_destroy (&client);
    return reply;
}

//  What the outbox's send function needs to find a command's body
typedef struct {
    im_client_t *client;            //  Sending through it
    const imb_http_batch_t *batch;  //  The commands, borrowed
    zhashx_t *positions;            //  request id -> index + 1
} s_batch_call_t;

//  The outbox's send function for a batch: the command as ALERT, its
//  body found by request id
static int
s_send_alert (void *arg, const char *verb, const char *request_id,
              const im_fields_t *body)
{
    (void) body;
    s_batch_call_t *call = (s_batch_call_t *) arg;
    size_t position = (size_t) (uintptr_t) zhashx_lookup (call->positions,
                                                           request_id);
    assert (position);
    return im_client_send (call->client, verb, request_id,
                           call->batch->commands [position - 1].body);
}

int
imb_http_call_batch (const imb_http_request_t *request,
                     const imb_http_batch_t *batch, im_reply_t **replies)
{
    for (size_t index = 0; *request->bearer && index < batch->count; index++)
        if (im_fields_set_str (batch->commands [index].body, IM_KEY_BEARER,
                               request->bearer))
            return IM_ENOMEM;
    im_client_t *client = imb_http_client (request->http, S_CALL_MS);
    if (!client)
        return IM_ENOMEM;
    //  Requests are idempotent: sending one again is always safe. A full
    //  queue drains in milliseconds, so what was refused busy is asked
    //  again soon, a few at a time; what got no answer, each second.
    im_outbox_t *outbox = im_outbox_new (S_RESEND_MS, S_BUSY_MS, 0);
    zhashx_t *positions = zhashx_new ();      //  request id -> index + 1
    if (!outbox || !positions) {
        im_outbox_destroy (&outbox);
        zhashx_destroy (&positions);
        im_client_destroy (&client);
        return IM_ENOMEM;
    }
    size_t waiting = 0;
    for (size_t index = 0; index < batch->count; index++) {
        const imb_http_command_t *command = &batch->commands [index];
        im_fields_t *none = NULL;   //  s_send_alert finds the body
        if (command->repeat_of < 0
        &&  im_outbox_add (outbox, "ALERT", command->request_id, &none,
                           index) == 0) {
            zhashx_insert (positions, command->request_id,
                           (void *) (uintptr_t) (index + 1));
            waiting++;
        }
    }
    s_batch_call_t call = { client, batch, positions };
    uint64_t now = im_mono_ms ();
    uint64_t deadline = now + S_CALL_MS;
    size_t busy = 0;                        //  Busy answers received
    size_t taken = 0;                       //  Other answers since the
                                            //  last resend of busy ones
    zpoller_t *poller = zpoller_new (im_client_sock (client), NULL);
    while (waiting > 0 && (now = im_mono_ms ()) < deadline) {
        //  Of those refused busy, as many as the queue took since the
        //  last try, and some: the rest would only be refused again
        if (im_outbox_send_due (outbox, now, 2 * taken + 8, s_send_alert,
                                &call))
            taken = 0;
        uint64_t until = im_outbox_next_due (outbox);
        if (until <= now)
            until = now + S_BUSY_MS;        //  Held back by the cap
        if (until > deadline)
            until = deadline;
        if (!zpoller_wait (poller, (int) (until - now))) {
            if (zpoller_terminated (poller))
                break;              //  The broker is stopping
            continue;
        }
        im_reply_t *reply = im_client_recv (client, false);
        uint64_t position = 0;
        int rc = reply ? im_outbox_answer (outbox, reply->request_id,
                                           reply->status, im_mono_ms (),
                                           &position)
                       : IM_ENOTFOUND;
        if (rc == IM_ENOTFOUND) {
            im_reply_destroy (&reply);  //  Late, or a second answer
            continue;
        }
        if (rc == IM_EBUSY)
            position = (uint64_t) (uintptr_t) zhashx_lookup (
                positions, reply->request_id) - 1;
        im_reply_destroy (&replies [position]);
        replies [position] = reply;
        if (rc == 0) {
            waiting--;
            taken++;
        }
        else
            busy++;
    }
    if (busy)
        zsys_warning ("http: the queue was full; %zu busy answers to a "
                      "notification of %zu alerts, sent again", busy,
                      batch->count);
    zpoller_destroy (&poller);
    zhashx_destroy (&positions);
    im_outbox_destroy (&outbox);
    im_client_destroy (&client);
    return waiting ? IM_ETIMEOUT : 0;
}
