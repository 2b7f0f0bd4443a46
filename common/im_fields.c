/*  im_fields - an ordered map of short string keys to strings or integers

    Every record imq puts on the wire or on disk is a fields map, and the
    broker builds and decodes tens of thousands of them a second. So a
    map keeps its first entries and its first text bytes inside the
    object, and all keys and string values live in one text block,
    addressed by offset: a small map costs one allocation, a large one
    three. Lookups scan: maps hold at most 128 short keys, and comparing
    lengths first makes the scan cheaper than hashing at these sizes.

    Everything a map holds is valid UTF-8 without NUL bytes, whether it
    was set locally or decoded, so whatever encode writes decode accepts
    and to_json never meets a string jansson refuses. The wire side
    (pack, unpack, encode, decode, to_json) is in im_fields_codec.c.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_msgpack.h"
#include "im_fields.h"
#include "im_fields_private.h"

//  Points the map at its inline storage, empty
static void
s_init (im_fields_t *self)
{
    self->entries = self->inline_entries;
    self->size = 0;
    self->capacity = IM_FIELDS_INLINE_ENTRIES;
    self->text = self->inline_text;
    self->text_size = 0;
    self->text_capacity = IM_FIELDS_INLINE_TEXT;
    self->text_waste = 0;
}

im_fields_t *
im_fields_new (void)
{
    im_fields_t *self = (im_fields_t *) malloc (sizeof (im_fields_t));
    if (self)
        s_init (self);
    return self;
}

void
im_fields_destroy (im_fields_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_fields_t *self = *self_p;
        if (self->text != self->inline_text)
            free (self->text);
        if (self->entries != self->inline_entries)
            free (self->entries);
        free (self);
        *self_p = NULL;
    }
}

int
im_fields_reserve_entries (im_fields_t *self, size_t count)
{
    if (count <= self->capacity)
        return 0;
    size_t capacity = self->capacity * 2;
    if (capacity < count)
        capacity = count;
    s_entry_t *entries;
    if (self->entries == self->inline_entries) {
        entries = (s_entry_t *) malloc (capacity * sizeof (s_entry_t));
        if (entries)
            memcpy (entries, self->entries, self->size * sizeof (s_entry_t));
    }
    else
        entries = (s_entry_t *) realloc (self->entries,
                                         capacity * sizeof (s_entry_t));
    if (!entries)
        return IM_ENOMEM;
    self->entries = entries;
    self->capacity = capacity;
    return 0;
}

int
im_fields_reserve_text (im_fields_t *self, size_t extra)
{
    if (self->text_size + extra <= self->text_capacity)
        return 0;
    size_t live = self->text_size - self->text_waste;
    size_t capacity = self->text_capacity;
    while (capacity < live + extra)
        capacity *= 2;
    if (self->text_waste == 0 && self->text != self->inline_text) {
        char *text = (char *) realloc (self->text, capacity);
        if (!text)
            return IM_ENOMEM;
        self->text = text;
        self->text_capacity = capacity;
        return 0;
    }
    //  Copy only what entries still use; replaced strings stay behind
    char *text = (char *) malloc (capacity);
    if (!text)
        return IM_ENOMEM;
    size_t used = 0;
    for (size_t index = 0; index < self->size; index++) {
        s_entry_t *entry = &self->entries [index];
        memcpy (text + used, self->text + entry->key, entry->key_size + 1u);
        entry->key = (uint32_t) used;
        used += entry->key_size + 1u;
        if (entry->type == IM_FIELD_STR) {
            memcpy (text + used, self->text + entry->value, entry->length + 1u);
            entry->value = (uint32_t) used;
            used += entry->length + 1u;
        }
    }
    if (self->text != self->inline_text)
        free (self->text);
    self->text = text;
    self->text_size = used;
    self->text_capacity = capacity;
    self->text_waste = 0;
    return 0;
}

uint32_t
im_fields_append_text (im_fields_t *self, const char *bytes, size_t length)
{
    assert (self->text_size + length + 1 <= self->text_capacity);
    uint32_t offset = (uint32_t) self->text_size;
    if (length)                     //  An empty str may have no pointer
        memcpy (self->text + offset, bytes, length);
    self->text [offset + length] = 0;
    self->text_size += length + 1;
    return offset;
}

size_t
im_fields_find (const im_fields_t *self, const char *key, size_t key_size)
{
    for (size_t index = 0; index < self->size; index++) {
        const s_entry_t *entry = &self->entries [index];
        if (entry->key_size == key_size
        &&  memcmp (self->text + entry->key, key, key_size) == 0)
            return index;
    }
    return IM_FIELDS_NONE;
}

//  True when pointer lies inside the map's own text
static bool
s_in_text (const im_fields_t *self, const char *pointer)
{
    uintptr_t at = (uintptr_t) pointer;
    uintptr_t start = (uintptr_t) self->text;
    return at >= start && at - start < self->text_capacity;
}

//  Appends key (key_size bytes, checked, known to be absent) with a
//  checked value, neither borrowed from self's text
static int
s_append_checked (im_fields_t *self, const char *key, size_t key_size,
                  im_field_type_t type, const char *value, size_t length,
                  int64_t number)
{
    assert (im_fields_find (self, key, key_size) == IM_FIELDS_NONE);
    if (self->size >= IM_FIELDS_MAX)
        return IM_ETOOBIG;
    size_t text = key_size + 1 + (type == IM_FIELD_STR? length + 1: 0);
    //  Room is there but for the first entries of a map: test before
    //  calling
    if ((self->size >= self->capacity
         && im_fields_reserve_entries (self, self->size + 1))
    ||  (self->text_size + text > self->text_capacity
         && im_fields_reserve_text (self, text)))
        return IM_ENOMEM;
    s_entry_t *entry = &self->entries [self->size++];
    entry->key = (uint32_t) self->text_size;
    entry->key_size = (uint8_t) key_size;
    entry->type = (uint8_t) type;
    entry->number = number;
    entry->value = 0;
    entry->length = 0;
    //  Key, NUL, then the value and its NUL, in the room reserved
    char *at = self->text + self->text_size;
    memcpy (at, key, key_size);
    at [key_size] = 0;
    if (type == IM_FIELD_STR) {
        entry->value = (uint32_t) (self->text_size + key_size + 1);
        entry->length = (uint32_t) length;
        memcpy (at + key_size + 1, value, length);
        at [key_size + 1 + length] = 0;
    }
    self->text_size += text;
    return 0;
}

//  Sets key (key_size bytes, already checked) to a checked value. A key
//  or value borrowed from self's own text is copied first, since making
//  room may move or compact it.
static int
s_set_checked (im_fields_t *self, const char *key, size_t key_size,
               im_field_type_t type, const char *value, size_t length,
               int64_t number)
{
    if (s_in_text (self, key) || (value && s_in_text (self, value))) {
        char *key_copy = strndup (key, key_size);
        char *value_copy = value? strndup (value, length): NULL;
        int rc = IM_ENOMEM;
        if (key_copy && (value_copy || !value))
            rc = s_set_checked (self, key_copy, key_size, type, value_copy,
                                length, number);
        free (key_copy);
        free (value_copy);
        return rc;
    }
    size_t found = im_fields_find (self, key, key_size);
    s_entry_t *entry = found != IM_FIELDS_NONE? &self->entries [found]: NULL;
    if (!entry) {
        if (self->size >= IM_FIELDS_MAX)
            return IM_ETOOBIG;
        size_t text = key_size + 1 + (type == IM_FIELD_STR? length + 1: 0);
        if (im_fields_reserve_entries (self, self->size + 1)
        ||  im_fields_reserve_text (self, text))
            return IM_ENOMEM;
        entry = &self->entries [self->size++];
        entry->key = im_fields_append_text (self, key, key_size);
        entry->key_size = (uint8_t) key_size;
        entry->type = (uint8_t) IM_FIELD_INT;
    }
    else
    if (entry->type == IM_FIELD_STR && type == IM_FIELD_STR
    &&  length <= entry->length) {
        //  Shorter or equal: overwrite in place
        memcpy (self->text + entry->value, value, length);
        self->text [entry->value + length] = 0;
        self->text_waste += entry->length - length;
        entry->length = (uint32_t) length;
        return 0;
    }
    else {
        if (type == IM_FIELD_STR && im_fields_reserve_text (self, length + 1))
            return IM_ENOMEM;
        if (entry->type == IM_FIELD_STR)
            self->text_waste += entry->length + 1u;
    }
    entry->type = (uint8_t) type;
    entry->number = number;
    entry->value = 0;
    entry->length = 0;
    if (type == IM_FIELD_STR) {
        entry->value = im_fields_append_text (self, value, length);
        entry->length = (uint32_t) length;
    }
    return 0;
}

//  Sets key to a value whose string, if any, was checked: checks the key
static int
s_set (im_fields_t *self, const char *key, im_field_type_t type,
       const char *value, size_t length, int64_t number)
{
    size_t key_size = strlen (key);
    if (key_size == 0 || key_size > IM_FIELDS_KEY_MAX
    ||  !im_msgpack_utf8_valid (key, key_size))
        return IM_EINVAL;
    return s_set_checked (self, key, key_size, type, value, length, number);
}

im_fields_t *
im_fields_dup (const im_fields_t *self)
{
    assert (self);
    im_fields_t *copy = im_fields_new ();
    if (!copy)
        return NULL;
    if (im_fields_reserve_entries (copy, self->size)
    ||  im_fields_reserve_text (copy, self->text_size)) {
        im_fields_destroy (&copy);
        return NULL;
    }
    memcpy (copy->entries, self->entries, self->size * sizeof (s_entry_t));
    memcpy (copy->text, self->text, self->text_size);
    copy->size = self->size;
    copy->text_size = self->text_size;
    copy->text_waste = self->text_waste;
    return copy;
}

int
im_fields_set_str (im_fields_t *self, const char *key, const char *value)
{
    assert (self && key && value);
    size_t length = strlen (value);
    if (length > IM_FIELDS_VALUE_MAX || !im_msgpack_utf8_valid (value, length))
        return IM_EINVAL;
    return s_set (self, key, IM_FIELD_STR, value, length, 0);
}

int
im_fields_set_int (im_fields_t *self, const char *key, int64_t value)
{
    assert (self && key);
    return s_set (self, key, IM_FIELD_INT, NULL, 0, value);
}

//  Checks key and, for a str, value, then appends without a search
static int
s_append (im_fields_t *self, const char *key, im_field_type_t type,
          const char *value, int64_t number)
{
    //  Keys are short and mostly ASCII literals: measured and checked
    //  for ASCII in one pass, the UTF-8 check only when needed
    size_t key_size = 0;
    unsigned char high = 0;
    while (key [key_size] && key_size <= IM_FIELDS_KEY_MAX)
        high |= (unsigned char) key [key_size++];
    size_t length = value? strlen (value): 0;
    if (key_size == 0 || key_size > IM_FIELDS_KEY_MAX
    ||  ((high & 0x80) && !im_msgpack_utf8_valid (key, key_size))
    ||  length > IM_FIELDS_VALUE_MAX
    ||  (value && !im_msgpack_utf8_valid (value, length)))
        return IM_EINVAL;
    if (s_in_text (self, key) || (value && s_in_text (self, value)))
        return s_set_checked (self, key, key_size, type, value, length,
                              number);
    return s_append_checked (self, key, key_size, type, value, length, number);
}

int
im_fields_append_str (im_fields_t *self, const char *key, const char *value)
{
    assert (self && key && value);
    return s_append (self, key, IM_FIELD_STR, value, 0);
}

int
im_fields_append_int (im_fields_t *self, const char *key, int64_t value)
{
    assert (self && key);
    return s_append (self, key, IM_FIELD_INT, NULL, value);
}

int
im_fields_append_from (im_fields_t *self, const im_fields_t *source,
                       size_t index)
{
    assert (self && source && self != source && index < source->size);
    //  What source holds was checked when it got in: no second pass
    const s_entry_t *entry = &source->entries [index];
    const char *value = entry->type == IM_FIELD_STR?
        source->text + entry->value: NULL;
    return s_append_checked (self, source->text + entry->key, entry->key_size,
                             (im_field_type_t) entry->type, value,
                             entry->length, entry->number);
}

void
im_fields_remove (im_fields_t *self, const char *key)
{
    assert (self && key);
    size_t found = im_fields_find (self, key, strlen (key));
    if (found == IM_FIELDS_NONE)
        return;
    s_entry_t *entry = &self->entries [found];
    self->text_waste += entry->key_size + 1u;
    if (entry->type == IM_FIELD_STR)
        self->text_waste += entry->length + 1u;
    memmove (entry, entry + 1, (self->size - found - 1) * sizeof (s_entry_t));
    self->size--;
}

void
im_fields_clear (im_fields_t *self)
{
    assert (self);
    self->size = 0;
    self->text_size = 0;
    self->text_waste = 0;
}

int
im_fields_merge (im_fields_t *self, const im_fields_t *source)
{
    assert (self && source);
    if (self == source)
        return 0;
    //  Whatever a map holds was checked when it got in: no second pass
    for (size_t index = 0; index < source->size; index++) {
        const s_entry_t *entry = &source->entries [index];
        const char *value = entry->type == IM_FIELD_STR?
            source->text + entry->value: NULL;
        int rc = s_set_checked (self, source->text + entry->key,
                                entry->key_size,
                                (im_field_type_t) entry->type, value,
                                entry->length, entry->number);
        if (rc)
            return rc;
    }
    return 0;
}

//  Returns the entry for key, or NULL
static const s_entry_t *
s_lookup (const im_fields_t *self, const char *key)
{
    assert (self && key);
    size_t found = im_fields_find (self, key, strlen (key));
    return found != IM_FIELDS_NONE? &self->entries [found]: NULL;
}

const char *
im_fields_str (const im_fields_t *self, const char *key)
{
    const s_entry_t *entry = s_lookup (self, key);
    if (!entry || entry->type != IM_FIELD_STR)
        return NULL;
    return self->text + entry->value;
}

const char *
im_fields_str_or (const im_fields_t *self, const char *key,
                  const char *fallback)
{
    const char *value = im_fields_str (self, key);
    return value? value: fallback;
}

int
im_fields_int (const im_fields_t *self, const char *key, int64_t *value)
{
    assert (value);
    const s_entry_t *entry = s_lookup (self, key);
    if (!entry)
        return IM_ENOTFOUND;
    if (entry->type != IM_FIELD_INT)
        return IM_EINVAL;
    *value = entry->number;
    return 0;
}

int64_t
im_fields_int_or (const im_fields_t *self, const char *key, int64_t fallback)
{
    int64_t value;
    return im_fields_int (self, key, &value) == 0? value: fallback;
}

bool
im_fields_has (const im_fields_t *self, const char *key)
{
    return s_lookup (self, key) != NULL;
}

bool
im_fields_index (const im_fields_t *self, const char *key, size_t *index)
{
    assert (self && key && index);
    size_t found = im_fields_find (self, key, strlen (key));
    if (found == IM_FIELDS_NONE)
        return false;
    *index = found;
    return true;
}

size_t
im_fields_size (const im_fields_t *self)
{
    assert (self);
    return self->size;
}

const char *
im_fields_key_at (const im_fields_t *self, size_t index)
{
    assert (self && index < self->size);
    return self->text + self->entries [index].key;
}

im_field_type_t
im_fields_type_at (const im_fields_t *self, size_t index)
{
    assert (self && index < self->size);
    return (im_field_type_t) self->entries [index].type;
}

const char *
im_fields_str_at (const im_fields_t *self, size_t index)
{
    assert (self && index < self->size);
    const s_entry_t *entry = &self->entries [index];
    return entry->type == IM_FIELD_STR? self->text + entry->value: NULL;
}

int64_t
im_fields_int_at (const im_fields_t *self, size_t index)
{
    assert (self && index < self->size);
    const s_entry_t *entry = &self->entries [index];
    return entry->type == IM_FIELD_INT? entry->number: 0;
}

bool
im_fields_equal (const im_fields_t *self, const im_fields_t *other)
{
    assert (self && other);
    if (self->size != other->size)
        return false;
    for (size_t index = 0; index < self->size; index++) {
        const s_entry_t *mine = &self->entries [index];
        const s_entry_t *theirs = &other->entries [index];
        if (mine->key_size != theirs->key_size
        ||  mine->type != theirs->type
        ||  memcmp (self->text + mine->key, other->text + theirs->key,
                    mine->key_size) != 0)
            return false;
        if (mine->type == IM_FIELD_INT && mine->number != theirs->number)
            return false;
        if (mine->type == IM_FIELD_STR
        &&  (mine->length != theirs->length
        ||   memcmp (self->text + mine->value, other->text + theirs->value,
                     mine->length) != 0))
            return false;
    }
    return true;
}
