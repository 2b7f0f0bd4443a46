/*  imqctl_cmd_open - imqctl open: report a new incident

    Opening is the one command with no incident to name yet: the broker
    gives the new incident its id, which is what an operator (or a
    script, with --json) needs back.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_TITLE,       "T",     IMQCTL_STR, true,  0, 0, NULL },
    { IM_KEY_REPORTER,    "R",     IMQCTL_STR, true,  0, 0, NULL },
    { IM_KEY_DESCRIPTION, "D",     IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_SERVICE,     "S",     IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_CUSTOMER_GROUP, "G",  IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_IMPACT,      "1-3",   IMQCTL_INT, false, 1, 3, NULL },
    { IM_KEY_URGENCY,     "1-3",   IMQCTL_INT, false, 1, 3, NULL },
    { IM_KEY_TYPE,        "incident|request", IMQCTL_STR, false, 0, 0,
                     "incident|request" },
    { IM_KEY_CHANNEL,     "C",     IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_open (imqctl_t *self)
{
    return imqctl_command (self, 0, NULL, "opened");
}

const imqctl_verb_t imqctl_verb_open = {
    "open", "OPEN", NULL, 0, 0, s_flags,
    "open an incident; prints its id", s_run_open
};
