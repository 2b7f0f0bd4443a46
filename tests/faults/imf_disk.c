/*  imf_disk - what the fault suite does to a node's disk

    The segment reader follows libraft 0.15's layout (its uv_encoding.c)
    only as far as it needs to find where an entry's data lies: it does
    not check the CRCs, since the point is to break one.
*/
#include <czmq.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "im_classes.h"
#include "imf_disk.h"

#define IMF_FILLER      "imf-filler"
#define IMF_BATCHES_MAX 200000      //  Batches one segment is read for

int
imf_disk_mount (const char *dir, size_t mb)
{
    assert (dir);
    if (zsys_dir_create ("%s", dir))
        return -1;
    char options [32];
    snprintf (options, sizeof options, "size=%zum", mb);
    if (mount ("imf-tmpfs", dir, "tmpfs", 0, options)) {
        fprintf (stderr, "imf_disk: mount tmpfs on %s: %s\n", dir,
                 strerror (errno));
        return -1;
    }
    return 0;
}

int
imf_disk_umount (const char *dir)
{
    assert (dir);
    return umount2 (dir, MNT_DETACH) ? -1 : 0;
}

int64_t
imf_disk_fill (const char *dir)
{
    assert (dir);
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, IMF_FILLER);
    int fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return -1;
    static const char block [65536];
    int64_t written = 0;
    ssize_t rc;
    while ((rc = write (fd, block, sizeof block)) > 0)
        written += rc;
    close (fd);
    return written;
}

int
imf_disk_free (const char *dir)
{
    assert (dir);
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, IMF_FILLER);
    return unlink (path) && errno != ENOENT ? -1 : 0;
}

//  Reads a little-endian u64 at data
static uint64_t
s_le64 (const unsigned char *data)
{
    uint64_t value = 0;
    for (int index = 7; index >= 0; index--)
        value = value << 8 | data [index];
    return value;
}

//  Where one batch's entry data lies in a segment
typedef struct {
    size_t offset;                  //  First octet of the data
    size_t length;                  //  Octets of data, padding included
} s_batch_t;

//  Reads the batches of a segment file into batches (up to max);
//  returns how many
static size_t
s_batches (const unsigned char *data, size_t size, s_batch_t *batches,
           size_t max)
{
    size_t offset = 8, count = 0;   //  After the format word
    while (offset + 16 <= size && count < max) {
        uint64_t entries = s_le64 (data + offset + 8);
        if (entries == 0 || entries > 1u << 20)
            break;                  //  The zeroed tail of an open segment
        size_t header = 16 + 16 * (size_t) entries;
        if (offset + header > size)
            break;
        size_t length = 0;
        for (uint64_t entry = 0; entry < entries; entry++) {
            const unsigned char *at = data + offset + 16 + 16 * entry;
            uint32_t bytes = (uint32_t) at [12] | (uint32_t) at [13] << 8
                           | (uint32_t) at [14] << 16
                           | (uint32_t) at [15] << 24;
            length += ((size_t) bytes + 7) / 8 * 8;
        }
        if (offset + header + length > size)
            break;
        batches [count].offset = offset + header;
        batches [count].length = length;
        count++;
        offset += header + length;
    }
    return count;
}

//  Picks the newest segment of a kind in dir into name; true if found
static bool
s_newest_segment (const char *dir, bool open, char *name, size_t size)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return false;
    unsigned long long best = 0;
    bool found = false;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        unsigned long long first = 0, last = 0;
        bool is_open = sscanf (entry->d_name, "open-%llu", &first) == 1;
        bool is_closed = !is_open && entry->d_name [0] >= '0'
            && entry->d_name [0] <= '9'
            && sscanf (entry->d_name, "%llu-%llu", &first, &last) == 2;
        if ((open ? !is_open : !is_closed) || (found && first <= best))
            continue;
        //  An open segment prepared but never written holds no batch
        char path [1024];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        FILE *file = fopen (path, "rb");
        unsigned char head [24] = { 0 };
        bool written = file && fread (head, 1, sizeof head, file) == 24
                    && s_le64 (head + 16) != 0;
        if (file)
            fclose (file);
        if (!written)
            continue;
        best = first;
        found = true;
        im_strlcpy (name, entry->d_name, size);
    }
    closedir (handle);
    return found;
}

//  Flips bit of the octet at offset of path; returns 0 or -1
static int
s_flip (const char *path, size_t offset, int bit)
{
    int fd = open (path, O_RDWR);
    if (fd < 0)
        return -1;
    unsigned char octet;
    int rc = -1;
    if (pread (fd, &octet, 1, (off_t) offset) == 1) {
        octet ^= (unsigned char) (1u << bit);
        if (pwrite (fd, &octet, 1, (off_t) offset) == 1 && fsync (fd) == 0)
            rc = 0;
    }
    close (fd);
    return rc;
}

int
imf_disk_flip_segment (const char *raft_dir, bool open, int back,
                       uint64_t random, char *what, size_t size)
{
    assert (raft_dir && what);
    char name [64], path [1024];
    if (!s_newest_segment (raft_dir, open, name, sizeof name)) {
        snprintf (what, size, "no %s segment with entries in %s",
                  open ? "open" : "closed", raft_dir);
        return -1;
    }
    snprintf (path, sizeof path, "%s/%s", raft_dir, name);
    char *data = NULL;
    size_t length = 0;
    zfile_t *file = zfile_new (NULL, path);
    zchunk_t *chunk = file && zfile_input (file) == 0
                    ? zfile_read (file, (size_t) zfile_cursize (file), 0) : NULL;
    if (chunk) {
        data = (char *) zchunk_data (chunk);
        length = zchunk_size (chunk);
    }
    s_batch_t *batches = (s_batch_t *) calloc (IMF_BATCHES_MAX,
                                               sizeof *batches);
    size_t count = data && batches
                 ? s_batches ((unsigned char *) data, length, batches,
                              IMF_BATCHES_MAX)
                 : 0;
    int rc = -1;
    if (count == 0)
        snprintf (what, size, "%s holds no batch", name);
    else {
        size_t pick = count > (size_t) back + 1
                    ? count - 1 - (size_t) back
                    : (size_t) (random % (count / 2 + 1));
        const s_batch_t *batch = &batches [pick];
        size_t offset = batch->offset + (size_t) ((random >> 8)
                                                  % batch->length);
        int bit = (int) ((random >> 40) % 8);
        rc = s_flip (path, offset, bit);
        snprintf (what, size, "%s batch %zu of %zu, offset %zu bit %d%s",
                  name, pick + 1, count, offset, bit,
                  rc ? " (write failed)" : "");
    }
    free (batches);
    zchunk_destroy (&chunk);
    zfile_destroy (&file);
    return rc;
}

int
imf_disk_flip_file (const char *dir, const char *suffix, uint64_t random,
                    char *what, size_t size)
{
    assert (dir && suffix && what);
    DIR *handle = opendir (dir);
    if (!handle) {
        snprintf (what, size, "cannot read %s", dir);
        return -1;
    }
    char best [256] = "";
    off_t best_size = 0;
    struct dirent *entry;
    size_t suffix_length = strlen (suffix);
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length <= suffix_length
        ||  strcmp (entry->d_name + length - suffix_length, suffix))
            continue;
        char path [1024];
        struct stat info;
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        if (stat (path, &info) == 0 && info.st_size > best_size) {
            best_size = info.st_size;
            im_strlcpy (best, entry->d_name, sizeof best);
        }
    }
    closedir (handle);
    if (!*best || best_size < 16) {
        snprintf (what, size, "no %s file in %s", suffix, dir);
        return -1;
    }
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, best);
    size_t offset = (size_t) (random % (uint64_t) (best_size * 9 / 10));
    int bit = (int) ((random >> 40) % 8);
    int rc = s_flip (path, offset, bit);
    snprintf (what, size, "%s (%lld octets), offset %zu bit %d%s", best,
              (long long) best_size, offset, bit,
              rc ? " (write failed)" : "");
    return rc;
}
