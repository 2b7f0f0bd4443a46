/*  imb_query - answers to queries, from this node's projections

    LIST and SLA-CLOCKS scan the incident projections in id order and
    filter as they go; that is linear in the number of incidents, which
    is fine for a desk of thousands of open incidents and is the place
    to add secondary indexes when it is not.
*/
#include "imb_classes.h"

typedef struct {
    const char *status;             //  Filter: status, or NULL
    int64_t priority;               //  Filter: priority, or 0
    const char *assignee;           //  Filter: group or agent, or NULL
    size_t limit;                   //  Items wanted
    bool clocks;                    //  SLA-CLOCKS instead of LIST
    zlist_t *items;                 //  im_fields_t *, owned
    int rc;                         //  Error while scanning
} s_scan_t;

static void
s_fields_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

static void
s_append (zlist_t *items, im_fields_t *item)
{
    zlist_append (items, item);
    zlist_freefn (items, item, s_fields_free, true);
}

//  Adds one item per running SLA clock of incident
static void
s_add_clocks (s_scan_t *scan, uint64_t id, const im_fields_t *incident)
{
    static const char *clocks [] = { "response", "resolution" };
    for (size_t index = 0; index < 2; index++) {
        char state_key [32], due_key [48];
        snprintf (state_key, sizeof state_key, "sla_%s", clocks [index]);
        snprintf (due_key, sizeof due_key, "sla_%s_due_ms", clocks [index]);
        const char *state = im_fields_str (incident, state_key);
        if (state && streq (state, "running")) {
            im_fields_t *item = im_fields_new ();
            im_fields_set_int (item, "incident", (int64_t) id);
            im_fields_set_str (item, "clock", clocks [index]);
            im_fields_set_int (item, "due_ms",
                               im_fields_int_or (incident, due_key, 0));
            im_fields_set_int (item, "priority",
                               im_fields_int_or (incident, "priority", 0));
            s_append (scan->items, item);
        }
    }
}

static int
s_scan_one (uint64_t id, const void *data, size_t size, void *arg)
{
    s_scan_t *scan = (s_scan_t *) arg;
    im_fields_t *incident = im_fields_new ();
    if (im_fields_decode (incident, data, size, NULL, 0)) {
        zsys_error ("imb_query: projection of incident %" PRIu64
                    " does not decode", id);
        im_fields_destroy (&incident);
        return 0;
    }
    if (scan->clocks) {
        s_add_clocks (scan, id, incident);
        im_fields_destroy (&incident);
        return zlist_size (scan->items) >= scan->limit;
    }
    bool wanted = true;
    if (scan->status)
        wanted = streq (im_fields_str_or (incident, "status", ""),
                        scan->status);
    if (wanted && scan->priority)
        wanted = im_fields_int_or (incident, "priority", 0) == scan->priority;
    if (wanted && scan->assignee)
        wanted = streq (im_fields_str_or (incident, "agent", ""),
                        scan->assignee)
              || streq (im_fields_str_or (incident, "group", ""),
                        scan->assignee);
    if (wanted)
        s_append (scan->items, incident);
    else
        im_fields_destroy (&incident);
    return zlist_size (scan->items) >= scan->limit;
}

static zmsg_t *
s_list (const im_request_t *request, im_store_t *store, bool clocks)
{
    const im_fields_t *body = request->body;
    s_scan_t scan = { NULL, 0, NULL, 100, clocks, zlist_new (), 0 };
    scan.status = im_fields_str (body, "status");
    scan.priority = im_fields_int_or (body, "priority", 0);
    scan.assignee = im_fields_str (body, "assignee");
    int64_t limit = im_fields_int_or (body, "limit", clocks ? IM_PROTO_ITEMS_MAX
                                                            : 100);
    int64_t after = im_fields_int_or (body, "after", 0);
    if (limit < 1 || limit > IM_PROTO_ITEMS_MAX || after < 0) {
        zlist_destroy (&scan.items);
        return im_reply_encode_error (400, request->request_id,
                                      "limit must be 1..10000 and after >= 0");
    }
    scan.limit = (size_t) limit;
    int rc = im_store_incidents_scan (store, (uint64_t) after + 1, s_scan_one,
                                      &scan);
    zmsg_t *reply;
    if (rc < 0)
        reply = im_reply_encode_error (500, request->request_id,
                                       "cannot read the incidents");
    else {
        im_fields_t *result = im_fields_new ();
        im_fields_set_int (result, "count", (int64_t) zlist_size (scan.items));
        reply = im_reply_encode (200, request->request_id, result, scan.items,
                                 NULL);
        im_fields_destroy (&result);
    }
    zlist_destroy (&scan.items);
    return reply;
}

static int
s_collect_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    zlist_t *frames = (zlist_t *) arg;
    if (zlist_size (frames) >= IM_PROTO_ITEMS_MAX)
        return 1;
    zframe_t *frame = zframe_new (data, size);
    zlist_append (frames, frame);
    return 0;
}

static zmsg_t *
s_incident_query (const im_request_t *request, im_store_t *store,
                  bool timeline)
{
    int64_t id;
    if (im_fields_int (request->body, "incident", &id) || id < 1)
        return im_reply_encode_error (400, request->request_id,
                                      "missing or invalid argument "
                                      "'incident' (an integer >= 1)");
    im_fields_t *incident = NULL;
    int rc = im_store_incident_get (store, (uint64_t) id, &incident);
    if (rc) {
        char text [64];
        snprintf (text, sizeof text, "no incident %" PRId64, id);
        return im_reply_encode_error (rc == IM_ENOTFOUND ? 404 : 500,
                                      request->request_id,
                                      rc == IM_ENOTFOUND ? text
                                                         : im_strerror (rc));
    }
    if (!timeline) {
        zmsg_t *reply = im_reply_encode (200, request->request_id, incident,
                                         NULL, NULL);
        im_fields_destroy (&incident);
        return reply;
    }
    im_fields_destroy (&incident);
    zlist_t *frames = zlist_new ();
    im_store_incident_events_scan (store, (uint64_t) id, s_collect_event,
                                   frames);
    im_fields_t *result = im_fields_new ();
    im_fields_set_int (result, "incident", id);
    im_fields_set_int (result, "count", (int64_t) zlist_size (frames));
    zmsg_t *reply = im_reply_encode (200, request->request_id, result, NULL,
                                     frames);
    im_fields_destroy (&result);
    zframe_t *frame = (zframe_t *) zlist_pop (frames);
    while (frame) {
        zframe_destroy (&frame);
        frame = (zframe_t *) zlist_pop (frames);
    }
    zlist_destroy (&frames);
    return reply;
}

static const char *
s_state_name (int state)
{
    switch (state) {
        case RAFT_FOLLOWER:  return "follower";
        case RAFT_CANDIDATE: return "candidate";
        case RAFT_LEADER:    return "leader";
        default:             return "unavailable";
    }
}

static zmsg_t *
s_status (const im_request_t *request, imb_raft_t *raft,
          imb_dispatch_t *dispatch, uint64_t node_id)
{
    imb_raft_status_t status;
    imb_raft_status (raft, &status);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "node_id", (int64_t) node_id);
    im_fields_set_str (body, "raft_state", s_state_name (status.state));
    im_fields_set_int (body, "term", (int64_t) status.term);
    im_fields_set_int (body, "leader_id", (int64_t) status.leader_id);
    im_fields_set_str (body, "leader_address", status.leader_address);
    im_fields_set_int (body, "commit_index", (int64_t) status.commit_index);
    im_fields_set_int (body, "applied_index", (int64_t) status.applied_index);
    im_fields_set_int (body, "last_seq", (int64_t) status.last_seq);
    im_fields_set_int (body, "queue", (int64_t) status.queue);
    zlist_t *groups = imb_dispatch_status (dispatch);
    zmsg_t *reply = im_reply_encode (200, request->request_id, body, groups,
                                     NULL);
    zlist_destroy (&groups);
    im_fields_destroy (&body);
    return reply;
}

zmsg_t *
imb_query_answer (const im_request_t *request, im_store_t *store,
                  imb_raft_t *raft, imb_dispatch_t *dispatch,
                  uint64_t node_id)
{
    switch (im_query_type_from_name (request->verb)) {
        case IM_QUERY_GET:
            return s_incident_query (request, store, false);
        case IM_QUERY_TIMELINE:
            return s_incident_query (request, store, true);
        case IM_QUERY_LIST:
            return s_list (request, store, false);
        case IM_QUERY_SLA_CLOCKS:
            return s_list (request, store, true);
        case IM_QUERY_STATUS:
            return s_status (request, raft, dispatch, node_id);
        default:
            return im_reply_encode_error (400, request->request_id,
                                          "unknown query");
    }
}
