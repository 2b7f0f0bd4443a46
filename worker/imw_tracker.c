/*  imw_tracker - the worker's commands in flight, and when to ack

    Commands wait in an outbox, in the order a handler emitted them,
    each tagged with the event it answers; a hash by seq counts what
    each event still waits for.
*/
#include "imw_classes.h"

typedef struct {
    uint64_t seq;                           //  Delivered event
    size_t remaining;                       //  Commands not yet answered
} s_event_t;

//  A command built from output, before it joins the outbox
typedef struct {
    char request_id [IM_REQUEST_ID_MAX];    //  Same on every (re)send
    im_fields_t *body;                      //  Arguments + header keys
} s_built_t;

struct _imw_tracker_t {
    char group [IM_PROTO_GROUP_MAX];        //  Starts every request id
    char actor [IM_ACTOR_MAX];              //  Put into every body
    im_outbox_t *outbox;                    //  Commands, tag: seq (0 for
                                            //  a timer's), owned
    zhashx_t *events;                       //  "seq" -> s_event_t *, owned
};

static void
s_event_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_seq_key (uint64_t seq, char *key, size_t size)
{
    snprintf (key, size, "%" PRIu64, seq);
}

imw_tracker_t *
imw_tracker_new (const char *group, const char *actor, uint32_t resend_ms)
{
    assert (group && actor);
    imw_tracker_t *self = (imw_tracker_t *) calloc (1, sizeof (imw_tracker_t));
    if (!self)
        return NULL;
    im_strlcpy (self->group, group, sizeof self->group);
    im_strlcpy (self->actor, actor, sizeof self->actor);
    //  A command the broker could not take is resent after a pause, not
    //  at once, so a busy broker is not hammered
    self->outbox = im_outbox_new (resend_ms, resend_ms, IM_OUTBOX_KEEP);
    self->events = zhashx_new ();
    if (!self->outbox || !self->events) {
        imw_tracker_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->events, s_event_destroy);
    return self;
}

void
imw_tracker_destroy (imw_tracker_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_tracker_t *self = *self_p;
        zhashx_destroy (&self->events);
        im_outbox_destroy (&self->outbox);
        free (self);
        *self_p = NULL;
    }
}

//  Builds the request id and body of output entry index into built.
//  Returns 0, or -1 when its request id does not fit or memory ran out.
static int
s_build (imw_tracker_t *self, uint64_t seq, const imw_output_t *output,
         size_t index, s_built_t *built)
{
    const char *key = imw_output_key (output, index);
    int length = seq
        ? snprintf (built->request_id, sizeof built->request_id,
                    "%s:%" PRIu64 ":%s", self->group, seq, key)
        : snprintf (built->request_id, sizeof built->request_id,
                    "%s", key);
    built->body = im_fields_dup (imw_output_args (output, index));
    if (length < 0 || (size_t) length >= sizeof built->request_id
    ||  !built->body
    ||  im_fields_set_int (built->body, IM_KEY_INCIDENT,
                           (int64_t) imw_output_incident (output, index))
    ||  im_fields_set_str (built->body, IM_KEY_ACTOR, self->actor)
    ||  im_fields_set_int (built->body, IM_KEY_CAUSATION, (int64_t) seq))
        return -1;
    return 0;
}

int
imw_tracker_add (imw_tracker_t *self, uint64_t seq, imw_output_t *output)
{
    assert (self);
    assert (output);
    size_t size = imw_output_size (output);
    if (seq && imw_tracker_has_event (self, seq))
        return IM_EEXIST;
    if (seq && size == 0)
        return IM_EINVAL;

    //  Build them all first, so a bad one leaves the tracker unchanged
    s_event_t *event = NULL;
    if (seq) {
        event = (s_event_t *) calloc (1, sizeof (s_event_t));
        if (!event)
            return IM_ENOMEM;
        event->seq = seq;
    }
    s_built_t *built = (s_built_t *) calloc (size + 1, sizeof *built);
    if (!built) {
        free (event);
        return IM_ENOMEM;
    }
    int rc = 0;
    for (size_t index = 0; index < size && rc == 0; index++)
        if (s_build (self, seq, output, index, &built [index]))
            rc = IM_EINVAL;
    size_t added = 0;
    for (size_t index = 0; index < size && rc == 0; index++) {
        int added_rc = im_outbox_add (self->outbox,
                                      imw_output_verb (output, index),
                                      built [index].request_id,
                                      &built [index].body, seq);
        if (added_rc == 0)
            added++;
        else
        if (added_rc != IM_EEXIST)  //  A repeat: the pending one answers
            rc = added_rc;
    }
    for (size_t index = 0; index < size; index++)
        im_fields_destroy (&built [index].body);
    free (built);
    if (rc == 0 && event) {
        event->remaining = added;
        char key [24];
        s_seq_key (seq, key, sizeof key);
        zhashx_insert (self->events, key, event);
        event = NULL;
    }
    free (event);
    if (rc == 0)
        imw_output_clear (output);
    return rc;
}

bool
imw_tracker_has_event (imw_tracker_t *self, uint64_t seq)
{
    assert (self);
    char key [24];
    s_seq_key (seq, key, sizeof key);
    return zhashx_lookup (self->events, key) != NULL;
}

size_t
imw_tracker_send_due (imw_tracker_t *self, uint64_t now_ms,
                      imw_tracker_send_fn *send_fn, void *arg)
{
    assert (self);
    return im_outbox_send_due (self->outbox, now_ms, 0, send_fn, arg);
}

int
imw_tracker_answer (imw_tracker_t *self, const char *request_id,
                    int status, uint64_t now_ms, uint64_t *ack_seq,
                    bool *timer)
{
    assert (self);
    assert (request_id && ack_seq && timer);
    *ack_seq = 0;
    *timer = false;
    uint64_t seq = 0;
    int rc = im_outbox_answer (self->outbox, request_id, status, now_ms,
                               &seq);
    if (rc)
        return rc;
    *timer = seq == 0;
    if (seq) {
        char key [24];
        s_seq_key (seq, key, sizeof key);
        s_event_t *event = (s_event_t *) zhashx_lookup (self->events, key);
        if (event && --event->remaining == 0) {
            *ack_seq = seq;
            zhashx_delete (self->events, key);
        }
    }
    return 0;
}

//  True for the commands of a delivered event, not a timer's
static bool
s_of_event (uint64_t seq, void *arg)
{
    (void) arg;
    return seq != 0;
}

void
imw_tracker_drop_events (imw_tracker_t *self)
{
    assert (self);
    im_outbox_remove_if (self->outbox, s_of_event, NULL);
    zhashx_purge (self->events);
}

size_t
imw_tracker_events (imw_tracker_t *self)
{
    assert (self);
    return zhashx_size (self->events);
}

size_t
imw_tracker_commands (imw_tracker_t *self)
{
    assert (self);
    return im_outbox_size (self->outbox);
}
