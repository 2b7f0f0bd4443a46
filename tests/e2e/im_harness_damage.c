/*  im_harness_damage - damage done on purpose to a stopped node's files

    Fault tests need corruption where a real disk puts it: one bit of an
    entry libraft wrote long ago, one byte of a RocksDB table. These
    helpers find such a place by reading the files' documented layouts
    and flip it in place, synced. libraft's segment format is documented
    in <raft/uv.h>: an 8-octet format version, then batches of two
    CRC32s, an entry count (8 octets), one 16-octet header per entry
    (term, type, 3 unused octets, data length) and the entries' data.
    A RocksDB table file starts with its first data block; which column
    family a table belongs to is asked of RocksDB itself (its list of
    live files), with the store opened read-only. The helpers never
    decide what the broker does about the damage: the tests check that.
*/
#include "im_harness_private.h"
#include <rocksdb/c.h>

#define IMH_BATCH_MAX   (1u << 20)  //  Entries in one batch, at most

//  The data directory of node (0: the single broker's)
static void
s_data_dir (imh_t *self, int node, char *path, size_t size)
{
    if (node == 0)
        snprintf (path, size, "%s", self->data_dir);
    else
        snprintf (path, size, "%s/node%d", self->dir, node);
}

//  Reads a whole file; returns its bytes (caller destroys) or NULL
static zchunk_t *
s_read_all (const char *path)
{
    zfile_t *file = zfile_new (NULL, path);
    zchunk_t *chunk = NULL;
    if (file && zfile_input (file) == 0 && zfile_cursize (file) > 0)
        chunk = zfile_read (file, (size_t) zfile_cursize (file), 0);
    zfile_destroy (&file);
    return chunk;
}

//  XORs mask into the byte at offset of path, synced; returns 0 or -1
static int
s_flip (const char *path, size_t offset, uint8_t mask)
{
    int fd = open (path, O_RDWR);
    if (fd < 0)
        return -1;
    uint8_t byte;
    int rc = pread (fd, &byte, 1, (off_t) offset) == 1 ? 0 : -1;
    byte ^= mask;
    if (rc == 0 && (pwrite (fd, &byte, 1, (off_t) offset) != 1 || fsync (fd)))
        rc = -1;
    close (fd);
    return rc;
}

//  Walks the batches of a segment's bytes; data_at [i] and data_size [i]
//  (up to max of them) get where batch i's entry data lies. Returns the
//  number of whole batches before the first that does not parse.
static int
s_batches (const uint8_t *data, size_t size, size_t *data_at,
           size_t *data_size, int max)
{
    size_t offset = 8;              //  The format version
    int count = 0;
    while (offset + 16 <= size) {
        uint64_t entries = im_get_le (data + offset + 8, 8);
        if (entries == 0 || entries > IMH_BATCH_MAX)
            break;
        size_t header = 8 + 16 * (size_t) entries;
        if (offset + 8 + header > size)
            break;
        size_t length = 0;
        for (uint64_t entry = 0; entry < entries; entry++)
            length += im_get_le (data + offset + 16 + 16 * entry + 12, 4);
        if (offset + 8 + header + length > size)
            break;
        if (count < max) {
            data_at [count] = offset + 8 + header;
            data_size [count] = length;
        }
        count++;
        offset += 8 + header + length;
    }
    return count;
}

int
imh_raft_flip (imh_t *self, int node, int from_end, char *what, size_t size)
{
    assert (self && from_end >= 0 && what);
    char dir [IMH_PATH_MAX], path [IMH_PATH_MAX + 64] = "";
    s_data_dir (self, node, dir, sizeof dir);
    strncat (dir, "/raft", sizeof dir - strlen (dir) - 1);
    DIR *listing = opendir (dir);
    if (!listing) {
        fprintf (stderr, "im_harness: cannot list %s\n", dir);
        return -1;
    }
    //  The newest open segment that holds a batch
    unsigned long long newest = 0;
    struct dirent *entry;
    while ((entry = readdir (listing))) {
        unsigned long long counter;
        int consumed = 0;
        if (sscanf (entry->d_name, "open-%llu%n", &counter, &consumed) != 1
        ||  entry->d_name [consumed] || counter <= newest)
            continue;
        char candidate [IMH_PATH_MAX + 64];
        snprintf (candidate, sizeof candidate, "%s/%.60s", dir,
                  entry->d_name);
        zchunk_t *chunk = s_read_all (candidate);
        if (chunk && zchunk_size (chunk) > 8
        &&  im_get_le (zchunk_data (chunk), 8) == 1
        &&  s_batches (zchunk_data (chunk), zchunk_size (chunk), NULL, NULL,
                       0) > 0) {
            newest = counter;
            snprintf (path, sizeof path, "%s", candidate);
        }
        zchunk_destroy (&chunk);
    }
    closedir (listing);
    zchunk_t *chunk = newest ? s_read_all (path) : NULL;
    const uint8_t *data = chunk ? zchunk_data (chunk) : NULL;
    size_t length = chunk ? zchunk_size (chunk) : 0;
    int count = data ? s_batches (data, length, NULL, NULL, 0) : 0;
    if (count <= from_end) {
        fprintf (stderr, "im_harness: node %d: no open segment with more "
                 "than %d batches (newest: %d)\n", node, from_end, count);
        zchunk_destroy (&chunk);
        return -1;
    }
    size_t *data_at = (size_t *) calloc ((size_t) count, sizeof (size_t));
    size_t *data_size = (size_t *) calloc ((size_t) count, sizeof (size_t));
    assert (data_at && data_size);
    s_batches (data, length, data_at, data_size, count);
    int batch = count - 1 - from_end;
    size_t offset = data_at [batch] + data_size [batch] / 2;
    int rc = data_size [batch] ? s_flip (path, offset, 0x10) : -1;
    snprintf (what, size, "%s: bit 4 of byte %zu, in the data of batch %d "
              "of %d", path, offset, batch + 1, count);
    if (rc)
        fprintf (stderr, "im_harness: cannot flip %s\n", what);
    free (data_at);
    free (data_size);
    zchunk_destroy (&chunk);
    return rc;
}

//  Finds, with the store at dir opened read-only, a table file of
//  family cf with more than 200 octets; copies its path into path.
//  Returns 0 or -1.
static int
s_table_of (const char *dir, const char *cf, char *path, size_t size)
{
    rocksdb_options_t *options = rocksdb_options_create ();
    char *err = NULL;
    size_t families = 0;
    char **names = rocksdb_list_column_families (options, dir, &families,
                                                 &err);
    int rc = -1;
    if (err || !names) {
        fprintf (stderr, "im_harness: cannot list the families of %s: %s\n",
                 dir, err ? err : "?");
        rocksdb_free (err);
        rocksdb_options_destroy (options);
        return -1;
    }
    const rocksdb_options_t **each = (const rocksdb_options_t **) calloc (
        families, sizeof *each);
    rocksdb_column_family_handle_t **handles =
        (rocksdb_column_family_handle_t **) calloc (families,
                                                    sizeof *handles);
    assert (each && handles);
    for (size_t index = 0; index < families; index++)
        each [index] = options;
    rocksdb_t *db = rocksdb_open_for_read_only_column_families (
        options, dir, (int) families, (const char *const *) names, each,
        handles, 0, &err);
    if (err) {
        fprintf (stderr, "im_harness: cannot open %s: %s\n", dir, err);
        rocksdb_free (err);
    }
    const rocksdb_livefiles_t *files = db ? rocksdb_livefiles (db) : NULL;
    for (int index = 0; files && index < rocksdb_livefiles_count (files)
                        && rc; index++)
        if (streq (rocksdb_livefiles_column_family_name (files, index), cf)
        &&  rocksdb_livefiles_size (files, index) > 200) {
            snprintf (path, size, "%s%s", dir,
                      rocksdb_livefiles_name (files, index));
            rc = 0;
        }
    if (files)
        rocksdb_livefiles_destroy (files);
    for (size_t index = 0; db && index < families; index++)
        rocksdb_column_family_handle_destroy (handles [index]);
    if (db)
        rocksdb_close (db);
    rocksdb_list_column_families_destroy (names, families);
    free (handles);
    free (each);
    rocksdb_options_destroy (options);
    return rc;
}

int
imh_store_flip (imh_t *self, int node, const char *cf, char *what,
                size_t size)
{
    assert (self && cf && what);
    char dir [IMH_PATH_MAX], path [IMH_PATH_MAX + 64];
    s_data_dir (self, node, dir, sizeof dir);
    strncat (dir, "/store", sizeof dir - strlen (dir) - 1);
    if (s_table_of (dir, cf, path, sizeof path)) {
        fprintf (stderr, "im_harness: no table file of '%s' in %s\n", cf,
                 dir);
        return -1;
    }
    //  The first data block starts at offset 0; its records start with
    //  their key lengths, so byte 20 is inside the first key or value
    int rc = s_flip (path, 20, 0xff);
    snprintf (what, size, "%s: byte 20 (in its first data block)", path);
    if (rc)
        fprintf (stderr, "im_harness: cannot flip %s\n", what);
    return rc;
}
