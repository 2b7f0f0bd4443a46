/*  imb_log_mark - how far this node's Raft log reached, kept outside it

    A node tells the leader it stored entries once its disk write is
    done; the leader may count that towards a commit and answer the
    client. If the disk later loses those entries (a flipped bit, a
    torn sector), libraft 0.15 loads what is left and says nothing, and
    the node would vote and even lead with a log that lacks what it
    acknowledged. The mark is the highest Raft index the node knows its
    log held durably: written (and synced) after each append completes
    and before libraft hears of it, lowered before libraft may discard
    entries (a truncation, an installed snapshot), and compared at start
    with what libraft loaded. Beside it, the highest term libraft made
    current here (written before libraft's own record of it): a node
    that voted in a term must not vote in it again, even if libraft's
    metadata files were lost. It lives in its own small file beside the
    Raft directory ("raft-mark", docs/storage.md 1.1): two 40-octet
    records in separate 512-octet sectors, written in turn, each with a
    sequence number and a CRC32, so a write torn by a crash leaves the
    other one.
*/
#ifndef IMB_LOG_MARK_H_INCLUDED
#define IMB_LOG_MARK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _imb_log_mark_t imb_log_mark_t;

//  Opens (or creates) the mark file at path and reads it. Returns NULL
//  with the reason in errbuf when the file cannot be opened.
imb_log_mark_t *
    imb_log_mark_new (const char *path, char *errbuf, size_t errlen);

void
    imb_log_mark_destroy (imb_log_mark_t **self_p);

//  True when the file held a valid record when it was opened (false:
//  a new file, or one whose records both fail their checks)
bool
    imb_log_mark_found (imb_log_mark_t *self);

//  The index last read or written
uint64_t
    imb_log_mark_index (imb_log_mark_t *self);

//  The term last read or written
uint64_t
    imb_log_mark_term (imb_log_mark_t *self);

//  Writes index (and the term as it is) durably: the write returns once
//  it is on disk. Returns 0, or IM_EIO with the reason logged.
int
    imb_log_mark_write (imb_log_mark_t *self, uint64_t index);

//  Writes term (and the index as it is) durably. Returns 0 or IM_EIO.
int
    imb_log_mark_write_term (imb_log_mark_t *self, uint64_t term);

#endif
