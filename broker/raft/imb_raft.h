/*  imb_raft - the Raft thread: libraft, its libuv loop, the store and the
    state machine

    Everything that writes the log lives on one thread with its own libuv
    loop. The broker's main thread hands it packed commands through a
    bounded queue (a mutex and uv_async_send: the only thread-safe libuv
    call, whose wake-ups coalesce, so each wake-up drains the queue). The
    Raft thread packs what is waiting into one entry (group commit),
    proposes it, and when the entry is applied sends the results back to
    the main thread over an inproc PAIR socket, one message per entry.

    The results message is described in imb_raft_results.h.
*/
#ifndef IMB_RAFT_H_INCLUDED
#define IMB_RAFT_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include <czmq.h>
#include "im_config.h"
#include "imc_store.h"

typedef struct _imb_raft_t imb_raft_t;

//  What the main thread may know about Raft, copied under the lock
typedef struct {
    int state;                      //  RAFT_FOLLOWER, _CANDIDATE, _LEADER...
    uint64_t term;                  //  Current term
    uint64_t leader_id;             //  0 when unknown
    bool leader_silent;             //  Not heard from for 2 heartbeats
    char leader_address [256];      //  Raft address of the leader
    uint64_t commit_index;          //  Highest committed index
    uint64_t applied_index;         //  Highest applied index
    uint64_t last_seq;              //  Last event seq applied
    size_t queue;                   //  Commands waiting to be proposed
    bool failed;                    //  The thread stopped on an error
    bool log_failed;                //  libraft stopped on an I/O error
                                    //  of the Raft log (it is unavailable)
    bool install;                   //  The store must be replaced by a
                                    //  checkpoint (imb_install): restart
    uint64_t log_repair_to;         //  The Raft log lost entries: the
                                    //  index it must reach before this
                                    //  node votes (imb_log_guard); 0: none
} imb_raft_status_t;

//  Opens the store in config->data_dir, starts Raft on its thread and
//  waits until it runs. Returns NULL with the reason in errbuf (port in
//  use, data directory not writable, store refused...).
imb_raft_t *
    imb_raft_new (const im_config_t *config, char *errbuf, size_t errlen);

//  Stops Raft, joins the thread, closes the store
void
    imb_raft_destroy (imb_raft_t **self_p);

//  The store, for reads from the main thread (RocksDB reads are
//  thread-safe); borrowed
imc_store_t *
    imb_raft_store (imb_raft_t *self);

//  The main thread's end of the results pipe; borrowed
zsock_t *
    imb_raft_results (imb_raft_t *self);

//  Queues one packed command (im_command_pack bytes, copied) under
//  token. Returns 0, or IM_EBUSY when the queue is full. The Raft thread
//  is not woken: call imb_raft_flush after a run of submits, so that
//  commands read together are proposed together, with one wake-up.
int
    imb_raft_submit (imb_raft_t *self, uint64_t token,
                     const void *command, size_t size);

//  Wakes the Raft thread if commands were submitted since the last flush
void
    imb_raft_flush (imb_raft_t *self);

//  Asks Raft itself for something (an imb_raft_ctl_kind_t: a barrier,
//  a membership change) under token; its outcome comes back on the
//  results pipe like a command's, with status 200 when it was done.
//  address is for adding a node. Returns 0 or IM_ENOMEM.
int
    imb_raft_control (imb_raft_t *self, uint64_t token, int kind,
                      uint64_t node_id, const char *address);

//  Copies the current status
void
    imb_raft_status (imb_raft_t *self, imb_raft_status_t *status);

//  The name of a Raft state ("leader", "follower"...); a static string
const char *
    imb_raft_state_name (int state);

//  Waits up to timeout_ms for this node to lead; returns true if it does
bool
    imb_raft_wait_leader (imb_raft_t *self, int timeout_ms);

#endif
