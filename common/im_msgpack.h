/*  im_msgpack - the one gate untrusted msgpack passes before unpacking

    msgpack-c has no allocation limit: a five-byte map32 header claiming
    2^32-1 entries makes msgpack_unpack_next try to allocate hundreds of
    GiB. Every decoder in imq calls im_msgpack_unpack_one, which first
    walks the bytes and checks that every declared container and string
    fits in what is left (each element takes at least one byte), that
    nesting stays shallow, and that the buffer holds exactly one object.
*/
#ifndef IM_MSGPACK_H_INCLUDED
#define IM_MSGPACK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <msgpack.h>

#define IM_MSGPACK_DEPTH_MAX 8          //  Nesting levels accepted

//  Checks that data holds exactly one well-formed msgpack object whose
//  declared sizes fit in size and whose nesting is at most
//  IM_MSGPACK_DEPTH_MAX. Returns 0 or IM_EPROTO, with the reason and the
//  byte offset of the fault in errbuf (may be NULL).
int
    im_msgpack_check (const void *data, size_t size,
                      char *errbuf, size_t errlen);

//  Checks then unpacks exactly one object into unpacked (which the
//  caller has initialised and must destroy). Returns 0 or IM_EPROTO.
int
    im_msgpack_unpack_one (msgpack_unpacked *unpacked, const void *data,
                           size_t size, char *errbuf, size_t errlen);

//  Reads the element at *offset of data, which im_msgpack_check
//  accepted, into object without allocating, and moves *offset past
//  its header: scalars are read whole; a str, bin or ext points into
//  data and is stepped over; an array or map gives only its size
//  (via.array.size, via.map.size; ptr is NULL) and its elements are
//  the next ones read. Returns false when no element starts at *offset.
bool
    im_msgpack_read (const void *data, size_t size, size_t *offset,
                     msgpack_object *object);

//  True when data holds valid UTF-8 (no overlong forms, surrogates or
//  code points past U+10FFFF), as every msgpack str must. The check
//  above applies it to each str; encoders use it so that what they
//  write always passes.
bool
    im_msgpack_utf8_valid (const void *data, size_t size);

//  Returns the length of the NUL-terminated text in a buffer of size, or
//  size when it is not terminated or not UTF-8: encoders use it to refuse
//  text rather than write what a decoder would reject
size_t
    im_msgpack_text_length (const char *text, size_t size);

//  Reads an unsigned integer element (number index, called name in the
//  reason) of a decoded array. Returns false with the reason in errbuf
//  when it is not one.
bool
    im_msgpack_get_uint (const msgpack_object *object, int index,
                         const char *name, uint64_t *value,
                         char *errbuf, size_t errlen);

//  Copies a str element into buffer of size, which must hold it and its
//  NUL; the text must be UTF-8 without NUL. Returns false with the reason
//  in errbuf otherwise.
bool
    im_msgpack_get_str (const msgpack_object *object, int index,
                        const char *name, char *buffer, size_t size,
                        char *errbuf, size_t errlen);

#endif
