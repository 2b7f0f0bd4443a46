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
imb_http_call (imb_http_t *self, const char *verb, const char *request_id,
               const im_fields_t *body, bool raw_items, int timeout_ms)
{
    im_client_t *client = imb_http_client (self, timeout_ms ? timeout_ms
                                                            : S_CALL_MS);
    if (!client)
        return NULL;
    im_reply_t *reply = im_client_call (client, verb, request_id, body,
                                        raw_items);
    im_client_destroy (&client);
    return reply;
}

//  True when reply refused its command for now and it must be sent
//  again: the broker was busy (503), the node does not lead (421; the
//  client already moved its connection to the leader the answer named),
//  or it could not tell the outcome (504: same request id, applied once)
static bool
s_refused (const im_reply_t *reply)
{
    return reply->status == IM_PROTO_UNAVAILABLE
        || reply->status == IM_PROTO_NOT_LEADER
        || reply->status == IM_PROTO_OUTCOME_UNKNOWN;
}

//  Sends, as ALERT, every command of batch that is not a repeat of an
//  earlier one and has no answer yet (all when busy_only is false), or
//  was refused for now (s_refused); at most limit of those refused.
//  Returns how many of those it sent.
static size_t
s_send_missing (im_client_t *client, const imb_http_batch_t *batch,
                im_reply_t **replies, bool busy_only, size_t limit)
{
    size_t sent = 0;
    for (size_t index = 0; index < batch->count; index++) {
        const imb_http_command_t *command = &batch->commands [index];
        const im_reply_t *reply = replies [index];
        bool missing = reply ? s_refused (reply) && limit > 0
                             : !busy_only;
        if (command->repeat_of < 0 && missing) {
            im_client_send (client, "ALERT", command->request_id,
                            command->body);
            if (reply) {
                limit--;
                sent++;
            }
        }
    }
    return sent;
}

int
imb_http_call_batch (imb_http_t *self, const imb_http_batch_t *batch,
                     im_reply_t **replies)
{
    im_client_t *client = imb_http_client (self, S_CALL_MS);
    if (!client)
        return IM_ENOMEM;
    zhashx_t *positions = zhashx_new ();      //  request id -> index + 1
    assert (positions);
    size_t waiting = 0;
    for (size_t index = 0; index < batch->count; index++)
        if (batch->commands [index].repeat_of < 0) {
            zhashx_insert (positions, batch->commands [index].request_id,
                           (void *) (uintptr_t) (index + 1));
            waiting++;
        }
    s_send_missing (client, batch, replies, false, batch->count);
    uint64_t now = im_mono_ms ();
    uint64_t deadline = now + S_CALL_MS;
    uint64_t resend = now + S_RESEND_MS;    //  Of what has no answer
    uint64_t retry = 0;                     //  Of what was busy, when set
    size_t busy = 0;                        //  Busy answers received
    size_t taken = 0;                       //  Other answers since the
                                            //  last retry
    zpoller_t *poller = zpoller_new (im_client_sock (client), NULL);
    while (waiting > 0 && (now = im_mono_ms ()) < deadline) {
        //  Requests are idempotent: sending one again is always safe.
        //  A full queue drains in milliseconds, so what was refused
        //  busy is asked again soon; what got no answer, each second.
        if (now >= resend) {
            s_send_missing (client, batch, replies, false, batch->count);
            resend = now + S_RESEND_MS;
            retry = 0;
            continue;
        }
        if (retry && now >= retry) {
            //  As many as the queue took since the last try, and some:
            //  the rest would only be refused again
            size_t sent = s_send_missing (client, batch, replies, true,
                                          2 * taken + 8);
            //  Those not sent now go on the next try
            retry = sent ? now + S_BUSY_MS : 0;
            taken = 0;
            continue;
        }
        uint64_t until = retry && retry < resend ? retry : resend;
        if (!zpoller_wait (poller, (int) (until - now))) {
            if (zpoller_terminated (poller))
                break;              //  The broker is stopping
            continue;
        }
        im_reply_t *reply = im_client_recv (client, false);
        size_t position = reply ? (size_t) (uintptr_t) zhashx_lookup (
            positions, reply->request_id) : 0;
        im_reply_t **slot = position ? &replies [position - 1] : NULL;
        if (!slot || (*slot && !s_refused (*slot))) {
            im_reply_destroy (&reply);  //  Late, or a second answer
            continue;
        }
        im_reply_destroy (slot);
        *slot = reply;
        if (!s_refused (reply)) {
            waiting--;
            taken++;
        }
        else {
            busy++;
            if (!retry)
                retry = im_mono_ms () + S_BUSY_MS;
        }
    }
    if (busy)
        zsys_warning ("http: the queue was full; %zu busy answers to a "
                      "notification of %zu alerts, sent again", busy,
                      batch->count);
    zpoller_destroy (&poller);
    zhashx_destroy (&positions);
    im_client_destroy (&client);
    return waiting ? IM_ETIMEOUT : 0;
}
