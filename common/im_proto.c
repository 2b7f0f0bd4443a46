/*  im_proto - the ZeroMQ messages between clients and a broker (IMQ01)

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
im_proto_request_id (zframe_t *frame, size_t index, char *out,
                     char *errbuf, size_t errlen)
{
    size_t size = zframe_size (frame);
    const char *data = (const char *) zframe_data (frame);
    if (size > IM_PROTO_REQUEST_ID_MAX) {
        im_errbuf_set (errbuf, errlen,
                       "frame %zu: request id longer than %d bytes",
                       index, IM_PROTO_REQUEST_ID_MAX);
        return IM_EPROTO;
    }
    if (memchr (data, 0, size) || !im_msgpack_utf8_valid (data, size)) {
        im_errbuf_set (errbuf, errlen,
                       "frame %zu: request id is not UTF-8 text without NUL",
                       index);
        return IM_EPROTO;
    }
    memcpy (out, data, size);
    out [size] = 0;
    return 0;
}

int
im_proto_fields (zframe_t *frame, size_t index, const char *what,
                 im_fields_t *fields, char *errbuf, size_t errlen)
{
    size_t size = zframe_size (frame);
    if (size == 0) {
        im_fields_clear (fields);
        return 0;
    }
    char reason [256] = "";
    int rc = im_fields_decode (fields, zframe_data (frame), size,
                               reason, sizeof reason);
    if (rc)
        im_errbuf_set (errbuf, errlen, "frame %zu: %s: %s", index, what,
                       reason);
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

int
im_request_send_packed (void *socket, const char *verb,
                        const char *request_id, const void *body, size_t size)
{
    assert (socket && verb);
    if (!request_id)
        request_id = "";
    size_t verb_size = strlen (verb), id_size = strlen (request_id);
    if (verb_size >= IM_PROTO_VERB_MAX || id_size > IM_PROTO_REQUEST_ID_MAX
    ||  size > IM_PROTO_FRAME_MAX)
        return -1;
    void *handle = zsock_resolve (socket);
    const char *sig = IM_PROTO_CLIENT_SIG;
    if (zmq_send (handle, sig, strlen (sig), ZMQ_SNDMORE) == -1
    ||  zmq_send (handle, verb, verb_size, ZMQ_SNDMORE) == -1
    ||  zmq_send (handle, request_id, id_size, ZMQ_SNDMORE) == -1
    ||  zmq_send (handle, body, size, 0) == -1)
        return -1;
    return 0;
}

//  Checks the frames of a REQUEST in the order that lets the request id
//  be echoed whenever it is readable
static int
s_request_decode (im_request_t *self, zmsg_t *msg, char *errbuf,
                  size_t errlen)
{
    size_t frames = zmsg_size (msg);
    zframe_t *frame [4] = { NULL, NULL, NULL, NULL };
    zframe_t *cursor = zmsg_first (msg);
    for (size_t index = 0; index < 4 && cursor; index++) {
        frame [index] = cursor;
        cursor = zmsg_next (msg);
    }
    if (frames == 0) {
        im_errbuf_set (errbuf, errlen, "empty message");
        return IM_EPROTO;
    }
    if (!im_proto_frame_is (frame [0], IM_PROTO_CLIENT_SIG)) {
        im_errbuf_set (errbuf, errlen, "frame 0: signature is not %s",
                       IM_PROTO_CLIENT_SIG);
        return IM_EPROTO;
    }
    if (frames >= 3
    &&  im_proto_request_id (frame [2], 2, self->request_id, NULL, 0))
        self->request_id [0] = 0;
    for (size_t index = 0; index < 4 && frame [index]; index++) {
        int rc = im_proto_check_size (frame [index], index, errbuf, errlen);
        if (rc)
            return rc;
    }
    if (frames < 2) {
        im_errbuf_set (errbuf, errlen, "missing verb frame");
        return IM_EPROTO;
    }
    if (frames < 3) {
        im_errbuf_set (errbuf, errlen, "missing request id frame");
        return IM_EPROTO;
    }
    int rc = im_proto_request_id (frame [2], 2, self->request_id,
                                  errbuf, errlen);
    if (rc)
        return rc;
    size_t verb_size = zframe_size (frame [1]);
    if (verb_size == 0) {
        im_errbuf_set (errbuf, errlen, "frame 1: empty verb");
        return IM_EPROTO;
    }
    bool known = false;
    if (verb_size < sizeof self->verb
    &&  !memchr (zframe_data (frame [1]), 0, verb_size)) {
        memcpy (self->verb, zframe_data (frame [1]), verb_size);
        self->verb [verb_size] = 0;
        im_command_type_t command = im_command_type_from_name (self->verb);
        //  OFFSET is internal: only the broker itself commits offsets
        known = (command != IM_CMD_NONE && command != IM_CMD_OFFSET)
             || im_query_type_from_name (self->verb) != IM_QUERY_NONE;
    }
    if (!known) {
        char quoted [48];
        im_proto_quote (quoted, sizeof quoted, zframe_data (frame [1]),
                        verb_size);
        im_errbuf_set (errbuf, errlen, "unknown verb '%s'", quoted);
        self->verb [0] = 0;
        return IM_EUNKNOWN;
    }
    if (frames < 4) {
        im_errbuf_set (errbuf, errlen, "missing body frame");
        return IM_EPROTO;
    }
    if (frames > 4) {
        im_errbuf_set (errbuf, errlen,
                       "frame 4: unexpected frame after the body");
        return IM_EPROTO;
    }
    return im_proto_fields (frame [3], 3, "body", self->body, errbuf, errlen);
}

int
im_request_decode (im_request_t *self, zmsg_t **msg_p,
                   char *errbuf, size_t errlen)
{
    assert (self && self->body && msg_p && *msg_p);
    self->verb [0] = 0;
    self->request_id [0] = 0;
    im_fields_clear (self->body);
    int rc = s_request_decode (self, *msg_p, errbuf, errlen);
    zmsg_destroy (msg_p);
    return rc;
}
