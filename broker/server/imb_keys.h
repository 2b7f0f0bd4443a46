/*  imb_keys - the public keys a node lets in, and whom each names

    A node's keys directory (security.keys) holds a public certificate
    (NAME.key, im_curve.h) for every principal it lets in before the
    log says anything: the nodes, the workers and the first
    administrators. The log's principals (PRINCIPAL, imc_principals)
    add theirs, the same on every node. The table is read
    again every second, so a certificate removed from the directory stops
    working within about a second, on connections already open too: the
    node checks the key behind every message, not only the handshake.
*/
#ifndef IMB_KEYS_H_INCLUDED
#define IMB_KEYS_H_INCLUDED

#include "im_curve.h"
#include "im_policy.h"
#include "imc_principals.h"
#include "imc_roles.h"

typedef struct _imb_keys_t imb_keys_t;

//  Whom one key names
typedef struct {
    char principal [IM_CURVE_NAME_MAX];     //  The certificate's principal
    char roles [256];                       //  Its own roles (the
                                            //  certificate's or the log's),
                                            //  comma-separated: what the
                                            //  leader stamps on commands
    char merged [IMC_ROLES_MAX];            //  With the replicated
                                            //  policy's for its name
                                            //  (imc_roles_merge): what the
                                            //  node checks
} imb_key_t;

//  A table read from dir (nothing is read until imb_keys_reload)
imb_keys_t *
    imb_keys_new (const char *dir);

void
    imb_keys_destroy (imb_keys_t **self_p);

//  Reads the directory again; returns how many keys it holds, or -1
//  (and keeps the old table) when it cannot be read
int
    imb_keys_reload (imb_keys_t *self);

//  Replaces the principals of the log (taken), whose keys the table
//  holds beside the directory's: a key in both is the directory's; and
//  the replicated policy in force (taken; NULL: none applied), whose
//  roles every key's principal holds too. Rebuilds the table at once.
void
    imb_keys_set_replicated (imb_keys_t *self, imc_principals_t **principals_p,
                             im_policy_t **policy_p);

//  Reads the directory again when it changed (a certificate added or
//  removed) since it was last read; returns what imb_keys_reload does,
//  or 0 when it did not change
int
    imb_keys_reload_changed (imb_keys_t *self);

//  Whom the Z85 public key names, or NULL when it is not in the table
const imb_key_t *
    imb_keys_find (imb_keys_t *self, const char *key);

//  Whom an HTTP bearer token names: credential is what the HTTP thread
//  made of it, "<id>:<hash>" (im_token_credential); the hash is compared
//  in constant time. NULL when no principal of the log holds it now.
const imb_key_t *
    imb_keys_find_token (imb_keys_t *self, const char *credential);

//  True when key holds role (its merged roles)
bool
    imb_key_has_role (const imb_key_t *key, const char *role);

#endif
