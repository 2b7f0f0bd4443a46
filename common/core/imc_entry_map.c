/*  imc_entry_map - what one Raft entry touched: keys to values, emptied
    at once between entries

    Open addressing with linear probing over a power-of-two array of
    slots. A slot is in use when it carries the map's current
    generation, so clearing the map is one increment; the slots, and the
    room they took, stay for the next entry. The array doubles when it is
    three quarters full, which for the state machine happens in the
    first entries and then never again.
*/
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imc_entry_map.h"

#define S_SLOTS_MIN 64

typedef struct {
    uint64_t hash;                  //  Of the id or of the string
    uint64_t id;                    //  Id key, or 0 for a string key
    const char *key;                //  String key, borrowed, or NULL
    size_t key_size;                //  Bytes in key
    uintptr_t value;                //  Never 0
    uint32_t generation;            //  In use when the map's current one
} s_slot_t;

struct _imc_entry_map_t {
    s_slot_t *slots;                //  capacity slots, owned
    size_t capacity;                //  A power of two
    size_t size;                    //  Slots in use
    uint32_t generation;            //  Current generation, never 0
};

imc_entry_map_t *
imc_entry_map_new (void)
{
    imc_entry_map_t *self =
        (imc_entry_map_t *) calloc (1, sizeof (imc_entry_map_t));
    if (!self)
        return NULL;
    self->slots = (s_slot_t *) calloc (S_SLOTS_MIN, sizeof (s_slot_t));
    if (!self->slots) {
        imc_entry_map_destroy (&self);
        return NULL;
    }
    self->capacity = S_SLOTS_MIN;
    self->generation = 1;
    return self;
}

void
imc_entry_map_destroy (imc_entry_map_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imc_entry_map_t *self = *self_p;
        free (self->slots);
        free (self);
        *self_p = NULL;
    }
}

//  Mixes an id into a hash (the finaliser of splitmix64)
static uint64_t
s_id_hash (uint64_t id)
{
    id = (id ^ (id >> 30)) * 0xbf58476d1ce4e5b9ull;
    id = (id ^ (id >> 27)) * 0x94d049bb133111ebull;
    return id ^ (id >> 31);
}

//  Hashes size bytes eight at a time, then mixes the result
static uint64_t
s_str_hash (const char *key, size_t size)
{
    uint64_t hash = (uint64_t) size * 0x9e3779b97f4a7c15ull;
    size_t at = 0;
    for (; at + 8 <= size; at += 8) {
        uint64_t word;
        memcpy (&word, key + at, 8);
        hash = (hash ^ word) * 0x100000001b3ull;
        hash ^= hash >> 29;
    }
    uint64_t tail = 0;
    memcpy (&tail, key + at, size - at);
    return s_id_hash (hash ^ tail);
}

//  Returns the slot of the key (id, or key of key_size bytes) with hash:
//  the one in use that holds it, or the free one where it would go
static s_slot_t *
s_find (imc_entry_map_t *self, uint64_t hash, uint64_t id, const char *key,
        size_t key_size)
{
    size_t mask = self->capacity - 1;
    for (size_t index = (size_t) hash & mask;; index = (index + 1) & mask) {
        s_slot_t *slot = &self->slots [index];
        if (slot->generation != self->generation)
            return slot;
        if (slot->hash == hash && slot->id == id
        &&  (!key || (slot->key_size == key_size
                      && memcmp (slot->key, key, key_size) == 0)))
            return slot;
    }
}

//  Doubles the slots, moving the keys in use
static void
s_grow (imc_entry_map_t *self)
{
    s_slot_t *old = self->slots;
    size_t old_capacity = self->capacity;
    uint32_t generation = self->generation;
    self->capacity *= 2;
    self->slots = (s_slot_t *) calloc (self->capacity, sizeof (s_slot_t));
    assert (self->slots);
    self->generation = 1;
    for (size_t index = 0; index < old_capacity; index++)
        if (old [index].generation == generation) {
            size_t mask = self->capacity - 1;
            size_t at = (size_t) old [index].hash & mask;
            while (self->slots [at].generation == self->generation)
                at = (at + 1) & mask;
            self->slots [at] = old [index];
            self->slots [at].generation = self->generation;
        }
    free (old);
}

//  Sets the key to value, growing first when three quarters are in use
static void
s_set (imc_entry_map_t *self, uint64_t hash, uint64_t id, const char *key,
       size_t key_size, uintptr_t value)
{
    assert (value);
    if ((self->size + 1) * 4 > self->capacity * 3)
        s_grow (self);
    s_slot_t *slot = s_find (self, hash, id, key, key_size);
    if (slot->generation != self->generation) {
        slot->generation = self->generation;
        slot->hash = hash;
        slot->id = id;
        slot->key = key;
        slot->key_size = key_size;
        self->size++;
    }
    slot->value = value;
}

//  The value in slot, or 0 when the slot is free
static uintptr_t
s_value (imc_entry_map_t *self, const s_slot_t *slot)
{
    return slot->generation == self->generation ? slot->value : 0;
}

uintptr_t
imc_entry_map_id (imc_entry_map_t *self, uint64_t id)
{
    assert (self && id);
    return s_value (self, s_find (self, s_id_hash (id), id, NULL, 0));
}

void
imc_entry_map_set_id (imc_entry_map_t *self, uint64_t id, uintptr_t value)
{
    assert (self && id);
    s_set (self, s_id_hash (id), id, NULL, 0, value);
}

uintptr_t
imc_entry_map_str (imc_entry_map_t *self, const char *key)
{
    assert (self && key);
    size_t size = strlen (key);
    return s_value (self, s_find (self, s_str_hash (key, size), 0, key, size));
}

void
imc_entry_map_set_str (imc_entry_map_t *self, const char *key,
                       uintptr_t value)
{
    assert (self && key);
    size_t size = strlen (key);
    s_set (self, s_str_hash (key, size), 0, key, size, value);
}

size_t
imc_entry_map_size (imc_entry_map_t *self)
{
    assert (self);
    return self->size;
}

void
imc_entry_map_clear (imc_entry_map_t *self)
{
    assert (self);
    self->size = 0;
    if (++self->generation == 0) {
        //  After 2^32 clears: every slot back to never used
        for (size_t index = 0; index < self->capacity; index++)
            self->slots [index].generation = 0;
        self->generation = 1;
    }
}
