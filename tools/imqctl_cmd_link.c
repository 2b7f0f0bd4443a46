/*  imqctl_cmd_link - imqctl link, unlink

    Many reports of one outage become children of one parent, resolved
    together; incidents about one cause are related; a duplicate is
    merged into the incident that survives it. imqctl timeline PARENT
    --view merged shows the whole family's events.
*/
#include "imqctl.h"

//  ---------------------------------------------------------------------
//  link ID --link parent|related|duplicate_of --other ID2

static const imqctl_flag_t s_link_flags [] = {
    { IM_KEY_LINK, "KIND", IMQCTL_STR, true, 0, 0,
      "parent|related|duplicate_of" },
    { IM_KEY_OTHER, "ID2", IMQCTL_INT, true, 1, INT64_MAX, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_link (imqctl_t *self)
{
    return imqctl_command_on_id (self, "linked");
}

const imqctl_verb_t imqctl_verb_link = {
    "link", "LINK", "ID", 1, 1, s_link_flags,
    "link incident ID to ID2: ID2 is its parent, a related incident, or "
    "the one it duplicates (ID is merged into ID2 and closed)", s_run_link
};

//  ---------------------------------------------------------------------
//  unlink ID --other ID2

static const imqctl_flag_t s_unlink_flags [] = {
    { IM_KEY_OTHER, "ID2", IMQCTL_INT, true, 1, INT64_MAX, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_unlink (imqctl_t *self)
{
    return imqctl_command_on_id (self, "unlinked");
}

const imqctl_verb_t imqctl_verb_unlink = {
    "unlink", "UNLINK", "ID", 1, 1, s_unlink_flags,
    "remove the parent/child or related link between ID and ID2",
    s_run_unlink
};
