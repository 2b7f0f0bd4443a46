/*  imqctl_cmd_classify - imqctl convert, categorize, prioritize

    What an operator changes in how an incident is classified: its type
    (incident or service request, each with its own priority and SLA
    policy), its category, subcategory, service and configuration item,
    and, for an incident or service desk manager, its priority with the
    reason for overriding the matrix.
*/
#include "imqctl.h"

//  ---------------------------------------------------------------------
//  convert ID --type incident|request --reason R

static const imqctl_flag_t s_convert_flags [] = {
    { IM_KEY_TYPE, "T", IMQCTL_STR, true, 0, 0, "incident|request" },
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_convert (imqctl_t *self)
{
    return imqctl_command_on_id (self, "converted");
}

const imqctl_verb_t imqctl_verb_convert = {
    "convert", "CONVERT", "ID", 1, 1, s_convert_flags,
    "make an incident a service request, or a request an incident",
    s_run_convert
};

//  ---------------------------------------------------------------------
//  categorize ID [--category C] [--subcategory S] [--service S] [--ci C]

static const imqctl_flag_t s_categorize_flags [] = {
    { IM_KEY_CATEGORY, "C", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_SUBCATEGORY, "S", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_SERVICE, "S", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_CI, "CI", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_categorize (imqctl_t *self)
{
    if (im_fields_size (self->flags) == 0)
        return imqctl_args_fail (self, "give --category, --subcategory, "
                                 "--service or --ci");
    return imqctl_command_on_id (self, "categorized");
}

const imqctl_verb_t imqctl_verb_categorize = {
    "categorize", "CATEGORIZE", "ID", 1, 1, s_categorize_flags,
    "set an incident's category, subcategory, service or configuration item",
    s_run_categorize
};

//  ---------------------------------------------------------------------
//  prioritize ID --priority N --reason R

static const imqctl_flag_t s_prioritize_flags [] = {
    { IM_KEY_PRIORITY, "1-5", IMQCTL_INT, true, 1, 5, NULL },
    { IM_KEY_REASON, "R", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_prioritize (imqctl_t *self)
{
    return imqctl_command_on_id (self, "reprioritized");
}

const imqctl_verb_t imqctl_verb_prioritize = {
    "prioritize", "PRIORITIZE", "ID", 1, 1, s_prioritize_flags,
    "override an incident's priority, with the reason (incident or service "
    "desk managers)", s_run_prioritize
};
