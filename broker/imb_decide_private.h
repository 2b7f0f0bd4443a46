/*  imb_decide_private - what the parts of the decider share

    imb_decide.c decides the lifecycle, imb_decide_args.c checks
    arguments; the other imb_decide_*.c files decide resolutions,
    alerts, SLA clocks, assignment and classification, links and major
    incidents. All make events and
    rejections the same way, through these.
*/
#ifndef IMB_DECIDE_PRIVATE_H_INCLUDED
#define IMB_DECIDE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include "imb_decide.h"

//  Sets decision's rc and error text; returns rc
int
    imb_decide_reject (imb_decision_t *decision, int rc, const char *format,
                       ...) __attribute__ ((format (printf, 3, 4)));

//  Adds an event of type for incident to decision; returns its payload
im_fields_t *
    imb_decide_emit (imb_decision_t *decision, im_event_type_t type,
                     uint64_t incident);

//  Copies the str key of from into to, or fallback when absent (nothing
//  when fallback is NULL too)
void
    imb_decide_copy_str (im_fields_t *to, const im_fields_t *from,
                         const char *key, const char *fallback);

//  True for the two record types, "incident" and "request"
bool
    imb_decide_type_valid (const char *type);

//  Emits incident.opened for an OPEN or an ALERT that opens; returns
//  its payload
im_fields_t *
    imb_decide_emit_opened (const im_fields_t *args, const char *type,
                            uint64_t new_id, imb_decision_t *decision);

//  The deadlines the policy gives a resolution, on its payload
void
    imb_decide_resolution_deadlines (im_fields_t *payload,
                                     const im_fields_t *incident,
                                     const im_policy_t *policy,
                                     uint64_t ts_ms);

//  Checks the command's arguments against its verb's rules: every key
//  known, types and ranges right, required ones present. Returns 0, or
//  IM_EINVAL (IM_EUNKNOWN for a command not decided here) with decision
//  rejected.
int
    imb_decide_check_args (const im_command_t *command,
                           imb_decision_t *decision);

//  The deciders of imb_decide_resolve.c (RESOLVE, CLOSE, REOPEN); the
//  lifecycle allows the command
void
    imb_decide_resolve (const im_command_t *command,
                        const im_fields_t *incident,
                        const im_policy_t *policy, imb_decision_t *decision);
void
    imb_decide_close (const im_command_t *command,
                      const im_fields_t *incident, imb_decision_t *decision);
void
    imb_decide_reopen (const im_command_t *command,
                       const im_fields_t *incident, uint64_t new_id,
                       imb_decision_t *decision);

//  The decider of imb_decide_alert.c (ALERT)
void
    imb_decide_alert (const im_command_t *command, const im_fields_t *incident,
                      uint64_t new_id, const im_policy_t *policy,
                      imb_decision_t *decision);

//  The decider of imb_decide_sla.c (SLA_START, SLA_STOP, SLA_BREACH)
void
    imb_decide_sla (const im_command_t *command, const im_fields_t *incident,
                    imb_decision_t *decision);

//  The deciders of imb_decide_desk.c; the command's arguments were
//  checked against its rules, and the lifecycle allows it
void
    imb_decide_assign (const im_command_t *command, const im_fields_t *incident,
                       const im_policy_t *policy, imb_decision_t *decision);
void
    imb_decide_escalate (const im_command_t *command,
                         const im_fields_t *incident,
                         const im_policy_t *policy, imb_decision_t *decision);
void
    imb_decide_classify (const im_command_t *command,
                         const im_fields_t *incident, imb_decision_t *decision);
void
    imb_decide_convert (const im_command_t *command,
                        const im_fields_t *incident,
                        imb_decision_t *decision);
void
    imb_decide_prioritize (const im_command_t *command,
                           const im_fields_t *incident,
                           const im_policy_t *policy,
                           imb_decision_t *decision);

//  The deciders of imb_decide_link.c
void
    imb_decide_link (const im_command_t *command, const im_fields_t *incident,
                     imb_decide_lookup_fn *lookup, void *arg,
                     imb_decision_t *decision);
void
    imb_decide_unlink (const im_command_t *command,
                       const im_fields_t *incident,
                       imb_decide_lookup_fn *lookup, void *arg,
                       imb_decision_t *decision);

//  The deciders of imb_decide_major.c
void
    imb_decide_major (const im_command_t *command, const im_fields_t *incident,
                      const im_policy_t *policy, imb_decision_t *decision);
void
    imb_decide_review (const im_command_t *command,
                       const im_fields_t *incident, imb_decision_t *decision);

//  After a parent's incident.resolved (the decision's first event):
//  the same resolution for each of its children still open
void
    imb_decide_resolve_children (const im_command_t *command,
                                 const im_fields_t *incident,
                                 imb_decide_lookup_fn *lookup, void *arg,
                                 imb_decision_t *decision);

#endif
