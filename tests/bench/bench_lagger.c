/*  bench_lagger - a consumer that reads and acknowledges very slowly

    The broker promises that its memory does not grow with a consumer
    group's lag: a group far behind reads its events again from RocksDB
    as it acknowledges, instead of the broker queueing them. To show it,
    the memory phase keeps one group connected that holds its full
    credit and acknowledges only a few events a second, so its lag grows
    with every event written. This speaks the worker dialog
    (docs/protocol.md section 4) on a raw DEALER, driven by the load
    loop's poll: no thread of its own.
*/
#include "bench_ingest.h"

#define PING_US  1000000            //  Heartbeat interval, section 4

struct _bench_lagger_t {
    zsock_t *dealer;                //  To the worker endpoint, owned
    char group [IM_PROTO_GROUP_MAX];  //  Consumer group
    uint32_t credit;                //  Deliveries it may hold
    uint64_t ack_every_us;          //  Between ACKs, 0: never
    uint64_t *held;                 //  Seqs delivered, not acknowledged
    size_t held_n;                  //  How many
    uint64_t next_ack_us;           //  When the next ACK is due
    uint64_t next_ping_us;          //  When the next PING is due
    uint64_t delivered;             //  DELIVERs received
    uint64_t acked;                 //  ACKs sent
};

static void
s_send (bench_lagger_t *self, zmsg_t *msg)
{
    if (msg && zmsg_send (&msg, self->dealer))
        zmsg_destroy (&msg);
}

static void
s_ready (bench_lagger_t *self)
{
    self->held_n = 0;               //  The broker starts this peer over
    s_send (self, im_wmsg_encode_ready (self->group, "bench-lagger",
                                        self->credit));
}

//  With CURVE (IMQ_KEYS set) a worker proves it belongs to its group:
//  a certificate named after the group, with the group as its role,
//  made in the keys directory on first use. Returns 0 or -1.
static int
s_curve (zsock_t *dealer, const char *group, const char *endpoint)
{
    const char *keys = getenv ("IMQ_KEYS");
    if (!keys || !*keys)
        return 0;
    char path [600], errbuf [256] = "";
    snprintf (path, sizeof path, "%s/%s.key_secret", keys, group);
    im_curve_t *curve = NULL;
    if (im_curve_keygen (keys, group, group, NULL, NULL, errbuf,
                         sizeof errbuf) >= 0)
        curve = im_curve_new (path, keys, errbuf, sizeof errbuf);
    int rc = curve ? im_curve_client (curve, dealer, endpoint, errbuf,
                                      sizeof errbuf)
                   : -1;
    if (rc)
        fprintf (stderr, "bench_lagger: %s\n", errbuf);
    im_curve_destroy (&curve);
    return rc;
}

bench_lagger_t *
bench_lagger_new (const char *endpoint, const char *group, uint32_t credit,
                  unsigned acks_per_s)
{
    assert (endpoint && group && credit > 0);
    bench_lagger_t *self = (bench_lagger_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->group, sizeof self->group, "%s", group);
    self->credit = credit;
    self->ack_every_us = acks_per_s ? 1000000 / acks_per_s : 0;
    self->held = (uint64_t *) calloc (credit, sizeof (uint64_t));
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->held || !self->dealer) {
        bench_lagger_destroy (&self);
        return NULL;
    }
    zsock_set_linger (self->dealer, 0);
    if (s_curve (self->dealer, group, endpoint)
    ||  zsock_connect (self->dealer, "%s", endpoint)) {
        bench_lagger_destroy (&self);
        return NULL;
    }
    uint64_t now = bench_now_us ();
    self->next_ack_us = now + self->ack_every_us;
    self->next_ping_us = now + PING_US;
    s_ready (self);
    return self;
}

void
bench_lagger_destroy (bench_lagger_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        bench_lagger_t *self = *self_p;
        if (self->dealer)
            s_send (self, im_wmsg_encode_simple (IM_WMSG_DISCONNECT));
        zsock_destroy (&self->dealer);
        free (self->held);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
bench_lagger_sock (bench_lagger_t *self)
{
    return self->dealer;
}

void
bench_lagger_recv (bench_lagger_t *self)
{
    while (zsock_events (self->dealer) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (self->dealer);
        if (!msg)
            return;
        im_wmsg_t *wmsg = im_wmsg_new ();
        char reason [256];
        if (im_wmsg_decode (wmsg, &msg, reason, sizeof reason))
            fprintf (stderr, "bench: lagger: bad message from broker: %s\n",
                     reason);
        else
        if (wmsg->type == IM_WMSG_DELIVER) {
            self->delivered++;
            if (self->held_n < self->credit)
                self->held [self->held_n++] = wmsg->seq;
        }
        else
        if (wmsg->type == IM_WMSG_DISCONNECT)
            s_ready (self);         //  Expired or unknown: join again
        im_wmsg_destroy (&wmsg);
        zmsg_destroy (&msg);
    }
}

void
bench_lagger_tick (bench_lagger_t *self, uint64_t now_us)
{
    if (self->ack_every_us && now_us >= self->next_ack_us) {
        self->next_ack_us = now_us + self->ack_every_us;
        if (self->held_n > 0) {
            //  Oldest first, as a worker that finishes in order would
            s_send (self, im_wmsg_encode_ack (self->held [0]));
            memmove (self->held, self->held + 1,
                     (self->held_n - 1) * sizeof (uint64_t));
            self->held_n--;
            self->acked++;
        }
    }
    if (now_us >= self->next_ping_us) {
        self->next_ping_us = now_us + PING_US;
        s_send (self, im_wmsg_encode_simple (IM_WMSG_PING));
    }
}

uint64_t
bench_lagger_delivered (bench_lagger_t *self)
{
    return self->delivered;
}

uint64_t
bench_lagger_acked (bench_lagger_t *self)
{
    return self->acked;
}
