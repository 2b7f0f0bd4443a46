/*  imb_server_pending - who waits for what the Raft thread gives back

    A command goes to the Raft thread under a token, and whoever sent it
    waits in a table by token until the entry holding it was applied;
    a linearizable read waits for its barrier and a cluster change for
    each of its steps the same way. The results arrive on the Raft
    thread's pipe, in entry order, and are answered from here. Records
    are kept for reuse: the broker answers tens of thousands a second.
*/
#include "imb_classes.h"
#include "imb_server_private.h"

size_t
imb_server_token_hash (const void *key)
{
    return (size_t) ((uintptr_t) key * 11400714819323198485ull);
}

int
imb_server_token_compare (const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) a, y = (uintptr_t) b;
    return x < y ? -1 : x > y;
}

void
imb_server_pending_free (void **item)
{
    imb_server_pending_t *pending = (imb_server_pending_t *) *item;
    im_request_destroy (&pending->read);
    free (pending);
    *item = NULL;
}

//  Reuses a spare pending record, or makes one
static imb_server_pending_t *
s_pending_take (imb_server_t *self)
{
    imb_server_pending_t *pending =
        (imb_server_pending_t *) zlistx_detach (self->spare, NULL);
    if (!pending)
        pending = (imb_server_pending_t *) malloc (sizeof *pending);
    assert (pending);
    return pending;
}

//  Keeps up to this many spare records; more are freed
#define SPARE_MAX   65536

static void
s_pending_give (imb_server_t *self, imb_server_pending_t *pending)
{
    im_request_destroy (&pending->read);
    if (zlistx_size (self->spare) < SPARE_MAX)
        zlistx_add_end (self->spare, pending);
    else
        free (pending);
}

//  Remembers who waits for token's result; returns the record (the
//  table's)
imb_server_pending_t *
imb_server_pending_add (imb_server_t *self, uint64_t token,
                        zframe_t *routing, const char *request_id,
                        bool one_frame)
{
    imb_server_pending_t *pending = s_pending_take (self);
    size_t routing_size = zframe_size (routing);
    assert (routing_size <= sizeof pending->routing);
    memcpy (pending->routing, zframe_data (routing), routing_size);
    pending->routing_size = (uint8_t) routing_size;
    im_strlcpy (pending->request_id, request_id, sizeof pending->request_id);
    pending->read = NULL;
    pending->change = false;
    pending->one_frame = one_frame;
    pending->type = IM_CMD_NONE;
    zhashx_insert (self->pending, (void *) (uintptr_t) token, pending);
    return pending;
}

//  Hands a command to Raft, packed, under token. Returns 0, IM_ENOMEM
//  or IM_EBUSY.
static int
s_submit_as (imb_server_t *self, const im_command_t *command, uint64_t token)
{
    self->packed.size = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, &self->packed, msgpack_sbuffer_write);
    if (im_command_pack (command, &pk))
        return IM_ENOMEM;
    return imb_raft_submit (self->raft, token, self->packed.data,
                            self->packed.size);
}

//  Hands a packed command to Raft. Returns 0 or IM_EBUSY.
int
imb_server_submit (imb_server_t *self, const im_command_t *command,
                   zframe_t *routing, const char *request_id,
                   bool one_frame)
{
    //  libzmq keeps routing ids to 255 bytes; never trust that blindly
    if (routing
    &&  zframe_size (routing) > sizeof ((imb_server_pending_t *) 0)->routing)
        return IM_EPROTO;
    uint64_t token = ++self->next_token;
    int rc = s_submit_as (self, command, token);
    if (rc == 0 && routing) {
        //  Who asked what, should the state machine refuse it (403)
        imb_server_pending_t *pending =
            imb_server_pending_add (self, token, routing, request_id,
                                    one_frame);
        pending->type = command->type;
        pending->incident = command->incident;
        im_strlcpy (pending->actor, command->actor, sizeof pending->actor);
    }
    return rc;
}

//  Answers what waited for a barrier or a change that went through,
//  what failed because this node stopped leading (naming the leader),
//  or a change whose next step could not start (503)
static void
s_answer_after (imb_server_t *self, imb_server_pending_t *pending,
                int status)
{
    zmsg_t *reply;
    if (status == IM_PROTO_NOT_LEADER) {
        imb_server_look (self);
        reply = imb_cluster_redirect (self->cluster, pending->request_id);
    }
    else
    if (status == IM_PROTO_UNAVAILABLE)
        reply = im_reply_encode_error (IM_PROTO_UNAVAILABLE,
                                       pending->request_id, "the "
                                       "broker is busy; retry with the "
                                       "same request id");
    else
    if (pending->read)
        reply = imb_server_query (self, pending->read);
    else {
        im_fields_t *done = im_fields_new ();
        im_fields_set_int (done, IM_KEY_NODE_ID,
                           (int64_t) self->config.node_id);
        reply = im_reply_encode (IM_PROTO_OK, pending->request_id, done, NULL,
                                 NULL);
        im_fields_destroy (&done);
    }
    zframe_t *routing = zframe_new (pending->routing, pending->routing_size);
    imb_server_send_reply (self->clients, routing, pending->one_frame,
                           &reply);
    zframe_destroy (&routing);
}

//  The state machine refused pending's command for a role the policy
//  gives (403): a denial like the node's own, recorded the same way
static void
s_denied_by_policy (imb_server_t *self, const imb_server_pending_t *pending,
                    const void *body, size_t size)
{
    const char *verb = im_command_type_name (pending->type);
    im_fields_t *fields = im_fields_new ();
    if (!verb || !fields
    ||  im_fields_decode (fields, body, size, NULL, 0) != 0) {
        im_fields_destroy (&fields);
        return;
    }
    imb_denials_record (self->denials, pending->actor, verb,
                        pending->incident, "policy_role",
                        im_fields_str_or (fields, IM_KEY_ERROR, "refused"));
    im_fields_destroy (&fields);
}

//  An entry was applied: answer whoever waits for its commands
int
imb_server_on_results (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    imb_server_t *self = (imb_server_t *) arg;
    zframe_t *frame = zframe_recv (socket);
    uint64_t last_seq;
    uint32_t count;
    size_t offset;
    if (!frame || imb_raft_results_header (frame, &last_seq, &count, &offset)) {
        zframe_destroy (&frame);
        return 0;
    }
    for (uint32_t index = 0; index < count; index++) {
        uint64_t token;
        int status;
        const void *body;
        size_t size;
        if (imb_raft_results_next (frame, &offset, &token, &status, &body,
                                   &size))
            break;
        void *key = (void *) (uintptr_t) token;
        imb_server_pending_t *pending =
            (imb_server_pending_t *) zhashx_lookup (self->pending, key);
        if (!pending)
            continue;               //  An internal command (OFFSET)
        im_command_t *member = NULL;
        int next = pending->change && status == IM_PROTO_OK
                 ? imb_cluster_change_next (self->cluster, token, &member)
                 : 0;
        if (member) {               //  A node's endpoints, recorded first
            if (s_submit_as (self, member, token))
                next = IM_EBUSY;
            imb_raft_flush (self->raft);
            im_command_destroy (&member);
        }
        if (next == 1)
            continue;               //  The change goes on, same token
        if (status == IM_PROTO_FORBIDDEN && pending->type != IM_CMD_NONE)
            s_denied_by_policy (self, pending, body, size);
        if (next < 0)
            status = IM_PROTO_UNAVAILABLE;
        if (pending->change)
            imb_cluster_change_done (self->cluster);
        if (status == IM_PROTO_NOT_LEADER || next < 0
        ||  (status == IM_PROTO_OK && (pending->read || pending->change)))
            s_answer_after (self, pending, status);
        else
            im_reply_send_packed (self->clients, pending->routing,
                                  pending->routing_size, pending->one_frame,
                                  status,
                                  pending->request_id, body, size);
        zhashx_delete (self->pending, key);     //  No destructor
        s_pending_give (self, pending);
    }
    zframe_destroy (&frame);
    imb_dispatch_committed (self->dispatch, last_seq);
    return 0;
}
