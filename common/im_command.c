/*  im_command - a request to change the log, as the state machine sees it

    Commands are what Raft replicates, so their bytes are the on-disk
    layout of the Raft log (docs/protocol.md section 6.3). The leader
    packs each command once when it arrives and concatenates the packed
    commands of one batch into one entry (im_entry_encode_packed), so a
    batch costs one allocation, from raft_malloc when raft will own it.
    The entry frame (magic, length, padding to 8) lets a replica tell an
    imq entry from a damaged or foreign one before any msgpack is read;
    the verb travels as its name so that the table can grow freely.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "im_error.h"
#include "im_util.h"
#include "im_msgpack.h"
#include "im_fields.h"
#include "im_command.h"

#define S_ELEMENTS      8           //  Elements in an encoded command
#define S_STAMPED       9           //  With the actor's roles
#define S_ENTRY_HEADER  8           //  Magic and payload length

static const char *s_type_names [] = {
    NULL,
#define IM_COMMAND_NAME(e, name) name,
    IM_COMMAND_TABLE (IM_COMMAND_NAME)
#undef IM_COMMAND_NAME
};

im_command_t *
im_command_new (void)
{
    im_command_t *self = (im_command_t *) calloc (1, sizeof (im_command_t));
    if (!self)
        return NULL;
    self->args = im_fields_new ();
    if (!self->args)
        im_command_destroy (&self);
    return self;
}

void
im_command_destroy (im_command_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_command_t *self = *self_p;
        im_fields_destroy (&self->args);
        free (self);
        *self_p = NULL;
    }
}

const char *
im_command_type_name (im_command_type_t type)
{
    if (type <= IM_CMD_NONE || type >= IM_CMD_MAX)
        return NULL;
    return s_type_names [type];
}

im_command_type_t
im_command_type_from_name (const char *name)
{
    assert (name);
    for (int type = IM_CMD_NONE + 1; type < IM_CMD_MAX; type++)
        if (streq (name, s_type_names [type]))
            return (im_command_type_t) type;
    return IM_CMD_NONE;
}

int
im_command_pack (const im_command_t *self, msgpack_packer *pk)
{
    assert (self && pk && self->args);
    const char *verb = im_command_type_name (self->type);
    size_t actor = im_msgpack_text_length (self->actor, sizeof self->actor);
    size_t request_id = im_msgpack_text_length (self->request_id,
                                       sizeof self->request_id);
    size_t roles = im_msgpack_text_length (self->roles, sizeof self->roles);
    if (!verb || actor == sizeof self->actor
    ||  request_id == sizeof self->request_id
    ||  (self->has_roles && roles == sizeof self->roles))
        return IM_EINVAL;
    if (msgpack_pack_array (pk, self->has_roles ? S_STAMPED : S_ELEMENTS)
    ||  msgpack_pack_uint64 (pk, IM_COMMAND_VERSION)
    ||  msgpack_pack_str_with_body (pk, verb, strlen (verb))
    ||  msgpack_pack_uint64 (pk, self->ts_ms)
    ||  msgpack_pack_uint64 (pk, self->incident)
    ||  msgpack_pack_str_with_body (pk, self->actor, actor)
    ||  msgpack_pack_str_with_body (pk, self->request_id, request_id)
    ||  msgpack_pack_uint64 (pk, self->causation))
        return IM_ENOMEM;
    int rc = im_fields_pack (self->args, pk);
    if (rc == 0 && self->has_roles
    &&  msgpack_pack_str_with_body (pk, self->roles, roles))
        rc = IM_ENOMEM;
    return rc;
}

//  Checks and copies elements 0..6 of a command (all but its args)
static int
s_unpack_head (im_command_t *self, const msgpack_object *element,
               char *errbuf, size_t errlen)
{
    uint64_t version = 0;
    char verb [32];
    if (!im_msgpack_get_uint (&element [0], 0, "version", &version, errbuf,
                              errlen))
        return IM_EPROTO;
    if (version != IM_COMMAND_VERSION) {
        im_errbuf_set (errbuf, errlen, "element 0 (version): %" PRIu64
                       ", expected %d", version, IM_COMMAND_VERSION);
        return IM_EPROTO;
    }
    if (!im_msgpack_get_str (&element [1], 1, "verb", verb, sizeof verb,
                             errbuf, errlen)
    ||  !im_msgpack_get_uint (&element [2], 2, "ts_ms", &self->ts_ms, errbuf,
                              errlen)
    ||  !im_msgpack_get_uint (&element [3], 3, "incident", &self->incident,
                              errbuf, errlen)
    ||  !im_msgpack_get_str (&element [4], 4, "actor", self->actor,
                             sizeof self->actor, errbuf, errlen)
    ||  !im_msgpack_get_str (&element [5], 5, "request_id", self->request_id,
                             sizeof self->request_id, errbuf, errlen)
    ||  !im_msgpack_get_uint (&element [6], 6, "causation", &self->causation,
                              errbuf, errlen))
        return IM_EPROTO;
    self->type = im_command_type_from_name (verb);
    if (self->type == IM_CMD_NONE) {
        im_errbuf_set (errbuf, errlen, "element 1 (verb): unknown verb '%s'",
                       verb);
        return IM_EPROTO;
    }
    return 0;
}

//  The roles of a command (element 8), or none when roles is NULL
static int
s_unpack_roles (im_command_t *self, const msgpack_object *roles,
                char *errbuf, size_t errlen)
{
    self->has_roles = roles != NULL;
    self->roles [0] = 0;
    if (roles && !im_msgpack_get_str (roles, 8, "roles", self->roles,
                                      sizeof self->roles, errbuf, errlen))
        return IM_EPROTO;
    return 0;
}

static int
s_not_a_command (char *errbuf, size_t errlen)
{
    im_errbuf_set (errbuf, errlen, "command is not an array of %d or %d "
                   "elements", S_ELEMENTS, S_STAMPED);
    return IM_EPROTO;
}

static int
s_unpack (im_command_t *self, const msgpack_object *root,
          char *errbuf, size_t errlen)
{
    if (root->type != MSGPACK_OBJECT_ARRAY
    ||  (root->via.array.size != S_ELEMENTS
         && root->via.array.size != S_STAMPED))
        return s_not_a_command (errbuf, errlen);
    const msgpack_object *element = root->via.array.ptr;
    int rc = s_unpack_head (self, element, errbuf, errlen);
    char reason [192] = "";
    if (rc == 0
    &&  im_fields_unpack (self->args, &element [7], reason, sizeof reason)) {
        im_errbuf_set (errbuf, errlen, "element 7 (args): %s", reason);
        rc = IM_EPROTO;
    }
    if (rc == 0)
        rc = s_unpack_roles (self, root->via.array.size == S_STAMPED
                                   ? &element [8] : NULL, errbuf, errlen);
    return rc;
}

//  The same as s_unpack, read in place from checked bytes at *offset
static int
s_read (im_command_t *self, const void *data, size_t size, size_t *offset,
        char *errbuf, size_t errlen)
{
    msgpack_object root;
    if (!im_msgpack_read (data, size, offset, &root)
    ||  root.type != MSGPACK_OBJECT_ARRAY
    ||  (root.via.array.size != S_ELEMENTS
         && root.via.array.size != S_STAMPED))
        return s_not_a_command (errbuf, errlen);
    //  The head holds no container: reading stops at one, which the
    //  checks then name, rather than read on into what it holds
    msgpack_object element [S_ELEMENTS - 1];
    memset (element, 0, sizeof element);
    for (size_t index = 0; index < S_ELEMENTS - 1; index++) {
        if (!im_msgpack_read (data, size, offset, &element [index]))
            return s_not_a_command (errbuf, errlen);
        if (element [index].type == MSGPACK_OBJECT_ARRAY
        ||  element [index].type == MSGPACK_OBJECT_MAP)
            break;
    }
    int rc = s_unpack_head (self, element, errbuf, errlen);
    char reason [192] = "";
    if (rc == 0
    &&  im_fields_read (self->args, data, size, offset, reason,
                        sizeof reason)) {
        im_errbuf_set (errbuf, errlen, "element 7 (args): %s", reason);
        rc = IM_EPROTO;
    }
    msgpack_object roles;
    if (rc == 0 && root.via.array.size == S_STAMPED
    &&  !im_msgpack_read (data, size, offset, &roles))
        return s_not_a_command (errbuf, errlen);
    if (rc == 0)
        rc = s_unpack_roles (self, root.via.array.size == S_STAMPED
                                   ? &roles : NULL, errbuf, errlen);
    return rc;
}

int
im_command_unpack (im_command_t *self, const msgpack_object *object,
                   char *errbuf, size_t errlen)
{
    assert (self && self->args && object);
    int rc = s_unpack (self, object, errbuf, errlen);
    if (rc) {
        //  Never leave half a command behind
        im_fields_t *args = self->args;
        memset (self, 0, sizeof *self);
        self->args = args;
        im_fields_clear (args);
    }
    return rc;
}

//  Writes value as 4 octets big-endian at out
static void
s_put_u32 (uint8_t *out, uint32_t value)
{
    out [0] = (uint8_t) (value >> 24);
    out [1] = (uint8_t) (value >> 16);
    out [2] = (uint8_t) (value >> 8);
    out [3] = (uint8_t) value;
}

static uint32_t
s_get_u32 (const uint8_t *in)
{
    return (uint32_t) in [0] << 24 | (uint32_t) in [1] << 16
         | (uint32_t) in [2] << 8 | (uint32_t) in [3];
}

int
im_entry_encode_packed (const void *packed, size_t packed_size,
                        size_t count, void *(*alloc_fn) (size_t),
                        void **data, size_t *size)
{
    assert (packed || packed_size == 0);
    assert (alloc_fn && data && size);
    //  The msgpack array header: fixarray, or array16 (count <= 8192)
    uint8_t header [5];
    size_t header_size;
    if (count > IM_ENTRY_COMMANDS_MAX)
        return IM_ETOOBIG;
    if (count < 16) {
        header [0] = (uint8_t) (0x90 | count);
        header_size = 1;
    }
    else {
        header [0] = 0xdc;
        header [1] = (uint8_t) (count >> 8);
        header [2] = (uint8_t) count;
        header_size = 3;
    }
    if (packed_size > UINT32_MAX - header_size - 8)
        return IM_ETOOBIG;
    size_t payload = header_size + packed_size;
    size_t total = (S_ENTRY_HEADER + payload + 7) & ~(size_t) 7;
    uint8_t *buffer = (uint8_t *) alloc_fn (total);
    if (!buffer)
        return IM_ENOMEM;
    s_put_u32 (buffer, IM_ENTRY_MAGIC);
    s_put_u32 (buffer + 4, (uint32_t) payload);
    memcpy (buffer + S_ENTRY_HEADER, header, header_size);
    if (packed_size)
        memcpy (buffer + S_ENTRY_HEADER + header_size, packed, packed_size);
    memset (buffer + S_ENTRY_HEADER + payload, 0,
            total - S_ENTRY_HEADER - payload);
    *data = buffer;
    *size = total;
    return 0;
}

int
im_entry_encode (im_command_t **commands, size_t count,
                 void *(*alloc_fn) (size_t), void **data, size_t *size)
{
    assert (commands || count == 0);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    int rc = count > IM_ENTRY_COMMANDS_MAX? IM_ETOOBIG: 0;
    for (size_t index = 0; index < count && rc == 0; index++)
        rc = im_command_pack (commands [index], &packer);
    if (rc == 0)
        rc = im_entry_encode_packed (buffer.data, buffer.size, count,
                                     alloc_fn, data, size);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  Checks the entry frame; returns the payload length or -1
static int64_t
s_check_frame (const uint8_t *bytes, size_t size, char *errbuf, size_t errlen)
{
    if (size < S_ENTRY_HEADER) {
        im_errbuf_set (errbuf, errlen, "entry of %zu bytes,"
                       " shorter than its header",
                       size);
        return -1;
    }
    uint32_t magic = s_get_u32 (bytes);
    uint32_t length = s_get_u32 (bytes + 4);
    if (magic != IM_ENTRY_MAGIC) {
        im_errbuf_set (errbuf, errlen, "bad magic 0x%08" PRIx32, magic);
        return -1;
    }
    if (length > size - S_ENTRY_HEADER) {
        im_errbuf_set (errbuf, errlen, "payload of %" PRIu32 " bytes,"
                       " only %zu follow",
                       length, size - S_ENTRY_HEADER);
        return -1;
    }
    size_t padded = (S_ENTRY_HEADER + (size_t) length + 7) & ~(size_t) 7;
    if (size != padded) {
        im_errbuf_set (errbuf, errlen, "entry of %zu bytes, expected %zu", size,
                       padded);
        return -1;
    }
    for (size_t at = S_ENTRY_HEADER + length; at < size; at++)
        if (bytes [at]) {
            im_errbuf_set (errbuf, errlen, "non-zero padding at offset %zu",
                           at);
            return -1;
        }
    return length;
}

int
im_entry_decode (const void *data, size_t size,
                 im_command_t ***commands, size_t *count,
                 char *errbuf, size_t errlen)
{
    assert (data || size == 0);
    assert (commands && count);
    *commands = NULL;
    *count = 0;
    const uint8_t *bytes = (const uint8_t *) data;
    int64_t length = s_check_frame (bytes, size, errbuf, errlen);
    if (length < 0)
        return IM_EPROTO;

    //  Checked whole first, then read in place, command by command
    const uint8_t *payload = bytes + S_ENTRY_HEADER;
    char reason [192] = "";
    im_command_t **list = NULL;
    size_t total = 0;
    size_t offset = 0;
    msgpack_object root;
    int rc = im_msgpack_check (payload, (size_t) length, reason,
                               sizeof reason);
    if (rc) {
        im_errbuf_set (errbuf, errlen, "payload: %s", reason);
        goto cleanup;
    }
    rc = IM_EPROTO;
    if (!im_msgpack_read (payload, (size_t) length, &offset, &root)
    ||  root.type != MSGPACK_OBJECT_ARRAY) {
        im_errbuf_set (errbuf, errlen, "payload is not an array of commands");
        goto cleanup;
    }
    total = root.via.array.size;
    if (total > IM_ENTRY_COMMANDS_MAX) {
        im_errbuf_set (errbuf, errlen, "%zu commands, more than %d", total,
                       IM_ENTRY_COMMANDS_MAX);
        goto cleanup;
    }
    if (total > 0) {
        list = (im_command_t **) calloc (total, sizeof (im_command_t *));
        if (!list) {
            rc = IM_ENOMEM;
            goto cleanup;
        }
    }
    for (size_t index = 0; index < total; index++) {
        list [index] = im_command_new ();
        if (!list [index]) {
            rc = IM_ENOMEM;
            goto cleanup;
        }
        if (s_read (list [index], payload, (size_t) length, &offset,
                    reason, sizeof reason)) {
            im_errbuf_set (errbuf, errlen, "command %zu: %s", index, reason);
            goto cleanup;
        }
    }
    *commands = list;
    *count = total;
    list = NULL;
    rc = 0;
cleanup:
    im_entry_free (&list, total);          //  Unfilled slots are NULL
    return rc;
}

void
im_entry_free (im_command_t ***commands, size_t count)
{
    assert (commands);
    if (*commands) {
        for (size_t index = 0; index < count; index++)
            im_command_destroy (&(*commands) [index]);
        free (*commands);
        *commands = NULL;
    }
}
