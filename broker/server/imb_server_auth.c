/*  imb_server_auth - who sent a message, and whether they may

    With security.curve (the default) both endpoints are CURVE servers
    with the node's key. libzmq asks a ZAP handler (RFC 27) about every
    handshake; the node's handler is a socket of its own main loop, so
    it cannot be gone while the node serves. It lets in the keys of the
    keys table (imb_keys) and names the key as the connection's User-Id.
    libzmq 4.3 lets every client in when no handler answers, so the
    handshake is not trusted alone: every message from a network peer
    must carry a User-Id whose key is in the table now, which also shuts
    out a key removed while its connection stays open.

    Messages over inproc (the node's own HTTP threads) carry no
    properties at all: they are the node's own, and HTTP authenticates
    its callers itself. Another node of the cluster is trusted the same
    way: it relays what its HTTP callers asked when it does not lead. A
    network peer always carries Socket-Type, so a peer without a User-Id
    is refused rather than taken for an inproc one.

    The actor of a command is the key's principal; the actor a message
    names is overwritten. Each verb is checked against the key's roles
    and the replicated policy's for its principal (imc_roles, one table
    with the state machine's, docs/security.md section 2).
*/
#include "imb_classes.h"
#include "imb_server_private.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define KEYS_RELOAD_MS  1000    //  Removed keys stop working this soon

static void
    s_principals_refresh (imb_server_t *self);

//  Answers one ZAP request (RFC 27): version, request id, domain,
//  address, routing id, mechanism, then the credentials
static int
s_on_zap (zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    imb_server_t *self = (imb_server_t *) arg;
    zmsg_t *request = zmsg_recv (socket);
    if (!request)
        return 0;
    char *version = zmsg_popstr (request);
    char *sequence = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    zframe_t *identity = zmsg_pop (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credentials = zmsg_pop (request);
    char key [IM_CURVE_KEY_TEXT] = "";
    const char *status = "400", *text = "unknown key";
    if (!version || !streq (version, "1.0") || !mechanism
    ||  !streq (mechanism, "CURVE") || !credentials
    ||  zframe_size (credentials) != 32)
        text = "CURVE only";
    else {
        zmq_z85_encode (key, zframe_data (credentials), 32);
        //  A key added a moment ago works at once: an unknown key reads
        //  the directory again when it changed since it was read, and
        //  the log's principals when the log has a change of them
        if (!imb_keys_find (self->keys, key)) {
            imb_keys_reload_changed (self->keys);
            s_principals_refresh (self);
        }
        if (imb_keys_find (self->keys, key)) {
            status = "200";
            text = "OK";
        }
        else {
            char what [128];
            snprintf (what, sizeof what, "unknown key %s from %s", key,
                      address ? address : "?");
            imb_server_refused (self, "client/unknown_key", "handshake",
                                what);
        }
    }
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, sequence ? sequence : "");
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, text);
    zmsg_addstr (reply, streq (status, "200") ? key : "");
    zmsg_addmem (reply, NULL, 0);
    zmsg_send (&reply, socket);
    zstr_free (&version);
    zstr_free (&sequence);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&mechanism);
    zframe_destroy (&identity);
    zframe_destroy (&credentials);
    zmsg_destroy (&request);
    return 0;
}

//  The replicated policy of text (NULL: none applied, or it does not
//  parse here), on the heap: a policy is large
static im_policy_t *
s_policy (const char *text)
{
    im_policy_t *policy = text ? (im_policy_t *) malloc (sizeof *policy)
                               : NULL;
    char errbuf [256];
    if (policy && im_policy_parse (policy, "policy", text, 1, errbuf,
                                   sizeof errbuf)) {
        zsys_warning ("cannot parse the replicated policy (%s): its roles "
                      "are not taken", errbuf);
        free (policy);
        policy = NULL;
    }
    return policy;
}

//  When the log has a new event of no incident (a policy, a member, a
//  principal), folds the principals again and lets their keys in, and
//  takes the roles of the policy in force: the events of no incident
//  are few, and each node does this on its own applied log, so a key
//  revoked through the log is refused on every node as soon as that
//  node applied it
static void
s_principals_refresh (imb_server_t *self)
{
    imc_store_t *store = imb_raft_store (self->raft);
    uint64_t seq = 0;
    if (imc_store_meta_get (store, IM_META_CONFIG_SEQ, &seq)
    ||  seq == self->principals_seq)
        return;
    imc_principals_t *principals = imc_principals_new ();
    char *text = NULL;
    int rc = principals ? imc_principals_read (principals, store, &text)
                        : IM_ENOMEM;
    if (rc) {
        zsys_warning ("cannot read the log's principals (%s): the keys let "
                      "in stay as they were", im_strerror (rc));
        imc_principals_destroy (&principals);
        return;
    }
    self->principals_seq = seq;
    im_policy_t *policy = s_policy (text);
    free (text);
    imb_keys_set_replicated (self->keys, &principals, &policy);
    free (policy);
}

void
imb_server_auth_tick (imb_server_t *self)
{
    if (self->keys)
        s_principals_refresh (self);
}

static int
s_on_reload (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    imb_server_t *self = (imb_server_t *) arg;
    if (imb_keys_reload (self->keys) < 0)
        zsys_warning ("cannot read the keys directory %s: the keys read "
                      "before stay", self->config.keys_dir);
    return 0;
}

int
imb_server_auth_start (imb_server_t *self, char *errbuf, size_t errlen)
{
    if (!self->config.curve)
        return 0;
    self->curve = imb_node_keys (&self->config, errbuf, errlen);
    if (!self->curve)
        return -1;
    self->keys = imb_keys_new (self->config.keys_dir);
    if (!self->keys || imb_keys_reload (self->keys) < 0) {
        snprintf (errbuf, errlen, "cannot read the keys directory %s",
                  self->config.keys_dir);
        return -1;
    }
    self->zap = zsock_new (ZMQ_REP);
    if (!self->zap || zsock_bind (self->zap, ZAP_ENDPOINT) == -1) {
        snprintf (errbuf, errlen, "cannot start the ZAP handler (%s): %s",
                  ZAP_ENDPOINT, zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}

void
imb_server_auth_attach (imb_server_t *self)
{
    if (!self->zap)
        return;
    zloop_reader (self->loop, self->zap, s_on_zap, self);
    zloop_timer (self->loop, KEYS_RELOAD_MS, 0, s_on_reload, self);
}

void
imb_server_auth_stop (imb_server_t *self)
{
    zsock_destroy (&self->zap);
    imb_keys_destroy (&self->keys);
    im_curve_destroy (&self->curve);
}

int
imb_server_peer (imb_server_t *self, zframe_t *frame, const imb_key_t **key,
                 char *errbuf, size_t errlen)
{
    *key = NULL;
    if (!self->keys || !frame || !zframe_meta (frame, "Socket-Type"))
        return 0;                   //  No CURVE, or the node's own inproc
    const char *user = zframe_meta (frame, "User-Id");
    const imb_key_t *found = imb_keys_find (self->keys, user);
    if (found) {
        //  Another node relays what its own HTTP callers asked, as this
        //  node's inproc peers do, and fetches checkpoints: trusted
        *key = imb_key_has_role (found, "node") ? NULL : found;
        return 0;
    }
    snprintf (errbuf, errlen, "%s", user && *user
              ? "this key is no longer allowed (removed from the keys "
                "directory)"
              : "no authenticated key (CURVE is required)");
    return -1;
}

int
imb_server_authorize (const imb_key_t *key, const im_request_t *request,
                      const char **needs, char *errbuf, size_t errlen)
{
    if (!key)
        return 0;                   //  No CURVE, or the node's own
    //  The verb only: what needs the incident (an agent's groups, a
    //  reporter's own incidents) the state machine checks as it decides
    const char *action = streq (request->verb, "MAJOR")
                       ? im_fields_str (request->body, IM_KEY_ACTION) : NULL;
    if (imc_roles_reach (key->merged, request->verb, action))
        return 0;
    imc_roles_refusal (errbuf, errlen, request->verb, action,
                       key->principal);
    *needs = imc_roles_needs (request->verb, action);
    return -1;
}
