/*  imw_worker - the shared skeleton of every worker process

    One thread, one zpoller over two sockets: the stream DEALER and the
    command client's DEALER. Every pass of the loop also runs what is due
    by the clock: handler retries, the role's timer, command resends and
    the heartbeat. Untrusted bytes are decoded by im_proto and im_event
    only; a message that does not decode is logged and, when it names a
    seq, acknowledged, so one bad event cannot wedge the stream.
*/
#include "imw_classes.h"

#define IMW_CURVE_WAIT_MS   60000   //  Longest wait for certificates
#define IMW_DRAIN_MAX   256             //  Messages per socket per pass

typedef struct {
    uint64_t seq;                       //  Delivered event
    zframe_t *frame;                    //  Its bytes, owned
    uint64_t due_ms;                    //  When to call the handler again
} s_retry_t;

struct _imw_worker_t {
    const imw_role_t *role;             //  Role table, borrowed
    void *state;                        //  Role state, borrowed
    const imw_options_t *options;       //  Flags and config, borrowed
    im_client_t *client;                //  Commands, sent asynchronously
    im_client_t *query;                 //  Synchronous queries of the role
    imw_stream_t *stream;               //  The event stream, or NULL
    zpoller_t *poller;                  //  Over client and stream sockets
    imw_tracker_t *tracker;             //  Commands in flight
    imw_policy_t *policy;               //  Follows the replicated policy,
                                        //  or NULL
    imw_output_t *output;               //  Scratch list for the role
    im_event_t *event;                  //  Scratch decoded event
    zlistx_t *retries;                  //  s_retry_t *, handler asked again
    uint64_t tick_ms;                   //  Monotonic: next role tick
    imw_clock_t clock;                  //  Wall time the role's timer
                                        //  sees; real unless a test sets it
};

static void
s_retry_destroy (void **item_p)
{
    s_retry_t *retry = (s_retry_t *) *item_p;
    if (retry) {
        zframe_destroy (&retry->frame);
        free (retry);
        *item_p = NULL;
    }
}

//  A client of the client endpoint, with the worker's identity
static im_client_t *
s_client_new (const imw_options_t *options)
{
    return options->curve
        ? im_client_new_curve (options->client_endpoint,
                               IMW_QUERY_TIMEOUT_MS, options->curve)
        : im_client_new_plain (options->client_endpoint,
                               IMW_QUERY_TIMEOUT_MS);
}

imw_worker_t *
imw_worker_new (const imw_role_t *role, void *state,
                const imw_options_t *options, im_policy_t *policy)
{
    assert (role && role->handle_fn && options);
    imw_worker_t *self = (imw_worker_t *) calloc (1, sizeof (imw_worker_t));
    if (!self)
        return NULL;
    self->role = role;
    self->state = state;
    self->options = options;
    self->clock = imw_clock_real ();
    self->client = s_client_new (options);
    self->query = s_client_new (options);
    self->tracker = imw_tracker_new (role->group, role->name, IMW_RESEND_MS);
    self->output = imw_output_new ();
    self->event = im_event_new ();
    self->retries = zlistx_new ();
    self->policy = policy ? imw_policy_new (policy) : NULL;
    if (!self->client || !self->query || !self->tracker || !self->output
    ||  !self->event || !self->retries || (policy && !self->policy)) {
        zsys_error ("%s: cannot set up '%s'", role->name,
                    options->client_endpoint);
        imw_worker_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->retries, s_retry_destroy);
    return self;
}

void
imw_worker_destroy (imw_worker_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_worker_t *self = *self_p;
        zpoller_destroy (&self->poller);
        imw_stream_destroy (&self->stream);
        zlistx_destroy (&self->retries);
        im_event_destroy (&self->event);
        imw_output_destroy (&self->output);
        imw_policy_destroy (&self->policy);
        imw_tracker_destroy (&self->tracker);
        im_client_destroy (&self->query);
        im_client_destroy (&self->client);
        free (self);
        *self_p = NULL;
    }
}

static void
s_ack (imw_worker_t *self, uint64_t seq)
{
    if (self->options->verbose)
        zsys_debug ("%s: ACK %" PRIu64, self->role->name, seq);
    imw_stream_ack (self->stream, seq);
}

//  After the stream got a new socket: poll that one, and forget the
//  events in flight, which the broker redelivers
static int
s_stream_reset (imw_worker_t *self)
{
    imw_tracker_drop_events (self->tracker);
    zlistx_purge (self->retries);
    zpoller_destroy (&self->poller);
    self->poller = zpoller_new (im_client_sock (self->client),
                                imw_stream_sock (self->stream), NULL);
    return self->poller ? 0 : IM_ENOMEM;
}

static int
s_send_command (void *arg, const char *verb, const char *request_id,
                const im_fields_t *body)
{
    imw_worker_t *self = (imw_worker_t *) arg;
    if (self->options->verbose)
        zsys_debug ("%s: send %s %s", self->role->name, verb, request_id);
    return im_client_send (self->client, verb, request_id, body);
}

//  Runs the handler on one event; returns true when it is to be retried
static bool
s_handle (imw_worker_t *self, uint64_t seq, zframe_t *frame)
{
    const char *name = self->role->name;
    char errbuf [256] = "";
    if (im_event_decode (self->event, zframe_data (frame), zframe_size (frame),
                         errbuf, sizeof errbuf)) {
        zsys_warning ("%s: seq %" PRIu64 ": bad event (%s), skipped",
                      name, seq, errbuf);
        s_ack (self, seq);
        return false;
    }
    if (self->event->seq != seq)
        zsys_warning ("%s: DELIVER seq %" PRIu64 " holds event seq %" PRIu64,
                      name, seq, self->event->seq);
    imw_output_clear (self->output);
    int rc = self->policy
           ? imw_policy_follow (self->policy, self->event, self->query) : 0;
    if (rc == IM_ECONFIG)
        rc = 0;                     //  Logged; handled under what is there
    if (rc == 0)
        rc = self->role->handle_fn (self->state, self->event, self->output);
    const char *type = im_event_type_name (self->event->type);
    if (rc == IM_ETIMEOUT || rc == IM_EBUSY || rc == IM_EIO) {
        zsys_warning ("%s: seq %" PRIu64 " (%s): %s, will retry", name, seq,
                      type, im_strerror (rc));
        imw_output_clear (self->output);
        return true;
    }
    if (rc == 0 && imw_output_size (self->output) > 0)
        rc = imw_tracker_add (self->tracker, seq, self->output);
    if (rc)
        zsys_error ("%s: seq %" PRIu64 " (%s): %s, skipped", name, seq, type,
                    im_strerror (rc));
    if (rc || !imw_tracker_has_event (self->tracker, seq))
        s_ack (self, seq);          //  Nothing to wait for
    else                            //  Send at once, not at the next pass
        imw_tracker_send_due (self->tracker, im_mono_ms (), s_send_command,
                              self);
    imw_output_clear (self->output);
    return false;
}

static void
s_deliver (imw_worker_t *self, uint64_t seq, zframe_t **frame_p)
{
    bool held = imw_tracker_has_event (self->tracker, seq);
    s_retry_t *retry = (s_retry_t *) zlistx_first (self->retries);
    for (; retry && !held; retry = (s_retry_t *) zlistx_next (self->retries))
        held = retry->seq == seq;
    if (held) {                     //  Acked when its commands are done
        zsys_info ("%s: seq %" PRIu64 " delivered again while held",
                   self->role->name, seq);
        return;
    }
    if (self->options->verbose)
        zsys_debug ("%s: DELIVER %" PRIu64, self->role->name, seq);
    if (s_handle (self, seq, *frame_p)) {
        retry = (s_retry_t *) calloc (1, sizeof (s_retry_t));
        if (!retry)
            return;                 //  Redelivered after a reconnect
        retry->seq = seq;
        retry->frame = *frame_p;
        *frame_p = NULL;
        retry->due_ms = im_mono_ms () + IMW_RESEND_MS;
        zlistx_add_end (self->retries, retry);
    }
}

static void
s_recv_stream (imw_worker_t *self)
{
    bool reconnected = false;
    im_wmsg_t *wmsg = imw_stream_recv (self->stream, &reconnected);
    if (wmsg)
        s_deliver (self, wmsg->seq, &wmsg->event);
    if (reconnected)
        s_stream_reset (self);
    im_wmsg_destroy (&wmsg);
}

static void
s_recv_reply (imw_worker_t *self)
{
    im_reply_t *reply = im_client_recv (self->client, false);
    if (!reply) {
        zsys_warning ("%s: malformed reply: %s", self->role->name,
                      im_client_errmsg (self->client));
        return;
    }
    uint64_t ack_seq = 0;
    bool timer = false;
    int rc = imw_tracker_answer (self->tracker, reply->request_id,
                                 reply->status, im_mono_ms (),
                                 &ack_seq, &timer);
    const char *error = reply->body
        ? im_fields_str_or (reply->body, IM_KEY_ERROR, "") : "";
    if (rc == IM_EBUSY)
        zsys_info ("%s: %s answered %d %s, will resend", self->role->name,
                   reply->request_id, reply->status, error);
    else
    if (rc == 0 && reply->status == IM_PROTO_CONFLICT)
        zsys_info ("%s: %s refused: 409 %s", self->role->name,
                   reply->request_id, error);
    else
    if (rc == 0 && reply->status >= 300)
        zsys_warning ("%s: %s refused: %d %s", self->role->name,
                      reply->request_id, reply->status, error);
    else
    if (self->options->verbose)
        zsys_debug ("%s: %s answered %d", self->role->name,
                    reply->request_id, reply->status);
    if (rc == 0 && timer && self->role->answered_fn)
        self->role->answered_fn (self->state, reply->request_id,
                                 reply->status);
    if (ack_seq)
        s_ack (self, ack_seq);
    im_reply_destroy (&reply);
}

//  Runs everything the clock has made due
static void
s_run_due (imw_worker_t *self)
{
    uint64_t now = im_mono_ms ();
    s_retry_t *retry = (s_retry_t *) zlistx_first (self->retries);
    while (retry) {
        void *handle = zlistx_cursor (self->retries);
        s_retry_t *next = (s_retry_t *) zlistx_next (self->retries);
        if (retry->due_ms <= now) {
            if (s_handle (self, retry->seq, retry->frame))
                retry->due_ms = now + IMW_RESEND_MS;
            else
                zlistx_delete (self->retries, handle);
        }
        retry = next;
    }
    //  The role's timer on the interval, and as soon as its next work
    //  is due (the poll waited until then, s_wait_ms)
    uint64_t wall = imw_clock_now (&self->clock);
    bool due = self->role->next_fn
            && self->role->next_fn (self->state) <= wall;
    if (self->role->tick_fn && (now >= self->tick_ms || due)) {
        self->tick_ms = now + IMW_TICK_MS;
        imw_output_clear (self->output);
        self->role->tick_fn (self->state, wall, self->output);
        if (imw_output_size (self->output) > 0
        &&  imw_tracker_add (self->tracker, 0, self->output))
            zsys_error ("%s: timer command not sent", self->role->name);
        imw_output_clear (self->output);
    }
    imw_tracker_send_due (self->tracker, now, s_send_command, self);
    if (imw_stream_heartbeat (self->stream, now))
        s_stream_reset (self);
}

//  Calls the role's start function until it succeeds; false if stopped
static bool
s_start (imw_worker_t *self)
{
    if (!self->role->start_fn)
        return true;
    while (!zsys_interrupted) {
        int rc = self->role->start_fn (self->state, self->query);
        if (rc == 0)
            return true;
        if (zsys_interrupted)
            break;
        zsys_warning ("%s: start: %s, retrying", self->role->name,
                      im_strerror (rc));
        for (int pause = 0; pause < 10 && !zsys_interrupted; pause++)
            zclock_sleep (IMW_RESEND_MS / 10);
    }
    return false;
}

int
imw_worker_open (imw_worker_t *self)
{
    assert (self);
    if (!s_start (self))
        return IM_EIO;
    self->stream = imw_stream_new (self->role->group, self->options);
    if (!self->stream || s_stream_reset (self))
        return IM_EINVAL;
    zsys_notice ("%s: instance %s reading group '%s' from %s, credit %u",
                 self->role->name, self->options->instance, self->role->group,
                 self->options->worker_endpoint, self->options->credit);
    return 0;
}

//  How long the poll may wait: timeout_ms, at most IMW_TICK_MS / 2 for
//  resends and heartbeats, and not past the role's next work
static int
s_wait_ms (imw_worker_t *self, int timeout_ms)
{
    if (timeout_ms < 0 || timeout_ms > IMW_TICK_MS / 2)
        timeout_ms = IMW_TICK_MS / 2;
    if (self->role->tick_fn && self->role->next_fn) {
        uint64_t next = self->role->next_fn (self->state);
        uint64_t wall = imw_clock_now (&self->clock);
        if (next <= wall)
            return 0;
        if (next - wall < (uint64_t) timeout_ms)
            timeout_ms = (int) (next - wall);
    }
    return timeout_ms;
}

void
imw_worker_set_clock (imw_worker_t *self, imw_clock_t clock)
{
    assert (self && clock.now_fn);
    self->clock = clock;
}

int
imw_worker_step (imw_worker_t *self, int timeout_ms)
{
    assert (self && self->stream);
    zsock_t *client_sock = im_client_sock (self->client);
    void *which = zpoller_wait (self->poller, s_wait_ms (self, timeout_ms));
    if (zpoller_terminated (self->poller))
        return IM_EIO;
    //  Drain both sockets, a bounded number each, then the clock's work
    for (int count = 0; count < IMW_DRAIN_MAX && which; count++) {
        which = NULL;
        zsock_t *stream_sock = imw_stream_sock (self->stream);
        if (stream_sock && (zsock_events (stream_sock) & ZMQ_POLLIN)) {
            s_recv_stream (self);
            which = self;
        }
        if (zsock_events (client_sock) & ZMQ_POLLIN) {
            s_recv_reply (self);
            which = self;
        }
    }
    s_run_due (self);
    return 0;
}

void
imw_worker_close (imw_worker_t *self)
{
    assert (self);
    if (!self->stream)
        return;
    imw_stream_disconnect (self->stream);
    zsys_notice ("%s: stopped, %zu events in flight left for redelivery",
                 self->role->name, imw_tracker_events (self->tracker));
}

int
imw_worker_run (imw_worker_t *self)
{
    assert (self);
    int rc = imw_worker_open (self);
    if (rc)
        return zsys_interrupted ? 0 : rc;
    while (!zsys_interrupted && imw_worker_step (self, IMW_TICK_MS / 2) == 0)
        ;
    imw_worker_close (self);
    return 0;
}

//  The worker's identity (security.cert, else <keys>/<name>.key_secret),
//  once it and the key of the node it connects to first are there: a
//  worker started beside a broker's first start waits for the broker to
//  make them, as it waits for the broker to answer. NULL after
//  IMW_CURVE_WAIT_MS, or when interrupted.
static im_curve_t *
s_curve_wait (const imw_options_t *options, const imw_role_t *role)
{
    char path [IM_CONFIG_PATH_MAX + 80], errbuf [512] = "";
    if (*options->config.cert)
        im_strlcpy (path, options->config.cert, sizeof path);
    else
        snprintf (path, sizeof path, "%s/%s.key_secret",
                  options->config.keys_dir, role->name);
    char first [IM_CONFIG_PATH_MAX];
    im_strlcpy (first, options->worker_endpoint, sizeof first);
    first [strcspn (first, ", ")] = 0;
    uint64_t started = im_mono_ms ();
    bool said = false;
    while (!zsys_interrupted) {
        im_curve_t *curve = im_curve_new (path, options->config.keys_dir,
                                          errbuf, sizeof errbuf);
        zsock_t *probe = curve ? zsock_new (ZMQ_DEALER) : NULL;
        bool ready = probe && im_curve_client (curve, probe, first, errbuf,
                                               sizeof errbuf) == 0;
        zsock_destroy (&probe);
        if (ready)
            return curve;
        im_curve_destroy (&curve);
        if (im_mono_ms () - started > IMW_CURVE_WAIT_MS) {
            zsys_error ("%s: %s", role->name, errbuf);
            return NULL;
        }
        if (!said)
            zsys_notice ("%s: waiting for its certificate: %s", role->name,
                         errbuf);
        said = true;
        zclock_sleep (200);
    }
    return NULL;
}

int
imw_worker_main (int argc, char *argv [], const imw_role_t *role)
{
    assert (role);
    imw_options_t *options = (imw_options_t *) calloc (1, sizeof *options);
    if (!options)
        return 1;
    int rc = imw_options_parse (options, role, argc, argv, stderr);
    if (rc) {
        free (options);
        return rc == IMW_HELP ? 0 : 2;
    }
    zsys_init ();                   //  Catches SIGINT and SIGTERM
    zsys_set_logident (role->program);
    zsys_set_logstream (stderr);
    im_log_set_ident (role->program);
    int status = 1;
    //  With CURVE the worker proves it is one of its kind: its own
    //  certificate (security.cert, else <keys>/<name>.key_secret), whose
    //  roles must name its group
    im_curve_t *curve = NULL;
    if (options->config.curve) {
        curve = s_curve_wait (options, role);
        if (!curve) {
            free (options);
            return 1;
        }
        options->curve = curve;
    }
    void *state = role->new_fn (&options->config, &options->policy);
    imw_worker_t *worker = state
        ? imw_worker_new (role, state, options, &options->policy) : NULL;
    if (worker && imw_worker_run (worker) == 0)
        status = 0;
    imw_worker_destroy (&worker);
    if (state)
        role->destroy_fn (&state);
    im_curve_destroy (&curve);
    free (options);
    return status;
}
