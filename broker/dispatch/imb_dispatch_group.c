/*  imb_dispatch_group - one consumer group: its instances, what they
    hold, what waits, and its offset

    Ordering per incident is kept by an owner record per incident that
    has events held or waiting: the instance holding its events (all of
    them go to one instance at a time) and how many wait. A waiting
    event is only sent to the owner, or to anyone once the incident has
    nothing held; a newly loaded event of an incident that has events
    waiting joins the end of the queue behind them.
*/
#include "imb_classes.h"
#include "imb_dispatch_group.h"

#define RING         IMB_DISPATCH_GROUP_RING
#define WAITING_MAX  IMB_DISPATCH_GROUP_WAITING_MAX
#define LOAD_BATCH   256            //  Events read from the store at once

typedef struct {
    char peer [64];                 //  Routing id in hex
    zframe_t *routing;              //  Routing id, owned
    char instance [64];             //  Name it gave
    uint32_t credit;                //  Events it may hold
    uint32_t held;                  //  Events it holds
    uint64_t last_seen;             //  When it last spoke, ms
} s_instance_t;

typedef struct {
    uint64_t seq;                   //  Event
    uint64_t incident;              //  Its incident
    s_instance_t *holder;           //  Who holds it, NULL while waiting
} s_item_t;

typedef struct {
    s_instance_t *holder;           //  Instance holding its events
    uint32_t held;                  //  Events held
    uint32_t waiting;               //  Events waiting
} s_owner_t;

struct _imb_dispatch_group_t {
    char name [64];                 //  Group name
    imc_store_t *store;             //  Events, borrowed
    zsock_t *router;                //  Worker ROUTER, borrowed
    uint64_t offset;                //  Every seq up to here acknowledged
    uint64_t reported;              //  Offset last handed for commit
    uint64_t next_load;             //  Next seq to read from the store
    uint64_t last_seq;              //  Highest committed seq
    uint8_t acked [RING / 8];       //  Acknowledged seqs past the offset
    zlistx_t *waiting;              //  s_item_t, by seq
    zhashx_t *inflight;             //  seq -> s_item_t, items owned by
                                    //  hand (they move to waiting)
    zhashx_t *owners;               //  incident -> s_owner_t
    zhashx_t *instances;            //  peer -> s_instance_t
};

static size_t
s_u64_hash (const void *key)
{
    return (size_t) ((uintptr_t) key * 11400714819323198485ull);
}

static int
s_u64_compare (const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) a, y = (uintptr_t) b;
    return x < y ? -1 : x > y;
}

static int
s_item_compare (const void *a, const void *b)
{
    uint64_t x = ((const s_item_t *) a)->seq, y = ((const s_item_t *) b)->seq;
    return x < y ? -1 : x > y;
}

static zhashx_t *
s_u64_hash_new (void)
{
    zhashx_t *hash = zhashx_new ();
    if (hash) {
        zhashx_set_key_hasher (hash, s_u64_hash);
        zhashx_set_key_comparator (hash, s_u64_compare);
        zhashx_set_key_duplicator (hash, NULL);
        zhashx_set_key_destructor (hash, NULL);
    }
    return hash;
}

static void
s_free (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_instance_free (void **item)
{
    s_instance_t *instance = (s_instance_t *) *item;
    zframe_destroy (&instance->routing);
    free (instance);
    *item = NULL;
}

imb_dispatch_group_t *
imb_dispatch_group_new (const char *name, imc_store_t *store, zsock_t *router,
                        uint64_t last_seq)
{
    imb_dispatch_group_t *self = (imb_dispatch_group_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->name, sizeof self->name, "%s", name);
    self->store = store;
    self->router = router;
    self->last_seq = last_seq;
    imc_store_offset_get (store, name, &self->offset);
    self->reported = self->offset;
    self->next_load = self->offset + 1;
    self->waiting = zlistx_new ();
    self->inflight = s_u64_hash_new ();
    self->owners = s_u64_hash_new ();
    self->instances = zhashx_new ();
    if (!self->waiting || !self->inflight || !self->owners || !self->instances) {
        imb_dispatch_group_destroy (&self);
        return NULL;
    }
    zlistx_set_comparator (self->waiting, s_item_compare);
    zlistx_set_destructor (self->waiting, s_free);
    zhashx_set_destructor (self->owners, s_free);
    zhashx_set_destructor (self->instances, s_instance_free);
    return self;
}

void
imb_dispatch_group_destroy (imb_dispatch_group_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_dispatch_group_t *self = *self_p;
        if (self->inflight) {
            void *item = zhashx_first (self->inflight);
            while (item) {
                free (item);
                item = zhashx_next (self->inflight);
            }
        }
        zhashx_destroy (&self->inflight);
        zhashx_destroy (&self->owners);
        zhashx_destroy (&self->instances);
        zlistx_destroy (&self->waiting);
        free (self);
        *self_p = NULL;
    }
}

const char *
imb_dispatch_group_name (imb_dispatch_group_t *self)
{
    return self->name;
}

void
imb_dispatch_group_join (imb_dispatch_group_t *self, const char *peer,
                         zframe_t *routing, const char *instance,
                         uint32_t credit, uint64_t now_ms)
{
    s_instance_t *member = (s_instance_t *) calloc (1, sizeof *member);
    assert (member);
    snprintf (member->peer, sizeof member->peer, "%s", peer);
    snprintf (member->instance, sizeof member->instance, "%s", instance);
    member->routing = zframe_dup (routing);
    member->credit = credit ? credit : 1;
    member->last_seen = now_ms;
    zhashx_update (self->instances, peer, member);
}

//  The owners map is keyed by the incident id itself, plus one: events
//  of no incident (0, config.applied) need a key that is not NULL
static void *
s_owner_key (uint64_t incident)
{
    return (void *) (uintptr_t) (incident + 1);
}

static s_owner_t *
s_owner (imb_dispatch_group_t *self, uint64_t incident, bool create)
{
    void *key = s_owner_key (incident);
    s_owner_t *owner = (s_owner_t *) zhashx_lookup (self->owners, key);
    if (!owner && create) {
        owner = (s_owner_t *) calloc (1, sizeof *owner);
        assert (owner);
        zhashx_insert (self->owners, key, owner);
    }
    return owner;
}

static void
s_owner_release (imb_dispatch_group_t *self, uint64_t incident,
                 s_owner_t *owner)
{
    if (owner->held == 0)
        owner->holder = NULL;
    if (owner->held == 0 && owner->waiting == 0)
        zhashx_delete (self->owners, s_owner_key (incident));
}

void
imb_dispatch_group_leave (imb_dispatch_group_t *self, const char *peer)
{
    s_instance_t *member = (s_instance_t *) zhashx_lookup (self->instances,
                                                           peer);
    if (!member)
        return;
    //  What it held waits again, in seq order, for another instance
    zlist_t *seqs = zlist_new ();
    s_item_t *item = (s_item_t *) zhashx_first (self->inflight);
    while (item) {
        if (item->holder == member)
            zlist_append (seqs, (void *) (uintptr_t) item->seq);
        item = (s_item_t *) zhashx_next (self->inflight);
    }
    void *key = zlist_first (seqs);
    while (key) {
        item = (s_item_t *) zhashx_lookup (self->inflight, key);
        zhashx_delete (self->inflight, key);    //  Not owned: item lives on
        s_owner_t *owner = s_owner (self, item->incident, true);
        owner->held--;
        owner->waiting++;
        owner->holder = owner->held ? owner->holder : NULL;
        item->holder = NULL;
        zlistx_insert (self->waiting, item, true);
        key = zlist_next (seqs);
    }
    if (zlist_size (seqs))
        zsys_info ("group %s: %zu events of %s go back to waiting",
                   self->name, zlist_size (seqs), member->instance);
    zlist_destroy (&seqs);
    zhashx_delete (self->instances, peer);
}

void
imb_dispatch_group_seen (imb_dispatch_group_t *self, const char *peer,
                         uint64_t now_ms)
{
    s_instance_t *member = (s_instance_t *) zhashx_lookup (self->instances,
                                                           peer);
    if (member)
        member->last_seen = now_ms;
}

static bool
s_acked (imb_dispatch_group_t *self, uint64_t seq)
{
    return self->acked [(seq % RING) / 8] & (1u << (seq % 8));
}

static void
s_set_acked (imb_dispatch_group_t *self, uint64_t seq, bool on)
{
    uint8_t bit = (uint8_t) (1u << (seq % 8));
    if (on)
        self->acked [(seq % RING) / 8] |= bit;
    else
        self->acked [(seq % RING) / 8] &= (uint8_t) ~bit;
}

void
imb_dispatch_group_ack (imb_dispatch_group_t *self, const char *peer,
                        uint64_t seq, uint64_t now_ms)
{
    s_instance_t *member = (s_instance_t *) zhashx_lookup (self->instances,
                                                           peer);
    if (member)
        member->last_seen = now_ms;
    //  Seqs start at 1 and seq is the key: zhashx asserts on a NULL key,
    //  and any worker may send an ACK of 0
    void *key = (void *) (uintptr_t) seq;
    s_item_t *item = seq ? (s_item_t *) zhashx_lookup (self->inflight, key)
                         : NULL;
    if (!item || !member || item->holder != member)
        return;                     //  Late ack of something given away
    member->held--;
    s_owner_t *owner = s_owner (self, item->incident, false);
    if (owner) {
        owner->held--;
        s_owner_release (self, item->incident, owner);
    }
    zhashx_delete (self->inflight, key);
    free (item);
    s_set_acked (self, seq, true);
    while (s_acked (self, self->offset + 1)) {
        s_set_acked (self, self->offset + 1, false);
        self->offset++;
    }
}

void
imb_dispatch_group_committed (imb_dispatch_group_t *self, uint64_t last_seq)
{
    if (last_seq > self->last_seq)
        self->last_seq = last_seq;
}

//  Picks the instance for an event of incident: its owner if it has
//  room, else (when the incident holds nothing) the instance with the
//  most room. NULL when the event must wait.
static s_instance_t *
s_choose (imb_dispatch_group_t *self, uint64_t incident)
{
    s_owner_t *owner = s_owner (self, incident, false);
    if (owner && owner->holder)
        return owner->holder->held < owner->holder->credit ? owner->holder
                                                           : NULL;
    s_instance_t *best = NULL;
    s_instance_t *member = (s_instance_t *) zhashx_first (self->instances);
    while (member) {
        if (member->held < member->credit
        &&  (!best || member->credit - member->held > best->credit - best->held))
            best = member;
        member = (s_instance_t *) zhashx_next (self->instances);
    }
    return best;
}

//  Sends the event to member; data may be NULL (read it from the store).
//  Returns 0, or -1 if the event could not be read (it keeps waiting).
static int
s_deliver (imb_dispatch_group_t *self, s_item_t *item, s_instance_t *member,
           const void *data, size_t size)
{
    char *stored = NULL;
    if (!data) {
        if (imc_store_event_get (self->store, item->seq, &stored, &size)) {
            zsys_error ("group %s: cannot read event %" PRIu64, self->name,
                        item->seq);
            return -1;
        }
        data = stored;
    }
    zmsg_t *msg = im_wmsg_encode_deliver (item->seq, data, size);
    free (stored);
    zframe_t *routing = zframe_dup (member->routing);
    zmsg_prepend (msg, &routing);
    zmsg_send (&msg, self->router);

    item->holder = member;
    member->held++;
    s_owner_t *owner = s_owner (self, item->incident, true);
    owner->holder = member;
    owner->held++;
    zhashx_insert (self->inflight, (void *) (uintptr_t) item->seq, item);
    return 0;
}

static bool
s_has_room (imb_dispatch_group_t *self)
{
    s_instance_t *member = (s_instance_t *) zhashx_first (self->instances);
    while (member) {
        if (member->held < member->credit)
            return true;
        member = (s_instance_t *) zhashx_next (self->instances);
    }
    return false;
}

//  Reads the incident id out of an encoded event (0 if it does not
//  decode: such an event still goes out, in no incident's order)
static uint64_t
s_event_incident (const void *data, size_t size)
{
    uint64_t incident = 0;
    if (im_event_peek_incident (data, size, &incident))
        incident = 0;
    return incident;
}

static int
s_load_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    imb_dispatch_group_t *self = (imb_dispatch_group_t *) arg;
    if (zlistx_size (self->waiting) >= WAITING_MAX
    ||  seq - self->offset >= RING || !s_has_room (self))
        return 1;                   //  Stop: come back when there is room
    self->next_load = seq + 1;
    s_item_t *item = (s_item_t *) calloc (1, sizeof *item);
    assert (item);
    item->seq = seq;
    item->incident = s_event_incident (data, size);
    s_owner_t *owner = s_owner (self, item->incident, false);
    s_instance_t *member = owner && owner->waiting ? NULL
                                                   : s_choose (self,
                                                               item->incident);
    if (member)
        s_deliver (self, item, member, data, size);
    else {
        s_owner (self, item->incident, true)->waiting++;
        zlistx_add_end (self->waiting, item);
    }
    return 0;
}

void
imb_dispatch_group_pump (imb_dispatch_group_t *self)
{
    if (zhashx_size (self->instances) == 0)
        return;
    //  First what waits, in seq order
    s_item_t *item = (s_item_t *) zlistx_first (self->waiting);
    while (item && s_has_room (self)) {
        s_instance_t *member = s_choose (self, item->incident);
        if (member && s_deliver (self, item, member, NULL, 0) == 0) {
            zlistx_detach_cur (self->waiting);  //  Cursor steps back
            s_owner (self, item->incident, true)->waiting--;
        }
        item = (s_item_t *) zlistx_next (self->waiting);
    }
    //  Then what the store has that this group has not seen
    while (self->next_load <= self->last_seq && s_has_room (self)
    &&     zlistx_size (self->waiting) < WAITING_MAX
    &&     self->next_load - self->offset < RING) {
        uint64_t before = self->next_load;
        imc_store_events_scan (self->store, self->next_load, LOAD_BATCH,
                               s_load_one, self);
        if (self->next_load == before)
            break;                  //  Nothing more to read now
    }
}

zlist_t *
imb_dispatch_group_expire (imb_dispatch_group_t *self, uint64_t now_ms,
                           uint32_t expiry_ms)
{
    zlist_t *expired = zlist_new ();
    zlist_autofree (expired);
    s_instance_t *member = (s_instance_t *) zhashx_first (self->instances);
    while (member) {
        if (now_ms - member->last_seen > expiry_ms)
            zlist_append (expired, member->peer);
        member = (s_instance_t *) zhashx_next (self->instances);
    }
    char *peer = (char *) zlist_first (expired);
    while (peer) {
        s_instance_t *gone = (s_instance_t *) zhashx_lookup (self->instances,
                                                             peer);
        zsys_warning ("group %s: worker %s silent for %u ms, expired",
                      self->name, gone->instance, expiry_ms);
        imb_dispatch_group_leave (self, peer);
        peer = (char *) zlist_next (expired);
    }
    return expired;
}

bool
imb_dispatch_group_offset_moved (imb_dispatch_group_t *self, uint64_t *offset)
{
    if (self->offset == self->reported)
        return false;
    self->reported = self->offset;
    *offset = self->offset;
    return true;
}

im_fields_t *
imb_dispatch_group_status (imb_dispatch_group_t *self)
{
    im_fields_t *status = im_fields_new ();
    im_fields_set_str (status, IM_KEY_GROUP, self->name);
    im_fields_set_int (status, IM_KEY_INSTANCES,
                       (int64_t) zhashx_size (self->instances));
    im_fields_set_int (status, IM_KEY_OFFSET, (int64_t) self->offset);
    im_fields_set_int (status, IM_KEY_LAG,
                       (int64_t) (self->last_seq > self->offset
                                       ? self->last_seq - self->offset : 0));
    im_fields_set_int (status, IM_KEY_INFLIGHT,
                       (int64_t) zhashx_size (self->inflight));
    im_fields_set_int (status, IM_KEY_WAITING,
                       (int64_t) zlistx_size (self->waiting));
    return status;
}
