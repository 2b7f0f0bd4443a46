/*  imw_channel_net - what the webhook, chat and email channels share

    Each holds a URL, one more string (the webhook's secret, the
    sender's address) and its two timeouts, and keeps libcurl's global
    state up while it lives (curl_global_init counts its callers).
*/
#include "imw_classes.h"
#include <curl/curl.h>

void
imw_channel_net_destroy (void **state_p)
{
    assert (state_p);
    imw_channel_net_t *self = (imw_channel_net_t *) *state_p;
    if (self) {
        free (self->url);
        if (self->extra) {          //  May be a secret: leave no copy
            memset (self->extra, 0, strlen (self->extra));
            free (self->extra);
        }
        free (self);
        curl_global_cleanup ();
        *state_p = NULL;
    }
}

imw_channel_t *
imw_channel_net_new (const char *name, const imw_channel_ops_t *ops,
                     const char *url, const char *extra, uint32_t connect_ms,
                     uint32_t timeout_ms)
{
    assert (name && ops && url);
    assert (ops->destroy_fn == imw_channel_net_destroy);
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    imw_channel_net_t *self =
        (imw_channel_net_t *) calloc (1, sizeof (imw_channel_net_t));
    void *state = self;
    if (!self) {
        curl_global_cleanup ();
        return NULL;
    }
    self->url = strdup (url);
    self->extra = extra ? strdup (extra) : NULL;
    self->connect_ms = connect_ms;
    self->timeout_ms = timeout_ms;
    if (!self->url || (extra && !self->extra)) {
        imw_channel_net_destroy (&state);
        return NULL;
    }
    return imw_channel_new (name, ops, &state);
}
