/*  imb_cluster - what a node of a cluster says about leadership

    A follower keeps naming its leader after that leader died, until its
    own election timer fires; imb_raft reports such a leader as silent
    and it is not named, so clients are not sent to a dead node. A
    redirect can only name a client endpoint for a leader listed in
    cluster.members: for another (added later with CLUSTER-ADD) it
    names the id, and the client finds the node by trying those it knows.
*/
#include "imb_classes.h"

struct _imb_cluster_t {
    const im_config_t *config;      //  This node and the members, borrowed
    imb_raft_t *raft;               //  Followed, borrowed
    bool leading;                   //  This node led at the last look
    uint64_t leader_id;             //  The leader then, 0 when unknown
    uint64_t term;                  //  The term then
    char change_id [IM_REQUEST_ID_MAX];  //  Request id of the change
                                    //  under way, or ""
};

imb_cluster_t *
imb_cluster_new (const im_config_t *config, imb_raft_t *raft)
{
    assert (config && raft);
    imb_cluster_t *self = (imb_cluster_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->raft = raft;
    return self;
}

void
imb_cluster_destroy (imb_cluster_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

bool
imb_cluster_look (imb_cluster_t *self)
{
    assert (self);
    imb_raft_status_t status;
    imb_raft_status (self->raft, &status);
    bool leading = status.state == RAFT_LEADER;
    self->leader_id = status.leader_silent ? 0 : status.leader_id;
    self->term = status.term;
    if (leading == self->leading)
        return false;
    self->leading = leading;
    zsys_notice ("node %" PRIu64 " %s (term %" PRIu64 ")",
                 self->config->node_id,
                 leading ? "leads" : "no longer leads", status.term);
    return true;
}

bool
imb_cluster_leading (imb_cluster_t *self)
{
    assert (self);
    return self->leading;
}

//  The member that leads, if it is listed and not this node
static const im_config_member_t *
s_leader (imb_cluster_t *self)
{
    return self->leader_id && self->leader_id != self->config->node_id
         ? im_config_member (self->config, self->leader_id) : NULL;
}

zmsg_t *
imb_cluster_redirect (imb_cluster_t *self, const char *request_id)
{
    assert (self);
    if (!self->leader_id || self->leader_id == self->config->node_id)
        return im_reply_encode_error (503, request_id, "no leader is known "
                                      "yet (election under way); retry "
                                      "with the same request id");
    const im_config_member_t *leader = s_leader (self);
    char text [IM_CONFIG_PATH_MAX + 96];
    snprintf (text, sizeof text, "not the leader; the leader is node %"
              PRIu64 "%s%s", self->leader_id, leader ? " at " : "",
              leader ? leader->client : "");
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "error", text);
    im_fields_set_int (body, "leader_id", (int64_t) self->leader_id);
    if (leader)
        im_fields_set_str (body, "leader", leader->client);
    zmsg_t *reply = im_reply_encode (421, request_id, body, NULL, NULL);
    im_fields_destroy (&body);
    return reply;
}

zmsg_t *
imb_cluster_worker_redirect (imb_cluster_t *self)
{
    assert (self);
    const im_config_member_t *leader = s_leader (self);
    return leader ? im_wmsg_encode_redirect (leader->workers) : NULL;
}

bool
imb_cluster_is_change (const char *verb)
{
    im_query_type_t type = im_query_type_from_name (verb);
    return type == IM_QUERY_CLUSTER_ADD || type == IM_QUERY_CLUSTER_REMOVE
        || type == IM_QUERY_CLUSTER_TRANSFER;
}

zmsg_t *
imb_cluster_change (imb_cluster_t *self, const im_request_t *request,
                    uint64_t token)
{
    assert (self && request);
    if (!self->leading && !(imb_cluster_look (self), self->leading))
        return imb_cluster_redirect (self, request->request_id);
    im_query_type_t type = im_query_type_from_name (request->verb);
    const im_fields_t *body = request->body;
    int64_t node = 0;
    bool has_node = im_fields_has (body, "node");
    const char *raft = im_fields_str (body, "raft");
    int kind = type == IM_QUERY_CLUSTER_ADD ? IMB_RAFT_ADD
             : type == IM_QUERY_CLUSTER_REMOVE ? IMB_RAFT_REMOVE
             : IMB_RAFT_TRANSFER;
    if (has_node && (im_fields_int (body, "node", &node) || node < 1))
        return im_reply_encode_error (400, request->request_id, "argument "
                                      "'node' must be an integer >= 1");
    if (kind != IMB_RAFT_TRANSFER && !has_node)
        return im_reply_encode_error (400, request->request_id, "missing "
                                      "argument 'node' (the node's id)");
    if (kind == IMB_RAFT_ADD
    &&  (!raft || !*raft || strlen (raft) >= IM_CONFIG_PATH_MAX
         || !strchr (raft, ':')))
        return im_reply_encode_error (400, request->request_id, "missing "
                                      "or invalid argument 'raft' (the new "
                                      "node's host:port)");
    if (imb_raft_control (self->raft, token, kind, (uint64_t) node, raft))
        return im_reply_encode_error (503, request->request_id, "out of "
                                      "memory; retry");
    im_strlcpy (self->change_id, request->request_id, sizeof self->change_id);
    return NULL;
}

bool
imb_cluster_change_running (imb_cluster_t *self, const char *request_id)
{
    assert (self && request_id);
    return *self->change_id && streq (self->change_id, request_id);
}

void
imb_cluster_change_done (imb_cluster_t *self)
{
    assert (self);
    self->change_id [0] = 0;
}
