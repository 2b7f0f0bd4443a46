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

//  One part of a client message: a frame of IMQ01, or the same field
//  cut out of the one frame of IMQ02
typedef struct {
    const char *data;               //  Its first octet, borrowed
    size_t size;                    //  How many octets
} im_proto_part_t;

//  The part a frame is
im_proto_part_t
    im_proto_part (zframe_t *frame);

//  Cuts the one frame of an IMQ02 message (data, size octets, beginning
//  with the signature) into the four parts an IMQ01 message has as
//  frames: signature, verb (request) or status (reply), request id,
//  body. Only the lengths are checked here; what each part holds is
//  checked as IMQ01's frames are. Returns 0, or IM_EPROTO with the
//  reason when a length runs past the end of the frame.
int
    im_proto_unpack (const void *data, size_t size, bool reply,
                     im_proto_part_t part [4], char *errbuf, size_t errlen);

//  The length of the one frame of IMQ02 holding parts 1 to 3 (verb or,
//  for a reply, status; request id; body), or 0 when a part is too long
//  for it
size_t
    im_proto_packed_size (const im_proto_part_t part [4], bool reply);

//  Writes that frame into out (im_proto_packed_size octets)
void
    im_proto_pack_into (char *out, const im_proto_part_t part [4],
                        bool reply);

//  Sends that frame as the last of a message on socket (a zsock_t or a
//  libzmq socket). Returns 0, or -1 when a part is too long or the send
//  fails.
int
    im_proto_send_one (void *socket, const im_proto_part_t part [4],
                       bool reply);

//  Copies request id part (where names it in a reason) into out
//  (IM_PROTO_REQUEST_ID_MAX + 1 bytes). Returns 0 or IM_EPROTO with the
//  reason.
int
    im_proto_request_id (im_proto_part_t part, const char *where,
                         char *out, char *errbuf, size_t errlen);

//  Decodes a body or item part into fields, an empty part as an empty
//  map. Returns 0, IM_EPROTO or IM_ETOOBIG with the reason, prefixed
//  with where and what.
int
    im_proto_fields (im_proto_part_t part, const char *where,
                     const char *what, im_fields_t *fields,
                     char *errbuf, size_t errlen);

//  Appends fields (an empty map when NULL) as one frame. Returns 0, or
//  -1 when it does not encode or exceeds IM_PROTO_FRAME_MAX.
int
    im_proto_add_fields (zmsg_t *msg, const im_fields_t *fields);

#endif
