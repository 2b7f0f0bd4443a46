/*  imb_store_repair - rebuilds a store RocksDB found corrupt, where the
    Raft log or another node still holds what it held

    A flipped bit in a table file makes every read of its block fail its
    checksum, and a restart reads the same bytes: the node cannot serve,
    and replaying the Raft log does not help while the bad block stays.
    But the store is derived data. Every entry it applied is in this
    node's Raft log, back to the last snapshot, and the state at that
    snapshot is in every other node's store. So a node whose store is
    found corrupt (at open, or by any read or write, imc_store_damaged)
    records it ("store.damaged", with RocksDB's words, which name the
    file and offset) and stops; before the store is opened again the
    damaged store is removed, and the node starts with an empty one: it
    replays its whole log when the log still starts at index 1, and
    otherwise installs a checkpoint from another member (imb_install,
    docs/storage.md 3.1) at or past its last snapshot, then replays the
    rest. Only a node with no other member and a log compacted past
    index 1 has no copy to rebuild from: it does not start, says what
    RocksDB reported and what the operator can do, and leaves the store
    as it is.
*/
#ifndef IMB_STORE_REPAIR_H_INCLUDED
#define IMB_STORE_REPAIR_H_INCLUDED

#include <stdbool.h>
#include "im_config.h"

//  Records, durably, that the store in data_dir is damaged; detail is
//  RocksDB's report. Returns 0 or IM_EIO.
int
    imb_store_repair_want (const char *data_dir, const char *detail);

//  True when a repair of the store in data_dir is wanted
bool
    imb_store_repair_pending (const char *data_dir);

//  Carries out a wanted repair before the store is opened (call it
//  before imb_install_run). Returns 0 when the store may be opened (no
//  repair was wanted, or the damaged store was removed and, when the
//  log no longer holds everything, a checkpoint install is wanted), or
//  IM_EIO with the reason and what to do in errbuf (the node must not
//  start).
int
    imb_store_repair_run (const im_config_t *config, char *errbuf,
                          size_t errlen);

#endif
