/*  im_incident_private - what the parts of im_incident share

    im_incident.c holds the lifecycle and the names, im_incident_evolve.c
    folds events into a projection, im_incident_list.c keeps the lists of
    ids (and names) a projection holds.
*/
#ifndef IM_INCIDENT_PRIVATE_H_INCLUDED
#define IM_INCIDENT_PRIVATE_H_INCLUDED

//  Adds item (no comma in it) to the list under key unless it is there.
//  Returns 0 or IM_ENOMEM.
int
    im_incident_list_add_text (im_fields_t *incident, const char *key,
                               const char *item);

#endif
