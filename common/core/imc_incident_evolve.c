/*  imc_incident_evolve - how events change an incident's projection

    The projection is a fields map so that it encodes, compares and turns
    into JSON through the one codec. imc_incident_evolve is deliberately
    dumb: it copies what the event says into the map. Deciding whether a
    change is allowed is the state machine's job (common/core/imc_fsm.c),
    helped by the lifecycle table of im_incident.c; replay only folds
    events.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_util.h"
#include "im_fields.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_incident.h"
#include "imc_incident_private.h"

#define IMC_SLA_PAUSES_MAX  512     //  Octets of a clock's pause list

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
    const char *notes = im_fields_str_or (incident, "notes", "");
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
    im_fields_set_str (incident, "notes", kept);
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
    const char *clock = im_fields_str (payload, "clock");
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

//  Ends the pause of clock at to_ms: adds it to sla_<clock>_paused_ms
//  and its interval "from-to" to sla_<clock>_pauses (comma-separated,
//  the oldest dropped past IMC_SLA_PAUSES_MAX octets)
static void
s_pause_end (im_fields_t *incident, const char *clock, int64_t to_ms)
{
    char at_key [48], total_key [48], list_key [48], remaining_key [48];
    snprintf (at_key, sizeof at_key, "sla_%s_paused_at_ms", clock);
    snprintf (total_key, sizeof total_key, "sla_%s_paused_ms", clock);
    snprintf (list_key, sizeof list_key, "sla_%s_pauses", clock);
    snprintf (remaining_key, sizeof remaining_key, "sla_%s_remaining_ms",
              clock);
    int64_t from_ms = im_fields_int_or (incident, at_key, 0);
    if (from_ms <= 0 || to_ms < from_ms)
        return;
    im_fields_set_int (incident, total_key,
                       im_fields_int_or (incident, total_key, 0)
                       + (to_ms - from_ms));
    char list [IMC_SLA_PAUSES_MAX + 48];
    const char *before = im_fields_str_or (incident, list_key, "");
    snprintf (list, sizeof list, "%s%s%" PRId64 "-%" PRId64, before,
              *before ? "," : "", from_ms, to_ms);
    const char *kept = list;
    while (strlen (kept) > IMC_SLA_PAUSES_MAX && strchr (kept, ','))
        kept = strchr (kept, ',') + 1;
    im_fields_set_str (incident, list_key, kept);
    im_fields_remove (incident, at_key);
    im_fields_remove (incident, remaining_key);
}

//  Records sla.paused, sla.resumed or sla.warning of the payload's clock
static void
s_pause_or_resume (im_fields_t *incident, const im_event_t *event)
{
    const im_fields_t *payload = event->payload;
    const char *clock = im_fields_str (payload, "clock");
    if (!clock || (!streq (clock, "response") && !streq (clock, "resolution")))
        return;
    char key [48];
    int64_t at_ms = im_fields_int_or (payload, "at_ms", 0);
    if (event->type != IM_EV_SLA_PAUSED) {
        //  The warnings not given yet: moved by a resume, one fewer
        //  after a warning
        snprintf (key, sizeof key, "sla_%s_warnings", clock);
        s_copy (incident, payload, "warnings", key);
    }
    if (event->type == IM_EV_SLA_WARNING) {
        snprintf (key, sizeof key, "sla_%s_warned", clock);
        const char *before = im_fields_str_or (incident, key, "");
        char warned [64];
        snprintf (warned, sizeof warned, "%s%s%" PRId64, before,
                  *before ? "," : "",
                  im_fields_int_or (payload, "fraction", 0));
        im_fields_set_str (incident, key, warned);
        return;
    }
    if (event->type == IM_EV_SLA_PAUSED) {
        s_set_clock (incident, payload, "paused");
        snprintf (key, sizeof key, "sla_%s_paused_at_ms", clock);
        im_fields_set_int (incident, key, at_ms);
        snprintf (key, sizeof key, "sla_%s_remaining_ms", clock);
        im_fields_set_int (incident, key,
                           im_fields_int_or (payload, "remaining_ms", 0));
        return;
    }
    s_pause_end (incident, clock, at_ms);
    s_set_clock (incident, payload, "running");
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    im_fields_set_int (incident, key, im_fields_int_or (payload, "due_ms", 0));
}

//  Forgets why and from where an incident was put on hold
static void
s_off_hold (im_fields_t *incident)
{
    im_fields_remove (incident, "pending_reason");
    im_fields_remove (incident, "pending_from");
}

//  Where each kind of link goes in the projection: an int for the one
//  incident it names (parent, duplicate_of), else a list of ids
static const struct {
    const char *link;               //  incident.linked "link"
    const char *key;                //  Projection key
    bool list;                      //  A list of ids, else one id
} s_links [] = {
    { "parent", "parent", false }, { "child", "children", true },
    { "related", "related", true }, { "duplicate_of", "duplicate_of", false },
    { "duplicate", "duplicates", true }, { "follow_up", "follow_ups", true },
};

//  Records a link (or removes it for action "unlink"); a duplicate
//  merged in brings its reporters
static void
s_link (im_fields_t *incident, const im_fields_t *payload)
{
    const char *link = im_fields_str_or (payload, "link", "");
    int64_t other = im_fields_int_or (payload, "other", 0);
    bool unlink = streq (im_fields_str_or (payload, "action", "link"),
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
        s_note (incident, im_fields_str (payload, "notes"));
    //  Reporters come as a comma-separated list of names
    const char *reporters = im_fields_str (payload, "reporters");
    while (!unlink && reporters && *reporters) {
        const char *comma = strchr (reporters, ',');
        size_t size = comma ? (size_t) (comma - reporters)
                            : strlen (reporters);
        char name [IM_ACTOR_MAX];
        if (size < sizeof name) {
            memcpy (name, reporters, size);
            name [size] = 0;
            if (!streq (name, im_fields_str_or (incident, "reporter", "")))
                imc_incident_list_add_text (incident, "reporters", name);
        }
        reporters = comma ? comma + 1 : NULL;
    }
}

//  Keys incident.opened adds after the payload's, in order
static const char *s_opened_keys [] = {
    "created_ms", "reassignment_count", "reopen_count", "breaches",
    "notifications", "events", "updated_ms", "last_seq" };
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
        if (streq (key, "id"))
            return false;
        for (size_t known = 0; known < OPENED_KEYS; known++)
            if (key [0] == s_opened_keys [known][0]
            &&  streq (key, s_opened_keys [known]))
                return false;
    }
    int64_t ts = (int64_t) event->ts_ms;
    im_fields_clear (incident);
    im_fields_append_int (incident, "id", (int64_t) event->incident);
    //  The payload's keys are distinct and none is "id": the merge is
    //  an append of each
    for (size_t index = 0; index < size; index++)
        im_fields_append_from (incident, payload, index);
    im_fields_append_int (incident, "created_ms", ts);
    im_fields_append_int (incident, "reassignment_count", 0);
    im_fields_append_int (incident, "reopen_count", 0);
    im_fields_append_int (incident, "breaches", 0);
    im_fields_append_int (incident, "notifications", 0);
    im_fields_append_int (incident, "events", 1);
    im_fields_append_int (incident, "updated_ms", ts);
    im_fields_append_int (incident, "last_seq", (int64_t) event->seq);
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
            im_fields_set_int (incident, "id", (int64_t) event->incident);
            im_fields_merge (incident, payload);
            im_fields_set_int (incident, "created_ms", ts);
            im_fields_set_int (incident, "reassignment_count", 0);
            im_fields_set_int (incident, "reopen_count", 0);
            im_fields_set_int (incident, "breaches", 0);
            im_fields_set_int (incident, "notifications", 0);
            im_fields_set_int (incident, "events", 0);
            break;
        case IM_EV_ACKNOWLEDGED:
            s_copy (incident, payload, "status", "status");
            im_fields_set_int (incident, "acknowledged_ms", ts);
            break;
        case IM_EV_ASSIGNED:
            s_copy (incident, payload, "tier", "tier");
            s_copy (incident, payload, "group", "group");
            s_copy (incident, payload, "agent", "agent");
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "reassignment_count",
                    "reassignment_count");
            break;
        case IM_EV_COMMENTED:
            s_increment (incident, "comments");
            s_note (incident, im_fields_str (payload, "text"));
            break;
        case IM_EV_RESOLVED:
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "notes", "resolution");
            s_copy (incident, payload, "code", "resolution_code");
            s_copy (incident, payload, "reopen_until_ms", "reopen_until_ms");
            s_copy (incident, payload, "close_due_ms", "close_due_ms");
            s_off_hold (incident);
            im_fields_set_int (incident, "resolved_ms", ts);
            break;
        case IM_EV_CLOSED:
            s_copy (incident, payload, "status", "status");
            im_fields_remove (incident, "close_due_ms");
            im_fields_set_int (incident, "closed_ms", ts);
            break;
        case IM_EV_REOPENED:
            s_copy (incident, payload, "status", "status");
            im_fields_remove (incident, "resolved_ms");
            im_fields_remove (incident, "resolution");
            im_fields_remove (incident, "resolution_code");
            im_fields_remove (incident, "reopen_until_ms");
            im_fields_remove (incident, "close_due_ms");
            s_increment (incident, "reopen_count");
            break;
        case IM_EV_PENDING:
            s_copy (incident, payload, "previous_status", "pending_from");
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "reason", "pending_reason");
            break;
        case IM_EV_RESUMED:
            s_copy (incident, payload, "status", "status");
            s_off_hold (incident);
            break;
        case IM_EV_CANCELLED:
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "reason", "cancel_reason");
            s_off_hold (incident);
            im_fields_set_int (incident, "cancelled_ms", ts);
            break;
        case IM_EV_LINKED:
            s_link (incident, payload);
            break;
        case IM_EV_CLASSIFIED:
            s_copy (incident, payload, "priority", "priority");
            s_copy (incident, payload, "category", "category");
            break;
        case IM_EV_SLA_STARTED:
            s_copy (incident, payload, "type", "sla_type");
            s_copy (incident, payload, "calendar", "sla_calendar");
            s_copy (incident, payload, "response_target_ms",
                    "sla_response_target_ms");
            s_copy (incident, payload, "resolution_target_ms",
                    "sla_resolution_target_ms");
            s_copy (incident, payload, "response_warnings",
                    "sla_response_warnings");
            s_copy (incident, payload, "resolution_warnings",
                    "sla_resolution_warnings");
            s_copy (incident, payload, "response_due_ms",
                    "sla_response_due_ms");
            s_copy (incident, payload, "resolution_due_ms",
                    "sla_resolution_due_ms");
            //  A clock whose stop came first (acknowledged or resolved
            //  before the clocks started) ends as it starts
            s_start_clock (incident, "response", "acknowledged_ms");
            s_start_clock (incident, "resolution", "resolved_ms");
            break;
        case IM_EV_SLA_PAUSED:
        case IM_EV_SLA_RESUMED:
        case IM_EV_SLA_WARNING:
            s_pause_or_resume (incident, event);
            break;
        case IM_EV_SLA_STOPPED: {
            const char *result = im_fields_str (payload, "result");
            const char *clock = im_fields_str (payload, "clock");
            if (clock && (streq (clock, "response")
                          || streq (clock, "resolution")))
                s_pause_end (incident, clock,
                             im_fields_int_or (payload, "at_ms", 0));
            s_set_clock (incident, payload, result ? result : "met");
            break;
        }
        case IM_EV_SLA_BREACHED:
            s_set_clock (incident, payload, "breached");
            s_increment (incident, "breaches");
            break;
        case IM_EV_NOTIFIED:
            s_increment (incident, "notifications");
            break;
        case IM_EV_ALERT_REPEATED:
            s_copy (incident, payload, "alerts", "alerts");
            s_copy (incident, payload, "alert_occurrence",
                    "alert_occurrence");
            im_fields_set_int (incident, "last_alert_ms", ts);
            im_fields_remove (incident, "alert_cleared_ms");
            break;
        case IM_EV_ALERT_SEEN:
            im_fields_set_int (incident, "last_alert_ms", ts);
            break;
        case IM_EV_ALERT_CLEARED:
            im_fields_set_int (incident, "alert_cleared_ms", ts);
            break;
        case IM_EV_CONVERTED:
            s_copy (incident, payload, "to", "type");
            s_increment (incident, "conversions");
            break;
        case IM_EV_CATEGORIZED:
            s_copy (incident, payload, "category", "category");
            s_copy (incident, payload, "subcategory", "subcategory");
            s_copy (incident, payload, "service", "service");
            s_copy (incident, payload, "ci", "ci");
            break;
        case IM_EV_PRIORITIZED:
            s_copy (incident, payload, "priority", "priority");
            s_copy (incident, payload, "reason", "priority_reason");
            im_fields_set_int (incident, "priority_override", 1);
            break;
        case IM_EV_ESCALATED:
            s_increment (incident,
                         streq (im_fields_str_or (payload, "kind", ""),
                                "hierarchical")
                         ? "hierarchical_escalations"
                         : "functional_escalations");
            break;
        case IM_EV_MAJOR_PROPOSED:
            im_fields_set_str (incident, "major", "proposed");
            s_copy (incident, payload, "reason", "major_reason");
            break;
        case IM_EV_MAJOR_REJECTED:
            im_fields_set_str (incident, "major", "rejected");
            break;
        case IM_EV_MAJOR_DECLARED:
            im_fields_set_str (incident, "major", "declared");
            s_copy (incident, payload, "commander", "commander");
            s_copy (incident, payload, "cadence_ms", "update_cadence_ms");
            s_copy (incident, payload, "update_due_ms", "update_due_ms");
            im_fields_set_int (incident, "declared_ms", ts);
            break;
        case IM_EV_MAJOR_UPDATED:
            s_copy (incident, payload, "update_due_ms", "update_due_ms");
            s_increment (incident, "updates");
            break;
        case IM_EV_UPDATE_DUE:
            s_copy (incident, payload, "update_due_ms", "update_due_ms");
            s_increment (incident, "updates_missed");
            break;
        case IM_EV_REVIEWED:
            s_copy (incident, payload, "summary", "review_summary");
            s_copy (incident, payload, "root_cause", "root_cause");
            s_copy (incident, payload, "actions", "review_actions");
            im_fields_set_int (incident, "reviewed_ms", ts);
            break;
        case IM_EV_CONFIGURED:          //  Of no incident
        case IM_EV_MEMBER:
        case IM_EV_PRINCIPAL:
        case IM_EV_NONE:
        case IM_EV_MAX:
            break;
    }
    im_fields_set_int (incident, "updated_ms", ts);
    im_fields_set_int (incident, "last_seq", (int64_t) event->seq);
    s_increment (incident, "events");
}
