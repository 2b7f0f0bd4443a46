/*  bench_load - OPEN requests against the broker, many in flight or one

    Each OPEN makes exactly one event, and the broker answers it only
    once the Raft entry holding it was committed and applied, so OPENs
    answered per second is durable events per second. To find the
    broker's rate rather than one connection's round-trip time, several
    DEALER sockets in this one thread each keep their share of a fixed
    number of requests outstanding, refilling as replies come back; the
    same loop with one connection and one request in flight measures
    latency at light load. Every reply must be 200: anything else stops
    the run, because a figure made of failures is not a figure.
*/
#include "bench_ingest.h"

#define STALL_US       30000000     //  No reply this long: the run fails
#define SOCKET_HWM     100000       //  Well above any in-flight count

struct _bench_load_t {
    size_t connections;             //  DEALER sockets
    zsock_t **dealers;              //  Connected to the client endpoint
    im_fields_t *body;              //  OPEN arguments, owned
    char *body_bytes;               //  Their encoding, sent every time
    size_t body_size;               //  How many bytes
    im_fields_t *reply_body;        //  Scratch for the reply body read
    char tag [64];                  //  Request id prefix
    bench_ids_t ids;                //  How request ids look
    uint64_t seed;                  //  Scrambles random ids per object
    uint64_t next_index;            //  Request id number of the next OPEN
    int64_t last_incident;          //  Incident of the last reply
    size_t description_at;          //  Offset of the description in
    size_t description_size;        //  body_bytes, and its length, or 0
    uint64_t random;                //  xorshift state for descriptions
    char verb [32];                 //  Sent, OPEN unless set
    int status;                     //  Every reply must have it, 200
};

//  State of one run, kept together so the loop's helpers stay short
typedef struct {
    uint64_t base;                  //  Request id number of the first OPEN
    uint64_t count;                 //  OPENs to send
    uint64_t sent;                  //  Sent so far
    uint64_t answered;              //  Answered 200 so far
    uint64_t *sent_at;              //  Send time per OPEN, us
    double *latency_ms;             //  Per answered OPEN
    size_t *outstanding;            //  Per connection
    size_t *limit;                  //  In flight allowed per connection
    uint64_t last_reply_us;         //  For the stall check
} s_run_t;

bench_load_t *
bench_load_new (const char *endpoint, size_t connections, const char *tag)
{
    assert (endpoint && tag);
    assert (connections > 0 && connections <= BENCH_CONNECTIONS_MAX);
    bench_load_t *self = (bench_load_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->connections = connections;
    snprintf (self->tag, sizeof self->tag, "%s", tag);
    snprintf (self->verb, sizeof self->verb, "OPEN");
    self->status = IM_PROTO_OK;
    self->dealers = (zsock_t **) calloc (connections, sizeof (zsock_t *));
    self->body = im_fields_new ();
    self->reply_body = im_fields_new ();
    if (!self->dealers || !self->body || !self->reply_body) {
        bench_load_destroy (&self);
        return NULL;
    }
    //  About the size of a real report: a title, a reporter, and the
    //  impact and urgency a monitoring integration sets
    im_fields_set_str (self->body, "title",
                       "Checkout API p99 latency above 2 s on the EU web "
                       "tier since 02:15 UTC");
    im_fields_set_str (self->body, "reporter", "alertmanager@monitoring");
    im_fields_set_str (self->body, "service", "checkout-api");
    im_fields_set_int (self->body, "impact", 2);
    im_fields_set_int (self->body, "urgency", 2);
    //  Encoded once: the broker is measured, not this program's encoder
    if (im_fields_encode (self->body, &self->body_bytes, &self->body_size)) {
        bench_load_destroy (&self);
        return NULL;
    }
    for (size_t index = 0; index < connections; index++) {
        zsock_t *dealer = zsock_new (ZMQ_DEALER);
        self->dealers [index] = dealer;
        if (!dealer) {
            bench_load_destroy (&self);
            return NULL;
        }
        zsock_set_linger (dealer, 0);
        zsock_set_sndhwm (dealer, SOCKET_HWM);
        zsock_set_rcvhwm (dealer, SOCKET_HWM);
        char errbuf [256];
        if (im_curve_client_env (dealer, endpoint, errbuf, sizeof errbuf)
        ||  zsock_connect (dealer, "%s", endpoint)) {
            bench_load_destroy (&self);
            return NULL;
        }
    }
    return self;
}

void
bench_load_destroy (bench_load_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        bench_load_t *self = *self_p;
        for (size_t index = 0; self->dealers && index < self->connections;
             index++)
            zsock_destroy (&self->dealers [index]);
        free (self->dealers);
        im_fields_destroy (&self->body);
        im_fields_destroy (&self->reply_body);
        free (self->body_bytes);
        free (self);
        *self_p = NULL;
    }
}

int
bench_load_set_command (bench_load_t *self, const char *verb,
                        const im_fields_t *body, int status)
{
    assert (self && verb && body);
    assert (status >= 100 && status < 1000);
    char *bytes = NULL;
    size_t size = 0;
    if (im_fields_encode (body, &bytes, &size))
        return -1;
    free (self->body_bytes);
    self->body_bytes = bytes;
    self->body_size = size;
    self->description_size = 0;
    snprintf (self->verb, sizeof self->verb, "%s", verb);
    self->status = status;
    return 0;
}

void
bench_load_set_ids (bench_load_t *self, bench_ids_t ids)
{
    assert (self);
    self->ids = ids;
    //  The tag tells objects apart; hash it so that two objects' ids differ
    self->seed = 14695981039346656037ull;
    for (const char *byte = self->tag; *byte; byte++)
        self->seed = (self->seed ^ (uint8_t) *byte) * 1099511628211ull;
}

//  splitmix64: a cheap bijective scramble of the request number
static uint64_t
s_scramble (uint64_t value)
{
    value += 0x9e3779b97f4a7c15ull;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

//  Formats the request id of OPEN number index: "<tag>-<index>"; or 32
//  hex digits whose last 16 are index, led by 16 random-looking ones or,
//  as imqctl makes them, by the time in ms (12 digits) and 4 random ones
static void
s_request_id (const bench_load_t *self, uint64_t index, char *id, size_t size)
{
    uint64_t noise = s_scramble (self->seed ^ index);
    if (self->ids == BENCH_IDS_RANDOM)
        snprintf (id, size, "%016" PRIx64 "%016" PRIx64, noise, index);
    else
    if (self->ids == BENCH_IDS_TIME)
        snprintf (id, size, "%012" PRIx64 "%04" PRIx64 "%016" PRIx64,
                  (uint64_t) (im_now_ms () & 0xffffffffffffull),
                  noise & 0xffff, index);
    else
        snprintf (id, size, "%s-%" PRIu64, self->tag, index);
}

//  Returns the OPEN number a request id carries, false when it has none
static bool
s_request_index (const bench_load_t *self, const char *id, uint64_t *index)
{
    if (self->ids != BENCH_IDS_COUNTER) {
        if (strlen (id) != 32)
            return false;
        *index = strtoull (id + 16, NULL, 16);
        return true;
    }
    const char *dash = strrchr (id, '-');
    if (!dash)
        return false;
    *index = strtoull (dash + 1, NULL, 10);
    return true;
}

int
bench_load_set_description (bench_load_t *self, size_t bytes)
{
    assert (self && bytes > 0 && bytes <= 8192);
    char *text = (char *) malloc (bytes + 1);
    if (!text)
        return -1;
    memset (text, '~', bytes);      //  A marker, found below, then varied
    text [bytes] = 0;
    im_fields_set_str (self->body, "description", text);
    free (self->body_bytes);
    self->body_bytes = NULL;
    int rc = im_fields_encode (self->body, &self->body_bytes,
                               &self->body_size);
    char *found = NULL;
    for (size_t at = 0; rc == 0 && !found && at + bytes <= self->body_size;
         at++)
        if (memcmp (self->body_bytes + at, text, bytes) == 0)
            found = self->body_bytes + at;
    free (text);
    if (!found)
        return -1;
    self->description_at = (size_t) (found - self->body_bytes);
    self->description_size = bytes;
    self->random = 0x9e3779b97f4a7c15ull ^ (uint64_t) bench_now_us ();
    return 0;
}

//  Fills the description with new characters: 6 random bits each, which
//  RocksDB's block compression cannot shrink much
static void
s_vary_description (bench_load_t *self)
{
    char *text = self->body_bytes + self->description_at;
    static const char alphabet [] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .";
    for (size_t index = 0; index < self->description_size; index += 10) {
        self->random ^= self->random << 13;
        self->random ^= self->random >> 7;
        self->random ^= self->random << 17;
        uint64_t bits = self->random;
        for (size_t digit = 0; digit < 10
                            && index + digit < self->description_size;
             digit++, bits >>= 6)
            text [index + digit] = alphabet [bits & 63];
    }
}

//  Sends OPENs on connection until it has its share in flight
static int
s_fill (bench_load_t *self, s_run_t *run, size_t connection,
        char *errbuf, size_t errlen)
{
    while (run->outstanding [connection] < run->limit [connection]
    &&     run->sent < run->count) {
        char id [96];
        s_request_id (self, run->base + run->sent, id, sizeof id);
        run->sent_at [run->sent] = bench_now_us ();
        if (self->description_size)
            s_vary_description (self);
        if (im_request_send_packed (self->dealers [connection], self->verb,
                                    id, self->body_bytes, self->body_size)) {
            snprintf (errbuf, errlen, "cannot send %s %s", self->verb, id);
            return -1;
        }
        run->outstanding [connection]++;
        run->sent++;
    }
    return 0;
}

//  Reads the parts of one REPLY waiting on socket into part (up to
//  BENCH_REPLY_PARTS; the rest are read and dropped). Returns how many
//  parts the reply had, 0 when none was waiting.
#define BENCH_REPLY_PARTS 4

static size_t
s_recv_reply (void *socket, zmq_msg_t part [BENCH_REPLY_PARTS])
{
    size_t count = 0;
    int flags = ZMQ_DONTWAIT;
    while (true) {
        zmq_msg_t scratch;
        zmq_msg_t *into = count < BENCH_REPLY_PARTS ? &part [count] : &scratch;
        zmq_msg_init (into);
        if (zmq_msg_recv (into, socket, flags) == -1) {
            zmq_msg_close (into);
            return count;           //  Nothing waiting (count is 0)
        }
        count++;
        bool more = zmq_msg_more (into);
        if (into == &scratch)
            zmq_msg_close (&scratch);
        if (!more)
            return count;
        flags = 0;                  //  The other parts are there
    }
}

//  Checks one reply (its one head frame, IMQ02, in part [0]) and books
//  it: status 200, and a request id this run sent and did not see
//  answered; the body is read only for the run's last reply (the
//  incident it opened). Returns 0, or -1 with errbuf set.
static int
s_book (bench_load_t *self, s_run_t *run, size_t connection,
        zmq_msg_t part [BENCH_REPLY_PARTS], size_t parts, uint64_t now_us,
        char *errbuf, size_t errlen)
{
    char id [IM_REQUEST_ID_MAX] = "";
    int status = 0;
    const void *body = NULL;
    size_t body_size = 0;
    if (parts != 1
    ||  im_reply_head (zmq_msg_data (&part [0]), zmq_msg_size (&part [0]),
                       &status, id, &body, &body_size)) {
        snprintf (errbuf, errlen, "malformed reply (%zu parts)", parts);
        return -1;
    }
    if (status != self->status) {
        im_fields_decode (self->reply_body, body, body_size, NULL, 0);
        snprintf (errbuf, errlen, "%s %s answered %d: %s", self->verb, id,
                  status, im_fields_str_or (self->reply_body, "error",
                                            "(no error text)"));
        return -1;
    }
    uint64_t index = 0;
    bool known = s_request_index (self, id, &index);
    if (!known || index < run->base || index >= run->base + run->sent
    ||  run->latency_ms [index - run->base] >= 0) {
        snprintf (errbuf, errlen, "reply to an unknown or repeated request "
                  "'%s'", id);
        return -1;
    }
    index -= run->base;
    run->latency_ms [index] = (double) (now_us - run->sent_at [index]) / 1000.0;
    run->outstanding [connection]--;
    run->answered++;
    if (run->answered == run->count) {
        char reason [256] = "";
        if (im_fields_decode (self->reply_body, body, body_size, reason,
                              sizeof reason)) {
            snprintf (errbuf, errlen, "reply body: %s", reason);
            return -1;
        }
        self->last_incident = im_fields_int_or (self->reply_body, "incident",
                                                0);
    }
    return 0;
}

//  Reads every reply waiting on connection
static int
s_drain (bench_load_t *self, s_run_t *run, size_t connection,
         char *errbuf, size_t errlen)
{
    void *dealer = zsock_resolve (self->dealers [connection]);
    int rc = 0;
    while (rc == 0) {
        zmq_msg_t part [BENCH_REPLY_PARTS];
        size_t parts = s_recv_reply (dealer, part);
        if (parts == 0)
            break;
        run->last_reply_us = bench_now_us ();
        rc = s_book (self, run, connection, part, parts, run->last_reply_us,
                     errbuf, errlen);
        for (size_t index = 0; index < parts && index < BENCH_REPLY_PARTS;
             index++)
            zmq_msg_close (&part [index]);
    }
    return rc;
}

//  The loop of one run: fill, poll, drain, until all are answered
static int
s_loop (bench_load_t *self, s_run_t *run, bench_lagger_t *lagger,
        bench_load_progress_fn *progress, uint64_t progress_every,
        void *arg, char *errbuf, size_t errlen)
{
    size_t n_items = self->connections + (lagger ? 1 : 0);
    zmq_pollitem_t items [BENCH_CONNECTIONS_MAX + 1];
    for (size_t index = 0; index < self->connections; index++)
        items [index] = (zmq_pollitem_t) {
            zsock_resolve (self->dealers [index]), 0, ZMQ_POLLIN, 0 };
    if (lagger)
        items [n_items - 1] = (zmq_pollitem_t) {
            zsock_resolve (bench_lagger_sock (lagger)), 0, ZMQ_POLLIN, 0 };
    uint64_t next_progress = progress_every;
    run->last_reply_us = bench_now_us ();
    while (run->answered < run->count) {
        if (zsys_interrupted) {
            snprintf (errbuf, errlen, "interrupted");
            return -1;
        }
        for (size_t index = 0; index < self->connections; index++)
            if (s_fill (self, run, index, errbuf, errlen))
                return -1;
        if (zmq_poll (items, (int) n_items, lagger ? 50 : 1000) == -1) {
            if (zmq_errno () == EINTR)
                continue;
            snprintf (errbuf, errlen, "poll: %s", zmq_strerror (zmq_errno ()));
            return -1;
        }
        for (size_t index = 0; index < self->connections; index++)
            if ((items [index].revents & ZMQ_POLLIN)
            &&  s_drain (self, run, index, errbuf, errlen))
                return -1;
        uint64_t now = bench_now_us ();
        if (lagger) {
            if (items [n_items - 1].revents & ZMQ_POLLIN)
                bench_lagger_recv (lagger);
            bench_lagger_tick (lagger, now);
        }
        if (progress && progress_every && run->answered >= next_progress) {
            next_progress += progress_every;
            if (progress (run->answered, arg)) {
                snprintf (errbuf, errlen, "stopped by the progress check");
                return -1;
            }
        }
        if (now - run->last_reply_us > STALL_US) {
            snprintf (errbuf, errlen, "no reply for %d s with %" PRIu64
                      " OPENs unanswered", STALL_US / 1000000,
                      run->sent - run->answered);
            return -1;
        }
    }
    return 0;
}

int
bench_load_run (bench_load_t *self, uint64_t count, size_t inflight,
                bench_lagger_t *lagger, bench_load_progress_fn *progress,
                uint64_t progress_every, void *arg,
                bench_load_result_t *result, char *errbuf, size_t errlen)
{
    assert (self && result && inflight > 0);
    memset (result, 0, sizeof *result);
    s_run_t run = { 0 };
    run.base = self->next_index;
    run.count = count;
    self->next_index += count;
    run.sent_at = (uint64_t *) calloc (count ? count : 1, sizeof (uint64_t));
    run.latency_ms = (double *) malloc ((count ? count : 1) * sizeof (double));
    run.outstanding = (size_t *) calloc (self->connections, sizeof (size_t));
    run.limit = (size_t *) calloc (self->connections, sizeof (size_t));
    int rc = -1;
    if (!run.sent_at || !run.latency_ms || !run.outstanding || !run.limit)
        snprintf (errbuf, errlen, "out of memory for %" PRIu64 " OPENs",
                  count);
    else {
        for (uint64_t index = 0; index < count; index++)
            run.latency_ms [index] = -1;
        //  The in-flight total, spread evenly; each connection at least 1
        for (size_t index = 0; index < self->connections; index++) {
            run.limit [index] = inflight / self->connections
                              + (index < inflight % self->connections);
            if (run.limit [index] == 0)
                run.limit [index] = 1;
        }
        uint64_t started = bench_now_us ();
        rc = s_loop (self, &run, lagger, progress, progress_every, arg,
                     errbuf, errlen);
        result->seconds = (double) (run.last_reply_us - started) / 1e6;
    }
    if (rc == 0 && count > 0) {
        result->requests = run.answered;
        result->per_s = result->seconds > 0
                      ? (double) run.answered / result->seconds : 0;
        result->max_ms = bench_max (run.latency_ms, count);
        result->p99_ms = bench_percentile (run.latency_ms, count, 99);
        result->p90_ms = bench_percentile (run.latency_ms, count, 90);
        result->p50_ms = bench_percentile (run.latency_ms, count, 50);
    }
    free (run.limit);
    free (run.outstanding);
    free (run.latency_ms);
    free (run.sent_at);
    return rc;
}

int64_t
bench_load_last_incident (bench_load_t *self)
{
    return self->last_incident;
}
