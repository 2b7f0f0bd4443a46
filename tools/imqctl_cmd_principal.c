/*  imqctl_cmd_principal - imqctl principal ACTION NAME [ID] [--roles R]
    [--key-file NAME.key | --key Z85] [--label L]

    Who may connect, and with which roles, is changed through the log by
    an administrator, so that every node lets in the same keys and a
    replay shows who could do what when (docs/security.md):

        principal add ann --key-file ann.key [--roles agent]
        principal grant ann --roles incident_manager
        principal revoke ann --roles incident_manager
        principal key ann --key-file ann-laptop2.key
        principal unkey ann --key-file ann.key
        principal token portal --label "ticket portal"
        principal untoken portal 3f9c0a1b2c3d4e5f
        principal remove ann

    A key is given as the public certificate imqctl keygen wrote (its
    owner keeps the secret one), or as its 40 characters.

    `token` makes an HTTP bearer token here, with libsodium's random
    bytes, sends only its id and hash (im_token.h) and prints the token
    once: nobody can show it again. `untoken` names the id to revoke.
*/
#include "imqctl.h"
#include "im_token.h"
#include <sodium.h>

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_ROLES, "R,...", IMQCTL_STR, false, 0, 255, NULL },
    { IM_KEY_KEY_FILE, "FILE", IMQCTL_STR, false, 1, 4095, NULL },
    { IM_KEY_KEY, "Z85", IMQCTL_STR, false, 40, 40, NULL },
    { IM_KEY_LABEL, "TEXT", IMQCTL_STR, false, 0, 63, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run (imqctl_t *self)
{
    const char *action = self->args [0];
    const char *name = self->args [1];
    const char *key = im_fields_str (self->flags, IM_KEY_KEY);
    const char *file = im_fields_str (self->flags, IM_KEY_KEY_FILE);
    const char *label = im_fields_str (self->flags, IM_KEY_LABEL);
    bool token = streq (action, "token"), untoken = streq (action, "untoken");
    if (key && file)
        return imqctl_args_fail (self, "give --key or --key-file, not both");
    if (untoken != (self->args_n == 3))
        return imqctl_args_fail (self, untoken ? "untoken needs the token's "
                                 "id: principal untoken NAME ID"
                                 : "only untoken takes a third argument");
    if (label && !token)
        return imqctl_args_fail (self, "only token takes --label");
    char secret [IM_TOKEN_TEXT] = "", id [IM_TOKEN_ID_TEXT] = "";
    char hash [IM_TOKEN_HASH_TEXT] = "";
    if (token && im_token_make (secret, id, hash))
        return imqctl_args_fail (self, "cannot make a token: libsodium "
                                 "did not start");
    zconfig_t *cert = NULL;
    if (file) {
        cert = zconfig_load (file);
        key = cert ? zconfig_get (cert, "curve/public-key", NULL) : NULL;
        if (!key) {
            zconfig_destroy (&cert);
            return imqctl_args_fail (self, "%s is not a certificate with a "
                                     "public key", file);
        }
    }
    im_fields_t *body = im_fields_new ();
    int rc = body ? 0 : IM_ENOMEM;
    if (rc == 0)
        rc = im_fields_set_str (body, IM_KEY_ACTION, action);
    if (rc == 0)
        rc = im_fields_set_str (body, IM_KEY_NAME, name);
    if (rc == 0 && im_fields_has (self->flags, IM_KEY_ROLES))
        rc = im_fields_set_str (body, IM_KEY_ROLES,
                                im_fields_str (self->flags, IM_KEY_ROLES));
    if (rc == 0 && key)
        rc = im_fields_set_str (body, IM_KEY_KEY, key);
    if (rc == 0 && (token || untoken))
        rc = im_fields_set_str (body, IM_KEY_TOKEN_ID, token ? id
                                                        : self->args [2]);
    if (rc == 0 && token)
        rc = im_fields_set_str (body, IM_KEY_TOKEN_HASH, hash);
    if (rc == 0 && label)
        rc = im_fields_set_str (body, IM_KEY_LABEL, label);
    if (rc == 0)
        rc = imqctl_actor (self)
           ? im_fields_set_str (body, IM_KEY_ACTOR, imqctl_actor (self)) : 0;
    zconfig_destroy (&cert);
    if (rc) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "%s", im_strerror (rc));
    }
    im_reply_t *reply = NULL;
    rc = imqctl_call (self, body, false, &reply);
    if (rc == IMQCTL_EXIT_OK && token) {
        //  The only time anyone sees it
        if (self->json) {
            json_t *json = im_reply_to_json (reply, NULL);
            json_object_set_new (json, "token", json_string (secret));
            json_object_set_new (json, IM_KEY_TOKEN_ID, json_string (id));
            imqctl_json_print (&json);
        }
        else
            printf ("%s\n", secret);
        fflush (stdout);
        fprintf (stderr, "principal %s: token %s made; it is shown only "
                 "this once\n", name, id);
    }
    else
    if (rc == IMQCTL_EXIT_OK) {
        if (self->json) {
            json_t *json = im_reply_to_json (reply, NULL);
            imqctl_json_print (&json);
        }
        else {
            char seq [32];
            imqctl_text (reply->body, IM_KEY_SEQ, seq, sizeof seq);
            printf ("principal %s: %s (seq %s)\n", name, action, seq);
        }
    }
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    sodium_memzero (secret, sizeof secret);
    return rc;
}

const imqctl_verb_t imqctl_verb_principal = {
    "principal", "PRINCIPAL",
    "add|grant|revoke|key|unkey|token|untoken|remove NAME [ID]", 2, 3,
    s_flags,
    "change who may connect and with which roles (an administrator's; "
    "through the log, on every node)", s_run
};
