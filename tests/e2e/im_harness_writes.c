/*  im_harness_writes - writes that must each be acknowledged once

    What a client does through a failover, done deliberately: every
    write keeps its request id for life, is sent again when its answer
    does not come (half a second after its last send) or is a redirect,
    a 503 or a 504 (50 ms after it), and counts as done at its first
    200. The promise under test is the broker's: an answered write is in
    every node's log exactly once, under the incident its answer named,
    however many times it was sent and to whichever nodes.
*/
#include "im_harness_private.h"

#define IMH_RESEND_MS   500         //  Silence before a write goes again
#define IMH_RETRY_MS    50          //  Wait after a 421, a 503 or a 504

typedef struct {
    uint64_t incident;              //  From its 200 answer, or 0
    uint64_t sent_ms;               //  Last sent, monotonic, or 0
    uint64_t answered_ms;           //  When the 200 came, or 0
} s_write_t;

struct _imh_writes_t {
    char prefix [32];               //  Titles and request ids
    int count;                      //  Writes
    int answered;                   //  Writes answered 200
    int released;                   //  Writes that may be sent: count,
                                    //  or fewer while paced
    int rate;                       //  Releases a second while paced, or 0
    uint64_t paced_ms;              //  When the pace began
    s_write_t *writes;              //  count of them, owned
    im_client_t *client;            //  Over the harness's endpoints
    int replies [600];              //  Replies received, by status
    char *padding;                  //  Description of each write, owned,
                                    //  or NULL
};

imh_writes_t *
imh_writes_new (imh_t *harness, const char *endpoint, const char *prefix,
                int count)
{
    assert (harness && prefix && count > 0);
    imh_writes_t *self = (imh_writes_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    im_strlcpy (self->prefix, prefix, sizeof self->prefix);
    self->count = count;
    self->released = count;
    self->writes = (s_write_t *) calloc ((size_t) count, sizeof (s_write_t));
    //  No wait on a send: a write no node can take now goes next time
    self->client = im_client_new (endpoint ? endpoint
                                           : imh_client_endpoint (harness),
                                  0);
    if (!self->writes || !self->client)
        imh_writes_destroy (&self);
    return self;
}

void
imh_writes_destroy (imh_writes_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imh_writes_t *self = *self_p;
        im_client_destroy (&self->client);
        free (self->padding);
        free (self->writes);
        free (self);
        *self_p = NULL;
    }
}

//  Sends write n
static void
s_send (imh_writes_t *self, int n)
{
    char id [64], title [64];
    snprintf (id, sizeof id, "%s-%d", self->prefix, n);
    snprintf (title, sizeof title, "%s %d", self->prefix, n);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", title);
    im_fields_set_str (body, "reporter", "writes");
    if (self->padding)
        im_fields_set_str (body, "description", self->padding);
    int rc = im_client_send (self->client, "OPEN", id, body);
    im_fields_destroy (&body);
    //  No node connected yet: again soon
    self->writes [n].sent_ms = im_mono_ms ()
                             - (rc ? IMH_RESEND_MS - IMH_RETRY_MS : 0);
}

//  Reads one reply and records it
static void
s_recv (imh_writes_t *self)
{
    im_reply_t *reply = im_client_recv (self->client, false);
    if (!reply)
        return;
    size_t length = strlen (self->prefix);
    int n = -1;
    if (strncmp (reply->request_id, self->prefix, length) == 0
    &&  reply->request_id [length] == '-')
        n = atoi (reply->request_id + length + 1);
    if (n >= 0 && n < self->count
    &&  reply->status >= 100 && reply->status < 600)
        self->replies [reply->status]++;
    if (n >= 0 && n < self->count) {
        s_write_t *write = &self->writes [n];
        if (reply->status == 200 && !write->incident && reply->body) {
            write->incident = (uint64_t) im_fields_int_or (reply->body,
                                                           "incident", 0);
            write->answered_ms = im_mono_ms ();
            self->answered++;
        }
        else
        if ((reply->status == 421 || reply->status == 503
             || reply->status == 504)
        &&  write->sent_ms > IMH_RESEND_MS)
            //  Redirected, no leader yet, or an outcome the node could not
            //  tell: again soon, once the client talks to the leader or an
            //  election is over
            write->sent_ms = im_mono_ms () - (IMH_RESEND_MS - IMH_RETRY_MS);
    }
    im_reply_destroy (&reply);
}

//  Releases, while paced, the writes whose time came
static void
s_release (imh_writes_t *self)
{
    if (self->rate) {
        uint64_t due = (im_mono_ms () - self->paced_ms)
                     * (uint64_t) self->rate / 1000 + 1;
        self->released = due < (uint64_t) self->count ? (int) due
                                                      : self->count;
    }
}

void
imh_writes_set_padding (imh_writes_t *self, size_t size)
{
    assert (self);
    free (self->padding);
    self->padding = NULL;
    if (size) {
        self->padding = (char *) malloc (size + 1);
        assert (self->padding);
        memset (self->padding, 'p', size);
        self->padding [size] = 0;
    }
}

//  Sends what is due among the released writes, then reads replies
//  for up to poll_ms, until answered writes reach answered
static void
s_step (imh_writes_t *self, int answered, int poll_ms)
{
    zsock_t *sock = im_client_sock (self->client);
    s_release (self);
    uint64_t now = im_mono_ms ();
    for (int n = 0; n < self->released; n++)
        if (!self->writes [n].incident
        &&  (!self->writes [n].sent_ms
             || now - self->writes [n].sent_ms >= IMH_RESEND_MS))
            s_send (self, n);
    zmq_pollitem_t item = { zsock_resolve (sock), 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, poll_ms) > 0)
        while (self->answered < answered
           &&  (zsock_events (sock) & ZMQ_POLLIN))
            s_recv (self);
}

int
imh_writes_run (imh_writes_t *self, int answered, int deadline_ms)
{
    assert (self);
    uint64_t deadline = im_mono_ms () + (uint64_t) deadline_ms;
    //  Paced, it looks again soon: the writes go one by one, not in
    //  bursts
    while (self->answered < answered && im_mono_ms () < deadline
       &&  !zsys_interrupted)
        s_step (self, answered, self->rate ? 2 : 50);
    return self->answered;
}

void
imh_writes_pace (imh_writes_t *self, int per_second)
{
    assert (self && per_second >= 0);
    self->rate = per_second;
    self->paced_ms = im_mono_ms ();
    self->released = per_second ? 0 : self->count;
}

int
imh_writes_paced (imh_writes_t *self, int per_second, int duration_ms)
{
    assert (self && per_second > 0);
    uint64_t end = im_mono_ms () + (uint64_t) duration_ms;
    imh_writes_pace (self, per_second);
    while (im_mono_ms () < end && !zsys_interrupted)
        s_step (self, self->count, 2);
    imh_writes_pace (self, 0);
    return self->answered;
}

int
imh_writes_replies (imh_writes_t *self, int status)
{
    assert (self);
    return status >= 100 && status < 600 ? self->replies [status] : 0;
}

uint64_t
imh_writes_incident (imh_writes_t *self, int n)
{
    assert (self && n >= 0 && n < self->count);
    return self->writes [n].incident;
}

uint64_t
imh_writes_first_after (imh_writes_t *self, uint64_t since_ms)
{
    assert (self);
    uint64_t first = 0;
    for (int n = 0; n < self->count; n++) {
        uint64_t at = self->writes [n].answered_ms;
        if (at > since_ms && (!first || at < first))
            first = at;
    }
    return first;
}

int
imh_writes_check (imh_writes_t *self, zlist_t *incidents)
{
    assert (self);
    if (!incidents) {
        fprintf (stderr, "im_harness: no incident list to check\n");
        return 1;
    }
    int problems = 0;
    int *seen = (int *) calloc ((size_t) self->count, sizeof (int));
    assert (seen);
    size_t length = strlen (self->prefix);
    for (const char *line = (const char *) zlist_first (incidents); line;
         line = (const char *) zlist_next (incidents)) {
        uint64_t id = strtoull (line, NULL, 10);
        const char *title = strchr (line, ' ');
        if (!title || strncmp (title + 1, self->prefix, length)
        ||  title [length + 1] != ' ')
            continue;
        int n = atoi (title + length + 2);
        if (n < 0 || n >= self->count)
            continue;
        seen [n]++;
        if (self->writes [n].incident && self->writes [n].incident != id) {
            fprintf (stderr, "im_harness: '%s' is incident %" PRIu64
                     ", its answer said %" PRIu64 "\n", title + 1, id,
                     self->writes [n].incident);
            problems++;
        }
    }
    //  An unanswered write may be there or not, but never twice
    for (int n = 0; n < self->count; n++)
        if ((self->writes [n].incident && seen [n] != 1) || seen [n] > 1) {
            fprintf (stderr, "im_harness: '%s %d' answered, found %d "
                     "times\n", self->prefix, n, seen [n]);
            problems++;
        }
    free (seen);
    return problems;
}

int
imh_writes_missing (imh_writes_t *self, zlist_t *incidents)
{
    assert (self && incidents);
    zhash_t *held = zhash_new ();
    assert (held);
    for (const char *item = (const char *) zlist_first (incidents); item;
         item = (const char *) zlist_next (incidents))
        zhash_insert (held, item, (void *) item);
    int missing = 0;
    for (int n = 0; n < self->count; n++) {
        char line [128];
        snprintf (line, sizeof line, "%" PRIu64 " %s %d",
                  self->writes [n].incident, self->prefix, n);
        missing += self->writes [n].incident && !zhash_lookup (held, line);
    }
    zhash_destroy (&held);
    return missing;
}

//  Compares a node's incidents with the reference node's; counts and
//  prints the differences
static int
s_compare (zlist_t *incidents, zlist_t *reference, int node)
{
    if (zlist_size (incidents) != zlist_size (reference)) {
        fprintf (stderr, "im_harness: node %d holds %zu incidents, another "
                 "%zu\n", node, zlist_size (incidents),
                 zlist_size (reference));
        return 1;
    }
    const char *mine = (const char *) zlist_first (incidents);
    const char *theirs = (const char *) zlist_first (reference);
    while (mine && theirs) {
        if (!streq (mine, theirs)) {
            fprintf (stderr, "im_harness: node %d holds '%s' where another "
                     "holds '%s'\n", node, mine, theirs);
            return 1;
        }
        mine = (const char *) zlist_next (incidents);
        theirs = (const char *) zlist_next (reference);
    }
    return 0;
}

imh_writes_t *
imh_cluster_writes (imh_t *harness, const char *endpoint, const char *prefix,
                    int count)
{
    assert (harness);
    if (!harness->writes) {
        harness->writes = zlistx_new ();
        if (!harness->writes)
            return NULL;
        zlistx_set_destructor (harness->writes,
                               (czmq_destructor *) imh_writes_destroy);
    }
    imh_writes_t *self = imh_writes_new (harness, endpoint, prefix, count);
    if (self && !zlistx_add_end (harness->writes, self))
        imh_writes_destroy (&self);
    return self;
}

int
imh_cluster_check (imh_t *harness, int64_t total, int deadline_ms)
{
    assert (harness);
    size_t count = harness->writes ? zlistx_size (harness->writes) : 0;
    imh_writes_t **all = (imh_writes_t **) calloc (count + 1, sizeof *all);
    assert (all);
    size_t index = 0;
    for (imh_writes_t *writes = count
             ? (imh_writes_t *) zlistx_first (harness->writes) : NULL;
         writes; writes = (imh_writes_t *) zlistx_next (harness->writes))
        all [index++] = writes;
    int problems = imh_writes_check_cluster (harness, all, count, total,
                                             deadline_ms);
    free (all);
    return problems;
}

int
imh_writes_check_cluster (imh_t *harness, imh_writes_t **writes, size_t count,
                          int64_t total, int deadline_ms)
{
    assert (harness && (writes || count == 0));
    if (!imh_cluster_converged (harness, deadline_ms)) {
        fprintf (stderr, "im_harness: the nodes did not converge\n");
        return 1;
    }
    int problems = 0;
    zlist_t *reference = NULL;
    for (int node = 1; node <= harness->nodes_n; node++) {
        if (!imh_running (harness, imh_node_slot (harness, node)))
            continue;
        zlist_t *incidents = imh_node_incidents (harness, node);
        if (!incidents) {
            fprintf (stderr, "im_harness: node %d did not list\n", node);
            problems++;
            continue;
        }
        for (size_t index = 0; index < count; index++)
            if (writes [index])
                problems += imh_writes_check (writes [index], incidents);
        if (!reference)
            reference = incidents;
        else {
            problems += s_compare (incidents, reference, node);
            zlist_destroy (&incidents);
        }
    }
    if (reference && total >= 0 && (int64_t) zlist_size (reference) != total) {
        fprintf (stderr, "im_harness: %zu incidents, expected %" PRId64 "\n",
                 zlist_size (reference), total);
        problems++;
    }
    zlist_destroy (&reference);
    return problems;
}
