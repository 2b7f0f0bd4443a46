/*  imb_http_receivers - the routes monitoring tools post to

    POST /v1/alerts/alertmanager takes Alertmanager's webhook, one
    command per alert sent together as one batch, and answers each
    alert's outcome; copies of a firing alert become one heartbeat per
    window. POST /v1/events (and PagerDuty's own /v2/enqueue) takes a
    PagerDuty Events API v2 event. With tokens, the integration's key
    names the actor, and an event only touches its own integration's
    incidents (docs/http.md).
*/
#include "imb_classes.h"
#include "imb_http_private.h"

//  Adds one alert's result to the answer; returns its outcome
static const char *
s_alert_result (json_t *results, const imb_http_command_t *command,
                const im_reply_t *reply, bool repeat)
{
    const char *outcome = "failed";
    json_t *item = json_pack ("{s:s}", "fingerprint", command->label);
    if (reply && reply->status == IM_PROTO_OK) {
        outcome = im_fields_str (reply->body, IM_KEY_OUTCOME);
        if (repeat || im_fields_has (reply->body, IM_KEY_REPEAT))
            outcome = "duplicate";
        json_object_set_new (item, IM_KEY_INCIDENT, json_integer (
            im_fields_int_or (reply->body, IM_KEY_INCIDENT, 0)));
    }
    else
    if (reply && reply->status == IM_PROTO_NOT_FOUND)
        outcome = "dropped";
    if (reply && reply->status != IM_PROTO_OK)
        json_object_set_new (item, IM_KEY_ERROR, json_string (
            im_fields_str_or (reply->body, IM_KEY_ERROR, "refused")));
    json_object_set_new (item, IM_KEY_OUTCOME, json_string (outcome ? outcome
                                                               : "done"));
    json_array_append_new (results, item);
    return outcome ? outcome : "done";
}

//  The firing alerts of batch answered as repeats were sent again: each
//  is said to still fire. A heartbeat that recorded it (alert.seen)
//  takes the repeat's place in replies (outcome seen); one that changed
//  nothing (within the policy's heartbeat, or no incident is open for
//  the alert) leaves the answer a duplicate, as is a failed one, which
//  Alertmanager's retry of the notification sends again.
static void
s_heartbeats (const imb_http_request_t *request,
              const imb_http_batch_t *batch, im_reply_t **replies)
{
    imb_http_t *http = request->http;
    imb_http_batch_t heartbeats = { 0, NULL };
    size_t *positions = (size_t *) calloc (batch->count + 1, sizeof (size_t));
    assert (positions);
    size_t count = imb_http_ingest_heartbeats (
        batch, (const im_reply_t *const *) replies,
        im_now_ms () / imb_http_copies_window (http), &heartbeats, positions);
    im_reply_t **answers = count ? (im_reply_t **) calloc (
        count, sizeof (im_reply_t *)) : NULL;
    if (count) {
        assert (answers);
        imb_http_call_batch (request, &heartbeats, answers);
    }
    for (size_t index = 0; index < count; index++) {
        im_reply_t **slot = &replies [positions [index]];
        if (answers [index] && answers [index]->status == IM_PROTO_OK
        &&  im_fields_int_or (answers [index]->body, IM_KEY_EVENTS, 0) > 0
        &&  !im_fields_has (answers [index]->body, IM_KEY_REPEAT)) {
            im_reply_destroy (slot);
            *slot = answers [index];
        }
        else
        if (!answers [index] || answers [index]->status >= 500) {
            //  Not taken: the whole answer says retry
            im_reply_destroy (slot);
            *slot = answers [index];
        }
        else
            im_reply_destroy (&answers [index]);
    }
    free (answers);
    free (positions);
    imb_http_batch_clear (&heartbeats);
}

//  POST /v1/alerts/alertmanager
int
imb_http_alertmanager (const imb_http_request_t *request)
{
    int rc = 0;
    json_t *root = imb_http_parse (request, &rc);
    if (!root)
        return rc;
    imb_http_batch_t batch = { 0, NULL };
    imb_http_fault_t fault;
    int ingested = imb_http_ingest_alertmanager (
        root, imb_http_auto_resolve (request->http), &batch, &fault);
    json_decref (root);
    if (ingested)
        return imb_http_error (request, IM_PROTO_BAD_REQUEST, fault.text,
                               fault.field);
    //  With a token, its principal is the actor (not "alertmanager")
    for (size_t index = 0; *request->bearer && index < batch.count; index++)
        im_fields_remove (batch.commands [index].body, IM_KEY_ACTOR);
    im_reply_t **replies = (im_reply_t **) calloc (batch.count + 1,
                                                   sizeof (im_reply_t *));
    assert (replies);
    imb_http_call_batch (request, &batch, replies);
    s_heartbeats (request, &batch, replies);

    //  One answer for the notification: 200 when every alert was taken
    //  (or dropped as for no incident), else the worst status
    static const char *outcomes [] = { "opened", "added", "seen",
        "acknowledged", "resolved", "cleared", "unchanged", "dropped",
        "duplicate", "failed" };
#define S_OUTCOMES (sizeof outcomes / sizeof outcomes [0])
    int counts [S_OUTCOMES] = { 0 };
    json_t *results = json_array ();
    unsigned status = IM_PROTO_OK;
    for (size_t index = 0; index < batch.count; index++) {
        const imb_http_command_t *command = &batch.commands [index];
        bool repeat = command->repeat_of >= 0;
        const im_reply_t *reply = replies [repeat ? command->repeat_of
                                                  : (int) index];
        const char *outcome = s_alert_result (results, command, reply,
                                              repeat);
        for (size_t known = 0; known < S_OUTCOMES; known++)
            if (streq (outcome, outcomes [known]))
                counts [known]++;
        unsigned failed = !reply ? IM_PROTO_OUTCOME_UNKNOWN
                        : reply->status == IM_PROTO_OK
                          || reply->status == IM_PROTO_NOT_FOUND
                        ? IM_PROTO_OK
                        : reply->status == IM_PROTO_NOT_LEADER
                        ? IM_PROTO_UNAVAILABLE
                        : (unsigned) reply->status;
        //  A retry helps with 5xx, never with 4xx: 5xx wins
        if (failed != IM_PROTO_OK && (status == IM_PROTO_OK || failed >= 500))
            status = failed;
    }
    json_t *json = json_pack ("{s:i}", "alerts", (json_int_t) batch.count);
    for (size_t known = 0; known < S_OUTCOMES; known++)
        json_object_set_new (json, outcomes [known],
                             json_integer (counts [known]));
    json_object_set_new (json, "results", results);
    if (status != IM_PROTO_OK)
        json_object_set_new (json, IM_KEY_ERROR, json_string (
            status >= 500 ? "some alerts were not taken; retry the whole "
                            "notification (repeats are recognised)"
                          : "some alerts were refused"));
    for (size_t index = 0; index < batch.count; index++)
        im_reply_destroy (&replies [index]);
    free (replies);
    imb_http_batch_clear (&batch);
    return imb_http_answer (request, status, &json,
                            status == IM_PROTO_UNAVAILABLE
                            || status == IM_PROTO_OUTCOME_UNKNOWN ? 1 : 0,
                            NULL);
}

//  POST /v1/events (and /v2/enqueue, PagerDuty's own path). With tokens
//  the routing key is the integration's token: it names the actor, and
//  the dedup key is the integration's own (prefixed with the token id),
//  so that an event never touches the incident of another integration.
int
imb_http_event (const imb_http_request_t *unauthenticated)
{
    imb_http_request_t authenticated = *unauthenticated;
    imb_http_request_t *request = &authenticated;
    int rc = 0;
    const char *key;
    json_t *root = imb_http_read (request, &key, &rc);
    if (!root)
        return rc;
    const char *routing_key = json_string_value (json_object_get (
        root, "routing_key"));
    if (!imb_http_open (request->http, request->url)
    &&  (!routing_key
         || im_token_credential (routing_key, request->bearer))) {
        json_decref (root);
        return imb_http_error (request, IM_PROTO_UNAUTHORIZED,
                               "routing_key must be an "
                               "integration key of this desk (imqctl "
                               "principal token)", "routing_key");
    }
    imb_http_batch_t batch = { 0, NULL };
    imb_http_fault_t fault;
    int ingested = imb_http_ingest_event (root, key, *request->bearer != 0,
                                          &batch, &fault);
    json_decref (root);
    if (ingested) {
        json_t *json = json_pack ("{s:s,s:s,s:[s]}", "status",
                                  "invalid event", "message", fault.text,
                                  "errors", fault.text);
        if (json && *fault.field)
            json_object_set_new (json, "field", json_string (fault.field));
        return imb_http_answer (request, IM_PROTO_BAD_REQUEST, &json, 0, NULL);
    }
    const imb_http_command_t *command = &batch.commands [0];
    if (*request->bearer)
        im_fields_remove (command->body, IM_KEY_ACTOR);
    im_reply_t *reply = imb_http_call (request, "ALERT",
                                       command->request_id, command->body,
                                       false, 0);
    json_t *json = NULL;
    if (reply && reply->status == IM_PROTO_OK) {
        json = json_pack ("{s:s,s:s,s:s,s:I,s:s}", "status", "success",
                          "message", "Event processed", "dedup_key",
                          command->label, "incident", (json_int_t)
                          im_fields_int_or (reply->body, IM_KEY_INCIDENT, 0),
                          "outcome", im_fields_str_or (reply->body,
                                                       IM_KEY_OUTCOME, "done"));
    }
    else
    if (reply && reply->status == IM_PROTO_NOT_FOUND)
        //  An acknowledge or resolve for no open incident: said, dropped
        json = json_pack ("{s:s,s:s,s:s}", "status", "dropped", "message",
                          im_fields_str_or (reply->body, IM_KEY_ERROR, ""),
                          "dedup_key", command->label);
    else
        rc = imb_http_failed (request, reply, command->request_id);
    im_reply_destroy (&reply);
    imb_http_batch_clear (&batch);
    return json ? imb_http_answer (request, IMB_HTTP_ACCEPTED, &json, 0,
                                   NULL) : rc;
}
