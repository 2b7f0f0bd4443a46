/*  imb_node_keys - a node's own certificate, and a new keys directory's
    first certificates

    A node serves CURVE with its own key pair, node-<id>.key_secret in the
    keys directory, made on its first start with its client and worker
    endpoints in the metadata so that clients sharing the directory find
    its public key. A keys directory a node finds without an administrator
    or a worker certificate also gets one of each (admin, classifier,
    sla, notifier), so that one machine runs with nothing to set up: the
    directory is then the root of trust, readable by its owner only
    (docs/security.md says how to hand out certificates instead).
*/
#include "imb_classes.h"
#include "imb_node_keys.h"
#include <sys/stat.h>

im_curve_t *
imb_node_keys (const im_config_t *config, char *errbuf, size_t errlen)
{
    assert (config);
    const char *dir = config->keys_dir;
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (errbuf, errlen, "cannot make the keys directory %s: %s",
                  dir, strerror (errno));
        return NULL;
    }
    //  Clients name the node by the endpoints the cluster's members list
    //  gives it, or by those it binds
    char name [IM_CURVE_NAME_MAX];
    char client [2 * IM_CONFIG_PATH_MAX + 2], workers [2 * IM_CONFIG_PATH_MAX + 2];
    const im_config_member_t *member = im_config_member (config,
                                                         config->node_id);
    snprintf (client, sizeof client, "%s%s%s",
              member && *member->client ? member->client : "",
              member && *member->client ? "," : "", config->client_endpoint);
    snprintf (workers, sizeof workers, "%s%s%s",
              member && *member->workers ? member->workers : "",
              member && *member->workers ? "," : "", config->worker_endpoint);
    snprintf (name, sizeof name, "node-%" PRIu64, config->node_id);
    if (im_curve_keygen (dir, name, "node", client, workers, errbuf,
                         errlen) < 0)
        return NULL;
    int made = im_curve_keys_first (dir, errbuf, errlen);
    if (made < 0)
        return NULL;
    if (made)
        zsys_notice ("made %d certificate(s) in %s: admin (administrator), "
                     "classifier, sla, notifier", made, dir);
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.key_secret", dir, name);
    return im_curve_new (path, dir, errbuf, errlen);
}
