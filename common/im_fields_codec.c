/*  im_fields_codec - the wire side of im_fields: msgpack and JSON

    Kept apart from the map itself because this is where untrusted bytes
    come in: unpack checks every entry before it stores any (key type
    and length, value type and range, duplicates), then reserves the
    exact room once, so a hostile map never makes the object grow step
    by step. The same checks are what im_fields_set_* enforce, which is
    why anything encode writes, decode accepts.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "im_error.h"
#include "im_util.h"
#include "im_msgpack.h"
#include "im_fields.h"
#include "im_fields_private.h"
#include "im_msgpack_put.h"

//  Largest possible encoding: map32 header, then every entry at its
//  largest (str8 key of 64 bytes, str32 value of 65536 bytes)
#define S_ENCODED_MAX \
    (5 + IM_FIELDS_MAX * (2 + IM_FIELDS_KEY_MAX + 5 + IM_FIELDS_VALUE_MAX))

//  Names a msgpack type for error messages
static const char *
s_type_name (msgpack_object_type type)
{
    switch (type) {
        case MSGPACK_OBJECT_NIL:              return "nil";
        case MSGPACK_OBJECT_BOOLEAN:          return "a boolean";
        case MSGPACK_OBJECT_POSITIVE_INTEGER: return "an int";
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an int";
        case MSGPACK_OBJECT_FLOAT32:          return "a float";
        case MSGPACK_OBJECT_FLOAT64:          return "a float";
        case MSGPACK_OBJECT_STR:              return "a str";
        case MSGPACK_OBJECT_ARRAY:            return "an array";
        case MSGPACK_OBJECT_MAP:              return "a map";
        case MSGPACK_OBJECT_BIN:              return "a bin";
        case MSGPACK_OBJECT_EXT:              return "an ext";
        default:                              return "unknown";
    }
}

size_t
im_fields_packed_size (const im_fields_t *self)
{
    assert (self);
    size_t size = im_msgpack_container_size (self->size);
    for (size_t index = 0; index < self->size; index++) {
        const s_entry_t *entry = &self->entries [index];
        size += im_msgpack_str_head_size (entry->key_size) + entry->key_size;
        if (entry->type == IM_FIELD_STR)
            size += im_msgpack_str_head_size (entry->length) + entry->length;
        else
            size += im_msgpack_int_size (entry->number);
    }
    return size;
}

size_t
im_fields_packed_max (const im_fields_t *self)
{
    assert (self);
    //  A map32 head; per entry a key head (str8 at most: keys are short)
    //  and a value head or an int of 9 bytes at most; the text block
    //  holds every key and string with a NUL each, and more
    return 5 + self->size * (2 + 9) + self->text_size;
}

unsigned char *
im_fields_put (const im_fields_t *self, unsigned char *out)
{
    assert (self && out);
    out = im_msgpack_put_map (out, self->size);
    for (size_t index = 0; index < self->size; index++) {
        const s_entry_t *entry = &self->entries [index];
        out = im_msgpack_put_str (out, self->text + entry->key,
                                  entry->key_size);
        if (entry->type == IM_FIELD_STR)
            out = im_msgpack_put_str (out, self->text + entry->value,
                                      entry->length);
        else
            out = im_msgpack_put_int (out, entry->number);
    }
    return out;
}

int
im_fields_pack (const im_fields_t *self, msgpack_packer *pk)
{
    assert (self && pk);
    unsigned char small [1024];
    size_t size = im_fields_packed_size (self);
    unsigned char *buffer = size <= sizeof small? small:
                            (unsigned char *) malloc (size);
    if (!buffer)
        return IM_ENOMEM;
    im_fields_put (self, buffer);
    int rc = pk->callback (pk->data, (const char *) buffer, size);
    if (buffer != small)
        free (buffer);
    return rc? IM_ENOMEM: 0;
}

//  Checks one map entry against section 6.1. Returns 0, IM_EPROTO or
//  IM_ETOOBIG with the reason in errbuf.
static int
s_check_entry (const msgpack_object_kv *pair, size_t index, bool utf8_checked,
               char *errbuf, size_t errlen)
{
    const msgpack_object *key = &pair->key;
    const msgpack_object *value = &pair->val;
    if (key->type != MSGPACK_OBJECT_STR) {
        im_errbuf_set (errbuf, errlen, "entry %zu: key is %s, expected a str",
                       index, s_type_name (key->type));
        return IM_EPROTO;
    }
    const char *name = key->via.str.ptr;
    size_t name_size = key->via.str.size;
    if (name_size == 0 || name_size > IM_FIELDS_KEY_MAX) {
        im_errbuf_set (errbuf, errlen, "entry %zu: key of %zu bytes,"
                       " expected 1 to %d",
                       index, name_size, IM_FIELDS_KEY_MAX);
        return IM_EPROTO;
    }
    if (memchr (name, 0, name_size)
    ||  (!utf8_checked && !im_msgpack_utf8_valid (name, name_size))) {
        im_errbuf_set (errbuf, errlen,
                       "entry %zu: key is not UTF-8 text without NUL", index);
        return IM_EPROTO;
    }
    int width = (int) name_size;
    if (value->type == MSGPACK_OBJECT_STR) {
        size_t length = value->via.str.size;
        if (length > IM_FIELDS_VALUE_MAX) {
            im_errbuf_set (errbuf, errlen,
                           "key '%.*s': string of %zu bytes, more than %d",
                           width, name, length, IM_FIELDS_VALUE_MAX);
            return IM_ETOOBIG;
        }
        if ((length && memchr (value->via.str.ptr, 0, length))
        ||  (!utf8_checked
             && !im_msgpack_utf8_valid (value->via.str.ptr, length))) {
            im_errbuf_set (errbuf, errlen,
                           "key '%.*s': string is not UTF-8 text without NUL",
                           width, name);
            return IM_EPROTO;
        }
        return 0;
    }
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER
    &&  value->via.u64 > (uint64_t) INT64_MAX) {
        im_errbuf_set (errbuf, errlen, "key '%.*s': integer %" PRIu64
                       " out of int64 range", width, name, value->via.u64);
        return IM_EPROTO;
    }
    if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER
    &&  value->type != MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        im_errbuf_set (errbuf, errlen, "key '%.*s': value is %s,"
                       " expected str or int",
                       width, name, s_type_name (value->type));
        return IM_EPROTO;
    }
    return 0;
}

//  Checks pair index of a map (section 6.1, then that no earlier pair
//  has its key) and adds the text it needs to *text. Returns 0 or an
//  error with the reason in errbuf.
static int
s_check_pair (const msgpack_object_kv *pairs, size_t index, bool utf8_checked,
              size_t *text, char *errbuf, size_t errlen)
{
    int rc = s_check_entry (&pairs [index], index, utf8_checked,
                            errbuf, errlen);
    if (rc)
        return rc;
    const msgpack_object_str *name = &pairs [index].key.via.str;
    for (size_t before = 0; before < index; before++) {
        const msgpack_object_str *other = &pairs [before].key.via.str;
        if (other->size == name->size
        &&  memcmp (other->ptr, name->ptr, name->size) == 0) {
            im_errbuf_set (errbuf, errlen, "key '%.*s': duplicate key",
                           (int) name->size, name->ptr);
            return IM_EPROTO;
        }
    }
    *text += name->size + 1;
    if (pairs [index].val.type == MSGPACK_OBJECT_STR)
        *text += pairs [index].val.via.str.size + 1;
    return 0;
}

//  Checks the header of a map of count entries
static int
s_check_map (const msgpack_object *object, char *errbuf, size_t errlen)
{
    if (object->type != MSGPACK_OBJECT_MAP) {
        im_errbuf_set (errbuf, errlen, "fields are %s, expected a map",
                       s_type_name (object->type));
        return IM_EPROTO;
    }
    if (object->via.map.size > IM_FIELDS_MAX) {
        im_errbuf_set (errbuf, errlen, "%zu entries, more than %d",
                       (size_t) object->via.map.size, IM_FIELDS_MAX);
        return IM_ETOOBIG;
    }
    return 0;
}

//  Stores count checked pairs, whose text takes text bytes, sized once
static int
s_store_pairs (im_fields_t *self, const msgpack_object_kv *pairs,
               size_t count, size_t text, char *errbuf, size_t errlen)
{
    if (im_fields_reserve_entries (self, count)
    ||  im_fields_reserve_text (self, text)) {
        im_errbuf_set (errbuf, errlen, "out of memory");
        return IM_ENOMEM;
    }
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *key = &pairs [index].key;
        const msgpack_object *value = &pairs [index].val;
        s_entry_t *entry = &self->entries [index];
        entry->key = im_fields_append_text (self, key->via.str.ptr,
                                            key->via.str.size);
        entry->key_size = (uint8_t) key->via.str.size;
        entry->value = 0;
        entry->length = 0;
        entry->number = 0;
        if (value->type == MSGPACK_OBJECT_STR) {
            entry->type = IM_FIELD_STR;
            entry->value = im_fields_append_text (self, value->via.str.ptr,
                                                  value->via.str.size);
            entry->length = value->via.str.size;
        }
        else {
            entry->type = IM_FIELD_INT;
            entry->number = value->via.i64;  //  u64 checked <= INT64_MAX
        }
    }
    self->size = count;
    return 0;
}

int
im_fields_unpack (im_fields_t *self, const msgpack_object *object,
                  char *errbuf, size_t errlen)
{
    assert (self && object);
    im_fields_clear (self);
    int rc = s_check_map (object, errbuf, errlen);
    size_t count = object->via.map.size;
    //  Check everything before storing anything, and size the text once
    size_t text = 0;
    for (size_t index = 0; index < count && rc == 0; index++)
        rc = s_check_pair (object->via.map.ptr, index, false, &text,
                           errbuf, errlen);
    if (rc == 0)
        rc = s_store_pairs (self, object->via.map.ptr, count, text,
                            errbuf, errlen);
    return rc;
}

int
im_fields_encode (const im_fields_t *self, char **data, size_t *size)
{
    assert (self && data && size);
    size_t length = im_fields_packed_size (self);
    unsigned char *buffer = (unsigned char *) malloc (length);
    if (!buffer)
        return IM_ENOMEM;
    im_fields_put (self, buffer);
    *data = (char *) buffer;
    *size = length;
    return 0;
}

int
im_fields_decode (im_fields_t *self, const void *data, size_t size,
                  char *errbuf, size_t errlen)
{
    assert (self);
    im_fields_clear (self);
    if (size > S_ENCODED_MAX) {
        im_errbuf_set (errbuf, errlen, "%zu bytes,"
                       " more than any fields map needs",
                       size);
        return IM_ETOOBIG;
    }
    //  The walk checks the structure and every str's UTF-8, then the
    //  map is read in place
    int rc = im_msgpack_check (data, size, errbuf, errlen);
    size_t offset = 0;
    if (rc == 0)
        rc = im_fields_read (self, data, size, &offset, errbuf, errlen);
    return rc;
}

int
im_fields_read (im_fields_t *self, const void *data, size_t size,
                size_t *offset, char *errbuf, size_t errlen)
{
    assert (self && data && offset);
    im_fields_clear (self);
    msgpack_object root;
    if (!im_msgpack_read (data, size, offset, &root)) {
        im_errbuf_set (errbuf, errlen, "offset %zu: no map", *offset);
        return IM_EPROTO;
    }
    int rc = s_check_map (&root, errbuf, errlen);
    if (rc)
        return rc;
    //  Pair by pair, each checked as it comes, so that a bad pair is
    //  reported before anything nested in it would be read
    size_t count = root.via.map.size;
    msgpack_object_kv pairs [IM_FIELDS_MAX];
    size_t text = 0;
    for (size_t index = 0; index < count && rc == 0; index++) {
        if (!im_msgpack_read (data, size, offset, &pairs [index].key)
        ||  !im_msgpack_read (data, size, offset, &pairs [index].val)) {
            im_errbuf_set (errbuf, errlen, "entry %zu: truncated", index);
            rc = IM_EPROTO;
        }
        else
            rc = s_check_pair (pairs, index, true, &text, errbuf, errlen);
    }
    if (rc == 0)
        rc = s_store_pairs (self, pairs, count, text, errbuf, errlen);
    return rc;
}

json_t *
im_fields_to_json (const im_fields_t *self)
{
    assert (self);
    json_t *object = json_object ();
    if (!object)
        return NULL;
    for (size_t index = 0; index < self->size; index++) {
        const s_entry_t *entry = &self->entries [index];
        json_t *value = entry->type == IM_FIELD_STR
            ? json_stringn (self->text + entry->value, entry->length)
            : json_integer ((json_int_t) entry->number);
        if (json_object_set_new (object, self->text + entry->key, value)) {
            json_decref (object);
            return NULL;
        }
    }
    return object;
}
