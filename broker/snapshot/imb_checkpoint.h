/*  imb_checkpoint - serves checkpoints of this node's store to a node
    that must catch up from a snapshot

    CHECKPOINT takes a RocksDB checkpoint now and lists its files;
    CHECKPOINT-READ returns one chunk of one file with a BLAKE2b hash of
    it (docs/protocol.md 3.8). The files are read from disk chunk by
    chunk: neither side holds the database in memory. The main thread
    owns this object.
*/
#ifndef IMB_CHECKPOINT_H_INCLUDED
#define IMB_CHECKPOINT_H_INCLUDED

#include <czmq.h>
#include "im_proto.h"
#include "imc_store.h"

#define IMB_CHECKPOINT_CHUNK    (512 * 1024)    //  Bytes per read, at most
#define IMB_CHECKPOINT_KEEP     2               //  Checkpoints kept on disk
#define IMB_CHECKPOINT_HASH     32              //  BLAKE2b-256 of a chunk

typedef struct _imb_checkpoint_t imb_checkpoint_t;

//  Serves checkpoints of store (borrowed) from <data_dir>/checkpoints
imb_checkpoint_t *
    imb_checkpoint_new (imc_store_t *store, const char *data_dir);

void
    imb_checkpoint_destroy (imb_checkpoint_t **self_p);

//  True for the CHECKPOINT and CHECKPOINT-READ verbs
bool
    imb_checkpoint_is_verb (const char *verb);

//  Answers a CHECKPOINT or CHECKPOINT-READ request; caller owns the reply
zmsg_t *
    imb_checkpoint_answer (imb_checkpoint_t *self,
                           const im_request_t *request);

#endif
