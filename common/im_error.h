/*  im_error - error codes shared by every imq module

    Every int-returning method in imq returns 0 or one of these negative
    codes. The table is the only place codes are defined; detail goes into
    an object's errmsg buffer or a log line, never into new codes. Each
    code also carries the wire status (docs/protocol.md section 5) that a
    broker answers when a request fails with it.
*/
#ifndef IM_ERROR_H_INCLUDED
#define IM_ERROR_H_INCLUDED

//  X(name, value, wire status, text)
#define IM_ERROR_TABLE(X)                                                  \
    X (IM_OK,         0,  200, "success")                                  \
    X (IM_EPROTO,    -1,  400, "malformed message")                        \
    X (IM_EINVAL,    -2,  400, "invalid argument")                         \
    X (IM_ENOTFOUND, -3,  404, "not found")                                \
    X (IM_ESTATE,    -4,  409, "not allowed in the current state")         \
    X (IM_ETOOBIG,   -5,  413, "too large")                                \
    X (IM_ENOTLEADER,-6,  421, "not the leader")                           \
    X (IM_EBUSY,     -7,  503, "busy, retry later")                        \
    X (IM_ETIMEOUT,  -8,  504, "timed out")                                \
    X (IM_EIO,       -9,  500, "i/o error")                                \
    X (IM_ENOMEM,   -10,  500, "out of memory")                            \
    X (IM_ECONFIG,  -11,  400, "invalid configuration")                    \
    X (IM_EEXIST,   -12,  409, "already exists")                           \
    X (IM_EUNKNOWN, -13,  400, "unknown command")                          \
    X (IM_EDENIED,  -14,  403, "not allowed for this actor")

#define IM_ERROR_ENUM(name, value, status, text) name = value,
enum { IM_ERROR_TABLE (IM_ERROR_ENUM) };
#undef IM_ERROR_ENUM

//  Returns a static description of code (never NULL)
const char *
    im_strerror (int code);

//  Returns the wire status (200, 400, 403, 404, 409, 413, 421, 500, 503,
//  504)
//  that answers a request failed with code
int
    im_error_status (int code);

#endif
