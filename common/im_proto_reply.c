/*  im_proto_reply - REPLY messages of the client dialog (IMQ01, IMQ02)

    A reply is what a client believes about the log, so its decoder is
    as strict as the broker's request decoder: a status of three digits,
    an echoed request id, a body and at most IM_PROTO_ITEMS_MAX items,
    each a fields map, or kept raw for TIMELINE, whose items are EVENTs
    the caller decodes with im_event_decode. The broker builds replies
    with the encoders here, which refuse what a client would refuse.
*/
#include "im_classes.h"
#include "im_proto_private.h"

//  Empties the item lists of a reply
static void
s_clear_items (im_reply_t *self)
{
    if (self->items) {
        im_fields_t *item;
        while ((item = (im_fields_t *) zlist_pop (self->items)))
            im_fields_destroy (&item);
        zlist_destroy (&self->items);
    }
    if (self->raw_items) {
        zframe_t *frame;
        while ((frame = (zframe_t *) zlist_pop (self->raw_items)))
            zframe_destroy (&frame);
        zlist_destroy (&self->raw_items);
    }
}

im_reply_t *
im_reply_new (int status)
{
    im_reply_t *self = (im_reply_t *) calloc (1, sizeof (im_reply_t));
    if (!self)
        return NULL;
    self->status = status;
    self->body = im_fields_new ();
    if (!self->body)
        im_reply_destroy (&self);
    return self;
}

void
im_reply_destroy (im_reply_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_reply_t *self = *self_p;
        s_clear_items (self);
        im_fields_destroy (&self->body);
        free (self);
        *self_p = NULL;
    }
}

zmsg_t *
im_reply_encode (int status, const char *request_id,
                 const im_fields_t *body, zlist_t *items,
                 zlist_t *raw_items)
{
    if (!request_id)
        request_id = "";
    size_t count = (items? zlist_size (items): 0)
                 + (raw_items? zlist_size (raw_items): 0);
    if (status < 100 || status > 599 || count > IM_PROTO_ITEMS_MAX
    ||  strlen (request_id) > IM_PROTO_REQUEST_ID_MAX)
        return NULL;
    char digits [4];
    snprintf (digits, sizeof digits, "%03d", status);
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        return NULL;
    int rc = 0;
    if (zmsg_addstr (msg, IM_PROTO_CLIENT_SIG)
    ||  zmsg_addstr (msg, digits)
    ||  zmsg_addstr (msg, request_id)
    ||  im_proto_add_fields (msg, body))
        rc = -1;
    if (items) {
        const im_fields_t *item = (const im_fields_t *) zlist_first (items);
        for (; item && rc == 0; item = (const im_fields_t *) zlist_next (items))
            rc = im_proto_add_fields (msg, item);
    }
    if (raw_items) {
        zframe_t *frame = (zframe_t *) zlist_first (raw_items);
        for (; frame && rc == 0; frame = (zframe_t *) zlist_next (raw_items))
            rc = zframe_size (frame) <= IM_PROTO_FRAME_MAX
               ? zmsg_addmem (msg, zframe_data (frame), zframe_size (frame))
               : -1;
    }
    if (rc)
        zmsg_destroy (&msg);
    return msg;
}

//  The four parts of a REPLY whose body is already encoded (digits
//  holds the status). Returns false when the reply cannot be made: a
//  status out of range or a part too long.
static bool
s_packed_parts (int status, const char *request_id, const void *body,
                size_t size, char digits [4], im_proto_part_t part [4])
{
    if (!request_id)
        request_id = "";
    size_t id_size = strlen (request_id);
    if (status < 100 || status > 599 || size > IM_PROTO_FRAME_MAX
    ||  id_size > IM_PROTO_REQUEST_ID_MAX)
        return false;
    snprintf (digits, 4, "%03d", status);
    part [0] = (im_proto_part_t) { IM_PROTO_CLIENT_SIG,
                                   strlen (IM_PROTO_CLIENT_SIG) };
    part [1] = (im_proto_part_t) { digits, 3 };
    part [2] = (im_proto_part_t) { request_id, id_size };
    part [3] = (im_proto_part_t) { (const char *) body, size };
    return true;
}

zmsg_t *
im_reply_encode_packed (int status, const char *request_id,
                        const void *body, size_t size)
{
    char digits [4];
    im_proto_part_t part [4];
    if (!s_packed_parts (status, request_id, body, size, digits, part))
        return NULL;
    zmsg_t *msg = zmsg_new ();
    for (size_t index = 0; msg && index < 4; index++)
        if (zmsg_addmem (msg, part [index].data, part [index].size))
            zmsg_destroy (&msg);
    return msg;
}

int
im_reply_send_packed (void *socket, const void *routing, size_t routing_size,
                      bool one_frame, int status, const char *request_id,
                      const void *body, size_t size)
{
    assert (socket);
    char digits [4];
    im_proto_part_t part [4];
    if (!s_packed_parts (status, request_id, body, size, digits, part))
        return -1;
    void *handle = zsock_resolve (socket);
    if (routing && zmq_send (handle, routing, routing_size, ZMQ_SNDMORE) == -1)
        return -1;
    if (one_frame)
        return im_proto_send_one (handle, part, true);
    for (size_t index = 0; index < 4; index++)
        if (zmq_send (handle, part [index].data, part [index].size,
                      index < 3 ? ZMQ_SNDMORE : 0) == -1)
            return -1;
    return 0;
}

int
im_reply_to_one_frame (zmsg_t **msg_p)
{
    assert (msg_p && *msg_p);
    zmsg_t *msg = *msg_p;
    assert (zmsg_size (msg) >= 4);
    im_proto_part_t part [4];
    zframe_t *frame = zmsg_first (msg);
    for (size_t index = 0; index < 4; index++, frame = zmsg_next (msg))
        part [index] = im_proto_part (frame);
    size_t size = im_proto_packed_size (part, true);
    zframe_t *one = size ? zframe_new (NULL, size) : NULL;
    if (!one) {
        zmsg_destroy (msg_p);
        return -1;
    }
    im_proto_pack_into ((char *) zframe_data (one), part, true);
    for (size_t index = 0; index < 4; index++) {
        zframe_t *head = zmsg_pop (msg);
        zframe_destroy (&head);
    }
    if (zmsg_prepend (msg, &one)) {
        zframe_destroy (&one);
        zmsg_destroy (msg_p);
        return -1;
    }
    return 0;
}

//  Reads a status part: three ASCII digits, 100 to 599
static int
s_status (im_proto_part_t part, const char *where, int *status,
          char *errbuf, size_t errlen)
{
    const char *data = part.data;
    if (part.size == 3
    &&  data [0] >= '1' && data [0] <= '5'
    &&  isdigit ((unsigned char) data [1])
    &&  isdigit ((unsigned char) data [2])) {
        *status = (data [0] - '0') * 100 + (data [1] - '0') * 10
                + (data [2] - '0');
        return 0;
    }
    char quoted [16];
    im_proto_quote (quoted, sizeof quoted, data, part.size);
    im_errbuf_set (errbuf, errlen,
                   "%s: status '%s' is not 3 digits from 100 to 599",
                   where, quoted);
    return IM_EPROTO;
}

bool
im_reply_answers (zmsg_t *msg, const char *request_id)
{
    assert (msg && request_id);
    im_proto_part_t part [4];
    zframe_t *frame = zmsg_first (msg);
    if (!frame)
        return false;
    if (im_proto_is_one_frame (frame)) {
        if (im_proto_unpack (zframe_data (frame), zframe_size (frame), true,
                             part, NULL, 0))
            return false;
    }
    else {
        //  IMQ01: the third frame, whatever the others hold
        zmsg_next (msg);
        frame = zmsg_next (msg);
        if (!frame)
            return false;
        part [2] = im_proto_part (frame);
    }
    return part [2].size == strlen (request_id)
        && memcmp (part [2].data, request_id, part [2].size) == 0;
}

int
im_reply_head (const void *data, size_t size, int *status,
               char *request_id, const void **body, size_t *body_size)
{
    assert (data && status && request_id && body && body_size);
    size_t sig = strlen (IM_PROTO_ONE_FRAME_SIG);
    im_proto_part_t part [4];
    if (size < sig || memcmp (data, IM_PROTO_ONE_FRAME_SIG, sig)
    ||  im_proto_unpack (data, size, true, part, NULL, 0)
    ||  s_status (part [1], "", status, NULL, 0)
    ||  im_proto_request_id (part [2], "", request_id, NULL, 0)
    ||  part [3].size > IM_PROTO_FRAME_MAX)
        return IM_EPROTO;
    *body = part [3].data;
    *body_size = part [3].size;
    return 0;
}

zmsg_t *
im_reply_encode_error (int status, const char *request_id, const char *text)
{
    assert (text);
    im_fields_t *body = im_fields_new ();
    if (!body)
        return NULL;
    if (im_fields_set_str (body, IM_KEY_ERROR, text)) {
        //  Too long or not UTF-8: still say something readable
        size_t length = strlen (text);
        if (length > IM_FIELDS_VALUE_MAX)
            length = IM_FIELDS_VALUE_MAX;
        char *safe = (char *) malloc (length + 4);
        if (safe) {
            im_proto_quote (safe, length + 4, text, length);
            im_fields_set_str (body, IM_KEY_ERROR, safe);
            free (safe);
        }
    }
    zmsg_t *msg = im_reply_encode (status, request_id, body, NULL, NULL);
    im_fields_destroy (&body);
    return msg;
}

//  Reads the head of a REPLY into part: its first four frames (IMQ01)
//  or its first frame (IMQ02); heads is set to how many frames that is
static int
s_head (zmsg_t *msg, im_proto_part_t part [4], size_t *heads,
        char *errbuf, size_t errlen)
{
    size_t frames = zmsg_size (msg);
    zframe_t *frame = zmsg_first (msg);
    if (im_proto_is_one_frame (frame)) {
        *heads = 1;
        int rc = im_proto_unpack (zframe_data (frame), zframe_size (frame),
                                  true, part, errbuf, errlen);
        if (rc == 0 && part [3].size > IM_PROTO_FRAME_MAX) {
            im_errbuf_set (errbuf, errlen, "%s: body of %zu bytes, more "
                           "than %d", IM_PROTO_ONE_FRAME_SIG, part [3].size,
                           IM_PROTO_FRAME_MAX);
            rc = IM_ETOOBIG;
        }
        return rc;
    }
    *heads = 4;
    if (!im_proto_frame_is (frame, IM_PROTO_CLIENT_SIG)) {
        im_errbuf_set (errbuf, errlen, "frame 0: signature is not %s or %s",
                       IM_PROTO_CLIENT_SIG, IM_PROTO_ONE_FRAME_SIG);
        return IM_EPROTO;
    }
    const char *missing = frames < 2? "status": frames < 3? "request id"
                        : frames < 4? "body": NULL;
    if (missing) {
        im_errbuf_set (errbuf, errlen, "missing %s frame", missing);
        return IM_EPROTO;
    }
    for (size_t index = 0; index < 4; index++, frame = zmsg_next (msg))
        part [index] = im_proto_part (frame);
    return 0;
}

//  Decodes the frames of a REPLY, popping them from msg
static int
s_decode (im_reply_t *self, zmsg_t *msg, bool raw,
          char *errbuf, size_t errlen)
{
    size_t frames = zmsg_size (msg);
    if (frames == 0) {
        im_errbuf_set (errbuf, errlen, "empty message");
        return IM_EPROTO;
    }
    //  The one frame of IMQ02 holds a body of up to the limit and more
    bool one_frame = im_proto_is_one_frame (zmsg_first (msg));
    zframe_t *frame = zmsg_first (msg);
    for (size_t index = 0; frame; index++, frame = zmsg_next (msg)) {
        int rc = index == 0 && one_frame
               ? 0 : im_proto_check_size (frame, index, errbuf, errlen);
        if (rc)
            return rc;
    }
    im_proto_part_t part [4];
    size_t heads = 0;
    int rc = s_head (msg, part, &heads, errbuf, errlen);
    if (rc)
        return rc;
    if (frames - heads > IM_PROTO_ITEMS_MAX) {
        im_errbuf_set (errbuf, errlen, "%zu items, more than %d",
                       frames - heads, IM_PROTO_ITEMS_MAX);
        return IM_ETOOBIG;
    }
    const char *sig = IM_PROTO_ONE_FRAME_SIG;
    rc = s_status (part [1], one_frame ? sig : "frame 1", &self->status,
                   errbuf, errlen);
    if (rc == 0)
        rc = im_proto_request_id (part [2], one_frame ? sig : "frame 2",
                                  self->request_id, errbuf, errlen);
    if (rc == 0)
        rc = im_proto_fields (part [3], one_frame ? sig : "frame 3", "body",
                              self->body, errbuf, errlen);
    if (rc || frames == heads)
        return rc;

    //  Items: drop the head frames so that what is left is the items
    for (size_t index = 0; index < heads; index++) {
        zframe_t *popped = zmsg_pop (msg);
        zframe_destroy (&popped);
    }
    if (raw)
        self->raw_items = zlist_new ();
    else
        self->items = zlist_new ();
    if (!self->raw_items && !self->items)
        return IM_ENOMEM;
    for (size_t index = heads; index < frames; index++) {
        zframe_t *item = zmsg_pop (msg);
        if (raw) {
            if (zlist_append (self->raw_items, item)) {
                zframe_destroy (&item);
                return IM_ENOMEM;
            }
            continue;
        }
        char where [32];
        snprintf (where, sizeof where, "frame %zu", index);
        im_fields_t *fields = im_fields_new ();
        if (!fields)
            rc = IM_ENOMEM;
        else
            rc = im_proto_fields (im_proto_part (item), where, "item",
                                  fields, errbuf, errlen);
        if (rc == 0 && zlist_append (self->items, fields))
            rc = IM_ENOMEM;
        zframe_destroy (&item);
        if (rc) {
            im_fields_destroy (&fields);
            return rc;
        }
    }
    return 0;
}

int
im_reply_decode (im_reply_t *self, zmsg_t **msg_p, bool raw,
                 char *errbuf, size_t errlen)
{
    assert (self && self->body && msg_p && *msg_p);
    s_clear_items (self);
    self->status = 0;
    self->request_id [0] = 0;
    im_fields_clear (self->body);
    int rc = s_decode (self, *msg_p, raw, errbuf, errlen);
    zmsg_destroy (msg_p);
    if (rc) {
        s_clear_items (self);
        im_fields_clear (self->body);
    }
    return rc;
}

json_t *
im_reply_to_json (const im_reply_t *reply, const char *items_key)
{
    assert (reply);
    json_t *json = reply->body ? im_fields_to_json (reply->body) : NULL;
    if (!json)
        json = json_object ();
    if (!json || !items_key)
        return json;
    json_t *array = json_array ();
    if (!array) {
        json_decref (json);
        return NULL;
    }
    json_object_set_new (json, items_key, array);
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    while (item) {
        if (json_array_append_new (array, im_fields_to_json (item)))
            goto failed;
        item = (const im_fields_t *) zlist_next (reply->items);
    }
    im_event_t *event = reply->raw_items ? im_event_new () : NULL;
    zframe_t *frame = event ? (zframe_t *) zlist_first (reply->raw_items)
                            : NULL;
    while (frame) {
        if (im_event_decode (event, zframe_data (frame), zframe_size (frame),
                             NULL, 0)
        ||  json_array_append_new (array, im_event_to_json (event))) {
            im_event_destroy (&event);
            goto failed;
        }
        frame = (zframe_t *) zlist_next (reply->raw_items);
    }
    im_event_destroy (&event);
    return json;
failed:
    json_decref (json);
    return NULL;
}
