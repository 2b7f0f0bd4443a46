/*  imqctl_cmd_change - imqctl ack, assign, escalate, comment, pend,
    resume, resolve, cancel, close, reopen

    The lifecycle commands an operator runs on an existing incident. They
    share one shape (an incident id, a few flags, "<done> incident N (seq
    S)" back), so each is a table entry plus whatever check the protocol
    asks that a flag table cannot say.
*/
#include "imqctl.h"

//  ---------------------------------------------------------------------
//  ack ID [--note N]

static const imqctl_flag_t s_ack_flags [] = {
    { IM_KEY_NOTE, "N", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_ack (imqctl_t *self)
{
    return imqctl_command_on_id (self, "acknowledged");
}

const imqctl_verb_t imqctl_verb_ack = {
    "ack", "ACK", "ID", 1, 1, s_ack_flags,
    "acknowledge an incident: someone is on it", s_run_ack
};

//  ---------------------------------------------------------------------
//  assign ID [--group G] [--agent A]

static const imqctl_flag_t s_assign_flags [] = {
    { IM_KEY_GROUP, "G", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_AGENT, "A", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_assign (imqctl_t *self)
{
    if (!im_fields_has (self->flags, IM_KEY_GROUP)
    &&  !im_fields_has (self->flags, IM_KEY_AGENT))
        return imqctl_args_fail (self, "give --group, --agent or both");
    return imqctl_command_on_id (self, "assigned");
}

const imqctl_verb_t imqctl_verb_assign = {
    "assign", "ASSIGN", "ID", 1, 1, s_assign_flags,
    "assign an incident to a group and/or an agent", s_run_assign
};

//  ---------------------------------------------------------------------
//  escalate ID --kind functional|hierarchical --reason R [--group G]

static const imqctl_flag_t s_escalate_flags [] = {
    { IM_KEY_KIND, "K", IMQCTL_STR, true, 0, 0, "functional|hierarchical" },
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0, NULL },
    { IM_KEY_GROUP, "G", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_escalate (imqctl_t *self)
{
    return imqctl_command_on_id (self, "escalated");
}

const imqctl_verb_t imqctl_verb_escalate = {
    "escalate", "ESCALATE", "ID", 1, 1, s_escalate_flags,
    "functional: hand to the next tier's group (or --group); hierarchical: "
    "tell management", s_run_escalate
};

//  ---------------------------------------------------------------------
//  comment ID TEXT... | comment ID --text TEXT

static const imqctl_flag_t s_comment_flags [] = {
    { IM_KEY_TEXT, "TEXT", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_comment (imqctl_t *self)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    bool has_flag = im_fields_has (self->flags, IM_KEY_TEXT);
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
        rc = im_fields_set_str (extra, IM_KEY_TEXT, text);
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
//  pend ID --reason R [--note N]

static const imqctl_flag_t s_pend_flags [] = {
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0,
      "awaiting_caller|awaiting_vendor|awaiting_change|awaiting_problem" },
    { IM_KEY_NOTE, "N", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_pend (imqctl_t *self)
{
    return imqctl_command_on_id (self, "put on hold");
}

const imqctl_verb_t imqctl_verb_pend = {
    "pend", "PEND", "ID", 1, 1, s_pend_flags,
    "put an assigned or in-progress incident on hold, with the reason",
    s_run_pend
};

//  ---------------------------------------------------------------------
//  resume ID [--note N]

static const imqctl_flag_t s_resume_flags [] = {
    { IM_KEY_NOTE, "N", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_resume (imqctl_t *self)
{
    return imqctl_command_on_id (self, "resumed");
}

const imqctl_verb_t imqctl_verb_resume = {
    "resume", "RESUME", "ID", 1, 1, s_resume_flags,
    "take a pending incident off hold, back where it was", s_run_resume
};

//  ---------------------------------------------------------------------
//  cancel ID --reason R

static const imqctl_flag_t s_cancel_flags [] = {
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_cancel (imqctl_t *self)
{
    return imqctl_command_on_id (self, "cancelled");
}

const imqctl_verb_t imqctl_verb_cancel = {
    "cancel", "CANCEL", "ID", 1, 1, s_cancel_flags,
    "cancel an incident that is not resolved (logged in error, not needed)",
    s_run_cancel
};

//  ---------------------------------------------------------------------
//  resolve ID --code C --notes N

static const imqctl_flag_t s_resolve_flags [] = {
    { IM_KEY_NOTES, "N", IMQCTL_STR, true, 0, 0, NULL },
    { IM_KEY_CODE,  "C", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_resolve (imqctl_t *self)
{
    return imqctl_command_on_id (self, "resolved");
}

const imqctl_verb_t imqctl_verb_resolve = {
    "resolve", "RESOLVE", "ID", 1, 1, s_resolve_flags,
    "resolve an incident with a resolution code and notes", s_run_resolve
};

//  ---------------------------------------------------------------------
//  close ID

static const imqctl_flag_t s_close_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_close (imqctl_t *self)
{
    return imqctl_command_on_id (self, "closed");
}

const imqctl_verb_t imqctl_verb_close = {
    "close", "CLOSE", "ID", 1, 1, s_close_flags,
    "close a resolved incident", s_run_close
};

//  ---------------------------------------------------------------------
//  reopen ID --reason R

static const imqctl_flag_t s_reopen_flags [] = {
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_reopen (imqctl_t *self)
{
    return imqctl_command_on_id (self, "reopened");
}

const imqctl_verb_t imqctl_verb_reopen = {
    "reopen", "REOPEN", "ID", 1, 1, s_reopen_flags,
    "reopen a resolved incident; past the reopen window, or once closed, "
    "open a follow-up linked to it", s_run_reopen
};
