/*  imb_server_client - a client's request, from its bytes to its reply

    What arrives on the client ROUTER (from imqctl, the HTTP threads or
    a peer) is decoded here: a bad request is answered with an error
    naming what was wrong; a command goes to Raft on the leader and is
    redirected elsewhere; a query is answered from this node's store,
    or, when linearizable or a cluster change, waits for Raft
    (imb_server_pending.c).
*/
#include "imb_classes.h"
#include "imb_server_private.h"

static void
s_handle_command (imb_server_t *self, zframe_t *routing,
                  im_request_t *request, const imb_key_t *key)
{
    //  A repeated request id is answered by the state machine from what
    //  it stored the first time: no look-up here, on the hot path
    im_command_t *command = NULL;
    zmsg_t *reply = imb_server_leading (self)
                  ? imb_command_from (request, key ? key->principal : NULL,
                                      key ? key->roles : NULL, &command)
                  : imb_cluster_redirect (self->cluster, request->request_id);
    if (!reply) {
        int rc = imb_server_submit (self, command, routing,
                                    request->request_id, request->one_frame);
        if (rc == IM_EPROTO)
            reply = im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                           request->request_id,
                                           "routing id longer than 255 "
                                           "bytes");
        else
        if (rc)
            reply = im_reply_encode_error (IM_PROTO_UNAVAILABLE,
                                           request->request_id,
                                           "the broker is busy; retry with "
                                           "the same request id");
    }
    im_command_destroy (&command);
    imb_server_send_reply (self->clients, routing, request->one_frame,
                           &reply);
}

//  A query: answered now from this node's store, or, when it asks to be
//  linearizable, on the leader once a barrier shows that everything
//  committed before it is applied. A cluster change goes to Raft.
static zmsg_t *
s_handle_query (imb_server_t *self, zframe_t *routing,
                const im_request_t *request)
{
    if (imb_checkpoint_is_verb (request->verb))
        return imb_checkpoint_answer (self->checkpoint, request);
    if (im_query_type_from_name (request->verb) == IM_QUERY_CLUSTER_MEMBERS)
        return imb_cluster_members (self->cluster, request->request_id);
    bool change = imb_cluster_is_change (request->verb);
    if (!change && im_fields_int_or (request->body, IM_KEY_LINEARIZABLE,
                                     0) == 0)
        return imb_server_query (self, request);
    if (!imb_server_leading (self))
        return imb_cluster_redirect (self->cluster, request->request_id);
    if (change && imb_cluster_change_running (self->cluster,
                                              request->request_id))
        return NULL;                //  A resend: the first is answered
    uint64_t token = ++self->next_token;
    zmsg_t *reply = change
        ? imb_cluster_change (self->cluster, request, token)
        : imb_raft_control (self->raft, token, IMB_RAFT_BARRIER, 0, NULL)
        ? im_reply_encode_error (IM_PROTO_UNAVAILABLE, request->request_id,
                                 "out of memory; "
                                 "retry")
        : NULL;
    if (reply)
        return reply;
    imb_server_pending_t *pending =
        imb_server_pending_add (self, token, routing, request->request_id,
                                request->one_frame);
    pending->change = change;
    if (!change) {
        //  The request is scratch: the read keeps a copy
        pending->read = im_request_new ();
        assert (pending->read);
        memcpy (pending->read->verb, request->verb, sizeof request->verb);
        memcpy (pending->read->request_id, request->request_id,
                sizeof request->request_id);
        im_fields_destroy (&pending->read->body);
        pending->read->body = im_fields_dup (request->body);
        assert (pending->read->body);
    }
    return NULL;
}

//  The kind a client request refused with rc is counted and logged as
static const char *
s_refusal_kind (int rc)
{
    return rc == IM_ETOOBIG ? "client/too_large"
         : rc == IM_EUNKNOWN ? "client/unknown_verb"
         : "client/malformed";
}

//  The caller an HTTP thread names: the node's own HTTP threads (and
//  another node relaying its HTTP callers) are trusted to say that a
//  caller presented a bearer token, and hand its credential (the token's
//  id and hash, im_token.h) in the body's `bearer`; the token names the
//  principal, as a CURVE key does. The entry is taken out of the body
//  whoever sent it: a CURVE client is its key, whatever it says.
//  An ALERT with dedup_scope (a PagerDuty event whose routing key is a
//  token) gets the dedup key of the token's principal, "<principal>/<dedup
//  key>", so that one integration never touches another's incidents.
//  Returns 0, or 401 (a relayed scope without a token) or 400 with the
//  reason in denial.
static int
s_bearer (imb_server_t *self, im_request_t *request, const imb_key_t **key,
          char *denial, size_t size)
{
    im_fields_t *body = request->body;
    const char *bearer = im_fields_str (body, IM_KEY_BEARER);
    int denied = 0;
    if (im_fields_has (body, IM_KEY_BEARER) && self->keys && !*key) {
        //  A token made or revoked a moment ago is taken or refused at
        //  once: the log's principals are folded again when this node
        //  applied a change of them (one meta read when it did not)
        imb_server_auth_tick (self);
        *key = bearer ? imb_keys_find_token (self->keys, bearer) : NULL;
        if (!*key) {
            snprintf (denial, size, "unknown or revoked token");
            denied = IM_PROTO_UNAUTHORIZED;
        }
    }
    im_fields_remove (body, IM_KEY_BEARER);
    if (!denied && im_fields_has (body, IM_KEY_DEDUP_SCOPE)) {
        const char *dedup = im_fields_str_or (body, IM_KEY_DEDUP_KEY, "");
        char scoped [512];
        if (!*key && self->keys)
            denied = IM_PROTO_UNAUTHORIZED;
        else
        if (*key && (size_t) snprintf (scoped, sizeof scoped, "%s/%s",
                                       (*key)->principal, dedup) > 255)
            denied = IM_PROTO_BAD_REQUEST;
        else
        if (*key && im_fields_set_str (body, IM_KEY_DEDUP_KEY, scoped))
            denied = IM_PROTO_UNAVAILABLE;
        if (denied)
            snprintf (denial, size, denied == IM_PROTO_BAD_REQUEST
                      ? "dedup_key is too long with the integration's name "
                        "before it (255 bytes in all)"
                      : denied == IM_PROTO_UNAUTHORIZED
                      ? "dedup_scope needs a token"
                      : "out of memory; retry");
        im_fields_remove (body, IM_KEY_DEDUP_SCOPE);
    }
    return denied;
}

//  A denial one of this node's own threads (HTTP) saw, reported over
//  inproc as DENY {actor, verb, reason, incident, needs}: counted and
//  recorded as the node's own (imb_denials); answered at once
static zmsg_t *
s_handle_report (imb_server_t *self, const im_request_t *request)
{
    const im_fields_t *body = request->body;
    const char *verb = im_fields_str (body, IM_KEY_VERB);
    int64_t incident = im_fields_int_or (body, IM_KEY_INCIDENT, 0);
    if (!verb || !*verb || strlen (verb) >= IMB_DENY_VERB_MAX
    ||  incident < 0)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, "DENY needs "
                                      "'verb' (1 to 31 bytes) and may name "
                                      "an 'incident' >= 1");
    imb_denials_record (self->denials,
                        im_fields_str_or (body, IM_KEY_ACTOR,
                                          "anonymous"), verb,
                        (uint64_t) incident,
                        im_fields_str_or (body, IM_KEY_NEEDS, "role"),
                        im_fields_str_or (body, IM_KEY_REASON, "refused"));
    return im_reply_encode (IM_PROTO_OK, request->request_id, NULL, NULL, NULL);
}

//  True when msg (not yet decoded) asks DENY, in IMQ01 or IMQ02
static bool
s_is_deny (zmsg_t *msg)
{
    zframe_t *first = zmsg_first (msg);
    if (first && im_proto_is_one_frame (first)) {
        const char *verb = "\4DENY";
        size_t at = strlen (IM_PROTO_ONE_FRAME_SIG);
        return zframe_size (first) >= at + 5
            && memcmp (zframe_data (first) + at, verb, 5) == 0;
    }
    zframe_t *verb = first ? zmsg_next (msg) : NULL;
    return verb && zframe_streq (verb, "DENY");
}

void
imb_server_client_message (imb_server_t *self, zmsg_t *msg)
{
    zframe_t *routing = zmsg_pop (msg);
    im_request_t *request = self->request;
    char reason [256] = "";
    char denial [256] = "";
    const imb_key_t *key = NULL;
    const char *needs = "role";
    //  A DENY from the node's own threads is a report: they connect over
    //  inproc, whose messages carry no properties, where every network
    //  peer's carry Socket-Type. Asked of a DENY only: a look-up costs.
    zframe_t *first = zmsg_first (msg);
    bool inproc = s_is_deny (msg) && !zframe_meta (first, "Socket-Type");
    int denied = imb_server_peer (self, first, &key, denial,
                                  sizeof denial) ? IM_PROTO_UNAUTHORIZED : 0;
    int rc = routing ? im_request_decode (request, &msg, reason, sizeof reason)
                     : IM_EPROTO;
    zmsg_destroy (&msg);
    if (rc == 0 && !denied)
        denied = s_bearer (self, request, &key, denial, sizeof denial);
    if (rc == 0 && !denied
    &&  imb_server_authorize (key, request, &needs, denial, sizeof denial))
        denied = IM_PROTO_FORBIDDEN;
    if (!routing)
        ;                           //  Nothing to answer to
    else
    if (denied && rc == 0) {
        imb_server_refused (self, "client/denied", "client request", denial);
        //  An authenticated principal refused a verb is audited; a key
        //  no longer let in (401) names nobody, and is only counted
        int64_t incident = im_fields_int_or (request->body, IM_KEY_INCIDENT, 0);
        if (denied == IM_PROTO_FORBIDDEN)
            imb_denials_record (self->denials, key->principal,
                                request->verb,
                                incident > 0 ? (uint64_t) incident : 0,
                                needs, denial);
        zmsg_t *reply = im_reply_encode_error (denied, request->request_id,
                                               denial);
        imb_server_send_reply (self->clients, routing, request->one_frame,
                               &reply);
    }
    else
    if (rc) {
        imb_server_refused (self, s_refusal_kind (rc), "client request",
                            reason);
        zmsg_t *reply = im_reply_encode_error (im_error_status (rc),
                                               request->request_id, reason);
        imb_server_send_reply (self->clients, routing, request->one_frame,
                               &reply);
    }
    else
    if (inproc && streq (request->verb, "DENY")) {
        zmsg_t *reply = s_handle_report (self, request);
        imb_server_send_reply (self->clients, routing, request->one_frame,
                               &reply);
    }
    else
    if (im_query_type_from_name (request->verb) != IM_QUERY_NONE) {
        zmsg_t *reply = s_handle_query (self, routing, request);
        imb_server_send_reply (self->clients, routing, request->one_frame,
                               &reply);
    }
    else
        s_handle_command (self, routing, request, key);
    zframe_destroy (&routing);
}
