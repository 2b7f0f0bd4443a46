/*  imb_raft_fsm - libraft's state machine callbacks: entries handed to
    the applier, snapshots (a manifest) and their restore
*/
#include "imb_raft_private.h"

//  --------------------------------------------------------------------
//  Handing entries to the applier. libraft calls apply and then, for an
//  entry this node proposed, the proposal's callback, one after the
//  other: the entry waits here ("staged") for that callback to attach
//  the tokens of its commands, and is handed on without tokens by the
//  next apply or at the end of the loop iteration when no callback came.

void
imb_raft_hand_on (imb_raft_t *self, const uint64_t *tokens, size_t count)
{
    if (!self->staged_index)
        return;
    uint64_t start = im_mono_ms ();
    imb_applier_push (self->applier, self->staged_index, self->staged_data,
                      self->staged_size, tokens, count);
    self->pushed_index = self->staged_index;
    free (self->staged_data);
    self->staged_data = NULL;
    self->staged_index = 0;
    self->push_ms += im_mono_ms () - start;
}

void
imb_raft_check (uv_check_t *check)
{
    imb_raft_hand_on ((imb_raft_t *) check->data, NULL, 0);
}

//  --------------------------------------------------------------------
//  libraft state machine callbacks

static void
s_adapt_snapshots (imb_raft_t *self, size_t entry_size)
{
    self->entry_bytes += entry_size;
    if (++self->entry_count < SNAPSHOT_ADAPT
    &&  self->entry_bytes < SNAPSHOT_BYTES / 4)
        return;
    uint64_t average = self->entry_bytes / self->entry_count;
    uint64_t threshold = SNAPSHOT_BYTES / (average ? average : 1);
    if (threshold > self->config.snapshot_threshold)
        threshold = self->config.snapshot_threshold;
    if (threshold < SNAPSHOT_ENTRIES)
        threshold = SNAPSHOT_ENTRIES;
    uint64_t trailing = threshold / 8;
    if (trailing > self->config.snapshot_trailing)
        trailing = self->config.snapshot_trailing;
    raft_set_snapshot_threshold (&self->raft, (unsigned) threshold);
    raft_set_snapshot_trailing (&self->raft, (unsigned) (trailing ? trailing
                                                                   : 1));
    self->entry_bytes = 0;
    self->entry_count = 0;
}

static int
s_fsm_apply (struct raft_fsm *fsm, const struct raft_buffer *buf,
             void **result)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    *result = NULL;
    if (self->install || imb_applier_broken (self->applier))
        return RAFT_IOERR;          //  The node is stopping
    imb_raft_hand_on (self, NULL, 0);
    self->staged_data = malloc (buf->len ? buf->len : 1);
    if (!self->staged_data)
        return RAFT_NOMEM;
    memcpy (self->staged_data, buf->base, buf->len);
    self->staged_size = buf->len;
    self->staged_index = raft_last_applied (&self->raft) + 1;
    s_adapt_snapshots (self, buf->len);
    return 0;
}

//  Snapshots (libraft's fsm version 3). On this thread: the manifest is
//  made, naming the last entry handed to the applier. In libuv's thread
//  pool: the wait for the applier to have written that entry and the
//  store sync, since the log entries before the snapshot may be deleted
//  once it is taken; this thread goes on meanwhile, applying too. Then,
//  on this thread again, the manifest is freed.
static int
s_fsm_snapshot (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                unsigned *n_bufs)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    imb_raft_hand_on (self, NULL, 0);
    *bufs = (struct raft_buffer *) raft_malloc (sizeof (struct raft_buffer));
    if (!*bufs)
        return RAFT_NOMEM;
    unsigned char *data = (unsigned char *) raft_malloc (SNAPSHOT_SIZE);
    if (!data) {
        raft_free (*bufs);
        *bufs = NULL;
        return RAFT_NOMEM;
    }
    memcpy (data, SNAPSHOT_MAGIC, 8);
    uint64_t index = self->pushed_index;
    if (index < imb_applier_applied (self->applier))
        index = imb_applier_applied (self->applier);
    im_put_u64 (data + 8, index);
    im_put_u64 (data + 16, 0);      //  Last seq: once applied
    im_put_u64 (data + 24, self->config.node_id);
    (*bufs) [0].base = data;
    (*bufs) [0].len = SNAPSHOT_SIZE;
    *n_bufs = 1;
    return 0;
}

static int
s_fsm_snapshot_async (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                      unsigned *n_bufs)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    if (*n_bufs != 1)
        return RAFT_INVALID;
    unsigned char *data = (unsigned char *) (*bufs) [0].base;
    uint64_t start = im_mono_ms ();
    uint64_t last_seq = 0;
    if (imb_applier_wait_index (self->applier, im_get_u64 (data + 8),
                                &last_seq))
        return RAFT_IOERR;
    uint64_t applied = im_mono_ms ();
    //  RocksDB's WAL sync may be called from any thread while the
    //  applier writes
    int rc = imc_store_sync (self->store);
    uint64_t synced = im_mono_ms ();
    if (synced - start > 1000)
        zsys_info ("imb_raft: snapshot took %" PRIu64 " ms: %" PRIu64
                   " ms for the applier to reach it, %" PRIu64 " ms to "
                   "sync the store", synced - start, applied - start,
                   synced - applied);
    if (rc) {
        zsys_error ("imb_raft: snapshot: cannot sync store");
        return RAFT_IOERR;
    }
    im_put_u64 (data + 16, last_seq);
    return 0;
}

static int
s_fsm_snapshot_finalize (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                         unsigned *n_bufs)
{
    (void) fsm;
    for (unsigned index = 0; *bufs && index < *n_bufs; index++)
        raft_free ((*bufs) [index].base);
    raft_free (*bufs);
    *bufs = NULL;
    *n_bufs = 0;
    return 0;
}

static int
s_fsm_restore (struct raft_fsm *fsm, struct raft_buffer *buf)
{
    imb_raft_t *self = (imb_raft_t *) fsm->data;
    imb_raft_hand_on (self, NULL, 0);
    int rc = imb_applier_wait (self->applier) ? RAFT_IOERR : 0;
    if (rc)
        ;
    else
    if ((buf->len != SNAPSHOT_SIZE
         || memcmp (buf->base, SNAPSHOT_MAGIC, 8))
    &&  (buf->len != SNAPSHOT1_SIZE
         || memcmp (buf->base, SNAPSHOT1_MAGIC, 8))) {
        zsys_error ("imb_raft: snapshot is not an imq manifest");
        rc = RAFT_CORRUPT;
    }
    else {
        uint64_t index = im_get_u64 ((char *) buf->base + 8);
        uint64_t source = buf->len == SNAPSHOT_SIZE
                        ? im_get_u64 ((char *) buf->base + 24) : 0;
        if (index > imc_fsm_applied_index (self->fsm)) {
            //  The store lacks what the log no longer has: fetch it
            //  from another node before serving anything
            zsys_warning ("imb_raft: snapshot at index %" PRIu64 " (node %"
                          PRIu64 ") is beyond this node's data (applied %"
                          PRIu64 "): the store will be replaced by a "
                          "checkpoint", index, source,
                          imc_fsm_applied_index (self->fsm));
            if (imb_install_want (self->config.data_dir, index, source))
                zsys_error ("imb_raft: cannot record the install in %s",
                            self->config.data_dir);
            //  Taken, not refused: libraft leaks on its refusal path.
            //  Nothing is applied from now on (s_fsm_apply), and the
            //  server stops at its next tick to install the checkpoint.
            self->install = true;
        }
    }
    if (rc == 0)
        raft_free (buf->base);      //  Ours on success only
    return rc;
}

void
imb_raft_fsm_init (imb_raft_t *self)
{
    self->raft_fsm.version = 3;
    self->raft_fsm.data = self;
    self->raft_fsm.apply = s_fsm_apply;
    self->raft_fsm.snapshot = s_fsm_snapshot;
    self->raft_fsm.restore = s_fsm_restore;
    self->raft_fsm.snapshot_finalize = s_fsm_snapshot_finalize;
    self->raft_fsm.snapshot_async = s_fsm_snapshot_async;
}
