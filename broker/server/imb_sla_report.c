/*  imb_sla_report - SLA compliance over a time range

    The report scans every incident projection once, as LIST and SEARCH
    do: its work is linear in the number of incidents, whatever the
    range, and its reply is one item per group (at most
    IMC_SLA_REPORT_GROUPS_MAX), so no range or desk size makes it page.
    The projections hold each clock's end and measured working time
    (docs/storage.md section 2.3), so the scan reads no event.
*/
#include "imb_classes.h"
#include "imb_sla_report.h"
#include "imc_sla_report.h"

typedef struct {
    imc_sla_report_t *report;       //  The fold, borrowed
    int rc;                         //  IM_ENOMEM when a fold failed
} s_scan_t;

static int
s_add_one (uint64_t id, const void *data, size_t size, void *arg)
{
    s_scan_t *scan = (s_scan_t *) arg;
    im_fields_t *incident = im_fields_new ();
    if (!incident)
        return IM_ENOMEM;
    if (im_fields_decode (incident, data, size, NULL, 0)) {
        zsys_error ("imb_sla_report: projection of incident %" PRIu64
                    " does not decode", id);
        im_fields_destroy (&incident);
        return 0;
    }
    int rc = imc_sla_report_add (scan->report, incident);
    im_fields_destroy (&incident);
    return rc;
}

static void
s_item_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

zmsg_t *
imb_sla_report_answer (const im_request_t *request, imc_store_t *store)
{
    const im_fields_t *body = request->body;
    int64_t since = -1, until = -1;
    const char *by = im_fields_str_or (body, IM_KEY_BY, "none");
    char reason [IM_PROTO_REASON_MAX];
    if (im_fields_int (body, IM_KEY_SINCE_MS, &since)
    ||  im_fields_int (body, IM_KEY_UNTIL_MS, &until))
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id,
                                      "SLA-REPORT needs 'since_ms' and "
                                      "'until_ms' (ms since the epoch)");
    imc_sla_report_t *report = imc_sla_report_new (since, until, by, reason,
                                                   sizeof reason);
    if (!report)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, reason);
    s_scan_t scan = { report, 0 };
    int rc = imc_store_incidents_scan (store, 1, s_add_one, &scan);
    zlist_t *items = zlist_new ();
    im_fields_t *result = im_fields_new ();
    if (rc == 0 && (!items || !result))
        rc = IM_ENOMEM;
    size_t groups = imc_sla_report_size (report);
    for (size_t index = 0; rc == 0 && index < groups; index++) {
        im_fields_t *item = im_fields_new ();
        if (!item
        ||  imc_sla_group_fields (imc_sla_report_group (report, index),
                                  item)) {
            im_fields_destroy (&item);
            rc = IM_ENOMEM;
            break;
        }
        zlist_append (items, item);
        zlist_freefn (items, item, s_item_free, false);
    }
    if (rc == 0
    &&  (im_fields_set_int (result, IM_KEY_COUNT, (int64_t) groups)
         || im_fields_set_int (result, IM_KEY_SINCE_MS, since)
         || im_fields_set_int (result, IM_KEY_UNTIL_MS, until)
         || im_fields_set_str (result, IM_KEY_BY, by)
         || imc_sla_group_fields (imc_sla_report_total (report), result)))
        rc = IM_ENOMEM;
    zmsg_t *reply = rc
        ? im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                 rc == IM_ENOMEM ? "out of memory"
                                                 : "cannot read the "
                                                   "incidents")
        : im_reply_encode (IM_PROTO_OK, request->request_id, result, items,
                           NULL);
    im_fields_destroy (&result);
    zlist_destroy (&items);
    imc_sla_report_destroy (&report);
    return reply;
}
