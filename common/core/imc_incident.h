/*  imc_incident - the fold: how events change an incident's projection

    The projection (docs/storage.md section 2.3; its statuses and
    lifecycle in im_incident.h) is derived from an incident's events
    only, and imc_incident_evolve is the single function that folds an
    event into it: the state machine calls it as it applies, and a replay
    that rebuilds projections from the log calls it again. It is part of
    the core because what it writes is stored.
*/
#ifndef IMC_INCIDENT_H_INCLUDED
#define IMC_INCIDENT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_event.h"
#include "im_fields.h"

//  Folds event into incident (an empty map for incident.opened).
//  Deterministic: uses only the event and the map.
void
    imc_incident_evolve (im_fields_t *incident, const im_event_t *event);

//  Lists of incident ids in a projection (children, related, ...) are
//  str values of ids in the order added, comma-separated ("3,4,5").
//  Adds id to the list under key unless it is there. Returns 0 or
//  IM_ENOMEM / IM_ETOOBIG.
int
    imc_incident_list_add (im_fields_t *incident, const char *key, int64_t id);

//  Removes id from the list under key (the key goes when it empties)
void
    imc_incident_list_remove (im_fields_t *incident, const char *key,
                              int64_t id);

//  True when the list under key holds id
bool
    imc_incident_list_has (const im_fields_t *incident, const char *key,
                           int64_t id);

#endif
