/*  imc_entry_map - what one Raft entry touched: keys to values, emptied
    at once between entries

    The state machine remembers, for the length of one entry, which
    incidents it holds in memory and which request ids it answered, and
    looks both up for every command. A general hash table costs an
    allocation per insert and a walk over its buckets to empty it; this
    one keeps its slots between entries and empties them by moving a
    generation number, so an entry of OPENs costs no allocation at all.

    Keys are either ids (uint64_t, never 0) or strings, borrowed: a
    string must stay unchanged until the next imc_entry_map_clear. One
    map holds one kind of key. Values are never 0: 0 means absent.
*/
#ifndef IMC_ENTRY_MAP_H_INCLUDED
#define IMC_ENTRY_MAP_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct _imc_entry_map_t imc_entry_map_t;

//  Creates an empty map. Returns NULL only when out of memory.
imc_entry_map_t *
    imc_entry_map_new (void);

//  Destroys the map and nulls the caller's pointer; safe on NULL
void
    imc_entry_map_destroy (imc_entry_map_t **self_p);

//  Returns the value of id (not 0), or 0 when absent
uintptr_t
    imc_entry_map_id (imc_entry_map_t *self, uint64_t id);

//  Sets id (not 0) to value (not 0), replacing any value it had
void
    imc_entry_map_set_id (imc_entry_map_t *self, uint64_t id,
                          uintptr_t value);

//  Returns the value of the string key, or 0 when absent
uintptr_t
    imc_entry_map_str (imc_entry_map_t *self, const char *key);

//  Sets the string key (borrowed until the next clear) to value (not
//  0), replacing any value it had
void
    imc_entry_map_set_str (imc_entry_map_t *self, const char *key,
                           uintptr_t value);

//  Number of keys held
size_t
    imc_entry_map_size (imc_entry_map_t *self);

//  Forgets every key, keeping the room they took
void
    imc_entry_map_clear (imc_entry_map_t *self);

#endif
