/*  im_msgpack_put - msgpack written straight into memory

    msgpack-c's packer calls its write callback once per token: a fields
    map of twenty entries is some sixty calls, each a bounds check and a
    small copy. The state machine encodes several maps per command, so
    the hot encoders first add up the exact size with the _size
    functions, then write every token into one buffer with the _put
    functions and hand it on in one piece.

    Each form is the one msgpack-c itself chooses (the smallest that
    holds the value), so a value encodes to the same bytes whichever
    way it was written; test_im_msgpack checks that across every
    boundary.
*/
#ifndef IM_MSGPACK_PUT_H_INCLUDED
#define IM_MSGPACK_PUT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  Bytes of the header of a str of length bytes
static inline size_t
im_msgpack_str_head_size (size_t length)
{
    return length < 32? 1: length < 256? 2: length < 65536? 3: 5;
}

//  Bytes of the header of a map or array of count elements
static inline size_t
im_msgpack_container_size (size_t count)
{
    return count < 16? 1: count < 65536? 3: 5;
}

//  Bytes of an integer
static inline size_t
im_msgpack_int_size (int64_t value)
{
    if (value < -(1LL << 5))
        return value < -(1LL << 31)? 9: value < -(1LL << 15)? 5:
               value < -(1LL << 7)? 3: 2;
    if (value < (1LL << 7))
        return 1;
    return value < (1LL << 8)? 2: value < (1LL << 16)? 3:
           value < (1LL << 32)? 5: 9;
}

//  Bytes of an unsigned integer
static inline size_t
im_msgpack_uint_size (uint64_t value)
{
    return value < (1ULL << 7)? 1: value < (1ULL << 8)? 2:
           value < (1ULL << 16)? 3: value < (1ULL << 32)? 5: 9;
}

//  Writes value big-endian in width bytes after a marker byte
static inline unsigned char *
im_msgpack_put_be (unsigned char *out, unsigned char marker,
                   uint64_t value, int width)
{
    *out++ = marker;
    for (int shift = (width - 1) * 8; shift >= 0; shift -= 8)
        *out++ = (unsigned char) (value >> shift);
    return out;
}

//  The put functions write at out and return the byte after what they
//  wrote; out must have the room the matching _size function gives.

static inline unsigned char *
im_msgpack_put_uint (unsigned char *out, uint64_t value)
{
    if (value < (1ULL << 7)) {
        *out = (unsigned char) value;
        return out + 1;
    }
    if (value < (1ULL << 8))
        return im_msgpack_put_be (out, 0xcc, value, 1);
    if (value < (1ULL << 16))
        return im_msgpack_put_be (out, 0xcd, value, 2);
    if (value < (1ULL << 32))
        return im_msgpack_put_be (out, 0xce, value, 4);
    return im_msgpack_put_be (out, 0xcf, value, 8);
}

static inline unsigned char *
im_msgpack_put_int (unsigned char *out, int64_t value)
{
    if (value >= 0)
        return im_msgpack_put_uint (out, (uint64_t) value);
    uint64_t bits = (uint64_t) value;
    if (value >= -(1LL << 5)) {
        *out = (unsigned char) bits;        //  negative fixint
        return out + 1;
    }
    if (value < -(1LL << 31))
        return im_msgpack_put_be (out, 0xd3, bits, 8);
    if (value < -(1LL << 15))
        return im_msgpack_put_be (out, 0xd2, bits, 4);
    if (value < -(1LL << 7))
        return im_msgpack_put_be (out, 0xd1, bits, 2);
    return im_msgpack_put_be (out, 0xd0, bits, 1);
}

static inline unsigned char *
im_msgpack_put_str (unsigned char *out, const void *text, size_t length)
{
    if (length < 32)
        *out++ = (unsigned char) (0xa0 | length);
    else
    if (length < 256)
        out = im_msgpack_put_be (out, 0xd9, length, 1);
    else
    if (length < 65536)
        out = im_msgpack_put_be (out, 0xda, length, 2);
    else
        out = im_msgpack_put_be (out, 0xdb, length, 4);
    memcpy (out, text, length);
    return out + length;
}

//  Writes a map (fix_base 0x80) or array (0x90) header
static inline unsigned char *
im_msgpack_put_container (unsigned char *out, unsigned char fix_base,
                          size_t count)
{
    int is_map = fix_base == 0x80;
    if (count < 16) {
        *out = (unsigned char) (fix_base | count);
        return out + 1;
    }
    if (count < 65536)
        return im_msgpack_put_be (out, is_map? 0xde: 0xdc, count, 2);
    return im_msgpack_put_be (out, is_map? 0xdf: 0xdd, count, 4);
}

static inline unsigned char *
im_msgpack_put_map (unsigned char *out, size_t count)
{
    return im_msgpack_put_container (out, 0x80, count);
}

static inline unsigned char *
im_msgpack_put_array (unsigned char *out, size_t count)
{
    return im_msgpack_put_container (out, 0x90, count);
}

#endif
