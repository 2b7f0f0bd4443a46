/*  imc_store_checkpoint - a consistent copy of the store, on disk

    A RocksDB checkpoint hard-links the table files and copies the
    manifest, so it costs little space and time whatever the size of the
    database. The store keeps no WAL, so the memtables are flushed first,
    every column family at once (atomic flush): the copy is the state
    after one whole entry. It may be taken from any thread while the
    owner writes. A node that has to catch up from a snapshot streams
    such a checkpoint's files (imb_checkpoint); imc_store_sync takes one
    and drops it, for the flush.
*/
#include <assert.h>
#include <stdio.h>

#include "im_error.h"
#include "imc_store.h"
#include "imc_store_private.h"

int
imc_store_checkpoint (imc_store_t *self, const char *dir, char *errbuf,
                      size_t errlen)
{
    assert (self && dir);
    char *err = NULL;
    rocksdb_checkpoint_t *checkpoint =
        rocksdb_checkpoint_object_create (self->db, &err);
    if (!err)
        rocksdb_checkpoint_create (checkpoint, dir, 0, &err);
    if (checkpoint)
        rocksdb_checkpoint_object_destroy (checkpoint);
    if (err) {
        imc_store_note (self, err);
        if (errbuf && errlen)
            snprintf (errbuf, errlen, "checkpoint in '%s': %s", dir, err);
        rocksdb_free (err);
        return IM_EIO;
    }
    return 0;
}
