/*  imw_tracker - the worker's commands in flight, and when to ack

    Commands sit in one list in the order they were added, so sends and
    resends go out in the order a handler emitted them; a hash by
    request id finds the command a reply answers, and a hash by seq
    counts what each event still waits for.
*/
#include "imw_classes.h"

typedef struct {
    char verb [IM_PROTO_VERB_MAX];          //  Command verb
    char request_id [IM_REQUEST_ID_MAX];    //  Same on every (re)send
    im_fields_t *body;                      //  Arguments + header keys, owned
    uint64_t seq;                           //  Event it answers, 0: timer
    uint64_t due_ms;                        //  Next (re)send; 0 = at once
    void *handle;                           //  Its place in the list
} s_command_t;

typedef struct {
    uint64_t seq;                           //  Delivered event
    size_t remaining;                       //  Commands not yet answered
} s_event_t;

struct _imw_tracker_t {
    char group [IM_PROTO_GROUP_MAX];        //  Starts every request id
    char actor [IM_ACTOR_MAX];              //  Put into every body
    uint32_t resend_ms;                     //  Wait for a reply this long
    zlistx_t *commands;                     //  s_command_t *, oldest first
    zhashx_t *by_id;                        //  request id -> list handle
    zhashx_t *events;                       //  "seq" -> s_event_t *, owned
};

static void
s_command_destroy (void **item_p)
{
    s_command_t *command = (s_command_t *) *item_p;
    if (command) {
        im_fields_destroy (&command->body);
        free (command);
        *item_p = NULL;
    }
}

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
    self->resend_ms = resend_ms;
    self->commands = zlistx_new ();
    self->by_id = zhashx_new ();
    self->events = zhashx_new ();
    if (!self->commands || !self->by_id || !self->events) {
        imw_tracker_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->commands, s_command_destroy);
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
        zhashx_destroy (&self->by_id);
        zlistx_destroy (&self->commands);
        free (self);
        *self_p = NULL;
    }
}

//  Builds one command from output entry index; returns NULL when its
//  request id does not fit or memory ran out
static s_command_t *
s_command_build (imw_tracker_t *self, uint64_t seq,
                 const imw_output_t *output, size_t index)
{
    s_command_t *command = (s_command_t *) calloc (1, sizeof (s_command_t));
    if (!command)
        return NULL;
    const char *key = imw_output_key (output, index);
    int length = seq
        ? snprintf (command->request_id, sizeof command->request_id,
                    "%s:%" PRIu64 ":%s", self->group, seq, key)
        : snprintf (command->request_id, sizeof command->request_id,
                    "%s", key);
    im_strlcpy (command->verb, imw_output_verb (output, index),
                sizeof command->verb);
    command->seq = seq;
    command->body = im_fields_dup (imw_output_args (output, index));
    if (length < 0 || (size_t) length >= sizeof command->request_id
    ||  !command->body
    ||  im_fields_set_int (command->body, IM_KEY_INCIDENT,
                           (int64_t) imw_output_incident (output, index))
    ||  im_fields_set_str (command->body, IM_KEY_ACTOR, self->actor)
    ||  im_fields_set_int (command->body, IM_KEY_CAUSATION, (int64_t) seq)) {
        void *item = command;
        s_command_destroy (&item);
        return NULL;
    }
    return command;
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
    s_command_t **built = (s_command_t **) calloc (size + 1, sizeof *built);
    if (!built) {
        free (event);
        return IM_ENOMEM;
    }
    int rc = 0;
    for (size_t index = 0; index < size && rc == 0; index++) {
        built [index] = s_command_build (self, seq, output, index);
        if (!built [index])
            rc = IM_EINVAL;
    }
    size_t added = 0;
    for (size_t index = 0; index < size && rc == 0; index++) {
        s_command_t *command = built [index];
        if (zhashx_lookup (self->by_id, command->request_id))
            continue;               //  A repeat: the pending one answers
        command->handle = zlistx_add_end (self->commands, command);
        zhashx_insert (self->by_id, command->request_id, command->handle);
        built [index] = NULL;
        added++;
    }
    for (size_t index = 0; index < size; index++) {
        void *item = built [index];
        s_command_destroy (&item);
    }
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
    assert (send_fn);
    size_t sent = 0;
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    while (command) {
        if (command->due_ms <= now_ms) {
            send_fn (arg, command->verb, command->request_id, command->body);
            command->due_ms = now_ms + self->resend_ms;
            sent++;
        }
        command = (s_command_t *) zlistx_next (self->commands);
    }
    return sent;
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
    void *handle = zhashx_lookup (self->by_id, request_id);
    if (!handle)
        return IM_ENOTFOUND;
    s_command_t *command = (s_command_t *) zlistx_handle_item (handle);
    if (status == IM_PROTO_NOT_LEADER || status >= 500 || status < 200) {
        //  Not applied: resend after a pause, not at once, so a busy
        //  broker is not hammered
        command->due_ms = now_ms + self->resend_ms;
        return IM_EBUSY;
    }
    uint64_t seq = command->seq;
    *timer = seq == 0;
    zhashx_delete (self->by_id, request_id);
    zlistx_delete (self->commands, handle);
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

void
imw_tracker_drop_events (imw_tracker_t *self)
{
    assert (self);
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    while (command) {
        void *handle = zlistx_cursor (self->commands);
        s_command_t *next = (s_command_t *) zlistx_next (self->commands);
        if (command->seq) {
            zhashx_delete (self->by_id, command->request_id);
            zlistx_delete (self->commands, handle);
        }
        command = next;
    }
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
    return zlistx_size (self->commands);
}
