/*  imc_decide - what one command means, given an incident's projection

    The pure half of the state machine: validates a command's arguments,
    checks the lifecycle, and returns the events the command makes (or a
    rejection naming what was wrong). It never writes; imc_fsm gives the
    events their seq numbers and stores them.
*/
#ifndef IMC_DECIDE_H_INCLUDED
#define IMC_DECIDE_H_INCLUDED

#include "im_command.h"
#include "im_event.h"
#include "im_fields.h"
#include "im_policy.h"

#define IMC_DECIDE_EVENTS_MAX 256    //  A parent and all its children
#define IMC_DECIDE_CHILDREN_MAX 200 //  Children one parent may have

//  Returns the projection of another incident than the command's, as
//  the state machine sees it (borrowed until the decision is applied),
//  or NULL when there is none
typedef const im_fields_t *(imc_decide_lookup_fn) (void *arg, uint64_t id);

//  A decision is reused from command to command: the events it made
//  stay allocated and are cleared, not freed, so a command costs no
//  event allocations. Zero it before first use (= { 0 } or calloc).
typedef struct {
    int rc;                                     //  0 or IM_E* of the rejection
    char error [256];                           //  Why, when rc != 0
    const char *outcome;                        //  ALERT: opened, added,
                                                //  acknowledged, resolved,
                                                //  cleared or unchanged;
                                                //  NULL for other commands
    uint64_t incident;                          //  ALERT: the incident it
                                                //  went to, also when it
                                                //  made no event
    size_t count;                               //  Events made
    im_event_t *events [IMC_DECIDE_EVENTS_MAX]; //  Owned; the first count
                                                //  are this decision's,
                                                //  with incident, type and
                                                //  payload set; the rest
                                                //  are kept for reuse
} imc_decision_t;

//  Decides command against incident (NULL when the command's incident
//  does not exist; for ALERT, the incident its dedup key maps to, NULL
//  when none). new_id is the id an OPEN (an ALERT that opens, or a
//  REOPEN that opens a follow-up) gives its incident; policy holds the
//  rules in force; lookup (with arg) reads the other incidents a command
//  names (links).
//  Fills decision, replacing what it held; its events stay owned by
//  decision, valid until the next imc_decide or imc_decision_reset.
void
    imc_decide (const im_command_t *command, const im_fields_t *incident,
                uint64_t new_id, const im_policy_t *policy,
                imc_decide_lookup_fn *lookup, void *arg,
                imc_decision_t *decision);

//  Empties decision; its event objects are kept for the next decision
void
    imc_decision_reset (imc_decision_t *decision);

//  Destroys the event objects decision keeps and zeroes it
void
    imc_decision_destroy_events (imc_decision_t *decision);

#endif
