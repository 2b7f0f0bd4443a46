/*  imqctl_cmd_keygen - imqctl keygen NAME [--roles R,...] [--dir DIR]

    Makes a CURVE certificate: NAME.key, the public half an administrator
    puts in every node's keys directory, and NAME.key_secret, which stays
    with its owner (mode 0600). The roles written in the metadata are the
    ones a node grants to a key it finds in its keys directory
    (docs/security.md). An existing certificate is never overwritten.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_ROLES, "R,...", IMQCTL_STR, false, 0, 255, NULL },
    { IM_KEY_DIR, "DIR", IMQCTL_STR, false, 1, PATH_MAX - 32, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static int
s_run (imqctl_t *self)
{
    const char *name = self->args [0];
    const char *roles = im_fields_str_or (self->flags, IM_KEY_ROLES, "");
    const char *dir = im_fields_str_or (self->flags, IM_KEY_DIR,
                                        self->keys_dir);
    char errbuf [512] = "";
    int rc = im_curve_keygen (dir, name, roles, NULL, NULL, errbuf,
                              sizeof errbuf);
    if (rc < 0)
        return imqctl_args_fail (self, "%s", errbuf);
    if (rc == 1) {
        fprintf (stderr, "imqctl: keygen: %s/%s.key_secret exists already; "
                 "left as it is\n", dir, name);
        return IMQCTL_EXIT_BROKER;
    }
    char public [PATH_MAX + 80], secret [PATH_MAX + 80];
    snprintf (public, sizeof public, "%s/%s.key", dir, name);
    snprintf (secret, sizeof secret, "%s/%s.key_secret", dir, name);
    if (self->json) {
        json_t *json = json_pack ("{s:s, s:s, s:s, s:s}", "principal", name,
                                  "public", public, "secret", secret,
                                  "roles", roles);
        imqctl_json_print (&json);
    }
    else
        printf ("made %s (public) and %s (keep it private)\n", public,
                secret);
    return IMQCTL_EXIT_OK;
}

const imqctl_verb_t imqctl_verb_keygen = {
    "keygen", NULL, "NAME", 1, 1, s_flags,
    "make a CURVE certificate NAME.key / NAME.key_secret (in the keys "
    "directory, or --dir)", s_run
};
