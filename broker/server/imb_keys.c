/*  imb_keys - the public keys a node lets in, and whom each names

    The table is rebuilt whole on each reload and swapped in, so a look-up
    never sees half a directory. A file that does not parse as a public
    certificate with a principal is skipped with a warning, once per
    reload that changes what the directory holds.
*/
#include "imb_classes.h"
#include "imb_keys.h"
#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

//  An HTTP bearer token of a principal of the log
typedef struct {
    imb_key_t key;                  //  Whom it names
    char hash [IMC_TOKEN_HASH_TEXT];    //  The hash of the token, hex
} s_token_t;

struct _imb_keys_t {
    char *dir;                      //  The keys directory, owned
    zhashx_t *table;                //  Z85 key -> imb_key_t, owned
    zhashx_t *tokens;               //  Token id -> s_token_t, owned
    size_t skipped;                 //  Files skipped by the last reload
    struct timespec read_mtime;     //  The directory's mtime when read
    imc_principals_t *replicated;   //  The log's principals, owned
    im_policy_t *policy;            //  The replicated policy (or the
                                    //  defaults), owned
};

imb_keys_t *
imb_keys_new (const char *dir)
{
    assert (dir);
    imb_keys_t *self = (imb_keys_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dir = strdup (dir);
    self->table = zhashx_new ();
    self->tokens = zhashx_new ();
    self->policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    if (self->policy)
        im_policy_defaults (self->policy);
    if (!self->dir || !self->table || !self->tokens || !self->policy)
        imb_keys_destroy (&self);
    return self;
}

void
imb_keys_destroy (imb_keys_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_keys_t *self = *self_p;
        zhashx_destroy (&self->table);
        zhashx_destroy (&self->tokens);
        imc_principals_destroy (&self->replicated);
        free (self->policy);
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

//  Adds the certificate at path to table; false when it is not one
static bool
s_add (zhashx_t *table, const char *path)
{
    zconfig_t *root = zconfig_load (path);
    if (!root)
        return false;
    const char *key = zconfig_get (root, "curve/public-key", "");
    const char *principal = zconfig_get (root, "metadata/principal", "");
    const char *roles = zconfig_get (root, "metadata/roles", "");
    bool valid = strlen (key) == IM_CURVE_KEY_TEXT - 1
              && im_curve_name_valid (principal)
              && strlen (roles) < sizeof ((imb_key_t *) 0)->roles;
    if (valid) {
        imb_key_t *entry = (imb_key_t *) calloc (1, sizeof *entry);
        assert (entry);
        im_strlcpy (entry->principal, principal, sizeof entry->principal);
        im_strlcpy (entry->roles, roles, sizeof entry->roles);
        if (zhashx_insert (table, key, entry))
            free (entry);           //  The same key twice: the first wins
    }
    zconfig_destroy (&root);
    return valid;
}

//  Takes the role node out of roles: a node is trusted to relay what
//  others asked (imb_server_auth.c), so only a certificate an operator
//  put in the node's own keys directory may be one, never a grant of
//  the log
static void
s_drop_node (char *roles)
{
    char kept [sizeof ((imb_key_t *) 0)->roles] = "";
    for (const char *cursor = roles; *cursor; ) {
        size_t length = strcspn (cursor, ",");
        if (length && !(length == 4 && memcmp (cursor, "node", 4) == 0)
        &&  strlen (kept) + length + 2 < sizeof kept) {
            if (*kept)
                strcat (kept, ",");
            strncat (kept, cursor, length);
        }
        cursor += length + (cursor [length] == ',');
    }
    im_strlcpy (roles, kept, sizeof kept);
}

//  Sets the merged roles of every entry of table (tokens: s_token_t)
static void
s_merge_all (imb_keys_t *self, zhashx_t *table, bool tokens)
{
    for (void *item = zhashx_first (table); item;
         item = zhashx_next (table)) {
        imb_key_t *key = tokens ? &((s_token_t *) item)->key
                                : (imb_key_t *) item;
        imc_roles_merge (key->merged, sizeof key->merged, key->roles,
                         self->policy, key->principal);
    }
}

int
imb_keys_reload (imb_keys_t *self)
{
    assert (self);
    struct stat info;
    DIR *handle = stat (self->dir, &info) == 0 ? opendir (self->dir) : NULL;
    if (!handle)
        return -1;
    self->read_mtime = info.st_mtim;
    zhashx_t *table = zhashx_new ();
    assert (table);
    zhashx_set_destructor (table, (zhashx_destructor_fn *) zstr_free);
    size_t skipped = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name [0] == '.' || length < 5
        ||  !streq (entry->d_name + length - 4, ".key"))
            continue;               //  Secret certificates end in _secret
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", self->dir, entry->d_name);
        if (!s_add (table, path))
            skipped++;
    }
    closedir (handle);
    //  Then the log's: a key the directory also holds stays the
    //  directory's (zhashx_insert keeps the first)
    for (size_t index = 0; self->replicated
         && index < imc_principals_size (self->replicated); index++) {
        const imc_principal_t *principal =
            imc_principals_at (self->replicated, index);
        for (size_t key = 0; key < principal->keys_n; key++) {
            imb_key_t *held = (imb_key_t *) calloc (1, sizeof *held);
            assert (held);
            im_strlcpy (held->principal, principal->name,
                        sizeof held->principal);
            im_strlcpy (held->roles, principal->roles, sizeof held->roles);
            s_drop_node (held->roles);
            if (zhashx_insert (table, principal->keys [key], held))
                free (held);
        }
    }
    //  The tokens of the log's principals, by id
    zhashx_t *tokens = zhashx_new ();
    assert (tokens);
    zhashx_set_destructor (tokens, (zhashx_destructor_fn *) zstr_free);
    for (size_t index = 0; self->replicated
         && index < imc_principals_size (self->replicated); index++) {
        const imc_principal_t *principal =
            imc_principals_at (self->replicated, index);
        for (size_t token = 0; token < principal->tokens_n; token++) {
            s_token_t *held = (s_token_t *) calloc (1, sizeof *held);
            assert (held);
            im_strlcpy (held->key.principal, principal->name,
                        sizeof held->key.principal);
            im_strlcpy (held->key.roles, principal->roles,
                        sizeof held->key.roles);
            s_drop_node (held->key.roles);
            im_strlcpy (held->hash, principal->tokens [token].hash,
                        sizeof held->hash);
            if (zhashx_insert (tokens, principal->tokens [token].id, held))
                free (held);        //  One id twice: the first holds it
        }
    }
    //  Every key's principal holds the policy's roles for its name too
    s_merge_all (self, table, false);
    s_merge_all (self, tokens, true);
    zhashx_destroy (&self->tokens);
    self->tokens = tokens;
    if (skipped && skipped != self->skipped)
        zsys_warning ("%zu file(s) in %s are not public certificates naming "
                      "a principal: skipped", skipped, self->dir);
    self->skipped = skipped;
    zhashx_destroy (&self->table);
    self->table = table;
    return (int) zhashx_size (table);
}

void
imb_keys_set_replicated (imb_keys_t *self, imc_principals_t **principals_p,
                         im_policy_t **policy_p)
{
    assert (self && principals_p && policy_p);
    imc_principals_destroy (&self->replicated);
    self->replicated = *principals_p;
    *principals_p = NULL;
    if (*policy_p) {
        free (self->policy);
        self->policy = *policy_p;
        *policy_p = NULL;
    }
    else
        im_policy_defaults (self->policy);
    if (imb_keys_reload (self) < 0)
        zsys_warning ("cannot read the keys directory %s: the keys let in "
                      "stay as they were", self->dir);
}

int
imb_keys_reload_changed (imb_keys_t *self)
{
    assert (self);
    struct stat info;
    if (stat (self->dir, &info) == 0
    &&  info.st_mtim.tv_sec == self->read_mtime.tv_sec
    &&  info.st_mtim.tv_nsec == self->read_mtime.tv_nsec)
        return 0;
    return imb_keys_reload (self);
}

const imb_key_t *
imb_keys_find (imb_keys_t *self, const char *key)
{
    assert (self);
    return key ? (const imb_key_t *) zhashx_lookup (self->table, key) : NULL;
}

const imb_key_t *
imb_keys_find_token (imb_keys_t *self, const char *credential)
{
    assert (self && credential);
    char id [IMC_TOKEN_ID_TEXT];
    const char *colon = strchr (credential, ':');
    if (!colon || colon - credential != IMC_TOKEN_ID_TEXT - 1
    ||  strlen (colon + 1) != IMC_TOKEN_HASH_TEXT - 1)
        return NULL;
    memcpy (id, credential, IMC_TOKEN_ID_TEXT - 1);
    id [IMC_TOKEN_ID_TEXT - 1] = 0;
    const s_token_t *token = (const s_token_t *) zhashx_lookup (self->tokens,
                                                                id);
    //  The id is not secret; the hash is compared in constant time
    if (!token || sodium_memcmp (token->hash, colon + 1,
                                 IMC_TOKEN_HASH_TEXT - 1) != 0)
        return NULL;
    return &token->key;
}

bool
imb_key_has_role (const imb_key_t *key, const char *role)
{
    return key && im_curve_list_has (key->merged, role);
}
