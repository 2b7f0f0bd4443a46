/*  imc_incident_private - what the two parts of the fold share

    imc_incident_evolve.c folds events into a projection,
    imc_incident_list.c keeps the lists of ids (and names, and notes) a
    projection holds and folds the links; the lifecycle and the names
    are the model's (im_incident.c).
*/
#ifndef IMC_INCIDENT_PRIVATE_H_INCLUDED
#define IMC_INCIDENT_PRIVATE_H_INCLUDED

#include "im_fields.h"
#include "im_event.h"

//  Adds item (no comma in it) to the list under key unless it is there.
//  Returns 0 or IM_ENOMEM.
int
    imc_incident_list_add_text (im_fields_t *incident, const char *key,
                                const char *item);

//  Appends a line to the incident's notes, keeping the last
//  IM_INCIDENT_NOTES_MAX bytes from a line's start; nothing for NULL or ""
void
    imc_incident_note (im_fields_t *incident, const char *line);

//  Folds an incident.linked payload: records the link (or removes it
//  for action "unlink"); a duplicate merged in brings its notes and
//  reporters
void
    imc_incident_link (im_fields_t *incident, const im_fields_t *payload);

//  Moves the escalation plan and the acknowledgement timeout for event
//  (imc_incident_escalate.c), after the event's rules
void
    imc_incident_escalation (im_fields_t *incident, const im_event_t *event);

#endif
