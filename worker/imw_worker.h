/*  imw_worker - the shared skeleton of every worker process

    A worker reads the committed event stream of its consumer group over
    the worker dialog (docs/protocol.md section 4) and sends what its
    role makes of each event back as commands over the client dialog
    (section 3). The skeleton does everything but the role's logic: it
    sends READY with its credit, decodes each DELIVER, calls the role's
    handler, sends the commands with request ids
    "<group>:<seq>:<action>" and the body keys incident, actor (the role
    name) and causation (the seq), resends unanswered ones with the same
    request id, and ACKs an event once every command it caused got a
    definitive answer. Many events are in flight at once, up to the
    credit; each is acked on its own.

    It PINGs every worker_heartbeat_ms and, when the broker has said
    nothing for worker_expiry_ms, reconnects the stream with a new
    socket and forgets the events in flight: the broker redelivers them
    and the repeated commands carry the same request ids.
*/
#ifndef IMW_WORKER_H_INCLUDED
#define IMW_WORKER_H_INCLUDED

#include "imw_role.h"
#include "imw_options.h"
#include "imw_clock.h"

#define IMW_RESEND_MS       1000        //  Wait for a reply this long
#define IMW_TICK_MS         100         //  Role timer period, and longest
                                        //  wait for its next work
#define IMW_QUERY_TIMEOUT_MS 5000       //  Bound on a synchronous query

typedef struct _imw_worker_t imw_worker_t;

//  Creates a worker for role with its state; role, state and options are
//  borrowed and must outlive the worker. policy (borrowed, may be NULL)
//  is the policy the role's state reads: the worker makes it the
//  replicated policy each event was decided under (imw_policy).
//  Connects the command clients (the stream opens in run). Returns NULL
//  with the reason logged when an endpoint is invalid.
imw_worker_t *
    imw_worker_new (const imw_role_t *role, void *state,
                    const imw_options_t *options, im_policy_t *policy);

void
    imw_worker_destroy (imw_worker_t **self_p);

//  Calls the role's start function until it succeeds, then opens the
//  stream and sends READY. Returns 0, IM_EIO when interrupted first,
//  IM_EINVAL for a worker endpoint that does not connect.
int
    imw_worker_open (imw_worker_t *self);

//  One pass of the loop: waits up to timeout_ms (at most IMW_TICK_MS /
//  2, and not past the time the role's next_fn names) for a message on
//  the stream or a reply, handles it, then runs what the clock made due
//  (handler retries, the role's timer, resends, heartbeat, reconnect).
//  Returns 0, or IM_EIO when interrupted (SIGINT, SIGTERM).
int
    imw_worker_step (imw_worker_t *self, int timeout_ms);

//  Makes the role's timer read the time from clock (copied; what its arg
//  points to must outlive the worker) instead of the real wall clock:
//  for tests. Resends and heartbeats keep the real monotonic clock.
void
    imw_worker_set_clock (imw_worker_t *self, imw_clock_t clock);

//  Sends DISCONNECT, so the broker hands our deliveries on at once
void
    imw_worker_close (imw_worker_t *self);

//  open, step until zsys_interrupted, close. Returns 0, or a negative
//  IM_E* code when the stream cannot be opened.
int
    imw_worker_run (imw_worker_t *self);

//  The whole program: parses flags and configuration, creates the role
//  state and the worker, runs it. Returns the process exit status: 0, 1
//  on a runtime failure, 2 on bad flags or configuration.
int
    imw_worker_main (int argc, char *argv [], const imw_role_t *role);

#endif
