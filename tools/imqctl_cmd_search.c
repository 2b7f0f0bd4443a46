/*  imqctl_cmd_search - imqctl search: how similar incidents were fixed

    An agent facing an incident asks what was done the last times: the
    words given are looked for, in any case, in the resolution notes,
    root causes and review summaries of resolved and closed incidents,
    newest first.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_LIMIT, "N", IMQCTL_INT, false, 1, 10000, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Joins the positional words into one text (caller frees), or NULL
static char *
s_text (const imqctl_t *self)
{
    size_t length = 1;
    for (size_t index = 0; index < self->args_n; index++)
        length += strlen (self->args [index]) + 1;
    char *text = (char *) malloc (length);
    if (!text)
        return NULL;
    text [0] = 0;
    for (size_t index = 0; index < self->args_n; index++) {
        if (index > 0)
            strcat (text, " ");
        strcat (text, self->args [index]);
    }
    return text;
}

//  One found incident: its id, status, resolution code, title and fix
static void
s_row (const im_fields_t *item, char **cells)
{
    imqctl_text (item, IM_KEY_ID, cells [0], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_STATUS, cells [1], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_RESOLUTION_CODE, cells [2], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_TITLE, cells [3], IMQCTL_CELL_TEXT);
    snprintf (cells [4], IMQCTL_CELL_TEXT, "%s%s%s",
              im_fields_str_or (item, IM_KEY_RESOLUTION, ""),
              im_fields_has (item, IM_KEY_ROOT_CAUSE) ? "; root cause: " : "",
              im_fields_str_or (item, IM_KEY_ROOT_CAUSE, ""));
}

static int
s_run (imqctl_t *self)
{
    char *text = s_text (self);
    im_fields_t *body = im_fields_new ();
    if (!text || !body || im_fields_merge (body, self->flags)
    ||  im_fields_set_str (body, IM_KEY_TEXT, text)) {
        free (text);
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "out of memory");
    }
    free (text);
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, body, false, &reply);
    im_fields_destroy (&body);
    if (rc)
        return rc;
    const char *headers [] = { "ID", "STATUS", "CODE", "TITLE", "FIX" };
    return imqctl_print_list (self, &reply, "incidents", headers, 5, s_row,
                              "no resolved incident matches");
}

const imqctl_verb_t imqctl_verb_search = {
    "search", "SEARCH", "TEXT...", 1, IMQCTL_ARGS_MAX, s_flags,
    "find resolved incidents whose notes or root cause hold every word",
    s_run
};
