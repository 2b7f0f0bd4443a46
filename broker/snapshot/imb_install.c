/*  imb_install - replaces this node's store with another node's
    checkpoint

    In the data directory: "install.wanted" (text: index and source
    node) says an install is due; "incoming/" receives the checkpoint's
    files, and "incoming/IMQ-COMPLETE" is written (and synced) only once
    every file was received whole, with every chunk's hash checked, and
    the result opened as a store at the wanted index. Then "store" is
    renamed "store.old", "incoming" is renamed "store", and "store.old"
    and the wish are removed, each step synced. On every start, before
    the store is opened: a "store.old" beside a "store" is removed (the
    swap was done); a "store.old" without "store" is completed from a
    complete "incoming" or renamed back; an "incoming" left over is
    removed. So a crash leaves either the old store or the new one,
    never a mix, and a node that cannot fetch what it needs says so and
    does not start.
*/
#include "imb_classes.h"
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_WANTED        "install.wanted"
#define S_COMPLETE      "IMQ-COMPLETE"
#define S_CALL_MS       30000       //  Bound on one request to a node

//  Path of name in dir
static void
s_path (char *path, size_t size, const char *dir, const char *name)
{
    snprintf (path, size, "%s/%s", dir, name);
}

static bool
s_exists (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0;
}

int
imb_install_want (const char *data_dir, uint64_t index, uint64_t source)
{
    char text [48];
    snprintf (text, sizeof text, "%" PRIu64 " %" PRIu64 "\n", index, source);
    return im_write_synced (data_dir, S_WANTED, text);
}

bool
imb_install_pending (const char *data_dir)
{
    char path [IM_CONFIG_PATH_MAX + 32];
    s_path (path, sizeof path, data_dir, S_WANTED);
    return s_exists (path);
}

//  Receives one file of the checkpoint into dir. Returns 0 or IM_EIO.
static int
s_fetch_file (im_client_t *client, const char *checkpoint, const char *name,
              int64_t size, const char *dir, char *errbuf, size_t errlen)
{
    char path [IM_CONFIG_PATH_MAX + 300];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf (errbuf, errlen, "cannot create %.200s: %s", name,
                  strerror (errno));
        return IM_EIO;
    }
    int rc = 0;
    int64_t offset = 0;
    im_fields_t *body = im_fields_new ();
    while (rc == 0 && offset < size) {
        im_fields_set_str (body, IM_KEY_CHECKPOINT, checkpoint);
        im_fields_set_str (body, IM_KEY_FILE, name);
        im_fields_set_int (body, IM_KEY_OFFSET, offset);
        im_reply_t *reply = im_client_call (client, "CHECKPOINT-READ", NULL,
                                            body, true);
        zframe_t *chunk = reply && reply->status == IM_PROTO_OK
                       && reply->raw_items
                        ? (zframe_t *) zlist_first (reply->raw_items) : NULL;
        const char *hash = reply && reply->body
                         ? im_fields_str (reply->body, IM_KEY_HASH) : NULL;
        uint8_t mine [IMB_CHECKPOINT_HASH];
        char hex [2 * IMB_CHECKPOINT_HASH + 1] = "";
        if (chunk) {
            crypto_generichash (mine, sizeof mine, zframe_data (chunk),
                                zframe_size (chunk), NULL, 0);
            sodium_bin2hex (hex, sizeof hex, mine, sizeof mine);
        }
        if (!chunk || zframe_size (chunk) == 0) {
            snprintf (errbuf, errlen, "%s: no data at offset %" PRId64
                      " of %" PRId64 ": %s", name, offset, size,
                      reply ? im_fields_str_or (reply->body, IM_KEY_ERROR, "")
                            : im_client_errmsg (client));
            rc = IM_EIO;
        }
        else
        if (!hash || !streq (hash, hex)) {
            snprintf (errbuf, errlen, "%s: the chunk at offset %" PRId64
                      " fails its checksum", name, offset);
            rc = IM_EIO;
        }
        else
        if (write (fd, zframe_data (chunk), zframe_size (chunk))
                != (ssize_t) zframe_size (chunk)) {
            snprintf (errbuf, errlen, "cannot write %.200s: %s", name,
                      strerror (errno));
            rc = IM_EIO;
        }
        else
            offset += (int64_t) zframe_size (chunk);
        im_reply_destroy (&reply);
    }
    im_fields_destroy (&body);
    if (rc == 0 && fsync (fd)) {
        snprintf (errbuf, errlen, "cannot sync %.200s: %s", name,
                  strerror (errno));
        rc = IM_EIO;
    }
    close (fd);
    return rc;
}

//  Checks that dir opens as a store that applied index or more
static int
s_check_store (const char *dir, uint64_t index, char *errbuf, size_t errlen)
{
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = true;
    char reason [512] = "";
    imc_store_t *store = imc_store_new (dir, &options, reason, sizeof reason);
    if (!store) {
        snprintf (errbuf, errlen, "the checkpoint does not open: %s", reason);
        return IM_EIO;
    }
    uint64_t applied = 0;
    imc_store_meta_get (store, IM_META_APPLIED, &applied);
    imc_store_destroy (&store);
    if (applied < index) {
        snprintf (errbuf, errlen, "the checkpoint is at index %" PRIu64
                  ", not %" PRIu64, applied, index);
        return IM_EIO;
    }
    return 0;
}

//  Fetches a checkpoint at index or beyond from endpoint into incoming
static int
s_fetch (const char *endpoint, const im_curve_t *curve, uint64_t index,
         const char *incoming, char *errbuf, size_t errlen)
{
    im_remove_tree (incoming);
    if (zsys_dir_create ("%s", incoming)) {
        snprintf (errbuf, errlen, "cannot create %s", incoming);
        return IM_EIO;
    }
    im_client_t *client = curve
                        ? im_client_new_curve (endpoint, S_CALL_MS, curve)
                        : im_client_new_plain (endpoint, S_CALL_MS);
    if (!client) {
        snprintf (errbuf, errlen, "invalid endpoint %s", endpoint);
        return IM_EIO;
    }
    im_fields_t *empty = im_fields_new ();
    im_reply_t *reply = im_client_call (client, "CHECKPOINT", NULL, empty,
                                        false);
    im_fields_destroy (&empty);
    int rc = 0;
    int64_t applied = reply && reply->body
                    ? im_fields_int_or (reply->body, IM_KEY_APPLIED_INDEX,
                                        0) : 0;
    const char *name = reply && reply->body
                     ? im_fields_str (reply->body, IM_KEY_CHECKPOINT) : NULL;
    if (!reply || reply->status != IM_PROTO_OK || !name) {
        snprintf (errbuf, errlen, "no checkpoint from %s: %s", endpoint,
                  reply ? im_fields_str_or (reply->body, IM_KEY_ERROR, "")
                        : im_client_errmsg (client));
        rc = IM_EIO;
    }
    else
    if ((uint64_t) applied < index) {
        snprintf (errbuf, errlen, "%s has applied index %" PRId64 " only, "
                  "%" PRIu64 " is needed", endpoint, applied, index);
        rc = IM_ENOTFOUND;
    }
    int64_t bytes = 0;
    size_t files = 0;
    const im_fields_t *item = rc == 0 && reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item && rc == 0;
         item = (const im_fields_t *) zlist_next (reply->items)) {
        const char *file = im_fields_str (item, IM_KEY_NAME);
        int64_t size = im_fields_int_or (item, IM_KEY_SIZE, -1);
        if (!file || !*file || file [0] == '.' || strchr (file, '/')
        ||  size < 0) {
            snprintf (errbuf, errlen, "%s lists an invalid file", endpoint);
            rc = IM_EIO;
        }
        else
            rc = s_fetch_file (client, name, file, size, incoming, errbuf,
                               errlen);
        bytes += size;
        files++;
    }
    im_reply_destroy (&reply);
    im_client_destroy (&client);
    char complete [IM_CONFIG_PATH_MAX + 64];
    s_path (complete, sizeof complete, incoming, S_COMPLETE);
    if (rc == 0)
        rc = s_check_store (incoming, index, errbuf, errlen);
    if (rc == 0) {
        FILE *marker = fopen (complete, "w");
        if (!marker || fsync (fileno (marker)) || fclose (marker)
        ||  im_sync_path (incoming)) {
            snprintf (errbuf, errlen, "cannot write %s", complete);
            rc = IM_EIO;
        }
    }
    if (rc == 0)
        zsys_notice ("received a checkpoint of %" PRId64 " bytes in %zu "
                     "files from %s, each chunk's hash checked", bytes,
                     files, endpoint);
    return rc;
}

//  Completes the swap of incoming for store, or undoes a half-made one
static int
s_recover (const char *data_dir, char *errbuf, size_t errlen)
{
    char store [IM_CONFIG_PATH_MAX + 32], old [IM_CONFIG_PATH_MAX + 32];
    char incoming [IM_CONFIG_PATH_MAX + 32], complete [IM_CONFIG_PATH_MAX + 64];
    char wanted [IM_CONFIG_PATH_MAX + 32];
    s_path (store, sizeof store, data_dir, "store");
    s_path (old, sizeof old, data_dir, "store.old");
    s_path (incoming, sizeof incoming, data_dir, "incoming");
    s_path (complete, sizeof complete, incoming, S_COMPLETE);
    s_path (wanted, sizeof wanted, data_dir, S_WANTED);
    bool swapped = false;
    if (s_exists (old) && !s_exists (store)) {
        if (s_exists (complete)) {
            if (rename (incoming, store)) {
                snprintf (errbuf, errlen, "cannot rename %s to %s: %s",
                          incoming, store, strerror (errno));
                return IM_EIO;
            }
            swapped = true;
        }
        else
        if (rename (old, store)) {
            snprintf (errbuf, errlen, "cannot rename %s back to %s: %s",
                      old, store, strerror (errno));
            return IM_EIO;
        }
        im_sync_path (data_dir);
    }
    if (s_exists (old)) {
        swapped = true;             //  store is the new one
        im_remove_tree (old);
    }
    if (swapped) {
        char marker [IM_CONFIG_PATH_MAX + 64];
        s_path (marker, sizeof marker, store, S_COMPLETE);
        unlink (marker);
        unlink (wanted);
        im_sync_path (data_dir);
        zsys_notice ("the store installed from a checkpoint is in place");
    }
    if (s_exists (incoming))
        im_remove_tree (incoming);
    return 0;
}

int
imb_install_run (const im_config_t *config, char *errbuf, size_t errlen)
{
    assert (config);
    const char *data_dir = config->data_dir;
    int rc = s_recover (data_dir, errbuf, errlen);
    if (rc || !imb_install_pending (data_dir))
        return rc;
    if (sodium_init () < 0) {
        snprintf (errbuf, errlen, "libsodium does not initialise");
        return IM_EIO;
    }
    char wanted [IM_CONFIG_PATH_MAX + 32];
    s_path (wanted, sizeof wanted, data_dir, S_WANTED);
    uint64_t index = 0, source = 0;
    FILE *file = fopen (wanted, "r");
    if (!file || fscanf (file, "%" SCNu64 " %" SCNu64, &index, &source) != 2) {
        if (file)
            fclose (file);
        snprintf (errbuf, errlen, "%s does not read as 'index source'",
                  wanted);
        return IM_EIO;
    }
    fclose (file);
    char incoming [IM_CONFIG_PATH_MAX + 32], store [IM_CONFIG_PATH_MAX + 32];
    char old [IM_CONFIG_PATH_MAX + 32];
    s_path (incoming, sizeof incoming, data_dir, "incoming");
    s_path (store, sizeof store, data_dir, "store");
    s_path (old, sizeof old, data_dir, "store.old");
    zsys_notice ("this node's store lacks entries up to index %" PRIu64
                 " that the log no longer holds: fetching a checkpoint",
                 index);
    //  The other nodes let this one in with its own certificate
    im_curve_t *curve = config->curve
                      ? imb_node_keys (config, errbuf, errlen) : NULL;
    if (config->curve && !curve)
        return IM_EIO;
    //  The node that took the snapshot first, then every other member
    rc = IM_ENOTFOUND;
    char reasons [1024] = "";
    for (int pass = 0; pass < 2 && rc; pass++)
        for (size_t at = 0; at < config->members_n && rc; at++) {
            const im_config_member_t *member = &config->members [at];
            if (member->id == config->node_id
            ||  (pass == 0) != (member->id == source))
                continue;
            char reason [512] = "";
            rc = s_fetch (member->client, curve, index, incoming, reason,
                          sizeof reason);
            if (rc) {
                zsys_warning ("checkpoint from node %" PRIu64 ": %s",
                              member->id, reason);
                size_t length = strlen (reasons);
                snprintf (reasons + length, sizeof reasons - length,
                          "%snode %" PRIu64 ": %s", length ? "; " : "",
                          member->id, reason);
            }
        }
    im_curve_destroy (&curve);
    if (rc) {
        im_remove_tree (incoming);
        snprintf (errbuf, errlen, "this node's store lacks entries up to "
                  "raft index %" PRIu64 " and no member could send a "
                  "checkpoint (%s); the node will not serve without them",
                  index, *reasons ? reasons : "no other member is listed");
        return rc;
    }
    if ((s_exists (store) && rename (store, old)) || im_sync_path (data_dir)
    ||  rename (incoming, store) || im_sync_path (data_dir)) {
        snprintf (errbuf, errlen, "cannot swap the store in %s: %s",
                  data_dir, strerror (errno));
        return IM_EIO;
    }
    return s_recover (data_dir, errbuf, errlen);
}
