/*  imw_channel_chat - Slack and Mattermost incoming webhooks

    Both accept {"text": "..."} POSTed to the hook's URL; the text is one
    readable line naming the incident, its priority, its title, what
    happened and whom it is for. Incoming webhook URLs carry their own
    token, so there is no signature: the URL is the secret, and the
    policy should hold the URL of a hook made for imq alone.
*/
#include "imw_classes.h"
#include <jansson.h>

static int
s_send (void *state, const imw_notification_t *notification,
        imw_channel_result_t *result)
{
    imw_channel_net_t *self = (imw_channel_net_t *) state;
    char headline [600];
    imw_channel_headline (notification, headline, sizeof headline);
    char *text = zsys_sprintf ("%s (for %s)", headline,
                               notification->recipient);
    json_t *root = text ? json_pack ("{s:s}", "text", text) : NULL;
    char *body = root ? json_dumps (root, JSON_COMPACT) : NULL;
    json_decref (root);
    zstr_free (&text);
    if (!body)
        return IM_ENOMEM;
    int rc = imw_channel_http_post (self->url, NULL, body, strlen (body),
                                    self->connect_ms, self->timeout_ms,
                                    result);
    free (body);
    return rc;
}

static const imw_channel_ops_t s_ops = {
    .type = "chat",
    .send_fn = s_send,
    .destroy_fn = imw_channel_net_destroy,
};

imw_channel_t *
imw_channel_chat_new (const char *name, const char *url, uint32_t connect_ms,
                      uint32_t timeout_ms)
{
    assert (name && url);
    return imw_channel_net_new (name, &s_ops, url, NULL, connect_ms,
                                timeout_ms);
}
