/*  imw_sla - the SLA timer role: starts, stops and breaches SLA clocks

    Each classified incident runs two clocks, response (until it is
    acknowledged) and resolution (until it is resolved), with targets
    per priority from the policy. The broker records clocks as
    events; this role decides when they start and stop and watches the
    deadlines:

        incident.classified    SLA-START {priority, type, calendar,
                               response_due_ms, resolution_due_ms}
                               ("sla-start"), arms both
        sla.started            arms both from the payload, so restarts and
                               other instances converge on the log
        incident.acknowledged  SLA-STOP response ("sla-stop-response"),
                               with business_ms when the event carries
                               the clock's facts (imw_sla_business.c)
        incident.resolved      SLA-STOP resolution ("sla-stop-resolution")
                               and SLA-STOP response unless this instance
                               knows the response clock already ended
                               and the event names no response clock
                               to stop (a breached one is stopped too);
                               arms the close clock at close_due_ms
        sla.stopped/breached   disarms that clock
        incident.closed        disarms every clock
        incident.cancelled     disarms every clock
        incident.reopened      disarms the close clock
        major.declared/updated/update_due/update_scheduled
                               arms the update clock at update_due_ms,
                               or first moves it into the cadence's
                               calendar with MAJOR schedule
                               (imw_sla_update.c)
        sla.started/escalated, progress
                               the escalate and ack-timeout clocks
                               (imw_sla_escalate.c)
        incident.pending       for a reason in sla.pause_on: SLA-PAUSE
                               {clock, at_ms, remaining_ms} per running
                               clock ("sla-pause-<clock>")
        incident.resumed       SLA-RESUME {clock, at_ms, due_ms} per
                               paused clock ("sla-resume-<clock>"), due
                               the working time left after the resume
        sla.paused             disarms that clock (a paused clock never
                               breaches)
        sla.resumed            arms it at the new due_ms, and its next
                               warning
        sla.warning            arms the clock's next warning, if any

    Each clock's warnings (sla.warn_at of its target, in its calendar)
    are computed with its deadlines and sent as SLA-WARN {clock,
    fraction, due_ms} when due, request id
    "sla:warn:<incident>:warn-<clock>:<due_ms>:<fraction>"
    (imw_sla_warn.c).

    Due times are the target's working time after the event's time in
    the calendar the policy names for the priority (or for requests),
    24x7 by default: the leader's stamp, so every instance computes the
    same deadlines and request ids. SLA-START records the calendar's
    name and the deadlines, so a replay never needs the calendar. The timer
    sends SLA-BREACH {clock, due_ms} with request id
    "sla:breach:<incident>:<clock>:<due_ms>" IMW_SLA_GRACE_MS after a
    clock's deadline (for the close clock: CLOSE {due_ms} with request
    id "sla:close:<incident>:close:<due_ms>"; for the update clock:
    MAJOR {action: remind, due_ms}, "sla:remind:<incident>:update:<due>"),
    and forgets the clock once the broker answered; a 409 means the
    clock was stopped meanwhile, a normal outcome. The
    grace is there because the broker judges "due" by the leader's clock
    and keeps its answer under the request id: a breach sent early by a
    host whose clock runs ahead would be refused for good. At start the
    running clocks are loaded with the SLA-CLOCKS query, a page of
    IM_PROTO_ITEMS_MAX at a time (the cursor after_due_ms, after_incident,
    after_clock names the last clock of the page before).
    Consumer group "sla", program imq-sla-timer.
*/
#ifndef IMW_SLA_H_INCLUDED
#define IMW_SLA_H_INCLUDED

#include <stdint.h>
#include "im_client.h"
#include "im_policy.h"
#include "im_event.h"
#include "imw_output.h"
#include "imw_role.h"
#include "imw_calendars.h"
#include "imw_timers.h"

#define IMW_SLA_GRACE_MS    1000        //  Wait past a deadline, for skew
#define IMW_SLA_RESPONSE    "response"
#define IMW_SLA_RESOLUTION  "resolution"
#define IMW_SLA_CLOSE       "close"
#define IMW_SLA_UPDATE      "update"
#define IMW_SLA_WARN_RESPONSE   "warn-response"
#define IMW_SLA_WARN_RESOLUTION "warn-resolution"
#define IMW_SLA_ESCALATE    "escalate"
#define IMW_SLA_ACK_TIMEOUT "ack-timeout"

typedef struct _imw_sla_t imw_sla_t;

//  The role table of imq-sla-timer
const imw_role_t *
    imw_sla_role (void);

//  Creates the role's state with no clock armed; policy is borrowed
imw_sla_t *
    imw_sla_new (const im_policy_t *policy);

void
    imw_sla_destroy (imw_sla_t **self_p);

//  Handles one event as in the table above. Returns 0, IM_EINVAL for a
//  payload without a usable priority or due time, or IM_ENOMEM.
int
    imw_sla_handle (imw_sla_t *self, const im_event_t *event,
                    imw_output_t *out);

//  The policy's calendars the timer computes in, borrowed
imw_calendars_t *
    imw_sla_calendars (imw_sla_t *self);

//  The policy in force, borrowed
const im_policy_t *
    imw_sla_policy (imw_sla_t *self);

//  Arms clock as a warning clock: at due_ms, SLA-WARN at fraction
//  (percent of its target) instead of a breach
int
    imw_sla_arm_warning (imw_sla_t *self, uint64_t incident,
                         const char *clock, uint64_t due_ms, int priority,
                         int fraction);

//  Warnings (imw_sla_warn.c). Formats into text ("50:<ms>,75:<ms>",
//  im_warnings.h) the instants of count warnings at percents of
//  target_ms for a clock that has left_ms of working time left at
//  start_ms (the clock's start, left_ms = target_ms, or its resume):
//  each is due when the working time left is (100 - percent) % of the
//  target, in calendar; one already past is due at start_ms. Returns 0
//  or IM_EINVAL.
int
    imw_sla_warnings (imw_sla_t *self, const char *calendar,
                      uint64_t start_ms, uint64_t target_ms,
                      uint64_t left_ms, const int *percents, size_t count,
                      char *text, size_t size);

//  Arms the warning clock of clock (response, resolution) at the
//  earliest warning of the list warnings, or disarms it when there is
//  none (warnings NULL or empty). Returns 0 or IM_ENOMEM.
int
    imw_sla_arm_next (imw_sla_t *self, uint64_t incident, const char *clock,
                      const char *warnings);

//  The SLA clock a warning clock warns for ("warn-response" gives
//  "response"), static
const char *
    imw_sla_warned_clock (const char *warning_clock);

//  Measures (imw_sla_business.c) the working time clock ran until the
//  event that stops it (incident.acknowledged, incident.resolved), from
//  the deadline, target and time left the event carries, in its
//  calendar, pauses excluded. Returns 0 with *business_ms set,
//  IM_ENOTFOUND when the event carries no running clock's facts, or
//  IM_EINVAL when the calendar is unknown.
int
    imw_sla_business (imw_sla_t *self, const im_event_t *event,
                      const char *clock, uint64_t *business_ms);

//  Pauses and resumes clocks (imw_sla_hold.c): incident.pending,
//  incident.resumed, sla.paused, sla.resumed as in the table above.
//  Returns 0, IM_EINVAL or IM_ENOMEM.
int
    imw_sla_hold (imw_sla_t *self, const im_event_t *event,
                  imw_output_t *out);

//  Escalations (imw_sla_escalate.c). True when clock is "escalate" or
//  "ack-timeout", the clocks imw_sla_escalate_fire sends
bool
    imw_sla_escalate_owns (const char *clock);

//  Arms and disarms the escalate and ack-timeout clocks for event, as
//  imw_sla_escalate.c's table says. Returns 0 or IM_ENOMEM.
int
    imw_sla_escalate_handle (imw_sla_t *self, const im_event_t *event);

//  Appends SLA-ESCALATE or SLA-ACK-TIMEOUT {due_ms} for clock of
//  incident, due at due_ms. Returns 0 or IM_ENOMEM.
int
    imw_sla_escalate_fire (uint64_t incident, const char *clock,
                           uint64_t due_ms, imw_output_t *out);

//  A major incident's update cadence (imw_sla_update.c): sets *due_p to
//  the due time to arm the update clock at for event (major.declared,
//  .updated, .update_due, .update_scheduled), or to 0 after appending
//  MAJOR schedule to move it into the cadence's calendar. Returns 0,
//  IM_EINVAL (no update_due_ms) or IM_ENOMEM.
int
    imw_sla_update_due (imw_sla_t *self, const im_event_t *event,
                        imw_output_t *out, uint64_t *due_p);

//  Appends SLA-BREACH for every armed clock not sent yet whose deadline
//  plus IMW_SLA_GRACE_MS is at or before now_ms, earliest first and at
//  most a few thousand a call (imw_sla_next then says the rest are due).
//  Returns 0 or IM_ENOMEM.
int
    imw_sla_tick (imw_sla_t *self, uint64_t now_ms, imw_output_t *out);

//  When the tick has work next, wall-clock ms: the earliest deadline of
//  a clock not sent yet plus IMW_SLA_GRACE_MS, or the next sweep once
//  started; UINT64_MAX for none. The worker sleeps until then.
uint64_t
    imw_sla_next (imw_sla_t *self);

//  Appends the command a due clock sends (imw_sla_fire.c): CLOSE for
//  close, MAJOR remind for update, SLA-WARN for a warning, else
//  SLA-BREACH, with the request ids above. timer is borrowed. Returns 0
//  or IM_ENOMEM.
int
    imw_sla_fire (const imw_timer_t *timer, imw_output_t *out);

//  Forgets the clock a breach request id was sent for, once answered
//  definitively (any status below 500)
void
    imw_sla_answered (imw_sla_t *self, const char *request_id, int status);

//  Arms clock ("response", "resolution", "close" or "update") of
//  incident to fire at due_ms. Re-arming with the same due time keeps
//  the clock's state.
//  Returns 0, IM_EINVAL for an unknown clock or zero due time, IM_ENOMEM.
int
    imw_sla_arm (imw_sla_t *self, uint64_t incident, const char *clock,
                 uint64_t due_ms, int priority);

//  Disarms clock of incident, if armed
void
    imw_sla_disarm (imw_sla_t *self, uint64_t incident, const char *clock);

//  Arms every clock of an SLA-CLOCKS reply (imw_sla_restore.c): items (im_fields_t *, each
//  {incident, clock, due_ms, priority}) is borrowed. Returns how many
//  were armed; malformed items are logged and skipped.
size_t
    imw_sla_restore (imw_sla_t *self, zlist_t *items);

//  Loads the running clocks from the broker (imw_sla_load), and keeps
//  query for the sweeps. Returns 0, or
//  IM_ETIMEOUT / IM_EBUSY when it should be tried again.
int
    imw_sla_start (imw_sla_t *self, im_client_t *query);

//  Arms the running clocks of SLA-CLOCKS, page after page until one is
//  short (imw_sla_load.c); query is borrowed. Returns 0 (also when the
//  broker refused: asking again would not help), or IM_ETIMEOUT /
//  IM_EBUSY when it should be tried again.
int
    imw_sla_load (imw_sla_t *self, im_client_t *query);

//  Returns the due time of an armed clock, 0 when it is not armed
uint64_t
    imw_sla_due (imw_sla_t *self, uint64_t incident, const char *clock);

//  Number of armed clocks
size_t
    imw_sla_armed (imw_sla_t *self);

#endif
