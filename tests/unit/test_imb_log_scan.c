/*  test_imb_log_scan - damaged Raft segments found before libraft loads
    them, and what libraft would load wrong set aside

    The segments are written by a real libraft (0.15, its libuv disk
    I/O) in a temp directory: a one-node cluster that applies entries,
    one batch each, with small segments so that some are closed. The
    damage is a flipped bit, as a disk makes it. After each scan,
    libraft loads the directory again, to show what it would now load.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imb_classes.h"
#include "imb_log_scan.h"

#define ENTRY_SIZE      1024        //  Octets of each entry
#define SEGMENT_SIZE    (32 * 1024) //  libraft's segment size here

typedef struct {
    char dir [256];                 //  Temp directory
    char raft [300];                //  dir/raft: libraft's
    char aside [300];               //  dir/raft-damaged
    unsigned applied;               //  Entries the state machine saw
} fixture_t;

//  --------------------------------------------------------------------
//  A one-node libraft writing its log

static int
s_fsm_apply (struct raft_fsm *fsm, const struct raft_buffer *buf,
             void **result)
{
    (void) buf;
    ((fixture_t *) fsm->data)->applied++;
    *result = NULL;
    return 0;
}

static int
s_fsm_snapshot (struct raft_fsm *fsm, struct raft_buffer *bufs [],
                unsigned *n_bufs)
{
    (void) fsm;
    (void) bufs;
    (void) n_bufs;
    return RAFT_NOTFOUND;           //  No snapshot in these tests
}

static int
s_fsm_restore (struct raft_fsm *fsm, struct raft_buffer *buf)
{
    (void) fsm;
    raft_free (buf->base);
    return 0;
}

static void
s_applied (struct raft_apply *req, int status, void *result)
{
    (void) result;
    (void) req;
    if (status)
        _exit (2);                  //  In the child: the parent says so
}

//  A port on 127.0.0.1 free now
static int
s_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    assert_int_equal (bind (fd, (struct sockaddr *) &address, length), 0);
    assert_int_equal (getsockname (fd, (struct sockaddr *) &address,
                                   &length), 0);
    close (fd);
    return ntohs (address.sin_port);
}

//  In a child process: starts libraft on f's directory, applies count
//  entries (one batch each) and dies without closing anything, as a
//  SIGKILL leaves a node. Exits 0, or 1 when a step failed.
static void
s_child_writes (fixture_t *f, unsigned count, const char *address)
{
    uv_loop_t loop;
    struct raft_uv_transport transport;
    struct raft_io io;
    struct raft raft;
    struct raft_fsm fsm = { 1, f, s_fsm_apply, s_fsm_snapshot,
                            s_fsm_restore, NULL, NULL };
    struct raft_configuration configuration;
    raft_configuration_init (&configuration);
    if (uv_loop_init (&loop)
    ||  raft_uv_tcp_init (&transport, &loop)
    ||  raft_uv_init (&io, &loop, f->raft, &transport))
        _exit (1);
    raft_uv_set_segment_size (&io, SEGMENT_SIZE);
    if (raft_init (&raft, &io, &fsm, 1, address)
    ||  raft_configuration_add (&configuration, 1, address, RAFT_VOTER))
        _exit (1);
    int rc = raft_bootstrap (&raft, &configuration);
    if ((rc && rc != RAFT_CANTBOOTSTRAP) || raft_start (&raft)
    ||  raft_state (&raft) != RAFT_LEADER)
        _exit (1);
    struct raft_apply *requests = (struct raft_apply *) calloc (
        count, sizeof *requests);
    for (unsigned index = 0; index < count; index++) {
        struct raft_buffer buffer = { raft_malloc (ENTRY_SIZE), ENTRY_SIZE };
        memset (buffer.base, (int) (index & 0xff), ENTRY_SIZE);
        unsigned target = f->applied + 1;
        if (raft_apply (&raft, &requests [index], &buffer, 1, s_applied))
            _exit (1);
        //  One at a time: one batch each
        while (f->applied < target)
            uv_run (&loop, UV_RUN_ONCE);
    }
    _exit (0);
}

//  Writes count entries to f's directory from a child that dies after
//  the last was applied
static void
s_write_log (fixture_t *f, unsigned count)
{
    char address [32];
    snprintf (address, sizeof address, "127.0.0.1:%d", s_port ());
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0)
        s_child_writes (f, count, address);
    int status = -1;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
}

static void
s_io_closed (struct raft_io *io)
{
    (void) io;
}

//  What libraft loads from f's directory now: the last index
static uint64_t
s_loaded (fixture_t *f)
{
    uv_loop_t loop;
    assert_int_equal (uv_loop_init (&loop), 0);
    struct raft_uv_transport transport;
    struct raft_io io;
    assert_int_equal (raft_uv_tcp_init (&transport, &loop), 0);
    assert_int_equal (raft_uv_init (&io, &loop, f->raft, &transport), 0);
    assert_int_equal (io.init (&io, 1, "127.0.0.1:1"), 0);
    raft_term term;
    raft_id vote;
    struct raft_snapshot *snapshot = NULL;
    raft_index start = 0;
    struct raft_entry *entries = NULL;
    size_t count = 0;
    assert_int_equal (io.load (&io, &term, &vote, &snapshot, &start,
                               &entries, &count), 0);
    assert_null (snapshot);
    void *batch = NULL;
    for (size_t index = 0; index < count; index++)
        if (entries [index].batch != batch) {
            batch = entries [index].batch;
            raft_free (batch);
        }
    raft_free (entries);
    io.close (&io, s_io_closed);
    uv_run (&loop, UV_RUN_DEFAULT);
    raft_uv_close (&io);
    raft_uv_tcp_close (&transport);
    uv_run (&loop, UV_RUN_DEFAULT);
    assert_int_equal (uv_loop_close (&loop), 0);
    return count ? start + count - 1 : 0;
}

//  --------------------------------------------------------------------
//  Files

//  The name in f's raft directory that starts with prefix, sorted last
//  (the newest open segment, the last closed one...); "" when none
static void
s_find (const char *dir, const char *prefix, char *name, size_t size)
{
    name [0] = 0;
    DIR *listing = opendir (dir);
    assert_non_null (listing);
    struct dirent *entry;
    while ((entry = readdir (listing)))
        if (strncmp (entry->d_name, prefix, strlen (prefix)) == 0
        &&  strcmp (entry->d_name, name) > 0)
            snprintf (name, size, "%.63s", entry->d_name);
    closedir (listing);
}

//  The newest open segment of f that holds a batch; "" when none
static void
s_find_written (fixture_t *f, char *name, size_t size)
{
    name [0] = 0;
    unsigned long long newest = 0;
    DIR *listing = opendir (f->raft);
    assert_non_null (listing);
    struct dirent *entry;
    while ((entry = readdir (listing))) {
        unsigned long long counter;
        if (sscanf (entry->d_name, "open-%llu", &counter) != 1
        ||  counter < newest)
            continue;
        char path [600];
        snprintf (path, sizeof path, "%s/%.63s", f->raft, entry->d_name);
        int fd = open (path, O_RDONLY);
        uint8_t count = 0;
        if (fd >= 0 && pread (fd, &count, 1, 16) == 1 && count) {
            newest = counter;
            snprintf (name, size, "%.63s", entry->d_name);
        }
        if (fd >= 0)
            close (fd);
    }
    closedir (listing);
}

//  Files in dir
static int
s_count (const char *dir)
{
    DIR *listing = opendir (dir);
    if (!listing)
        return 0;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (listing)))
        count += entry->d_name [0] != '.';
    closedir (listing);
    return count;
}

//  Offset of the data of batch number (1 ..) in a segment
static size_t
s_batch_data (const char *path, unsigned number)
{
    int fd = open (path, O_RDONLY);
    assert_true (fd >= 0);
    size_t offset = 8;
    for (unsigned batch = 1; ; batch++) {
        //  Checksums, entry count, the one entry's header
        uint8_t head [32];
        assert_int_equal (pread (fd, head, sizeof head, (off_t) offset),
                          (ssize_t) sizeof head);
        uint64_t entries = head [8];            //  Few entries: one octet
        size_t header = 8 + 16 * entries;
        size_t length = (size_t) head [28] | (size_t) head [29] << 8
                      | (size_t) head [30] << 16;
        assert_int_equal (entries, 1);
        if (batch == number) {
            close (fd);
            return offset + 8 + header;
        }
        offset += 8 + header + length;
    }
}

static void
s_flip (const char *path, size_t offset)
{
    int fd = open (path, O_RDWR);
    assert_true (fd >= 0);
    uint8_t byte;
    assert_int_equal (pread (fd, &byte, 1, (off_t) offset), 1);
    byte ^= 0x08;
    assert_int_equal (pwrite (fd, &byte, 1, (off_t) offset), 1);
    close (fd);
}

//  Writes count entries, then flips a bit at octet at of the data of
//  batch (1 ..) of a segment: the newest open one written when prefix
//  is NULL, else the one whose name starts with prefix; name gets it
static void
s_write_and_flip (fixture_t *f, unsigned count, const char *prefix,
                  unsigned batch, size_t at, char *name, size_t size)
{
    s_write_log (f, count);
    if (prefix)
        s_find (f->raft, prefix, name, size);
    else
        s_find_written (f, name, size);
    assert_true (*name);
    char path [400];
    snprintf (path, sizeof path, "%s/%s", f->raft, name);
    s_flip (path, s_batch_data (path, batch) + at);
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir (base, 0700);             //  May exist already
    snprintf (f->dir, sizeof f->dir, "%s/imb_log_scan.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    snprintf (f->raft, sizeof f->raft, "%s/raft", f->dir);
    snprintf (f->aside, sizeof f->aside, "%s/raft-damaged", f->dir);
    assert_int_equal (mkdir (f->raft, 0755), 0);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

//  --------------------------------------------------------------------

//  libraft's own checksums pass: nothing is damaged or moved
static void
test_whole_log_is_left_alone (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_write_log (f, 80);            //  Closed segments and an open one
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_false (scan.damaged);
    assert_int_equal (scan.moved, 0);
    assert_int_equal (scan.snapshot_index, 0);
    assert_int_equal (s_count (f->aside), 0);
    assert_int_equal (s_loaded (f), 81);    //  The configuration, then 80
}

//  A bit flipped in an open segment's batch 3 of 10: libraft cuts the
//  segment there; the scan says so and keeps a copy of it whole
static void
test_damaged_open_segment_is_copied (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char name [64];
    s_write_and_flip (f, 10, NULL, 3, 100, name, sizeof name);
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_true (scan.damaged);
    assert_string_equal (scan.file, name);
    assert_int_equal (scan.batch, 3);
    assert_int_equal (scan.entries_after, 8);       //  Batches 3 .. 10
    assert_int_equal (scan.moved, 1);
    assert_int_equal (s_count (f->aside), 1);
    assert_non_null (strstr (scan.detail, "batch 3"));
    //  libraft keeps the configuration entry and batches 1 and 2
    assert_int_equal (s_loaded (f), 3);
}

//  An open segment whose valid batches follow a cut one would be loaded
//  at the wrong indexes: it goes aside
static void
test_open_segment_after_a_damaged_one_goes_aside (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_write_log (f, 10);
    char name [64], path [400], later [400];
    s_find_written (f, name, sizeof name);
    snprintf (path, sizeof path, "%s/%s", f->raft, name);
    //  A later open segment holding batches, as a crash between two
    //  segments leaves
    snprintf (later, sizeof later, "%s/open-99", f->raft);
    zfile_t *file = zfile_new (NULL, path);
    assert_non_null (file);
    assert_int_equal (zfile_input (file), 0);
    zchunk_t *chunk = zfile_read (file, (size_t) zfile_cursize (file), 0);
    zfile_destroy (&file);
    int fd = open (later, O_WRONLY | O_CREAT, 0644);
    assert_int_equal (write (fd, zchunk_data (chunk), zchunk_size (chunk)),
                      (ssize_t) zchunk_size (chunk));
    close (fd);
    zchunk_destroy (&chunk);
    s_flip (path, s_batch_data (path, 5) + 8);
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_true (scan.damaged);
    assert_string_equal (scan.file, name);
    assert_int_equal (scan.entries_after, 6 + 10);
    assert_int_equal (scan.moved, 2);       //  The copy and open-99
    assert_false (zsys_file_exists (later));
    assert_int_equal (s_loaded (f), 5);
}

//  A batch that fails with only zeros after it is a write a crash cut
//  short, not damage
static void
test_torn_last_batch_is_no_damage (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char name [64];
    s_write_and_flip (f, 4, NULL, 4, 10, name, sizeof name);
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_false (scan.damaged);
    assert_int_equal (scan.moved, 0);
    assert_int_equal (s_loaded (f), 4);
}

//  A closed segment that fails is moved with every segment after it:
//  libraft would drop it alone if it were the last, or refuse to start
static void
test_damaged_closed_segment_goes_aside_with_the_rest (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  The first closed segment after the configuration's
    char name [64];
    s_write_and_flip (f, 80, "0000000000000002-", 2, 3, name, sizeof name);
    int before = s_count (f->raft);
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_true (scan.damaged);
    assert_string_equal (scan.file, name);
    assert_int_equal (scan.batch, 2);
    assert_true (scan.moved >= 2);
    assert_int_equal (s_count (f->raft) + (int) scan.moved, before);
    //  What is left is the configuration segment alone
    assert_int_equal (s_loaded (f), 1);
}

//  A damaged closed segment the last snapshot covers: it and those
//  before it go; nothing after it is lost
static void
test_damage_under_the_snapshot_keeps_the_rest (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char name [64];
    s_write_and_flip (f, 80, "0000000000000002-", 1, 3, name, sizeof name);
    unsigned long long first, last;
    assert_int_equal (sscanf (name, "%llu-%llu", &first, &last), 2);
    //  A snapshot (its two files) at that segment's end
    char snapshot [400];
    snprintf (snapshot, sizeof snapshot, "%s/snapshot-1-%llu-1", f->raft,
              last);
    zfile_t *file = zfile_new (NULL, snapshot);
    assert_int_equal (zfile_output (file), 0);
    zfile_destroy (&file);
    strcat (snapshot, ".meta");
    file = zfile_new (NULL, snapshot);
    assert_int_equal (zfile_output (file), 0);
    zfile_destroy (&file);
    imb_log_scan_t scan;
    assert_int_equal (imb_log_scan (f->raft, f->aside, &scan), 0);
    assert_int_equal (scan.snapshot_index, last);
    assert_true (scan.damaged);
    assert_int_equal (scan.moved, 2);       //  Segment 1-1 and this one
    assert_non_null (strstr (scan.detail, "the last snapshot holds them"));
    //  The segment after it is still there
    char prefix [32], kept [64];
    snprintf (prefix, sizeof prefix, "%016llu-", last + 1);
    s_find (f->raft, prefix, kept, sizeof kept);
    assert_true (*kept);
}

//  The CRC is libraft's: a known value of the polynomial 0x04c11db7,
//  most significant bit first, no reflection, no final XOR
static void
test_crc_is_libraft_s (void **state)
{
    (void) state;
    assert_int_equal (imb_log_scan_crc (0, "123456789", 9), 0x89a1897f);
    assert_int_equal (imb_log_scan_crc (imb_log_scan_crc (0, "1234", 4),
                                        "56789", 5), 0x89a1897f);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_whole_log_is_left_alone,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_damaged_open_segment_is_copied,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_open_segment_after_a_damaged_one_goes_aside, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_torn_last_batch_is_no_damage,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_damaged_closed_segment_goes_aside_with_the_rest, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_damage_under_the_snapshot_keeps_the_rest, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_crc_is_libraft_s,
                                         NULL, NULL),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
