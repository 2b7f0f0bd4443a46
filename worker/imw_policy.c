/*  imw_policy - a worker follows the replicated policy, event by event

    Versions only grow, but one worker sees events of many incidents
    interleaved, so an older event (redelivered, or of a slower
    incident) may follow a newer one: the version is switched whichever
    way the event asks. A switch is one CONFIG-GET and one parse; they
    are rare next to events.
*/
#include "imw_classes.h"

struct _imw_policy_t {
    im_policy_t *policy;                //  What the role reads, borrowed
    im_policy_t *own;                   //  The worker's file, owned
    im_policy_t *loaded;                //  Scratch for a parse, owned
    uint64_t version;                   //  In place in policy
};

imw_policy_t *
imw_policy_new (im_policy_t *policy)
{
    assert (policy);
    imw_policy_t *self = (imw_policy_t *) calloc (1, sizeof (imw_policy_t));
    if (!self)
        return NULL;
    self->policy = policy;
    self->own = (im_policy_t *) malloc (sizeof (im_policy_t));
    self->loaded = (im_policy_t *) malloc (sizeof (im_policy_t));
    if (!self->own || !self->loaded) {
        imw_policy_destroy (&self);
        return NULL;
    }
    memcpy (self->own, policy, sizeof *self->own);
    return self;
}

void
imw_policy_destroy (imw_policy_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_policy_t *self = *self_p;
        free (self->loaded);
        free (self->own);
        free (self);
        *self_p = NULL;
    }
}

//  Reads version's text from the broker and parses it into loaded
static int
s_fetch (imw_policy_t *self, uint64_t version, im_client_t *query)
{
    im_fields_t *body = im_fields_new ();
    if (!body || im_fields_set_int (body, IM_KEY_VERSION, (int64_t) version)) {
        im_fields_destroy (&body);
        return IM_ENOMEM;
    }
    im_reply_t *reply = im_client_call (query, "CONFIG-GET", NULL, body,
                                        false);
    im_fields_destroy (&body);
    if (!reply) {
        zsys_warning ("policy: CONFIG-GET %" PRIu64 ": %s", version,
                      im_client_errmsg (query));
        return IM_ETIMEOUT;
    }
    int rc = 0;
    if (reply->status == IM_PROTO_NOT_LEADER || reply->status >= 500)
        rc = IM_EBUSY;
    else
    if (reply->status != IM_PROTO_OK || !reply->body) {
        zsys_error ("policy: CONFIG-GET %" PRIu64 " answered %d", version,
                    reply->status);
        rc = IM_ECONFIG;
    }
    else {
        const char *text = im_fields_str_or (reply->body, IM_KEY_TEXT, "");
        char errbuf [512];
        rc = im_policy_parse (self->loaded, "policy", text, version,
                              errbuf, sizeof errbuf);
        if (rc)
            zsys_error ("policy: version %" PRIu64 " does not parse: %s",
                        version, errbuf);
    }
    im_reply_destroy (&reply);
    return rc;
}

int
imw_policy_follow (imw_policy_t *self, const im_event_t *event,
                   im_client_t *query)
{
    assert (self && event);
    if (event->type != IM_EV_OPENED && event->type != IM_EV_CONVERTED
    &&  event->type != IM_EV_CLASSIFIED && event->type != IM_EV_SLA_BREACHED
    &&  event->type != IM_EV_PENDING)
        return 0;
    int64_t wanted = event->payload
                   ? im_fields_int_or (event->payload, IM_KEY_POLICY_VERSION, 0)
                   : 0;
    if (wanted < 0 || (uint64_t) wanted == self->version)
        return 0;
    if (wanted == 0) {
        memcpy (self->policy, self->own, sizeof *self->policy);
        self->version = 0;
        return 0;
    }
    if (!query)
        return IM_ECONFIG;
    int rc = s_fetch (self, (uint64_t) wanted, query);
    if (rc)
        return rc;
    memcpy (self->policy, self->loaded, sizeof *self->policy);
    self->version = (uint64_t) wanted;
    zsys_info ("policy: version %" PRId64 " in place from seq %" PRIu64,
               wanted, event->seq);
    return 0;
}

uint64_t
imw_policy_version (imw_policy_t *self)
{
    assert (self);
    return self->version;
}
