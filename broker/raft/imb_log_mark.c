/*  imb_log_mark - how far this node's Raft log reached, kept outside it

    Record layout (40 octets, integers big-endian): "IMQMARK1", the
    sequence number of the write, the index, the term, the CRC32 of the
    32 octets before it (libraft's CRC, imb_log_scan_crc), 4 zero
    octets. Record
    n goes to offset (n % 2) * 512; the valid record with the higher
    sequence number is the mark. The file is opened O_DSYNC: a write
    returns once it is on disk.
*/
#include "imb_classes.h"
#include "imb_log_mark.h"
#include "imb_log_scan.h"
#include <fcntl.h>
#include <unistd.h>

#define S_MAGIC     "IMQMARK1"
#define S_RECORD    40              //  Octets of one record
#define S_SECTOR    512             //  Offset of the second record

struct _imb_log_mark_t {
    int fd;                         //  The file, O_DSYNC
    char path [IM_CONFIG_PATH_MAX + 32];  //  Its path
    bool found;                     //  A valid record was read
    uint64_t seq;                   //  Sequence of the last record
    uint64_t index;                 //  Its index
    uint64_t term;                  //  Its term
};

//  Reads the record at offset; true when it is valid
static bool
s_read (int fd, off_t offset, uint64_t fields [3])
{
    uint8_t record [S_RECORD];
    if (pread (fd, record, sizeof record, offset) != (ssize_t) sizeof record
    ||  memcmp (record, S_MAGIC, 8)
    ||  imb_log_scan_crc (0, record, 32)
        != (uint32_t) (im_get_u64 (record + 32) >> 32))
        return false;
    for (int field = 0; field < 3; field++)
        fields [field] = im_get_u64 (record + 8 + 8 * field);
    return true;
}

imb_log_mark_t *
imb_log_mark_new (const char *path, char *errbuf, size_t errlen)
{
    assert (path);
    imb_log_mark_t *self = (imb_log_mark_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->path, sizeof self->path, "%s", path);
    self->fd = open (path, O_RDWR | O_CREAT | O_DSYNC, 0644);
    if (self->fd < 0) {
        snprintf (errbuf, errlen, "cannot open %s: %s", path,
                  strerror (errno));
        free (self);
        return NULL;
    }
    //  A new file's name must be durable before its records are trusted
    char dir [IM_CONFIG_PATH_MAX + 32];
    snprintf (dir, sizeof dir, "%s", path);
    char *slash = strrchr (dir, '/');
    if (slash)
        *slash = 0;
    int dir_fd = open (slash ? dir : ".", O_RDONLY);
    if (dir_fd >= 0) {
        fsync (dir_fd);
        close (dir_fd);
    }
    uint64_t fields [2][3];
    bool valid [2];
    for (int slot = 0; slot < 2; slot++)
        valid [slot] = s_read (self->fd, slot * S_SECTOR, fields [slot]);
    int best = valid [0] && (!valid [1] || fields [0][0] > fields [1][0]) ? 0
             : valid [1] ? 1 : -1;
    if (best >= 0) {
        self->found = true;
        self->seq = fields [best][0];
        self->index = fields [best][1];
        self->term = fields [best][2];
    }
    return self;
}

void
imb_log_mark_destroy (imb_log_mark_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_log_mark_t *self = *self_p;
        if (self->fd >= 0)
            close (self->fd);
        free (self);
        *self_p = NULL;
    }
}

bool
imb_log_mark_found (imb_log_mark_t *self)
{
    assert (self);
    return self->found;
}

uint64_t
imb_log_mark_index (imb_log_mark_t *self)
{
    assert (self);
    return self->index;
}

uint64_t
imb_log_mark_term (imb_log_mark_t *self)
{
    assert (self);
    return self->term;
}

//  Writes the next record, durably
static int
s_write (imb_log_mark_t *self, uint64_t index, uint64_t term)
{
    uint8_t record [S_RECORD];
    memset (record, 0, sizeof record);
    memcpy (record, S_MAGIC, 8);
    im_put_u64 (record + 8, self->seq + 1);
    im_put_u64 (record + 16, index);
    im_put_u64 (record + 24, term);
    im_put_u64 (record + 32,
                (uint64_t) imb_log_scan_crc (0, record, 32) << 32);
    off_t offset = (off_t) ((self->seq + 1) % 2) * S_SECTOR;
    if (pwrite (self->fd, record, sizeof record, offset)
            != (ssize_t) sizeof record) {
        zsys_error ("imb_log_mark: cannot write %s: %s", self->path,
                    strerror (errno));
        return IM_EIO;
    }
    self->seq++;
    self->index = index;
    self->term = term;
    return 0;
}

int
imb_log_mark_write (imb_log_mark_t *self, uint64_t index)
{
    assert (self);
    return s_write (self, index, self->term);
}

int
imb_log_mark_write_term (imb_log_mark_t *self, uint64_t term)
{
    assert (self);
    return s_write (self, self->index, term);
}
