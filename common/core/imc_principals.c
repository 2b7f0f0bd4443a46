/*  imc_principals - who holds which keys and roles, as the log says

    A plain array: a desk has tens to thousands of principals, the table
    is folded once per change, and the broker turns it into its own hash
    of keys for the look-up it makes on every message.
*/
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_event.h"
#include "im_util.h"
#include "imc_principals.h"
#include "im_keys.h"

struct _imc_principals_t {
    imc_principal_t *items;         //  The principals, owned
    size_t size;                    //  How many
    size_t allocated;               //  Room for
};

imc_principals_t *
imc_principals_new (void)
{
    return (imc_principals_t *) calloc (1, sizeof (imc_principals_t));
}

void
imc_principals_destroy (imc_principals_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->items);
        free (*self_p);
        *self_p = NULL;
    }
}

//  True when roles is a comma-separated list of [A-Za-z0-9_-] names
static bool
s_roles_valid (const char *roles)
{
    for (const char *cursor = roles; *cursor; cursor++)
        if (!isalnum ((unsigned char) *cursor) && !strchr ("_-,", *cursor))
            return false;
    return strlen (roles) < IMC_PRINCIPAL_ROLES_MAX;
}

//  True when key is 40 characters of Z85's alphabet
static bool
s_key_valid (const char *key)
{
    static const char *z85 = "0123456789abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    if (strlen (key) != IMC_PRINCIPAL_KEY_TEXT - 1)
        return false;
    for (const char *cursor = key; *cursor; cursor++)
        if (!strchr (z85, *cursor))
            return false;
    return true;
}

//  True when text is n lowercase hex digits and nothing more
static bool
s_hex_valid (const char *text, size_t n)
{
    if (strlen (text) != n)
        return false;
    for (const char *cursor = text; *cursor; cursor++)
        if (!strchr ("0123456789abcdef", *cursor))
            return false;
    return true;
}

//  True when label is printable ASCII and short enough
static bool
s_label_valid (const char *label)
{
    for (const char *cursor = label; *cursor; cursor++)
        if (*cursor < ' ' || *cursor > '~')
            return false;
    return strlen (label) < IMC_TOKEN_LABEL_MAX;
}

//  What is wrong with the token arguments of a PRINCIPAL, or NULL
static const char *
s_check_token (const im_fields_t *args, const char *action)
{
    const char *id = im_fields_str (args, IM_KEY_TOKEN_ID);
    const char *hash = im_fields_str (args, IM_KEY_TOKEN_HASH);
    const char *label = im_fields_str (args, IM_KEY_LABEL);
    bool token = streq (action, "token"), untoken = streq (action, "untoken");
    if ((token || untoken) && !id)
        return "token and untoken need argument 'token_id'";
    if (token && !hash)
        return "token needs argument 'token_hash'";
    if (!token && !untoken && (id || hash || label))
        return "only token and untoken take token_id, token_hash and label";
    if (untoken && (hash || label))
        return "untoken takes only token_id";
    if (id && !s_hex_valid (id, IMC_TOKEN_ID_TEXT - 1))
        return "argument 'token_id' must be 16 lowercase hex digits";
    if (hash && !s_hex_valid (hash, IMC_TOKEN_HASH_TEXT - 1))
        return "argument 'token_hash' must be 64 lowercase hex digits (the "
               "BLAKE2b-256 of the token, never the token)";
    if (label && !s_label_valid (label))
        return "argument 'label' must be 0 to 63 printable ASCII characters";
    return NULL;
}

const char *
imc_principals_check (const im_fields_t *args)
{
    const char *action = im_fields_str_or (args, IM_KEY_ACTION, "");
    const char *name = im_fields_str_or (args, IM_KEY_NAME, "");
    const char *roles = im_fields_str (args, IM_KEY_ROLES);
    const char *key = im_fields_str (args, IM_KEY_KEY);
    bool wants_roles = streq (action, "grant") || streq (action, "revoke");
    bool wants_key = streq (action, "key") || streq (action, "unkey");
    bool wants_token = streq (action, "token") || streq (action, "untoken");
    if (!wants_roles && !wants_key && !wants_token && !streq (action, "add")
    &&  !streq (action, "remove"))
        return "argument 'action' must be add, grant, revoke, key, unkey, "
               "token, untoken or remove";
    if (!im_name_valid (name))
        return "argument 'name' must be 1 to 63 letters, digits, '.', '_' "
               "or '-', not starting with '.'";
    if (roles && !s_roles_valid (roles))
        return "argument 'roles' must be role names (letters, digits, '_', "
               "'-') separated by commas";
    if (key && !s_key_valid (key))
        return "argument 'key' must be a CURVE public key: 40 Z85 characters";
    if (wants_roles && (!roles || !*roles))
        return "grant and revoke need argument 'roles'";
    if (wants_key && !key)
        return "key and unkey need argument 'key'";
    if (streq (action, "remove") && (roles || key))
        return "remove takes no roles and no key";
    if (wants_token && (roles || key))
        return "token and untoken take no roles and no key";
    return s_check_token (args, action);
}

//  The principal named name, made when make is true; NULL when it is
//  not there (or out of memory)
static imc_principal_t *
s_find (imc_principals_t *self, const char *name, bool make)
{
    for (size_t index = 0; index < self->size; index++)
        if (streq (self->items [index].name, name))
            return &self->items [index];
    if (!make)
        return NULL;
    if (self->size == self->allocated) {
        size_t allocated = self->allocated ? self->allocated * 2 : 16;
        imc_principal_t *items = (imc_principal_t *) realloc (
            self->items, allocated * sizeof (imc_principal_t));
        if (!items)
            return NULL;
        self->items = items;
        self->allocated = allocated;
    }
    imc_principal_t *principal = &self->items [self->size++];
    memset (principal, 0, sizeof *principal);
    im_strlcpy (principal->name, name, sizeof principal->name);
    return principal;
}

//  True when the comma-separated list holds item
static bool
s_has (const char *list, const char *item, size_t size)
{
    for (const char *cursor = list; *cursor; ) {
        size_t length = strcspn (cursor, ",");
        if (length == size && memcmp (cursor, item, size) == 0)
            return true;
        cursor += length + (cursor [length] == ',');
    }
    return false;
}

//  Adds (add true) or removes the roles of changes to or from roles
static void
s_roles (char *roles, const char *changes, bool add)
{
    char result [IMC_PRINCIPAL_ROLES_MAX] = "";
    if (!add) {
        //  Keep what changes does not name
        for (const char *cursor = roles; *cursor; ) {
            size_t length = strcspn (cursor, ",");
            if (length && !s_has (changes, cursor, length)
            &&  strlen (result) + length + 2 < sizeof result) {
                if (*result)
                    strcat (result, ",");
                strncat (result, cursor, length);
            }
            cursor += length + (cursor [length] == ',');
        }
        im_strlcpy (roles, result, IMC_PRINCIPAL_ROLES_MAX);
        return;
    }
    for (const char *cursor = changes; *cursor; ) {
        size_t length = strcspn (cursor, ",");
        size_t used = strlen (roles);
        if (length && !s_has (roles, cursor, length)
        &&  used + length + 2 < IMC_PRINCIPAL_ROLES_MAX) {
            if (used)
                strcat (roles, ",");
            strncat (roles, cursor, length);
        }
        cursor += length + (cursor [length] == ',');
    }
}

//  Adds key to principal (the oldest goes when it is full); nothing when
//  it is there already
static void
s_key_add (imc_principal_t *principal, const char *key)
{
    for (size_t index = 0; index < principal->keys_n; index++)
        if (streq (principal->keys [index], key))
            return;
    if (principal->keys_n == IMC_PRINCIPAL_KEYS_MAX) {
        memmove (principal->keys [0], principal->keys [1],
                 (IMC_PRINCIPAL_KEYS_MAX - 1) * IMC_PRINCIPAL_KEY_TEXT);
        principal->keys_n--;
    }
    im_strlcpy (principal->keys [principal->keys_n++], key,
                IMC_PRINCIPAL_KEY_TEXT);
}

static void
s_key_remove (imc_principal_t *principal, const char *key)
{
    for (size_t index = 0; index < principal->keys_n; index++)
        if (streq (principal->keys [index], key)) {
            memmove (principal->keys [index], principal->keys [index + 1],
                     (principal->keys_n - index - 1)
                     * IMC_PRINCIPAL_KEY_TEXT);
            principal->keys_n--;
            return;
        }
}

//  Adds the token of payload to principal (the oldest goes when it is
//  full); a token of the same id is replaced
static void
s_token_add (imc_principal_t *principal, const im_fields_t *payload)
{
    const char *id = im_fields_str (payload, IM_KEY_TOKEN_ID);
    size_t index = 0;
    while (index < principal->tokens_n
    &&     !streq (principal->tokens [index].id, id))
        index++;
    if (index == IMC_PRINCIPAL_TOKENS_MAX) {
        memmove (&principal->tokens [0], &principal->tokens [1],
                 (IMC_PRINCIPAL_TOKENS_MAX - 1) * sizeof (imc_token_t));
        index--;
    }
    else
    if (index == principal->tokens_n)
        principal->tokens_n++;
    imc_token_t *token = &principal->tokens [index];
    im_strlcpy (token->id, id, sizeof token->id);
    im_strlcpy (token->hash, im_fields_str (payload, IM_KEY_TOKEN_HASH),
                sizeof token->hash);
    im_strlcpy (token->label, im_fields_str_or (payload, IM_KEY_LABEL, ""),
                sizeof token->label);
}

static void
s_token_remove (imc_principal_t *principal, const char *id)
{
    for (size_t index = 0; index < principal->tokens_n; index++)
        if (streq (principal->tokens [index].id, id)) {
            memmove (&principal->tokens [index], &principal->tokens [index + 1],
                     (principal->tokens_n - index - 1) * sizeof (imc_token_t));
            principal->tokens_n--;
            return;
        }
}

int
imc_principals_apply (imc_principals_t *self, const im_fields_t *payload)
{
    assert (self && payload);
    if (imc_principals_check (payload))
        return 0;                   //  Not a valid change: never decided
    const char *action = im_fields_str (payload, IM_KEY_ACTION);
    const char *name = im_fields_str (payload, IM_KEY_NAME);
    const char *roles = im_fields_str_or (payload, IM_KEY_ROLES, "");
    const char *key = im_fields_str (payload, IM_KEY_KEY);
    bool make = streq (action, "add") || streq (action, "grant")
             || streq (action, "key") || streq (action, "token");
    imc_principal_t *principal = s_find (self, name, make);
    if (!principal)
        return make ? IM_ENOMEM : 0;
    if (streq (action, "remove")) {
        size_t index = (size_t) (principal - self->items);
        memmove (principal, principal + 1,
                 (self->size - index - 1) * sizeof *principal);
        self->size--;
        return 0;
    }
    if (streq (action, "add") || streq (action, "grant"))
        s_roles (principal->roles, roles, true);
    else
    if (streq (action, "revoke"))
        s_roles (principal->roles, roles, false);
    if (streq (action, "token"))
        s_token_add (principal, payload);
    else
    if (streq (action, "untoken"))
        s_token_remove (principal, im_fields_str (payload, IM_KEY_TOKEN_ID));
    else
    if (key && (streq (action, "add") || streq (action, "key")))
        s_key_add (principal, key);
    else
    if (key && streq (action, "unkey"))
        s_key_remove (principal, key);
    return 0;
}

size_t
imc_principals_size (const imc_principals_t *self)
{
    assert (self);
    return self->size;
}

const imc_principal_t *
imc_principals_at (const imc_principals_t *self, size_t index)
{
    assert (self);
    return index < self->size ? &self->items [index] : NULL;
}

const imc_principal_t *
imc_principals_find (const imc_principals_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->size; index++)
        if (streq (self->items [index].name, name))
            return &self->items [index];
    return NULL;
}

//  What the read of the events of no incident gathers
typedef struct {
    imc_principals_t *principals;   //  The fold, borrowed
    char *policy;                   //  The last config.applied text, owned
    bool want_policy;               //  Whether to keep it
} s_read_t;

//  Folds one event of no incident (arg: s_read_t)
static int
s_read_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    s_read_t *read = (s_read_t *) arg;
    im_event_t *event = im_event_new ();
    int rc = event ? im_event_decode (event, data, size, NULL, 0) : IM_ENOMEM;
    if (rc == 0 && event->type == IM_EV_PRINCIPAL)
        rc = imc_principals_apply (read->principals, event->payload);
    else
    if (rc == 0 && event->type == IM_EV_CONFIGURED && read->want_policy) {
        free (read->policy);
        read->policy = strdup (im_fields_str_or (event->payload, IM_KEY_TEXT,
                                                 ""));
        rc = read->policy ? 0 : IM_ENOMEM;
    }
    im_event_destroy (&event);
    return rc;
}

int
imc_principals_read (imc_principals_t *self, imc_store_t *store,
                     char **policy_p)
{
    assert (self && store);
    s_read_t read = { self, NULL, policy_p != NULL };
    int rc = imc_store_incident_events_scan (store, 0, s_read_event, &read);
    if (policy_p && rc == 0)
        *policy_p = read.policy;
    else
        free (read.policy);
    return rc;
}
