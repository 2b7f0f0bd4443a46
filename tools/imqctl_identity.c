/*  imqctl_identity - the certificate imqctl proves itself with

    A broker with CURVE (the default) lets in only the keys it knows, and
    records the certificate's principal as the actor of every command.
    imqctl looks for the keys directory (the nodes' public certificates)
    and its own certificate in the usual places, so that on a machine set
    up by tools/imq-up nothing needs to be said: the flags first, then
    IMQ_KEYS and IMQ_CERT, then ./imq-keys (where imq-up keeps them) or
    ~/.config/imq/keys, and in it $USER.key_secret, else admin.key_secret.
    Without any certificate imqctl talks without CURVE, which a broker
    with CURVE does not answer: the timeout message says so.
*/
#include "imqctl.h"
#include <sys/stat.h>
#include <unistd.h>
#include <pwd.h>

//  True when path names a directory
static bool
s_is_dir (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0 && S_ISDIR (info.st_mode);
}

//  The keys directory: --keys, $IMQ_KEYS, ./imq-keys, ~/.config/imq/keys
static void
s_keys_dir (imqctl_t *self)
{
    const char *env = getenv ("IMQ_KEYS");
    const char *home = getenv ("HOME");
    const char *config = getenv ("XDG_CONFIG_HOME");
    if (self->keys)
        im_strlcpy (self->keys_dir, self->keys, sizeof self->keys_dir);
    else
    if (env && *env)
        im_strlcpy (self->keys_dir, env, sizeof self->keys_dir);
    else
    if (s_is_dir ("imq-keys"))
        im_strlcpy (self->keys_dir, "imq-keys", sizeof self->keys_dir);
    else
    if (config && *config)
        snprintf (self->keys_dir, sizeof self->keys_dir, "%s/imq/keys",
                  config);
    else
        snprintf (self->keys_dir, sizeof self->keys_dir, "%s/.config/imq/keys",
                  home && *home ? home : ".");
}

int
imqctl_identity (imqctl_t *self)
{
    assert (self);
    s_keys_dir (self);
    if (self->no_curve)
        return IMQCTL_EXIT_OK;
    const char *env = getenv ("IMQ_CERT");
    const char *user = getenv ("USER");
    if (!user || !*user) {          //  As tools/imq-up names the user
        struct passwd *entry = getpwuid (getuid ());
        user = entry ? entry->pw_name : NULL;
    }
    bool given = self->cert || (env && *env);
    if (self->cert)
        im_strlcpy (self->cert_path, self->cert, sizeof self->cert_path);
    else
    if (env && *env)
        im_strlcpy (self->cert_path, env, sizeof self->cert_path);
    else {
        const char *names [] = { user && *user ? user : "admin", "admin" };
        for (size_t index = 0; index < 2 && !*self->cert_path; index++) {
            char path [PATH_MAX + 80];
            snprintf (path, sizeof path, "%s/%s.key_secret", self->keys_dir,
                      names [index]);
            if (access (path, R_OK) == 0)
                im_strlcpy (self->cert_path, path, sizeof self->cert_path);
        }
    }
    if (!*self->cert_path)
        return IMQCTL_EXIT_OK;      //  None: without CURVE
    char errbuf [512] = "";
    self->curve = im_curve_new (self->cert_path, self->keys_dir, errbuf,
                                sizeof errbuf);
    if (!self->curve && given)
        return imqctl_args_fail (self, "%s", errbuf);
    if (!self->curve) {
        fprintf (stderr, "imqctl: %s; going on without CURVE\n", errbuf);
        *self->cert_path = 0;
    }
    return IMQCTL_EXIT_OK;
}

const char *
imqctl_actor (const imqctl_t *self)
{
    return self->curve && !self->actor_given ? NULL : self->actor;
}

im_client_t *
imqctl_client_new (const imqctl_t *self, const char *endpoint, int timeout_ms)
{
    //  The environment was read here already: a client without a curve
    //  must not read it again
    im_client_t *client = self->curve
        ? im_client_new_curve (endpoint, timeout_ms, self->curve)
        : im_client_new_plain (endpoint, timeout_ms);
    if (!client)
        fprintf (stderr, "imqctl: %s: cannot connect to '%s'\n",
                 self->verb->name, endpoint);
    return client;
}
