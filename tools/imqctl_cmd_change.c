/*  imqctl_cmd_change - imqctl ack, assign, comment, resolve, close, reopen

    The lifecycle commands an operator runs on an existing incident. They
    share one shape (an incident id, a few flags, "<done> incident N (seq
    S)" back), so each is a table entry plus whatever check the protocol
    asks that a flag table cannot say.
*/
#include "imqctl.h"

//  Runs a command whose only positional argument is the incident id
static int
s_run_simple (imqctl_t *self, const char *done)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    return imqctl_command (self, incident, NULL, done);
}

//  ---------------------------------------------------------------------
//  ack ID [--note N]

static const imqctl_flag_t s_ack_flags [] = {
    { "note", "N", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_ack (imqctl_t *self)
{
    return s_run_simple (self, "acknowledged");
}

const imqctl_verb_t imqctl_verb_ack = {
    "ack", "ACK", "ID", 1, 1, s_ack_flags,
    "acknowledge an incident: someone is on it", s_run_ack
};

//  ---------------------------------------------------------------------
//  assign ID [--group G] [--agent A]

static const imqctl_flag_t s_assign_flags [] = {
    { "group", "G", IMQCTL_STR, false, 0, 0, NULL },
    { "agent", "A", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_assign (imqctl_t *self)
{
    if (!im_fields_has (self->flags, "group")
    &&  !im_fields_has (self->flags, "agent"))
        return imqctl_args_fail (self, "give --group, --agent or both");
    return s_run_simple (self, "assigned");
}

const imqctl_verb_t imqctl_verb_assign = {
    "assign", "ASSIGN", "ID", 1, 1, s_assign_flags,
    "assign an incident to a group and/or an agent", s_run_assign
};

//  ---------------------------------------------------------------------
//  comment ID TEXT... | comment ID --text TEXT

static const imqctl_flag_t s_comment_flags [] = {
    { "text", "TEXT", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_comment (imqctl_t *self)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    bool has_flag = im_fields_has (self->flags, "text");
    if (has_flag == (self->args_n > 1))
        return imqctl_args_fail (self,
            "give the comment either as TEXT or with --text, once");
    if (has_flag)
        return imqctl_command (self, incident, NULL, "commented on");

    //  Words after the id are the comment, so it needs no quoting
    size_t length = 0;
    for (size_t index = 1; index < self->args_n; index++)
        length += strlen (self->args [index]) + 1;
    char *text = (char *) malloc (length);
    im_fields_t *extra = im_fields_new ();
    rc = text && extra? 0: IM_ENOMEM;
    if (rc == 0) {
        text [0] = 0;
        for (size_t index = 1; index < self->args_n; index++) {
            if (index > 1)
                strcat (text, " ");
            strcat (text, self->args [index]);
        }
        rc = im_fields_set_str (extra, "text", text);
    }
    if (rc)
        rc = imqctl_args_fail (self, "comment: %s", im_strerror (rc));
    else
        rc = imqctl_command (self, incident, extra, "commented on");
    im_fields_destroy (&extra);
    free (text);
    return rc;
}

const imqctl_verb_t imqctl_verb_comment = {
    "comment", "COMMENT", "ID [TEXT...]", 1, IMQCTL_ARGS_MAX, s_comment_flags,
    "add a comment to an incident's timeline", s_run_comment
};

//  ---------------------------------------------------------------------
//  resolve ID --notes N [--code C]

static const imqctl_flag_t s_resolve_flags [] = {
    { "notes", "N", IMQCTL_STR, true,  0, 0, NULL },
    { "code",  "C", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_resolve (imqctl_t *self)
{
    return s_run_simple (self, "resolved");
}

const imqctl_verb_t imqctl_verb_resolve = {
    "resolve", "RESOLVE", "ID", 1, 1, s_resolve_flags,
    "resolve an incident (code defaults to solved)", s_run_resolve
};

//  ---------------------------------------------------------------------
//  close ID

static const imqctl_flag_t s_close_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_close (imqctl_t *self)
{
    return s_run_simple (self, "closed");
}

const imqctl_verb_t imqctl_verb_close = {
    "close", "CLOSE", "ID", 1, 1, s_close_flags,
    "close a resolved incident", s_run_close
};

//  ---------------------------------------------------------------------
//  reopen ID --reason R

static const imqctl_flag_t s_reopen_flags [] = {
    { "reason", "R", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_reopen (imqctl_t *self)
{
    return s_run_simple (self, "reopened");
}

const imqctl_verb_t imqctl_verb_reopen = {
    "reopen", "REOPEN", "ID", 1, 1, s_reopen_flags,
    "reopen a resolved incident", s_run_reopen
};
