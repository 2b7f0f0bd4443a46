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
//  Where a command leads is decided in broker/imb_decide.c; the table
//  in docs/protocol.md section 3.1 shows both.
#define S(status) (1u << (status))
#define OPEN_STATUSES (S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED)          \
                     | S (IM_STATUS_IN_PROGRESS) | S (IM_STATUS_PENDING))
static const struct {
    im_command_type_t command;      //  Operator command
    const char *verb;               //  As the user says it
    unsigned from;                  //  Statuses it is allowed in
} s_lifecycle [] = {
    { IM_CMD_ACK,     "acknowledge",
      S (IM_STATUS_NEW) | S (IM_STATUS_ASSIGNED) },
    { IM_CMD_ASSIGN,  "assign",     OPEN_STATUSES },
    { IM_CMD_COMMENT, "comment on", OPEN_STATUSES | S (IM_STATUS_RESOLVED) },
    { IM_CMD_PEND,    "put on hold",
      S (IM_STATUS_ASSIGNED) | S (IM_STATUS_IN_PROGRESS) },
    { IM_CMD_RESUME,  "resume",     S (IM_STATUS_PENDING) },
    { IM_CMD_RESOLVE, "resolve",    OPEN_STATUSES },
    { IM_CMD_CANCEL,  "cancel",     OPEN_STATUSES },
    { IM_CMD_CLOSE,   "close",      S (IM_STATUS_RESOLVED) },
    { IM_CMD_REOPEN,  "reopen",
      S (IM_STATUS_RESOLVED) | S (IM_STATUS_CLOSED) },
    { IM_CMD_CONVERT, "convert",    OPEN_STATUSES },
    { IM_CMD_CATEGORIZE, "categorize", OPEN_STATUSES },
    { IM_CMD_PRIORITIZE, "reprioritize", OPEN_STATUSES },
    { IM_CMD_ESCALATE, "escalate",   OPEN_STATUSES },
    { IM_CMD_LINK,    "link",       OPEN_STATUSES },
    { IM_CMD_UNLINK,  "unlink",     OPEN_STATUSES },
    { IM_CMD_MAJOR,   "handle as major", OPEN_STATUSES },
    { IM_CMD_REVIEW,  "review",     OPEN_STATUSES | S (IM_STATUS_RESOLVED) },
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

static const char *s_pending_reasons [] = {
    "awaiting_caller", "awaiting_vendor", "awaiting_change",
    "awaiting_problem", NULL };

bool
im_incident_pending_reason_valid (const char *reason)
{
    for (size_t index = 0; reason && s_pending_reasons [index]; index++)
        if (streq (reason, s_pending_reasons [index]))
            return true;
    return false;
}

const char *
im_incident_pending_reasons (void)
{
    return "awaiting_caller, awaiting_vendor, awaiting_change, "
           "awaiting_problem";
}

static const char *s_clock_names [IM_CLOCKS] = {
    "response", "resolution", "close", "update" };

const char *
im_clock_name (int clock)
{
    return clock >= 0 && clock < IM_CLOCKS ? s_clock_names [clock] : NULL;
}

int
im_clock_from_name (const char *name)
{
    for (int clock = 0; name && clock < IM_CLOCKS; clock++)
        if (streq (name, s_clock_names [clock]))
            return clock;
    return -1;
}

int64_t
im_incident_timer_due (const im_fields_t *incident, int clock)
{
    assert (incident);
    im_status_t status = im_incident_status (incident);
    if (clock == IM_CLOCK_CLOSE && status == IM_STATUS_RESOLVED)
        return im_fields_int_or (incident, "close_due_ms", 0);
    if (clock == IM_CLOCK_UPDATE
    &&  streq (im_fields_str_or (incident, "major", ""), "declared")
    &&  status != IM_STATUS_RESOLVED && status != IM_STATUS_CLOSED
    &&  status != IM_STATUS_CANCELLED)
        return im_fields_int_or (incident, "update_due_ms", 0);
    return 0;
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

//  Finds item in list; returns where its text starts, or NULL
static const char *
s_list_find_text (const char *list, const char *item)
{
    size_t length = strlen (item);
    for (const char *at = list; at && *at; ) {
        const char *comma = strchr (at, ',');
        size_t size = comma ? (size_t) (comma - at) : strlen (at);
        if (size == length && memcmp (at, item, size) == 0)
            return at;
        at = comma ? comma + 1 : NULL;
    }
    return NULL;
}

static const char *
s_list_find (const char *list, int64_t id)
{
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    return s_list_find_text (list, text);
}

bool
im_incident_list_has (const im_fields_t *incident, const char *key,
                      int64_t id)
{
    assert (incident && key);
    return s_list_find (im_fields_str (incident, key), id) != NULL;
}

//  Adds item (no comma in it) to the list under key unless it is there
static int
s_list_add_text (im_fields_t *incident, const char *key, const char *item)
{
    const char *list = im_fields_str_or (incident, key, "");
    if (!*item || s_list_find_text (list, item))
        return 0;
    size_t size = strlen (list) + strlen (item) + 2;
    char *grown = (char *) malloc (size);
    if (!grown)
        return IM_ENOMEM;
    snprintf (grown, size, "%s%s%s", list, *list ? "," : "", item);
    int rc = im_fields_set_str (incident, key, grown);
    free (grown);
    return rc;
}

int
im_incident_list_add (im_fields_t *incident, const char *key, int64_t id)
{
    assert (incident && key);
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    return s_list_add_text (incident, key, text);
}

void
im_incident_list_remove (im_fields_t *incident, const char *key, int64_t id)
{
    assert (incident && key);
    const char *list = im_fields_str (incident, key);
    const char *at = s_list_find (list, id);
    if (!at)
        return;
    char *copy = strdup (list);
    if (!copy)
        return;
    char *start = copy + (at - list);
    char *comma = strchr (start, ',');
    if (comma)
        memmove (start, comma + 1, strlen (comma + 1) + 1);
    else
    if (start > copy)
        start [-1] = 0;             //  The last one: drop its comma too
    else
        *start = 0;
    if (*copy)
        im_fields_set_str (incident, key, copy);
    else
        im_fields_remove (incident, key);
    free (copy);
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
        im_incident_list_remove (incident, key, other);
    else
        im_incident_list_add (incident, key, other);
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
                s_list_add_text (incident, "reporters", name);
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
//  nor "id" (every one imb_decide makes) into an empty map: with no key
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
        case IM_EV_NONE:
        case IM_EV_MAX:
            break;
    }
    im_fields_set_int (incident, "updated_ms", ts);
    im_fields_set_int (incident, "last_seq", (int64_t) event->seq);
    s_increment (incident, "events");
}
