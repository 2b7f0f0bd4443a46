/*  imqctl_cmd_major - imqctl major, review

    A major incident's life: anyone proposes it; an incident manager
    accepts it (naming a commander and how often updates are due) or
    rejects it; the commander posts updates, reminded by the SLA timer
    when one is late; after resolution a post-incident review is
    attached, without which the incident does not close.
*/
#include "imqctl.h"

//  ---------------------------------------------------------------------
//  major ID propose|accept|reject|update [--reason R] [--commander C]
//        [--cadence D] [--text T]

static const imqctl_flag_t s_major_flags [] = {
    { IM_KEY_REASON, "R", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_COMMANDER, "C", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_CADENCE, "DURATION", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_TEXT, "T", IMQCTL_STR, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_major (imqctl_t *self)
{
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    const char *action = self->args [1];
    if (!streq (action, "propose") && !streq (action, "accept")
    &&  !streq (action, "reject") && !streq (action, "update"))
        return imqctl_args_fail (self, "ACTION must be propose, accept, "
                                 "reject or update, got '%s'", action);
    im_fields_t *extra = im_fields_new ();
    if (!extra || im_fields_set_str (extra, IM_KEY_ACTION, action)) {
        im_fields_destroy (&extra);
        return imqctl_args_fail (self, "out of memory");
    }
    //  The cadence is given as a duration and sent in ms
    const char *cadence = im_fields_str (self->flags, IM_KEY_CADENCE);
    if (cadence) {
        uint64_t ms = 0;
        if (im_config_parse_duration (cadence, &ms) || ms > INT64_MAX) {
            im_fields_destroy (&extra);
            return imqctl_args_fail (self, "--cadence needs a duration like "
                                     "30m, got '%s'", cadence);
        }
        im_fields_set_int (extra, IM_KEY_CADENCE_MS, (int64_t) ms);
        im_fields_remove (self->flags, IM_KEY_CADENCE);
    }
    char done [48];
    snprintf (done, sizeof done, "major: %s for", action);
    rc = imqctl_command (self, incident, extra, done);
    im_fields_destroy (&extra);
    return rc;
}

const imqctl_verb_t imqctl_verb_major = {
    "major", "MAJOR", "ID ACTION", 2, 2, s_major_flags,
    "propose an incident as major, accept (--commander, --cadence) or "
    "reject it, post an update (--text)", s_run_major
};

//  ---------------------------------------------------------------------
//  review ID --summary S --root_cause R --actions A

static const imqctl_flag_t s_review_flags [] = {
    { IM_KEY_SUMMARY, "S", IMQCTL_STR, true, 0, 0, NULL },
    { IM_KEY_ROOT_CAUSE, "R", IMQCTL_STR, true, 0, 0, NULL },
    { IM_KEY_ACTIONS, "\"OWNER: ACTION; ...\"", IMQCTL_STR, true, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run_review (imqctl_t *self)
{
    return imqctl_command_on_id (self, "review attached to");
}

const imqctl_verb_t imqctl_verb_review = {
    "review", "REVIEW", "ID", 1, 1, s_review_flags,
    "attach the post-incident review: summary, root cause, actions with "
    "owners", s_run_review
};
