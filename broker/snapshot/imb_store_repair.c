/*  imb_store_repair - rebuilds a store RocksDB found corrupt, where the
    Raft log or another node still holds what it held

    "store.damaged" in the data directory holds RocksDB's report. Its
    repair: when the log no longer starts at index 1 (the last snapshot
    is at S > 0), an install of a checkpoint at S or past it is wanted
    first (imb_install); then the store is removed, then the record.
    Each step is synced, and the record goes last, so a crash in the
    middle makes the next start do the rest again.
*/
#include "imb_classes.h"
#include "imb_store_repair.h"
#include "imb_log_scan.h"
#include <sys/stat.h>
#include <unistd.h>

#define S_DAMAGED       "store.damaged"

int
imb_store_repair_want (const char *data_dir, const char *detail)
{
    assert (data_dir && detail);
    char text [1024];
    snprintf (text, sizeof text, "%.1000s\n", detail);
    //  One line: what RocksDB said is read back as one
    text [strcspn (text, "\n")] = 0;
    strcat (text, "\n");
    return im_write_synced (data_dir, S_DAMAGED, text);
}

bool
imb_store_repair_pending (const char *data_dir)
{
    char path [IM_CONFIG_PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/%s", data_dir, S_DAMAGED);
    struct stat info;
    return stat (path, &info) == 0;
}

int
imb_store_repair_run (const im_config_t *config, char *errbuf,
                      size_t errlen)
{
    assert (config);
    const char *data_dir = config->data_dir;
    if (!imb_store_repair_pending (data_dir))
        return 0;
    char path [IM_CONFIG_PATH_MAX + 32], store [IM_CONFIG_PATH_MAX + 32];
    char raft [IM_CONFIG_PATH_MAX + 32], detail [600] = "";
    snprintf (path, sizeof path, "%s/%s", data_dir, S_DAMAGED);
    snprintf (store, sizeof store, "%s/store", data_dir);
    snprintf (raft, sizeof raft, "%s/raft", data_dir);
    FILE *file = fopen (path, "r");
    if (file) {
        if (!fgets (detail, sizeof detail, file))
            detail [0] = 0;
        fclose (file);
    }
    detail [strcspn (detail, "\n")] = 0;
    uint64_t snapshot = imb_log_scan_snapshot (raft);
    bool others = config->join;
    for (size_t index = 0; index < config->members_n; index++)
        others |= config->members [index].id != config->node_id;
    if (snapshot > 0 && !others) {
        snprintf (errbuf, errlen, "the store %s is damaged (%s). This node "
                  "is the only member and its Raft log starts after index %"
                  PRIu64 " (its last snapshot), so what the store held up "
                  "to there is in no other copy: the node will not start. "
                  "Restore the data directory from a backup", store,
                  *detail ? detail : "no detail was recorded", snapshot);
        return IM_EIO;
    }
    zsys_warning ("imb_store_repair: the store %s is damaged (%s): it is "
                  "removed and rebuilt from %s", store,
                  *detail ? detail : "no detail was recorded",
                  snapshot ? "another member's checkpoint and the Raft log"
                           : "the Raft log, which starts at index 1");
    if (snapshot && imb_install_want (data_dir, snapshot, 0)) {
        snprintf (errbuf, errlen, "cannot record the install in %s",
                  data_dir);
        return IM_EIO;
    }
    im_remove_tree (store);
    struct stat info;
    if (stat (store, &info) == 0 || im_sync_path (data_dir)
    ||  unlink (path) || im_sync_path (data_dir)) {
        snprintf (errbuf, errlen, "cannot remove the damaged store %s: %s",
                  store, strerror (errno));
        return IM_EIO;
    }
    return 0;
}
