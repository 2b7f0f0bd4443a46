/*  im_outbox - commands waiting for their answers, and when to resend

    Every process that sends commands to a broker faces the same
    uncertainty: a request without an answer may be lost or only slow,
    and a node may answer that it cannot take it now (421: not the
    leader, 503: busy or no leader yet, 504: the outcome is unknown).
    Commands are idempotent by request id, so the answer is always the
    same: send the same request again, later. The outbox holds each
    unanswered command with its request id and body, tells its owner
    which ones are due, and decides in one place which answers end a
    command and which ask for it again (im_outbox_again).

    Three users: the synchronous call of im_client (one command), the
    worker's tracker (many, acked per event) and the HTTP server's
    batch of alerts (many, the busy ones resent a few at a time). The
    outbox touches no socket: its owner hands it a send function, so a
    unit test drives it with an explicit clock.

    A command is in one of three states: never sent (due at once), sent
    and unanswered (due after resend_ms), or answered "again" (due after
    retry_ms). im_outbox_send_due caps only the last kind, so a broker
    that just said it is busy is not flooded with what it refused.
*/
#ifndef IM_OUTBOX_H_INCLUDED
#define IM_OUTBOX_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"

typedef struct _im_outbox_t im_outbox_t;

//  Sends one command, body borrowed. Returns 0, or non-zero when it could
//  not go out now: the command then stays due, and the pass ends there
//  (the socket takes nothing now) to go on at the next.
typedef int (im_outbox_send_fn) (void *arg, const char *verb,
                                 const char *request_id,
                                 const im_fields_t *body);

//  Every answer other than 2xx-4xx (none, 1xx, any 5xx) asks for the
//  command again, not only 421, 503 and 504: for a worker, which must
//  never drop a command it owes (IM_OUTBOX_KEEP)
#define IM_OUTBOX_KEEP      1

//  Creates an outbox. A sent command unanswered for resend_ms is due
//  again; one answered "again" is due after retry_ms. flags: 0 or
//  IM_OUTBOX_KEEP. Returns NULL only when out of memory.
im_outbox_t *
    im_outbox_new (uint32_t resend_ms, uint32_t retry_ms, int flags);

void
    im_outbox_destroy (im_outbox_t **self_p);

//  True for the answers that leave a command unapplied and ask for the
//  same request again, maybe of another node: 421, 503 and 504
bool
    im_outbox_again (int status);

//  Adds a command, due at once; takes *body_p (NULL after) and a tag the
//  owner gets back with the answer. Returns 0, IM_EEXIST when a command
//  with request_id is pending (*body_p is then left to the caller),
//  IM_EINVAL when verb or request_id is too long, IM_ENOMEM.
int
    im_outbox_add (im_outbox_t *self, const char *verb,
                   const char *request_id, im_fields_t **body_p,
                   uint64_t tag);

//  True when a command with request_id is pending
bool
    im_outbox_has (im_outbox_t *self, const char *request_id);

//  Calls send_fn for every command due at now_ms, oldest first, and
//  schedules its next resend. At most again_max of those answered
//  "again" are sent (0: no limit); the others wait for the next pass.
//  Returns how many went out.
size_t
    im_outbox_send_due (im_outbox_t *self, uint64_t now_ms,
                        size_t again_max, im_outbox_send_fn *send_fn,
                        void *arg);

//  True when some command is due at now_ms
bool
    im_outbox_due (im_outbox_t *self, uint64_t now_ms);

//  The earliest time a command is due, or UINT64_MAX when none is
//  pending
uint64_t
    im_outbox_next_due (im_outbox_t *self);

//  Makes the command request_id due at at_ms (a redirect: send now, or
//  soon once more). Returns 0 or IM_ENOTFOUND.
int
    im_outbox_due_at (im_outbox_t *self, const char *request_id,
                      uint64_t at_ms);

//  Records the answer status to request_id at now_ms. Returns 0 when the
//  answer ends the command (removed; *tag_p is its tag), IM_EBUSY when
//  it asks for it again (due after retry_ms), IM_ENOTFOUND when no such
//  command is pending (a late or second answer).
int
    im_outbox_answer (im_outbox_t *self, const char *request_id,
                      int status, uint64_t now_ms, uint64_t *tag_p);

//  Removes every command whose tag the function accepts
void
    im_outbox_remove_if (im_outbox_t *self,
                         bool (*accept_fn) (uint64_t tag, void *arg),
                         void *arg);

//  Commands pending
size_t
    im_outbox_size (im_outbox_t *self);

//  Pending commands' request ids, oldest first: the first, then the
//  next, NULL after the last. Borrowed; do not change the outbox while
//  walking it.
const char *
    im_outbox_first (im_outbox_t *self);
const char *
    im_outbox_next (im_outbox_t *self);

#endif
