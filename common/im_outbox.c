/*  im_outbox - commands waiting for their answers, and when to resend

    Commands sit in one list in the order they were added, so sends and
    resends go out in the order their owner made them; a hash by request
    id finds the command an answer is for.
*/
#include "im_classes.h"
#include "im_outbox.h"

typedef struct {
    char verb [IM_PROTO_VERB_MAX];          //  Command verb
    char request_id [IM_REQUEST_ID_MAX];    //  Same on every (re)send
    im_fields_t *body;                      //  Arguments, owned
    uint64_t tag;                           //  The owner's, given back
    uint64_t due_ms;                        //  Next (re)send; 0: at once
    bool again;                             //  Last answer asked again
    void *handle;                           //  Its place in the list
} s_command_t;

struct _im_outbox_t {
    uint32_t resend_ms;                     //  Unanswered this long: again
    uint32_t retry_ms;                      //  After an "again" answer
    int flags;                              //  IM_OUTBOX_KEEP or 0
    zlistx_t *commands;                     //  s_command_t *, oldest first
    zhashx_t *by_id;                        //  request id -> list handle
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

im_outbox_t *
im_outbox_new (uint32_t resend_ms, uint32_t retry_ms, int flags)
{
    im_outbox_t *self = (im_outbox_t *) calloc (1, sizeof (im_outbox_t));
    if (!self)
        return NULL;
    self->resend_ms = resend_ms;
    self->retry_ms = retry_ms;
    self->flags = flags;
    self->commands = zlistx_new ();
    self->by_id = zhashx_new ();
    if (!self->commands || !self->by_id) {
        im_outbox_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->commands, s_command_destroy);
    return self;
}

void
im_outbox_destroy (im_outbox_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_outbox_t *self = *self_p;
        zhashx_destroy (&self->by_id);
        zlistx_destroy (&self->commands);
        free (self);
        *self_p = NULL;
    }
}

bool
im_outbox_again (int status)
{
    return status == IM_PROTO_NOT_LEADER || status == IM_PROTO_UNAVAILABLE
        || status == IM_PROTO_OUTCOME_UNKNOWN;
}

int
im_outbox_add (im_outbox_t *self, const char *verb, const char *request_id,
               im_fields_t **body_p, uint64_t tag)
{
    assert (self);
    assert (verb && request_id && body_p);
    if (zhashx_lookup (self->by_id, request_id))
        return IM_EEXIST;
    s_command_t *command = (s_command_t *) calloc (1, sizeof (s_command_t));
    if (!command)
        return IM_ENOMEM;
    if (im_strlcpy (command->verb, verb, sizeof command->verb)
    ||  im_strlcpy (command->request_id, request_id,
                    sizeof command->request_id)) {
        free (command);
        return IM_EINVAL;
    }
    command->handle = zlistx_add_end (self->commands, command);
    if (!command->handle) {
        free (command);
        return IM_ENOMEM;
    }
    zhashx_insert (self->by_id, command->request_id, command->handle);
    command->body = *body_p;
    *body_p = NULL;
    command->tag = tag;
    return 0;
}

bool
im_outbox_has (im_outbox_t *self, const char *request_id)
{
    assert (self);
    return zhashx_lookup (self->by_id, request_id) != NULL;
}

size_t
im_outbox_send_due (im_outbox_t *self, uint64_t now_ms, size_t again_max,
                    im_outbox_send_fn *send_fn, void *arg)
{
    assert (self);
    assert (send_fn);
    size_t sent = 0;
    size_t again_sent = 0;
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    for (; command; command = (s_command_t *) zlistx_next (self->commands)) {
        if (command->due_ms > now_ms)
            continue;
        if (command->again && again_max && again_sent >= again_max)
            continue;               //  Refused for now: a few at a time
        if (send_fn (arg, command->verb, command->request_id,
                     command->body))
            break;                  //  Nothing goes now: stays due
        if (command->again)
            again_sent++;
        command->again = false;
        command->due_ms = now_ms + self->resend_ms;
        sent++;
    }
    return sent;
}

bool
im_outbox_due (im_outbox_t *self, uint64_t now_ms)
{
    return im_outbox_next_due (self) <= now_ms;
}

uint64_t
im_outbox_next_due (im_outbox_t *self)
{
    assert (self);
    uint64_t next = UINT64_MAX;
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    for (; command; command = (s_command_t *) zlistx_next (self->commands))
        if (command->due_ms < next)
            next = command->due_ms;
    return next;
}

int
im_outbox_due_at (im_outbox_t *self, const char *request_id, uint64_t at_ms)
{
    assert (self);
    void *handle = zhashx_lookup (self->by_id, request_id);
    if (!handle)
        return IM_ENOTFOUND;
    s_command_t *command = (s_command_t *) zlistx_handle_item (handle);
    command->due_ms = at_ms;
    return 0;
}

//  True when status ends a command: an answer the same request cannot
//  change, whatever node it goes to
static bool
s_final (im_outbox_t *self, int status)
{
    if (self->flags & IM_OUTBOX_KEEP)
        return status >= 200 && status < 500 && status != IM_PROTO_NOT_LEADER;
    return !im_outbox_again (status);
}

int
im_outbox_answer (im_outbox_t *self, const char *request_id, int status,
                  uint64_t now_ms, uint64_t *tag_p)
{
    assert (self);
    assert (request_id && tag_p);
    *tag_p = 0;
    void *handle = zhashx_lookup (self->by_id, request_id);
    if (!handle)
        return IM_ENOTFOUND;
    s_command_t *command = (s_command_t *) zlistx_handle_item (handle);
    if (!s_final (self, status)) {
        command->again = true;
        command->due_ms = now_ms + self->retry_ms;
        return IM_EBUSY;
    }
    *tag_p = command->tag;
    zhashx_delete (self->by_id, request_id);
    zlistx_delete (self->commands, handle);
    return 0;
}

void
im_outbox_remove_if (im_outbox_t *self,
                     bool (*accept_fn) (uint64_t tag, void *arg), void *arg)
{
    assert (self);
    assert (accept_fn);
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    while (command) {
        void *handle = zlistx_cursor (self->commands);
        s_command_t *next = (s_command_t *) zlistx_next (self->commands);
        if (accept_fn (command->tag, arg)) {
            zhashx_delete (self->by_id, command->request_id);
            zlistx_delete (self->commands, handle);
        }
        command = next;
    }
}

size_t
im_outbox_size (im_outbox_t *self)
{
    assert (self);
    return zlistx_size (self->commands);
}

const char *
im_outbox_first (im_outbox_t *self)
{
    assert (self);
    s_command_t *command = (s_command_t *) zlistx_first (self->commands);
    return command ? command->request_id : NULL;
}

const char *
im_outbox_next (im_outbox_t *self)
{
    assert (self);
    s_command_t *command = (s_command_t *) zlistx_next (self->commands);
    return command ? command->request_id : NULL;
}
