/*  im_curve - a process's CURVE identity, and the nodes' public keys

    Every ZeroMQ endpoint of a broker is a CURVE server (docs/security.md):
    a client proves who it is with its own certificate, and must know the
    public key of the node it connects to, so that nobody in between can
    pose as that node. A certificate is a pair of czmq files: NAME.key,
    the public key and metadata (principal, roles, and for a node its
    client and worker endpoints), and NAME.key_secret, which adds the
    secret key and is readable by its owner only.

    The keys directory holds the public certificates of the nodes (and,
    on a node, of the principals it lets in before the replicated log
    names them). A client finds the key of the node serving an endpoint
    there: the node certificate whose "client" or "workers" metadata
    names it, or the only node certificate when there is one.
*/
#ifndef IM_CURVE_H_INCLUDED
#define IM_CURVE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <czmq.h>

typedef struct _im_curve_t im_curve_t;

#define IM_CURVE_KEY_TEXT   41      //  A Z85 key, with its NUL
#define IM_CURVE_NAME_MAX   64      //  A principal, with its NUL

//  Loads the secret certificate at cert_path (NAME.key_secret, or NAME.key
//  when NAME.key_secret exists beside it); the nodes' certificates are
//  looked up in keys_dir. NULL with the reason in errbuf.
im_curve_t *
    im_curve_new (const char *cert_path, const char *keys_dir, char *errbuf,
                  size_t errlen);

//  From the environment: IMQ_CERT (the certificate) and IMQ_KEYS (the
//  keys directory, default the certificate's directory). NULL without an
//  error when IMQ_CERT is unset or empty (no CURVE); NULL with the reason
//  in errbuf when it names a certificate that does not load.
im_curve_t *
    im_curve_from_env (char *errbuf, size_t errlen);

void
    im_curve_destroy (im_curve_t **self_p);

//  The principal the certificate names (its "principal" metadata)
const char *
    im_curve_principal (const im_curve_t *self);

//  Makes socket's next connect to endpoint a CURVE client of the node
//  serving endpoint, with this identity. Returns 0, or -1 with the reason
//  in errbuf (no node certificate names the endpoint).
int
    im_curve_client (const im_curve_t *self, zsock_t *socket,
                     const char *endpoint, char *errbuf, size_t errlen);

//  im_curve_client with the environment's identity (im_curve_from_env),
//  for a socket made by hand; does nothing when the environment names
//  none. Returns 0, or -1 with the reason in errbuf.
int
    im_curve_client_env (zsock_t *socket, const char *endpoint,
                         char *errbuf, size_t errlen);

//  Makes socket a CURVE server with this identity (a node's)
void
    im_curve_server (const im_curve_t *self, zsock_t *socket);

//  Writes a new certificate dir/name.key and dir/name.key_secret (mode
//  0600), naming principal name with roles (comma-separated, may be "")
//  and, for a node, its endpoints (NULL: none). Never overwrites: returns
//  0, 1 when a certificate of that name exists already (left as it is),
//  or -1 with the reason in errbuf.
int
    im_curve_keygen (const char *dir, const char *name, const char *roles,
                     const char *client, const char *workers, char *errbuf,
                     size_t errlen);

//  Makes the certificates a new keys directory starts with, those that
//  are missing: admin (administrator) and one per worker kind
//  (classifier, sla, notifier). Returns how many it made, or -1 with the
//  reason in errbuf.
int
    im_curve_keys_first (const char *dir, char *errbuf, size_t errlen);

//  True when name may name a certificate: 1..63 of [A-Za-z0-9._-], not
//  starting with a dot
bool
    im_curve_name_valid (const char *name);

//  True when list (comma-separated) holds item
bool
    im_curve_list_has (const char *list, const char *item);

#endif
