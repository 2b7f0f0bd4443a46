/*  imw_channel_file - the file sink behind the channel interface

    imw_sink writes one line per (event, recipient) in the recipient's
    file and never a second one, so this channel is idempotent by
    itself; it is the default channel of everyone the policy does not
    list, and where low-urgency news goes during quiet hours.
*/
#include "imw_classes.h"

static int
s_send (void *state, const imw_notification_t *notification,
        imw_channel_result_t *result)
{
    imw_sink_t *sink = (imw_sink_t *) state;
    bool written = false;
    int rc = imw_sink_write (sink, notification->recipient,
                             notification->incident, notification->reason,
                             notification->about_seq,
                             notification->title ? notification->title : "",
                             result->target, sizeof result->target, &written);
    if (rc == IM_ENOMEM)
        return rc;
    if (rc) {
        result->retryable = true;
        im_strlcpy (result->reason, "cannot write the file (see the log)",
                    sizeof result->reason);
        return 0;
    }
    result->delivered = true;
    snprintf (result->reason, sizeof result->reason, "%s",
              written ? "written" : "already written");
    return 0;
}

static void
s_destroy (void **state_p)
{
    imw_sink_t *sink = (imw_sink_t *) *state_p;
    imw_sink_destroy (&sink);
    *state_p = NULL;
}

static const imw_channel_ops_t s_ops = {
    .type = "file",
    .send_fn = s_send,
    .destroy_fn = s_destroy,
};

imw_channel_t *
imw_channel_file_new (const char *name, const char *dir)
{
    assert (name && dir);
    void *state = imw_sink_new (dir);
    if (!state)
        return NULL;
    return imw_channel_new (name, &s_ops, &state);
}
