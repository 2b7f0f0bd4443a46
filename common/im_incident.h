/*  im_incident - the incident model: statuses, the lifecycle, clocks

    The projection is the current state of one incident as fields, derived
    from its events only by the core's fold (common/core/imc_incident.h),
    used by the state machine as it applies and by a replay that rebuilds
    projections from the log. What the workers need too lives here: the
    statuses, the lifecycle table (which command is allowed in which
    status), so the state machine, the tests and the docs read one
    definition, and the clocks.

    Projection keys: the incident list of common/im_keys.h, which
    test_im_keys holds against docs/storage.md section 2.3.
*/
#ifndef IM_INCIDENT_H_INCLUDED
#define IM_INCIDENT_H_INCLUDED

#include <stdbool.h>
#include "im_event.h"
#include "im_command.h"
#include "im_fields.h"

#define IM_INCIDENT_NOTES_MAX   8192    //  Bytes of notes a projection keeps

//  Statuses, X(enum, name)
#define IM_STATUS_TABLE(X)                                                 \
    X (IM_STATUS_NEW,         "new")                                       \
    X (IM_STATUS_ASSIGNED,    "assigned")                                  \
    X (IM_STATUS_IN_PROGRESS, "in_progress")                               \
    X (IM_STATUS_PENDING,     "pending")                                   \
    X (IM_STATUS_RESOLVED,    "resolved")                                  \
    X (IM_STATUS_CLOSED,      "closed")                                    \
    X (IM_STATUS_CANCELLED,   "cancelled")

#define IM_STATUS_ENUM(e, name) e,
typedef enum {
    IM_STATUS_NONE = 0,
    IM_STATUS_TABLE (IM_STATUS_ENUM)
    IM_STATUS_MAX
} im_status_t;
#undef IM_STATUS_ENUM

const char *
    im_status_name (im_status_t status);
im_status_t
    im_status_from_name (const char *name);

//  Returns the incident's current status (IM_STATUS_NONE if unset)
im_status_t
    im_incident_status (const im_fields_t *incident);

//  Checks whether an operator command may run in status. Returns 0, or
//  IM_ESTATE with "cannot VERB an incident that is STATUS; allowed: ..."
//  in errbuf. Commands that do not change the lifecycle always pass.
int
    im_incident_check (im_status_t status, im_command_type_t command,
                       char *errbuf, size_t errlen);

//  True when reason is one a pending incident may wait for:
//  awaiting_caller, awaiting_vendor, awaiting_change, awaiting_problem
bool
    im_incident_pending_reason_valid (const char *reason);

//  The pending reasons, comma-separated, for error messages
const char *
    im_incident_pending_reasons (void);

//  Clocks the deadlines index holds (docs/storage.md section 2.5): the
//  octet in the key, and the name SLA-CLOCKS gives it
#define IM_CLOCK_RESPONSE       0
#define IM_CLOCK_RESOLUTION     1
#define IM_CLOCK_CLOSE          2   //  Auto-close of a resolved incident
#define IM_CLOCK_UPDATE         3   //  A major incident's next update
#define IM_CLOCK_WARN_RESPONSE  4   //  The response clock's next warning
#define IM_CLOCK_WARN_RESOLUTION 5  //  The resolution clock's next warning
#define IM_CLOCK_ESCALATE       6   //  The next escalation step
#define IM_CLOCK_ACK_TIMEOUT    7   //  Acknowledged, no progress since
#define IM_CLOCKS               8

//  Returns the name of clock ("response", "resolution", "close",
//  "update", "warn-response", "warn-resolution", "escalate",
//  "ack-timeout"), or NULL
const char *
    im_clock_name (int clock);

//  Returns the clock for a name, or -1
int
    im_clock_from_name (const char *name);

//  True when an event of type is progress: what a person does to move
//  the incident on, which starts its acknowledgement timeout again
//  (incident.assigned, .commented, .pending, .resumed, .reopened,
//  .categorized, .prioritized, .escalated, major.updated). The
//  workers' events and alerts are not progress.
bool
    im_incident_is_progress (im_event_type_t type);

//  Returns the due time of clock when it runs for incident, else 0: the
//  close clock while it is resolved (close_due_ms), the update clock
//  while it is a declared major incident not yet resolved
//  (update_due_ms), a warning clock while its SLA clock runs (the
//  earliest of sla_<clock>_warnings), the escalate clock while the
//  incident is open and not acknowledged (escalate_due_ms), the
//  ack-timeout clock while it is open and not pending
//  (ack_timeout_due_ms). The deadlines index holds exactly these.
int64_t
    im_incident_timer_due (const im_fields_t *incident, int clock);

#endif
