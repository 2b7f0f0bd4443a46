/*  imb_http_config - GET /v1/config/timeline: the configuration's history

    A dashboard shows which policy versions were applied, when and by
    whom, and how the cluster's members and principals changed: the
    events of no incident. They are read from the node with EVENTS
    {incident: 0} (imb_events.c), a page at a time, so the answer is
    bounded however long the history grows; the caller goes on with
    ?after= the answer's after while its more is 1. The node leaves out
    the principals' token hashes, and the roles that may read the log
    (analyst, service_desk_manager, incident_manager, administrator) are the
    ones that may read this.
*/
#include "imb_classes.h"
#include "imb_http_private.h"

int
imb_http_config_timeline (const imb_http_request_t *request)
{
    int rc = 0;
    im_fields_t *body = im_fields_new ();
    if (!body)
        return imb_http_error (request, IM_PROTO_INTERNAL, "out of memory",
                               NULL);
    im_fields_set_int (body, IM_KEY_INCIDENT, 0);
    if (!imb_http_parameter (request, IM_KEY_AFTER, true, body, &rc)
    ||  !imb_http_parameter (request, IM_KEY_LIMIT, true, body, &rc)) {
        im_fields_destroy (&body);
        return rc;
    }
    im_reply_t *reply = imb_http_call (request, "EVENTS", NULL, body, true,
                                       0);
    im_fields_destroy (&body);
    if (!reply || reply->status != IM_PROTO_OK)
        rc = imb_http_failed (request, reply, NULL);
    else {
        json_t *json = im_reply_to_json (reply, "events");
        rc = imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
    }
    im_reply_destroy (&reply);
    return rc;
}
