/*  imw_tracker - the worker's commands in flight, and when to ack

    A worker keeps many delivered events in flight at once, each with
    zero or more commands whose replies come back in any order. The
    tracker holds every unanswered command with its request id and the
    body it was first sent with, tells the worker which ones are due
    for a (re)send, and when the last command of an event gets a
    definitive answer, which seq to ACK. It touches no socket: the
    worker hands it a send function, so a unit test can drive it.

    Request ids: "<group>:<seq>:<action>" for commands caused by a
    delivered event (docs/protocol.md section 3.1); timer commands
    bring their whole request id. A resend always reuses the request id
    and body, so the broker applies a command at most once.

    Answers: a status below 500 other than 421 is definitive (2xx done,
    4xx a refusal that resending cannot change). 421 (not the leader)
    and 5xx mean the command was not applied: it is resent. The commands
    wait in an im_outbox (IM_OUTBOX_KEEP); the tracker adds the events.
*/
#ifndef IMW_TRACKER_H_INCLUDED
#define IMW_TRACKER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"
#include "im_outbox.h"
#include "imw_output.h"

typedef struct _imw_tracker_t imw_tracker_t;

//  Sends one command; body borrowed. Returns 0 or a negative IM_E* code:
//  the command then stays due and the pass ends (im_outbox_send_fn).
typedef im_outbox_send_fn imw_tracker_send_fn;

//  Creates a tracker. group starts request ids, actor goes into every
//  body; resend_ms is how long a command waits for its reply. Returns
//  NULL only when out of memory.
imw_tracker_t *
    imw_tracker_new (const char *group, const char *actor,
                     uint32_t resend_ms);

void
    imw_tracker_destroy (imw_tracker_t **self_p);

//  Takes every command of output, which is left empty. When seq > 0 the
//  commands answer the delivered event seq: each request id is
//  "<group>:<seq>:<key>" and causation is seq. When seq is 0 they come
//  from a timer: the key is the request id, causation 0, and a command
//  whose request id is already pending is dropped as a repeat. Every
//  body gets incident, actor and causation. Returns 0, IM_EEXIST when
//  seq is already in flight (output untouched), IM_EINVAL when output
//  is empty for an event or a request id would not fit, IM_ENOMEM.
int
    imw_tracker_add (imw_tracker_t *self, uint64_t seq,
                     imw_output_t *output);

//  True while seq has unanswered commands
bool
    imw_tracker_has_event (imw_tracker_t *self, uint64_t seq);

//  Calls send_fn for every command due at now_ms (never sent yet, or
//  unanswered for the resend interval, or answered 421 / 5xx), oldest
//  first, and schedules its next resend. Returns how many it sent.
size_t
    imw_tracker_send_due (imw_tracker_t *self, uint64_t now_ms,
                          imw_tracker_send_fn *send_fn, void *arg);

//  Records the reply status for request_id. Returns 0 when the command
//  is finished: *ack_seq is then the event to ACK if this was its last
//  command (else 0), and *timer tells whether it came from a timer.
//  Returns IM_EBUSY when it will be resent, IM_ENOTFOUND when no such
//  command is pending (a late or duplicate reply).
int
    imw_tracker_answer (imw_tracker_t *self, const char *request_id,
                        int status, uint64_t now_ms,
                        uint64_t *ack_seq, bool *timer);

//  Forgets every event and its commands, keeps timer commands: after a
//  reconnect the broker redelivers those events.
void
    imw_tracker_drop_events (imw_tracker_t *self);

//  Events with unanswered commands
size_t
    imw_tracker_events (imw_tracker_t *self);

//  Unanswered commands, events' and timers'
size_t
    imw_tracker_commands (imw_tracker_t *self);

#endif
