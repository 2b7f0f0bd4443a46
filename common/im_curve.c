/*  im_curve - a process's CURVE identity, and the nodes' public keys

    Certificates are written here rather than with zcert_save, which
    makes its secret file private by changing the process's umask for a
    moment: a broker has threads, and another thread's file made in that
    moment would get the wrong mode. Each file is written whole under a
    temporary name and linked to its own name, so that a reader never
    sees half a certificate and two processes making the same one at
    once end with one of them, unchanged. czmq's zcert_load reads them.
*/
#include "im_classes.h"
#include "im_curve.h"
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

struct _im_curve_t {
    zcert_t *cert;                  //  This process's identity, owned
    char *keys_dir;                 //  Where the nodes' certificates are,
                                    //  owned
    char principal [IM_CURVE_NAME_MAX]; //  Whom the certificate names
};

im_curve_t *
im_curve_new (const char *cert_path, const char *keys_dir, char *errbuf,
              size_t errlen)
{
    assert (cert_path && keys_dir);
    //  zcert_load reads NAME.key_secret when it exists, else NAME.key
    char base [PATH_MAX];
    im_strlcpy (base, cert_path, sizeof base);
    size_t length = strlen (base);
    if (length > 7 && streq (base + length - 7, "_secret"))
        base [length - 7] = 0;
    zcert_t *cert = zcert_load (base);
    if (!cert || streq (zcert_secret_txt (cert),
                        "0000000000000000000000000000000000000000")) {
        snprintf (errbuf, errlen, "cannot read a secret certificate from "
                  "%s%s (make one with: imqctl keygen NAME)", base,
                  cert ? "_secret" : "[_secret]");
        zcert_destroy (&cert);
        return NULL;
    }
    im_curve_t *self = (im_curve_t *) calloc (1, sizeof *self);
    if (self)
        self->keys_dir = strdup (keys_dir);
    if (!self || !self->keys_dir) {
        snprintf (errbuf, errlen, "out of memory");
        zcert_destroy (&cert);
        im_curve_destroy (&self);
        return NULL;
    }
    self->cert = cert;
    const char *principal = zcert_meta (cert, "principal");
    if (!principal || !im_curve_name_valid (principal)) {
        snprintf (errbuf, errlen, "certificate %s names no valid principal",
                  base);
        im_curve_destroy (&self);
        return NULL;
    }
    im_strlcpy (self->principal, principal, sizeof self->principal);
    return self;
}

im_curve_t *
im_curve_from_env (char *errbuf, size_t errlen)
{
    const char *cert = getenv ("IMQ_CERT");
    if (!cert || !*cert) {
        if (errlen)
            *errbuf = 0;
        return NULL;
    }
    const char *keys = getenv ("IMQ_KEYS");
    char dir [PATH_MAX];
    if (!keys || !*keys) {
        im_strlcpy (dir, cert, sizeof dir);
        char *slash = strrchr (dir, '/');
        if (slash)
            *slash = 0;
        else
            im_strlcpy (dir, ".", sizeof dir);
        keys = dir;
    }
    return im_curve_new (cert, keys, errbuf, errlen);
}

void
im_curve_destroy (im_curve_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        im_curve_t *self = *self_p;
        zcert_destroy (&self->cert);
        free (self->keys_dir);
        free (self);
        *self_p = NULL;
    }
}

const char *
im_curve_principal (const im_curve_t *self)
{
    assert (self);
    return self->principal;
}

bool
im_curve_list_has (const char *list, const char *item)
{
    size_t size = strlen (item);
    for (const char *cursor = list; cursor && *cursor; ) {
        while (*cursor == ',' || *cursor == ' ')
            cursor++;
        size_t length = strcspn (cursor, ", ");
        if (length == size && size && memcmp (cursor, item, size) == 0)
            return true;
        cursor += length;
    }
    return false;
}

//  Finds the public key of the node serving endpoint in dir; true when
//  found
static bool
s_node_key (const char *dir, const char *endpoint, char *key)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return false;
    int nodes = 0;
    bool found = false;
    char only [IM_CURVE_KEY_TEXT] = "";
    struct dirent *entry;
    while (!found && (entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name [0] == '.' || length < 5
        ||  !streq (entry->d_name + length - 4, ".key"))
            continue;
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        zconfig_t *root = zconfig_load (path);
        const char *roles = root ? zconfig_get (root, "metadata/roles", "")
                                 : "";
        const char *public = root ? zconfig_get (root, "curve/public-key", "")
                                  : "";
        if (root && im_curve_list_has (roles, "node")
        &&  strlen (public) == IM_CURVE_KEY_TEXT - 1) {
            nodes++;
            im_strlcpy (only, public, sizeof only);
            if (im_curve_list_has (zconfig_get (root, "metadata/client", ""),
                                   endpoint)
            ||  im_curve_list_has (zconfig_get (root, "metadata/workers", ""),
                                   endpoint)) {
                im_strlcpy (key, public, IM_CURVE_KEY_TEXT);
                found = true;
            }
        }
        zconfig_destroy (&root);
    }
    closedir (handle);
    if (!found && nodes == 1)
        im_strlcpy (key, only, IM_CURVE_KEY_TEXT);
    return found || nodes == 1;
}

int
im_curve_client (const im_curve_t *self, zsock_t *socket,
                 const char *endpoint, char *errbuf, size_t errlen)
{
    assert (self && socket && endpoint);
    char key [IM_CURVE_KEY_TEXT];
    if (!s_node_key (self->keys_dir, endpoint, key)) {
        snprintf (errbuf, errlen, "no node certificate in %s names %s (its "
                  "\"client\" or \"workers\" metadata)", self->keys_dir,
                  endpoint);
        return -1;
    }
    zcert_apply (self->cert, socket);
    zsock_set_curve_serverkey (socket, key);
    return 0;
}

int
im_curve_client_env (zsock_t *socket, const char *endpoint, char *errbuf,
                     size_t errlen)
{
    im_curve_t *curve = im_curve_from_env (errbuf, errlen);
    if (!curve)
        return errlen && *errbuf ? -1 : 0;
    int rc = im_curve_client (curve, socket, endpoint, errbuf, errlen);
    im_curve_destroy (&curve);
    return rc;
}

void
im_curve_server (const im_curve_t *self, zsock_t *socket)
{
    assert (self && socket);
    zcert_apply (self->cert, socket);
    zsock_set_curve_server (socket, 1);
}

int
im_curve_keys_first (const char *dir, char *errbuf, size_t errlen)
{
    static const char *first [][2] = {
        { "admin", "administrator" }, { "classifier", "classifier" },
        { "sla", "sla" }, { "notifier", "notifier" }
    };
    int made = 0;
    for (size_t index = 0; index < sizeof first / sizeof first [0];
         index++) {
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s.key_secret", dir,
                  first [index][0]);
        if (access (path, F_OK) == 0)
            continue;
        int rc = im_curve_keygen (dir, first [index][0], first [index][1],
                                  NULL, NULL, errbuf, errlen);
        if (rc < 0)
            return -1;
        made += rc == 0;
    }
    return made;
}

bool
im_curve_name_valid (const char *name)
{
    return im_name_valid (name);
}

//  Writes text to path, made new with mode, whole or not at all: through
//  a temporary file linked into place. Returns 0, 1 when path exists,
//  or -1 with errno set.
static int
s_write_new (const char *path, const char *text, mode_t mode)
{
    char temporary [PATH_MAX];
    if (snprintf (temporary, sizeof temporary, "%s.%d.tmp", path,
                  (int) getpid ()) >= (int) sizeof temporary) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   mode);
    if (fd < 0)
        return -1;
    size_t size = strlen (text);
    bool written = fchmod (fd, mode) == 0
                && write (fd, text, size) == (ssize_t) size
                && fsync (fd) == 0;
    int saved = errno;
    close (fd);
    int rc = written && link (temporary, path) == 0 ? 0 : -1;
    if (!written)
        errno = saved;
    if (rc && written && errno == EEXIST)
        rc = 1;
    saved = errno;
    unlink (temporary);
    errno = saved;
    return rc;
}

int
im_curve_keygen (const char *dir, const char *name, const char *roles,
                 const char *client, const char *workers, char *errbuf,
                 size_t errlen)
{
    assert (dir && name && roles);
    if (!im_curve_name_valid (name)) {
        snprintf (errbuf, errlen, "'%s' is not a valid certificate name "
                  "(1 to 63 letters, digits, '.', '_' or '-')", name);
        return -1;
    }
    for (const char *text = roles; *text; text++)
        if (!isalnum ((unsigned char) *text) && !strchr ("_-, ", *text)) {
            snprintf (errbuf, errlen, "roles '%s': letters, digits, '_' "
                      "and '-' only, separated by commas", roles);
            return -1;
        }
    const char *endpoints [] = { client, workers };
    for (size_t index = 0; index < 2; index++)
        if (endpoints [index]
        &&  strpbrk (endpoints [index], "\"\n\r\\")) {
            snprintf (errbuf, errlen, "endpoint '%s' holds a character a "
                      "certificate cannot", endpoints [index]);
            return -1;
        }
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (errbuf, errlen, "cannot make %s: %s", dir,
                  strerror (errno));
        return -1;
    }
    char public [IM_CURVE_KEY_TEXT], secret [IM_CURVE_KEY_TEXT];
    if (zmq_curve_keypair (public, secret)) {
        snprintf (errbuf, errlen, "cannot make a key pair: %s",
                  zmq_strerror (zmq_errno ()));
        return -1;
    }
    char metadata [1024];
    int used = snprintf (metadata, sizeof metadata,
                         "metadata\n    principal = \"%s\"\n"
                         "    roles = \"%s\"\n", name, roles);
    if (client && used > 0 && (size_t) used < sizeof metadata)
        used += snprintf (metadata + used, sizeof metadata - (size_t) used,
                          "    client = \"%s\"\n", client);
    if (workers && used > 0 && (size_t) used < sizeof metadata)
        used += snprintf (metadata + used, sizeof metadata - (size_t) used,
                          "    workers = \"%s\"\n", workers);
    if (used < 0 || (size_t) used >= sizeof metadata) {
        snprintf (errbuf, errlen, "certificate metadata over %zu bytes",
                  sizeof metadata);
        return -1;
    }
    char text [2048], path [PATH_MAX];
    snprintf (text, sizeof text,
              "#   imq CURVE secret certificate of %s: keep it private\n\n"
              "%scurve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
              name, metadata, public, secret);
    snprintf (path, sizeof path, "%s/%s.key_secret", dir, name);
    int rc = s_write_new (path, text, 0600);
    if (rc == 0) {
        snprintf (text, sizeof text,
                  "#   imq CURVE public certificate of %s\n\n"
                  "%scurve\n    public-key = \"%s\"\n", name, metadata,
                  public);
        snprintf (path, sizeof path, "%s/%s.key", dir, name);
        rc = s_write_new (path, text, 0644);
    }
    if (rc < 0)
        snprintf (errbuf, errlen, "cannot write %s: %s", path,
                  strerror (errno));
    explicit_bzero (secret, sizeof secret);
    explicit_bzero (text, sizeof text);
    return rc;
}
