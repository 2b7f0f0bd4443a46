/*  imb_audit - the audit queries: denials recorded in the log, and the
    principals the log holds

    The access.denied events form a chain of their own (docs/storage.md
    2.2), headed by meta audit_seq, so the newest denials are read by
    walking it back from there: an analyst asking for the last hour
    reads the last hour, not every denial ever recorded. Events come
    in seq order, and their times are the leaders' stamps, which a
    failover to a node whose clock is behind may set back a little: the
    walk goes on a minute past the first event older than asked for.
*/
#include "imb_classes.h"

#define LIMIT_DEFAULT   100
#define LIMIT_MAX       10000
#define SKEW_MS         60000       //  Clocks of leaders may differ so much

typedef struct {
    int64_t since;                  //  Oldest time wanted (ms), or 0
    const char *principal;          //  Only theirs, or NULL
    size_t limit;                   //  Newest this many
    zlist_t *items;                 //  im_fields_t *, owned, newest first
} s_walk_t;

static void
s_fields_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

//  Takes one event of the audit chain, newest first; non-zero stops
static int
s_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_walk_t *walk = (s_walk_t *) arg;
    im_event_t *event = im_event_new ();
    if (!event)
        return IM_ENOMEM;
    int rc = im_event_decode (event, data, size, NULL, 0);
    if (rc) {
        zsys_error ("imb_audit: event %" PRIu64 " does not decode", seq);
        im_event_destroy (&event);
        return rc;
    }
    int64_t ts = (int64_t) event->ts_ms;
    bool wanted = ts >= walk->since
               && (!walk->principal || streq (walk->principal, event->actor));
    int stop = walk->since && ts + SKEW_MS < walk->since;
    if (wanted && event->type == IM_EV_DENIED) {
        im_fields_t *item = im_fields_new ();
        if (!item) {
            im_event_destroy (&event);
            return IM_ENOMEM;
        }
        im_fields_set_int (item, IM_KEY_SEQ, (int64_t) seq);
        im_fields_set_int (item, IM_KEY_TS_MS, ts);
        im_fields_set_str (item, IM_KEY_ACTOR, event->actor);
        im_fields_merge (item, event->payload);
        zlist_push (walk->items, item);
        zlist_freefn (walk->items, item, s_fields_free, false);
        stop = stop || zlist_size (walk->items) >= walk->limit;
    }
    im_event_destroy (&event);
    return stop;
}

zmsg_t *
imb_audit_denials (const im_request_t *request, imc_store_t *store)
{
    const im_fields_t *body = request->body;
    int64_t since = 0, limit = LIMIT_DEFAULT;
    if ((im_fields_has (body, IM_KEY_SINCE)
         && (im_fields_int (body, IM_KEY_SINCE, &since) || since < 0))
    ||  (im_fields_has (body, IM_KEY_LIMIT)
         && (im_fields_int (body, IM_KEY_LIMIT, &limit) || limit < 1
             || limit > LIMIT_MAX))
    ||  (im_fields_has (body, IM_KEY_PRINCIPAL)
         && !im_fields_str (body, IM_KEY_PRINCIPAL)))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id,
                                      "DENIALS takes 'since' (ms, >= 0), "
                                      "'principal' (a name) and 'limit' "
                                      "(1 to 10000)");
    s_walk_t walk = {
        since, im_fields_str (body, IM_KEY_PRINCIPAL), (size_t) limit,
        zlist_new ()
    };
    uint64_t head = 0;
    int rc = walk.items ? imc_store_meta_get (store, IM_META_AUDIT_SEQ, &head)
                        : IM_ENOMEM;
    if (rc == 0)
        rc = imc_store_chain_scan_back (store, head, s_one, &walk);
    //  The walk went newest first; the answer is in seq order
    zlist_t *items = zlist_new ();
    for (void *item = walk.items ? zlist_pop (walk.items) : NULL; item;
         item = zlist_pop (walk.items)) {
        zlist_append (items, item);
        zlist_freefn (items, item, s_fields_free, true);
    }
    zlist_destroy (&walk.items);
    zmsg_t *reply = imb_query_list_reply (request->request_id,
                                          rc > 0 ? 0 : rc, items,
                                          "the audit chain");
    zlist_destroy (&items);
    return reply;
}

//  Appends text to a comma-separated list in buffer (of size); false
//  when it does not fit
static bool
s_append (char *buffer, size_t size, const char *text)
{
    size_t used = strlen (buffer);
    int wrote = snprintf (buffer + used, size - used, "%s%s",
                          used ? ", " : "", text);
    return wrote >= 0 && (size_t) wrote < size - used;
}

//  One principal as a reply item: its name, roles, CURVE public keys
//  and tokens (id and label; never the hash)
static im_fields_t *
s_principal_item (const imc_principal_t *principal)
{
    char keys [IMC_PRINCIPAL_KEYS_MAX * (IMC_PRINCIPAL_KEY_TEXT + 2)] = "";
    char tokens [IMC_PRINCIPAL_TOKENS_MAX
                 * (IMC_TOKEN_ID_TEXT + IMC_TOKEN_LABEL_MAX + 6)] = "";
    for (size_t index = 0; index < principal->keys_n; index++)
        s_append (keys, sizeof keys, principal->keys [index]);
    for (size_t index = 0; index < principal->tokens_n; index++) {
        char token [IMC_TOKEN_ID_TEXT + IMC_TOKEN_LABEL_MAX + 4];
        snprintf (token, sizeof token, "%s (%s)",
                  principal->tokens [index].id,
                  principal->tokens [index].label);
        s_append (tokens, sizeof tokens, token);
    }
    im_fields_t *item = im_fields_new ();
    int rc = item ? 0 : IM_ENOMEM;
    if (rc == 0)
        rc = im_fields_set_str (item, IM_KEY_NAME, principal->name);
    if (rc == 0)
        rc = im_fields_set_str (item, IM_KEY_ROLES, principal->roles);
    if (rc == 0)
        rc = im_fields_set_str (item, IM_KEY_KEYS, keys);
    if (rc == 0)
        rc = im_fields_set_str (item, IM_KEY_TOKENS, tokens);
    if (rc)
        im_fields_destroy (&item);
    return item;
}

zmsg_t *
imb_audit_principals (const im_request_t *request, imc_store_t *store)
{
    const char *name = im_fields_str (request->body, IM_KEY_NAME);
    if (im_fields_has (request->body, IM_KEY_NAME) && !name)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id,
                                      "PRINCIPALS takes 'name' (a name)");
    imc_principals_t *principals = imc_principals_new ();
    zlist_t *items = zlist_new ();
    int rc = principals && items
           ? imc_principals_read (principals, store, NULL) : IM_ENOMEM;
    size_t size = rc == 0 ? imc_principals_size (principals) : 0;
    for (size_t index = 0; rc == 0 && index < size; index++) {
        const imc_principal_t *principal = imc_principals_at (principals,
                                                              index);
        if (name && !streq (name, principal->name))
            continue;
        im_fields_t *item = s_principal_item (principal);
        if (!item) {
            rc = IM_ENOMEM;
            break;
        }
        zlist_append (items, item);
        zlist_freefn (items, item, s_fields_free, true);
    }
    imc_principals_destroy (&principals);
    if (!items)
        return im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                      "out of memory");
    zmsg_t *reply = imb_query_list_reply (request->request_id, rc, items,
                                          "the log's principals");
    zlist_destroy (&items);
    return reply;
}
