/*  imqctl_cmd_principals - imqctl principals [NAME]: who the log lets in

        principals [NAME] [--json]

    Lists the principals of the log (docs/security.md): each one's
    roles, the CURVE public keys it holds and its HTTP tokens, by id and
    label (a token itself is never kept, and its hash is not shown).
    This is what an administrator reads before revoking a lost laptop's
    key or token. The certificates of a node's keys directory are that
    node's own and are not listed. Needs the role analyst or
    administrator.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  One principal: its name, roles, keys and tokens
static void
s_row (const im_fields_t *item, char **cells)
{
    imqctl_text (item, IM_KEY_NAME, cells [0], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_ROLES, cells [1], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_KEYS, cells [2], IMQCTL_CELL_TEXT);
    imqctl_text (item, IM_KEY_TOKENS, cells [3], IMQCTL_CELL_TEXT);
}

static int
s_run (imqctl_t *self)
{
    im_fields_t *body = im_fields_new ();
    if (!body)
        return imqctl_args_fail (self, "out of memory");
    if (self->args_n == 1)
        im_fields_set_str (body, IM_KEY_NAME, self->args [0]);
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, body, false, &reply);
    im_fields_destroy (&body);
    if (rc)
        return rc;
    const char *headers [] = { "NAME", "ROLES", "KEYS", "TOKENS" };
    return imqctl_print_list (self, &reply, "principals", headers, 4, s_row,
                              self->args_n == 1 ? "no such principal in "
                              "the log" : "no principal in the log");
}

const imqctl_verb_t imqctl_verb_principals = {
    "principals", "PRINCIPALS", "[NAME]", 0, 1, s_flags,
    "list the principals of the log: roles, keys and tokens (by id)",
    s_run
};
