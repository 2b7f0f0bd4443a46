/*  im_proto_status - the statuses a REPLY or an ERROR carries

    The wire protocol answers with HTTP's numbers and meanings
    (docs/protocol.md section 5), so the HTTP gateway passes them through
    and a reader knows them. Code names them here rather than writing the
    numbers: "== 421" says less than "== IM_PROTO_NOT_LEADER", and a
    search for who answers "not found" finds every place. The core
    (im_error's table) and the protocol (im_proto.h) both include this
    header, which needs no library.
*/
#ifndef IM_PROTO_STATUS_H_INCLUDED
#define IM_PROTO_STATUS_H_INCLUDED

#define IM_PROTO_OK                 200     //  Done
#define IM_PROTO_BAD_REQUEST        400     //  Malformed, invalid, unknown
#define IM_PROTO_UNAUTHORIZED       401     //  The key is not let in
#define IM_PROTO_FORBIDDEN          403     //  The role the verb needs
#define IM_PROTO_NOT_FOUND          404     //  No such incident
#define IM_PROTO_CONFLICT           409     //  Not in the current status
#define IM_PROTO_TOO_LARGE          413     //  Frame or value too large
#define IM_PROTO_NOT_LEADER         421     //  Body names the leader
#define IM_PROTO_INTERNAL           500     //  Internal error
#define IM_PROTO_UNAVAILABLE        503     //  Busy or no leader: retry
#define IM_PROTO_OUTCOME_UNKNOWN    504     //  May be in the log: retry
                                            //  with the same request id
#endif
