/*  imqctl_main - the operators' CLI: parse, dispatch one verb, exit

    imqctl sends one request to a broker and prints the reply. The verb
    table below is the whole list of what it can do; each verb's flags
    and behaviour live in its imqctl_cmd_*.c file. The exit status tells
    scripts what happened: 0 done, 1 the broker refused, 2 the command
    line was wrong, 3 no broker answered in time.
*/
#include "imqctl.h"

static int
    s_run_help (imqctl_t *self);

static const imqctl_flag_t s_help_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static const imqctl_verb_t s_verb_help = {
    "help", NULL, "[VERB]", 0, 1, s_help_flags,
    "show the usage of imqctl, or of one verb", s_run_help
};

static const imqctl_verb_t *const s_verbs [] = {
    &imqctl_verb_open,
    &imqctl_verb_ack,
    &imqctl_verb_assign,
    &imqctl_verb_escalate,
    &imqctl_verb_comment,
    &imqctl_verb_pend,
    &imqctl_verb_resume,
    &imqctl_verb_resolve,
    &imqctl_verb_cancel,
    &imqctl_verb_close,
    &imqctl_verb_reopen,
    &imqctl_verb_convert,
    &imqctl_verb_categorize,
    &imqctl_verb_prioritize,
    &imqctl_verb_link,
    &imqctl_verb_unlink,
    &imqctl_verb_major,
    &imqctl_verb_review,
    &imqctl_verb_search,
    &imqctl_verb_list,
    &imqctl_verb_show,
    &imqctl_verb_timeline,
    &imqctl_verb_status,
    &imqctl_verb_config,
    &imqctl_verb_cluster,
    &imqctl_verb_keygen,
    &imqctl_verb_principal,
    &imqctl_verb_principals,
    &imqctl_verb_audit,
    &imqctl_verb_sla,
    &imqctl_verb_events,
    &s_verb_help,
    NULL
};

//  imqctl help [VERB]
static int
s_run_help (imqctl_t *self)
{
    if (self->args_n == 0) {
        imqctl_args_usage_all (s_verbs, stdout);
        return IMQCTL_EXIT_OK;
    }
    for (size_t index = 0; s_verbs [index]; index++)
        if (streq (s_verbs [index]->name, self->args [0])) {
            imqctl_args_usage (s_verbs [index], stdout);
            return IMQCTL_EXIT_OK;
        }
    return imqctl_args_fail (self, "unknown verb '%s'", self->args [0]);
}

int
main (int argc, char *argv [])
{
    //  czmq logs to stdout unless told otherwise; stdout is for results
    zsys_set_logstream (stderr);
    imqctl_t ctl;
    int rc = imqctl_args_parse (&ctl, argc, argv, s_verbs);
    if (rc == IMQCTL_EXIT_OK) {
        if (!ctl.verb)
            imqctl_args_usage_all (s_verbs, stdout);
        else
        if (ctl.help)
            imqctl_args_usage (ctl.verb, stdout);
        else {
            //  keygen only needs to know where the keys are
            if (ctl.verb == &imqctl_verb_keygen)
                ctl.no_curve = true;
            rc = ctl.verb == &s_verb_help ? IMQCTL_EXIT_OK
                                          : imqctl_identity (&ctl);
            if (rc == IMQCTL_EXIT_OK)
                rc = ctl.verb->run (&ctl);
        }
    }
    imqctl_args_clear (&ctl);
    return rc;
}
