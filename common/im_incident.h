/*  im_incident - an incident's projection, and how events change it

    The projection is the current state of one incident as fields, derived
    from its events only: im_incident_evolve is the single function that
    folds an event into it, used by the state machine as it applies and by
    a replay that rebuilds projections from the log. The lifecycle table
    (which command is allowed in which status) lives here too, so the
    state machine, the tests and the docs read one definition.

    Projection keys (docs/storage.md section 2.3):
        id, title, description, reporter, service, impact, urgency, type,
        channel, status, priority, category, group, agent, created_ms,
        updated_ms, acknowledged_ms, resolved_ms, closed_ms, resolution,
        reopen_count, reassignment_count, sla_response_due_ms,
        sla_resolution_due_ms, sla_response (running|met|breached),
        sla_resolution (running|met|breached), breaches, notifications,
        last_seq, events
*/
#ifndef IM_INCIDENT_H_INCLUDED
#define IM_INCIDENT_H_INCLUDED

#include <stdbool.h>
#include "im_event.h"
#include "im_command.h"
#include "im_fields.h"

//  Statuses, X(enum, name)
#define IM_STATUS_TABLE(X)                                                 \
    X (IM_STATUS_NEW,         "new")                                       \
    X (IM_STATUS_ASSIGNED,    "assigned")                                  \
    X (IM_STATUS_IN_PROGRESS, "in_progress")                               \
    X (IM_STATUS_RESOLVED,    "resolved")                                  \
    X (IM_STATUS_CLOSED,      "closed")

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

//  Folds event into incident (an empty map for incident.opened).
//  Deterministic: uses only the event and the map.
void
    im_incident_evolve (im_fields_t *incident, const im_event_t *event);

#endif
