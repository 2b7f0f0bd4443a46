/*  im_proto_worker - messages of the worker dialog (IMQW01)

    Workers and the broker trust each other no more than clients: a
    worker socket can be reached by anything that can connect. So every
    frame is checked here, against docs/protocol.md section 4, before the
    broker's lease table or a worker's handler sees a value: group and
    instance names are printable, credit is a bounded decimal, seqs are
    exactly eight octets. DELIVER's event stays a raw frame; the worker
    decodes it with im_event_decode, so a bad event costs one ACK, not
    the connection.
*/
#include "im_classes.h"
#include "im_proto_private.h"

#define S_FRAMES_MAX 5              //  READY has the most frames

//  X(type, verb, frames the message has)
#define S_VERB_TABLE(X)                                                    \
    X (IM_WMSG_READY,      "READY",      5)                                \
    X (IM_WMSG_DELIVER,    "DELIVER",    4)                                \
    X (IM_WMSG_ACK,        "ACK",        3)                                \
    X (IM_WMSG_PING,       "PING",       2)                                \
    X (IM_WMSG_PONG,       "PONG",       2)                                \
    X (IM_WMSG_DISCONNECT, "DISCONNECT", 2)                                \
    X (IM_WMSG_REDIRECT,   "REDIRECT",   3)                                \
    X (IM_WMSG_ERROR,      "ERROR",      4)

typedef struct {
    im_wmsg_type_t type;            //  Message type
    const char *verb;               //  Its verb frame
    size_t frames;                  //  Frames it must have
} s_verb_t;

static const s_verb_t s_verbs [] = {
#define S_VERB_ENTRY(type, verb, frames) { type, verb, frames },
    S_VERB_TABLE (S_VERB_ENTRY)
#undef S_VERB_ENTRY
};

#define S_VERBS (sizeof s_verbs / sizeof s_verbs [0])

im_wmsg_t *
im_wmsg_new (void)
{
    return (im_wmsg_t *) calloc (1, sizeof (im_wmsg_t));
}

void
im_wmsg_destroy (im_wmsg_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_wmsg_t *self = *self_p;
        zframe_destroy (&self->event);
        free (self);
        *self_p = NULL;
    }
}

//  True for 1 to 63 printable, non-space ASCII characters (VCHAR)
static bool
s_name_valid (const void *data, size_t size)
{
    const unsigned char *bytes = (const unsigned char *) data;
    if (size == 0 || size >= IM_PROTO_GROUP_MAX)
        return false;
    for (size_t index = 0; index < size; index++)
        if (bytes [index] < 0x21 || bytes [index] > 0x7e)
            return false;
    return true;
}

//  Starts a message with the signature and verb of type
static zmsg_t *
s_start (im_wmsg_type_t type)
{
    for (size_t index = 0; index < S_VERBS; index++)
        if (s_verbs [index].type == type) {
            zmsg_t *msg = zmsg_new ();
            if (msg
            && (zmsg_addstr (msg, IM_PROTO_WORKER_SIG)
            ||  zmsg_addstr (msg, s_verbs [index].verb)))
                zmsg_destroy (&msg);
            return msg;
        }
    return NULL;
}

//  Appends seq as 8 octets network order
static int
s_add_seq (zmsg_t *msg, uint64_t seq)
{
    uint8_t bytes [8];
    im_put_u64 (bytes, seq);
    return zmsg_addmem (msg, bytes, sizeof bytes);
}

zmsg_t *
im_wmsg_encode_ready (const char *group, const char *instance,
                      uint32_t credit)
{
    assert (group && instance);
    if (!s_name_valid (group, strlen (group))
    ||  !s_name_valid (instance, strlen (instance))
    ||  credit < 1 || credit > IM_PROTO_CREDIT_MAX)
        return NULL;
    zmsg_t *msg = s_start (IM_WMSG_READY);
    if (msg
    && (zmsg_addstr (msg, group)
    ||  zmsg_addstr (msg, instance)
    ||  zmsg_addstrf (msg, "%" PRIu32, credit)))
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
im_wmsg_encode_deliver (uint64_t seq, const void *event, size_t size)
{
    assert (event || size == 0);
    if (size > IM_PROTO_FRAME_MAX)
        return NULL;
    zmsg_t *msg = s_start (IM_WMSG_DELIVER);
    if (msg && (s_add_seq (msg, seq) || zmsg_addmem (msg, event, size)))
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
im_wmsg_encode_ack (uint64_t seq)
{
    zmsg_t *msg = s_start (IM_WMSG_ACK);
    if (msg && s_add_seq (msg, seq))
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
im_wmsg_encode_simple (im_wmsg_type_t type)
{
    if (type != IM_WMSG_PING && type != IM_WMSG_PONG
    &&  type != IM_WMSG_DISCONNECT)
        return NULL;
    return s_start (type);
}

zmsg_t *
im_wmsg_encode_redirect (const char *endpoint)
{
    assert (endpoint);
    size_t size = strlen (endpoint);
    if (size == 0 || size >= IM_PROTO_ENDPOINT_MAX)
        return NULL;
    zmsg_t *msg = s_start (IM_WMSG_REDIRECT);
    if (msg && zmsg_addstr (msg, endpoint))
        zmsg_destroy (&msg);
    return msg;
}

zmsg_t *
im_wmsg_encode_error (int status, const char *reason)
{
    assert (reason);
    char text [IM_PROTO_REASON_MAX];
    im_strlcpy (text, reason, sizeof text);
    im_utf8_trim (text);
    if (status < 100 || status > 599 || !*text
    ||  !im_msgpack_utf8_valid (text, strlen (text)))
        return NULL;
    zmsg_t *msg = s_start (IM_WMSG_ERROR);
    if (msg
    && (zmsg_addstrf (msg, "%03d", status) || zmsg_addstr (msg, text)))
        zmsg_destroy (&msg);
    return msg;
}

//  Reads an ERROR's status (three digits, 100..599) and reason (1 to
//  IM_PROTO_REASON_MAX - 1 octets of UTF-8 without NUL)
static int
s_error (im_wmsg_t *self, zframe_t *status, zframe_t *reason,
         char *errbuf, size_t errlen)
{
    const char *digits = (const char *) zframe_data (status);
    if (zframe_size (status) != 3
    ||  digits [0] < '1' || digits [0] > '5'
    ||  !isdigit ((unsigned char) digits [1])
    ||  !isdigit ((unsigned char) digits [2])) {
        im_errbuf_set (errbuf, errlen,
                       "frame 2: status is not 3 digits from 100 to 599");
        return IM_EPROTO;
    }
    size_t size = zframe_size (reason);
    const char *text = (const char *) zframe_data (reason);
    if (size == 0 || size >= sizeof self->reason || memchr (text, 0, size)
    ||  !im_msgpack_utf8_valid (text, size)) {
        im_errbuf_set (errbuf, errlen, "frame 3: reason must be 1 to %d "
                       "octets of UTF-8 text", IM_PROTO_REASON_MAX - 1);
        return IM_EPROTO;
    }
    self->status = (digits [0] - '0') * 100 + (digits [1] - '0') * 10
                 + (digits [2] - '0');
    memcpy (self->reason, text, size);
    self->reason [size] = 0;
    return 0;
}

//  Reads the credit frame: 1 to 5 ASCII digits, 1..IM_PROTO_CREDIT_MAX
static int
s_credit (zframe_t *frame, uint32_t *credit, char *errbuf, size_t errlen)
{
    const char *data = (const char *) zframe_data (frame);
    size_t size = zframe_size (frame);
    uint32_t value = 0;
    bool valid = size >= 1 && size <= 5;
    for (size_t index = 0; valid && index < size; index++) {
        valid = isdigit ((unsigned char) data [index]) != 0;
        if (valid)
            value = value * 10 + (uint32_t) (data [index] - '0');
    }
    if (!valid || value < 1 || value > IM_PROTO_CREDIT_MAX) {
        char quoted [16];
        im_proto_quote (quoted, sizeof quoted, data, size);
        im_errbuf_set (errbuf, errlen,
                       "frame 4: credit '%s' is not a number from 1 to %d",
                       quoted, IM_PROTO_CREDIT_MAX);
        return IM_EPROTO;
    }
    *credit = value;
    return 0;
}

//  Reads a name frame (group, instance) into out
static int
s_name (zframe_t *frame, size_t index, const char *what, char *out,
        char *errbuf, size_t errlen)
{
    size_t size = zframe_size (frame);
    if (!s_name_valid (zframe_data (frame), size)) {
        im_errbuf_set (errbuf, errlen,
                       "frame %zu: %s must be 1 to %d printable characters",
                       index, what, IM_PROTO_GROUP_MAX - 1);
        return IM_EPROTO;
    }
    memcpy (out, zframe_data (frame), size);
    out [size] = 0;
    return 0;
}

//  Decodes the frames of msg into self
static int
s_decode (im_wmsg_t *self, zmsg_t *msg, char *errbuf, size_t errlen)
{
    size_t frames = zmsg_size (msg);
    zframe_t *frame [S_FRAMES_MAX] = { NULL };
    zframe_t *cursor = zmsg_first (msg);
    for (size_t index = 0; cursor; index++, cursor = zmsg_next (msg)) {
        int rc = im_proto_check_size (cursor, index, errbuf, errlen);
        if (rc)
            return rc;
        if (index < S_FRAMES_MAX)
            frame [index] = cursor;
    }
    if (frames == 0) {
        im_errbuf_set (errbuf, errlen, "empty message");
        return IM_EPROTO;
    }
    if (!im_proto_frame_is (frame [0], IM_PROTO_WORKER_SIG)) {
        im_errbuf_set (errbuf, errlen, "frame 0: signature is not %s",
                       IM_PROTO_WORKER_SIG);
        return IM_EPROTO;
    }
    if (frames < 2) {
        im_errbuf_set (errbuf, errlen, "missing verb frame");
        return IM_EPROTO;
    }
    const s_verb_t *verb = NULL;
    for (size_t index = 0; index < S_VERBS && !verb; index++)
        if (im_proto_frame_is (frame [1], s_verbs [index].verb))
            verb = &s_verbs [index];
    if (!verb) {
        char quoted [48];
        im_proto_quote (quoted, sizeof quoted, zframe_data (frame [1]),
                        zframe_size (frame [1]));
        im_errbuf_set (errbuf, errlen, "unknown verb '%s'", quoted);
        return IM_EPROTO;
    }
    if (frames != verb->frames) {
        im_errbuf_set (errbuf, errlen, "%s: %zu frames, expected %zu",
                       verb->verb, frames, verb->frames);
        return IM_EPROTO;
    }
    int rc = 0;
    if (verb->type == IM_WMSG_READY) {
        rc = s_name (frame [2], 2, "group", self->group, errbuf, errlen);
        if (rc == 0)
            rc = s_name (frame [3], 3, "instance", self->instance,
                         errbuf, errlen);
        if (rc == 0)
            rc = s_credit (frame [4], &self->credit, errbuf, errlen);
    }
    else
    if (verb->type == IM_WMSG_DELIVER || verb->type == IM_WMSG_ACK) {
        if (zframe_size (frame [2]) != 8) {
            im_errbuf_set (errbuf, errlen, "frame 2: seq of %zu bytes, "
                           "expected 8", zframe_size (frame [2]));
            return IM_EPROTO;
        }
        self->seq = im_get_u64 (zframe_data (frame [2]));
        if (verb->type == IM_WMSG_DELIVER) {
            zmsg_remove (msg, frame [3]);   //  Now ours
            self->event = frame [3];
        }
    }
    else
    if (verb->type == IM_WMSG_REDIRECT) {
        size_t size = zframe_size (frame [2]);
        const unsigned char *data = zframe_data (frame [2]);
        bool valid = size > 0 && size < sizeof self->endpoint;
        for (size_t index = 0; valid && index < size; index++)
            valid = data [index] >= 0x21 && data [index] <= 0x7e;
        if (!valid) {
            im_errbuf_set (errbuf, errlen, "frame 2: endpoint must be 1 to "
                           "%d printable characters",
                           IM_PROTO_ENDPOINT_MAX - 1);
            return IM_EPROTO;
        }
        memcpy (self->endpoint, data, size);
        self->endpoint [size] = 0;
    }
    else
    if (verb->type == IM_WMSG_ERROR)
        rc = s_error (self, frame [2], frame [3], errbuf, errlen);
    if (rc == 0)
        self->type = verb->type;
    return rc;
}

int
im_wmsg_decode (im_wmsg_t *self, zmsg_t **msg_p,
                char *errbuf, size_t errlen)
{
    assert (self && msg_p && *msg_p);
    zframe_destroy (&self->event);
    memset (self, 0, sizeof *self);
    int rc = s_decode (self, *msg_p, errbuf, errlen);
    zmsg_destroy (msg_p);
    if (rc) {
        zframe_destroy (&self->event);
        memset (self, 0, sizeof *self);
    }
    return rc;
}
