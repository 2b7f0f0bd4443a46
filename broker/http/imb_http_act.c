/*  imb_http_act - POST /v1/incidents/{id}/{action}: what an agent does
    to an incident, over HTTP

    The body's members (strings and integers) are the verb's arguments,
    as imqctl sends them, and the verb is decided by the broker as any
    other: who may do it is the caller's token's principal's to have
    (docs/http.md section 2.1), checked by the node, not here.
*/
#include "imb_classes.h"
#include "imb_http_private.h"

const char *
imb_http_act_verb (const char *action)
{
    static const char *verbs [] = {
        "ACK", "ASSIGN", "COMMENT", "RESOLVE", "CLOSE", "REOPEN", "PEND",
        "RESUME", "CANCEL", "CONVERT", "CATEGORIZE", "PRIORITIZE", "ESCALATE"
    };
    char upper [16];
    size_t length = strlen (action);
    if (length == 0 || length >= sizeof upper)
        return NULL;
    for (size_t index = 0; index <= length; index++)
        upper [index] = (char) toupper ((unsigned char) action [index]);
    for (size_t index = 0; index < sizeof verbs / sizeof verbs [0]; index++)
        if (streq (verbs [index], upper))
            return verbs [index];
    return NULL;
}

int
imb_http_act (const imb_http_request_t *request, int64_t id,
              const char *verb)
{
    int rc = 0;
    const char *key;
    json_t *root = request->size ? imb_http_read (request, &key, &rc)
                                 : json_object ();
    if (!root)
        return rc;
    if (!request->size && !imb_http_idempotency_key (request, &key, &rc)) {
        json_decref (root);
        return rc;
    }
    if (!json_is_object (root)) {
        json_decref (root);
        return imb_http_error (request, IM_PROTO_BAD_REQUEST,
                               "the body must be a JSON object",
                               NULL);
    }
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, IM_KEY_INCIDENT, id);
    const char *name;
    json_t *value;
    json_object_foreach (root, name, value) {
        int set = streq (name, "incident") || streq (name, "bearer")
                ? -1
                : json_is_string (value)
                ? im_fields_set_str (body, name, json_string_value (value))
                : json_is_integer (value)
                ? im_fields_set_int (body, name, json_integer_value (value))
                : -1;
        if (set) {
            char text [160];
            snprintf (text, sizeof text, "field '%.64s' must be a string or "
                      "an integer (and not incident)", name);
            json_decref (root);
            im_fields_destroy (&body);
            return imb_http_error (request, IM_PROTO_BAD_REQUEST, text, name);
        }
    }
    json_decref (root);
    char request_id [IM_REQUEST_ID_MAX];
    imb_http_request_id (key, request_id);
    im_reply_t *reply = imb_http_call (request, verb, request_id, body,
                                       false, 0);
    im_fields_destroy (&body);
    if (!reply || reply->status != IM_PROTO_OK) {
        rc = imb_http_failed (request, reply, request_id);
        im_reply_destroy (&reply);
        return rc;
    }
    json_t *json = im_reply_to_json (reply, NULL);
    if (json)
        json_object_set_new (json, "request_id", json_string (request_id));
    im_reply_destroy (&reply);
    return imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
}
