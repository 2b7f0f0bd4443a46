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

//  One denial: when, who, what, where and why
static void
s_row (const im_fields_t *item, char **cells)
{
    imqctl_text (item, IM_KEY_SEQ, cells [0], IMQCTL_CELL_TEXT);
    im_format_time ((uint64_t) im_fields_int_or (item, IM_KEY_TS_MS, 0),
                    cells [1], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_ACTOR, cells [2], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_VERB, cells [3], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_INCIDENT, cells [4], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_NODE, cells [5], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_SUPPRESSED, cells [6], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_REASON, cells [7], IMQCTL_CELL_TEXT);
}

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
    const char *headers [] = {
        "SEQ", "TIME", "PRINCIPAL", "VERB", "INCIDENT", "NODE", "MORE",
        "REASON"
    };
    return imqctl_print_list (self, &reply, "denials", headers, 8, s_row,
                              "no denial recorded");
}

const imqctl_verb_t imqctl_verb_audit = {
    "audit", "DENIALS", "denials", 1, 1, s_flags,
    "list the requests refused for a missing role (access.denied)",
    s_run
};
