/*  imb_query - answers to queries, from this node's projections

    LIST scans the incident projections in id order and filters as it
    goes; that is linear in the number of incidents, fine for a desk of
    thousands of open incidents and the place to add secondary indexes
    when it is not. SLA-CLOCKS reads the deadlines index, so an SLA timer
    can ask every second what is due without scanning anything else.
*/
#include "imb_classes.h"

typedef struct {
    const char *status;             //  Filter: status, or NULL
    int64_t priority;               //  Filter: priority, or 0
    const char *assignee;           //  Filter: group or agent, or NULL
    size_t limit;                   //  Items wanted
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
    bool wanted = true;
    if (scan->status)
        wanted = streq (im_fields_str_or (incident, IM_KEY_STATUS, ""),
                        scan->status);
    if (wanted && scan->priority)
        wanted = im_fields_int_or (incident, IM_KEY_PRIORITY, 0)
              == scan->priority;
    if (wanted && scan->assignee)
        wanted = streq (im_fields_str_or (incident, IM_KEY_AGENT, ""),
                        scan->assignee)
              || streq (im_fields_str_or (incident, IM_KEY_GROUP, ""),
                        scan->assignee);
    if (wanted)
        s_append (scan->items, incident);
    else
        im_fields_destroy (&incident);
    return zlist_size (scan->items) >= scan->limit;
}

static zmsg_t *
s_list (const im_request_t *request, imc_store_t *store)
{
    const im_fields_t *body = request->body;
    s_scan_t scan = { NULL, 0, NULL, 100, zlist_new (), 0 };
    scan.status = im_fields_str (body, IM_KEY_STATUS);
    scan.priority = im_fields_int_or (body, IM_KEY_PRIORITY, 0);
    scan.assignee = im_fields_str (body, IM_KEY_ASSIGNEE);
    int64_t limit = im_fields_int_or (body, IM_KEY_LIMIT, 100);
    int64_t after = im_fields_int_or (body, IM_KEY_AFTER, 0);
    if (limit < 1 || limit > IM_PROTO_ITEMS_MAX || after < 0) {
        zlist_destroy (&scan.items);
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "limit must be 1..10000 and after >= 0");
    }
    scan.limit = (size_t) limit;
    int rc = imc_store_incidents_scan (store, (uint64_t) after + 1, s_scan_one,
                                       &scan);
    zmsg_t *reply = imb_query_list_reply (request->request_id, rc,
                                          scan.items, "the incidents");
    zlist_destroy (&scan.items);
    return reply;
}

//  SLA-CLOCKS: running clocks from the deadlines index, earliest first
typedef struct {
    zlist_t *items;                 //  im_fields_t *, owned
    size_t limit;                   //  Items wanted
    imc_store_t *store;             //  For a warning's fraction, borrowed
} s_clocks_t;

//  Adds to item the fraction of the warning of clock due at due_ms,
//  read from the incident's list of warnings not given yet
static void
s_add_fraction (imc_store_t *store, uint64_t incident, int clock,
                uint64_t due_ms, im_fields_t *item)
{
    im_fields_t *projection = NULL;
    if (imc_store_incident_get (store, incident, &projection))
        return;
    char key [48];
    snprintf (key, sizeof key, "sla_%s_warnings",
              clock == IM_CLOCK_WARN_RESPONSE ? "response" : "resolution");
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = 0;
    if (im_warnings_parse (im_fields_str_or (projection, key, ""), warnings,
                           &count) == 0)
        for (size_t index = 0; index < count; index++)
            if (warnings [index].at_ms == (int64_t) due_ms)
                im_fields_set_int (item, IM_KEY_FRACTION,
                                   warnings [index].percent);
    im_fields_destroy (&projection);
}

static int
s_add_clock (uint64_t due_ms, uint64_t incident, int clock, void *arg)
{
    s_clocks_t *clocks = (s_clocks_t *) arg;
    im_fields_t *item = im_fields_new ();
    im_fields_set_int (item, IM_KEY_INCIDENT, (int64_t) incident);
    const char *name = im_clock_name (clock);
    im_fields_set_str (item, IM_KEY_CLOCK, name ? name : "unknown");
    im_fields_set_int (item, IM_KEY_DUE_MS, (int64_t) due_ms);
    if (clock == IM_CLOCK_WARN_RESPONSE || clock == IM_CLOCK_WARN_RESOLUTION)
        s_add_fraction (clocks->store, incident, clock, due_ms, item);
    s_append (clocks->items, item);
    return zlist_size (clocks->items) >= clocks->limit;
}

static zmsg_t *
s_sla_clocks (const im_request_t *request, imc_store_t *store)
{
    int64_t due_before = im_fields_int_or (request->body, IM_KEY_DUE_BEFORE,
                                           INT64_MAX);
    int64_t limit = im_fields_int_or (request->body, IM_KEY_LIMIT,
                                      IM_PROTO_ITEMS_MAX);
    //  A page after the last clock of the one before, all three named
    int64_t after_due = im_fields_int_or (request->body, IM_KEY_AFTER_DUE_MS,
                                          -1);
    int64_t after_incident = im_fields_int_or (request->body,
                                               IM_KEY_AFTER_INCIDENT, -1);
    int after_clock = im_clock_from_name (
        im_fields_str_or (request->body, IM_KEY_AFTER_CLOCK, ""));
    bool after = after_due >= 0 || after_incident >= 0
              || im_fields_has (request->body, IM_KEY_AFTER_CLOCK);
    if (due_before < 0 || limit < 1 || limit > IM_PROTO_ITEMS_MAX
    ||  (after && (after_due < 0 || after_incident < 0 || after_clock < 0)))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "due_before must be >= 0, limit "
                                      "1..10000, and after_due_ms, "
                                      "after_incident and after_clock "
                                      "given together");
    s_clocks_t clocks = { zlist_new (), (size_t) limit, store };
    int rc = after
        ? imc_store_deadlines_scan_after (store, (uint64_t) after_due,
                                          (uint64_t) after_incident,
                                          after_clock, (uint64_t) due_before,
                                          s_add_clock, &clocks)
        : imc_store_deadlines_scan (store, (uint64_t) due_before,
                                    s_add_clock, &clocks);
    zmsg_t *reply = imb_query_list_reply (request->request_id, rc,
                                          clocks.items, "the deadlines");
    zlist_destroy (&clocks.items);
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

//  An event frame and its seq, for sorting a merged timeline
typedef struct {
    uint64_t seq;                   //  The event's seq
    zframe_t *frame;                //  Its bytes, owned by the list
} s_seq_frame_t;

static int
s_by_seq (const void *a, const void *b)
{
    uint64_t x = ((const s_seq_frame_t *) a)->seq;
    uint64_t y = ((const s_seq_frame_t *) b)->seq;
    return x < y ? -1 : x > y;
}

//  Adds the events of the incident's children and merged duplicates to
//  frames, and puts them all in seq order: a parent's merged view
static void
s_merge_linked (imc_store_t *store, const im_fields_t *incident,
                zlist_t *frames)
{
    const char *keys [2] = { IM_KEY_CHILDREN, IM_KEY_DUPLICATES };
    for (int key = 0; key < 2; key++) {
        const char *at = im_fields_str (incident, keys [key]);
        while (at && *at) {
            uint64_t other = strtoull (at, NULL, 10);
            imc_store_incident_events_scan (store, other, s_collect_event,
                                            frames);
            at = strchr (at, ',');
            at = at ? at + 1 : NULL;
        }
    }
    size_t count = zlist_size (frames);
    s_seq_frame_t *sorted = (s_seq_frame_t *) calloc (count ? count : 1,
                                                      sizeof *sorted);
    im_event_t *event = im_event_new ();
    assert (sorted && event);
    for (size_t index = 0; index < count; index++) {
        zframe_t *frame = (zframe_t *) zlist_pop (frames);
        sorted [index].frame = frame;
        if (im_event_decode (event, zframe_data (frame), zframe_size (frame),
                             NULL, 0) == 0)
            sorted [index].seq = event->seq;
    }
    qsort (sorted, count, sizeof *sorted, s_by_seq);
    for (size_t index = 0; index < count; index++)
        zlist_append (frames, sorted [index].frame);
    im_event_destroy (&event);
    free (sorted);
}

static zmsg_t *
s_incident_query (const im_request_t *request, imc_store_t *store,
                  bool timeline)
{
    int64_t id;
    if (im_fields_int (request->body, IM_KEY_INCIDENT, &id) || id < 1)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "missing or invalid argument "
                                      "'incident' (an integer >= 1)");
    im_fields_t *incident = NULL;
    int rc = imc_store_incident_get (store, (uint64_t) id, &incident);
    if (rc) {
        char text [64];
        snprintf (text, sizeof text, "no incident %" PRId64, id);
        return im_reply_encode_error (rc == IM_ENOTFOUND ? IM_PROTO_NOT_FOUND
                                                         : IM_PROTO_INTERNAL,
                                      request->request_id,
                                      rc == IM_ENOTFOUND ? text
                                                         : im_strerror (rc));
    }
    if (!timeline) {
        zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request->request_id,
                                         incident,
                                         NULL, NULL);
        im_fields_destroy (&incident);
        return reply;
    }
    zlist_t *frames = zlist_new ();
    imc_store_incident_events_scan (store, (uint64_t) id, s_collect_event,
                                    frames);
    if (im_fields_int_or (request->body, IM_KEY_MERGED, 0))
        s_merge_linked (store, incident, frames);
    im_fields_destroy (&incident);
    im_fields_t *result = im_fields_new ();
    im_fields_set_int (result, IM_KEY_INCIDENT, id);
    im_fields_set_int (result, IM_KEY_COUNT, (int64_t) zlist_size (frames));
    zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request->request_id, result,
                                     NULL,
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

static zmsg_t *
s_status (const im_request_t *request, imb_raft_t *raft,
          imb_dispatch_t *dispatch, uint64_t node_id,
          const im_log_limit_t *refusals, const imb_denials_t *denials)
{
    imb_raft_status_t status;
    imb_raft_status (raft, &status);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, IM_KEY_NODE_ID, (int64_t) node_id);
    im_fields_set_str (body, IM_KEY_RAFT_STATE,
                       imb_raft_state_name (status.state));
    im_fields_set_int (body, IM_KEY_TERM, (int64_t) status.term);
    im_fields_set_int (body, IM_KEY_LEADER_ID, (int64_t) status.leader_id);
    im_fields_set_str (body, IM_KEY_LEADER_ADDRESS, status.leader_address);
    im_fields_set_int (body, IM_KEY_COMMIT_INDEX,
                       (int64_t) status.commit_index);
    im_fields_set_int (body, IM_KEY_APPLIED_INDEX,
                       (int64_t) status.applied_index);
    im_fields_set_int (body, IM_KEY_LAST_SEQ, (int64_t) status.last_seq);
    im_fields_set_int (body, IM_KEY_QUEUE, (int64_t) status.queue);
    im_fields_set_int (body, IM_KEY_LOG_REPAIR_TO,
                       (int64_t) status.log_repair_to);
    //  Messages refused before they reached the state machine, by kind
    for (size_t index = 0; refusals && index < im_log_limit_size (refusals);
         index++) {
        char key [64];
        snprintf (key, sizeof key, "refused/%s",
                  im_log_limit_kind_at (refusals, index));
        im_fields_set_int (body, key, (int64_t) im_log_limit_total_at (
                                          refusals, index));
    }
    if (denials)                    //  Denials by verb, and as recorded
        imb_denials_status (denials, body);
    zlist_t *groups = imb_dispatch_status (dispatch);
    zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request->request_id, body,
                                     groups,
                                     NULL);
    zlist_destroy (&groups);
    im_fields_destroy (&body);
    return reply;
}

//  The state machine's counters as stored (docs/storage.md 2.7), one
//  item per family (events/, commands/ and rejected/, incidents/): all
//  of them together are more than one fields map may hold
static zmsg_t *
s_counters (const im_request_t *request, imc_store_t *store)
{
    static const char *families [3] = { "events/", "commands/", "incidents/" };
    im_fields_t *items [3] = { im_fields_new (), im_fields_new (),
                               im_fields_new () };
    int rc = items [0] && items [1] && items [2] ? 0 : IM_ENOMEM;
    for (size_t index = 0; index < imc_counters_size () && rc == 0; index++) {
        char key [IMC_COUNTER_NAME_MAX + 8] = IMC_COUNTERS_PREFIX;
        size_t prefix = strlen (key);
        imc_counters_name (index, key + prefix, sizeof key - prefix);
        uint64_t value = 0;
        rc = imc_store_meta_get (store, key, &value);
        const char *name = key + prefix;
        size_t family = 1;          //  commands/ and rejected/
        for (size_t other = 0; other < 3; other += 2)
            if (strncmp (name, families [other], strlen (families [other]))
                    == 0)
                family = other;
        if (rc == 0)
            rc = im_fields_set_int (items [family], name, (int64_t) value);
    }
    zlist_t *list = zlist_new ();
    im_fields_t *body = im_fields_new ();
    zmsg_t *reply;
    if (rc || !list || !body)
        reply = im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                       im_strerror (rc ? rc : IM_ENOMEM));
    else {
        for (size_t family = 0; family < 3; family++)
            zlist_append (list, items [family]);
        im_fields_set_int (body, IM_KEY_COUNT, 3);
        reply = im_reply_encode (IM_PROTO_OK, request->request_id, body, list,
                                 NULL);
    }
    zlist_destroy (&list);
    im_fields_destroy (&body);
    for (size_t family = 0; family < 3; family++)
        im_fields_destroy (&items [family]);
    return reply;
}

//  CONFIG-GET: the replicated policy of a version (0 or none: the one
//  in force), from the config.applied events (those of no incident)
typedef struct {
    int64_t version;                //  Wanted, 0: the last
    im_event_t *event;              //  Scratch, owned
    im_fields_t *found;             //  Its answer, owned, or NULL
} s_config_t;

static int
s_config_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_config_t *config = (s_config_t *) arg;
    if (im_event_decode (config->event, data, size, NULL, 0)
    ||  config->event->type != IM_EV_CONFIGURED)
        return 0;
    const im_fields_t *payload = config->event->payload;
    int64_t version = im_fields_int_or (payload, IM_KEY_VERSION, 0);
    if (config->version && version != config->version)
        return 0;
    im_fields_destroy (&config->found);
    config->found = im_fields_dup (payload);
    if (!config->found)
        return IM_ENOMEM;
    im_fields_set_int (config->found, IM_KEY_SEQ, (int64_t) seq);
    im_fields_set_int (config->found, IM_KEY_TS_MS,
                       (int64_t) config->event->ts_ms);
    im_fields_set_str (config->found, IM_KEY_ACTOR, config->event->actor);
    return config->version ? 1 : 0;
}

static zmsg_t *
s_config (const im_request_t *request, imc_store_t *store)
{
    s_config_t config = { im_fields_int_or (request->body, IM_KEY_VERSION, 0),
                          im_event_new (), NULL };
    if (config.version < 0 || !config.event) {
        im_event_destroy (&config.event);
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "version must be >= 0");
    }
    int rc = imc_store_incident_events_scan (store, 0, s_config_event,
                                             &config);
    im_event_destroy (&config.event);
    zmsg_t *reply;
    if (rc < 0)
        reply = im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                       "cannot read the configuration");
    else
    if (!config.found && config.version)
        reply = im_reply_encode_error (IM_PROTO_NOT_FOUND, request->request_id,
                                       "no such configuration version");
    else {
        if (!config.found) {        //  Nothing applied: the defaults
            config.found = im_fields_new ();
            im_fields_set_int (config.found, IM_KEY_VERSION, 0);
        }
        reply = im_reply_encode (IM_PROTO_OK, request->request_id, config.found,
                                 NULL, NULL);
    }
    im_fields_destroy (&config.found);
    return reply;
}

zmsg_t *
imb_query_answer (const im_request_t *request, imc_store_t *store,
                  imb_raft_t *raft, imb_dispatch_t *dispatch,
                  uint64_t node_id, const im_log_limit_t *refusals,
                  const imb_denials_t *denials)
{
    switch (im_query_type_from_name (request->verb)) {
        case IM_QUERY_GET:
            return s_incident_query (request, store, false);
        case IM_QUERY_TIMELINE:
            return s_incident_query (request, store, true);
        case IM_QUERY_LIST:
            return s_list (request, store);
        case IM_QUERY_SLA_CLOCKS:
            return s_sla_clocks (request, store);
        case IM_QUERY_STATUS:
            return s_status (request, raft, dispatch, node_id, refusals,
                             denials);
        case IM_QUERY_COUNTERS:
            return s_counters (request, store);
        case IM_QUERY_CONFIG:
            return s_config (request, store);
        case IM_QUERY_SEARCH:
            return imb_search_answer (request, store);
        case IM_QUERY_DENIALS:
            return imb_audit_denials (request, store);
        case IM_QUERY_PRINCIPALS:
            return imb_audit_principals (request, store);
        case IM_QUERY_SLA_REPORT:
            return imb_sla_report_answer (request, store);
        case IM_QUERY_EVENTS:
            return imb_events_answer (request, store);
        default:
            return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                          request->request_id,
                                          "unknown query");
    }
}

zmsg_t *
imb_query_list_reply (const char *request_id, int scan_rc, zlist_t *items,
                      const char *what)
{
    assert (request_id && items && what);
    if (scan_rc < 0) {
        char text [96];
        snprintf (text, sizeof text, "cannot read %s", what);
        return im_reply_encode_error (IM_PROTO_INTERNAL, request_id, text);
    }
    im_fields_t *result = im_fields_new ();
    im_fields_set_int (result, IM_KEY_COUNT, (int64_t) zlist_size (items));
    zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request_id, result, items,
                                     NULL);
    im_fields_destroy (&result);
    return reply;
}
