/*  imb_log_scan - checks libraft's segment files before libraft loads
    them, and moves aside what libraft 0.15 would load wrong

    The segments are listed as libraft lists them (closed "START-END" by
    their first index, then "open-N" by N), read whole, and walked batch
    by batch. The first batch that fails decides: in a closed segment,
    the segment and every one after it go aside, unless the last
    snapshot covers it, when it and every one before it go (the snapshot
    holds their entries); in an open segment, the open segments after
    it go aside and the segment itself is copied there, since libraft
    cuts it at the bad batch when it loads it. A batch that fails with
    nothing but zeros after it is what a crash in the middle of a write
    leaves: that is not damage here.
*/
#include "imb_classes.h"
#include "imb_log_scan.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_FORMAT        1           //  libraft's segment format version
#define S_BATCH_MAX     (8u * 1024 * 1024 / 32)
                                    //  Entries in a batch, at most (as
                                    //  libraft bounds them)

//  One segment file
typedef struct {
    char name [64];                 //  File name
    bool open;                      //  "open-N"
    uint64_t first;                 //  Closed: first index; open: N
    uint64_t last;                  //  Closed: last index
} s_segment_t;

//  The segments of a directory, in libraft's order
typedef struct {
    s_segment_t *items;             //  Owned
    size_t count;                   //  How many
} s_list_t;

//  Nibble table of the CRC (x^32 + x^26 + ... + 1, shifted left)
static const uint32_t s_crc_nibble [16] = {
    0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9, 0x130476dc, 0x17c56b6b,
    0x1a864db2, 0x1e475005, 0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
    0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd
};

uint32_t
imb_log_scan_crc (uint32_t crc, const void *data, size_t size)
{
    const uint8_t *cursor = (const uint8_t *) data;
    for (size_t index = 0; index < size; index++) {
        crc = (crc << 4) ^ s_crc_nibble [(crc >> 28) ^ (cursor [index] >> 4)];
        crc = (crc << 4) ^ s_crc_nibble [(crc >> 28) ^ (cursor [index] & 15)];
    }
    return crc;
}

static int
s_compare (const void *one, const void *two)
{
    const s_segment_t *a = (const s_segment_t *) one;
    const s_segment_t *b = (const s_segment_t *) two;
    if (a->open != b->open)
        return a->open ? 1 : -1;
    return a->first < b->first ? -1 : a->first > b->first;
}

//  True when dir/name exists
static bool
s_exists (const char *dir, const char *name)
{
    char path [IM_CONFIG_PATH_MAX + 300];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    struct stat info;
    return stat (path, &info) == 0;
}

//  Lists the segments of dir, sorted, and the last snapshot's index.
//  Returns 0 or -1.
static int
s_list (const char *dir, s_list_t *list, uint64_t *snapshot_index)
{
    DIR *listing = opendir (dir);
    if (!listing)
        return -1;
    size_t capacity = 0;
    struct dirent *entry;
    while ((entry = readdir (listing))) {
        const char *name = entry->d_name;
        unsigned long long one, two, three;
        int used = 0;
        s_segment_t segment = { "", false, 0, 0 };
        size_t length = strlen (name);
        if (length >= sizeof segment.name)
            continue;
        if (sscanf (name, "snapshot-%llu-%llu-%llu.meta%n", &one, &two,
                    &three, &used) == 3 && (size_t) used == length) {
            char data [64];
            snprintf (data, sizeof data, "%.*s", (int) length - 5, name);
            if (s_exists (dir, data) && two > *snapshot_index)
                *snapshot_index = two;
            continue;
        }
        if (sscanf (name, "%16llu-%16llu%n", &one, &two, &used) == 2
        &&  (size_t) used == length && length == 33 && one <= two) {
            segment.first = one;
            segment.last = two;
        }
        else
        if (sscanf (name, "open-%llu%n", &one, &used) == 1
        &&  (size_t) used == length) {
            segment.open = true;
            segment.first = one;
        }
        else
            continue;
        memcpy (segment.name, name, length + 1);
        if (list->count == capacity) {
            capacity = capacity ? 2 * capacity : 16;
            s_segment_t *items = (s_segment_t *) realloc (
                list->items, capacity * sizeof *items);
            assert (items);
            list->items = items;
        }
        list->items [list->count++] = segment;
    }
    closedir (listing);
    if (list->count)
        qsort (list->items, list->count, sizeof *list->items, s_compare);
    return 0;
}

//  Reads dir/name whole; returns its bytes (the caller's; NULL when it
//  is empty or cannot be read)
static zchunk_t *
s_read (const char *dir, const char *name)
{
    zfile_t *file = zfile_new (dir, name);
    zchunk_t *chunk = NULL;
    if (file && zfile_input (file) == 0 && zfile_cursize (file) > 0)
        chunk = zfile_read (file, (size_t) zfile_cursize (file), 0);
    zfile_destroy (&file);
    return chunk;
}

//  A chunk's bytes and size, where NULL is an empty file
static const uint8_t *
s_bytes (zchunk_t *chunk, size_t *size)
{
    *size = chunk ? zchunk_size (chunk) : 0;
    return chunk ? zchunk_data (chunk) : NULL;
}

//  Checks the batch at offset: 0 when whole (*next its end, *entries
//  its count), 1 when its count is zero (where an open segment's data
//  ends), -1 when it fails; *extent says whether *next is known then
static int
s_batch (const uint8_t *data, size_t size, size_t offset, size_t *next,
         uint64_t *entries, bool *extent)
{
    *extent = false;
    if (offset + 16 > size)
        return -1;
    uint64_t count = im_get_le (data + offset + 8, 8);
    if (count == 0)
        return 1;
    size_t header = 8 + 16 * (size_t) count;
    if (count > S_BATCH_MAX || offset + 8 + header > size
    ||  imb_log_scan_crc (0, data + offset + 8, header)
        != (uint32_t) im_get_le (data + offset, 4))
        return -1;
    size_t length = 0;
    for (uint64_t entry = 0; entry < count; entry++)
        length += im_get_le (data + offset + 16 + 16 * entry + 12, 4);
    if (offset + 8 + header + length > size)
        return -1;
    *extent = true;
    *next = offset + 8 + header + length;
    *entries = count;
    return imb_log_scan_crc (0, data + offset + 8 + header, length)
        == (uint32_t) im_get_le (data + offset + 4, 4) ? 0 : -1;
}

//  Entries in the batches from offset on whose extent is known, up to
//  the first whose extent is not or whose count is zero
static uint64_t
s_entries_from (const uint8_t *data, size_t size, size_t offset)
{
    uint64_t total = 0, entries = 0;
    size_t next = 0;
    bool extent = true;
    while (extent && offset < size) {
        int rc = s_batch (data, size, offset, &next, &entries, &extent);
        if (rc == 1 || !extent)
            break;
        total += entries;
        offset = next;
    }
    return total;
}

//  True when any octet from offset on is not zero
static bool
s_data_from (const uint8_t *data, size_t size, size_t offset)
{
    for (size_t index = offset; index < size; index++)
        if (data [index])
            return true;
    return false;
}

//  Walks a segment; returns true (and fills result's place fields)
//  when it is damaged
static bool
s_damaged (const s_segment_t *segment, const uint8_t *data, size_t size,
           imb_log_scan_t *result)
{
    result->offset = 0;
    result->batch = 0;
    result->entries_after = 0;
    if (segment->open && !s_data_from (data, size, 0))
        return false;               //  Never written: libraft drops it
    if (size < 8 || im_get_le (data, 8) != S_FORMAT)
        return true;
    size_t offset = 8;
    uint64_t entries = 0, total = 0;
    for (unsigned batch = 1; offset < size || !segment->open; batch++) {
        size_t next = 0;
        bool extent = false;
        int rc = offset < size ? s_batch (data, size, offset, &next,
                                          &entries, &extent) : -1;
        if (rc == 0) {
            total += entries;
            offset = next;
            if (!segment->open && offset == size)
                break;
            continue;
        }
        result->offset = offset;
        result->batch = batch;
        if (segment->open) {
            //  Zeros after a bad batch: a write cut by a crash
            size_t from = extent ? next : offset + 16;
            if (!s_data_from (data, size, from < size ? from : size))
                return false;
        }
        result->entries_after = s_entries_from (data, size, offset);
        return true;
    }
    if (!segment->open && total != segment->last - segment->first + 1) {
        result->offset = size;
        result->batch = 0;
        return true;
    }
    return false;
}

//  Moves (or, copy true, copies data of) dir/name into aside as
//  "<stamp>-<name>"; returns 0 or -1
static int
s_aside (const char *dir, const char *aside, const char *name, bool copy,
         const uint8_t *data, size_t size, uint64_t stamp)
{
    char from [IM_CONFIG_PATH_MAX + 300], to [IM_CONFIG_PATH_MAX + 300];
    snprintf (from, sizeof from, "%s/%s", dir, name);
    snprintf (to, sizeof to, "%s/%" PRIu64 "-%s", aside, stamp, name);
    if (mkdir (aside, 0755) && errno != EEXIST)
        return -1;
    int rc = 0;
    if (copy) {
        int fd = open (to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        rc = fd < 0 || write (fd, data, size) != (ssize_t) size
          || fsync (fd) ? -1 : 0;
        if (fd >= 0)
            close (fd);
    }
    else
        rc = rename (from, to);
    int fd = open (aside, O_RDONLY);
    if (fd >= 0) {
        fsync (fd);
        close (fd);
    }
    fd = open (dir, O_RDONLY);
    if (fd >= 0) {
        fsync (fd);
        close (fd);
    }
    return rc;
}

uint64_t
imb_log_scan_snapshot (const char *raft_dir)
{
    assert (raft_dir);
    s_list_t list = { NULL, 0 };
    uint64_t index = 0;
    if (s_list (raft_dir, &list, &index))
        index = 0;
    free (list.items);
    return index;
}

int
imb_log_scan (const char *raft_dir, const char *aside_dir,
              imb_log_scan_t *result)
{
    assert (raft_dir && aside_dir && result);
    memset (result, 0, sizeof *result);
    s_list_t list = { NULL, 0 };
    if (s_list (raft_dir, &list, &result->snapshot_index)) {
        snprintf (result->detail, sizeof result->detail,
                  "cannot list %s: %s", raft_dir, strerror (errno));
        return IM_EIO;
    }
    size_t at = 0, size = 0;
    zchunk_t *chunk = NULL;
    const uint8_t *data = NULL;
    for (; at < list.count; at++) {
        chunk = s_read (raft_dir, list.items [at].name);
        data = s_bytes (chunk, &size);
        if (s_damaged (&list.items [at], data, size, result))
            break;
        zchunk_destroy (&chunk);
    }
    int rc = 0;
    if (at < list.count) {
        const s_segment_t *bad = &list.items [at];
        result->damaged = true;
        snprintf (result->file, sizeof result->file, "%s", bad->name);
        for (size_t later = at + 1; later < list.count; later++) {
            zchunk_t *later_chunk = s_read (raft_dir,
                                            list.items [later].name);
            size_t length = 0;
            const uint8_t *bytes = s_bytes (later_chunk, &length);
            result->entries_after += length >= 8
                ? s_entries_from (bytes, length, 8) : 0;
            zchunk_destroy (&later_chunk);
        }
        //  What goes aside: [from, to) of the list; the bad open segment
        //  is copied when libraft keeps batches of it
        size_t from = at, to = list.count;
        bool covered = !bad->open && bad->last <= result->snapshot_index;
        if (covered) {
            from = 0;
            to = at + 1;
        }
        uint64_t stamp = (uint64_t) zclock_time ();
        bool copy = bad->open && result->batch > 1;
        for (size_t index = from; index < to && rc == 0; index++) {
            bool copy_this = copy && index == at;
            if (list.items [index].open && index != at) {
                //  One never written is libraft's to drop
                zchunk_t *open_chunk = s_read (raft_dir,
                                               list.items [index].name);
                size_t length = 0;
                const uint8_t *bytes = s_bytes (open_chunk, &length);
                bool written = length && s_data_from (bytes, length, 0);
                zchunk_destroy (&open_chunk);
                if (!written)
                    continue;
            }
            rc = s_aside (raft_dir, aside_dir, list.items [index].name,
                          copy_this, data, size, stamp);
            result->moved += rc == 0;
        }
        snprintf (result->detail, sizeof result->detail,
                  "%s: batch %u at byte %zu fails its checks (%" PRIu64
                  " entries in whole batches from there on); %s%zu "
                  "segment%s %s %s/%" PRIu64 "-*%s", bad->name,
                  result->batch, result->offset, result->entries_after,
                  covered ? "the last snapshot holds them; " : "",
                  result->moved, result->moved == 1 ? "" : "s",
                  copy ? "copied or moved to" : "moved to", aside_dir, stamp,
                  rc ? " (a move failed)" : "");
    }
    zchunk_destroy (&chunk);
    free (list.items);
    return rc ? IM_EIO : 0;
}
