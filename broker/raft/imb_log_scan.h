/*  imb_log_scan - checks libraft's segment files before libraft loads
    them, and moves aside what libraft 0.15 would load wrong

    libraft 0.15 repairs a damaged log silently (nothing is said unless
    LIBRAFT_TRACE is set): an open segment is cut at its first batch
    that fails a checksum, even when valid batches follow, and the open
    segments after it are then loaded as if they followed the cut, at
    the wrong indexes; the last closed segment that fails is renamed
    "corrupt-..." and forgotten, and one before it stops the node. The
    scan reads every segment as <raft/uv.h> documents the format (an
    8-octet format version, then batches: CRC32 of the batch header,
    CRC32 of the data, the entry count, one 16-octet header per entry,
    the entries' data), finds the first batch that fails, and leaves
    libraft a log it loads right: the valid prefix. What it cannot load
    right is moved into aside_dir (never deleted): a damaged closed
    segment with every segment after it (or, when the snapshot covers
    it, with every segment before it: nothing is lost then), and the
    open segments after a damaged open one. A damaged open segment
    itself is copied there before libraft cuts it.

    The scan only says what the files hold. Whether entries this node
    had acknowledged were lost is the mark's call (imb_log_mark), which
    knows how far the log reached: a batch cut short by a crash looks
    exactly like a damaged last batch.
*/
#ifndef IMB_LOG_SCAN_H_INCLUDED
#define IMB_LOG_SCAN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  What a scan found, a plain value type
typedef struct {
    uint64_t snapshot_index;        //  Index of the last snapshot, 0: none
    bool damaged;                   //  A batch fails its checks with other
                                    //  data after it, or a closed segment
                                    //  does not read whole
    char file [64];                 //  The first damaged segment
    size_t offset;                  //  Where its first bad batch starts
    unsigned batch;                 //  That batch's number in it (1 ..)
    uint64_t entries_after;         //  Entries in whole batches from the
                                    //  bad one on (its own when its header
                                    //  holds), in it and the files after
    size_t moved;                   //  Segments moved or copied aside
    char detail [512];              //  What was found and done, said once
} imb_log_scan_t;

//  Scans the segments of raft_dir and moves aside into aside_dir
//  (created when needed) what libraft would load wrong, before libraft
//  loads them. Fills result. Returns 0, or IM_EIO when raft_dir cannot
//  be listed or a file cannot be moved (result->detail says which).
int
    imb_log_scan (const char *raft_dir, const char *aside_dir,
                  imb_log_scan_t *result);

//  The index of the last snapshot in raft_dir (its data and .meta files
//  both there), 0 when there is none or raft_dir cannot be listed. Up
//  to it, entries may be gone from the log: the state machine holds
//  them.
uint64_t
    imb_log_scan_snapshot (const char *raft_dir);

//  The CRC32 libraft's segments carry (polynomial 0x04c11db7, most
//  significant bit first, no reflection, no final XOR), continued from
//  crc over size octets of data
uint32_t
    imb_log_scan_crc (uint32_t crc, const void *data, size_t size);

#endif
