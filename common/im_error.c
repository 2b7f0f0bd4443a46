/*  im_error - error codes shared by every imq module

    The X-macro table in im_error.h is expanded twice here so that the
    text and the wire status of a code can never drift from its value.
*/


#include "im_error.h"

const char *
im_strerror (int code)
{
    switch (code) {
#define IM_ERROR_TEXT(name, value, status, text) case value: return text;
        IM_ERROR_TABLE (IM_ERROR_TEXT)
#undef IM_ERROR_TEXT
        default:
            return "unknown error";
    }
}

int
im_error_status (int code)
{
    switch (code) {
#define IM_ERROR_WIRE(name, value, status, text) case value: return status;
        IM_ERROR_TABLE (IM_ERROR_WIRE)
#undef IM_ERROR_WIRE
        default:
            return IM_PROTO_INTERNAL;
    }
}
