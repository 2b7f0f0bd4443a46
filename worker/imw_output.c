/*  imw_output - the commands a role asks the worker to send

    A small growable array: handlers emit zero to a few commands per
    event (the notifier one per recipient), so a list of structs with
    their argument maps is all that is needed.
*/
#include "imw_classes.h"

typedef struct {
    char verb [IM_PROTO_VERB_MAX];      //  Command verb
    uint64_t incident;                  //  Target incident
    char key [IM_REQUEST_ID_MAX];       //  Action, or whole request id
    im_fields_t *args;                  //  Arguments, owned
} s_command_t;

struct _imw_output_t {
    s_command_t *commands;              //  Array of size entries, owned
    size_t size;                        //  Commands in use
    size_t capacity;                    //  Commands allocated
};

imw_output_t *
imw_output_new (void)
{
    imw_output_t *self = (imw_output_t *) calloc (1, sizeof (imw_output_t));
    return self;
}

void
imw_output_destroy (imw_output_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_output_t *self = *self_p;
        imw_output_clear (self);
        free (self->commands);
        free (self);
        *self_p = NULL;
    }
}

im_fields_t *
imw_output_add (imw_output_t *self, const char *verb, uint64_t incident,
                const char *key)
{
    assert (self);
    assert (verb && key);
    if (!*verb || !*key
    ||  strlen (verb) >= IM_PROTO_VERB_MAX
    ||  strlen (key) >= IM_REQUEST_ID_MAX
    ||  self->size >= IMW_OUTPUT_MAX)
        return NULL;
    if (self->size == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 4;
        s_command_t *commands = (s_command_t *) realloc (
            self->commands, capacity * sizeof (s_command_t));
        if (!commands)
            return NULL;
        self->commands = commands;
        self->capacity = capacity;
    }
    s_command_t *command = &self->commands [self->size];
    memset (command, 0, sizeof *command);
    command->args = im_fields_new ();
    if (!command->args)
        return NULL;
    im_strlcpy (command->verb, verb, sizeof command->verb);
    im_strlcpy (command->key, key, sizeof command->key);
    command->incident = incident;
    self->size++;
    return command->args;
}

size_t
imw_output_size (const imw_output_t *self)
{
    assert (self);
    return self->size;
}

const char *
imw_output_verb (const imw_output_t *self, size_t index)
{
    assert (self && index < self->size);
    return self->commands [index].verb;
}

uint64_t
imw_output_incident (const imw_output_t *self, size_t index)
{
    assert (self && index < self->size);
    return self->commands [index].incident;
}

const char *
imw_output_key (const imw_output_t *self, size_t index)
{
    assert (self && index < self->size);
    return self->commands [index].key;
}

const im_fields_t *
imw_output_args (const imw_output_t *self, size_t index)
{
    assert (self && index < self->size);
    return self->commands [index].args;
}

int
imw_output_find (const imw_output_t *self, const char *key)
{
    assert (self && key);
    for (size_t index = 0; index < self->size; index++)
        if (streq (self->commands [index].key, key))
            return (int) index;
    return -1;
}

void
imw_output_clear (imw_output_t *self)
{
    assert (self);
    for (size_t index = 0; index < self->size; index++)
        im_fields_destroy (&self->commands [index].args);
    self->size = 0;
}
