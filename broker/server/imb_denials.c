/*  imb_denials - a node's denials, counted and recorded in the log

    The leader may be another node, or change while a denial waits, so
    a DENY is sent like any client's command: to the members' client
    endpoints, following a 421 to the leader, and resent with its
    request id every second until answered; the state machine applies a
    request id once. What waits is bounded (OUTBOX_MAX); a denial that
    finds it full is counted as unrecorded, never queued without bound.
*/
#include "imb_classes.h"
#include "imb_deny_limit.h"
#include "imb_denials.h"

#define BURST       10              //  Recorded per principal, verb and
#define WINDOW_MS   60000           //  window, per node
#define BUCKETS_MAX 4096            //  Principal-verb pairs tracked
#define OUTBOX_MAX  256             //  DENYs waiting for the leader
#define RESEND_MS   1000            //  Unanswered this long: sent again
#define COUNTS_MAX  32              //  verb/needs pairs counted apart
#define NEEDS_MAX   24              //  Bytes in a needs name, with NUL:
                                    //  "denied/" verb "/" needs is a
                                    //  fields key (64 bytes at most)

//  A DENY on its way to the leader
typedef struct {
    char request_id [IM_REQUEST_ID_MAX];    //  Its idempotency key
    imb_denial_t denial;            //  What it records
    uint64_t sent_ms;               //  Last sent (monotonic), 0: not yet
} s_item_t;

struct _imb_denials_t {
    uint64_t node_id;               //  This node, named in every record
    imb_deny_limit_t *limit;        //  What is recorded, owned
    zloop_t *loop;                  //  The node's main loop, borrowed
    char *list;                     //  The members' client endpoints
    const im_curve_t *curve;        //  The node's key, borrowed, or NULL
    im_client_t *client;            //  To the leader, owned, once made
    uint64_t client_retry_ms;       //  When to try making it again
    zlistx_t *outbox;               //  s_item_t, owned, oldest first
    zhashx_t *counts;               //  "VERB/needs" -> uint64_t, owned
    uint64_t recorded;              //  Answered by the leader
    uint64_t suppressed;            //  Held back by the limit
    uint64_t unrecorded;            //  Neither: a full table or outbox,
                                    //  or a DENY the leader refused
};

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}

imb_denials_t *
imb_denials_new (uint64_t node_id, const char *list, const im_curve_t *curve,
                 zloop_t *loop)
{
    assert (list && loop);
    imb_denials_t *self = (imb_denials_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->node_id = node_id;
    self->loop = loop;
    self->curve = curve;
    self->list = strdup (list);
    self->limit = imb_deny_limit_new (BURST, WINDOW_MS, BUCKETS_MAX);
    self->outbox = zlistx_new ();
    self->counts = zhashx_new ();
    if (!self->list || !self->limit || !self->outbox || !self->counts) {
        imb_denials_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->outbox, s_free);
    zhashx_set_destructor (self->counts, s_free);
    return self;
}

void
imb_denials_destroy (imb_denials_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_denials_t *self = *self_p;
        if (self->outbox && zlistx_size (self->outbox))
            zsys_warning ("%zu denials not recorded: the node stops before "
                          "the leader answered", zlistx_size (self->outbox));
        zhashx_destroy (&self->counts);
        zlistx_destroy (&self->outbox);
        im_client_destroy (&self->client);
        imb_deny_limit_destroy (&self->limit);
        free (self->list);
        free (self);
        *self_p = NULL;
    }
}

static int
    s_on_reply (zloop_t *loop, zsock_t *socket, void *arg);

//  The client to the leader, made on first use: at a node's first start
//  the other nodes' certificates, which name their endpoints, may not be
//  in the keys directory yet. NULL until it can be made (tried again a
//  second later).
static im_client_t *
s_client (imb_denials_t *self)
{
    uint64_t now = im_mono_ms ();
    if (self->client || now < self->client_retry_ms)
        return self->client;
    //  A timeout of 0: a send that finds no node connected fails at
    //  once and is retried from the tick, never blocking the node
    self->client = self->curve
                 ? im_client_new_curve (self->list, 0, self->curve)
                 : im_client_new_plain (self->list, 0);
    if (!self->client) {
        self->client_retry_ms = now + RESEND_MS;
        return NULL;
    }
    if (zloop_reader (self->loop, im_client_sock (self->client), s_on_reply,
                      self)) {
        im_client_destroy (&self->client);
        self->client_retry_ms = now + RESEND_MS;
    }
    return self->client;
}

//  Sends item's DENY (again)
static void
s_send (imb_denials_t *self, s_item_t *item)
{
    const imb_denial_t *denial = &item->denial;
    item->sent_ms = 0;
    im_fields_t *body = s_client (self) ? im_fields_new () : NULL;
    if (!body)
        return;
    im_fields_set_str (body, IM_KEY_ACTOR, denial->principal);
    im_fields_set_str (body, IM_KEY_VERB, denial->verb);
    im_fields_set_str (body, IM_KEY_REASON, denial->reason);
    im_fields_set_int (body, IM_KEY_NODE, (int64_t) self->node_id);
    im_fields_set_int (body, IM_KEY_AT_MS, (int64_t) denial->at_ms);
    if (denial->incident)
        im_fields_set_int (body, IM_KEY_INCIDENT, (int64_t) denial->incident);
    if (denial->suppressed)
        im_fields_set_int (body, IM_KEY_SUPPRESSED,
                           (int64_t) denial->suppressed);
    item->sent_ms = im_client_send (self->client, "DENY", item->request_id,
                                    body) == 0 ? im_mono_ms () : 0;
    im_fields_destroy (&body);
}

//  Queues a denial to record (an imb_deny_limit_fn)
static void
s_queue (const imb_denial_t *denial, void *arg)
{
    imb_denials_t *self = (imb_denials_t *) arg;
    s_item_t *item = NULL;
    if (zlistx_size (self->outbox) < OUTBOX_MAX)
        item = (s_item_t *) calloc (1, sizeof *item);
    if (!item) {
        self->unrecorded += 1 + denial->suppressed;
        return;
    }
    item->denial = *denial;
    im_client_new_request_id (item->request_id, sizeof item->request_id);
    zlistx_add_end (self->outbox, item);
    s_send (self, item);
}

//  Copies name into clean (size bytes), every byte but [A-Za-z0-9_-]
//  made '_', so that it is a fields key and a metric label as it is;
//  "role" for an empty one
static void
s_clean (char *clean, size_t size, const char *name)
{
    size_t length = 0;
    for (const char *cursor = name; *cursor && length < size - 1; cursor++)
        clean [length++] = isalnum ((unsigned char) *cursor)
                           || *cursor == '_' || *cursor == '-'
                         ? *cursor : '_';
    clean [length] = 0;
    if (!length)
        im_strlcpy (clean, "role", size);
}

//  Counts one denial by verb and what it needed. Verbs and needs come
//  from imq's own code, and the table is bounded all the same.
static void
s_count (imb_denials_t *self, const char *verb, const char *needs)
{
    char clean_verb [IMB_DENY_VERB_MAX], clean_needs [NEEDS_MAX];
    s_clean (clean_verb, sizeof clean_verb, verb);
    s_clean (clean_needs, sizeof clean_needs, needs);
    char key [IMB_DENY_VERB_MAX + NEEDS_MAX];
    snprintf (key, sizeof key, "%s/%s", clean_verb, clean_needs);
    uint64_t *count = (uint64_t *) zhashx_lookup (self->counts, key);
    if (!count && zhashx_size (self->counts) >= COUNTS_MAX)
        count = (uint64_t *) zhashx_lookup (self->counts, "other/other");
    if (!count) {
        count = (uint64_t *) calloc (1, sizeof *count);
        if (!count)
            return;
        zhashx_insert (self->counts, zhashx_size (self->counts) >= COUNTS_MAX
                                     ? "other/other" : key, count);
    }
    (*count)++;
}

void
imb_denials_record (imb_denials_t *self, const char *principal,
                    const char *verb, uint64_t incident, const char *needs,
                    const char *reason)
{
    assert (self && principal && verb && needs && reason);
    s_count (self, verb, needs);
    imb_denial_t denial;
    memset (&denial, 0, sizeof denial);
    im_strlcpy (denial.principal, *principal ? principal : "anonymous",
                sizeof denial.principal);
    im_strlcpy (denial.verb, verb, sizeof denial.verb);
    im_strlcpy (denial.reason, *reason ? reason : "refused",
                sizeof denial.reason);
    //  Cut to fit, each must still be UTF-8 (a reported name may be long)
    im_utf8_trim (denial.principal);
    im_utf8_trim (denial.verb);
    im_utf8_trim (denial.reason);
    denial.incident = incident;
    denial.at_ms = im_now_ms ();
    int rc = imb_deny_limit_take (self->limit, &denial, im_mono_ms ());
    if (rc == 1)
        s_queue (&denial, self);
    else
    if (rc == 0)
        self->suppressed++;
    else
        self->unrecorded++;
}

//  Reads one answer to a DENY this node sent
static void
s_reply (imb_denials_t *self)
{
    im_reply_t *reply = im_client_recv (self->client, false);
    if (!reply)
        return;
    s_item_t *item = (s_item_t *) zlistx_first (self->outbox);
    while (item && !streq (item->request_id, reply->request_id))
        item = (s_item_t *) zlistx_next (self->outbox);
    if (item) {
        if (reply->status == IM_PROTO_OK) {
            self->recorded++;
            zlistx_delete (self->outbox, zlistx_cursor (self->outbox));
        }
        else
        if (reply->status == IM_PROTO_NOT_LEADER) {
            //  The client follows the leader the answer named: at once
            s_send (self, item);
        }
        else
        if (reply->status != IM_PROTO_UNAVAILABLE
        &&  reply->status != IM_PROTO_OUTCOME_UNKNOWN) {
            zsys_warning ("a denial was not recorded: the leader answered "
                          "%d (%s)", reply->status,
                          im_fields_str_or (reply->body, IM_KEY_ERROR, ""));
            self->unrecorded += 1 + item->denial.suppressed;
            zlistx_delete (self->outbox, zlistx_cursor (self->outbox));
        }
    }
    im_reply_destroy (&reply);
}

static int
s_on_reply (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    imb_denials_t *self = (imb_denials_t *) arg;
    while (zsock_events (socket) & ZMQ_POLLIN)
        s_reply (self);
    return 0;
}

void
imb_denials_tick (imb_denials_t *self)
{
    assert (self);
    uint64_t now = im_mono_ms ();
    imb_deny_limit_flush (self->limit, now, s_queue, self);
    for (s_item_t *item = (s_item_t *) zlistx_first (self->outbox); item;
         item = (s_item_t *) zlistx_next (self->outbox))
        if (!item->sent_ms || now - item->sent_ms >= RESEND_MS)
            s_send (self, item);
}

int
imb_denials_report (im_client_t *client, const char *principal,
                    const char *verb, uint64_t incident, const char *needs,
                    const char *reason)
{
    assert (client && principal && verb && needs && reason);
    im_fields_t *body = im_fields_new ();
    if (!body)
        return IM_EIO;
    im_fields_set_str (body, IM_KEY_ACTOR,
                       *principal ? principal : "anonymous");
    im_fields_set_str (body, IM_KEY_VERB, verb);
    im_fields_set_str (body, IM_KEY_NEEDS, *needs ? needs : "role");
    im_fields_set_str (body, IM_KEY_REASON, *reason ? reason : "refused");
    if (incident)
        im_fields_set_int (body, IM_KEY_INCIDENT, (int64_t) incident);
    im_reply_t *reply = im_client_call (client, "DENY", NULL, body, false);
    int rc = reply && reply->status == IM_PROTO_OK ? 0 : IM_EIO;
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return rc;
}

void
imb_denials_status (const imb_denials_t *self, im_fields_t *body)
{
    assert (self && body);
    zhashx_t *counts = self->counts;
    for (uint64_t *count = (uint64_t *) zhashx_first (counts); count;
         count = (uint64_t *) zhashx_next (counts)) {
        char key [IMB_DENY_VERB_MAX + NEEDS_MAX + 8];
        snprintf (key, sizeof key, "denied/%s",
                  (const char *) zhashx_cursor (counts));
        im_fields_set_int (body, key, (int64_t) *count);
    }
    im_fields_set_int (body, "denials/recorded", (int64_t) self->recorded);
    im_fields_set_int (body, "denials/suppressed",
                       (int64_t) self->suppressed);
    im_fields_set_int (body, "denials/unrecorded",
                       (int64_t) self->unrecorded);
}
