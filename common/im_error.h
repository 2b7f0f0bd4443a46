/*  im_error - error codes shared by every imq module

    Every int-returning method in imq returns 0 or one of these negative
    codes. The table is the only place codes are defined; detail goes into
    an object's errmsg buffer or a log line, never into new codes. Each
    code also carries the wire status (docs/protocol.md section 5) that a
    broker answers when a request fails with it.
*/
#ifndef IM_ERROR_H_INCLUDED
#define IM_ERROR_H_INCLUDED

#include "im_proto_status.h"

//  X(name, value, wire status, text)
#define IM_ERROR_TABLE(X)                                                  \
    X (IM_OK,           0, IM_PROTO_OK, "success")                         \
    X (IM_EPROTO,      -1, IM_PROTO_BAD_REQUEST, "malformed message")      \
    X (IM_EINVAL,      -2, IM_PROTO_BAD_REQUEST, "invalid argument")       \
    X (IM_ENOTFOUND,   -3, IM_PROTO_NOT_FOUND, "not found")                \
    X (IM_ESTATE,      -4, IM_PROTO_CONFLICT,                              \
       "not allowed in the current state")                                 \
    X (IM_ETOOBIG,     -5, IM_PROTO_TOO_LARGE, "too large")                \
    X (IM_ENOTLEADER,  -6, IM_PROTO_NOT_LEADER, "not the leader")          \
    X (IM_EBUSY,       -7, IM_PROTO_UNAVAILABLE, "busy, retry later")      \
    X (IM_ETIMEOUT,    -8, IM_PROTO_OUTCOME_UNKNOWN, "timed out")          \
    X (IM_EIO,         -9, IM_PROTO_INTERNAL, "i/o error")                 \
    X (IM_ENOMEM,     -10, IM_PROTO_INTERNAL, "out of memory")             \
    X (IM_ECONFIG,    -11, IM_PROTO_BAD_REQUEST, "invalid configuration")  \
    X (IM_EEXIST,     -12, IM_PROTO_CONFLICT, "already exists")            \
    X (IM_EUNKNOWN,   -13, IM_PROTO_BAD_REQUEST, "unknown command")        \
    X (IM_EDENIED,    -14, IM_PROTO_FORBIDDEN,                             \
       "not allowed for this actor")

#define IM_ERROR_ENUM(name, value, status, text) name = value,
enum { IM_ERROR_TABLE (IM_ERROR_ENUM) };
#undef IM_ERROR_ENUM

//  Returns a static description of code (never NULL)
const char *
    im_strerror (int code);

//  Returns the wire status (im_proto_status.h) that answers a request
//  failed with code
int
    im_error_status (int code);

#endif
