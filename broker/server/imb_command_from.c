/*  imb_command_from - a client's request turned into a command

    What the main thread does to every write request before it goes to
    Raft: the arguments the broker itself reads (incident, actor,
    causation) are checked, the leader's time and the principal's roles
    are stamped, and the rest of the body becomes the command's
    arguments.
*/
#include "imb_classes.h"

//  Builds a command from a request; on a bad request returns the error
//  reply instead (and NULL in *command_p)
zmsg_t *
imb_command_from (im_request_t *request, const char *principal,
                  const char *roles, im_command_t **command_p)
{
    *command_p = NULL;
    im_command_type_t type = im_command_type_from_name (request->verb);
    if (type == IM_CMD_OFFSET || type == IM_CMD_MEMBER)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      type == IM_CMD_OFFSET
                                      ? "OFFSET is internal to the broker"
                                      : "MEMBER is internal to the broker "
                                        "(send CLUSTER-ADD)");
    im_fields_t *body = request->body;
    int64_t incident = 0, causation = 0;
    const char *actor = im_fields_str_or (body, IM_KEY_ACTOR, "anonymous");
    if ((im_fields_has (body, IM_KEY_INCIDENT)
         && (im_fields_int (body, IM_KEY_INCIDENT, &incident) || incident < 1))
    ||  (type != IM_CMD_OPEN && type != IM_CMD_ALERT && type != IM_CMD_CONFIG
         && type != IM_CMD_PRINCIPAL && type != IM_CMD_DENY
         && incident == 0))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "missing or invalid argument 'incident' "
                                      "(an integer >= 1)");
    if (im_fields_has (body, IM_KEY_CAUSATION)
    &&  (im_fields_int (body, IM_KEY_CAUSATION, &causation) || causation < 0))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "argument 'causation' must be an "
                                      "integer >= 0");
    if (im_fields_has (body, IM_KEY_ACTOR)
    &&  (!im_fields_str (body, IM_KEY_ACTOR) || !*actor
         || strlen (actor) >= IM_ACTOR_MAX))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "argument 'actor' must be a string of "
                                      "1 to 63 bytes");
    im_command_t *command = im_command_new ();
    command->type = type;
    command->ts_ms = im_now_ms ();      //  The leader's stamp
    command->incident = (uint64_t) incident;
    command->causation = (uint64_t) causation;
    //  With CURVE the actor is who holds the key, whatever the body says;
    //  a different actor the body names is kept as whom the principal
    //  acts for (an integration opening a ticket for a caller), unless
    //  the body says that itself
    im_strlcpy (command->actor, principal ? principal : actor,
                sizeof command->actor);
    if (principal && im_fields_has (body, IM_KEY_ACTOR)
    &&  !streq (actor, principal) && !im_fields_has (body, IM_KEY_ON_BEHALF_OF)
    &&  im_fields_append_str (command->args, IM_KEY_ON_BEHALF_OF, actor)) {
        im_command_destroy (&command);
        return im_reply_encode_error (IM_PROTO_UNAVAILABLE, request->request_id,
                                      "out of memory; retry");
    }
    im_strlcpy (command->request_id, request->request_id,
                sizeof command->request_id);
    //  Who the principal is decides with the command, in the log: the
    //  state machine reads these roles (and the policy's), never a
    //  node's keys directory
    command->has_roles = principal && roles;
    if (command->has_roles)
        im_strlcpy (command->roles, roles, sizeof command->roles);
    //  Every other body entry is an argument. The body's keys are
    //  unique (decode refuses a repeated key) and args starts empty, so
    //  each is appended as it is, without a search or a second check.
    for (size_t index = 0; index < im_fields_size (body); index++) {
        const char *key = im_fields_key_at (body, index);
        if (!streq (key, IM_KEY_INCIDENT) && !streq (key, IM_KEY_ACTOR)
        &&  !streq (key, IM_KEY_CAUSATION))
            im_fields_append_from (command->args, body, index);
    }
    *command_p = command;
    return NULL;
}
