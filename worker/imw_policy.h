/*  imw_policy - a worker follows the replicated policy, event by event

    The state machine stamps policy_version on the events whose handling
    depends on policy (incident.opened, incident.converted,
    incident.classified, sla.breached) once a policy was applied with
    CONFIG. Before a role handles one, this class makes the role's
    policy that version's: the replicated text (CONFIG-GET), parsed as
    the state machine parses it; an event with no stamp was decided
    before any policy, under the policy sections of the worker's own
    file.
    So every instance of every role applies the rules in force at the
    event's position in the log, whichever instance gets it and however
    late.
*/
#ifndef IMW_POLICY_H_INCLUDED
#define IMW_POLICY_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_client.h"
#include "im_policy.h"
#include "im_event.h"

typedef struct _imw_policy_t imw_policy_t;

//  Creates a follower of policy (borrowed: the policy the role reads,
//  changed in place), keeping a copy of it as the worker's own (version
//  0). Returns NULL when out of memory.
imw_policy_t *
    imw_policy_new (im_policy_t *policy);

void
    imw_policy_destroy (imw_policy_t **self_p);

//  Makes policy the one event was decided under, asking query for
//  the version's text when it is not the one in place. Returns 0, or
//  IM_ETIMEOUT / IM_EBUSY to be called again later (the broker did not
//  answer), or IM_ECONFIG when the version cannot be had (logged; the
//  event is handled under what is in place).
int
    imw_policy_follow (imw_policy_t *self, const im_event_t *event,
                       im_client_t *query);

//  The version in place, 0 for the worker's own file
uint64_t
    imw_policy_version (imw_policy_t *self);

#endif
