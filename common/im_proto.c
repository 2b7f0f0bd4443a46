/*  im_proto - the ZeroMQ messages between clients and a broker (IMQ01,
    and IMQ02, the same in one frame: im_proto_one.c)

    This is the one place where client frames become values: whatever
    im_request_decode returns has been checked against docs/protocol.md
    section 3, and whatever it refuses is refused with a reason that
    names the frame and what was wrong with it, because that reason goes
    back verbatim in the 400 reply and is all a client author has to go
    on. The request id is read before anything that can fail late, so
    even a refusal can echo it. Encoders refuse to build what decoders
    would refuse, so a bug shows at the sender. The worker dialog is in
    im_proto_worker.c.
*/
#include "im_classes.h"
#include "im_proto_private.h"

static const char *s_query_names [] = {
    NULL,
#define IM_QUERY_NAME(e, name) name,
    IM_QUERY_TABLE (IM_QUERY_NAME)
#undef IM_QUERY_NAME
};

im_query_type_t
im_query_type_from_name (const char *name)
{
    assert (name);
    for (int type = IM_QUERY_NONE + 1; type < IM_QUERY_MAX; type++)
        if (streq (name, s_query_names [type]))
            return (im_query_type_t) type;
    return IM_QUERY_NONE;
}

const char *
im_query_type_name (im_query_type_t type)
{
    if (type <= IM_QUERY_NONE || type >= IM_QUERY_MAX)
        return NULL;
    return s_query_names [type];
}

void
im_proto_quote (char *out, size_t size, const void *data, size_t length)
{
    assert (out && size >= 4);
    const unsigned char *bytes = (const unsigned char *) data;
    size_t used = 0;
    for (size_t index = 0; index < length; index++) {
        if (used + 1 >= size) {
            memcpy (out + size - 4, "...", 4);
            return;
        }
        out [used++] = bytes [index] >= 0x20 && bytes [index] < 0x7f
                     ? (char) bytes [index]: '?';
    }
    out [used] = 0;
}

bool
im_proto_frame_is (zframe_t *frame, const char *text)
{
    size_t length = strlen (text);
    return zframe_size (frame) == length
        && memcmp (zframe_data (frame), text, length) == 0;
}

int
im_proto_check_size (zframe_t *frame, size_t index,
                     char *errbuf, size_t errlen)
{
    if (zframe_size (frame) <= IM_PROTO_FRAME_MAX)
        return 0;
    im_errbuf_set (errbuf, errlen, "frame %zu: %zu bytes, more than %d",
                   index, zframe_size (frame), IM_PROTO_FRAME_MAX);
    return IM_ETOOBIG;
}

int
im_proto_request_id (im_proto_part_t part, const char *where, char *out,
                     char *errbuf, size_t errlen)
{
    if (part.size > IM_PROTO_REQUEST_ID_MAX) {
        im_errbuf_set (errbuf, errlen,
                       "%s: request id longer than %d bytes",
                       where, IM_PROTO_REQUEST_ID_MAX);
        return IM_EPROTO;
    }
    if (memchr (part.data, 0, part.size)
    ||  !im_msgpack_utf8_valid (part.data, part.size)) {
        im_errbuf_set (errbuf, errlen,
                       "%s: request id is not UTF-8 text without NUL",
                       where);
        return IM_EPROTO;
    }
    memcpy (out, part.data, part.size);
    out [part.size] = 0;
    return 0;
}

int
im_proto_fields (im_proto_part_t part, const char *where, const char *what,
                 im_fields_t *fields, char *errbuf, size_t errlen)
{
    if (part.size == 0) {
        im_fields_clear (fields);
        return 0;
    }
    char reason [256] = "";
    int rc = im_fields_decode (fields, part.data, part.size,
                               reason, sizeof reason);
    if (rc)
        im_errbuf_set (errbuf, errlen, "%s: %s: %s", where, what, reason);
    return rc;
}

int
im_proto_add_fields (zmsg_t *msg, const im_fields_t *fields)
{
    if (!fields) {
        const uint8_t empty_map = 0x80;
        return zmsg_addmem (msg, &empty_map, 1);
    }
    char *data = NULL;
    size_t size = 0;
    if (im_fields_encode (fields, &data, &size))
        return -1;
    int rc = size <= IM_PROTO_FRAME_MAX? zmsg_addmem (msg, data, size): -1;
    free (data);
    return rc;
}

im_request_t *
im_request_new (void)
{
    im_request_t *self = (im_request_t *) calloc (1, sizeof (im_request_t));
    if (!self)
        return NULL;
    self->body = im_fields_new ();
    if (!self->body)
        im_request_destroy (&self);
    return self;
}

void
im_request_destroy (im_request_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_request_t *self = *self_p;
        im_fields_destroy (&self->body);
        free (self);
        *self_p = NULL;
    }
}

zmsg_t *
im_request_encode (const char *verb, const char *request_id,
                   const im_fields_t *body)
{
    assert (verb);
    if (!request_id)
        request_id = "";
    if (strlen (verb) >= IM_PROTO_VERB_MAX
    ||  strlen (request_id) > IM_PROTO_REQUEST_ID_MAX)
        return NULL;
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        return NULL;
    if (zmsg_addstr (msg, IM_PROTO_CLIENT_SIG)
    ||  zmsg_addstr (msg, verb)
    ||  zmsg_addstr (msg, request_id)
    ||  im_proto_add_fields (msg, body))
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
im_request_encode_one (const char *verb, const char *request_id,
                       const im_fields_t *body)
{
    assert (verb);
    if (!request_id)
        request_id = "";
    const uint8_t empty_map = 0x80;
    char *data = NULL;
    size_t size = 1;
    if (body && im_fields_encode (body, &data, &size))
        return NULL;
    im_proto_part_t part [4] = {
        { IM_PROTO_ONE_FRAME_SIG, strlen (IM_PROTO_ONE_FRAME_SIG) },
        { verb, strlen (verb) }, { request_id, strlen (request_id) },
        { data ? data : (const char *) &empty_map, size } };
    size_t packed = part [1].size < IM_PROTO_VERB_MAX
                 && part [2].size <= IM_PROTO_REQUEST_ID_MAX
                  ? im_proto_packed_size (part, false) : 0;
    zframe_t *frame = packed ? zframe_new (NULL, packed) : NULL;
    zmsg_t *msg = frame ? zmsg_new () : NULL;
    if (msg) {
        im_proto_pack_into ((char *) zframe_data (frame), part, false);
        zmsg_append (msg, &frame);
    }
    zframe_destroy (&frame);
    free (data);
    return msg;
}

int
im_request_send_packed (void *socket, const char *verb,
                        const char *request_id, const void *body, size_t size)
{
    assert (socket && verb);
    if (!request_id)
        request_id = "";
    im_proto_part_t part [4] = {
        { IM_PROTO_ONE_FRAME_SIG, strlen (IM_PROTO_ONE_FRAME_SIG) },
        { verb, strlen (verb) }, { request_id, strlen (request_id) },
        { (const char *) body, size } };
    if (part [1].size >= IM_PROTO_VERB_MAX
    ||  part [2].size > IM_PROTO_REQUEST_ID_MAX)
        return -1;
    return im_proto_send_one (socket, part, false);
}

//  Returns IM_ETOOBIG, with the reason, for a part over the frame limit
static int
s_check_size (im_proto_part_t part, const char *where, char *errbuf,
              size_t errlen)
{
    if (part.size <= IM_PROTO_FRAME_MAX)
        return 0;
    im_errbuf_set (errbuf, errlen, "%s: %zu bytes, more than %d",
                   where, part.size, IM_PROTO_FRAME_MAX);
    return IM_ETOOBIG;
}

//  Where each part is, for reasons: IMQ01's frames, or IMQ02's one frame
static const char *s_frame_names [4] = {
    "frame 0", "frame 1", "frame 2", "frame 3" };
static const char *s_one_frame_names [4] = {
    IM_PROTO_ONE_FRAME_SIG, IM_PROTO_ONE_FRAME_SIG, IM_PROTO_ONE_FRAME_SIG,
    IM_PROTO_ONE_FRAME_SIG };

//  Checks the parts of a REQUEST (count of them, up to 4; more is an
//  error named by extra) in the order that lets the request id be
//  echoed whenever it is readable
static int
s_request_parts (im_request_t *self, const im_proto_part_t part [4],
                 size_t count, const char *where [4], const char *extra,
                 char *errbuf, size_t errlen)
{
    if (count >= 3 && im_proto_request_id (part [2], where [2],
                                           self->request_id, NULL, 0))
        self->request_id [0] = 0;
    for (size_t index = 0; index < 4 && index < count; index++) {
        int rc = s_check_size (part [index], where [index], errbuf, errlen);
        if (rc)
            return rc;
    }
    if (count < 2) {
        im_errbuf_set (errbuf, errlen, "missing verb frame");
        return IM_EPROTO;
    }
    if (count < 3) {
        im_errbuf_set (errbuf, errlen, "missing request id frame");
        return IM_EPROTO;
    }
    int rc = im_proto_request_id (part [2], where [2], self->request_id,
                                  errbuf, errlen);
    if (rc)
        return rc;
    size_t verb_size = part [1].size;
    if (verb_size == 0) {
        im_errbuf_set (errbuf, errlen, "%s: empty verb", where [1]);
        return IM_EPROTO;
    }
    bool known = false;
    if (verb_size < sizeof self->verb
    &&  !memchr (part [1].data, 0, verb_size)) {
        memcpy (self->verb, part [1].data, verb_size);
        self->verb [verb_size] = 0;
        im_command_type_t command = im_command_type_from_name (self->verb);
        //  OFFSET is internal: only the broker itself commits offsets
        known = (command != IM_CMD_NONE && command != IM_CMD_OFFSET)
             || im_query_type_from_name (self->verb) != IM_QUERY_NONE;
    }
    if (!known) {
        char quoted [48];
        im_proto_quote (quoted, sizeof quoted, part [1].data, verb_size);
        im_errbuf_set (errbuf, errlen, "unknown verb '%s'", quoted);
        self->verb [0] = 0;
        return IM_EUNKNOWN;
    }
    if (count < 4) {
        im_errbuf_set (errbuf, errlen, "missing body frame");
        return IM_EPROTO;
    }
    if (count > 4) {
        im_errbuf_set (errbuf, errlen, "%s", extra);
        return IM_EPROTO;
    }
    return im_proto_fields (part [3], where [3], "body", self->body, errbuf,
                            errlen);
}

//  Finds the form of a REQUEST by its first frame and checks its parts
static int
s_request_decode (im_request_t *self, zmsg_t *msg, char *errbuf,
                  size_t errlen)
{
    size_t frames = zmsg_size (msg);
    if (frames == 0) {
        im_errbuf_set (errbuf, errlen, "empty message");
        return IM_EPROTO;
    }
    im_proto_part_t part [4];
    zframe_t *frame = zmsg_first (msg);
    if (im_proto_is_one_frame (frame)) {
        self->one_frame = true;
        int rc = im_proto_unpack (zframe_data (frame), zframe_size (frame),
                                  false, part, errbuf, errlen);
        return rc ? rc : s_request_parts (self, part, frames == 1 ? 4 : 5,
                                          s_one_frame_names, "frame 1: "
                                          "unexpected frame after the "
                                          IM_PROTO_ONE_FRAME_SIG " frame",
                                          errbuf, errlen);
    }
    if (!im_proto_frame_is (frame, IM_PROTO_CLIENT_SIG)) {
        im_errbuf_set (errbuf, errlen, "frame 0: signature is not %s "
                       "or %s", IM_PROTO_CLIENT_SIG, IM_PROTO_ONE_FRAME_SIG);
        return IM_EPROTO;
    }
    for (size_t index = 0; index < 4 && frame; index++) {
        part [index] = im_proto_part (frame);
        frame = zmsg_next (msg);
    }
    return s_request_parts (self, part, frames, s_frame_names,
                            "frame 4: unexpected frame after the body",
                            errbuf, errlen);
}

int
im_request_decode (im_request_t *self, zmsg_t **msg_p,
                   char *errbuf, size_t errlen)
{
    assert (self && self->body && msg_p && *msg_p);
    self->verb [0] = 0;
    self->request_id [0] = 0;
    self->one_frame = false;
    im_fields_clear (self->body);
    int rc = s_request_decode (self, *msg_p, errbuf, errlen);
    zmsg_destroy (msg_p);
    return rc;
}
