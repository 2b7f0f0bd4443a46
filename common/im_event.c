/*  im_event - one immutable fact in the log

    Events are written once by the state machine and read back many
    times: by replays that rebuild projections, by workers, by imqctl
    timeline. Their encoding is therefore part of the on-disk layout
    (docs/protocol.md section 6.2), and decode treats every byte as
    hostile, because a log can be damaged and a worker socket can carry
    anything. The type goes on the wire as its name, not its enum value,
    so reordering the table below can never change the meaning of an
    event already stored.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "im_error.h"
#include "im_util.h"
#include "im_msgpack.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_msgpack_put.h"

#define S_ELEMENTS 9                //  Elements in the encoded array

static const char *s_type_names [] = {
    NULL,
#define IM_EVENT_NAME(e, name) name,
    IM_EVENT_TABLE (IM_EVENT_NAME)
#undef IM_EVENT_NAME
};

im_event_t *
im_event_new (void)
{
    im_event_t *self = (im_event_t *) calloc (1, sizeof (im_event_t));
    if (!self)
        return NULL;
    self->payload = im_fields_new ();
    if (!self->payload)
        im_event_destroy (&self);
    return self;
}

void
im_event_destroy (im_event_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_event_t *self = *self_p;
        im_fields_destroy (&self->payload);
        free (self);
        *self_p = NULL;
    }
}

const char *
im_event_type_name (im_event_type_t type)
{
    if (type <= IM_EV_NONE || type >= IM_EV_MAX)
        return NULL;
    return s_type_names [type];
}

im_event_type_t
im_event_type_from_name (const char *name)
{
    assert (name);
    for (int type = IM_EV_NONE + 1; type < IM_EV_MAX; type++)
        if (streq (name, s_type_names [type]))
            return (im_event_type_t) type;
    return IM_EV_NONE;
}

int
im_event_encoded_size (const im_event_t *self, size_t *size)
{
    assert (self && size && self->payload);
    const char *type = im_event_type_name (self->type);
    size_t actor = im_msgpack_text_length (self->actor, sizeof self->actor);
    size_t request_id = im_msgpack_text_length (self->request_id,
                                       sizeof self->request_id);
    if (!type || actor == sizeof self->actor
    ||  request_id == sizeof self->request_id)
        return IM_EINVAL;
    size_t type_size = strlen (type);
    *size = im_msgpack_container_size (S_ELEMENTS)
          + im_msgpack_uint_size (IM_EVENT_VERSION)
          + im_msgpack_uint_size (self->seq)
          + im_msgpack_uint_size (self->ts_ms)
          + im_msgpack_uint_size (self->incident)
          + im_msgpack_str_head_size (type_size) + type_size
          + im_msgpack_str_head_size (actor) + actor
          + im_msgpack_str_head_size (request_id) + request_id
          + im_msgpack_uint_size (self->causation)
          + im_fields_packed_size (self->payload);
    return 0;
}

unsigned char *
im_event_put (const im_event_t *self, unsigned char *out)
{
    assert (self && out && self->payload);
    //  im_event_encoded_size checked these
    const char *type = im_event_type_name (self->type);
    out = im_msgpack_put_array (out, S_ELEMENTS);
    out = im_msgpack_put_uint (out, IM_EVENT_VERSION);
    out = im_msgpack_put_uint (out, self->seq);
    out = im_msgpack_put_uint (out, self->ts_ms);
    out = im_msgpack_put_uint (out, self->incident);
    out = im_msgpack_put_str (out, type, strlen (type));
    out = im_msgpack_put_str (out, self->actor, strlen (self->actor));
    out = im_msgpack_put_str (out, self->request_id,
                              strlen (self->request_id));
    out = im_msgpack_put_uint (out, self->causation);
    return im_fields_put (self->payload, out);
}

//  Writes the encoding into a new buffer of exactly its size, so that
//  the event goes to its packer or its caller in one piece
static int
s_encode (const im_event_t *self, unsigned char **data, size_t *size)
{
    size_t length;
    int rc = im_event_encoded_size (self, &length);
    if (rc)
        return rc;
    unsigned char *buffer = (unsigned char *) malloc (length);
    if (!buffer)
        return IM_ENOMEM;
    unsigned char *out = im_event_put (self, buffer);
    assert ((size_t) (out - buffer) == length);
    (void) out;
    *data = buffer;
    *size = length;
    return 0;
}

int
im_event_pack (const im_event_t *self, msgpack_packer *pk)
{
    assert (self && pk && self->payload);
    unsigned char *data;
    size_t size;
    int rc = s_encode (self, &data, &size);
    if (rc)
        return rc;
    rc = pk->callback (pk->data, (const char *) data, size)? IM_ENOMEM: 0;
    free (data);
    return rc;
}

int
im_event_encode (const im_event_t *self, char **data, size_t *size)
{
    assert (self && data && size && self->payload);
    return s_encode (self, (unsigned char **) data, size);
}

//  Fills self from a decoded object; on failure self holds a partial
//  copy which the caller clears
static int
s_unpack (im_event_t *self, const msgpack_object *root,
          char *errbuf, size_t errlen)
{
    if (root->type != MSGPACK_OBJECT_ARRAY
    ||  root->via.array.size != S_ELEMENTS) {
        im_errbuf_set (errbuf, errlen, "event is not an array of %d elements",
                       S_ELEMENTS);
        return IM_EPROTO;
    }
    const msgpack_object *element = root->via.array.ptr;
    uint64_t version = 0;
    char type [32];
    if (!im_msgpack_get_uint (&element [0], 0, "version", &version, errbuf,
                              errlen))
        return IM_EPROTO;
    if (version != IM_EVENT_VERSION) {
        im_errbuf_set (errbuf, errlen, "element 0 (version): %" PRIu64
                       ", expected %d", version, IM_EVENT_VERSION);
        return IM_EPROTO;
    }
    if (!im_msgpack_get_uint (&element [1], 1, "seq", &self->seq, errbuf,
                              errlen)
    ||  !im_msgpack_get_uint (&element [2], 2, "ts_ms", &self->ts_ms, errbuf,
                              errlen)
    ||  !im_msgpack_get_uint (&element [3], 3, "incident", &self->incident,
                              errbuf, errlen)
    ||  !im_msgpack_get_str (&element [4], 4, "type", type, sizeof type,
                             errbuf, errlen)
    ||  !im_msgpack_get_str (&element [5], 5, "actor", self->actor,
                             sizeof self->actor, errbuf, errlen)
    ||  !im_msgpack_get_str (&element [6], 6, "request_id", self->request_id,
                             sizeof self->request_id, errbuf, errlen)
    ||  !im_msgpack_get_uint (&element [7], 7, "causation", &self->causation,
                              errbuf, errlen))
        return IM_EPROTO;
    self->type = im_event_type_from_name (type);
    if (self->type == IM_EV_NONE) {
        im_errbuf_set (errbuf, errlen,
                       "element 4 (type): unknown event type '%s'",
                       type);
        return IM_EPROTO;
    }
    char reason [192] = "";
    if (im_fields_unpack (self->payload, &element [8], reason, sizeof reason)) {
        im_errbuf_set (errbuf, errlen, "element 8 (payload): %s", reason);
        return IM_EPROTO;
    }
    return 0;
}

//  Reads a msgpack unsigned integer at *offset; returns false when the
//  bytes there are not one
static bool
s_peek_uint (const unsigned char *bytes, size_t size, size_t *offset,
             uint64_t *value)
{
    if (*offset >= size)
        return false;
    unsigned char tag = bytes [(*offset)++];
    size_t width;
    if (tag <= 0x7f) {              //  positive fixint
        *value = tag;
        return true;
    }
    switch (tag) {
        case 0xcc: width = 1; break;
        case 0xcd: width = 2; break;
        case 0xce: width = 4; break;
        case 0xcf: width = 8; break;
        default:   return false;
    }
    if (size - *offset < width)
        return false;
    *value = 0;
    for (size_t index = 0; index < width; index++)
        *value = (*value << 8) | bytes [(*offset)++];
    return true;
}

int
im_event_peek_incident (const void *data, size_t size, uint64_t *incident)
{
    assert (data || size == 0);
    assert (incident);
    const unsigned char *bytes = (const unsigned char *) data;
    //  [version, seq, ts_ms, incident, ...]: a fixarray of 9, three uints
    size_t offset = 1;
    uint64_t skipped;
    if (size < 1 || bytes [0] != 0x99
    ||  !s_peek_uint (bytes, size, &offset, &skipped)
    ||  !s_peek_uint (bytes, size, &offset, &skipped)
    ||  !s_peek_uint (bytes, size, &offset, &skipped)
    ||  !s_peek_uint (bytes, size, &offset, incident))
        return IM_EPROTO;
    return 0;
}

int
im_event_decode (im_event_t *self, const void *data, size_t size,
                 char *errbuf, size_t errlen)
{
    assert (self && self->payload);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = im_msgpack_unpack_one (&unpacked, data, size, errbuf, errlen);
    if (rc == 0)
        rc = s_unpack (self, &unpacked.data, errbuf, errlen);
    msgpack_unpacked_destroy (&unpacked);
    if (rc) {
        //  Never leave half an event behind
        im_fields_t *payload = self->payload;
        memset (self, 0, sizeof *self);
        self->payload = payload;
        im_fields_clear (payload);
        if (rc != IM_ENOMEM)
            rc = IM_EPROTO;
    }
    return rc;
}

json_t *
im_event_to_json (const im_event_t *self)
{
    assert (self && self->payload);
    const char *type = im_event_type_name (self->type);
    char stamp [32];
    im_format_time (self->ts_ms, stamp, sizeof stamp);
    json_t *object = json_object ();
    json_t *payload = im_fields_to_json (self->payload);
    if (!object || !payload
    ||  json_object_set_new (object, IM_KEY_SEQ,
                             json_integer ((json_int_t) self->seq))
    ||  json_object_set_new (object, IM_KEY_TS_MS,
                             json_integer ((json_int_t) self->ts_ms))
    ||  json_object_set_new (object, "time", json_string (stamp))
    ||  json_object_set_new (object, IM_KEY_INCIDENT,
                             json_integer ((json_int_t) self->incident))
    ||  json_object_set_new (object, IM_KEY_TYPE,
                             type? json_string (type): json_null ())
    ||  json_object_set_new (object, IM_KEY_ACTOR, json_string (self->actor))
    ||  json_object_set_new (object, "request_id",
                             json_string (self->request_id))
    ||  json_object_set_new (object, IM_KEY_CAUSATION,
                             json_integer ((json_int_t) self->causation))) {
        json_decref (object);
        json_decref (payload);
        return NULL;
    }
    if (json_object_set_new (object, "payload", payload)) {
        json_decref (object);
        return NULL;
    }
    return object;
}
