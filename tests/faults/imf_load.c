/*  imf_load - the fault suite's load generator

    One DEALER (im_client's) connected to every node. New writes are
    due at start + n / rate, so a pause of the generator itself (a slow
    poll) catches up instead of lowering the rate. The gap is measured
    between consecutive first answers, from the start of the load: an
    answer that comes while the cluster is down ends the gap the fault
    opened.
*/
#include <czmq.h>
#include <inttypes.h>

#include "im_classes.h"
#include "im_client.h"
#include "imf_load.h"

#define IMF_RESEND_MS   500         //  Silence before a write goes again
#define IMF_RETRY_MS    50          //  Wait after a 421 or a 503

typedef struct {
    uint64_t incident;              //  From its 200 answer, or 0
    uint64_t sent_ms;               //  Last sent, monotonic
    uint64_t answered_ms;           //  First 200, or 0
} s_write_t;

struct _imf_load_t {
    char prefix [64];               //  Request ids and titles
    int rate;                       //  New writes a second
    im_client_t *client;            //  Over every node, owned
    s_write_t *writes;              //  Started writes, owned
    size_t count;                   //  How many
    size_t capacity;                //  Room for
    size_t oldest;                  //  Writes below are all answered
    uint64_t start_ms;              //  First pump, monotonic
    uint64_t opened_ms;             //  Time opening has run, total
    uint64_t last_ack_ms;           //  Latest first answer (or start)
    imf_load_stats_t stats;         //  What it saw
};

imf_load_t *
imf_load_new (const char *endpoints, const char *prefix, int rate)
{
    assert (endpoints && prefix && rate > 0);
    imf_load_t *self = (imf_load_t *) calloc (1, sizeof (imf_load_t));
    if (!self)
        return NULL;
    im_strlcpy (self->prefix, prefix, sizeof self->prefix);
    self->rate = rate;
    //  No wait on a send: a write no node takes now goes next time
    self->client = im_client_new (endpoints, 0);
    if (!self->client)
        imf_load_destroy (&self);
    return self;
}

void
imf_load_destroy (imf_load_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imf_load_t *self = *self_p;
        im_client_destroy (&self->client);
        free (self->writes);
        free (self);
        *self_p = NULL;
    }
}

//  Sends write n (again)
static void
s_send (imf_load_t *self, size_t n, uint64_t now)
{
    char id [96], title [96];
    snprintf (id, sizeof id, "%s-%zu", self->prefix, n);
    snprintf (title, sizeof title, "%s %zu", self->prefix, n);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", title);
    im_fields_set_str (body, "reporter", "faults");
    int rc = im_client_send (self->client, "OPEN", id, body);
    im_fields_destroy (&body);
    self->stats.sends++;
    //  No node connected: again soon
    self->writes [n].sent_ms = now - (rc ? IMF_RESEND_MS - IMF_RETRY_MS : 0);
}

//  Starts write n = count
static void
s_open (imf_load_t *self, uint64_t now)
{
    if (self->count == self->capacity) {
        self->capacity = self->capacity ? self->capacity * 2 : 4096;
        self->writes = (s_write_t *) realloc (self->writes, self->capacity
                                              * sizeof *self->writes);
        assert (self->writes);
    }
    memset (&self->writes [self->count], 0, sizeof (s_write_t));
    self->stats.sent++;
    s_send (self, self->count++, now);
}

//  Reads one reply and records it
static void
s_recv (imf_load_t *self)
{
    im_reply_t *reply = im_client_recv (self->client, false);
    if (!reply)
        return;
    size_t length = strlen (self->prefix);
    char *end = NULL;
    size_t n = SIZE_MAX;
    if (strncmp (reply->request_id, self->prefix, length) == 0
    &&  reply->request_id [length] == '-') {
        n = strtoull (reply->request_id + length + 1, &end, 10);
        if (!end || *end)
            n = SIZE_MAX;
    }
    uint64_t now = im_mono_ms ();
    if (n < self->count) {
        s_write_t *write = &self->writes [n];
        if (reply->status == 200 && !write->answered_ms && reply->body) {
            write->incident = (uint64_t) im_fields_int_or (reply->body,
                                                           "incident", 0);
            write->answered_ms = now;
            self->stats.acknowledged++;
            if (now - self->last_ack_ms > self->stats.gap_ms) {
                self->stats.gap_ms = now - self->last_ack_ms;
                self->stats.gap_at_ms = self->last_ack_ms - self->start_ms;
            }
            self->last_ack_ms = now;
        }
        else
        if (reply->status == 421 || reply->status == 503) {
            //  Redirected, or no leader yet: again soon
            write->sent_ms = now - (IMF_RESEND_MS - IMF_RETRY_MS);
            if (reply->status == 421)
                self->stats.status_421++;
            else
                self->stats.status_503++;
        }
        else
        if (reply->status >= 500)
            self->stats.status_5xx++;
        else
        if (reply->status != 200)
            self->stats.status_other++;
    }
    im_reply_destroy (&reply);
}

//  Resends every unanswered write whose time came
static void
s_resend_due (imf_load_t *self, uint64_t now)
{
    while (self->oldest < self->count
       &&  self->writes [self->oldest].answered_ms)
        self->oldest++;
    for (size_t n = self->oldest; n < self->count; n++)
        if (!self->writes [n].answered_ms
        &&  now - self->writes [n].sent_ms >= IMF_RESEND_MS)
            s_send (self, n, now);
}

void
imf_load_pump (imf_load_t *self, uint64_t until_ms, bool opening)
{
    assert (self);
    uint64_t now = im_mono_ms ();
    if (!self->start_ms)
        self->start_ms = self->last_ack_ms = now;
    uint64_t began = now;
    size_t opened_before = (size_t) (self->opened_ms * (uint64_t) self->rate
                                     / 1000);
    zsock_t *sock = im_client_sock (self->client);
    while (now < until_ms && !zsys_interrupted) {
        if (opening) {
            uint64_t due = opened_before
                + (size_t) ((now - began) * (uint64_t) self->rate / 1000);
            while (self->count < due)
                s_open (self, now);
        }
        s_resend_due (self, now);
        zmq_pollitem_t item = { zsock_resolve (sock), 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 5) > 0)
            while (zsock_events (sock) & ZMQ_POLLIN)
                s_recv (self);
        now = im_mono_ms ();
    }
    if (opening)
        self->opened_ms += now - began;
}

size_t
imf_load_drain (imf_load_t *self, int deadline_ms)
{
    assert (self);
    uint64_t deadline = im_mono_ms () + (uint64_t) deadline_ms;
    while (self->stats.acknowledged < self->count
       &&  im_mono_ms () < deadline && !zsys_interrupted)
        imf_load_pump (self, im_mono_ms () + 100, false);
    return self->count - self->stats.acknowledged;
}

void
imf_load_stats (imf_load_t *self, imf_load_stats_t *stats)
{
    assert (self && stats);
    *stats = self->stats;
}

void
imf_load_feed (imf_load_t *self, imf_check_t *check)
{
    assert (self && check);
    for (size_t n = 0; n < self->count; n++) {
        char id [96];
        snprintf (id, sizeof id, "%s-%zu", self->prefix, n);
        if (self->writes [n].answered_ms)
            imf_check_acked (check, id, self->writes [n].incident);
        else
            imf_check_sent (check, id);
    }
}
