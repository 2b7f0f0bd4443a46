/*  imb_http_route - which request does what: the routes of docs/http.md

    Each route turns its request into IMQ01 requests to the broker and
    the replies into JSON; the GETs answer what `imqctl --json` prints,
    built by the same function (im_reply_to_json). A path that exists
    answers a wrong method 405 naming the methods it takes; any other
    path is 404. The receivers of monitoring tools are in
    imb_http_receivers.c.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include <strings.h>

#define S_ASYNC_WAIT_MS     20      //  Wait for a refusal, respond-async

//  Parses the body as JSON. Returns the document, or NULL after
//  answering 400 with the offset of the fault.
json_t *
imb_http_parse (const imb_http_request_t *request, int *rc)
{
    json_error_t error;
    json_t *root = json_loadb (request->body, request->size,
                               JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        char text [300];
        snprintf (text, sizeof text, "invalid JSON at byte offset %d "
                  "(line %d, column %d): %s", error.position, error.line,
                  error.column, error.text);
        json_t *json = json_pack ("{s:s,s:i}", "error", text, "offset",
                                  (json_int_t) error.position);
        *rc = imb_http_answer (request, IM_PROTO_BAD_REQUEST, &json, 0, NULL);
    }
    return root;
}

//  Answers a broker reply that did not come, or came as an error;
//  request_id is the command's (NULL for a query), which a client that
//  sent no Idempotency-Key needs to retry it
int
imb_http_failed (const imb_http_request_t *request, const im_reply_t *reply,
                 const char *request_id)
{
    if (!reply && request_id) {
        json_t *json = json_pack ("{s:s,s:s}", "error", "the broker did not "
                                  "answer in time; retry with the same "
                                  "Idempotency-Key", "request_id",
                                  request_id);
        return imb_http_answer (request, IM_PROTO_OUTCOME_UNKNOWN, &json, 1,
                                NULL);
    }
    if (!reply)
        return imb_http_error (request, IM_PROTO_OUTCOME_UNKNOWN,
                               "the broker did not answer in "
                               "time; retry", NULL);
    return imb_http_broker_error (request, reply);
}

//  The client's idempotency key, or NULL. Returns false after answering
//  400 when it is empty, too long or not printable ASCII.
bool
imb_http_idempotency_key (const imb_http_request_t *request,
                          const char **key, int *rc)
{
    *key = imb_http_message_header (request->message, "Idempotency-Key");
    if (!*key)
        return true;
    size_t length = strlen (*key);
    bool valid = length > 0 && length < IM_REQUEST_ID_MAX;
    for (const char *cursor = *key; valid && *cursor; cursor++)
        valid = *cursor > ' ' && *cursor < 0x7f;
    if (!valid)
        *rc = imb_http_error (request, IM_PROTO_BAD_REQUEST,
                              "header Idempotency-Key must be "
                              "1 to 127 printable ASCII characters",
                              "Idempotency-Key");
    return valid;
}

void
imb_http_request_id (const char *key, char *request_id)
{
    if (key)
        im_strlcpy (request_id, key, IM_REQUEST_ID_MAX);
    else
        im_client_new_request_id (request_id, IM_REQUEST_ID_MAX);
}

json_t *
imb_http_read (const imb_http_request_t *request, const char **key,
               int *rc)
{
    return imb_http_idempotency_key (request, key, rc) ? imb_http_parse (request, rc)
                                                : NULL;
}

//  POST /v1/incidents
static int
s_open (const imb_http_request_t *request)
{
    int rc = 0;
    const char *key;
    json_t *root = imb_http_read (request, &key, &rc);
    if (!root)
        return rc;
    im_fields_t *body = im_fields_new ();
    imb_http_fault_t fault;
    if (imb_http_ingest_incident (root, body, &fault)) {
        json_decref (root);
        im_fields_destroy (&body);
        return imb_http_error (request, IM_PROTO_BAD_REQUEST, fault.text,
                               fault.field);
    }
    json_decref (root);
    char request_id [IM_REQUEST_ID_MAX];
    imb_http_request_id (key, request_id);

    //  Prefer: respond-async does not wait for the commit. The broker
    //  refuses a command it cannot queue at once (503), so an answer
    //  not there after a short wait means the command is queued.
    const char *prefer = imb_http_message_header (request->message,
                                                  "Prefer");
    bool async = prefer && strstr (prefer, "respond-async");
    im_reply_t *reply = imb_http_call (request, "OPEN", request_id,
                                       body, false,
                                       async ? S_ASYNC_WAIT_MS : 0);
    im_fields_destroy (&body);
    if (!reply && async) {
        json_t *json = json_pack ("{s:s,s:s}", "status", "queued",
                                  "request_id", request_id);
        return imb_http_answer (request, IMB_HTTP_ACCEPTED, &json, 0, NULL);
    }
    if (!reply || reply->status != IM_PROTO_OK) {
        rc = imb_http_failed (request, reply, request_id);
        im_reply_destroy (&reply);
        return rc;
    }
    json_t *json = im_reply_to_json (reply, NULL);
    if (json)
        json_object_set_new (json, "request_id", json_string (request_id));
    char location [64];
    snprintf (location, sizeof location, "/v1/incidents/%" PRId64,
              im_fields_int_or (reply->body, IM_KEY_INCIDENT, 0));
    im_reply_destroy (&reply);
    return imb_http_answer (request, 201, &json, 0, location);
}

bool
imb_http_parameter (const imb_http_request_t *request, const char *name,
                    bool is_int, im_fields_t *body, int *rc)
{
    const char *value = imb_http_message_query (request->message, name);
    if (!value)
        return true;
    if (!is_int) {
        if (im_fields_set_str (body, name, value) == 0)
            return true;
    }
    else {
        char *end = NULL;
        errno = 0;
        long long number = strtoll (value, &end, 10);
        if (*value && !*end && errno == 0) {
            im_fields_set_int (body, name, (int64_t) number);
            return true;
        }
    }
    char text [96];
    snprintf (text, sizeof text, "parameter '%s' must be %s", name,
              is_int ? "an integer" : "valid UTF-8 of at most 65536 bytes");
    *rc = imb_http_error (request, IM_PROTO_BAD_REQUEST, text, name);
    return false;
}

//  GET /v1/incidents
static int
s_list (const imb_http_request_t *request)
{
    int rc = 0;
    im_fields_t *body = im_fields_new ();
    if (!imb_http_parameter (request, IM_KEY_STATUS, false, body, &rc)
    ||  !imb_http_parameter (request, IM_KEY_ASSIGNEE, false, body, &rc)
    ||  !imb_http_parameter (request, IM_KEY_PRIORITY, true, body, &rc)
    ||  !imb_http_parameter (request, IM_KEY_LIMIT, true, body, &rc)
    ||  !imb_http_parameter (request, IM_KEY_AFTER, true, body, &rc)) {
        im_fields_destroy (&body);
        return rc;
    }
    im_reply_t *reply = imb_http_call (request, "LIST", NULL, body,
                                       false, 0);
    im_fields_destroy (&body);
    if (!reply || reply->status != IM_PROTO_OK)
        rc = imb_http_failed (request, reply, NULL);
    else {
        json_t *json = im_reply_to_json (reply, "incidents");
        rc = imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
    }
    im_reply_destroy (&reply);
    return rc;
}

//  GET /v1/incidents/{id} and /v1/incidents/{id}/timeline
static int
s_incident (const imb_http_request_t *request, int64_t id, bool timeline)
{
    int rc;
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, IM_KEY_INCIDENT, id);
    im_reply_t *reply = imb_http_call (request,
                                       timeline ? "TIMELINE" : "GET", NULL,
                                       body, timeline, 0);
    im_fields_destroy (&body);
    if (!reply || reply->status != IM_PROTO_OK)
        rc = imb_http_failed (request, reply, NULL);
    else {
        json_t *json = im_reply_to_json (reply, timeline ? "events" : NULL);
        rc = imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
    }
    im_reply_destroy (&reply);
    return rc;
}

//  GET /readyz: ready when this node leads and its loop answers
static int
s_ready (const imb_http_request_t *request)
{
    im_reply_t *reply = imb_http_call (request, "STATUS", NULL, NULL,
                                       false, 2000);
    json_t *json;
    unsigned status = IM_PROTO_UNAVAILABLE;
    if (!reply)
        json = json_pack ("{s:b,s:s}", "ready", 0, "reason", "the broker "
                          "did not answer within 2 s");
    else {
        const char *state = im_fields_str_or (reply->body, IM_KEY_RAFT_STATE,
                                              "?");
        bool leader = streq (state, "leader");
        char reason [96];
        snprintf (reason, sizeof reason, "this node is %s, not the leader",
                  state);
        json = json_pack ("{s:b,s:s,s:I}", "ready", leader, "raft_state",
                          state, "queue", (json_int_t)
                          im_fields_int_or (reply->body, IM_KEY_QUEUE, 0));
        if (!leader)
            json_object_set_new (json, IM_KEY_REASON, json_string (reason));
        status = leader ? IM_PROTO_OK : IM_PROTO_UNAVAILABLE;
    }
    im_reply_destroy (&reply);
    return imb_http_answer (request, status, &json,
                            status == IM_PROTO_UNAVAILABLE, NULL);
}

//  GET /v1/cluster: this node's Raft state and every node it knows of
//  (CLUSTER-MEMBERS), so that a client can find any node's HTTP address
static int
s_cluster (const imb_http_request_t *request)
{
    im_reply_t *status = imb_http_call (request, "STATUS", NULL, NULL,
                                        false, 2000);
    im_reply_t *members = status && status->status == IM_PROTO_OK
        ? imb_http_call (request, "CLUSTER-MEMBERS", NULL, NULL, false,
                         2000)
        : NULL;
    int rc;
    json_t *json = members && members->status == IM_PROTO_OK
                 ? im_reply_to_json (members, "members") : NULL;
    if (!status || status->status != IM_PROTO_OK)
        rc = imb_http_failed (request, status, NULL);
    else
    if (!members || members->status != IM_PROTO_OK)
        rc = imb_http_failed (request, members, NULL);
    else {
        static const char *keys [] = {
            IM_KEY_RAFT_STATE, IM_KEY_TERM, IM_KEY_LEADER_ID,
            IM_KEY_COMMIT_INDEX,
            IM_KEY_APPLIED_INDEX, IM_KEY_LAST_SEQ
        };
        json_t *state = im_fields_to_json (status->body);
        for (size_t index = 0; json && state && index < 6; index++)
            json_object_set (json, keys [index],
                             json_object_get (state, keys [index]));
        json_decref (state);
        //  The leader's HTTP address, when this node knows it
        int64_t leader = im_fields_int_or (status->body, IM_KEY_LEADER_ID, 0);
        size_t index;
        json_t *member;
        json_array_foreach (json_object_get (json, "members"), index,
                            member) {
            const char *http = json_string_value (json_object_get (member,
                                                                   "http"));
            if (json_integer_value (json_object_get (member, "node")) == leader
            &&  http && *http)
                json_object_set_new (json, IM_KEY_LEADER_HTTP,
                                     json_string (http));
        }
        rc = imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
    }
    json_decref (json);
    im_reply_destroy (&members);
    im_reply_destroy (&status);
    return rc;
}

//  Reads the id of /v1/incidents/{id}[/timeline | /{action}]; returns 0
//  if none. *action is what follows the id's slash, "" when nothing does.
static int64_t
s_incident_id (const char *rest, bool *timeline, const char **action)
{
    char *end = NULL;
    if (!isdigit ((unsigned char) *rest))
        return 0;
    errno = 0;
    long long id = strtoll (rest, &end, 10);
    if (errno || id < 1 || (*end && *end != '/'))
        return 0;
    *timeline = streq (end, "/timeline");
    *action = *end ? end + 1 : end;
    return (int64_t) id;
}

//  The token the caller presents: `Authorization: Bearer <token>`, or
//  for the Alertmanager receiver also the key in its URL
//  (/v1/alerts/alertmanager/<key> or ?key=<key>), which Alertmanager's
//  webhook_configs can send when its http_config cannot. NULL: none.
static const char *
s_presented (const imb_http_request_t *request, const char *receiver)
{
    const char *header = imb_http_message_header (request->message,
                                                  "Authorization");
    if (header && strncasecmp (header, "Bearer ", 7) == 0) {
        header += 7;
        while (*header == ' ')
            header++;
        return header;
    }
    if (!receiver)
        return NULL;
    if (*receiver == '/')
        return receiver + 1;
    return imb_http_message_query (request->message, "key");
}

int
imb_http_route (const imb_http_request_t *unauthenticated)
{
    //  Every path but the open ones needs a token; the node says whether
    //  it is one and what its principal may do (imb_server_client.c).
    //  The PagerDuty endpoint's token is its routing_key (imb_http_receivers.c).
    imb_http_request_t authenticated = *unauthenticated;
    imb_http_request_t *request = &authenticated;
    const char *url = request->url;
    const char *alertmanager = "/v1/alerts/alertmanager";
    const char *receiver = strncmp (url, alertmanager,
                                    strlen (alertmanager)) == 0
                         ? url + strlen (alertmanager) : NULL;
    if (receiver && *receiver && (*receiver != '/' || strchr (receiver + 1,
                                                              '/')))
        receiver = NULL;            //  Not the receiver: 404 below
    bool events = streq (url, "/v1/events") || streq (url, "/v2/enqueue");
    if (!events && !imb_http_open (request->http, url)) {
        const char *token = s_presented (request, receiver);
        if (!token)
            return imb_http_error (request, IM_PROTO_UNAUTHORIZED,
                                   "this needs a token: "
                                   "Authorization: Bearer <token> (imqctl "
                                   "principal token)", "Authorization");
        if (im_token_credential (token, request->bearer))
            return imb_http_error (request, IM_PROTO_UNAUTHORIZED,
                                   "the token is not an imq "
                                   "token", "Authorization");
    }
    if (receiver && *receiver)
        url = alertmanager;
    bool get = streq (request->method, "GET")
            || streq (request->method, "HEAD");
    bool post = streq (request->method, "POST");
    if (streq (url, "/healthz")) {
        if (!get)
            return imb_http_not_allowed (request, "GET");
        json_t *json = json_pack ("{s:s}", "status", "alive");
        return imb_http_answer (request, IM_PROTO_OK, &json, 0, NULL);
    }
    if (streq (url, "/readyz"))
        return get ? s_ready (request)
                   : imb_http_not_allowed (request, "GET");
    if (streq (url, "/v1/cluster"))
        return get ? s_cluster (request)
                   : imb_http_not_allowed (request, "GET");
    if (streq (url, "/metrics"))
        return get ? imb_http_metrics (request)
                   : imb_http_not_allowed (request, "GET");
    if (streq (url, "/v1/incidents"))
        return post ? s_open (request)
             : get ? s_list (request)
             : imb_http_not_allowed (request, "GET, POST");
    if (streq (url, "/v1/config/timeline"))
        return get ? imb_http_config_timeline (request)
                   : imb_http_not_allowed (request, "GET");
    if (streq (url, "/v1/alerts/alertmanager"))
        return post ? imb_http_alertmanager (request)
                    : imb_http_not_allowed (request, "POST");
    if (streq (url, "/v1/events") || streq (url, "/v2/enqueue"))
        return post ? imb_http_event (request)
                    : imb_http_not_allowed (request, "POST");
    const char *prefix = "/v1/incidents/";
    bool timeline = false;
    const char *action = "";
    int64_t id = strncmp (url, prefix, strlen (prefix)) == 0
               ? s_incident_id (url + strlen (prefix), &timeline, &action)
               : 0;
    if (id && (!*action || timeline))
        return get ? s_incident (request, id, timeline)
                   : imb_http_not_allowed (request, "GET");
    if (id && imb_http_act_verb (action))
        return post ? imb_http_act (request, id, imb_http_act_verb (action))
                    : imb_http_not_allowed (request, "POST");
    char text [128];
    snprintf (text, sizeof text, "no route %.100s", url);
    return imb_http_error (request, IM_PROTO_NOT_FOUND, text, NULL);
}
