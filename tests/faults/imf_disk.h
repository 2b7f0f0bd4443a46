/*  imf_disk - what the fault suite does to a node's disk

    A full disk is a small tmpfs mounted on the node's data directory
    and filled with a filler file; a corrupted disk is one bit flipped
    in a file the node wrote: an entry of a Raft segment (found by
    reading the segment's batches, libraft 0.15's format: a format
    word, then per batch two CRC32 words, the entry count, 16 octets of
    header per entry and the entries' data, each padded to 8), or a
    RocksDB table file. Every flip says what it hit.
*/
#ifndef IMF_DISK_H_INCLUDED
#define IMF_DISK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Mounts a tmpfs of mb MiB on dir (made if missing); returns 0 or -1
int
    imf_disk_mount (const char *dir, size_t mb);

//  Unmounts dir (lazily, so a process still in it does not block);
//  returns 0 or -1
int
    imf_disk_umount (const char *dir);

//  Writes dir/imf-filler until the file system is full; returns the
//  octets written, or -1 when it could not start
int64_t
    imf_disk_fill (const char *dir);

//  Removes dir/imf-filler; returns 0 or -1
int
    imf_disk_free (const char *dir);

//  Flips one bit of the entry data of one batch of a Raft segment in
//  raft_dir: the newest open segment holding batches (open true) or
//  the newest closed one. The batch is back batches before the last
//  one (or, in a shorter segment, one picked by random in its first
//  half); random picks the octet and bit. what gets a line saying what
//  was flipped. Returns 0, or -1 (with what saying why).
int
    imf_disk_flip_segment (const char *raft_dir, bool open, int back,
                           uint64_t random, char *what, size_t size);

//  Flips one bit of the largest file in dir whose name ends with
//  suffix (".sst"), at an offset random picks in its first 90% (data
//  blocks, not the footer that an open reads anyway). Returns 0 or -1,
//  with what as above.
int
    imf_disk_flip_file (const char *dir, const char *suffix,
                        uint64_t random, char *what, size_t size);

#endif
