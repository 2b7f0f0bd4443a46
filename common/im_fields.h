/*  im_fields - an ordered map of short string keys to strings or integers

    The one record shape imq puts on the wire and on disk: command
    arguments, event payloads, incident projections and reply bodies are
    all fields. Keeping one flat shape means one hardened decoder, one
    JSON mapping for imqctl --json, and "what changed" in a timeline is
    simply the event's fields. Keys keep their insertion order, so the
    same sequence of calls always encodes to the same bytes.

    Encoding (docs/protocol.md section 6.1): a msgpack map of at most
    IM_FIELDS_MAX entries; keys are str 1..IM_FIELDS_KEY_MAX bytes;
    values are str (at most IM_FIELDS_VALUE_MAX bytes) or int
    (positive or negative fixint/int/uint up to int64).
*/
#ifndef IM_FIELDS_H_INCLUDED
#define IM_FIELDS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

#define IM_FIELDS_MAX        128        //  Entries in one map
#define IM_FIELDS_KEY_MAX    64         //  Bytes in one key
#define IM_FIELDS_VALUE_MAX  65536      //  Bytes in one string value

typedef enum {
    IM_FIELD_STR = 1,
    IM_FIELD_INT = 2
} im_field_type_t;

typedef struct _im_fields_t im_fields_t;

//  Creates an empty map. Returns NULL only when out of memory.
im_fields_t *
    im_fields_new (void);

//  Destroys the map and nulls the caller's pointer; safe on NULL
void
    im_fields_destroy (im_fields_t **self_p);

//  Returns a deep copy, owned by the caller
im_fields_t *
    im_fields_dup (const im_fields_t *self);

//  Sets key to a string value, replacing any value in place (the key
//  keeps its position). The string is copied. Returns 0, IM_EINVAL for
//  an empty or too long key or too long value, IM_ETOOBIG when the map
//  is full.
int
    im_fields_set_str (im_fields_t *self, const char *key, const char *value);

//  Same, for an integer value
int
    im_fields_set_int (im_fields_t *self, const char *key, int64_t value);

//  Appends key with a string value without looking for key first: the
//  caller knows it is absent (the map was just cleared, say), and the
//  map would otherwise hold key twice. Checks and returns as set_str.
int
    im_fields_append_str (im_fields_t *self, const char *key,
                          const char *value);

//  Same, for an integer value
int
    im_fields_append_int (im_fields_t *self, const char *key, int64_t value);

//  Appends the entry at index of source (another map) to self, without
//  looking for its key in self: the caller knows it is absent. Returns
//  0, IM_ETOOBIG or IM_ENOMEM.
int
    im_fields_append_from (im_fields_t *self, const im_fields_t *source,
                           size_t index);

//  Removes key if present
void
    im_fields_remove (im_fields_t *self, const char *key);

//  Removes every entry
void
    im_fields_clear (im_fields_t *self);

//  Copies every entry of source into self with set semantics
int
    im_fields_merge (im_fields_t *self, const im_fields_t *source);

//  Returns the string value of key, borrowed until the next change to
//  self; NULL when key is absent or is not a string
const char *
    im_fields_str (const im_fields_t *self, const char *key);

//  Returns the string value of key, or fallback when absent / not a str
const char *
    im_fields_str_or (const im_fields_t *self, const char *key,
                      const char *fallback);

//  Stores the integer value of key in *value. Returns 0, IM_ENOTFOUND
//  when absent, IM_EINVAL when the value is a string.
int
    im_fields_int (const im_fields_t *self, const char *key, int64_t *value);

//  Returns the integer value of key, or fallback
int64_t
    im_fields_int_or (const im_fields_t *self, const char *key,
                      int64_t fallback);

bool
    im_fields_has (const im_fields_t *self, const char *key);

//  Stores in *index the position of key, for the positional accessors
//  and im_fields_append_from. Returns true when key is present.
bool
    im_fields_index (const im_fields_t *self, const char *key,
                     size_t *index);

//  Number of entries
size_t
    im_fields_size (const im_fields_t *self);

//  Positional access for iteration, 0 <= index < size. Key and string
//  are borrowed.
const char *
    im_fields_key_at (const im_fields_t *self, size_t index);
im_field_type_t
    im_fields_type_at (const im_fields_t *self, size_t index);
const char *
    im_fields_str_at (const im_fields_t *self, size_t index);
int64_t
    im_fields_int_at (const im_fields_t *self, size_t index);

//  True when both maps hold the same entries in the same order
bool
    im_fields_equal (const im_fields_t *self, const im_fields_t *other);

//  Appends the msgpack map to pk, in one write. Returns 0 or IM_ENOMEM.
int
    im_fields_pack (const im_fields_t *self, msgpack_packer *pk);

//  Bytes the msgpack map takes
size_t
    im_fields_packed_size (const im_fields_t *self);

//  At least as many bytes as the msgpack map takes, found without a
//  walk over the entries: room for im_fields_put
size_t
    im_fields_packed_max (const im_fields_t *self);

//  Writes the msgpack map at out, which has im_fields_packed_size bytes
//  of room, and returns the byte after it
unsigned char *
    im_fields_put (const im_fields_t *self, unsigned char *out);

//  Replaces self's content with a decoded msgpack object, which must be
//  a map as described above. Returns 0 or IM_EPROTO, with a reason
//  naming the offending key in errbuf (may be NULL). On error self is
//  left empty.
int
    im_fields_unpack (im_fields_t *self, const msgpack_object *object,
                      char *errbuf, size_t errlen);

//  Encodes to a new buffer (*data is the caller's, free with free()).
int
    im_fields_encode (const im_fields_t *self, char **data, size_t *size);

//  Reads the map at *offset of bytes that im_msgpack_check accepted,
//  in place, with the checks of im_fields_unpack, and moves *offset
//  past it. Returns 0 or IM_EPROTO / IM_ETOOBIG; on error self is empty
//  and *offset is undefined.
int
    im_fields_read (im_fields_t *self, const void *data, size_t size,
                    size_t *offset, char *errbuf, size_t errlen);

//  Decodes exactly one map from untrusted bytes (im_msgpack rules:
//  size caps, declared container sizes checked before unpacking).
//  Returns 0 or IM_EPROTO / IM_ETOOBIG with the reason in errbuf.
int
    im_fields_decode (im_fields_t *self, const void *data, size_t size,
                      char *errbuf, size_t errlen);

//  Converts to a JSON object (jansson); caller owns the reference
struct json_t;
struct json_t *
    im_fields_to_json (const im_fields_t *self);

#endif
