/*  imb_cluster - what a node of a cluster says about leadership

    A follower keeps naming its leader after that leader died, until its
    own election timer fires; imb_raft reports such a leader as silent
    and it is not named, so clients are not sent to a dead node. A
    redirect names the leader's endpoints as cluster.members lists them,
    or, for a node added later, as its cluster.member event recorded
    them: CLUSTER-ADD with endpoints first checks that the node may be
    added (Raft's configuration, on the Raft thread), then commits a
    MEMBER command, so every node learns them from the log before the
    node is added, and a refused add records nothing.
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
    im_command_t *member;           //  MEMBER to commit once the add
                                    //  was checked, owned, or NULL
    uint64_t add_node;              //  Node to add once its MEMBER is
                                    //  committed, or 0
    char add_raft [IM_CONFIG_PATH_MAX];  //  Its Raft address
    im_config_member_t learned;     //  A member from the log, or id 0
    uint64_t sought;                //  The node last looked up in the log
    uint64_t learned_seq;           //  last_seq when it was looked up
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
        imb_cluster_t *self = *self_p;
        im_command_destroy (&self->member);
        free (self);
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

//  Reads a cluster.member event into member; returns false (member
//  untouched) when the event is another kind
static bool
s_member_read (const void *data, size_t size, im_config_member_t *member,
               int *rc)
{
    im_event_t *event = im_event_new ();
    *rc = event ? im_event_decode (event, data, size, NULL, 0) : IM_ENOMEM;
    bool found = *rc == 0 && event->type == IM_EV_MEMBER;
    if (found) {
        const im_fields_t *payload = event->payload;
        member->id = (uint64_t) im_fields_int_or (payload, IM_KEY_NODE, 0);
        im_strlcpy (member->raft, im_fields_str_or (payload, IM_KEY_RAFT, ""),
                    sizeof member->raft);
        im_strlcpy (member->client,
                    im_fields_str_or (payload, IM_KEY_CLIENT, ""),
                    sizeof member->client);
        im_strlcpy (member->workers,
                    im_fields_str_or (payload, IM_KEY_WORKERS, ""),
                    sizeof member->workers);
        im_strlcpy (member->http, im_fields_str_or (payload, IM_KEY_HTTP, ""),
                    sizeof member->http);
    }
    im_event_destroy (&event);
    return found;
}

//  Keeps the last cluster.member event of the node sought
static int
s_member_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    imb_cluster_t *self = (imb_cluster_t *) arg;
    im_config_member_t member;
    int rc;
    if (s_member_read (data, size, &member, &rc)
    &&  member.id == self->leader_id)
        self->learned = member;
    return rc;
}

//  The leader as the log recorded it; NULL when it was not recorded.
//  Found once, it holds while that node leads: a node's record changes
//  only when it is added again, after a removal, which ends its lead.
//  Not found, it is looked for again once the log has grown (the events
//  of no incident are few: policies and members).
static const im_config_member_t *
s_learned (imb_cluster_t *self)
{
    if (self->learned.id == self->leader_id)
        return &self->learned;
    imb_raft_status_t status;
    imb_raft_status (self->raft, &status);
    if (self->sought != self->leader_id
    ||  self->learned_seq != status.last_seq) {
        memset (&self->learned, 0, sizeof self->learned);
        self->sought = self->leader_id;
        self->learned_seq = status.last_seq;
        if (imc_store_incident_events_scan (imb_raft_store (self->raft), 0,
                                            s_member_event, self))
            memset (&self->learned, 0, sizeof self->learned);
    }
    return self->learned.id == self->leader_id ? &self->learned : NULL;
}

//  The member that leads, if it is not this node and is listed or was
//  recorded in the log
static const im_config_member_t *
s_leader (imb_cluster_t *self)
{
    if (!self->leader_id || self->leader_id == self->config->node_id)
        return NULL;
    const im_config_member_t *listed = im_config_member (self->config,
                                                         self->leader_id);
    return listed ? listed : s_learned (self);
}

zmsg_t *
imb_cluster_redirect (imb_cluster_t *self, const char *request_id)
{
    assert (self);
    if (!self->leader_id || self->leader_id == self->config->node_id)
        return im_reply_encode_error (IM_PROTO_UNAVAILABLE, request_id,
                                      "no leader is known "
                                      "yet (election under way); retry "
                                      "with the same request id");
    const im_config_member_t *known = s_leader (self);
    //  Recorded without a client endpoint: named by its HTTP address only
    const im_config_member_t *leader = known && *known->client ? known
                                                               : NULL;
    char text [IM_CONFIG_PATH_MAX + 96];
    snprintf (text, sizeof text, "not the leader; the leader is node %"
              PRIu64 "%s%s", self->leader_id, leader ? " at " : "",
              leader ? leader->client : "");
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, IM_KEY_ERROR, text);
    im_fields_set_int (body, IM_KEY_LEADER_ID, (int64_t) self->leader_id);
    if (leader)
        im_fields_set_str (body, IM_KEY_LEADER, leader->client);
    if (known && *known->http)
        im_fields_set_str (body, IM_KEY_LEADER_HTTP, known->http);
    zmsg_t *reply = im_reply_encode (IM_PROTO_NOT_LEADER, request_id, body,
                                     NULL, NULL);
    im_fields_destroy (&body);
    return reply;
}

zmsg_t *
imb_cluster_worker_redirect (imb_cluster_t *self)
{
    assert (self);
    const im_config_member_t *leader = s_leader (self);
    return leader && *leader->workers
         ? im_wmsg_encode_redirect (leader->workers) : NULL;
}

//  One member as a CLUSTER-MEMBERS item (the caller's)
static im_fields_t *
s_member_item (const im_config_member_t *member, const char *source)
{
    im_fields_t *item = im_fields_new ();
    if (item) {
        im_fields_set_int (item, IM_KEY_NODE, (int64_t) member->id);
        im_fields_set_str (item, IM_KEY_RAFT, member->raft);
        im_fields_set_str (item, IM_KEY_CLIENT, member->client);
        im_fields_set_str (item, IM_KEY_WORKERS, member->workers);
        im_fields_set_str (item, IM_KEY_HTTP, member->http);
        im_fields_set_str (item, IM_KEY_SOURCE, source);
    }
    return item;
}

//  The member of id in a list of items, or NULL
static im_fields_t *
s_member_find (zlistx_t *items, uint64_t id)
{
    im_fields_t *item = (im_fields_t *) zlistx_first (items);
    for (; item; item = (im_fields_t *) zlistx_next (items))
        if (im_fields_int_or (item, IM_KEY_NODE, 0) == (int64_t) id)
            return item;
    return NULL;
}

typedef struct {
    const im_config_t *config;      //  Listed members win
    zlistx_t *items;                //  The members so far
} s_members_t;

//  Keeps the last cluster.member event of every node not listed
static int
s_members_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    s_members_t *members = (s_members_t *) arg;
    im_config_member_t member;
    int rc;
    if (!s_member_read (data, size, &member, &rc)
    ||  im_config_member (members->config, member.id))
        return rc;
    im_fields_t *item = s_member_find (members->items, member.id);
    if (item)
        zlistx_delete (members->items, zlistx_cursor (members->items));
    item = s_member_item (&member, "log");
    return item && zlistx_add_end (members->items, item) ? 0 : IM_ENOMEM;
}

static void
s_item_destroy (void **item)
{
    im_fields_destroy ((im_fields_t **) item);
}

static int
s_item_compare (const void *item1, const void *item2)
{
    int64_t node1 = im_fields_int_or ((const im_fields_t *) item1,
                                      IM_KEY_NODE, 0);
    int64_t node2 = im_fields_int_or ((const im_fields_t *) item2,
                                      IM_KEY_NODE, 0);
    return node1 < node2 ? -1 : node1 > node2;
}

zmsg_t *
imb_cluster_members (imb_cluster_t *self, const char *request_id)
{
    assert (self && request_id);
    s_members_t members = { self->config, zlistx_new () };
    if (!members.items)
        return im_reply_encode_error (IM_PROTO_INTERNAL, request_id,
                                      "out of memory");
    zlistx_set_destructor (members.items, s_item_destroy);
    zlistx_set_comparator (members.items, s_item_compare);
    int rc = 0;
    for (size_t index = 0; index < self->config->members_n && !rc; index++) {
        im_fields_t *item = s_member_item (&self->config->members [index],
                                           "config");
        rc = item && zlistx_add_end (members.items, item) ? 0 : IM_ENOMEM;
    }
    if (!rc)
        rc = imc_store_incident_events_scan (imb_raft_store (self->raft), 0,
                                             s_members_event, &members);
    //  A node listed nowhere (one node alone) says where it is itself
    if (!rc && !s_member_find (members.items, self->config->node_id)) {
        im_config_member_t me;
        memset (&me, 0, sizeof me);
        me.id = self->config->node_id;
        im_strlcpy (me.raft, self->config->raft_address, sizeof me.raft);
        im_strlcpy (me.client, self->config->client_endpoint,
                    sizeof me.client);
        im_strlcpy (me.workers, self->config->worker_endpoint,
                    sizeof me.workers);
        im_strlcpy (me.http, self->config->http_listen, sizeof me.http);
        im_fields_t *item = s_member_item (&me, "self");
        rc = item && zlistx_add_end (members.items, item) ? 0 : IM_ENOMEM;
    }
    zmsg_t *reply;
    if (rc)
        reply = im_reply_encode_error (IM_PROTO_INTERNAL, request_id,
                                       "cannot read the "
                                       "cluster.member events");
    else {
        zlistx_sort (members.items);
        zlist_t *items = zlist_new ();
        im_fields_t *item = (im_fields_t *) zlistx_first (members.items);
        for (; item; item = (im_fields_t *) zlistx_next (members.items))
            zlist_append (items, item);
        im_fields_t *body = im_fields_new ();
        im_fields_set_int (body, IM_KEY_NODE_ID,
                           (int64_t) self->config->node_id);
        im_fields_set_int (body, IM_KEY_COUNT, (int64_t) zlist_size (items));
        reply = im_reply_encode (IM_PROTO_OK, request_id, body, items, NULL);
        im_fields_destroy (&body);
        zlist_destroy (&items);
    }
    zlistx_destroy (&members.items);
    return reply;
}

bool
imb_cluster_is_change (const char *verb)
{
    im_query_type_t type = im_query_type_from_name (verb);
    return type == IM_QUERY_CLUSTER_ADD || type == IM_QUERY_CLUSTER_REMOVE
        || type == IM_QUERY_CLUSTER_TRANSFER;
}

//  The MEMBER command that records the endpoints a CLUSTER-ADD names
//  (the caller's), or NULL when it names none
static im_command_t *
s_member_command (const im_request_t *request, int64_t node,
                  const char *raft)
{
    const im_fields_t *body = request->body;
    if (!im_fields_has (body, IM_KEY_CLIENT)
    &&  !im_fields_has (body, IM_KEY_WORKERS)
    &&  !im_fields_has (body, IM_KEY_HTTP))
        return NULL;
    im_command_t *command = im_command_new ();
    command->type = IM_CMD_MEMBER;
    command->ts_ms = im_now_ms ();  //  The leader's stamp
    im_strlcpy (command->actor, im_fields_str_or (body, IM_KEY_ACTOR, "broker"),
                sizeof command->actor);
    //  A resent CLUSTER-ADD, here or on the next leader, records once
    im_strlcpy (command->request_id, request->request_id,
                sizeof command->request_id);
    im_fields_set_int (command->args, IM_KEY_NODE, node);
    im_fields_set_str (command->args, IM_KEY_RAFT, raft);
    //  As sent: decide checks each, as any command's arguments
    for (size_t index = 0; index < im_fields_size (body); index++) {
        const char *key = im_fields_key_at (body, index);
        if (streq (key, IM_KEY_CLIENT) || streq (key, IM_KEY_WORKERS)
        ||  streq (key, IM_KEY_HTTP))
            im_fields_append_from (command->args, body, index);
    }
    return command;
}

zmsg_t *
imb_cluster_change (imb_cluster_t *self, const im_request_t *request,
                    uint64_t token)
{
    assert (self && request);
    if (!self->leading && !(imb_cluster_look (self), self->leading))
        return imb_cluster_redirect (self, request->request_id);
    if (*self->change_id)           //  Its steps hold this object's state
        return im_reply_encode_error (IM_PROTO_CONFLICT, request->request_id,
                                      "another "
                                      "membership change is under way; "
                                      "retry once it is done");
    im_query_type_t type = im_query_type_from_name (request->verb);
    const im_fields_t *body = request->body;
    int64_t node = 0;
    bool has_node = im_fields_has (body, IM_KEY_NODE);
    const char *raft = im_fields_str (body, IM_KEY_RAFT);
    int kind = type == IM_QUERY_CLUSTER_ADD ? IMB_RAFT_ADD
             : type == IM_QUERY_CLUSTER_REMOVE ? IMB_RAFT_REMOVE
             : IMB_RAFT_TRANSFER;
    if (has_node && (im_fields_int (body, IM_KEY_NODE, &node) || node < 1))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, "argument "
                                      "'node' must be an integer >= 1");
    if (kind != IMB_RAFT_TRANSFER && !has_node)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, "missing "
                                      "argument 'node' (the node's id)");
    if (kind == IMB_RAFT_ADD
    &&  (!raft || !*raft || strlen (raft) >= IM_CONFIG_PATH_MAX
         || !strchr (raft, ':')))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, "missing "
                                      "or invalid argument 'raft' (the new "
                                      "node's host:port)");
    if (kind == IMB_RAFT_ADD)
        self->member = s_member_command (request, node, raft);
    if (self->member) {
        //  The add is checked against the configuration first, so that
        //  a refused add records nothing; then the MEMBER is committed,
        //  then the node is added (imb_cluster_change_next)
        self->add_node = (uint64_t) node;
        im_strlcpy (self->add_raft, raft, sizeof self->add_raft);
        kind = IMB_RAFT_ADD_CHECK;
    }
    if (imb_raft_control (self->raft, token, kind, (uint64_t) node, raft)) {
        im_command_destroy (&self->member);
        self->add_node = 0;
        return im_reply_encode_error (IM_PROTO_UNAVAILABLE,
                                      request->request_id, "out of "
                                      "memory; retry");
    }
    im_strlcpy (self->change_id, request->request_id, sizeof self->change_id);
    return NULL;
}

int
imb_cluster_change_next (imb_cluster_t *self, uint64_t token,
                         im_command_t **member_p)
{
    assert (self && member_p);
    *member_p = NULL;
    if (self->member) {
        *member_p = self->member;   //  The add was checked: record it
        self->member = NULL;
        return 1;
    }
    if (!self->add_node)
        return 0;
    uint64_t node = self->add_node;
    self->add_node = 0;
    return imb_raft_control (self->raft, token, IMB_RAFT_ADD, node,
                             self->add_raft) ? IM_ENOMEM : 1;
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
    im_command_destroy (&self->member);
    self->add_node = 0;
}
