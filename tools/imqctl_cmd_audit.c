/*  imqctl_cmd_audit - imqctl audit denials: who was refused what

        audit denials [--since T] [--principal P] [--limit N] [--json]

    Lists the access.denied events of the log (docs/protocol.md section
    9): every request a node refused an authenticated principal for a
    role it lacks, with the verb, the incident it named and why. T is a
    duration back from now ("15m", "2h", "7d"), a time in ms since the
    epoch, or an RFC 3339 UTC time ("2026-12-07T23:00:00Z"). Needs the
    role analyst or administrator.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { "since", "T", IMQCTL_STR, false, 0, 0, NULL },
    { "principal", "P", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_LIMIT, "N", IMQCTL_INT, false, 1, 10000, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run (imqctl_t *self)
{
    if (!streq (self->args [0], "denials"))
        return imqctl_args_fail (self, "what to audit: 'denials'");
    im_fields_t *body = im_fields_new ();
    if (!body)
        return imqctl_args_fail (self, "out of memory");
    const char *text = im_fields_str (self->flags, IM_KEY_SINCE);
    int64_t since = 0;
    if (text && imqctl_args_time (text, &since)) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "--since '%s' is not a duration "
                                 "(15m), ms since the epoch or an RFC 3339 "
                                 "UTC time", text);
    }
    if (text)
        im_fields_set_int (body, IM_KEY_SINCE, since);
    if (im_fields_str (self->flags, IM_KEY_PRINCIPAL))
        im_fields_set_str (body, IM_KEY_PRINCIPAL,
                           im_fields_str (self->flags, IM_KEY_PRINCIPAL));
    if (im_fields_has (self->flags, IM_KEY_LIMIT))
        im_fields_set_int (body, IM_KEY_LIMIT,
                           im_fields_int_or (self->flags, IM_KEY_LIMIT, 100));
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, body, false, &reply);
    im_fields_destroy (&body);
    if (rc)
        return rc;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, "denials");
        imqctl_json_print (&json);
        im_reply_destroy (&reply);
        return IMQCTL_EXIT_OK;
    }
    const char *headers [] = {
        "SEQ", "TIME", "PRINCIPAL", "VERB", "INCIDENT", "NODE", "MORE",
        "REASON"
    };
    imqctl_table_t *table = imqctl_table_new (headers, 8);
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; table && item;
         item = (const im_fields_t *) zlist_next (reply->items)) {
        char seq [24], time [64], actor [72], verb [40], incident [24];
        char node [24], more [24], reason [300];
        imqctl_text (item, IM_KEY_SEQ, seq, sizeof seq);
        im_format_time ((uint64_t) im_fields_int_or (item, IM_KEY_TS_MS, 0),
                        time,
                        sizeof time);
        imqctl_text (item, IM_KEY_ACTOR, actor, sizeof actor);
        imqctl_text (item, IM_KEY_VERB, verb, sizeof verb);
        imqctl_text (item, IM_KEY_INCIDENT, incident, sizeof incident);
        imqctl_text (item, IM_KEY_NODE, node, sizeof node);
        imqctl_text (item, IM_KEY_SUPPRESSED, more, sizeof more);
        imqctl_text (item, IM_KEY_REASON, reason, sizeof reason);
        const char *cells [] = {
            seq, time, actor, verb, incident, node, more, reason
        };
        imqctl_table_add (table, cells);
    }
    if (table && im_fields_int_or (reply->body, IM_KEY_COUNT, 0) > 0)
        imqctl_table_print (table, stdout, IMQCTL_WIDTH);
    else
        printf ("no denial recorded\n");
    imqctl_table_destroy (&table);
    im_reply_destroy (&reply);
    return IMQCTL_EXIT_OK;
}

const imqctl_verb_t imqctl_verb_audit = {
    "audit", "DENIALS", "denials", 1, 1, s_flags,
    "list the requests refused for a missing role (access.denied)",
    s_run
};
