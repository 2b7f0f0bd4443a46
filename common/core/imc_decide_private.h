/*  imc_decide_private - what the parts of the decider share

    imc_decide.c holds the table from command to decider and decides
    the commands of no incident, imc_decide_args.c checks arguments,
    imc_decide_plain.c decides the commands that make one event from
    their arguments; the other imc_decide_*.c files decide resolutions,
    alerts, SLA clocks, assignment and classification, links and major
    incidents. All make events and rejections the same way, through
    these.
*/
#ifndef IMC_DECIDE_PRIVATE_H_INCLUDED
#define IMC_DECIDE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include "imc_decide.h"

//  What one command is decided against: imc_decide's arguments
typedef struct {
    const im_command_t *command;    //  The command
    const im_fields_t *incident;    //  Its incident; NULL when none
    uint64_t new_id;                //  The id of an incident it opens
    const im_policy_t *policy;      //  The rules in force
    imc_decide_lookup_fn *lookup;   //  Reads the other incidents
    void *arg;                      //  For lookup
} imc_decide_call_t;

//  A command's decider; the table in imc_decide.c names one per verb
typedef void (imc_decide_fn) (const imc_decide_call_t *call,
                              imc_decision_t *decision);

//  The deciders of imc_decide_plain.c; the lifecycle allows the command
imc_decide_fn imc_decide_ack;
imc_decide_fn imc_decide_comment;
imc_decide_fn imc_decide_pend;
imc_decide_fn imc_decide_resume;
imc_decide_fn imc_decide_cancel;
imc_decide_fn imc_decide_categorize;
imc_decide_fn imc_decide_notify;

//  Sets decision's rc and error text; returns rc
int
    imc_decide_reject (imc_decision_t *decision, int rc, const char *format,
                       ...) __attribute__ ((format (printf, 3, 4)));

//  Adds an event of type for incident to decision; returns its payload
im_fields_t *
    imc_decide_emit (imc_decision_t *decision, im_event_type_t type,
                     uint64_t incident);

//  Copies the str key of from into to, or fallback when absent (nothing
//  when fallback is NULL too)
void
    imc_decide_copy_str (im_fields_t *to, const im_fields_t *from,
                         const char *key, const char *fallback);

//  True for the two record types, "incident" and "request"
bool
    imc_decide_type_valid (const char *type);

//  Emits incident.opened for an OPEN or an ALERT that opens; returns
//  its payload
im_fields_t *
    imc_decide_emit_opened (const im_fields_t *args, const char *type,
                            uint64_t new_id, imc_decision_t *decision);

//  The deadlines the policy gives a resolution, on its payload
void
    imc_decide_resolution_deadlines (im_fields_t *payload,
                                     const im_fields_t *incident,
                                     const im_policy_t *policy,
                                     uint64_t ts_ms);

//  Checks the command's arguments against its verb's rules: every key
//  known, types and ranges right, required ones present. Returns 0, or
//  IM_EINVAL (IM_EUNKNOWN for a command not decided here) with decision
//  rejected.
int
    imc_decide_check_args (const im_command_t *command,
                           imc_decision_t *decision);

//  The deciders of imc_decide_resolve.c (RESOLVE, CLOSE, REOPEN); the
//  lifecycle allows the command
void
    imc_decide_resolve (const im_command_t *command,
                        const im_fields_t *incident,
                        const im_policy_t *policy, imc_decision_t *decision);
void
    imc_decide_close (const im_command_t *command,
                      const im_fields_t *incident, imc_decision_t *decision);
void
    imc_decide_reopen (const im_command_t *command,
                       const im_fields_t *incident, uint64_t new_id,
                       imc_decision_t *decision);

//  The decider of imc_decide_alert.c (ALERT)
void
    imc_decide_alert (const im_command_t *command, const im_fields_t *incident,
                      uint64_t new_id, const im_policy_t *policy,
                      imc_decision_t *decision);

//  Copies into the payload of incident.pending (pending true) each
//  running SLA clock's deadline (sla_<clock>_due_ms), or into that of
//  incident.resumed each paused clock's working time left
//  (sla_<clock>_remaining_ms), and the clocks' sla_calendar: what the
//  SLA timer needs to pause or resume them, whatever it remembers
void
    imc_decide_sla_hold (const im_fields_t *incident, im_fields_t *payload,
                         bool pending);

//  Adds to payload (an incident.acknowledged or incident.resolved) what
//  the SLA timer needs to measure the clocks the event stops, in working
//  time: for the response clock (and, when resolution, the resolution
//  clock) while it runs, is paused, or breached without a stop, its
//  sla_<clock>_due_ms, sla_<clock>_target_ms, sla_<clock>_remaining_ms
//  (paused) and the sla_calendar. Keys a merged payload brought along
//  (a parent's, for a child) are removed first.
void
    imc_decide_sla_ending (const im_fields_t *incident, im_fields_t *payload,
                           bool resolution);

//  The decider of imc_decide_sla.c (SLA_START, SLA_STOP, SLA_BREACH,
//  SLA_PAUSE, SLA_RESUME); SLA_START plans escalations under policy
void
    imc_decide_sla (const im_command_t *command, const im_fields_t *incident,
                    const im_policy_t *policy, imc_decision_t *decision);

//  Adds to payload, the sla.started of command, the first step of the
//  incident's escalation policy (escalation, escalate_due_ms,
//  escalate_level, escalate_round) unless it was acknowledged, and its
//  ack_timeout_ms (imc_decide_sla_escalate.c)
void
    imc_decide_sla_plan (const im_command_t *command,
                         const im_fields_t *incident,
                         const im_policy_t *policy, im_fields_t *payload);

//  The name of the calendar of incident's major-incident update cadence
//  under policy (im_policy_calendar_for); borrowed
const char *
    imc_decide_update_calendar (const im_fields_t *incident,
                                const im_policy_t *policy);

//  SLA-ESCALATE and SLA-ACK-TIMEOUT (imc_decide_sla_escalate.c)
imc_decide_fn imc_decide_sla_escalate;
imc_decide_fn imc_decide_sla_ack_timeout;

//  The deciders of imc_decide_desk.c; the command's arguments were
//  checked against its rules, and the lifecycle allows it
void
    imc_decide_assign (const im_command_t *command, const im_fields_t *incident,
                       const im_policy_t *policy, imc_decision_t *decision);
void
    imc_decide_escalate (const im_command_t *command,
                         const im_fields_t *incident,
                         const im_policy_t *policy, imc_decision_t *decision);
void
    imc_decide_classify (const im_command_t *command,
                         const im_fields_t *incident, imc_decision_t *decision);
void
    imc_decide_convert (const im_command_t *command,
                        const im_fields_t *incident,
                        imc_decision_t *decision);
void
    imc_decide_prioritize (const im_command_t *command,
                           const im_fields_t *incident,
                           const im_policy_t *policy,
                           imc_decision_t *decision);

//  The deciders of imc_decide_link.c
void
    imc_decide_link (const im_command_t *command, const im_fields_t *incident,
                     imc_decide_lookup_fn *lookup, void *arg,
                     imc_decision_t *decision);
void
    imc_decide_unlink (const im_command_t *command,
                       const im_fields_t *incident,
                       imc_decide_lookup_fn *lookup, void *arg,
                       imc_decision_t *decision);

//  The deciders of imc_decide_major.c
void
    imc_decide_major (const im_command_t *command, const im_fields_t *incident,
                      const im_policy_t *policy, imc_decision_t *decision);
void
    imc_decide_review (const im_command_t *command,
                       const im_fields_t *incident, imc_decision_t *decision);

//  After a parent's incident.resolved (the decision's first event):
//  the same resolution for each of its children still open
void
    imc_decide_resolve_children (const im_command_t *command,
                                 const im_fields_t *incident,
                                 imc_decide_lookup_fn *lookup, void *arg,
                                 imc_decision_t *decision);

#endif
