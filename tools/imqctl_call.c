/*  imqctl_call - one request to the broker, and what its failures print

    Every verb ends the same way: connect, send one request, wait for its
    reply, and turn a missing answer or an error reply into a message on
    stderr and an exit status. Keeping that here means every verb says
    "no answer" and "404 ..." the same way, which scripts rely on.
*/
#include "imqctl.h"

//  Returns the protocol's meaning of an error status (section 5)
static const char *
s_status_text (int status)
{
    switch (status) {
        case IM_PROTO_BAD_REQUEST: return "bad request";
        case IM_PROTO_UNAUTHORIZED: return "this key is not let in";
        case IM_PROTO_FORBIDDEN: return "not allowed for this actor";
        case IM_PROTO_NOT_FOUND: return "no such incident";
        case IM_PROTO_CONFLICT:
            return "not allowed in the incident's current status";
        case IM_PROTO_TOO_LARGE: return "too large";
        case IM_PROTO_NOT_LEADER: return "not the leader";
        case IM_PROTO_INTERNAL: return "internal error";
        case IM_PROTO_UNAVAILABLE: return "busy, retry";
        case IM_PROTO_OUTCOME_UNKNOWN:
            return "outcome unknown, retry with the same request id";
        default:  return "error";
    }
}

//  Prints an error reply: a line on stderr naming the verb, the status,
//  the broker's text and any other detail it gave (a 421 names the
//  leader); with --json the body goes to stdout too
static void
s_print_error (const imqctl_t *self, const im_reply_t *reply)
{
    const im_fields_t *body = reply->body;
    const char *text = body? im_fields_str (body, IM_KEY_ERROR): NULL;
    fprintf (stderr, "imqctl: %s: %d %s", self->verb->name, reply->status,
             text? text: s_status_text (reply->status));
    size_t size = body? im_fields_size (body): 0;
    char pair [256];
    for (size_t index = 0; index < size; index++) {
        if (streq (im_fields_key_at (body, index), IM_KEY_ERROR))
            continue;
        imqctl_text_pair (body, index, pair, sizeof pair);
        fprintf (stderr, " %s", pair);
    }
    fprintf (stderr, "\n");
    if (self->json) {
        json_t *json = json_object ();
        if (json) {
            json_object_set_new (json, IM_KEY_STATUS,
                                 json_integer (reply->status));
            if (body) {
                json_t *fields = im_fields_to_json (body);
                if (fields)
                    json_object_update (json, fields);
                json_decref (fields);
            }
            imqctl_json_print (&json);
        }
    }
}

int
imqctl_call (const imqctl_t *self, const im_fields_t *body, bool raw_items,
             im_reply_t **reply_p)
{
    assert (self);
    return imqctl_call_wire (self, self->verb->wire, body, raw_items,
                             reply_p);
}

int
imqctl_call_wire (const imqctl_t *self, const char *wire,
                  const im_fields_t *body, bool raw_items,
                  im_reply_t **reply_p)
{
    assert (self && wire);
    assert (reply_p);
    *reply_p = NULL;
    im_client_t *client = imqctl_client_new (self, self->endpoint,
                                             self->timeout_ms);
    if (!client)
        return IMQCTL_EXIT_USAGE;
    int rc = imqctl_call_with (self, client, wire, body, raw_items, reply_p);
    im_client_destroy (&client);
    return rc;
}

int
imqctl_call_with (const imqctl_t *self, im_client_t *client,
                  const char *wire, const im_fields_t *body, bool raw_items,
                  im_reply_t **reply_p)
{
    assert (self && client && wire);
    assert (reply_p);
    *reply_p = NULL;
    //  A linearizable read says so in its body; commands are always
    //  the leader's, so the flag changes nothing for them
    im_fields_t *read = NULL;
    if (self->linearizable
    &&  im_query_type_from_name (wire) != IM_QUERY_NONE) {
        read = im_fields_new ();
        if (!read || (body && im_fields_merge (read, body))
        ||  im_fields_set_int (read, IM_KEY_LINEARIZABLE, 1)) {
            im_fields_destroy (&read);
            fprintf (stderr, "imqctl: %s: out of memory\n", self->verb->name);
            return IMQCTL_EXIT_BROKER;
        }
        body = read;
    }
    //  The id is made here, so that it can be named when the outcome is
    //  not known (no answer, or 504): the same id again is safe
    char request_id [IM_REQUEST_ID_MAX];
    if (self->request_id)
        im_strlcpy (request_id, self->request_id, sizeof request_id);
    else
        im_client_new_request_id (request_id, sizeof request_id);
    uint64_t started = im_mono_ms ();
    im_reply_t *reply =
        im_client_call (client, wire, request_id, body, raw_items);
    im_fields_destroy (&read);
    bool command = im_query_type_from_name (wire) == IM_QUERY_NONE;
    int rc = IMQCTL_EXIT_OK;
    bool unknown = reply && reply->status == IM_PROTO_OUTCOME_UNKNOWN;
    if (!reply) {
        //  The call only gives up early for a reply it could not read
        //  or an interrupt; otherwise the deadline passed
        if (im_mono_ms () - started >= (uint64_t) self->timeout_ms) {
            if (self->curve)
                fprintf (stderr, "imqctl: no answer from %s within %d ms "
                         "(talking as %s, %s: a node that does not let "
                         "this key in does not answer)\n", self->endpoint,
                         self->timeout_ms, im_curve_principal (self->curve),
                         self->cert_path);
            else
                fprintf (stderr, "imqctl: no answer from %s within %d ms "
                         "(without CURVE: no certificate in %s; see imqctl "
                         "--help)\n", self->endpoint, self->timeout_ms,
                         self->keys_dir);
            rc = IMQCTL_EXIT_NOANSWER;
            unknown = true;
        }
        else {
            fprintf (stderr, "imqctl: %s: %s\n", self->verb->name,
                     im_client_errmsg (client));
            rc = IMQCTL_EXIT_BROKER;
        }
    }
    else
    if (reply->status >= 400) {
        s_print_error (self, reply);
        im_reply_destroy (&reply);
        rc = IMQCTL_EXIT_BROKER;
    }
    if (unknown && command)
        fprintf (stderr, "imqctl: %s: the outcome is not known; send it "
                 "again with --request-id %s: it is applied at most once, "
                 "and the answer is its result\n", self->verb->name,
                 request_id);
    *reply_p = reply;
    return rc;
}

int
imqctl_command (const imqctl_t *self, int64_t incident,
                const im_fields_t *extra, const char *done)
{
    assert (self);
    assert (done);
    im_fields_t *body = im_fields_new ();
    if (!body) {
        fprintf (stderr, "imqctl: %s: out of memory\n", self->verb->name);
        return IMQCTL_EXIT_BROKER;
    }
    int rc = incident > 0? im_fields_set_int (body, IM_KEY_INCIDENT,
                                              incident): 0;
    if (rc == 0)
        rc = im_fields_merge (body, self->flags);
    if (rc == 0 && extra)
        rc = im_fields_merge (body, extra);
    if (rc == 0)
        rc = imqctl_actor (self)
           ? im_fields_set_str (body, IM_KEY_ACTOR, imqctl_actor (self)) : 0;
    if (rc) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "%s", im_strerror (rc));
    }
    im_reply_t *reply = NULL;
    rc = imqctl_call (self, body, false, &reply);
    if (rc == IMQCTL_EXIT_OK) {
        if (self->json) {
            json_t *json = im_reply_to_json (reply, NULL);
            imqctl_json_print (&json);
        }
        else {
            char id [32], seq [32];
            imqctl_text (reply->body, IM_KEY_INCIDENT, id, sizeof id);
            imqctl_text (reply->body, IM_KEY_SEQ, seq, sizeof seq);
            int64_t answered = im_fields_int_or (reply->body, IM_KEY_INCIDENT,
                                                 0);
            //  A reopen past the window opens a follow-up instead
            if (incident > 0 && answered != incident)
                printf ("incident %" PRId64 " not %s: opened incident %s as "
                        "its follow-up (seq %s)\n", incident, done, id, seq);
            else
                printf ("%s incident %s (seq %s)\n", done, id, seq);
        }
    }
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return rc;
}

int
imqctl_call_incident (const imqctl_t *self, bool raw_items,
                      im_reply_t **reply_p)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    im_fields_t *body = im_fields_new ();
    if (!body || im_fields_set_int (body, IM_KEY_INCIDENT, incident)) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "out of memory");
    }
    rc = imqctl_call (self, body, raw_items, reply_p);
    im_fields_destroy (&body);
    return rc;
}

int
imqctl_command_on_id (const imqctl_t *self, const char *done)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    return imqctl_command (self, incident, NULL, done);
}
