/*  imw_channel - one way of telling a person: the channels' interface

    The wrapper every channel shares: a name, the implementation's
    table and its state, and the one headline every human-facing
    channel shows, so chat and email say the same thing.
*/
#include "imw_classes.h"

struct _imw_channel_t {
    char name [IM_NOTIFY_NAME_MAX];     //  As the policy names it
    const imw_channel_ops_t *ops;       //  Implementation, static
    void *state;                        //  Its state, owned
};

imw_channel_t *
imw_channel_new (const char *name, const imw_channel_ops_t *ops,
                 void **state_p)
{
    assert (name && ops && state_p);
    imw_channel_t *self = (imw_channel_t *) calloc (1, sizeof (imw_channel_t));
    if (!self) {
        ops->destroy_fn (state_p);
        return NULL;
    }
    im_strlcpy (self->name, name, sizeof self->name);
    self->ops = ops;
    self->state = *state_p;
    *state_p = NULL;
    return self;
}

void
imw_channel_destroy (imw_channel_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_channel_t *self = *self_p;
        if (self->state)
            self->ops->destroy_fn (&self->state);
        free (self);
        *self_p = NULL;
    }
}

const char *
imw_channel_name (const imw_channel_t *self)
{
    assert (self);
    return self->name;
}

const char *
imw_channel_type (const imw_channel_t *self)
{
    assert (self);
    return self->ops->type;
}

int
imw_channel_send (imw_channel_t *self, const imw_notification_t *notification,
                  imw_channel_result_t *result)
{
    assert (self && notification && result);
    memset (result, 0, sizeof *result);
    return self->ops->send_fn (self->state, notification, result);
}

void
imw_channel_headline (const imw_notification_t *notification, char *text,
                      size_t size)
{
    assert (notification && text);
    char priority [8] = "";
    if (notification->request)
        snprintf (priority, sizeof priority, "SR ");
    else
    if (notification->priority >= 1 && notification->priority <= 5)
        snprintf (priority, sizeof priority, "P%d ", notification->priority);
    const char *title = notification->title ? notification->title : "";
    snprintf (text, size, "[imq] %s#%" PRIu64 "%s%s \xe2\x80\x94 %s", priority,
              notification->incident, *title ? " " : "", title,
              notification->reason);
}
