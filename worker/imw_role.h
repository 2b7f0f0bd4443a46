/*  imw_role - what a worker role supplies to the worker skeleton

    Each role (classifier, SLA timer, notifier) is a table of functions
    over its own state, in the spirit of raft's struct raft_fsm: the
    skeleton owns the sockets, the stream, heartbeats, resends and acks;
    the role only turns events (and, for timers, the passing of time)
    into commands. No role function sees a socket, except that start and
    a handler may make a synchronous query on the client they are given.
*/
#ifndef IMW_ROLE_H_INCLUDED
#define IMW_ROLE_H_INCLUDED

#include <stdint.h>
#include "im_config.h"
#include "im_policy.h"
#include "im_client.h"
#include "im_event.h"
#include "imw_output.h"

//  Creates the role's state over the node's settings and the policy the
//  role applies, both borrowed and outliving the state (the worker
//  changes the policy in place to follow the replicated one, imw_policy).
//  Returns NULL on failure, with the reason logged.
typedef void *(imw_role_new_fn) (const im_config_t *config,
                                 const im_policy_t *policy);

//  Destroys the state and nulls the caller's pointer
typedef void (imw_role_destroy_fn) (void **state_p);

//  Called once the command client exists, before the stream opens;
//  query is borrowed and may be kept for synchronous queries until the
//  state is destroyed. Returns 0, or a negative IM_E* code to be called
//  again a little later (the stream does not open until it succeeds).
typedef int (imw_role_start_fn) (void *state, im_client_t *query);

//  Handles one delivered event, appending zero or more commands to out.
//  Returns 0; IM_ETIMEOUT, IM_EBUSY or IM_EIO to be called again with
//  the same event later (nothing in out is sent); any other negative
//  code to skip the event (it is logged and acknowledged).
typedef int (imw_role_handle_fn) (void *state, const im_event_t *event,
                                  imw_output_t *out);

//  Called every IMW_TICK_MS, and when next_fn's time comes, with the
//  wall-clock time (the worker's clock source); may append
//  commands whose keys are whole request ids. Returns 0 or IM_E*.
typedef int (imw_role_tick_fn) (void *state, uint64_t now_ms,
                                imw_output_t *out);

//  When the role's timer has work next, as wall-clock ms (the now_ms
//  of tick), or UINT64_MAX for none: the worker sleeps until then, at
//  most IMW_TICK_MS, and ticks as soon as it comes
typedef uint64_t (imw_role_next_fn) (void *state);

//  Tells the role that a command from its timer got a definitive
//  answer (status < 500, not 421)
typedef void (imw_role_answered_fn) (void *state, const char *request_id,
                                     int status);

typedef struct {
    const char *name;                   //  Role, and actor of its commands
    const char *group;                  //  Consumer group it reads
    const char *program;                //  Program name, for logs and usage
    imw_role_new_fn *new_fn;            //  Creates the state
    imw_role_destroy_fn *destroy_fn;    //  Destroys the state
    imw_role_start_fn *start_fn;        //  After connect, or NULL
    imw_role_handle_fn *handle_fn;      //  One delivered event
    imw_role_tick_fn *tick_fn;          //  Timer, or NULL
    imw_role_answered_fn *answered_fn;  //  Timer command done, or NULL
    imw_role_next_fn *next_fn;          //  Timer's next work, or NULL
                                        //  (tick every IMW_TICK_MS)
} imw_role_t;

#endif
