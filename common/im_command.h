/*  im_command - a request to change the log, as the state machine sees it

    Clients and workers send commands; the leader stamps each with the
    time, the actor and the request id, packs the commands that arrived
    together into one Raft entry, and the state machine decides each
    one against the current projections. Commands are the contents of
    Raft entries, so their encoding is part of the on-disk layout.

    Encoding (docs/protocol.md section 6.3): a msgpack array of 8
        [version=1, type, ts_ms, incident, actor, request_id,
         causation, args]
    where type is the str verb (table below) and args an im_fields map,
    or of 9 with the actor's roles (str), which the leader stamps on the
    command of an authenticated principal (imc_roles.h).

    A Raft entry (docs/storage.md section 3) is
        u32 magic "IMQE" | u32 payload length | payload | zero pad to 8
    where payload is a msgpack array of commands.
*/
#ifndef IM_COMMAND_H_INCLUDED
#define IM_COMMAND_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "im_fields.h"
#include "im_event.h"

#define IM_COMMAND_VERSION  1
#define IM_ENTRY_MAGIC      0x494d5145u     //  "IMQE"
#define IM_ENTRY_COMMANDS_MAX 8192          //  Commands in one entry
#define IM_COMMAND_ROLES_MAX 256            //  Roles, with the NUL

//  X(enum, wire verb, who may send it)
#define IM_COMMAND_TABLE(X)                                                \
    X (IM_CMD_OPEN,       "OPEN")                                          \
    X (IM_CMD_ACK,        "ACK")                                           \
    X (IM_CMD_ASSIGN,     "ASSIGN")                                        \
    X (IM_CMD_COMMENT,    "COMMENT")                                       \
    X (IM_CMD_RESOLVE,    "RESOLVE")                                       \
    X (IM_CMD_CLOSE,      "CLOSE")                                         \
    X (IM_CMD_REOPEN,     "REOPEN")                                        \
    X (IM_CMD_PEND,       "PEND")                                          \
    X (IM_CMD_RESUME,     "RESUME")                                        \
    X (IM_CMD_CANCEL,     "CANCEL")                                        \
    X (IM_CMD_CONFIG,     "CONFIG")                                        \
    X (IM_CMD_CONVERT,    "CONVERT")                                       \
    X (IM_CMD_CATEGORIZE, "CATEGORIZE")                                    \
    X (IM_CMD_PRIORITIZE, "PRIORITIZE")                                    \
    X (IM_CMD_ESCALATE,   "ESCALATE")                                      \
    X (IM_CMD_LINK,       "LINK")                                          \
    X (IM_CMD_UNLINK,     "UNLINK")                                        \
    X (IM_CMD_MAJOR,      "MAJOR")                                         \
    X (IM_CMD_REVIEW,     "REVIEW")                                        \
    X (IM_CMD_CLASSIFY,   "CLASSIFY")                                      \
    X (IM_CMD_SLA_START,  "SLA-START")                                     \
    X (IM_CMD_SLA_STOP,   "SLA-STOP")                                      \
    X (IM_CMD_SLA_BREACH, "SLA-BREACH")                                    \
    X (IM_CMD_NOTIFY,     "NOTIFY")                                        \
    X (IM_CMD_OFFSET,     "OFFSET")                                        \
    X (IM_CMD_ALERT,      "ALERT")                                         \
    X (IM_CMD_MEMBER,     "MEMBER")                                        \
    X (IM_CMD_PRINCIPAL,  "PRINCIPAL")                                     \
    X (IM_CMD_DENY,       "DENY")                                          \
    X (IM_CMD_SLA_PAUSE,  "SLA-PAUSE")                                     \
    X (IM_CMD_SLA_RESUME, "SLA-RESUME")                                    \
    X (IM_CMD_SLA_WARN,   "SLA-WARN")                                      \
    X (IM_CMD_SLA_ESCALATE, "SLA-ESCALATE")                                \
    X (IM_CMD_SLA_ACK_TIMEOUT, "SLA-ACK-TIMEOUT")

#define IM_COMMAND_ENUM(e, name) e,
typedef enum {
    IM_CMD_NONE = 0,
    IM_COMMAND_TABLE (IM_COMMAND_ENUM)
    IM_CMD_MAX
} im_command_type_t;
#undef IM_COMMAND_ENUM

typedef struct {
    im_command_type_t type;             //  What is asked
    uint64_t ts_ms;                     //  Leader's stamp
    uint64_t incident;                  //  Target incident, 0 for OPEN
    char actor [IM_ACTOR_MAX];          //  Who asks
    char request_id [IM_REQUEST_ID_MAX];//  Idempotency key, may be empty
    uint64_t causation;                 //  Seq that made a worker act
    im_fields_t *args;                  //  Arguments, owned
    bool has_roles;                     //  The leader stamped roles
    char roles [IM_COMMAND_ROLES_MAX];  //  The actor's own roles,
                                        //  comma-separated, when stamped
} im_command_t;

im_command_t *
    im_command_new (void);

void
    im_command_destroy (im_command_t **self_p);

//  Returns the wire verb of type ("OPEN"), or NULL
const char *
    im_command_type_name (im_command_type_t type);

//  Returns the type for a wire verb, or IM_CMD_NONE
im_command_type_t
    im_command_type_from_name (const char *name);

//  Appends the command's encoding to pk
int
    im_command_pack (const im_command_t *self, msgpack_packer *pk);

//  Replaces self's content from a decoded msgpack object. Returns 0 or
//  IM_EPROTO with the reason in errbuf.
int
    im_command_unpack (im_command_t *self, const msgpack_object *object,
                       char *errbuf, size_t errlen);

//  Encodes a whole Raft entry holding commands [0, count) into a buffer
//  allocated with alloc_fn (raft_malloc for raft_apply, malloc
//  elsewhere); its size is a multiple of 8. Returns 0 or IM_ENOMEM.
int
    im_entry_encode (im_command_t **commands, size_t count,
                     void *(*alloc_fn) (size_t), void **data, size_t *size);

//  Same, from commands already packed one after another into packed
//  (count of them): the broker packs on arrival and concatenates here.
int
    im_entry_encode_packed (const void *packed, size_t packed_size,
                            size_t count, void *(*alloc_fn) (size_t),
                            void **data, size_t *size);

//  Decodes an entry. On success *commands is a new array of count new
//  commands, all owned by the caller (free with im_entry_free).
int
    im_entry_decode (const void *data, size_t size,
                     im_command_t ***commands, size_t *count,
                     char *errbuf, size_t errlen);

void
    im_entry_free (im_command_t ***commands, size_t count);

#endif
