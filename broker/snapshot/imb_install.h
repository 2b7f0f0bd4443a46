/*  imb_install - replaces this node's store with a checkpoint of
    another node's, when a Raft snapshot says the store lacks entries
    the log no longer has

    libraft hands a snapshot (our manifest: an index and the node that
    took it) to a node whose log is too far behind. When the index is
    beyond the node's store, the Raft thread records the wish
    (imb_install_want) and the node stops; before the store is opened
    again, imb_install_run streams a checkpoint from the snapshot's
    node (or any member that has applied that far), verifies every
    chunk's hash and that the result opens at that index, and swaps it
    in with renames that a crash at any point either completes or
    undoes on the next start (docs/storage.md 3.1).
*/
#ifndef IMB_INSTALL_H_INCLUDED
#define IMB_INSTALL_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "im_config.h"

//  Records, durably, that the store in data_dir must be replaced by a
//  checkpoint at raft index >= index, preferably from node source (0:
//  any member). Returns 0 or IM_EIO.
int
    imb_install_want (const char *data_dir, uint64_t index, uint64_t source);

//  True when an install is wanted in data_dir
bool
    imb_install_pending (const char *data_dir);

//  Completes or undoes a swap a crash interrupted, then carries out a
//  wanted install from the members of config. Returns 0 when the store
//  is ready to open, else IM_EIO / IM_ENOTFOUND with the reason in
//  errbuf (the node must not start).
int
    imb_install_run (const im_config_t *config, char *errbuf, size_t errlen);

#endif
