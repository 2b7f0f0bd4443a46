/*  im_incident - an incident's projection, and how events change it

    The projection is a fields map so that it encodes, compares and turns
    into JSON through the one codec. im_incident_evolve is deliberately
    dumb: it copies what the event says into the map. Deciding whether a
    change is allowed is the state machine's job (broker/imb_fsm.c),
    helped by the lifecycle table below; replay only folds events.
*/
#include "im_classes.h"

//  Lifecycle: which statuses each operator command may start from.
//  Bit n is status n. Commands not in the table pass in any status.
#define S(status) (1u << (status))
static const struct {
    im_command_type_t command;      //  Operator command
    const char *verb;               //  As the user says it
    unsigned from;                  //  Statuses it is allowed in
} s_lifecycle [] = {
    { IM_CMD_ACK,     "acknowledge",
      S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED) },
    { IM_CMD_ASSIGN,  "assign",
      S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED) | S (IM_STATUS_IN_PROGRESS) },
    { IM_CMD_COMMENT, "comment on",
      S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED) | S (IM_STATUS_IN_PROGRESS)
      | S (IM_STATUS_RESOLVED) },
    { IM_CMD_RESOLVE, "resolve",
      S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED) | S (IM_STATUS_IN_PROGRESS) },
    { IM_CMD_CLOSE,   "close",   S (IM_STATUS_RESOLVED) },
    { IM_CMD_REOPEN,  "reopen",  S (IM_STATUS_RESOLVED) },
};
#define LIFECYCLE_SIZE (sizeof s_lifecycle / sizeof s_lifecycle [0])

static const char *s_status_names [] = {
    NULL,
#define IM_STATUS_NAME(e, name) name,
    IM_STATUS_TABLE (IM_STATUS_NAME)
#undef IM_STATUS_NAME
};

const char *
im_status_name (im_status_t status)
{
    if (status <= IM_STATUS_NONE || status >= IM_STATUS_MAX)
        return NULL;
    return s_status_names [status];
}

im_status_t
im_status_from_name (const char *name)
{
    if (!name)
        return IM_STATUS_NONE;
    for (int status = IM_STATUS_NONE + 1; status < IM_STATUS_MAX; status++)
        if (streq (name, s_status_names [status]))
            return (im_status_t) status;
    return IM_STATUS_NONE;
}

im_status_t
im_incident_status (const im_fields_t *incident)
{
    return im_status_from_name (im_fields_str (incident, "status"));
}

int
im_incident_check (im_status_t status, im_command_type_t command,
                   char *errbuf, size_t errlen)
{
    size_t index;
    for (index = 0; index < LIFECYCLE_SIZE; index++)
        if (s_lifecycle [index].command == command)
            break;
    if (index == LIFECYCLE_SIZE)
        return 0;                   //  Not a lifecycle command
    if (s_lifecycle [index].from & S (status))
        return 0;

    //  Name the current status and what is allowed from it
    char allowed [256] = "";
    for (size_t other = 0; other < LIFECYCLE_SIZE; other++)
        if (s_lifecycle [other].from & S (status)) {
            if (*allowed)
                strncat (allowed, ", ", sizeof allowed - strlen (allowed) - 1);
            strncat (allowed, s_lifecycle [other].verb,
                     sizeof allowed - strlen (allowed) - 1);
        }
    if (errbuf)
        snprintf (errbuf, errlen,
                  "cannot %s an incident that is %s; allowed: %s",
                  s_lifecycle [index].verb,
                  im_status_name (status) ? im_status_name (status) : "unknown",
                  *allowed ? allowed : "nothing");
    return IM_ESTATE;
}

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

//  Keys incident.opened adds after the payload's, in order
static const char *s_opened_keys [] = {
    "created_ms", "reassignment_count", "reopen_count", "breaches",
    "notifications", "events", "updated_ms", "last_seq" };
#define OPENED_KEYS (sizeof s_opened_keys / sizeof s_opened_keys [0])

//  Folds an incident.opened whose payload holds none of s_opened_keys
//  (every one imb_decide makes) into an empty map: with no key that can
//  already be there, each is appended without a search. The result is
//  what the general path below makes, entry for entry.
static bool
s_open_fast (im_fields_t *incident, const im_event_t *event)
{
    const im_fields_t *payload = event->payload;
    for (size_t known = 0; known < OPENED_KEYS; known++)
        if (im_fields_has (payload, s_opened_keys [known]))
            return false;
    int64_t ts = (int64_t) event->ts_ms;
    im_fields_clear (incident);
    im_fields_append_int (incident, "id", (int64_t) event->incident);
    im_fields_merge (incident, payload);
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
im_incident_evolve (im_fields_t *incident, const im_event_t *event)
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
            s_copy (incident, payload, "group", "group");
            s_copy (incident, payload, "agent", "agent");
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "reassignment_count",
                    "reassignment_count");
            break;
        case IM_EV_COMMENTED:
            s_increment (incident, "comments");
            break;
        case IM_EV_RESOLVED:
            s_copy (incident, payload, "status", "status");
            s_copy (incident, payload, "notes", "resolution");
            s_copy (incident, payload, "code", "resolution_code");
            im_fields_set_int (incident, "resolved_ms", ts);
            break;
        case IM_EV_CLOSED:
            s_copy (incident, payload, "status", "status");
            im_fields_set_int (incident, "closed_ms", ts);
            break;
        case IM_EV_REOPENED:
            s_copy (incident, payload, "status", "status");
            im_fields_remove (incident, "resolved_ms");
            im_fields_remove (incident, "resolution");
            im_fields_remove (incident, "resolution_code");
            s_increment (incident, "reopen_count");
            break;
        case IM_EV_CLASSIFIED:
            s_copy (incident, payload, "priority", "priority");
            s_copy (incident, payload, "category", "category");
            break;
        case IM_EV_SLA_STARTED:
            s_copy (incident, payload, "response_due_ms",
                    "sla_response_due_ms");
            s_copy (incident, payload, "resolution_due_ms",
                    "sla_resolution_due_ms");
            //  A clock whose stop came first (acknowledged or resolved
            //  before the clocks started) ends as it starts
            s_start_clock (incident, "response", "acknowledged_ms");
            s_start_clock (incident, "resolution", "resolved_ms");
            break;
        case IM_EV_SLA_STOPPED: {
            const char *result = im_fields_str (payload, "result");
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
            im_fields_set_int (incident, "last_alert_ms", ts);
            im_fields_remove (incident, "alert_cleared_ms");
            break;
        case IM_EV_ALERT_CLEARED:
            im_fields_set_int (incident, "alert_cleared_ms", ts);
            break;
        case IM_EV_NONE:
        case IM_EV_MAX:
            break;
    }
    im_fields_set_int (incident, "updated_ms", ts);
    im_fields_set_int (incident, "last_seq", (int64_t) event->seq);
    s_increment (incident, "events");
}
