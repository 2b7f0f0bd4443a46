/*  imb_events - EVENTS: any range of the log, a page at a time

    An analyst's export and a live tail (imqctl events) read the log in
    seq order through one query polled with a cursor: each answer holds
    at most a page of events and the seq to go on after, so a page
    boundary never loses or repeats an event, the node never builds an
    answer without bound, and a tail is the same query asked again. A
    filter that matches little (one type in a long log) stops a page
    after S_EXAMINE_MAX events looked at, with the cursor where it
    stopped: the work of one request stays bounded too.

    Events are written in seq order, one Raft entry's events in one
    batch, so a scan sees a prefix of the log: an event committed after
    an answer has a seq above its cursor. With incident, the scan walks
    that incident's chain (0: the chain of the events of no incident,
    config.applied, cluster.member and principal.changed), not the log.

    A time since finds its first seq by bisecting the seqs, a few point
    reads rather than a scan (imc_store_events_seek_time): events are in
    seq order and their times are the leaders' stamps, which a failover
    to a node whose clock is behind may set back a little (as
    imb_audit.c says), so the scan starts where the times reach since
    less S_SKEW_MS and filters each event on its own time; an until time
    ends the scan S_SKEW_MS past.

    A principal.changed payload holds an HTTP token's hash: it never
    leaves the node through EVENTS (token_hash is taken out).
*/
#include "imb_classes.h"

#define S_LIMIT_MAX     1000        //  Events in one page
#define S_EXAMINE_MAX   20000       //  Events looked at for one page
#define S_BYTES_MAX     (8 * 1024 * 1024)   //  Bytes of events in a page
#define S_SKEW_MS       60000       //  Clocks of leaders may differ so much

//  What one EVENTS asks for, and what its scan found so far
typedef struct {
    uint64_t after;                 //  Only seqs above
    int64_t since;                  //  Only times at or after (ms), or -1
    uint64_t until_seq;             //  Only seqs at or below, or 0
    int64_t until;                  //  Only times at or before, or -1
    im_event_type_t type;           //  Only this type, or IM_EV_NONE
    int64_t incident;               //  Only this incident, or -1
    size_t limit;                   //  Events in the page
    im_event_t *event;              //  Scratch, owned
    zlist_t *frames;                //  zframe_t *, the page, owned
    size_t bytes;                   //  Bytes of the frames
    size_t examined;                //  Events looked at
    uint64_t cursor;                //  Last seq looked at
    bool more;                      //  Stopped before the range's end
    int rc;                         //  A failure while scanning
} s_page_t;

//  Adds the event decoded in page->event, data its bytes, to the page,
//  without the token hash of a principal change. Returns 0 or
//  IM_ENOMEM.
static int
s_add (s_page_t *page, const void *data, size_t size)
{
    im_event_t *event = page->event;
    char *encoded = NULL;
    if (event->type == IM_EV_PRINCIPAL
    &&  im_fields_has (event->payload, IM_KEY_TOKEN_HASH)) {
        im_fields_remove (event->payload, IM_KEY_TOKEN_HASH);
        if (im_event_encode (event, &encoded, &size))
            return IM_ENOMEM;
        data = encoded;
    }
    zframe_t *frame = zframe_new (data, size);
    free (encoded);
    if (!frame)
        return IM_ENOMEM;
    zlist_append (page->frames, frame);
    page->bytes += size;
    return 0;
}

//  Takes one event in seq order; non-zero stops the scan
static int
s_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_page_t *page = (s_page_t *) arg;
    if (seq <= page->after)
        return 0;                   //  An incident's chain, before the page
    if (page->until_seq && seq > page->until_seq)
        return 1;                   //  The range's end
    if (page->examined >= S_EXAMINE_MAX
    ||  zlist_size (page->frames) >= page->limit
    ||  page->bytes >= S_BYTES_MAX) {
        page->more = true;          //  The page is full: seq is the next
        return 1;
    }
    page->examined++;
    int rc = im_event_decode (page->event, data, size, NULL, 0);
    if (rc) {
        zsys_error ("imb_events: event %" PRIu64 " does not decode", seq);
        page->rc = rc;
        return 1;
    }
    int64_t ts = (int64_t) page->event->ts_ms;
    if (page->until >= 0 && page->until < INT64_MAX - S_SKEW_MS
    &&  ts > page->until + S_SKEW_MS)
        return 1;                   //  Past the range's end, skew and all
    page->cursor = seq;
    bool wanted = (page->since < 0 || ts >= page->since)
               && (page->until < 0 || ts <= page->until)
               && (page->type == IM_EV_NONE || page->type == page->event->type)
               && (page->incident < 0
                   || (uint64_t) page->incident == page->event->incident);
    if (wanted && s_add (page, data, size)) {
        page->rc = IM_ENOMEM;
        return 1;
    }
    return 0;
}

//  Reads body into page. Returns NULL, or the 400 reply saying why.
static zmsg_t *
s_parse (const im_request_t *request, s_page_t *page)
{
    const im_fields_t *body = request->body;
    int64_t after = 0, until_seq = 0, limit = S_LIMIT_MAX;
    const char *type = im_fields_str (body, IM_KEY_TYPE);
    const char *text = NULL;
    if ((im_fields_has (body, IM_KEY_AFTER)
         && (im_fields_int (body, IM_KEY_AFTER, &after) || after < 0)))
        text = "'after' must be a seq >= 0";
    else
    if (im_fields_has (body, IM_KEY_UNTIL_SEQ)
    &&  (im_fields_int (body, IM_KEY_UNTIL_SEQ, &until_seq) || until_seq < 1))
        text = "'until_seq' must be a seq >= 1";
    else
    if ((im_fields_has (body, IM_KEY_SINCE)
         && (im_fields_int (body, IM_KEY_SINCE, &page->since)
             || page->since < 0))
    ||  (im_fields_has (body, IM_KEY_UNTIL)
         && (im_fields_int (body, IM_KEY_UNTIL, &page->until)
             || page->until < 0)))
        text = "'since' and 'until' must be times in ms >= 0";
    else
    if (im_fields_has (body, IM_KEY_LIMIT)
    &&  (im_fields_int (body, IM_KEY_LIMIT, &limit) || limit < 1
         || limit > S_LIMIT_MAX))
        text = "'limit' must be 1 to 1000";
    else
    if (im_fields_has (body, IM_KEY_INCIDENT)
    &&  (im_fields_int (body, IM_KEY_INCIDENT, &page->incident)
         || page->incident < 0))
        text = "'incident' must be an id >= 0 (0: the events of no "
               "incident)";
    else
    if (im_fields_has (body, IM_KEY_TYPE)
    &&  (!type || im_event_type_from_name (type) == IM_EV_NONE))
        text = "'type' must be an event type (docs/protocol.md 6.2)";
    else
    if ((until_seq && after > until_seq)
    ||  (page->since >= 0 && page->until >= 0 && page->since > page->until))
        text = "the range ends before it starts (since after until)";
    if (text)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, text);
    page->after = (uint64_t) after;
    page->until_seq = (uint64_t) until_seq;
    page->limit = (size_t) limit;
    page->type = type ? im_event_type_from_name (type) : IM_EV_NONE;
    return NULL;
}

zmsg_t *
imb_events_answer (const im_request_t *request, imc_store_t *store)
{
    assert (request && store);
    s_page_t page;
    memset (&page, 0, sizeof page);
    page.since = page.until = page.incident = -1;
    zmsg_t *reply = s_parse (request, &page);
    if (reply)
        return reply;
    page.event = im_event_new ();
    page.frames = zlist_new ();
    uint64_t last_seq = 0;
    int rc = page.event && page.frames ? 0 : IM_ENOMEM;
    if (rc == 0)
        rc = imc_store_meta_get (store, IM_META_LAST_SEQ, &last_seq);
    if (rc == 0 && page.incident >= 0)
        rc = imc_store_incident_events_scan (store, (uint64_t) page.incident,
                                             s_one, &page);
    else
    if (rc == 0) {
        uint64_t from = page.after + 1, start = 0;
        if (page.since >= 0)
            rc = imc_store_events_seek_time (store, (uint64_t) (
                page.since > S_SKEW_MS ? page.since - S_SKEW_MS : 0), &start);
        //  Nothing before start is wanted: the cursor may go there
        if (start > from) {
            from = start;
            page.cursor = start - 1;
        }
        rc = imc_store_events_scan (store, from, 0, s_one, &page);
    }
    rc = rc > 0 ? page.rc : rc;
    if (rc == 0 && page.cursor < page.after)
        page.cursor = page.after;
    im_fields_t *body = im_fields_new ();
    if (rc || !body)
        reply = im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                       "cannot read the log");
    else {
        im_fields_set_int (body, IM_KEY_COUNT,
                           (int64_t) zlist_size (page.frames));
        im_fields_set_int (body, IM_KEY_AFTER, (int64_t) page.cursor);
        im_fields_set_int (body, IM_KEY_MORE, page.more);
        im_fields_set_int (body, IM_KEY_LAST_SEQ, (int64_t) last_seq);
        reply = im_reply_encode (IM_PROTO_OK, request->request_id, body, NULL,
                                 page.frames);
    }
    im_fields_destroy (&body);
    for (zframe_t *frame = page.frames ? (zframe_t *) zlist_pop (page.frames)
                                       : NULL;
         frame; frame = (zframe_t *) zlist_pop (page.frames))
        zframe_destroy (&frame);
    zlist_destroy (&page.frames);
    im_event_destroy (&page.event);
    return reply;
}
