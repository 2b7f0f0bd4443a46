/*  im_incident - an incident's lifecycle, and the names of its states

    Which statuses each operator command may start from, as a table the
    state machine checks every command against (common/core/imc_decide.c
    decides where it leads), and the names of statuses, pending reasons
    and SLA clocks as the wire and the projection spell them. How events
    change a projection is in imc_incident_evolve.c, its id lists in
    imc_incident_list.c.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_command.h"
#include "im_incident.h"
#include "im_warnings.h"

//  Lifecycle: which statuses each operator command may start from.
//  Bit n is status n. Commands not in the table pass in any status.
//  Where a command leads is decided in common/core/imc_decide.c; the table
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
    return im_status_from_name (im_fields_str (incident, IM_KEY_STATUS));
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
    "response", "resolution", "close", "update", "warn-response",
    "warn-resolution", "escalate", "ack-timeout" };

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

bool
im_incident_is_progress (im_event_type_t type)
{
    switch (type) {
        case IM_EV_ASSIGNED:
        case IM_EV_COMMENTED:
        case IM_EV_PENDING:
        case IM_EV_RESUMED:
        case IM_EV_REOPENED:
        case IM_EV_CATEGORIZED:
        case IM_EV_PRIORITIZED:
        case IM_EV_ESCALATED:
        case IM_EV_MAJOR_UPDATED:
            return true;
        default:
            return false;
    }
}

int64_t
im_incident_timer_due (const im_fields_t *incident, int clock)
{
    assert (incident);
    im_status_t status = im_incident_status (incident);
    if (clock == IM_CLOCK_CLOSE && status == IM_STATUS_RESOLVED)
        return im_fields_int_or (incident, IM_KEY_CLOSE_DUE_MS, 0);
    if (clock == IM_CLOCK_UPDATE
    &&  streq (im_fields_str_or (incident, IM_KEY_MAJOR, ""), "declared")
    &&  status != IM_STATUS_RESOLVED && status != IM_STATUS_CLOSED
    &&  status != IM_STATUS_CANCELLED)
        return im_fields_int_or (incident, IM_KEY_UPDATE_DUE_MS, 0);
    bool open = status != IM_STATUS_RESOLVED && status != IM_STATUS_CLOSED
             && status != IM_STATUS_CANCELLED;
    if (clock == IM_CLOCK_ESCALATE && open
    &&  !im_fields_has (incident, IM_KEY_ACKNOWLEDGED_MS))
        return im_fields_int_or (incident, IM_KEY_ESCALATE_DUE_MS, 0);
    if (clock == IM_CLOCK_ACK_TIMEOUT && open
    &&  status != IM_STATUS_PENDING)
        return im_fields_int_or (incident, IM_KEY_ACK_TIMEOUT_DUE_MS, 0);
    if (clock == IM_CLOCK_WARN_RESPONSE || clock == IM_CLOCK_WARN_RESOLUTION) {
        const char *name = clock == IM_CLOCK_WARN_RESPONSE ? "response"
                                                           : "resolution";
        char key [48];
        snprintf (key, sizeof key, "sla_%s", name);
        if (!streq (im_fields_str_or (incident, key, ""), "running"))
            return 0;
        snprintf (key, sizeof key, "sla_%s_warnings", name);
        im_warning_t next;
        if (im_warnings_next (im_fields_str (incident, key), &next))
            return next.at_ms;
    }
    return 0;
}
