/*  imqctl_cmd_cluster - imqctl cluster: the nodes of a cluster, and
    changes to its membership

    "cluster status" asks every endpoint of the list on its own (not
    through a leader), so that it shows the nodes that answer and the
    ones that do not: each node's role, term, commit and applied index,
    and its lag (the highest applied index any node reports minus this
    node's: entries it has yet to apply; Raft's own entries, such as
    configuration changes, count in the commit index but not here).
    The changes are sent to the leader, whichever node of the list that
    is; the client follows the redirect. "cluster add" may name the new
    node's client and worker endpoints and HTTP address: the cluster
    records them in its log, so that once the node leads every other
    node's redirects name it. "cluster members" shows every node the
    node asked knows, with its addresses (CLUSTER-MEMBERS).
*/
#include "imqctl.h"

#define S_STATUS_MS     1000        //  Bound on each node's answer
#define S_NODES_MAX     16          //  Endpoints shown

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_CLIENT,  "EP",   IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_WORKERS, "EP",   IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_HTTP,    "HOST:PORT", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  What one endpoint said, or NULL when it did not answer
typedef struct {
    char endpoint [IM_PROTO_ENDPOINT_MAX];  //  As listed
    im_reply_t *reply;                      //  Its STATUS, owned, or NULL
} s_node_t;

//  Asks each endpoint of the list for STATUS; returns how many there are
static size_t
s_ask_all (const imqctl_t *self, s_node_t *nodes)
{
    char list [1024];
    im_strlcpy (list, self->endpoint, sizeof list);
    size_t count = 0;
    char *saveptr = NULL;
    for (char *token = strtok_r (list, ", ", &saveptr);
         token && count < S_NODES_MAX;
         token = strtok_r (NULL, ", ", &saveptr)) {
        s_node_t *node = &nodes [count++];
        im_strlcpy (node->endpoint, token, sizeof node->endpoint);
        int timeout = self->timeout_ms < S_STATUS_MS ? self->timeout_ms
                                                     : S_STATUS_MS;
        im_client_t *client = imqctl_client_new (self, token, timeout);
        node->reply = client ? im_client_call (client, "STATUS", NULL, NULL,
                                               false)
                             : NULL;
        if (node->reply && node->reply->status != IM_PROTO_OK)
            im_reply_destroy (&node->reply);
        im_client_destroy (&client);
    }
    return count;
}

static int64_t
s_int (const s_node_t *node, const char *key)
{
    return node->reply && node->reply->body
         ? im_fields_int_or (node->reply->body, key, 0) : 0;
}

static int
s_status (imqctl_t *self)
{
    s_node_t nodes [S_NODES_MAX];
    memset (nodes, 0, sizeof nodes);
    size_t count = s_ask_all (self, nodes);
    int64_t applied = 0;
    size_t answered = 0;
    for (size_t index = 0; index < count; index++)
        if (nodes [index].reply) {
            answered++;
            if (s_int (&nodes [index], IM_KEY_APPLIED_INDEX) > applied)
                applied = s_int (&nodes [index], IM_KEY_APPLIED_INDEX);
        }
    static const char *keys [] = {
        "node_id", "raft_state", "term", "leader_id", "commit_index",
        IM_KEY_APPLIED_INDEX
    };
    json_t *array = json_array ();
    const char *headers [] = {
        "ENDPOINT", "NODE", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED",
        "LAG"
    };
    imqctl_table_t *table = imqctl_table_new (headers, 8);
    for (size_t index = 0; index < count && table && array; index++) {
        s_node_t *node = &nodes [index];
        char cells [8][IM_PROTO_ENDPOINT_MAX];
        const char *row [8];
        im_strlcpy (cells [0], node->endpoint, sizeof cells [0]);
        json_t *item = node->reply && node->reply->body
                     ? im_fields_to_json (node->reply->body) : json_object ();
        json_object_set_new (item, "endpoint", json_string (node->endpoint));
        for (size_t column = 1; column < 7; column++) {
            if (node->reply)
                imqctl_text (node->reply->body, keys [column - 1],
                             cells [column], sizeof cells [column]);
            else
                im_strlcpy (cells [column], column == 2 ? "no answer" : "-",
                            sizeof cells [column]);
        }
        //  A node whose disk lost log entries does not vote until the
        //  leader sent them back (docs/faults.md)
        if (s_int (node, IM_KEY_LOG_REPAIR_TO) > 0) {
            char role [IM_PROTO_ENDPOINT_MAX];
            snprintf (role, sizeof role, "%.40s, repairing", cells [2]);
            im_strlcpy (cells [2], role, sizeof cells [2]);
        }
        int64_t lag = applied - s_int (node, IM_KEY_APPLIED_INDEX);
        if (node->reply) {
            snprintf (cells [7], sizeof cells [7], "%" PRId64, lag);
            json_object_set_new (item, IM_KEY_LAG, json_integer (lag));
        }
        else {
            im_strlcpy (cells [7], "-", sizeof cells [7]);
            json_object_set_new (item, IM_KEY_RAFT_STATE,
                                 json_string ("unreachable"));
        }
        json_array_append_new (array, item);
        for (size_t column = 0; column < 8; column++)
            row [column] = cells [column];
        imqctl_table_add (table, row);
    }
    if (self->json) {
        json_t *json = json_object ();
        json_object_set_new (json, "nodes", array);
        array = NULL;
        imqctl_json_print (&json);
    }
    else
    if (table)
        imqctl_table_print (table, stdout, IMQCTL_WIDTH);
    json_decref (array);
    imqctl_table_destroy (&table);
    for (size_t index = 0; index < count; index++)
        im_reply_destroy (&nodes [index].reply);
    if (answered == 0) {
        fprintf (stderr, "imqctl: cluster status: no node answered\n");
        return IMQCTL_EXIT_NOANSWER;
    }
    return IMQCTL_EXIT_OK;
}

//  cluster members: every node the node asked knows, with its addresses
static int
s_members (imqctl_t *self)
{
    im_reply_t *reply = NULL;
    int rc = imqctl_call_wire (self, "CLUSTER-MEMBERS", NULL, false, &reply);
    if (rc != IMQCTL_EXIT_OK)
        return rc;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, "members");
        imqctl_json_print (&json);
        im_reply_destroy (&reply);
        return IMQCTL_EXIT_OK;
    }
    static const char *keys [] = {
        IM_KEY_NODE, IM_KEY_RAFT, IM_KEY_CLIENT, IM_KEY_WORKERS, IM_KEY_HTTP,
        IM_KEY_SOURCE
    };
    const char *headers [] = {
        "NODE", "RAFT", "CLIENT", "WORKERS", "HTTP", "SOURCE"
    };
    imqctl_table_t *table = imqctl_table_new (headers, 6);
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item && table;
         item = (const im_fields_t *) zlist_next (reply->items)) {
        char cells [6][IM_PROTO_ENDPOINT_MAX];
        const char *row [6];
        for (size_t column = 0; column < 6; column++) {
            imqctl_text (item, keys [column], cells [column],
                         sizeof cells [column]);
            row [column] = cells [column];
        }
        imqctl_table_add (table, row);
    }
    if (table)
        imqctl_table_print (table, stdout, IMQCTL_WIDTH);
    imqctl_table_destroy (&table);
    im_reply_destroy (&reply);
    return IMQCTL_EXIT_OK;
}

//  cluster add ID RAFT / remove ID / transfer-leadership [ID]
static int
s_change (imqctl_t *self, const char *wire, const char *done)
{
    im_fields_t *body = im_fields_new ();
    if (!body)
        return imqctl_args_fail (self, "out of memory");
    int64_t node = 0;
    int rc = IMQCTL_EXIT_OK;
    if (self->args_n > 1) {
        rc = imqctl_args_id (self, 1, &node);
        if (rc == IMQCTL_EXIT_OK)
            im_fields_set_int (body, IM_KEY_NODE, node);
    }
    if (rc == IMQCTL_EXIT_OK && self->args_n > 2)
        im_fields_set_str (body, IM_KEY_RAFT, self->args [2]);
    if (rc == IMQCTL_EXIT_OK && im_fields_merge (body, self->flags))
        rc = imqctl_args_fail (self, "out of memory");
    imqctl_verb_t verb = *self->verb;
    verb.wire = wire;
    imqctl_t change = *self;
    change.verb = &verb;
    im_reply_t *reply = NULL;
    if (rc == IMQCTL_EXIT_OK)
        rc = imqctl_call (&change, body, false, &reply);
    if (rc == IMQCTL_EXIT_OK) {
        if (self->json) {
            json_t *json = im_reply_to_json (reply, NULL);
            imqctl_json_print (&json);
        }
        else
        if (node)
            printf ("%s node %" PRId64 "\n", done, node);
        else
            printf ("%s\n", done);
    }
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return rc;
}

static int
s_run_cluster (imqctl_t *self)
{
    const char *what = self->args [0];
    size_t args = self->args_n;
    if (!streq (what, "add") && im_fields_size (self->flags) > 0)
        return imqctl_args_fail (self, "--client, --workers and --http "
                                 "are for add only");
    if (streq (what, "status") && args == 1)
        return s_status (self);
    if (streq (what, "members") && args == 1)
        return s_members (self);
    if (streq (what, "add") && args == 3)
        return s_change (self, "CLUSTER-ADD", "added");
    if (streq (what, "remove") && args == 2)
        return s_change (self, "CLUSTER-REMOVE", "removed");
    if (streq (what, "transfer-leadership") && args <= 2)
        return s_change (self, "CLUSTER-TRANSFER",
                         "leadership transferred");
    return imqctl_args_fail (self, "expects status, members, add ID "
                             "HOST:PORT "
                             "[--client EP] [--workers EP] [--http "
                             "HOST:PORT], remove ID or "
                             "transfer-leadership [ID]");
}

const imqctl_verb_t imqctl_verb_cluster = {
    "cluster", NULL, "status | members | add ID HOST:PORT | remove ID | "
    "transfer-leadership [ID]", 1, 3, s_flags,
    "show every node's raft state or every node's addresses, or change "
    "the membership (add: --client, --workers, --http name the new "
    "node's endpoints, which the cluster records)", s_run_cluster
};
