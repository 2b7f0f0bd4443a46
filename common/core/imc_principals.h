/*  imc_principals - who holds which keys and roles, as the log says

    Principals, their roles and their CURVE public keys are changed only
    through the log (PRINCIPAL commands, principal.changed events of no
    incident), so that every node lets in the same keys and a replay
    shows who could do what when (docs/security.md). This is the fold of
    those events, shared by the broker (which lets the keys in) and any
    offline reader of a data directory; it needs nothing but the store.

    The rules, applied in log order:
        add     the principal exists; roles and key (when given) added
        grant   roles added (the principal exists from then on)
        revoke  roles removed
        key     key added (at most IMC_PRINCIPAL_KEYS_MAX; the oldest
                goes when a new one would pass that)
        unkey   key removed
        token   an HTTP bearer token added: its id, the hash of the
                token (never the token) and a label (at most
                IMC_PRINCIPAL_TOKENS_MAX; the oldest goes first)
        untoken the token of that id removed
        remove  the principal and every key and token of it are gone
*/
#ifndef IMC_PRINCIPALS_H_INCLUDED
#define IMC_PRINCIPALS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"
#include "imc_store.h"

#define IMC_PRINCIPAL_NAME_MAX  64      //  A name, with its NUL
#define IMC_PRINCIPAL_ROLES_MAX 256     //  Its roles, comma-separated
#define IMC_PRINCIPAL_KEY_TEXT  41      //  A Z85 key, with its NUL
#define IMC_PRINCIPAL_KEYS_MAX  8       //  Keys of one principal
#define IMC_TOKEN_ID_TEXT       17      //  A token id (16 hex), with NUL
#define IMC_TOKEN_HASH_TEXT     65      //  Its hash (64 hex), with NUL
#define IMC_TOKEN_LABEL_MAX     64      //  Its label, with its NUL
#define IMC_PRINCIPAL_TOKENS_MAX 16     //  Tokens of one principal

//  One HTTP bearer token of a principal (im_token.h): what the log keeps
typedef struct {
    char id [IMC_TOKEN_ID_TEXT];                //  Which token
    char hash [IMC_TOKEN_HASH_TEXT];            //  BLAKE2b-256 of it, hex
    char label [IMC_TOKEN_LABEL_MAX];           //  What it is for, or ""
} imc_token_t;

typedef struct {
    char name [IMC_PRINCIPAL_NAME_MAX];         //  Who
    char roles [IMC_PRINCIPAL_ROLES_MAX];       //  Comma-separated
    char keys [IMC_PRINCIPAL_KEYS_MAX][IMC_PRINCIPAL_KEY_TEXT];
                                                //  Oldest first
    size_t keys_n;                              //  How many
    imc_token_t tokens [IMC_PRINCIPAL_TOKENS_MAX];
                                                //  Oldest first
    size_t tokens_n;                            //  How many
} imc_principal_t;

typedef struct _imc_principals_t imc_principals_t;

imc_principals_t *
    imc_principals_new (void);

void
    imc_principals_destroy (imc_principals_t **self_p);

//  Applies one principal.changed payload (other payloads: nothing).
//  Returns 0 or IM_ENOMEM.
int
    imc_principals_apply (imc_principals_t *self, const im_fields_t *payload);

//  How many principals there are, and principal index (0 ..), borrowed
size_t
    imc_principals_size (const imc_principals_t *self);
const imc_principal_t *
    imc_principals_at (const imc_principals_t *self, size_t index);

//  The principal named name, or NULL
const imc_principal_t *
    imc_principals_find (const imc_principals_t *self, const char *name);

//  Folds the principal.changed events of store's log (the chain of no
//  incident) into self, which should be new; when policy_p is not NULL,
//  also gives the text of the last config.applied event there (NULL:
//  none), to free. Returns 0, IM_ENOMEM, or the store's error.
int
    imc_principals_read (imc_principals_t *self, imc_store_t *store,
                         char **policy_p);

//  Checks a PRINCIPAL command's arguments (action, name, roles, key,
//  token_id, token_hash, label):
//  returns NULL, or what is wrong (a static text)
const char *
    imc_principals_check (const im_fields_t *args);

#endif
