/*  im_event - one immutable fact in the log

    An event is what the state machine decided a command meant: it has
    the global sequence number the log gave it, the time the leader
    stamped on the command, the incident it belongs to, its type, who
    caused it (actor, request id, and for worker output the seq of the
    event that made the worker act), and a payload of fields that says
    what changed. Events are never changed or deleted.

    Encoding (docs/protocol.md section 6.2, docs/storage.md): a msgpack
    array of 9 elements
        [version=1, seq, ts_ms, incident, type, actor, request_id,
         causation, payload]
    with uint seq/ts_ms/incident/causation, type as a str event name
    (table below), actor and request_id as str, payload an im_fields map.
*/
#ifndef IM_EVENT_H_INCLUDED
#define IM_EVENT_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include "im_fields.h"

#define IM_EVENT_VERSION    1
#define IM_ACTOR_MAX        64      //  Bytes in an actor, with the NUL
#define IM_REQUEST_ID_MAX   128     //  Bytes in a request id, with the NUL

//  X(enum, wire name)
#define IM_EVENT_TABLE(X)                                                  \
    X (IM_EV_OPENED,        "incident.opened")                             \
    X (IM_EV_ACKNOWLEDGED,  "incident.acknowledged")                       \
    X (IM_EV_ASSIGNED,      "incident.assigned")                           \
    X (IM_EV_COMMENTED,     "incident.commented")                          \
    X (IM_EV_RESOLVED,      "incident.resolved")                           \
    X (IM_EV_CLOSED,        "incident.closed")                             \
    X (IM_EV_REOPENED,      "incident.reopened")                           \
    X (IM_EV_CLASSIFIED,    "incident.classified")                         \
    X (IM_EV_SLA_STARTED,   "sla.started")                                 \
    X (IM_EV_SLA_STOPPED,   "sla.stopped")                                 \
    X (IM_EV_SLA_BREACHED,  "sla.breached")                                \
    X (IM_EV_NOTIFIED,      "notification.sent")                           \
    X (IM_EV_ALERT_REPEATED,"alert.repeated")                              \
    X (IM_EV_ALERT_CLEARED, "alert.cleared")                               \
    X (IM_EV_PENDING,       "incident.pending")                            \
    X (IM_EV_RESUMED,       "incident.resumed")                            \
    X (IM_EV_CANCELLED,     "incident.cancelled")                          \
    X (IM_EV_LINKED,        "incident.linked")                             \
    X (IM_EV_CONFIGURED,    "config.applied")                              \
    X (IM_EV_CONVERTED,     "incident.converted")                          \
    X (IM_EV_CATEGORIZED,   "incident.categorized")                        \
    X (IM_EV_PRIORITIZED,   "incident.prioritized")                        \
    X (IM_EV_ESCALATED,     "incident.escalated")                          \
    X (IM_EV_MAJOR_PROPOSED,"major.proposed")                              \
    X (IM_EV_MAJOR_DECLARED,"major.declared")                              \
    X (IM_EV_MAJOR_REJECTED,"major.rejected")                              \
    X (IM_EV_MAJOR_UPDATED, "major.updated")                               \
    X (IM_EV_UPDATE_DUE,    "major.update_due")                            \
    X (IM_EV_REVIEWED,      "incident.reviewed")                           \
    X (IM_EV_MEMBER,        "cluster.member")                              \
    X (IM_EV_ALERT_SEEN,    "alert.seen")                                  \
    X (IM_EV_PRINCIPAL,     "principal.changed")                           \
    X (IM_EV_DENIED,        "access.denied")                               \
    X (IM_EV_SLA_PAUSED,    "sla.paused")                                  \
    X (IM_EV_SLA_RESUMED,   "sla.resumed")                                 \
    X (IM_EV_SLA_WARNING,   "sla.warning")                                 \
    X (IM_EV_SLA_ESCALATED, "sla.escalated")                               \
    X (IM_EV_SLA_ACK_TIMEOUT, "sla.ack_timeout")                           \
    X (IM_EV_UPDATE_SCHEDULED, "major.update_scheduled")

#define IM_EVENT_ENUM(e, name) e,
typedef enum {
    IM_EV_NONE = 0,
    IM_EVENT_TABLE (IM_EVENT_ENUM)
    IM_EV_MAX
} im_event_type_t;
#undef IM_EVENT_ENUM

typedef struct {
    uint64_t seq;                       //  Global sequence number, from 1
    uint64_t ts_ms;                     //  Leader's stamp, ms since epoch
    uint64_t incident;                  //  Incident id, from 1
    im_event_type_t type;               //  What happened
    char actor [IM_ACTOR_MAX];          //  Who caused it
    char request_id [IM_REQUEST_ID_MAX];//  Idempotency key of the command
    uint64_t causation;                 //  Seq that made a worker act, or 0
    im_fields_t *payload;               //  What changed, owned
} im_event_t;

//  Creates an event with an empty payload
im_event_t *
    im_event_new (void);

void
    im_event_destroy (im_event_t **self_p);

//  Returns the wire name of type ("incident.opened"), or NULL
const char *
    im_event_type_name (im_event_type_t type);

//  Returns the type for a wire name, or IM_EV_NONE
im_event_type_t
    im_event_type_from_name (const char *name);

//  Encodes to a new buffer, owned by the caller (free ()). Returns 0,
//  IM_EINVAL (an unknown type, an actor or request id without its NUL)
//  or IM_ENOMEM.
int
    im_event_encode (const im_event_t *self, char **data, size_t *size);

//  Stores in *size the bytes the encoding takes. Returns 0 or IM_EINVAL
//  for an event im_event_encode refuses.
int
    im_event_encoded_size (const im_event_t *self, size_t *size);

//  Writes the encoding at out, which has the room im_event_encoded_size
//  gave (that call returned 0), and returns the byte after it
unsigned char *
    im_event_put (const im_event_t *self, unsigned char *out);

//  Appends the encoding to an existing packer
int
    im_event_pack (const im_event_t *self, msgpack_packer *pk);

//  Decodes untrusted bytes into self (replacing its content). Returns 0
//  or IM_EPROTO with the reason in errbuf (may be NULL).
int
    im_event_decode (im_event_t *self, const void *data, size_t size,
                     char *errbuf, size_t errlen);

//  Reads the incident id of an encoded event without decoding the rest
//  (the dispatcher needs only that, for every event it sends). Checks
//  the bytes it reads; the event is not otherwise validated. Returns 0
//  or IM_EPROTO.
int
    im_event_peek_incident (const void *data, size_t size,
                            uint64_t *incident);

//  Returns a JSON object {seq, ts_ms, time (RFC 3339 UTC), incident,
//  type, actor, request_id, causation, payload}; caller owns it
struct json_t *
    im_event_to_json (const im_event_t *self);

#endif
