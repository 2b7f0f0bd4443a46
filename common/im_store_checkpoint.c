/*  im_store_checkpoint - a consistent copy of the store, on disk

    A RocksDB checkpoint hard-links the table files and copies the live
    WAL, so it costs little space and time whatever the size of the
    database, and opening it replays that WAL. Memtables are not flushed
    for it: a checkpoint never waits for a flush, and may be taken from
    any thread while the owner writes. A node that has to catch up from
    a snapshot streams such a checkpoint's files (imb_checkpoint).
*/
#include "im_classes.h"
#include "im_store_private.h"

int
im_store_checkpoint (im_store_t *self, const char *dir, char *errbuf,
                     size_t errlen)
{
    assert (self && dir);
    char *err = NULL;
    rocksdb_checkpoint_t *checkpoint =
        rocksdb_checkpoint_object_create (self->db, &err);
    if (!err)
        rocksdb_checkpoint_create (checkpoint, dir, UINT64_MAX, &err);
    if (checkpoint)
        rocksdb_checkpoint_object_destroy (checkpoint);
    if (err) {
        if (errbuf && errlen)
            snprintf (errbuf, errlen, "checkpoint in '%s': %s", dir, err);
        rocksdb_free (err);
        return IM_EIO;
    }
    return 0;
}
