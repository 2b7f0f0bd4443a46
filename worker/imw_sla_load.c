/*  imw_sla_load - the SLA timer loads the running clocks from the broker

    At start the timer asks SLA-CLOCKS for every running clock (the
    deadlines index, docs/storage.md) and arms them with
    imw_sla_restore. One reply holds IM_PROTO_ITEMS_MAX clocks at most,
    and a large desk runs a million, so the timer asks page after page,
    each after the last clock of the one before (after_due_ms,
    after_incident, after_clock), until a page is short. A broker that
    does not know the cursor answers the first page again: a page that
    does not move on ends the load too, rather than looping.
*/
#include "imw_classes.h"

//  Where the next page of SLA-CLOCKS starts: after the last clock given
typedef struct {
    int64_t due_ms;                     //  Its deadline; 0: the first page
    int64_t incident;                   //  Its incident
    char clock [16];                    //  Its name
} s_cursor_t;

//  Asks for the page after cursor. Returns the reply, NULL if none came.
static im_reply_t *
s_page (im_client_t *query, const s_cursor_t *cursor)
{
    im_fields_t *body = im_fields_new ();
    if (body && cursor->due_ms
    &&  (im_fields_set_int (body, IM_KEY_AFTER_DUE_MS, cursor->due_ms)
    ||   im_fields_set_int (body, IM_KEY_AFTER_INCIDENT, cursor->incident)
    ||   im_fields_set_str (body, IM_KEY_AFTER_CLOCK, cursor->clock)))
        im_fields_destroy (&body);
    im_reply_t *reply = body ? im_client_call (query, "SLA-CLOCKS", NULL,
                                               body, false) : NULL;
    im_fields_destroy (&body);
    return reply;
}

int
imw_sla_load (imw_sla_t *self, im_client_t *query)
{
    assert (self && query);
    s_cursor_t cursor = { 0 };
    size_t armed = 0;
    bool more = true;
    while (more) {
        im_reply_t *reply = s_page (query, &cursor);
        if (!reply) {
            zsys_warning ("sla: SLA-CLOCKS: %s", im_client_errmsg (query));
            return IM_ETIMEOUT;
        }
        if (reply->status == IM_PROTO_NOT_LEADER || reply->status >= 500) {
            im_reply_destroy (&reply);
            return IM_EBUSY;
        }
        if (reply->status != IM_PROTO_OK) {     //  Asking again would not help
            zsys_error ("sla: SLA-CLOCKS refused (%d), %zu clocks loaded",
                        reply->status, armed);
            im_reply_destroy (&reply);
            return 0;
        }
        armed += imw_sla_restore (self, reply->items);
        size_t count = reply->items ? zlist_size (reply->items) : 0;
        im_fields_t *last = count
            ? (im_fields_t *) zlist_last (reply->items) : NULL;
        s_cursor_t next = cursor;
        if (last) {
            next.due_ms = im_fields_int_or (last, IM_KEY_DUE_MS, 0);
            next.incident = im_fields_int_or (last, IM_KEY_INCIDENT, 0);
            im_strlcpy (next.clock, im_fields_str_or (last, IM_KEY_CLOCK, ""),
                        sizeof next.clock);
        }
        more = count >= IM_PROTO_ITEMS_MAX
            && (next.due_ms != cursor.due_ms || next.incident != cursor.incident
                || !streq (next.clock, cursor.clock));
        cursor = next;
        im_reply_destroy (&reply);
    }
    zsys_info ("sla: %zu running clocks loaded", armed);
    return 0;
}
