/*  imc_incident_evolve - how events change an incident's projection

    The projection is a fields map so that it encodes, compares and turns
    into JSON through the one codec. imc_incident_evolve is deliberately
    dumb: it copies what the event says into the map. Deciding whether a
    change is allowed is the state machine's job (common/core/imc_fsm.c),
    helped by the lifecycle table of im_incident.c; replay only folds
    events.

    Most events only copy payload keys, stamp a time, count or forget a
    key, so each event type is a list of rules (s_rules below), read in
    order: a key keeps the place it first took in the map, so the order
    of the rules is the order of the stored bytes. What is more than
    that (incident.opened, links, notes, the SLA clocks, the kind of an
    escalation) is a small function a rule calls.
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
#include "im_keys.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_incident.h"
#include "imc_incident_private.h"

//  What a rule does to the projection
typedef enum {
    S_END = 0,                      //  The end of an event's rules
    S_COPY,                         //  key = the payload's from, if there
    S_STAMP,                        //  key = the event's time
    S_REMOVE,                       //  key goes
    S_COUNT,                        //  key = key + 1 (from 0)
    S_TEXT,                         //  key = the text from
    S_ONE,                          //  key = 1
    S_CALL                          //  call, with the event
} s_op_t;

typedef void (s_call_fn) (im_fields_t *incident, const im_event_t *event);

typedef struct {
    s_op_t op;                      //  What to do
    const char *key;                //  Projection key
    const char *from;               //  Payload key (S_COPY), text (S_TEXT)
    s_call_fn *call;                //  S_CALL: what to call
} s_rule_t;

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

static void
s_increment (im_fields_t *incident, const char *key)
{
    im_fields_set_int (incident, key, im_fields_int_or (incident, key, 0) + 1);
}

//  The SLA clocks a projection keeps: state, due time, and the time key
//  of the event that stops the clock
static const struct {
    const char *name;               //  The payload's "clock"
    const char *state;              //  Projection key: running, met...
    const char *due;                //  Projection key: when it is due
    const char *stopper;            //  Projection key: when it stopped
    const char *stopped;            //  Projection key: sla.stopped at_ms
    const char *business;           //  Projection key: its working time
    const char *breached;           //  Projection key: when it breached
} s_clocks [] = {
    { "response", IM_KEY_SLA_RESPONSE, IM_KEY_SLA_RESPONSE_DUE_MS,
      IM_KEY_ACKNOWLEDGED_MS, IM_KEY_SLA_RESPONSE_STOPPED_MS,
      IM_KEY_SLA_RESPONSE_BUSINESS_MS, IM_KEY_SLA_RESPONSE_BREACHED_MS },
    { "resolution", IM_KEY_SLA_RESOLUTION, IM_KEY_SLA_RESOLUTION_DUE_MS,
      IM_KEY_RESOLVED_MS, IM_KEY_SLA_RESOLUTION_STOPPED_MS,
      IM_KEY_SLA_RESOLUTION_BUSINESS_MS, IM_KEY_SLA_RESOLUTION_BREACHED_MS }
};
#define S_CLOCKS (sizeof s_clocks / sizeof s_clocks [0])

//  Sets the state of the payload's clock to value
static void
s_set_clock (im_fields_t *incident, const im_fields_t *payload,
             const char *value)
{
    const char *clock = im_fields_str (payload, IM_KEY_CLOCK);
    for (size_t index = 0; clock && index < S_CLOCKS; index++)
        if (streq (clock, s_clocks [index].name))
            im_fields_set_str (incident, s_clocks [index].state, value);
}

//  sla.started: each clock running, or already met / breached when the
//  event that stops it came first (acknowledged or resolved before the
//  clocks started)
static void
s_start_clocks (im_fields_t *incident, const im_event_t *event)
{
    (void) event;
    for (size_t index = 0; index < S_CLOCKS; index++) {
        //  Clocks started again (the record changed type) forget how
        //  the earlier ones ended
        im_fields_remove (incident, s_clocks [index].stopped);
        im_fields_remove (incident, s_clocks [index].business);
        im_fields_remove (incident, s_clocks [index].breached);
        int64_t stopped = im_fields_int_or (incident,
                                            s_clocks [index].stopper, 0);
        const char *state = "running";
        if (stopped)
            state = stopped <= im_fields_int_or (incident,
                                                 s_clocks [index].due, 0)
                  ? "met" : "breached";
        im_fields_set_str (incident, s_clocks [index].state, state);
    }
}

#define S_PAUSES_MAX    512         //  Octets of a clock's pause list

//  The payload's clock, when it is response or resolution
static const char *
s_sla_clock (const im_fields_t *payload)
{
    const char *clock = im_fields_str (payload, IM_KEY_CLOCK);
    for (size_t index = 0; clock && index < S_CLOCKS; index++)
        if (streq (clock, s_clocks [index].name))
            return s_clocks [index].name;
    return NULL;
}

//  Ends the pause of clock at to_ms: adds it to sla_<clock>_paused_ms
//  and its interval "from-to" to sla_<clock>_pauses (comma-separated,
//  the oldest dropped past S_PAUSES_MAX octets)
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
    char list [S_PAUSES_MAX + 48];
    const char *before = im_fields_str_or (incident, list_key, "");
    snprintf (list, sizeof list, "%s%s%" PRId64 "-%" PRId64, before,
              *before ? "," : "", from_ms, to_ms);
    const char *kept = list;
    while (strlen (kept) > S_PAUSES_MAX && strchr (kept, ','))
        kept = strchr (kept, ',') + 1;
    im_fields_set_str (incident, list_key, kept);
    im_fields_remove (incident, at_key);
    im_fields_remove (incident, remaining_key);
}

static void
s_stop_clock (im_fields_t *incident, const im_event_t *event)
{
    const char *result = im_fields_str (event->payload, IM_KEY_RESULT);
    const char *clock = s_sla_clock (event->payload);
    if (clock)                      //  A paused clock's pause ends too
        s_pause_end (incident, clock,
                     im_fields_int_or (event->payload, IM_KEY_AT_MS, 0));
    s_set_clock (incident, event->payload, result ? result : "met");
    //  When it stopped, and the working time it ran when the timer
    //  measured it: the facts an SLA report reads
    for (size_t index = 0; clock && index < S_CLOCKS; index++)
        if (streq (clock, s_clocks [index].name)) {
            s_copy (incident, event->payload, IM_KEY_AT_MS,
                    s_clocks [index].stopped);
            s_copy (incident, event->payload, IM_KEY_BUSINESS_MS,
                    s_clocks [index].business);
        }
}

//  sla.paused, sla.resumed and sla.warning of the payload's clock
static void
s_hold_clock (im_fields_t *incident, const im_event_t *event)
{
    const im_fields_t *payload = event->payload;
    const char *clock = s_sla_clock (payload);
    if (!clock)
        return;
    char key [48];
    int64_t at_ms = im_fields_int_or (payload, IM_KEY_AT_MS, 0);
    if (event->type != IM_EV_SLA_PAUSED) {
        //  The warnings not given yet: moved by a resume, one fewer
        //  after a warning
        snprintf (key, sizeof key, "sla_%s_warnings", clock);
        s_copy (incident, payload, IM_KEY_WARNINGS, key);
    }
    if (event->type == IM_EV_SLA_WARNING) {
        snprintf (key, sizeof key, "sla_%s_warned", clock);
        const char *before = im_fields_str_or (incident, key, "");
        char warned [64];
        snprintf (warned, sizeof warned, "%s%s%" PRId64, before,
                  *before ? "," : "",
                  im_fields_int_or (payload, IM_KEY_FRACTION, 0));
        im_fields_set_str (incident, key, warned);
        return;
    }
    if (event->type == IM_EV_SLA_PAUSED) {
        s_set_clock (incident, payload, "paused");
        snprintf (key, sizeof key, "sla_%s_paused_at_ms", clock);
        im_fields_set_int (incident, key, at_ms);
        snprintf (key, sizeof key, "sla_%s_remaining_ms", clock);
        im_fields_set_int (incident, key,
                           im_fields_int_or (payload, IM_KEY_REMAINING_MS, 0));
        return;
    }
    s_pause_end (incident, clock, at_ms);
    s_set_clock (incident, payload, "running");
    snprintf (key, sizeof key, "sla_%s_due_ms", clock);
    im_fields_set_int (incident, key,
                       im_fields_int_or (payload, IM_KEY_DUE_MS, 0));
}

static void
s_breach_clock (im_fields_t *incident, const im_event_t *event)
{
    s_set_clock (incident, event->payload, "breached");
    const char *clock = s_sla_clock (event->payload);
    for (size_t index = 0; clock && index < S_CLOCKS; index++)
        if (streq (clock, s_clocks [index].name))
            im_fields_set_int (incident, s_clocks [index].breached,
                               (int64_t) event->ts_ms);
}

static void
s_comment (im_fields_t *incident, const im_event_t *event)
{
    imc_incident_note (incident, im_fields_str (event->payload,
                                                IM_KEY_TEXT));
}

static void
s_link (im_fields_t *incident, const im_event_t *event)
{
    imc_incident_link (incident, event->payload);
}

static void
s_escalate (im_fields_t *incident, const im_event_t *event)
{
    s_increment (incident,
                 streq (im_fields_str_or (event->payload, IM_KEY_KIND, ""),
                        "hierarchical")
                 ? IM_KEY_HIERARCHICAL_ESCALATIONS
                 : IM_KEY_FUNCTIONAL_ESCALATIONS);
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

//  incident.opened when the fast path does not apply: the payload may
//  hold any key
static void
s_open (im_fields_t *incident, const im_event_t *event)
{
    int64_t ts = (int64_t) event->ts_ms;
    im_fields_clear (incident);
    im_fields_set_int (incident, IM_KEY_ID, (int64_t) event->incident);
    im_fields_merge (incident, event->payload);
    im_fields_set_int (incident, IM_KEY_CREATED_MS, ts);
    im_fields_set_int (incident, IM_KEY_REASSIGNMENT_COUNT, 0);
    im_fields_set_int (incident, IM_KEY_REOPEN_COUNT, 0);
    im_fields_set_int (incident, IM_KEY_BREACHES, 0);
    im_fields_set_int (incident, IM_KEY_NOTIFICATIONS, 0);
    im_fields_set_int (incident, IM_KEY_EVENTS, 0);
}

#define COPY(key)           { S_COPY, key, key, NULL }
#define COPY_AS(key, from)  { S_COPY, key, from, NULL }
#define STAMP(key)          { S_STAMP, key, NULL, NULL }
#define REMOVE(key)         { S_REMOVE, key, NULL, NULL }
#define COUNT(key)          { S_COUNT, key, NULL, NULL }
#define TEXT(key, text)     { S_TEXT, key, text, NULL }
#define ONE(key)            { S_ONE, key, NULL, NULL }
#define CALL(fn)            { S_CALL, NULL, NULL, fn }
#define END                 { S_END, NULL, NULL, NULL }

//  The rules of each event type, in the order they apply
static const s_rule_t s_opened [] = { CALL (s_open), END };
static const s_rule_t s_acknowledged [] = {
    COPY (IM_KEY_STATUS), STAMP (IM_KEY_ACKNOWLEDGED_MS), END };
static const s_rule_t s_assigned [] = {
    COPY (IM_KEY_TIER), COPY (IM_KEY_GROUP), COPY (IM_KEY_AGENT),
    COPY (IM_KEY_STATUS), COPY (IM_KEY_REASSIGNMENT_COUNT), END };
static const s_rule_t s_commented [] = {
    COUNT (IM_KEY_COMMENTS), CALL (s_comment), END };
static const s_rule_t s_resolved [] = {
    COPY (IM_KEY_STATUS), COPY_AS (IM_KEY_RESOLUTION, IM_KEY_NOTES),
    COPY_AS (IM_KEY_RESOLUTION_CODE, IM_KEY_CODE),
    COPY (IM_KEY_REOPEN_UNTIL_MS), COPY (IM_KEY_CLOSE_DUE_MS),
    REMOVE (IM_KEY_PENDING_REASON), REMOVE (IM_KEY_PENDING_FROM),
    STAMP (IM_KEY_RESOLVED_MS), END };
static const s_rule_t s_closed [] = {
    COPY (IM_KEY_STATUS), REMOVE (IM_KEY_CLOSE_DUE_MS),
    STAMP (IM_KEY_CLOSED_MS), END };
static const s_rule_t s_reopened [] = {
    COPY (IM_KEY_STATUS), REMOVE (IM_KEY_RESOLVED_MS),
    REMOVE (IM_KEY_RESOLUTION), REMOVE (IM_KEY_RESOLUTION_CODE),
    REMOVE (IM_KEY_REOPEN_UNTIL_MS), REMOVE (IM_KEY_CLOSE_DUE_MS),
    COUNT (IM_KEY_REOPEN_COUNT), END };
static const s_rule_t s_pending [] = {
    COPY_AS (IM_KEY_PENDING_FROM, IM_KEY_PREVIOUS_STATUS),
    COPY (IM_KEY_STATUS), COPY_AS (IM_KEY_PENDING_REASON, IM_KEY_REASON),
    END };
static const s_rule_t s_resumed [] = {
    COPY (IM_KEY_STATUS), REMOVE (IM_KEY_PENDING_REASON),
    REMOVE (IM_KEY_PENDING_FROM), END };
static const s_rule_t s_cancelled [] = {
    COPY (IM_KEY_STATUS), COPY_AS (IM_KEY_CANCEL_REASON, IM_KEY_REASON),
    REMOVE (IM_KEY_PENDING_REASON), REMOVE (IM_KEY_PENDING_FROM),
    STAMP (IM_KEY_CANCELLED_MS), END };
static const s_rule_t s_linked [] = { CALL (s_link), END };
static const s_rule_t s_classified [] = {
    COPY (IM_KEY_PRIORITY), COPY (IM_KEY_CATEGORY), END };
static const s_rule_t s_sla_started [] = {
    COPY_AS (IM_KEY_SLA_TYPE, IM_KEY_TYPE),
    COPY_AS (IM_KEY_SLA_PRIORITY, IM_KEY_PRIORITY),
    COPY_AS (IM_KEY_SLA_RESPONSE_DUE_MS, IM_KEY_RESPONSE_DUE_MS),
    COPY_AS (IM_KEY_SLA_RESOLUTION_DUE_MS, IM_KEY_RESOLUTION_DUE_MS),
    COPY_AS ("sla_calendar", "calendar"),
    COPY_AS ("sla_response_target_ms", "response_target_ms"),
    COPY_AS ("sla_resolution_target_ms", "resolution_target_ms"),
    COPY_AS ("sla_response_warnings", "response_warnings"),
    COPY_AS ("sla_resolution_warnings", "resolution_warnings"),
    CALL (s_start_clocks), END };
static const s_rule_t s_sla_stopped [] = { CALL (s_stop_clock), END };
static const s_rule_t s_sla_breached [] = {
    CALL (s_breach_clock), COUNT (IM_KEY_BREACHES), END };
static const s_rule_t s_sla_held [] = { CALL (s_hold_clock), END };
static const s_rule_t s_notified [] = { COUNT (IM_KEY_NOTIFICATIONS), END };
static const s_rule_t s_alert_repeated [] = {
    COPY (IM_KEY_ALERTS), COPY (IM_KEY_ALERT_OCCURRENCE),
    STAMP (IM_KEY_LAST_ALERT_MS), REMOVE (IM_KEY_ALERT_CLEARED_MS), END };
static const s_rule_t s_alert_seen [] = { STAMP (IM_KEY_LAST_ALERT_MS), END };
static const s_rule_t s_alert_cleared [] = {
    STAMP (IM_KEY_ALERT_CLEARED_MS), END };
static const s_rule_t s_converted [] = {
    COPY_AS (IM_KEY_TYPE, IM_KEY_TO), COUNT (IM_KEY_CONVERSIONS), END };
static const s_rule_t s_categorized [] = {
    COPY (IM_KEY_CATEGORY), COPY (IM_KEY_SUBCATEGORY), COPY (IM_KEY_SERVICE),
    COPY (IM_KEY_CI), END };
static const s_rule_t s_prioritized [] = {
    COPY (IM_KEY_PRIORITY), COPY_AS (IM_KEY_PRIORITY_REASON, IM_KEY_REASON),
    ONE (IM_KEY_PRIORITY_OVERRIDE), END };
static const s_rule_t s_escalated [] = { CALL (s_escalate), END };
static const s_rule_t s_major_proposed [] = {
    TEXT (IM_KEY_MAJOR, "proposed"),
    COPY_AS (IM_KEY_MAJOR_REASON, IM_KEY_REASON), END };
static const s_rule_t s_major_rejected [] = {
    TEXT (IM_KEY_MAJOR, "rejected"), END };
static const s_rule_t s_major_declared [] = {
    TEXT (IM_KEY_MAJOR, "declared"), COPY (IM_KEY_COMMANDER),
    COPY_AS (IM_KEY_UPDATE_CADENCE_MS, IM_KEY_CADENCE_MS),
    COPY (IM_KEY_UPDATE_DUE_MS), STAMP (IM_KEY_DECLARED_MS),
    COPY (IM_KEY_UPDATE_CALENDAR), END };
static const s_rule_t s_major_updated [] = {
    COPY (IM_KEY_UPDATE_DUE_MS), COUNT (IM_KEY_UPDATES), END };
static const s_rule_t s_update_due [] = {
    COPY (IM_KEY_UPDATE_DUE_MS), COUNT (IM_KEY_UPDATES_MISSED), END };
static const s_rule_t s_update_scheduled [] = {
    COPY (IM_KEY_UPDATE_DUE_MS), END };
static const s_rule_t s_reviewed [] = {
    COPY_AS (IM_KEY_REVIEW_SUMMARY, IM_KEY_SUMMARY), COPY (IM_KEY_ROOT_CAUSE),
    COPY_AS (IM_KEY_REVIEW_ACTIONS, IM_KEY_ACTIONS),
    STAMP (IM_KEY_REVIEWED_MS), END };

//  Each event type's rules; none for the events of no incident
//  (config.applied, cluster.member, principal.changed)
static const s_rule_t *const s_rules [IM_EV_MAX] = {
    [IM_EV_OPENED] = s_opened,
    [IM_EV_ACKNOWLEDGED] = s_acknowledged,
    [IM_EV_ASSIGNED] = s_assigned,
    [IM_EV_COMMENTED] = s_commented,
    [IM_EV_RESOLVED] = s_resolved,
    [IM_EV_CLOSED] = s_closed,
    [IM_EV_REOPENED] = s_reopened,
    [IM_EV_PENDING] = s_pending,
    [IM_EV_RESUMED] = s_resumed,
    [IM_EV_CANCELLED] = s_cancelled,
    [IM_EV_LINKED] = s_linked,
    [IM_EV_CLASSIFIED] = s_classified,
    [IM_EV_SLA_STARTED] = s_sla_started,
    [IM_EV_SLA_STOPPED] = s_sla_stopped,
    [IM_EV_SLA_BREACHED] = s_sla_breached,
    [IM_EV_SLA_PAUSED] = s_sla_held,
    [IM_EV_SLA_RESUMED] = s_sla_held,
    [IM_EV_SLA_WARNING] = s_sla_held,
    [IM_EV_NOTIFIED] = s_notified,
    [IM_EV_ALERT_REPEATED] = s_alert_repeated,
    [IM_EV_ALERT_SEEN] = s_alert_seen,
    [IM_EV_ALERT_CLEARED] = s_alert_cleared,
    [IM_EV_CONVERTED] = s_converted,
    [IM_EV_CATEGORIZED] = s_categorized,
    [IM_EV_PRIORITIZED] = s_prioritized,
    [IM_EV_ESCALATED] = s_escalated,
    [IM_EV_MAJOR_PROPOSED] = s_major_proposed,
    [IM_EV_MAJOR_REJECTED] = s_major_rejected,
    [IM_EV_MAJOR_DECLARED] = s_major_declared,
    [IM_EV_MAJOR_UPDATED] = s_major_updated,
    [IM_EV_UPDATE_DUE] = s_update_due,
    [IM_EV_UPDATE_SCHEDULED] = s_update_scheduled,
    [IM_EV_REVIEWED] = s_reviewed,
};

void
imc_incident_evolve (im_fields_t *incident, const im_event_t *event)
{
    assert (incident && event);
    int64_t ts = (int64_t) event->ts_ms;

    if (event->type == IM_EV_OPENED && s_open_fast (incident, event))
        return;
    const s_rule_t *rule = event->type > IM_EV_NONE && event->type < IM_EV_MAX
                         ? s_rules [event->type] : NULL;
    for (; rule && rule->op != S_END; rule++)
        switch (rule->op) {
            case S_COPY:
                s_copy (incident, event->payload, rule->from, rule->key);
                break;
            case S_STAMP:
                im_fields_set_int (incident, rule->key, ts);
                break;
            case S_REMOVE:
                im_fields_remove (incident, rule->key);
                break;
            case S_COUNT:
                s_increment (incident, rule->key);
                break;
            case S_TEXT:
                im_fields_set_str (incident, rule->key, rule->from);
                break;
            case S_ONE:
                im_fields_set_int (incident, rule->key, 1);
                break;
            case S_CALL:
                rule->call (incident, event);
                break;
            case S_END:
                break;
        }
    imc_incident_escalation (incident, event);
    im_fields_set_int (incident, IM_KEY_UPDATED_MS, ts);
    im_fields_set_int (incident, IM_KEY_LAST_SEQ, (int64_t) event->seq);
    s_increment (incident, IM_KEY_EVENTS);
}
