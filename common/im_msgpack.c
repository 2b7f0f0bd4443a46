/*  im_msgpack - the one gate untrusted msgpack passes before unpacking

    msgpack_unpack_next trusts every length it reads: an array or map
    header makes it allocate room for the declared count before a single
    element has been seen, so five hostile bytes can ask for hundreds of
    GiB. This module walks the bytes first, without allocating, and only
    hands them to msgpack-c once every declared length is known to fit in
    what is left, nesting is shallow, every str is valid UTF-8 and the
    buffer holds exactly one object. After the walk the allocations
    msgpack-c makes are bounded by the size of the input. Hot decoders
    skip msgpack-c altogether once the walk passed: im_msgpack_read
    reads the checked bytes element by element, in place.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "im_error.h"
#include "im_util.h"
#include "im_msgpack.h"

//  What one header byte announces
typedef struct {
    const char *what;               //  Name for error messages
    size_t header;                  //  Bytes of length after the type byte
    uint64_t payload;               //  Fixed payload bytes (scalars)
    uint64_t items;                 //  Fixed element count (fix containers)
    uint64_t per_count;             //  Elements per declared count (2: map)
    bool is_str;                    //  Payload must be UTF-8
    bool is_container;              //  Array or map
    bool is_map;                    //  Map: two elements per entry
    uint64_t extra;                 //  Bytes after the length (ext type)
} s_kind_t;

//  Reads a big-endian unsigned integer of width bytes
static uint64_t
s_read_be (const uint8_t *bytes, size_t width)
{
    uint64_t value = 0;
    for (size_t index = 0; index < width; index++)
        value = (value << 8) | bytes [index];
    return value;
}

//  Classifies a type byte. Returns false for the reserved byte 0xc1.
static bool
s_classify (uint8_t byte, s_kind_t *kind)
{
    memset (kind, 0, sizeof *kind);
    kind->what = "scalar";
    if (byte <= 0x7f || byte >= 0xe0)
        return true;                //  Positive or negative fixint
    if (byte <= 0x8f) {
        kind->what = "map";
        kind->is_container = true;
        kind->is_map = true;
        kind->items = 2 * (uint64_t) (byte & 0x0f);
        return true;
    }
    if (byte <= 0x9f) {
        kind->what = "array";
        kind->is_container = true;
        kind->items = byte & 0x0f;
        return true;
    }
    if (byte <= 0xbf) {
        kind->what = "str";
        kind->is_str = true;
        kind->payload = byte & 0x1f;
        return true;
    }
    switch (byte) {
        case 0xc0: case 0xc2: case 0xc3:
            return true;            //  nil, false, true
        case 0xc4: case 0xc5: case 0xc6:
            kind->what = "bin";
            kind->header = (size_t) 1 << (byte - 0xc4);
            return true;
        case 0xc7: case 0xc8: case 0xc9:
            kind->what = "ext";
            kind->header = (size_t) 1 << (byte - 0xc7);
            kind->extra = 1;        //  The ext type byte
            return true;
        case 0xca:
            kind->payload = 4;
            return true;
        case 0xcb:
            kind->payload = 8;
            return true;
        case 0xcc: case 0xcd: case 0xce: case 0xcf:
            kind->payload = (uint64_t) 1 << (byte - 0xcc);
            return true;
        case 0xd0: case 0xd1: case 0xd2: case 0xd3:
            kind->payload = (uint64_t) 1 << (byte - 0xd0);
            return true;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
            kind->what = "ext";
            kind->payload = 1 + ((uint64_t) 1 << (byte - 0xd4));
            return true;
        case 0xd9: case 0xda: case 0xdb:
            kind->what = "str";
            kind->is_str = true;
            kind->header = (size_t) 1 << (byte - 0xd9);
            return true;
        case 0xdc: case 0xdd:
            kind->what = "array";
            kind->is_container = true;
            kind->header = byte == 0xdc ? 2 : 4;
            kind->per_count = 1;
            return true;
        case 0xde: case 0xdf:
            kind->what = "map";
            kind->is_container = true;
            kind->is_map = true;
            kind->header = byte == 0xde ? 2 : 4;
            kind->per_count = 2;
            return true;
        default:
            return false;           //  0xc1, never used
    }
}

bool
im_msgpack_utf8_valid (const void *data, size_t size)
{
    const uint8_t *bytes = (const uint8_t *) data;
    size_t index = 0;
    while (index < size) {
        //  Text is mostly ASCII: skip it eight bytes at a time
        if (size - index >= 8) {
            uint64_t word;
            memcpy (&word, bytes + index, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                index += 8;
                continue;
            }
        }
        uint8_t byte = bytes [index];
        if (byte < 0x80) {
            index++;
            continue;
        }
        size_t more;
        uint32_t point;
        if (byte >= 0xc2 && byte <= 0xdf) {
            more = 1;
            point = byte & 0x1fu;
        }
        else
        if (byte >= 0xe0 && byte <= 0xef) {
            more = 2;
            point = byte & 0x0fu;
        }
        else
        if (byte >= 0xf0 && byte <= 0xf4) {
            more = 3;
            point = byte & 0x07u;
        }
        else
            return false;           //  Continuation, overlong lead, > F4
        if (size - index - 1 < more)
            return false;
        for (size_t next = 1; next <= more; next++) {
            uint8_t follow = bytes [index + next];
            if ((follow & 0xc0) != 0x80)
                return false;
            point = (point << 6) | (follow & 0x3fu);
        }
        if ((more == 2 && point < 0x800)
        ||  (more == 3 && (point < 0x10000 || point > 0x10ffff))
        ||  (point >= 0xd800 && point <= 0xdfff))
            return false;           //  Overlong, too high, or surrogate
        index += more + 1;
    }
    return true;
}

//  Checks the element at *offset (the caller knows one starts there)
//  and moves *offset past its header, and past its payload unless it
//  is a container. *items is what a container holds (-1: not one).
//  Returns 0 or IM_EPROTO with the reason in errbuf.
static int
s_check_element (const uint8_t *bytes, size_t size, size_t *offset,
                 int64_t *items, char *errbuf, size_t errlen)
{
    size_t start = *offset;
    uint8_t byte = bytes [start];
    size_t at = start + 1;
    *items = -1;
    //  Short strs and small ints, most of what imq sends, go first
    if ((byte & 0xe0) == 0xa0 || byte <= 0x7f) {
        size_t length = byte <= 0x7f? 0: (size_t) (byte & 0x1f);
        if (length > size - at) {
            im_errbuf_set (errbuf, errlen, "offset %zu: str declares %zu "
                           "bytes, only %zu left", start, length, size - at);
            return IM_EPROTO;
        }
        if (length && !im_msgpack_utf8_valid (bytes + at, length)) {
            im_errbuf_set (errbuf, errlen,
                           "offset %zu: str is not valid UTF-8", start);
            return IM_EPROTO;
        }
        *offset = at + length;
        return 0;
    }
    s_kind_t kind;
    if (!s_classify (byte, &kind)) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: invalid type byte 0x%02x", start, byte);
        return IM_EPROTO;
    }
    if (size - at < kind.header) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: truncated %s header", start, kind.what);
        return IM_EPROTO;
    }
    uint64_t declared = s_read_be (bytes + at, kind.header);
    at += kind.header;
    size_t left = size - at;
    *offset = at;
    if (kind.is_container) {
        uint64_t count = kind.header? declared * kind.per_count: kind.items;
        //  Each element takes at least one byte
        if (count > left) {
            im_errbuf_set (errbuf, errlen,
                           "offset %zu: %s declares %" PRIu64 " %s, "
                           "only %zu bytes left", start, kind.what,
                           kind.is_map? count / 2: count,
                           kind.is_map? "entries": "elements", left);
            return IM_EPROTO;
        }
        *items = (int64_t) count;
        return 0;
    }
    uint64_t payload = kind.header? declared + kind.extra: kind.payload;
    if (payload > left) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: %s declares %" PRIu64 " bytes, "
                       "only %zu left", start, kind.what, payload, left);
        return IM_EPROTO;
    }
    if (kind.is_str && !im_msgpack_utf8_valid (bytes + at, (size_t) payload)) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: str is not valid UTF-8", start);
        return IM_EPROTO;
    }
    *offset = at + (size_t) payload;
    return 0;
}

int
im_msgpack_check (const void *data, size_t size, char *errbuf, size_t errlen)
{
    assert (data || size == 0);
    const uint8_t *bytes = (const uint8_t *) data;
    //  Elements still expected by each open, non-empty container
    uint64_t open [IM_MSGPACK_DEPTH_MAX];
    size_t depth = 0;
    size_t offset = 0;

    if (size == 0) {
        im_errbuf_set (errbuf, errlen, "offset 0: empty buffer");
        return IM_EPROTO;
    }
    while (true) {
        if (offset >= size) {
            size_t missing = depth > 0 ? (size_t) open [depth - 1] : 1;
            im_errbuf_set (errbuf, errlen, "offset %zu: truncated, %zu more "
                           "element(s) expected", offset, missing);
            return IM_EPROTO;
        }
        size_t start = offset;
        int64_t items;
        int rc = s_check_element (bytes, size, &offset, &items,
                                  errbuf, errlen);
        if (rc)
            return rc;
        if (items >= 0 && depth + 1 > IM_MSGPACK_DEPTH_MAX) {
            im_errbuf_set (errbuf, errlen,
                           "offset %zu: nesting deeper than %d levels",
                           start, IM_MSGPACK_DEPTH_MAX);
            return IM_EPROTO;
        }
        if (items > 0) {
            open [depth++] = (uint64_t) items;
            continue;
        }
        //  One element is complete: close every container it completes
        while (depth > 0 && --open [depth - 1] == 0)
            depth--;
        if (depth == 0)
            break;
    }
    if (offset != size) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: %zu trailing byte(s) after the object",
                       offset, size - offset);
        return IM_EPROTO;
    }
    return 0;
}

int
im_msgpack_unpack_one (msgpack_unpacked *unpacked, const void *data,
                       size_t size, char *errbuf, size_t errlen)
{
    assert (unpacked);
    int rc = im_msgpack_check (data, size, errbuf, errlen);
    if (rc)
        return rc;
    size_t offset = 0;
    msgpack_unpack_return result = msgpack_unpack_next (
        unpacked, (const char *) data, size, &offset);
    if (result == MSGPACK_UNPACK_NOMEM_ERROR) {
        im_errbuf_set (errbuf, errlen, "offset 0: out of memory unpacking");
        return IM_ENOMEM;
    }
    //  The walk above accepts only what msgpack-c accepts, so this is a
    //  disagreement between the two; still never trust it blindly
    if (result != MSGPACK_UNPACK_SUCCESS || offset != size) {
        im_errbuf_set (errbuf, errlen,
                       "offset %zu: msgpack-c rejected the object",
                       offset);
        return IM_EPROTO;
    }
    return 0;
}

bool
im_msgpack_read (const void *data, size_t size, size_t *offset,
                 msgpack_object *object)
{
    assert (data && offset && object);
    const uint8_t *bytes = (const uint8_t *) data;
    size_t at = *offset;
    if (at >= size)
        return false;
    //  The forms imq writes most, without the general classification
    uint8_t lead = bytes [at];
    if (lead <= 0x7f) {
        memset (object, 0, sizeof *object);
        object->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        object->via.u64 = lead;
        *offset = at + 1;
        return true;
    }
    if ((lead & 0xe0) == 0xa0 || lead == 0xd9) {
        size_t head = lead == 0xd9? 2: 1;
        if (size - at < head)
            return false;
        size_t length = lead == 0xd9? bytes [at + 1]: (size_t) (lead & 0x1f);
        if (length > size - at - head)
            return false;
        memset (object, 0, sizeof *object);
        object->type = MSGPACK_OBJECT_STR;
        object->via.str.ptr = (const char *) bytes + at + head;
        object->via.str.size = (uint32_t) length;
        *offset = at + head + length;
        return true;
    }
    s_kind_t kind;
    if (!s_classify (bytes [at], &kind)
    ||  size - at - 1 < kind.header)
        return false;
    uint8_t byte = bytes [at++];
    uint64_t declared = s_read_be (bytes + at, kind.header);
    at += kind.header;
    memset (object, 0, sizeof *object);
    if (kind.is_container) {
        uint64_t count = kind.header? declared
                                    : kind.items / (kind.is_map? 2: 1);
        if (count > UINT32_MAX)
            return false;
        object->type = kind.is_map? MSGPACK_OBJECT_MAP: MSGPACK_OBJECT_ARRAY;
        if (kind.is_map)
            object->via.map.size = (uint32_t) count;
        else
            object->via.array.size = (uint32_t) count;
        *offset = at;
        return true;
    }
    uint64_t payload = kind.header? declared + kind.extra: kind.payload;
    if (payload > size - at)
        return false;
    const uint8_t *body = bytes + at;
    if (byte <= 0x7f) {
        object->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        object->via.u64 = byte;
    }
    else
    if (byte >= 0xe0) {
        object->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        object->via.i64 = (int8_t) byte;
    }
    else
    if (kind.is_str || byte == 0xc4 || byte == 0xc5 || byte == 0xc6) {
        object->type = kind.is_str? MSGPACK_OBJECT_STR: MSGPACK_OBJECT_BIN;
        object->via.str.ptr = (const char *) body;
        object->via.str.size = (uint32_t) payload;
    }
    else
    if (byte >= 0xcc && byte <= 0xcf) {
        object->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        object->via.u64 = s_read_be (body, (size_t) payload);
    }
    else
    if (byte >= 0xd0 && byte <= 0xd3) {
        //  Sign-extend the big-endian two's complement of payload bytes
        uint64_t raw = s_read_be (body, (size_t) payload);
        unsigned shift = (unsigned) (64 - 8 * payload);
        int64_t value = (int64_t) (raw << shift) >> shift;
        object->type = value < 0? MSGPACK_OBJECT_NEGATIVE_INTEGER:
                                  MSGPACK_OBJECT_POSITIVE_INTEGER;
        object->via.i64 = value;
    }
    else
    if (byte == 0xc0)
        object->type = MSGPACK_OBJECT_NIL;
    else
    if (byte == 0xc2 || byte == 0xc3) {
        object->type = MSGPACK_OBJECT_BOOLEAN;
        object->via.boolean = byte == 0xc3;
    }
    else
    if (byte == 0xca || byte == 0xcb) {
        object->type = byte == 0xca? MSGPACK_OBJECT_FLOAT32:
                                     MSGPACK_OBJECT_FLOAT64;
        if (byte == 0xca) {
            uint32_t bits = (uint32_t) s_read_be (body, 4);
            float value;
            memcpy (&value, &bits, 4);
            object->via.f64 = value;
        }
        else {
            uint64_t bits = s_read_be (body, 8);
            memcpy (&object->via.f64, &bits, 8);
        }
    }
    else {
        //  ext: its type byte, then its data
        object->type = MSGPACK_OBJECT_EXT;
        object->via.ext.type = (int8_t) body [0];
        object->via.ext.ptr = (const char *) body + 1;
        object->via.ext.size = (uint32_t) (payload - 1);
    }
    *offset = at + (size_t) payload;
    return true;
}

size_t
im_msgpack_text_length (const char *text, size_t size)
{
    size_t length = strnlen (text, size);
    if (length < size && !im_msgpack_utf8_valid (text, length))
        return size;
    return length;
}

bool
im_msgpack_get_uint (const msgpack_object *object, int index,
                     const char *name, uint64_t *value,
                     char *errbuf, size_t errlen)
{
    if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        im_errbuf_set (errbuf, errlen,
                       "element %d (%s): expected an unsigned int",
                       index, name);
        return false;
    }
    *value = object->via.u64;
    return true;
}

bool
im_msgpack_get_str (const msgpack_object *object, int index,
                    const char *name, char *buffer, size_t size,
                    char *errbuf, size_t errlen)
{
    if (object->type != MSGPACK_OBJECT_STR) {
        im_errbuf_set (errbuf, errlen, "element %d (%s): expected a str",
                       index, name);
        return false;
    }
    const char *text = object->via.str.ptr;
    size_t length = object->via.str.size;
    if (length >= size) {
        im_errbuf_set (errbuf, errlen,
                       "element %d (%s): %zu bytes, more than %zu",
                       index, name, length, size - 1);
        return false;
    }
    //  msgpack-c gives an empty str no pointer: memchr and memcpy may
    //  not be handed NULL, even for no bytes
    if (length
    &&  (memchr (text, 0, length) || !im_msgpack_utf8_valid (text, length))) {
        im_errbuf_set (errbuf, errlen,
                       "element %d (%s): not UTF-8 text without NUL",
                       index, name);
        return false;
    }
    if (length)
        memcpy (buffer, text, length);
    buffer [length] = 0;
    return true;
}
