/*  imw_channels - the notifier's channels, made from the policy, and
    whom each notification goes through

    Channels are rebuilt whole when the policy's version changes: the
    set is small, and a channel whose URL or secret changed must not
    keep the old one.
*/
#include "imw_classes.h"

struct _imw_channels_t {
    imw_channel_t *file;                //  The file channel, owned
    zhashx_t *others;                   //  name -> imw_channel_t, owned
    bool synced;                        //  Made from a policy yet
    uint64_t version;                   //  Of that policy
};

static void
s_channel_destroy (void **item_p)
{
    imw_channel_destroy ((imw_channel_t **) item_p);
}

imw_channels_t *
imw_channels_new (const char *sink_dir)
{
    assert (sink_dir);
    imw_channels_t *self =
        (imw_channels_t *) calloc (1, sizeof (imw_channels_t));
    if (!self)
        return NULL;
    self->file = imw_channel_file_new (IM_NOTIFY_FILE, sink_dir);
    self->others = zhashx_new ();
    if (!self->file || !self->others) {
        imw_channels_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->others, s_channel_destroy);
    return self;
}

void
imw_channels_destroy (imw_channels_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_channels_t *self = *self_p;
        zhashx_destroy (&self->others);
        imw_channel_destroy (&self->file);
        free (self);
        *self_p = NULL;
    }
}

//  Makes the network channel def describes, or NULL with the reason
//  logged
static imw_channel_t *
s_make (const im_notify_channel_t *def)
{
    uint32_t connect_ms = def->connect_timeout_ms
                        ? def->connect_timeout_ms : IM_NOTIFY_CONNECT_MS;
    uint32_t timeout_ms = def->timeout_ms ? def->timeout_ms
                                          : IM_NOTIFY_TIMEOUT_MS;
    if (streq (def->type, "webhook")) {
        char variable [IM_NOTIFY_NAME_MAX + 16] = "IMQ_SECRET_";
        size_t at = strlen (variable);
        for (const char *name = def->secret; *name; name++)
            variable [at++] = *name == '-' ? '_'
                            : (char) toupper ((unsigned char) *name);
        variable [at] = 0;
        const char *secret = getenv (variable);
        if (!secret || !*secret) {
            zsys_error ("notifier: channel %s: %s is not set: the webhook "
                        "cannot be signed", def->name, variable);
            return NULL;
        }
        return imw_channel_webhook_new (def->name, def->url, secret,
                                        connect_ms, timeout_ms);
    }
    if (streq (def->type, "chat"))
        return imw_channel_chat_new (def->name, def->url, connect_ms,
                                     timeout_ms);
    return imw_channel_email_new (def->name, def->url, def->from,
                                  connect_ms, timeout_ms);
}

int
imw_channels_sync (imw_channels_t *self, const im_policy_t *policy)
{
    assert (self && policy);
    if (self->synced && self->version == policy->version)
        return 0;
    zhashx_purge (self->others);
    const im_notify_rules_t *rules = &policy->notify;
    for (size_t index = 0; index < rules->channels_n; index++) {
        const im_notify_channel_t *def = &rules->channels [index];
        if (streq (def->type, "file"))
            continue;               //  Only "file", made already
        imw_channel_t *channel = s_make (def);
        if (channel)
            zhashx_insert (self->others, def->name, channel);
    }
    self->synced = true;
    self->version = policy->version;
    return 0;
}

imw_channel_t *
imw_channels_get (imw_channels_t *self, const char *name)
{
    assert (self && name);
    if (streq (name, IM_NOTIFY_FILE))
        return self->file;
    return (imw_channel_t *) zhashx_lookup (self->others, name);
}

void
imw_channels_pick (const im_policy_t *policy, const char *recipient,
                   bool high, int64_t ts_ms, im_notify_names_t *names,
                   const im_notify_person_t **person_p)
{
    assert (policy && recipient && names && person_p);
    const im_notify_person_t *person =
        im_notify_rules_person (&policy->notify, recipient);
    *person_p = person;
    memset (names, 0, sizeof *names);
    if (person) {
        const im_notify_names_t *list = high ? &person->high : &person->low;
        if (high || !imw_quiet_now (person, ts_ms))
            memcpy (names, list, sizeof *names);
    }
    if (names->names_n == 0) {
        im_strlcpy (names->names [0], IM_NOTIFY_FILE, IM_NOTIFY_NAME_MAX);
        names->names_n = 1;
    }
}

bool
imw_channels_urgent (const char *reason, int priority, bool request)
{
    if (request)
        return false;
    return (priority >= 1 && priority <= 2) || streq (reason, "breached")
        || streq (reason, "escalated") || streq (reason, "major-declared")
        || streq (reason, "major-resolved") || streq (reason, "commander")
        || streq (reason, "update-due");
}

int
imw_channels_deliver (imw_channels_t *self, const im_event_t *event,
                      const char *action, const char *channel_name,
                      imw_notification_t *notification, imw_output_t *out)
{
    assert (self && event && action && channel_name && notification && out);
    imw_channel_t *channel = imw_channels_get (self, channel_name);
    if (!channel) {
        zsys_warning ("notifier: seq %" PRIu64 ": %s: channel %s is not "
                      "there (see above), will retry", event->seq,
                      notification->recipient, channel_name);
        return IM_EIO;
    }
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id, "notifier:%" PRIu64 ":%.90s",
              event->seq, action);
    //  The same on every try and in every process: what a receiver
    //  deduplicates on
    char delivery_id [IMW_CHANNEL_ID_MAX];
    snprintf (delivery_id, sizeof delivery_id, "imq-%" PRIu64 "-%016" PRIx64,
              event->seq, imw_sink_hash (request_id));
    notification->request_id = request_id;
    notification->delivery_id = delivery_id;
    imw_channel_result_t result;
    int rc = imw_channel_send (channel, notification, &result);
    notification->request_id = NULL;    //  Both were this frame's
    notification->delivery_id = NULL;
    if (rc)
        return rc;
    if (!result.delivered) {
        zsys_warning ("notifier: seq %" PRIu64 ": %s via %s (%s): not "
                      "delivered: %s%s, will retry", event->seq,
                      notification->recipient, channel_name, result.target,
                      result.reason, result.retryable
                      ? "" : " (refused: a retry is unlikely to help)");
        return IM_EIO;
    }
    im_fields_t *args = imw_output_add (out, "NOTIFY", event->incident,
                                        action);
    if (!args
    ||  im_fields_set_str (args, IM_KEY_RECIPIENT, notification->recipient)
    ||  im_fields_set_str (args, IM_KEY_CHANNEL, channel_name)
    ||  im_fields_set_str (args, IM_KEY_REASON, notification->reason)
    ||  im_fields_set_int (args, IM_KEY_ABOUT_SEQ, (int64_t) event->seq)
    ||  im_fields_set_str (args, IM_KEY_TARGET, result.target)
    ||  im_fields_set_str (args, IM_KEY_RESULT, result.reason))
        return IM_ENOMEM;
    return 0;
}
