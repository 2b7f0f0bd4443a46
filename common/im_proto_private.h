/*  im_proto_private - frame helpers shared by the im_proto sources
    (im_proto.c, im_proto_reply.c, im_proto_worker.c) and nothing else
*/
#ifndef IM_PROTO_PRIVATE_H_INCLUDED
#define IM_PROTO_PRIVATE_H_INCLUDED

#define IM_PROTO_REQUEST_ID_MAX 127     //  Bytes in a request id, no NUL

//  Copies untrusted bytes into out as printable ASCII for a reason:
//  other bytes become '?', and a cut is marked "..."
void
    im_proto_quote (char *out, size_t size, const void *data,
                    size_t length);

//  True when frame holds exactly text
bool
    im_proto_frame_is (zframe_t *frame, const char *text);

//  Returns IM_ETOOBIG, with the reason, for a frame over the limit
int
    im_proto_check_size (zframe_t *frame, size_t index,
                         char *errbuf, size_t errlen);

//  Copies request id frame index into out (IM_PROTO_REQUEST_ID_MAX + 1
//  bytes). Returns 0 or IM_EPROTO with the reason.
int
    im_proto_request_id (zframe_t *frame, size_t index, char *out,
                         char *errbuf, size_t errlen);

//  Decodes a body or item frame into fields, an empty frame as an empty
//  map. Returns 0, IM_EPROTO or IM_ETOOBIG with the reason, prefixed
//  with the frame index and what.
int
    im_proto_fields (zframe_t *frame, size_t index, const char *what,
                     im_fields_t *fields, char *errbuf, size_t errlen);

//  Appends fields (an empty map when NULL) as one frame. Returns 0, or
//  -1 when it does not encode or exceeds IM_PROTO_FRAME_MAX.
int
    im_proto_add_fields (zmsg_t *msg, const im_fields_t *fields);

#endif
