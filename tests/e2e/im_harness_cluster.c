/*  im_harness_cluster - several brokers of one cluster on loopback

    Every node gets its own data directory and three TCP ports on
    127.0.0.1 (client, workers, raft); the harness's configuration file
    gets the cluster.members list, which every broker and worker reads.
    Each node also gets a client of its own, connected to it alone, so
    a test can ask one node what it has (its log, its Raft state) and
    tell the nodes apart, where the harness's own client follows the
    leader like any client would. This is the fixture every cluster test
    shares: a test's state is the harness (imh_setup_cluster, then
    imh_teardown), nodes are killed and restarted by id, and the writes
    a test makes through imh_cluster_writes are kept by the harness and
    checked against every node's log by imh_cluster_check.
*/
#include "im_harness_private.h"

#define IMH_LIST_PAGE   10000       //  LIST's most items per reply
#define IMH_NODE_CALL_MS 1000       //  Bound on a question to one node
#define IMH_LIST_MS     10000       //  Bound on one page of a node's list:
                                    //  a full page under a sanitizer on
                                    //  a loaded machine takes seconds

//  Appends the members to the configuration file
static int
s_write_members (imh_t *self)
{
    FILE *file = fopen (self->config_path, "a");
    if (!file)
        return -1;
    fprintf (file, "cluster:\n  members:\n");
    for (int index = 0; index < self->nodes_n; index++) {
        imh_node_t *node = &self->nodes [index];
        fprintf (file, "    - {id: %d, raft: \"%s\", client: \"%s\", "
                 "workers: \"%s\", http: \"%s\"}\n", index + 1, node->raft,
                 node->endpoint, node->workers, node->http);
    }
    return fclose (file) ? -1 : 0;
}

//  The port of an address or endpoint ("...:<port>"), or 0
static int
s_port_of (const char *address)
{
    const char *colon = strrchr (address, ':');
    return colon ? atoi (colon + 1) : 0;
}

//  True when port is one of the nodes' before node (0 ..): a port
//  found free is only reserved once its broker binds it, so two nodes
//  could otherwise be given the same one
static bool
s_port_taken (imh_t *self, int node, int port)
{
    for (int index = 0; index < node; index++) {
        const imh_node_t *other = &self->nodes [index];
        if (port == s_port_of (other->endpoint)
        ||  port == s_port_of (other->workers)
        ||  port == s_port_of (other->raft)
        ||  port == s_port_of (other->http))
            return true;
    }
    return false;
}

//  A free port that no node before node has, or 0
static int
s_free_port (imh_t *self, int node)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        int port = imh_free_port ();
        if (port && !s_port_taken (self, node, port))
            return port;
    }
    return 0;
}

//  Picks the ports of node (0 ..), each one no node has yet (this one
//  included, as its fields fill); returns 0 or -1
static int
s_node_ports (imh_t *self, int node)
{
    imh_node_t *entry = &self->nodes [node];
    if (*entry->host) {
        //  Its own address in its own namespace: every port is free.
        //  The host is copied aside: gcc's -Wrestrict cannot tell two
        //  fields of one struct apart
        char host [sizeof entry->host];
        memcpy (host, entry->host, sizeof host);
        snprintf (entry->endpoint, sizeof entry->endpoint, "tcp://%s:%d",
                  host, IMH_PLACED_PORT);
        snprintf (entry->workers, sizeof entry->workers, "tcp://%s:%d",
                  host, IMH_PLACED_PORT + 1);
        snprintf (entry->raft, sizeof entry->raft, "%s:%d", host,
                  IMH_PLACED_PORT + 2);
        snprintf (entry->http, sizeof entry->http, "%s:%d", host,
                  IMH_PLACED_PORT + 3);
        return imh_node_cert (self, node + 1, entry->endpoint,
                              entry->workers);
    }
    entry->endpoint [0] = entry->workers [0] = 0;
    entry->raft [0] = entry->http [0] = 0;
    int port = s_free_port (self, node + 1);
    snprintf (entry->endpoint, sizeof entry->endpoint, "tcp://127.0.0.1:%d",
              port);
    int ports = port != 0;
    port = s_free_port (self, node + 1);
    snprintf (entry->workers, sizeof entry->workers, "tcp://127.0.0.1:%d",
              port);
    ports += port != 0;
    port = s_free_port (self, node + 1);
    snprintf (entry->raft, sizeof entry->raft, "127.0.0.1:%d", port);
    ports += port != 0;
    port = s_free_port (self, node + 1);
    snprintf (entry->http, sizeof entry->http, "127.0.0.1:%d", port);
    ports += port != 0;
    return ports == 4 ? imh_node_cert (self, node + 1, entry->endpoint,
                                       entry->workers) : -1;
}

//  Writes every node's endpoint of one kind as a comma-separated list
static void
s_list (imh_t *self, bool workers, char *list, size_t size)
{
    size_t length = 0;
    list [0] = 0;
    for (int index = 0; index < self->nodes_n; index++)
        length += (size_t) snprintf (list + length, size - length, "%s%s",
                                     index ? "," : "",
                                     workers ? self->nodes [index].workers
                                             : self->nodes [index].endpoint);
}

//  Starts the broker of node (1 ..), with extra arguments (NULL-ended,
//  may be NULL). Returns 0 or -1.
static int
s_start_node (imh_t *self, int node, const char *extra_arg)
{
    imh_node_t *entry = &self->nodes [node - 1];
    char id [16], name [16], data [IMH_PATH_MAX];
    snprintf (id, sizeof id, "%d", node);
    snprintf (name, sizeof name, "node%d", node);
    snprintf (data, sizeof data, "%s/%s", self->dir, name);
    const char *extra [] = {
        "--id", id, "-d", data, "--client", entry->endpoint,
        "--workers", entry->workers, "--raft", entry->raft,
        "--http", entry->http, extra_arg, NULL
    };
    if (entry->prefix_n) {
        //  Placed: the prefix execs the broker with the same arguments
        const char *argv [IMH_PREFIX_MAX + 20];
        size_t count = 0;
        for (size_t index = 0; index < entry->prefix_n; index++)
            argv [count++] = entry->prefix [index];
        argv [count++] = imh_program_path (IMH_BROKER);
        argv [count++] = "-c";
        argv [count++] = self->config_path;
        for (size_t index = 0; extra [index]; index++)
            argv [count++] = extra [index];
        argv [count] = NULL;
        entry->slot = imh_start_command (self, name, argv);
    }
    else
        entry->slot = imh_start (self, IMH_BROKER, name, extra);
    entry->client = im_client_new (entry->endpoint, IMH_NODE_CALL_MS);
    return entry->slot < 0 || !entry->client ? -1 : 0;
}

int
imh_cluster_start (imh_t *self, int nodes)
{
    assert (self && nodes > 0 && nodes <= IMH_NODES_MAX && !self->nodes_n);
    self->nodes_n = nodes;
    for (int index = 0; index < nodes; index++)
        if (s_node_ports (self, index))
            return -1;
    if (s_write_members (self))
        return -1;
    for (int node = 1; node <= nodes; node++)
        if (s_start_node (self, node, NULL))
            return -1;
    im_client_destroy (&self->client);
    s_list (self, false, self->client_endpoint,
            sizeof self->client_endpoint);
    s_list (self, true, self->worker_endpoint, sizeof self->worker_endpoint);
    if (!imh_cluster_leader (self, IMH_READY_MS)) {
        fprintf (stderr, "im_harness: no node of the cluster leads\n");
        return -1;
    }
    return 0;
}

int
imh_cluster_place (imh_t *self, int node, const char *host,
                   const char *const *prefix)
{
    assert (self && node >= 1 && node <= IMH_NODES_MAX && host);
    imh_node_t *entry = &self->nodes [node - 1];
    if (self->nodes_n || im_strlcpy (entry->host, host, sizeof entry->host))
        return -1;
    for (size_t index = 0; prefix && prefix [index]; index++) {
        if (entry->prefix_n == IMH_PREFIX_MAX - 1)
            return -1;
        entry->prefix [entry->prefix_n] = strdup (prefix [index]);
        assert (entry->prefix [entry->prefix_n]);
        entry->prefix_n++;
    }
    return 0;
}

const char *
imh_node_data (imh_t *self, int node, char *path, size_t size)
{
    assert (self && node >= 1 && node <= IMH_NODES_MAX && path);
    snprintf (path, size, "%s/node%d", self->dir, node);
    return path;
}

imh_t *
imh_new_cluster (const char *name, const imh_options_t *options, int nodes)
{
    imh_t *self = imh_new (name, options);
    if (self && imh_cluster_start (self, nodes))
        imh_destroy (&self);
    return self;
}

int
imh_setup_cluster (void **state, const char *name,
                   const imh_options_t *options, int nodes)
{
    imh_t *self = imh_new_cluster (name, options, nodes);
    *state = self;
    return self ? 0 : -1;
}

int
imh_node_kill (imh_t *self, int node)
{
    return imh_kill (self, imh_node_slot (self, node));
}

int
imh_node_restart (imh_t *self, int node)
{
    return imh_restart (self, imh_node_slot (self, node));
}

int
imh_cluster_join (imh_t *self)
{
    assert (self && self->nodes_n);
    if (self->nodes_n == IMH_NODES_MAX)
        return 0;
    int node = ++self->nodes_n;
    if (s_node_ports (self, node - 1)
    ||  s_start_node (self, node, "--join"))
        return 0;
    im_client_destroy (&self->client);
    s_list (self, false, self->client_endpoint,
            sizeof self->client_endpoint);
    return node;
}

const char *
imh_node_raft (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    return self->nodes [node - 1].raft;
}

int
imh_node_slot (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    return self->nodes [node - 1].slot;
}

const char *
imh_node_endpoint (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    return self->nodes [node - 1].endpoint;
}

const char *
imh_node_workers (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    return self->nodes [node - 1].workers;
}

const char *
imh_node_http (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    return self->nodes [node - 1].http;
}

im_reply_t *
imh_node_call (imh_t *self, int node, const char *verb,
               const im_fields_t *body)
{
    assert (self && node >= 1 && node <= self->nodes_n && verb);
    im_fields_t *empty = body ? NULL : im_fields_new ();
    im_reply_t *reply = im_client_call (self->nodes [node - 1].client, verb,
                                        NULL, body ? body : empty, false);
    im_fields_destroy (&empty);
    return reply;
}

//  One node's STATUS figures; false when it is down or did not answer
typedef struct {
    char state [16];                //  raft_state
    int64_t term;                   //  term
    int64_t leader;                 //  leader_id
    int64_t last_seq;               //  last_seq
    int64_t applied;                //  applied_index
} s_status_t;

static bool
s_status (imh_t *self, int node, s_status_t *status)
{
    if (!imh_running (self, self->nodes [node - 1].slot))
        return false;
    im_reply_t *reply = imh_node_call (self, node, "STATUS", NULL);
    bool answered = reply && reply->status == 200 && reply->body;
    if (answered) {
        const im_fields_t *body = reply->body;
        im_strlcpy (status->state, im_fields_str_or (body, "raft_state", ""),
                    sizeof status->state);
        status->term = im_fields_int_or (body, "term", -1);
        status->leader = im_fields_int_or (body, "leader_id", -1);
        status->last_seq = im_fields_int_or (body, "last_seq", -1);
        status->applied = im_fields_int_or (body, "applied_index", -1);
    }
    im_reply_destroy (&reply);
    return answered;
}

typedef struct {
    imh_t *self;                    //  The harness
    int wanted;                     //  The node awaited, or 0: any
    int leader;                     //  Found: the leader
} s_leader_t;

static bool
s_leader_agreed (void *arg)
{
    s_leader_t *search = (s_leader_t *) arg;
    imh_t *self = search->self;
    int leader = 0, answered = 0, agreeing = 0;
    s_status_t status [IMH_NODES_MAX];
    for (int node = 1; node <= self->nodes_n; node++) {
        if (!s_status (self, node, &status [node - 1])) {
            status [node - 1].leader = -1;
            continue;
        }
        answered++;
        if (streq (status [node - 1].state, "leader"))
            leader = node;
    }
    for (int node = 1; leader && node <= self->nodes_n; node++)
        agreeing += status [node - 1].leader == leader;
    search->leader = leader && agreeing == answered ? leader : 0;
    return search->leader != 0
        && (!search->wanted || search->leader == search->wanted);
}

int
imh_cluster_leader (imh_t *self, int deadline_ms)
{
    assert (self && self->nodes_n);
    s_leader_t search = { self, 0, 0 };
    imh_wait_for (s_leader_agreed, &search, deadline_ms);
    return search.leader;
}

bool
imh_cluster_wait_leader (imh_t *self, int node, int deadline_ms)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    s_leader_t search = { self, node, 0 };
    return imh_wait_for (s_leader_agreed, &search, deadline_ms);
}

typedef struct {
    imh_t *self;                    //  The harness
    int old;                        //  The node that must not lead
    int leader;                     //  Found: the other that leads
} s_other_t;

static bool
s_other_leads (void *arg)
{
    s_other_t *other = (s_other_t *) arg;
    s_leader_t search = { other->self, 0, 0 };
    s_leader_agreed (&search);
    other->leader = search.leader != other->old ? search.leader : 0;
    return other->leader != 0;
}

int
imh_cluster_other_leader (imh_t *self, int old, int deadline_ms)
{
    assert (self && self->nodes_n);
    s_other_t other = { self, old, 0 };
    imh_wait_for (s_other_leads, &other, deadline_ms);
    return other.leader;
}

static bool
s_converged (void *arg)
{
    imh_t *self = (imh_t *) arg;
    int answered = 0;
    s_status_t first = { "", 0, 0, 0, 0 };
    for (int node = 1; node <= self->nodes_n; node++) {
        s_status_t status;
        if (!imh_running (self, self->nodes [node - 1].slot))
            continue;
        if (!s_status (self, node, &status))
            return false;           //  Running but not answering yet
        if (answered++ == 0)
            first = status;
        else
        if (status.last_seq != first.last_seq
        ||  status.applied != first.applied)
            return false;
    }
    return answered > 0;
}

//  A linearizable read answered: the leader committed an entry of its
//  term and applied everything before it
static bool
s_leader_current (void *arg)
{
    im_reply_t *reply = imh_call ((imh_t *) arg, "STATUS", NULL, false);
    bool current = reply && reply->status == 200;
    im_reply_destroy (&reply);
    return current;
}

bool
imh_cluster_converged (imh_t *self, int deadline_ms)
{
    assert (self && self->nodes_n);
    //  The leader first: after a restart the stores hold what they had
    //  flushed and the rest comes back from the Raft log once the new
    //  leader commits; until then every node may report the same old
    //  applied index and look converged
    return imh_wait_for (s_leader_current, self, deadline_ms)
        && imh_wait_for (s_converged, self, deadline_ms);
}

zlist_t *
imh_node_incidents (imh_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes_n);
    zlist_t *list = zlist_new ();
    zlist_autofree (list);
    //  A client of its own: the node's has a short bound, for status
    im_client_t *client = im_client_new (self->nodes [node - 1].endpoint,
                                         IMH_LIST_MS);
    if (!client)
        zlist_destroy (&list);
    int64_t after = 0;
    bool more = true;
    while (list && more) {
        im_fields_t *body = im_fields_new ();
        im_fields_set_int (body, "limit", IMH_LIST_PAGE);
        im_fields_set_int (body, "after", after);
        im_reply_t *reply = im_client_call (client, "LIST", NULL, body,
                                            false);
        im_fields_destroy (&body);
        if (!reply || reply->status != 200) {
            im_reply_destroy (&reply);
            zlist_destroy (&list);
            break;
        }
        const im_fields_t *item = reply->items
            ? (const im_fields_t *) zlist_first (reply->items) : NULL;
        more = reply->items && zlist_size (reply->items) == IMH_LIST_PAGE;
        while (item) {
            char line [400];
            after = im_fields_int_or (item, "id", 0);
            snprintf (line, sizeof line, "%" PRId64 " %s", after,
                      im_fields_str_or (item, "title", ""));
            zlist_append (list, line);
            item = (const im_fields_t *) zlist_next (reply->items);
        }
        im_reply_destroy (&reply);
    }
    im_client_destroy (&client);
    return list;
}

int
imh_signal (imh_t *self, int slot, int signal)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    pid_t pid = self->procs [slot].pid;
    return pid > 0 ? kill (pid, signal) : -1;
}
