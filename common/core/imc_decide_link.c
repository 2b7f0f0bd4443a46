/*  imc_decide_link - links between incidents, and what they carry

    A multi-user incident is many reports of one outage: each report is
    linked as a child of one parent, and resolving the parent resolves
    every child still open with the parent's resolution, so each
    reporter hears of it. "related" links two incidents both ways and
    changes nothing else. "duplicate_of" merges: the duplicate closes,
    and the survivor records it with the duplicate's reporters, and its
    description and notes (its comments) join the survivor's notes.
    Every link is an incident.linked event on both sides, so each
    incident's own timeline says what happened to it.

    Links are one level deep: a child has no children and a parent has
    no parent, which keeps "resolve the parent" one step.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_command.h"
#include "im_incident.h"
#include "imc_incident.h"
#include "imc_decide.h"
#include "imc_decide_private.h"

//  True for the statuses an incident can be linked in
static bool
s_open (const im_fields_t *incident)
{
    im_status_t status = im_incident_status (incident);
    return status == IM_STATUS_NEW || status == IM_STATUS_ASSIGNED
        || status == IM_STATUS_IN_PROGRESS || status == IM_STATUS_PENDING;
}

//  Counts the ids in a list
static size_t
s_count (const char *list)
{
    size_t count = list && *list ? 1 : 0;
    for (const char *at = list; at && *at; at++)
        count += *at == ',';
    return count;
}

//  Emits incident.linked on id
static im_fields_t *
s_linked (imc_decision_t *decision, uint64_t id, const char *link,
          uint64_t other, bool unlink)
{
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_LINKED, id);
    im_fields_set_str (payload, IM_KEY_LINK, link);
    im_fields_set_int (payload, IM_KEY_OTHER, (int64_t) other);
    if (unlink)
        im_fields_set_str (payload, IM_KEY_ACTION, "unlink");
    return payload;
}

//  Checks that the child/parent link of child to parent may be made
static bool
s_may_parent (const im_command_t *command, const im_fields_t *child,
              const im_fields_t *parent, imc_decision_t *decision)
{
    uint64_t other = (uint64_t) im_fields_int_or (command->args, IM_KEY_OTHER,
                                                  0);
    if (im_fields_has (child, IM_KEY_PARENT))
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " already "
                           "has parent %" PRId64, command->incident,
                           im_fields_int_or (child, IM_KEY_PARENT, 0));
    else
    if (im_fields_has (child, IM_KEY_CHILDREN))
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " is a "
                           "parent itself", command->incident);
    else
    if (im_fields_has (parent, IM_KEY_PARENT))
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " is a "
                           "child of %" PRId64 ": link to that one",
                           other, im_fields_int_or (parent, IM_KEY_PARENT, 0));
    else
    if (s_count (im_fields_str (parent, IM_KEY_CHILDREN))
            >= IMC_DECIDE_CHILDREN_MAX)
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " has %d "
                           "children already", other,
                           IMC_DECIDE_CHILDREN_MAX);
    return decision->rc == 0;
}

//  Merges the command's incident (the duplicate) into survivor
static void
s_merge (const im_command_t *command, const im_fields_t *duplicate,
         const im_fields_t *survivor, imc_decision_t *decision)
{
    uint64_t other = (uint64_t) im_fields_int_or (command->args, IM_KEY_OTHER,
                                                  0);
    if (im_fields_has (duplicate, IM_KEY_CHILDREN)) {
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " is a "
                           "parent: unlink its children first",
                           command->incident);
        return;
    }
    (void) survivor;
    s_linked (decision, command->incident, "duplicate_of", other, false);
    im_fields_t *payload = imc_decide_emit (decision, IM_EV_CLOSED,
                                            command->incident);
    im_fields_set_str (payload, IM_KEY_STATUS, "closed");
    im_fields_set_int (payload, IM_KEY_DUPLICATE_OF, (int64_t) other);
    //  The survivor takes its reporters and its notes
    payload = s_linked (decision, other, "duplicate", command->incident,
                        false);
    const char *reporter = im_fields_str_or (duplicate, IM_KEY_REPORTER, "");
    const char *more = im_fields_str_or (duplicate, IM_KEY_REPORTERS, "");
    size_t size = strlen (reporter) + strlen (more) + 2;
    char *reporters = (char *) malloc (size);
    assert (reporters);
    snprintf (reporters, size, "%s%s%s", reporter, *more ? "," : "", more);
    im_fields_set_str (payload, IM_KEY_REPORTERS, reporters);
    free (reporters);
    imc_decide_copy_str (payload, duplicate, IM_KEY_TITLE, "");
    imc_decide_copy_str (payload, duplicate, IM_KEY_DESCRIPTION, "");
    im_fields_set_int (payload, IM_KEY_COMMENTS,
                       im_fields_int_or (duplicate, IM_KEY_COMMENTS, 0));
    //  Its notes, headed by where they come from
    const char *notes = im_fields_str_or (duplicate, IM_KEY_NOTES, "");
    const char *description = im_fields_str_or (duplicate, IM_KEY_DESCRIPTION,
                                                "");
    size = strlen (notes) + strlen (description) + 64;
    char *moved = (char *) malloc (size);
    assert (moved);
    snprintf (moved, size, "[from duplicate %" PRIu64 "] %s%s%s",
              command->incident, description, *description && *notes
              ? "\n" : "", notes);
    im_fields_set_str (payload, IM_KEY_NOTES, moved);
    free (moved);
}

void
imc_decide_link (const im_command_t *command, const im_fields_t *incident,
                 imc_decide_lookup_fn *lookup, void *arg,
                 imc_decision_t *decision)
{
    const char *link = im_fields_str (command->args, IM_KEY_LINK);
    uint64_t other = (uint64_t) im_fields_int_or (command->args, IM_KEY_OTHER,
                                                  0);
    if (!streq (link, "parent") && !streq (link, "related")
    &&  !streq (link, "duplicate_of")) {
        imc_decide_reject (decision, IM_EINVAL, "argument 'link' is '%s', "
                           "must be parent, related or duplicate_of", link);
        return;
    }
    if (other == command->incident) {
        imc_decide_reject (decision, IM_EINVAL, "an incident cannot be "
                           "linked to itself");
        return;
    }
    const im_fields_t *target = lookup (arg, other);
    if (!target) {
        imc_decide_reject (decision, IM_ENOTFOUND, "no incident %" PRIu64,
                           other);
        return;
    }
    if (!s_open (target)) {
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " is %s; "
                           "only open incidents are linked", other,
                           im_fields_str_or (target, IM_KEY_STATUS, "?"));
        return;
    }
    if (streq (link, "duplicate_of")) {
        s_merge (command, incident, target, decision);
        return;
    }
    const char *mine = streq (link, "parent") ? "parent" : "related";
    const char *theirs = streq (link, "parent") ? "child" : "related";
    if (streq (link, "parent")
    &&  !s_may_parent (command, incident, target, decision))
        return;
    if (streq (link, "related")
    &&  imc_incident_list_has (incident, IM_KEY_RELATED, (int64_t) other)) {
        imc_decide_reject (decision, IM_ESTATE, "already related to %" PRIu64,
                           other);
        return;
    }
    s_linked (decision, command->incident, mine, other, false);
    s_linked (decision, other, theirs, command->incident, false);
}

void
imc_decide_unlink (const im_command_t *command, const im_fields_t *incident,
                   imc_decide_lookup_fn *lookup, void *arg,
                   imc_decision_t *decision)
{
    int64_t other = im_fields_int_or (command->args, IM_KEY_OTHER, 0);
    const char *mine = NULL, *theirs = NULL;
    if (im_fields_int_or (incident, IM_KEY_PARENT, 0) == other) {
        mine = "parent";
        theirs = "child";
    }
    else
    if (imc_incident_list_has (incident, IM_KEY_CHILDREN, other)) {
        mine = "child";
        theirs = "parent";
    }
    else
    if (imc_incident_list_has (incident, IM_KEY_RELATED, other))
        mine = theirs = "related";
    if (!mine || !lookup (arg, (uint64_t) other)) {
        imc_decide_reject (decision, IM_ESTATE, "incident %" PRIu64 " is not "
                           "linked to %" PRId64, command->incident, other);
        return;
    }
    s_linked (decision, command->incident, mine, (uint64_t) other, true);
    s_linked (decision, (uint64_t) other, theirs, command->incident, true);
}

void
imc_decide_resolve_children (const im_command_t *command,
                             const im_fields_t *incident,
                             imc_decide_lookup_fn *lookup, void *arg,
                             imc_decision_t *decision)
{
    const char *children = im_fields_str (incident, IM_KEY_CHILDREN);
    if (decision->rc || decision->count == 0 || !children)
        return;
    const im_fields_t *resolved = decision->events [0]->payload;
    for (const char *at = children; at && *at; ) {
        uint64_t child = strtoull (at, NULL, 10);
        const im_fields_t *projection = lookup (arg, child);
        //  Children resolved or closed on their own keep their outcome
        if (projection && s_open (projection)) {
            im_fields_t *payload = imc_decide_emit (decision, IM_EV_RESOLVED,
                                                    child);
            im_fields_merge (payload, resolved);
            //  A major parent's broadcast is the parent's alone
            im_fields_remove (payload, IM_KEY_MAJOR);
            im_fields_set_int (payload, IM_KEY_PARENT,
                               (int64_t) command->incident);
            //  The child's own clocks, not the parent's
            imc_decide_sla_ending (projection, payload, true);
        }
        at = strchr (at, ',');
        at = at ? at + 1 : NULL;
    }
}
