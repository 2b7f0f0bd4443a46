/*  imw_output - the commands a role asks the worker to send

    A role's handler and timer never touch a socket: they append
    commands here and the worker skeleton stamps, sends, resends and
    accounts for them. That keeps every role a set of pure functions a
    unit test drives with plain events and an explicit clock.
*/
#ifndef IMW_OUTPUT_H_INCLUDED
#define IMW_OUTPUT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"

#define IMW_OUTPUT_MAX  1024            //  Commands in one output list

typedef struct _imw_output_t imw_output_t;

//  Creates an empty list. Returns NULL only when out of memory.
imw_output_t *
    imw_output_new (void);

//  Destroys the list and every command in it; nulls the caller's pointer
void
    imw_output_destroy (imw_output_t **self_p);

//  Appends a command. verb is a command verb ("CLASSIFY"), incident its
//  target. key is, for a handler, the action that ends the request id
//  ("classify" gives "<group>:<seq>:classify"); for a timer, the whole
//  request id. Returns the command's argument map for the caller to
//  fill, owned by self; NULL when verb or key is empty or too long, the
//  list is full, or memory ran out.
im_fields_t *
    imw_output_add (imw_output_t *self, const char *verb, uint64_t incident,
                    const char *key);

//  Number of commands
size_t
    imw_output_size (const imw_output_t *self);

//  Accessors for 0 <= index < size; strings and map borrowed from self
const char *
    imw_output_verb (const imw_output_t *self, size_t index);
uint64_t
    imw_output_incident (const imw_output_t *self, size_t index);
const char *
    imw_output_key (const imw_output_t *self, size_t index);
const im_fields_t *
    imw_output_args (const imw_output_t *self, size_t index);

//  Returns the index of the first command with this key, or -1
int
    imw_output_find (const imw_output_t *self, const char *key);

//  Removes every command
void
    imw_output_clear (imw_output_t *self);

#endif
