/*  im_proto_one - the one frame of IMQ02, cut into parts and made

    IMQ02 (docs/protocol.md section 3.9) is IMQ01 with its head frames
    in one: CURVE seals and opens every frame on its own, at a fixed
    cost each, so a request of four frames and its reply of four cost
    eight seals and eight opens on each side where IMQ02 costs two. The
    frame is cut into the parts IMQ01 has as frames, and every check
    after that is IMQ01's (im_proto.c, im_proto_reply.c): only the
    lengths are read here, and a length that runs past the end of the
    frame is the one fault of its own this form has.
*/
#include "im_classes.h"
#include "im_proto_private.h"

bool
im_proto_is_one_frame (zframe_t *frame)
{
    size_t length = strlen (IM_PROTO_ONE_FRAME_SIG);
    return zframe_size (frame) >= length
        && memcmp (zframe_data (frame), IM_PROTO_ONE_FRAME_SIG, length) == 0;
}

im_proto_part_t
im_proto_part (zframe_t *frame)
{
    return (im_proto_part_t) { (const char *) zframe_data (frame),
                               zframe_size (frame) };
}

//  Takes a part of length octets from the frame at *at, or, when length
//  is -1, as many as the octet at *at says; false when the frame ends
//  first
static bool
s_take (const char *data, size_t size, size_t *at, int length,
        im_proto_part_t *part)
{
    if (length < 0) {
        if (*at == size)
            return false;
        length = (uint8_t) data [(*at)++];
    }
    if ((size_t) length > size - *at)
        return false;
    *part = (im_proto_part_t) { data + *at, (size_t) length };
    *at += (size_t) length;
    return true;
}

int
im_proto_unpack (const void *data, size_t size, bool reply,
                 im_proto_part_t part [4], char *errbuf, size_t errlen)
{
    const char *bytes = (const char *) data;
    size_t at = strlen (IM_PROTO_ONE_FRAME_SIG);
    assert (size >= at && memcmp (bytes, IM_PROTO_ONE_FRAME_SIG, at) == 0);
    part [0] = (im_proto_part_t) { bytes, at };
    //  A status is three octets; a verb and a request id say their length
    //  in the octet before them
    const char *cut = NULL;
    if (!s_take (bytes, size, &at, reply ? 3 : -1, &part [1]))
        cut = reply ? "status" : "verb";
    else
    if (!s_take (bytes, size, &at, -1, &part [2]))
        cut = "request id";
    if (cut) {
        im_errbuf_set (errbuf, errlen, "%s: the frame (%zu bytes) ends "
                       "inside the %s", IM_PROTO_ONE_FRAME_SIG, size, cut);
        return IM_EPROTO;
    }
    part [3] = (im_proto_part_t) { bytes + at, size - at };
    return 0;
}

size_t
im_proto_packed_size (const im_proto_part_t part [4], bool reply)
{
    if (part [1].size > (reply ? 3 : 255) || part [2].size > 255
    ||  part [3].size > IM_PROTO_FRAME_MAX)
        return 0;
    return strlen (IM_PROTO_ONE_FRAME_SIG) + (reply ? 0 : 1) + part [1].size
         + 1 + part [2].size + part [3].size;
}

void
im_proto_pack_into (char *out, const im_proto_part_t part [4], bool reply)
{
    size_t sig = strlen (IM_PROTO_ONE_FRAME_SIG);
    memcpy (out, IM_PROTO_ONE_FRAME_SIG, sig);
    out += sig;
    if (!reply)
        *out++ = (char) part [1].size;
    memcpy (out, part [1].data, part [1].size);
    out += part [1].size;
    *out++ = (char) part [2].size;
    memcpy (out, part [2].data, part [2].size);
    out += part [2].size;
    if (part [3].size)
        memcpy (out, part [3].data, part [3].size);
}

int
im_proto_send_one (void *socket, const im_proto_part_t part [4], bool reply)
{
    size_t size = im_proto_packed_size (part, reply);
    zmq_msg_t msg;
    if (!size || zmq_msg_init_size (&msg, size))
        return -1;
    im_proto_pack_into ((char *) zmq_msg_data (&msg), part, reply);
    if (zmq_msg_send (&msg, zsock_resolve (socket), 0) == -1) {
        zmq_msg_close (&msg);
        return -1;
    }
    return 0;
}
