/*  imc_incident_private - what the two parts of the fold share

    imc_incident_evolve.c folds events into a projection,
    imc_incident_list.c keeps the lists of ids (and names) a projection
    holds; the lifecycle and the names are the model's (im_incident.c).
*/
#ifndef IMC_INCIDENT_PRIVATE_H_INCLUDED
#define IMC_INCIDENT_PRIVATE_H_INCLUDED

//  Adds item (no comma in it) to the list under key unless it is there.
//  Returns 0 or IM_ENOMEM.
int
    imc_incident_list_add_text (im_fields_t *incident, const char *key,
                                const char *item);

#endif
