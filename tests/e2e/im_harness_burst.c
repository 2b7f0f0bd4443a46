/*  im_harness_burst - many requests in flight at once

    A broker that answers one request at a time never has a batch to
    lose, and a worker fed one event at a time never holds several; the
    failures worth testing happen with many in flight. A burst sends
    every request before reading any reply, and can run an action (a
    SIGKILL) once some of the replies are in, so the action lands while
    the rest are still being applied and delivered.
*/
#include "im_harness_private.h"

void
imh_open_body (int index, im_fields_t *body, void *arg)
{
    char title [128];
    snprintf (title, sizeof title, "%s %d", (const char *) arg, index);
    im_fields_set_str (body, "title", title);
    im_fields_set_str (body, "reporter", "burst");
}

//  Returns n when request_id is "<prefix>-<n>" with 0 <= n < count,
//  else -1
static int
s_index (const char *request_id, const char *prefix, int count)
{
    size_t length = strlen (prefix);
    if (strncmp (request_id, prefix, length) != 0
    ||  request_id [length] != '-')
        return -1;
    char *end = NULL;
    long index = strtol (request_id + length + 1, &end, 10);
    return *end || index < 0 || index >= count ? -1 : (int) index;
}

int
imh_burst (imh_t *self, const imh_burst_t *burst, uint64_t *ids)
{
    assert (self && burst && burst->body_fn && ids);
    im_client_t *client = imh_client (self);
    if (!client)
        return -1;
    for (int index = 0; index < burst->count; index++) {
        im_fields_t *body = im_fields_new ();
        burst->body_fn (index, body, burst->body_arg);
        char request_id [128];
        snprintf (request_id, sizeof request_id, "%s-%d", burst->prefix,
                  index);
        ids [index] = 0;
        if (burst->seqs)
            burst->seqs [index] = 0;
        int rc = im_client_send (client, burst->verb, request_id, body);
        im_fields_destroy (&body);
        if (rc)
            return -1;
    }
    int answered = 0, done = 0;
    bool acted = !burst->midway_fn;
    if (!acted && burst->midway_after < 0) {
        burst->midway_fn (burst->midway_arg);
        acted = true;
    }
    zpoller_t *poller = zpoller_new (im_client_sock (client), NULL);
    while (poller && answered < burst->count) {
        if (!zpoller_wait (poller, burst->deadline_ms))
            break;
        im_reply_t *reply = im_client_recv (client, false);
        int index = reply ? s_index (reply->request_id, burst->prefix,
                                     burst->count)
                          : -1;
        if (index >= 0) {
            answered++;
            int64_t incident = reply->status == 200 && reply->body
                ? im_fields_int_or (reply->body, "incident", 0) : 0;
            ids [index] = incident > 0 ? (uint64_t) incident : 0;
            int64_t seq = reply->status == 200 && reply->body
                ? im_fields_int_or (reply->body, "seq", 0) : 0;
            if (burst->seqs)
                burst->seqs [index] = seq > 0 ? (uint64_t) seq : 0;
            done += reply->status == 200;
        }
        im_reply_destroy (&reply);
        int after = burst->midway_after > 0 ? burst->midway_after
                                            : (burst->count + 1) / 2;
        if (!acted && answered >= after) {
            burst->midway_fn (burst->midway_arg);
            acted = true;
        }
    }
    zpoller_destroy (&poller);
    if (answered < burst->count)
        fprintf (stderr, "im_harness: %s burst: %d of %d answered\n",
                 burst->verb, answered, burst->count);
    return answered == burst->count ? done : -1;
}
