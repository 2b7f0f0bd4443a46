/*  imc_incident_evolve - how events change an incident's projection

    The projection is a fields map so that it encodes, compares and turns
    into JSON through the one codec. imc_incident_evolve is deliberately
    dumb: it copies what the event says into the map. Deciding whether a
    change is allowed is the state machine's job (common/core/imc_fsm.c),
    helped by the lifecycle table of im_incident.c; replay only folds
    events.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_incident.h"
#include "imc_incident_private.h"

//  Copies key from the event's payload into the projection, if present
static void
s_copy (im_fields_t *incident, const im_fields_t *payload, const char *key,
        const char *as)
{
    const char *text = im_fields_str (payload, key);
    int64_t number;
    if (text)
        im_fields_set_str (incident, as, text);
    else
    if (im_fields_int (payload, key, &number) == 0)
        im_fields_set_int (incident, as, number);
}

//  Appends a line to the incident's notes (its comments, and those of
//  duplicates merged into it), keeping the last IM_INCIDENT_NOTES_MAX
//  bytes from a line's start: the projection stays bounded, and the
//  timeline keeps every comment
static void
s_note (im_fields_t *incident, const char *line)
{
    if (!line || !*line)
        return;
    const char *notes = im_fields_str_or (incident, IM_KEY_NOTES, "");
    size_t size = strlen (notes) + strlen (line) + 2;
    char *joined = (char *) malloc (size);
    if (!joined)
        return;
    snprintf (joined, size, "%s%s%s", notes, *notes ? "\n" : "", line);
    const char *kept = joined;
    while (strlen (kept) > IM_INCIDENT_NOTES_MAX) {
        const char *newline = strchr (kept, '\n');
        kept = newline ? newline + 1 : kept + strlen (kept)
                                     - IM_INCIDENT_NOTES_MAX;
    }
    im_fields_set_str (incident, IM_KEY_NOTES, kept);
    free (joined);
}

static void
s_increment (im_fields_t *incident, const char *key)
{
    im_fields_set_int (incident, key, im_fields_int_or (incident, key, 0) + 1);
}

//  Sets sla_<clock> to value; clock comes from the payload
static void
s_set_clock (im_fields_t *incident, const im_fields_t *payload,
             const char *value)
{
    const char *clock = im_fields_str (payload, IM_KEY_CLOCK);
    if (clock && (streq (clock, "response") || streq (clock, "resolution"))) {
        char key [32];
        snprintf (key, sizeof key, "sla_%s", clock);
        im_fields_set_str (incident, key, value);
    }
}

//  Starts sla_<clock>: running, or already met / breached when the event
//  that stops it (stopper, a *_ms key) is in the projection
static void
s_start_clock (im_fields_t *incident, const char *clock, const char *stopper)
{
    char state_key [32], due_key [48];
    snprintf (state_key, sizeof state_key, "sla_%s", clock);
    snprintf (due_key, sizeof due_key, "sla_%s_due_ms", clock);
    int64_t stopped = im_fields_int_or (incident, stopper, 0);
    const char *state = "running";
    if (stopped)
        state = stopped <= im_fields_int_or (incident, due_key, 0)
              ? "met" : "breached";
    im_fields_set_str (incident, state_key, state);
}

//  Forgets why and from where an incident was put on hold
static void
s_off_hold (im_fields_t *incident)
{
    im_fields_remove (incident, IM_KEY_PENDING_REASON);
    im_fields_remove (incident, IM_KEY_PENDING_FROM);
}

//  Where each kind of link goes in the projection: an int for the one
//  incident it names (parent, duplicate_of), else a list of ids
static const struct {
    const char *link;               //  incident.linked "link"
    const char *key;                //  Projection key
    bool list;                      //  A list of ids, else one id
} s_links [] = {
    { "parent", IM_KEY_PARENT, false }, { "child", IM_KEY_CHILDREN, true },
    { "related", IM_KEY_RELATED, true },
    { "duplicate_of", IM_KEY_DUPLICATE_OF, false },
    { "duplicate", IM_KEY_DUPLICATES, true },
    { "follow_up", IM_KEY_FOLLOW_UPS, true },
};

//  Records a link (or removes it for action "unlink"); a duplicate
//  merged in brings its reporters
static void
s_link (im_fields_t *incident, const im_fields_t *payload)
{
    const char *link = im_fields_str_or (payload, IM_KEY_LINK, "");
    int64_t other = im_fields_int_or (payload, IM_KEY_OTHER, 0);
    bool unlink = streq (im_fields_str_or (payload, IM_KEY_ACTION, "link"),
                         "unlink");
    size_t index = 0;
    while (index < sizeof s_links / sizeof s_links [0]
       &&  !streq (s_links [index].link, link))
        index++;
    if (other <= 0 || index == sizeof s_links / sizeof s_links [0])
        return;
    const char *key = s_links [index].key;
    if (!s_links [index].list) {
        if (unlink)
            im_fields_remove (incident, key);
        else
            im_fields_set_int (incident, key, other);
    }
    else
    if (unlink)
        imc_incident_list_remove (incident, key, other);
    else
        imc_incident_list_add (incident, key, other);
    //  A merged duplicate's notes are the survivor's now
    if (!unlink)
        s_note (incident, im_fields_str (payload, IM_KEY_NOTES));
    //  Reporters come as a comma-separated list of names
    const char *reporters = im_fields_str (payload, IM_KEY_REPORTERS);
    while (!unlink && reporters && *reporters) {
        const char *comma = strchr (reporters, ',');
        size_t size = comma ? (size_t) (comma - reporters)
                            : strlen (reporters);
        char name [IM_ACTOR_MAX];
        if (size < sizeof name) {
            memcpy (name, reporters, size);
            name [size] = 0;
            if (!streq (name, im_fields_str_or (incident, IM_KEY_REPORTER, "")))
                imc_incident_list_add_text (incident, IM_KEY_REPORTERS, name);
        }
        reporters = comma ? comma + 1 : NULL;
    }
}

//  Keys incident.opened adds after the payload's, in order
static const char *s_opened_keys [] = {
    IM_KEY_CREATED_MS, IM_KEY_REASSIGNMENT_COUNT, IM_KEY_REOPEN_COUNT,
    IM_KEY_BREACHES, IM_KEY_NOTIFICATIONS, IM_KEY_EVENTS, IM_KEY_UPDATED_MS,
    IM_KEY_LAST_SEQ };
#define OPENED_KEYS (sizeof s_opened_keys / sizeof s_opened_keys [0])

//  Folds an incident.opened whose payload holds none of s_opened_keys
//  nor "id" (every one imc_decide makes) into an empty map: with no key
//  that can already be there, each is appended without a search. The
//  result is what the general path below makes, entry for entry.
static bool
s_open_fast (im_fields_t *incident, const im_event_t *event)
{
    const im_fields_t *payload = event->payload;
    //  One pass over the payload's keys, each against the known ones
    //  (most differ in their first byte); "id" too, which the merge
    //  would replace
    size_t size = im_fields_size (payload);
    for (size_t index = 0; index < size; index++) {
        const char *key = im_fields_key_at (payload, index);
        if (streq (key, IM_KEY_ID))
            return false;
        for (size_t known = 0; known < OPENED_KEYS; known++)
            if (key [0] == s_opened_keys [known][0]
            &&  streq (key, s_opened_keys [known]))
                return false;
    }
    int64_t ts = (int64_t) event->ts_ms;
    im_fields_clear (incident);
    im_fields_append_int (incident, IM_KEY_ID, (int64_t) event->incident);
    //  The payload's keys are distinct and none is "id": the merge is
    //  an append of each
    for (size_t index = 0; index < size; index++)
        im_fields_append_from (incident, payload, index);
    im_fields_append_int (incident, IM_KEY_CREATED_MS, ts);
    im_fields_append_int (incident, IM_KEY_REASSIGNMENT_COUNT, 0);
    im_fields_append_int (incident, IM_KEY_REOPEN_COUNT, 0);
    im_fields_append_int (incident, IM_KEY_BREACHES, 0);
    im_fields_append_int (incident, IM_KEY_NOTIFICATIONS, 0);
    im_fields_append_int (incident, IM_KEY_EVENTS, 1);
    im_fields_append_int (incident, IM_KEY_UPDATED_MS, ts);
    im_fields_append_int (incident, IM_KEY_LAST_SEQ, (int64_t) event->seq);
    return true;
}

void
imc_incident_evolve (im_fields_t *incident, const im_event_t *event)
{
    assert (incident && event);
    const im_fields_t *payload = event->payload;
    int64_t ts = (int64_t) event->ts_ms;

    if (event->type == IM_EV_OPENED && s_open_fast (incident, event))
        return;
    switch (event->type) {
        case IM_EV_OPENED:
            im_fields_clear (incident);
            im_fields_set_int (incident, IM_KEY_ID, (int64_t) event->incident);
            im_fields_merge (incident, payload);
            im_fields_set_int (incident, IM_KEY_CREATED_MS, ts);
            im_fields_set_int (incident, IM_KEY_REASSIGNMENT_COUNT, 0);
            im_fields_set_int (incident, IM_KEY_REOPEN_COUNT, 0);
            im_fields_set_int (incident, IM_KEY_BREACHES, 0);
            im_fields_set_int (incident, IM_KEY_NOTIFICATIONS, 0);
            im_fields_set_int (incident, IM_KEY_EVENTS, 0);
            break;
        case IM_EV_ACKNOWLEDGED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            im_fields_set_int (incident, IM_KEY_ACKNOWLEDGED_MS, ts);
            break;
        case IM_EV_ASSIGNED:
            s_copy (incident, payload, IM_KEY_TIER, IM_KEY_TIER);
            s_copy (incident, payload, IM_KEY_GROUP, IM_KEY_GROUP);
            s_copy (incident, payload, IM_KEY_AGENT, IM_KEY_AGENT);
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            s_copy (incident, payload, IM_KEY_REASSIGNMENT_COUNT,
                    IM_KEY_REASSIGNMENT_COUNT);
            break;
        case IM_EV_COMMENTED:
            s_increment (incident, IM_KEY_COMMENTS);
            s_note (incident, im_fields_str (payload, IM_KEY_TEXT));
            break;
        case IM_EV_RESOLVED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            s_copy (incident, payload, IM_KEY_NOTES, IM_KEY_RESOLUTION);
            s_copy (incident, payload, IM_KEY_CODE, IM_KEY_RESOLUTION_CODE);
            s_copy (incident, payload, IM_KEY_REOPEN_UNTIL_MS,
                    IM_KEY_REOPEN_UNTIL_MS);
            s_copy (incident, payload, IM_KEY_CLOSE_DUE_MS,
                    IM_KEY_CLOSE_DUE_MS);
            s_off_hold (incident);
            im_fields_set_int (incident, IM_KEY_RESOLVED_MS, ts);
            break;
        case IM_EV_CLOSED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            im_fields_remove (incident, IM_KEY_CLOSE_DUE_MS);
            im_fields_set_int (incident, IM_KEY_CLOSED_MS, ts);
            break;
        case IM_EV_REOPENED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            im_fields_remove (incident, IM_KEY_RESOLVED_MS);
            im_fields_remove (incident, IM_KEY_RESOLUTION);
            im_fields_remove (incident, IM_KEY_RESOLUTION_CODE);
            im_fields_remove (incident, IM_KEY_REOPEN_UNTIL_MS);
            im_fields_remove (incident, IM_KEY_CLOSE_DUE_MS);
            s_increment (incident, IM_KEY_REOPEN_COUNT);
            break;
        case IM_EV_PENDING:
            s_copy (incident, payload, IM_KEY_PREVIOUS_STATUS,
                    IM_KEY_PENDING_FROM);
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            s_copy (incident, payload, IM_KEY_REASON, IM_KEY_PENDING_REASON);
            break;
        case IM_EV_RESUMED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            s_off_hold (incident);
            break;
        case IM_EV_CANCELLED:
            s_copy (incident, payload, IM_KEY_STATUS, IM_KEY_STATUS);
            s_copy (incident, payload, IM_KEY_REASON, IM_KEY_CANCEL_REASON);
            s_off_hold (incident);
            im_fields_set_int (incident, IM_KEY_CANCELLED_MS, ts);
            break;
        case IM_EV_LINKED:
            s_link (incident, payload);
            break;
        case IM_EV_CLASSIFIED:
            s_copy (incident, payload, IM_KEY_PRIORITY, IM_KEY_PRIORITY);
            s_copy (incident, payload, IM_KEY_CATEGORY, IM_KEY_CATEGORY);
            break;
        case IM_EV_SLA_STARTED:
            s_copy (incident, payload, IM_KEY_TYPE, IM_KEY_SLA_TYPE);
            s_copy (incident, payload, IM_KEY_RESPONSE_DUE_MS,
                    IM_KEY_SLA_RESPONSE_DUE_MS);
            s_copy (incident, payload, IM_KEY_RESOLUTION_DUE_MS,
                    IM_KEY_SLA_RESOLUTION_DUE_MS);
            //  A clock whose stop came first (acknowledged or resolved
            //  before the clocks started) ends as it starts
            s_start_clock (incident, "response", IM_KEY_ACKNOWLEDGED_MS);
            s_start_clock (incident, "resolution", IM_KEY_RESOLVED_MS);
            break;
        case IM_EV_SLA_STOPPED: {
            const char *result = im_fields_str (payload, IM_KEY_RESULT);
            s_set_clock (incident, payload, result ? result : "met");
            break;
        }
        case IM_EV_SLA_BREACHED:
            s_set_clock (incident, payload, "breached");
            s_increment (incident, IM_KEY_BREACHES);
            break;
        case IM_EV_NOTIFIED:
            s_increment (incident, IM_KEY_NOTIFICATIONS);
            break;
        case IM_EV_ALERT_REPEATED:
            s_copy (incident, payload, IM_KEY_ALERTS, IM_KEY_ALERTS);
            s_copy (incident, payload, IM_KEY_ALERT_OCCURRENCE,
                    IM_KEY_ALERT_OCCURRENCE);
            im_fields_set_int (incident, IM_KEY_LAST_ALERT_MS, ts);
            im_fields_remove (incident, IM_KEY_ALERT_CLEARED_MS);
            break;
        case IM_EV_ALERT_SEEN:
            im_fields_set_int (incident, IM_KEY_LAST_ALERT_MS, ts);
            break;
        case IM_EV_ALERT_CLEARED:
            im_fields_set_int (incident, IM_KEY_ALERT_CLEARED_MS, ts);
            break;
        case IM_EV_CONVERTED:
            s_copy (incident, payload, IM_KEY_TO, IM_KEY_TYPE);
            s_increment (incident, IM_KEY_CONVERSIONS);
            break;
        case IM_EV_CATEGORIZED:
            s_copy (incident, payload, IM_KEY_CATEGORY, IM_KEY_CATEGORY);
            s_copy (incident, payload, IM_KEY_SUBCATEGORY, IM_KEY_SUBCATEGORY);
            s_copy (incident, payload, IM_KEY_SERVICE, IM_KEY_SERVICE);
            s_copy (incident, payload, IM_KEY_CI, IM_KEY_CI);
            break;
        case IM_EV_PRIORITIZED:
            s_copy (incident, payload, IM_KEY_PRIORITY, IM_KEY_PRIORITY);
            s_copy (incident, payload, IM_KEY_REASON, IM_KEY_PRIORITY_REASON);
            im_fields_set_int (incident, IM_KEY_PRIORITY_OVERRIDE, 1);
            break;
        case IM_EV_ESCALATED:
            s_increment (incident,
                         streq (im_fields_str_or (payload, IM_KEY_KIND, ""),
                                "hierarchical")
                         ? IM_KEY_HIERARCHICAL_ESCALATIONS
                         : IM_KEY_FUNCTIONAL_ESCALATIONS);
            break;
        case IM_EV_MAJOR_PROPOSED:
            im_fields_set_str (incident, IM_KEY_MAJOR, "proposed");
            s_copy (incident, payload, IM_KEY_REASON, IM_KEY_MAJOR_REASON);
            break;
        case IM_EV_MAJOR_REJECTED:
            im_fields_set_str (incident, IM_KEY_MAJOR, "rejected");
            break;
        case IM_EV_MAJOR_DECLARED:
            im_fields_set_str (incident, IM_KEY_MAJOR, "declared");
            s_copy (incident, payload, IM_KEY_COMMANDER, IM_KEY_COMMANDER);
            s_copy (incident, payload, IM_KEY_CADENCE_MS,
                    IM_KEY_UPDATE_CADENCE_MS);
            s_copy (incident, payload, IM_KEY_UPDATE_DUE_MS,
                    IM_KEY_UPDATE_DUE_MS);
            im_fields_set_int (incident, IM_KEY_DECLARED_MS, ts);
            break;
        case IM_EV_MAJOR_UPDATED:
            s_copy (incident, payload, IM_KEY_UPDATE_DUE_MS,
                    IM_KEY_UPDATE_DUE_MS);
            s_increment (incident, IM_KEY_UPDATES);
            break;
        case IM_EV_UPDATE_DUE:
            s_copy (incident, payload, IM_KEY_UPDATE_DUE_MS,
                    IM_KEY_UPDATE_DUE_MS);
            s_increment (incident, IM_KEY_UPDATES_MISSED);
            break;
        case IM_EV_REVIEWED:
            s_copy (incident, payload, IM_KEY_SUMMARY, IM_KEY_REVIEW_SUMMARY);
            s_copy (incident, payload, IM_KEY_ROOT_CAUSE, IM_KEY_ROOT_CAUSE);
            s_copy (incident, payload, IM_KEY_ACTIONS, IM_KEY_REVIEW_ACTIONS);
            im_fields_set_int (incident, IM_KEY_REVIEWED_MS, ts);
            break;
        case IM_EV_CONFIGURED:          //  Of no incident
        case IM_EV_MEMBER:
        case IM_EV_PRINCIPAL:
        case IM_EV_NONE:
        case IM_EV_MAX:
            break;
    }
    im_fields_set_int (incident, IM_KEY_UPDATED_MS, ts);
    im_fields_set_int (incident, IM_KEY_LAST_SEQ, (int64_t) event->seq);
    s_increment (incident, IM_KEY_EVENTS);
}
