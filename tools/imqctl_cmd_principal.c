/*  imqctl_cmd_principal - imqctl principal ACTION NAME [--roles R]
    [--key-file NAME.key | --key Z85]

    Who may connect, and with which roles, is changed through the log by
    an administrator, so that every node lets in the same keys and a
    replay shows who could do what when (docs/security.md):

        principal add ann --key-file ann.key [--roles agent]
        principal grant ann --roles incident_manager
        principal revoke ann --roles incident_manager
        principal key ann --key-file ann-laptop2.key
        principal unkey ann --key-file ann.key
        principal remove ann

    A key is given as the public certificate imqctl keygen wrote (its
    owner keeps the secret one), or as its 40 characters.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_ROLES, "R,...", IMQCTL_STR, false, 0, 255, NULL },
    { IM_KEY_KEY_FILE, "FILE", IMQCTL_STR, false, 1, 4095, NULL },
    { IM_KEY_KEY, "Z85", IMQCTL_STR, false, 40, 40, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run (imqctl_t *self)
{
    const char *action = self->args [0];
    const char *name = self->args [1];
    const char *key = im_fields_str (self->flags, IM_KEY_KEY);
    const char *file = im_fields_str (self->flags, IM_KEY_KEY_FILE);
    if (key && file)
        return imqctl_args_fail (self, "give --key or --key-file, not both");
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
    return rc;
}

const imqctl_verb_t imqctl_verb_principal = {
    "principal", "PRINCIPAL", "add|grant|revoke|key|unkey|remove NAME", 2, 2,
    s_flags,
    "change who may connect and with which roles (an administrator's; "
    "through the log, on every node)", s_run
};
