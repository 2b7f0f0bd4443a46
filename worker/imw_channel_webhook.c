/*  imw_channel_webhook - outbound webhooks after Standard Webhooks 1.0

    Each notification is POSTed as JSON (docs/notifications.md has the
    schema) with three headers:

        webhook-id          the notification's delivery id, the same on
                            every try and after a restart, so a receiver
                            drops a copy it already took
        webhook-timestamp   seconds since the epoch, of this try
        webhook-signature   v1,<HMAC-SHA256 of id.timestamp.body>

    The secret is given when the channel is made (the notifier reads it
    from its environment) and never leaves the process.
*/
#include "imw_classes.h"
#include <jansson.h>

//  Builds the JSON body of notification; returns it (the caller frees)
//  or NULL when out of memory
char *
imw_channel_webhook_body (const imw_notification_t *notification)
{
    assert (notification);
    char when [40];
    im_format_time ((uint64_t) notification->ts_ms, when, sizeof when);
    json_t *data = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:b, s:s}",
        "incident", (json_int_t) notification->incident,
        "title", notification->title ? notification->title : "",
        "reason", notification->reason,
        "recipient", notification->recipient,
        "urgency", notification->high ? "high" : "low",
        "about_seq", (json_int_t) notification->about_seq,
        "request", notification->request,
        "request_id", notification->request_id);
    if (data && notification->priority >= 1 && notification->priority <= 5)
        json_object_set_new (data, "priority",
                             json_integer (notification->priority));
    json_t *root = data
        ? json_pack ("{s:s, s:s, s:o}", "type", "incident.notification",
                     "timestamp", when, "data", data)
        : NULL;
    char *text = root ? json_dumps (root, JSON_COMPACT | JSON_SORT_KEYS)
                      : NULL;
    json_decref (root);
    return text;
}

static int
s_send (void *state, const imw_notification_t *notification,
        imw_channel_result_t *result)
{
    imw_channel_net_t *self = (imw_channel_net_t *) state;
    char *body = imw_channel_webhook_body (notification);
    if (!body)
        return IM_ENOMEM;
    int64_t now = (int64_t) (zclock_time () / 1000);
    char signature [IMW_WEBHOOK_SIGNATURE_MAX];
    int rc = imw_webhook_sign (self->extra, notification->delivery_id, now,
                               body, strlen (body), signature);
    if (rc) {
        free (body);
        if (rc == IM_ENOMEM)
            return rc;
        im_strlcpy (result->target, self->url, sizeof result->target);
        snprintf (result->reason, sizeof result->reason, "the secret is "
                  "not whsec_ and base64");
        return 0;
    }
    char id [IMW_CHANNEL_ID_MAX + 16];
    char stamp [48];
    char sign [IMW_WEBHOOK_SIGNATURE_MAX + 24];
    snprintf (id, sizeof id, "webhook-id: %s", notification->delivery_id);
    snprintf (stamp, sizeof stamp, "webhook-timestamp: %" PRId64, now);
    snprintf (sign, sizeof sign, "webhook-signature: %s", signature);
    const char *headers [] = { id, stamp, sign, NULL };
    rc = imw_channel_http_post (self->url, headers, body, strlen (body),
                                self->connect_ms, self->timeout_ms, result);
    free (body);
    return rc;
}

static const imw_channel_ops_t s_ops = {
    .type = "webhook",
    .send_fn = s_send,
    .destroy_fn = imw_channel_net_destroy,
};

imw_channel_t *
imw_channel_webhook_new (const char *name, const char *url,
                         const char *secret, uint32_t connect_ms,
                         uint32_t timeout_ms)
{
    assert (name && url && secret);
    char probe [IMW_WEBHOOK_SIGNATURE_MAX];
    if (imw_webhook_sign (secret, "probe", 0, "", 0, probe)) {
        zsys_error ("notifier: channel %s: the secret is not whsec_ and "
                    "base64", name);
        return NULL;
    }
    return imw_channel_net_new (name, &s_ops, url, secret, connect_ms,
                                timeout_ms);
}
