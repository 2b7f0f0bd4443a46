/*  imw_classifier - the classifier role: priority and category of new
    incidents

    On incident.opened it asks for CLASSIFY with the priority the
    configured impact x urgency matrix gives, the category whose
    keywords match the title and description, and the record's type.
    Service requests use the matrix too, but are never more urgent than
    classifier.request_priority (default P4): a routine ask must not
    page anyone (priority = max (matrix, request_priority) for type
    "request"). incident.converted (an incident made a request or back)
    is classified again the same way, with its new type. A new incident
    whose category a policy group routes (groups[].categories) is also
    assigned to that group (ASSIGN unassigned_only, action "route"). Every other
    event is ignored. Consumer group and program:
    "classifier", imq-classifier.
*/
#ifndef IMW_CLASSIFIER_H_INCLUDED
#define IMW_CLASSIFIER_H_INCLUDED

#include "im_policy.h"
#include "im_event.h"
#include "im_fields.h"
#include "imw_output.h"
#include "imw_role.h"

typedef struct _imw_classifier_t imw_classifier_t;

//  The role table of imq-classifier
const imw_role_t *
    imw_classifier_role (void);

//  Creates the role's state; policy is borrowed
imw_classifier_t *
    imw_classifier_new (const im_policy_t *policy);

void
    imw_classifier_destroy (imw_classifier_t **self_p);

//  Appends CLASSIFY {priority, category, type} (action "classify") for
//  an incident.opened or incident.converted event, nothing for any
//  other. Returns 0 or IM_ENOMEM.
int
    imw_classifier_handle (imw_classifier_t *self, const im_event_t *event,
                           imw_output_t *out);

//  Returns the priority 1..5 for an incident.opened payload: the matrix
//  at impact x urgency (a missing or out-of-range value counts as 3),
//  at least policy->request_priority for type "request" (the payload's
//  type, or "to" of incident.converted)
int
    imw_classifier_priority (const im_policy_t *policy,
                             const im_fields_t *payload);

//  Returns the category for an incident.opened payload, from its title
//  and description; borrowed from policy
const char *
    imw_classifier_category (const im_policy_t *policy,
                             const im_fields_t *payload);

#endif
