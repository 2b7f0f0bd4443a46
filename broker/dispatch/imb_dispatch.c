/*  imb_dispatch - the committed event stream, per consumer group

    Memory does not grow with a group's lag: a group holds at most
    WAITING_MAX loaded-but-undelivered events (their seq and incident
    only; the bytes are read again from RocksDB when sent) plus what its
    instances hold by credit, and an acknowledgement bitmap of RING seqs
    past its offset. A group far behind simply reads further on from
    the store as it acknowledges.
*/
#include "imb_classes.h"
#include "imb_dispatch_group.h"

struct _imb_dispatch_t {
    imc_store_t *store;             //  Events come from here, borrowed
    zsock_t *router;                //  Worker ROUTER, borrowed
    im_config_t config;             //  Heartbeat and expiry intervals
    zhashx_t *groups;               //  name -> imb_dispatch_group_t
    zhashx_t *peers;                //  routing hex -> group name
    uint64_t last_seq;              //  Highest committed seq
};

static void
s_string_free (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_group_free (void **item)
{
    imb_dispatch_group_destroy ((imb_dispatch_group_t **) item);
}

imb_dispatch_t *
imb_dispatch_new (imc_store_t *store, zsock_t *router,
                  const im_config_t *config)
{
    assert (store && router && config);
    imb_dispatch_t *self = (imb_dispatch_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->router = router;
    self->config = *config;
    self->groups = zhashx_new ();
    self->peers = zhashx_new ();
    if (!self->groups || !self->peers) {
        imb_dispatch_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->groups, s_group_free);
    zhashx_set_destructor (self->peers, s_string_free);
    imc_store_meta_get (store, IM_META_LAST_SEQ, &self->last_seq);
    return self;
}

void
imb_dispatch_destroy (imb_dispatch_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_dispatch_t *self = *self_p;
        zhashx_destroy (&self->peers);
        zhashx_destroy (&self->groups);
        free (self);
        *self_p = NULL;
    }
}

static void
s_fields_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

static void
s_send (imb_dispatch_t *self, zframe_t *routing, zmsg_t *msg)
{
    zframe_t *copy = zframe_dup (routing);
    zmsg_prepend (msg, &copy);
    zmsg_send (&msg, self->router);
}

static imb_dispatch_group_t *
s_peer_group (imb_dispatch_t *self, const char *peer)
{
    const char *name = (const char *) zhashx_lookup (self->peers, peer);
    return name ? (imb_dispatch_group_t *) zhashx_lookup (self->groups, name)
                : NULL;
}

void
imb_dispatch_handle (imb_dispatch_t *self, zframe_t *routing,
                     im_wmsg_t **msg_p, uint64_t now_ms)
{
    assert (self && routing && msg_p && *msg_p);
    im_wmsg_t *msg = *msg_p;
    char *peer = zframe_strhex (routing);
    imb_dispatch_group_t *group = s_peer_group (self, peer);

    if (msg->type == IM_WMSG_ERROR)
        ;                           //  Never answered: two peers must not
                                    //  trade refusals forever
    else
    if (msg->type == IM_WMSG_DELIVER || msg->type == IM_WMSG_REDIRECT)
        s_send (self, routing, im_wmsg_encode_error (IM_PROTO_BAD_REQUEST,
                msg->type == IM_WMSG_DELIVER
                ? "DELIVER is sent by the broker, not to it"
                : "REDIRECT is sent by the broker, not to it"));
    else
    if (msg->type == IM_WMSG_READY) {
        if (group)                  //  READY again: start over cleanly
            imb_dispatch_group_leave (group, peer);
        group = (imb_dispatch_group_t *) zhashx_lookup (self->groups,
                                                        msg->group);
        if (!group) {
            group = imb_dispatch_group_new (msg->group, self->store,
                                            self->router, self->last_seq);
            if (group)
                zhashx_insert (self->groups, msg->group, group);
        }
        if (group) {
            zhashx_update (self->peers, peer, strdup (msg->group));
            imb_dispatch_group_join (group, peer, routing, msg->instance,
                                     msg->credit, now_ms);
            zsys_info ("worker %s joined group %s (credit %u)",
                       msg->instance, msg->group, msg->credit);
        }
    }
    else
    if (!group) {
        //  Not READY yet, or expired: tell it to start over
        if (msg->type != IM_WMSG_DISCONNECT)
            s_send (self, routing, im_wmsg_encode_simple (IM_WMSG_DISCONNECT));
    }
    else
    if (msg->type == IM_WMSG_ACK)
        imb_dispatch_group_ack (group, peer, msg->seq, now_ms);
    else
    if (msg->type == IM_WMSG_PING) {
        imb_dispatch_group_seen (group, peer, now_ms);
        s_send (self, routing, im_wmsg_encode_simple (IM_WMSG_PONG));
    }
    else
    if (msg->type == IM_WMSG_DISCONNECT) {
        imb_dispatch_group_leave (group, peer);
        zhashx_delete (self->peers, peer);
        group = NULL;
    }
    if (group)
        imb_dispatch_group_pump (group);
    zstr_free (&peer);
    im_wmsg_destroy (msg_p);
}

void
imb_dispatch_committed (imb_dispatch_t *self, uint64_t last_seq)
{
    if (last_seq <= self->last_seq)
        return;
    self->last_seq = last_seq;
    imb_dispatch_group_t *group = (imb_dispatch_group_t *)
        zhashx_first (self->groups);
    while (group) {
        imb_dispatch_group_committed (group, last_seq);
        imb_dispatch_group_pump (group);
        group = (imb_dispatch_group_t *) zhashx_next (self->groups);
    }
}

void
imb_dispatch_tick (imb_dispatch_t *self, uint64_t now_ms,
                   imb_dispatch_offset_fn *fn, void *arg)
{
    imb_dispatch_group_t *group = (imb_dispatch_group_t *)
        zhashx_first (self->groups);
    while (group) {
        zlist_t *expired = imb_dispatch_group_expire (
            group, now_ms, self->config.worker_expiry_ms);
        char *peer = (char *) zlist_first (expired);
        while (peer) {
            zhashx_delete (self->peers, peer);
            peer = (char *) zlist_next (expired);
        }
        zlist_destroy (&expired);
        uint64_t offset;
        if (imb_dispatch_group_offset_moved (group, &offset))
            fn (imb_dispatch_group_name (group), offset, arg);
        imb_dispatch_group_pump (group);
        group = (imb_dispatch_group_t *) zhashx_next (self->groups);
    }
}

zlist_t *
imb_dispatch_status (imb_dispatch_t *self)
{
    zlist_t *list = zlist_new ();
    imb_dispatch_group_t *group = (imb_dispatch_group_t *)
        zhashx_first (self->groups);
    while (group) {
        im_fields_t *item = imb_dispatch_group_status (group);
        zlist_append (list, item);
        zlist_freefn (list, item, s_fields_free, true);
        group = (imb_dispatch_group_t *) zhashx_next (self->groups);
    }
    return list;
}
