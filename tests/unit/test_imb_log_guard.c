/*  test_imb_log_guard - a node whose log lost entries neither votes nor
    leads until they are back, and the mark follows the log

    A real libuv loop and a real mark file; the disk I/O under the guard
    is this test: its load hands over the log the test sets, its writes
    wait until the test completes them, and every call is recorded with
    the mark as it stood then. libraft's side is the callbacks received.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imb_classes.h"
#include "imb_log_guard.h"
#include "imb_log_mark.h"

#define WRITES_MAX 16

typedef struct {
    char dir [256];                 //  Data directory (raft/ inside)
    uv_loop_t loop;                 //  The Raft thread's loop
    struct raft_io inner;           //  The disk I/O the guard wraps
    imb_log_guard_t *guard;         //  Under test
    struct raft_io *io;             //  The guard's, as libraft sees it
    //  The log the disk's load hands over
    raft_term load_term;            //  Its term
    unsigned voters;                //  In its configuration entry (1 ..)
    uint64_t load_last;             //  Its last index (entries 1 ..)
    //  Writes the disk was given, in order
    struct raft_io_append *writes [WRITES_MAX];
    raft_io_append_cb write_cbs [WRITES_MAX];  //  Their callbacks
    size_t writes_n;                //  How many
    uint64_t truncated;             //  Index of the last truncate, or 0
    uint64_t mark_at_truncate;      //  The mark on disk when it came
    uint64_t term_set;              //  Last term set
    uint64_t mark_term_at_set;      //  The mark's term when it came
    struct raft_io_snapshot_put *put;    //  A snapshot put in flight
    raft_io_snapshot_put_cb put_cb; //  Its callback
    uint64_t mark_at_put;           //  The mark on disk when it came
    raft_io_recv_cb recv;           //  What the guard gave the disk
    //  libraft's side
    struct raft_io_append requests [WRITES_MAX];   //  Its appends
    size_t reported [WRITES_MAX];   //  Request numbers, in report order
    int statuses [WRITES_MAX];      //  Their statuses
    size_t reported_n;              //  How many
    int received [8];               //  Message types libraft got
    size_t received_n;              //  How many
    bool put_done;                  //  libraft's snapshot put callback
} fixture_t;

//  The mark on disk now, read as a start would read it
static uint64_t
s_mark_on_disk (fixture_t *f, uint64_t *term)
{
    char path [300], errbuf [256];
    snprintf (path, sizeof path, "%s/raft-mark", f->dir);
    imb_log_mark_t *mark = imb_log_mark_new (path, errbuf, sizeof errbuf);
    assert_non_null (mark);
    uint64_t index = imb_log_mark_index (mark);
    if (term)
        *term = imb_log_mark_term (mark);
    imb_log_mark_destroy (&mark);
    return index;
}

//  --------------------------------------------------------------------
//  The disk

static fixture_t *
s_fixture (struct raft_io *inner)
{
    //  The guard owns inner->data; the fixture holds inner
    return (fixture_t *) ((char *) inner - offsetof (fixture_t, inner));
}

static int
s_disk_load (struct raft_io *io, raft_term *term, raft_id *voted_for,
             struct raft_snapshot **snapshot, raft_index *start_index,
             struct raft_entry **entries, size_t *n_entries)
{
    fixture_t *f = s_fixture (io);
    *term = f->load_term;
    *voted_for = 0;
    *snapshot = NULL;
    *start_index = 1;
    *n_entries = f->load_last;
    *entries = (struct raft_entry *) raft_calloc (f->load_last,
                                                  sizeof **entries);
    struct raft_configuration configuration;
    raft_configuration_init (&configuration);
    for (unsigned voter = 1; voter <= f->voters; voter++) {
        char address [32];
        snprintf (address, sizeof address, "127.0.0.1:%u", voter);
        assert_int_equal (raft_configuration_add (&configuration, voter,
                                                  address, RAFT_VOTER), 0);
    }
    struct raft_buffer encoded;
    assert_int_equal (raft_configuration_encode (&configuration, &encoded),
                      0);
    raft_configuration_close (&configuration);
    (*entries) [0] = (struct raft_entry) { 1, RAFT_CHANGE, encoded,
                                           encoded.base };
    for (uint64_t index = 1; index < f->load_last; index++) {
        void *data = raft_malloc (8);
        memset (data, 0, 8);
        (*entries) [index] = (struct raft_entry) {
            f->load_term, RAFT_COMMAND, { data, 8 }, data };
    }
    return 0;
}

static int
s_disk_append (struct raft_io *io, struct raft_io_append *req,
               const struct raft_entry entries [], unsigned n,
               raft_io_append_cb cb)
{
    (void) entries;
    (void) n;
    fixture_t *f = s_fixture (io);
    assert_true (f->writes_n < WRITES_MAX);
    f->writes [f->writes_n] = req;
    f->write_cbs [f->writes_n] = cb;
    f->writes_n++;
    return 0;
}

static int
s_disk_truncate (struct raft_io *io, raft_index index)
{
    fixture_t *f = s_fixture (io);
    f->truncated = index;
    f->mark_at_truncate = s_mark_on_disk (f, NULL);
    return 0;
}

static int
s_disk_set_term (struct raft_io *io, raft_term term)
{
    fixture_t *f = s_fixture (io);
    f->term_set = term;
    s_mark_on_disk (f, &f->mark_term_at_set);
    return 0;
}

static int
s_disk_snapshot_put (struct raft_io *io, unsigned trailing,
                     struct raft_io_snapshot_put *req,
                     const struct raft_snapshot *snapshot,
                     raft_io_snapshot_put_cb cb)
{
    (void) trailing;
    (void) snapshot;
    fixture_t *f = s_fixture (io);
    f->put = req;
    f->put_cb = cb;
    f->mark_at_put = s_mark_on_disk (f, NULL);
    return 0;
}

static int
s_disk_start (struct raft_io *io, unsigned msecs, raft_io_tick_cb tick,
              raft_io_recv_cb recv)
{
    (void) msecs;
    (void) tick;
    s_fixture (io)->recv = recv;
    return 0;
}

//  --------------------------------------------------------------------
//  libraft's side

static void
s_reported (struct raft_io_append *req, int status)
{
    fixture_t *f = (fixture_t *) req->data;
    f->reported [f->reported_n] = (size_t) (req - f->requests);
    f->statuses [f->reported_n] = status;
    f->reported_n++;
}

static void
s_received (struct raft_io *io, struct raft_message *message)
{
    fixture_t *f = (fixture_t *) io->data;
    f->received [f->received_n++] = message->type;
}

static void
s_tick (struct raft_io *io)
{
    (void) io;
}

static void
s_put_done (struct raft_io_snapshot_put *req, int status)
{
    assert_int_equal (status, 0);
    ((fixture_t *) req->data)->put_done = true;
}

//  libraft appends request number, n entries of term
static void
s_append (fixture_t *f, size_t number, unsigned n, raft_term term)
{
    struct raft_io_append *req = &f->requests [number];
    req->data = f;
    struct raft_entry entries [4];
    assert_true (n <= 4);
    for (unsigned index = 0; index < n; index++)
        entries [index] = (struct raft_entry) { term, RAFT_COMMAND,
                                                { NULL, 0 }, NULL };
    assert_int_equal (f->io->append (f->io, req, entries, n, s_reported), 0);
}

//  The disk completes its write number; the loop then runs once
static void
s_complete (fixture_t *f, size_t write, int status)
{
    assert_true (write < f->writes_n);
    f->write_cbs [write] (f->writes [write], status);
}

static void
s_turn (fixture_t *f)
{
    uv_run (&f->loop, UV_RUN_NOWAIT);
}

//  libraft appends request number (n entries of term), the disk writes
//  it (its write number is the same), and the loop turns
static void
s_stored (fixture_t *f, size_t number, unsigned n, raft_term term)
{
    s_append (f, number, n, term);
    s_complete (f, number, 0);
    s_turn (f);
}

//  libraft's load through the guard: returns its code; frees the log
//  libraft would own
static int
s_load (fixture_t *f, raft_term *term, raft_id *vote)
{
    struct raft_snapshot *snapshot = NULL;
    raft_index start = 0;
    struct raft_entry *entries = NULL;
    size_t count = 0;
    int rc = f->io->load (f->io, term, vote, &snapshot, &start, &entries,
                          &count);
    for (size_t index = 0; index < count; index++)
        raft_free (entries [index].batch);
    raft_free (entries);
    return rc;
}

//  Loads and starts, as libraft's raft_start does
static void
s_start (fixture_t *f)
{
    raft_term term;
    raft_id vote;
    assert_int_equal (s_load (f, &term, &vote), 0);
    assert_int_equal (f->io->start (f->io, 100, s_tick, s_received), 0);
}

//  A message of type arrives from the network
static void
s_message (fixture_t *f, int type)
{
    struct raft_message message;
    memset (&message, 0, sizeof message);
    message.type = (unsigned short) type;
    f->recv (&f->inner, &message);
}

//  A new guard over the same directory, as a restart makes one
static void
s_new_guard (fixture_t *f)
{
    char errbuf [256] = "";
    f->guard = imb_log_guard_new (&f->loop, &f->inner, f->dir, 1, errbuf,
                                  sizeof errbuf);
    assert_non_null (f->guard);
    f->io = imb_log_guard_io (f->guard);
    f->io->data = f;                //  libraft's instance, as raft_init sets
}

static void
s_restart (fixture_t *f)
{
    imb_log_guard_destroy (&f->guard);
    uv_run (&f->loop, UV_RUN_DEFAULT);
    s_new_guard (f);
}

//  A log of 1 .. 14 (the mark says so too), then a start that loads
//  1 .. 8 of it in term 2: 9 .. 14 were lost
static void
s_lose_entries (fixture_t *f)
{
    s_start (f);
    s_stored (f, 0, 4, 2);          //  11 .. 14
    assert_int_equal (s_mark_on_disk (f, NULL), 14);
    f->load_last = 8;
    s_restart (f);
    s_start (f);
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
    snprintf (f->dir, sizeof f->dir, "%s/imb_log_guard.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    char raft [300];
    snprintf (raft, sizeof raft, "%s/raft", f->dir);
    assert_int_equal (mkdir (raft, 0755), 0);
    assert_int_equal (uv_loop_init (&f->loop), 0);
    f->inner.version = 2;
    f->inner.load = s_disk_load;
    f->inner.append = s_disk_append;
    f->inner.truncate = s_disk_truncate;
    f->inner.set_term = s_disk_set_term;
    f->inner.snapshot_put = s_disk_snapshot_put;
    f->inner.start = s_disk_start;
    f->load_term = 2;
    f->voters = 3;
    f->load_last = 10;
    s_new_guard (f);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_log_guard_destroy (&f->guard);
    uv_run (&f->loop, UV_RUN_DEFAULT);
    assert_int_equal (uv_loop_close (&f->loop), 0);
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

//  --------------------------------------------------------------------

//  A first start records where the log ends; appends are reported only
//  once the mark covers them, in order, one mark write for all written
static void
test_appends_are_reported_after_the_mark (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    assert_int_equal (s_mark_on_disk (f, NULL), 10);
    s_append (f, 0, 2, 2);          //  11, 12
    s_append (f, 1, 1, 2);          //  13
    s_append (f, 2, 1, 2);          //  14
    s_complete (f, 1, 0);
    s_complete (f, 0, 0);
    assert_int_equal (f->reported_n, 0);    //  Not before the loop turns
    s_turn (f);
    assert_int_equal (f->reported_n, 2);
    assert_int_equal (f->reported [0], 0);
    assert_int_equal (f->reported [1], 1);
    assert_int_equal (s_mark_on_disk (f, NULL), 13);
    s_complete (f, 2, 0);
    s_turn (f);
    assert_int_equal (f->reported_n, 3);
    assert_int_equal (s_mark_on_disk (f, NULL), 14);
    imb_log_guard_state_t guard;
    imb_log_guard_state (f->guard, &guard);
    assert_false (guard.repairing);
    assert_int_equal (guard.stored, 14);
}

//  A truncation lowers the mark before libraft's disk cuts the log,
//  and a write in flight no longer counts what was cut
static void
test_truncation_lowers_the_mark_first (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    s_append (f, 0, 2, 2);          //  11, 12: in flight
    assert_int_equal (f->io->truncate (f->io, 8), 0);
    assert_int_equal (f->truncated, 8);
    assert_int_equal (f->mark_at_truncate, 7);
    s_complete (f, 0, 0);
    s_turn (f);
    assert_int_equal (f->reported_n, 1);
    assert_int_equal (s_mark_on_disk (f, NULL), 7);
    s_stored (f, 1, 1, 3);          //  8, after the cut
    assert_int_equal (s_mark_on_disk (f, NULL), 8);
}

//  A failed write is reported as failed and its indexes are taken again
static void
test_failed_write_gives_its_indexes_back (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    s_append (f, 0, 2, 2);          //  11, 12
    s_complete (f, 0, RAFT_IOERR);
    s_turn (f);
    assert_int_equal (f->reported_n, 1);
    assert_int_equal (f->statuses [0], RAFT_IOERR);
    assert_int_equal (s_mark_on_disk (f, NULL), 10);
    s_stored (f, 1, 1, 2);          //  11 again
    assert_int_equal (s_mark_on_disk (f, NULL), 11);
}

//  Installing a leader's snapshot behind the log lowers the mark to it
//  first; once installed the log reaches the snapshot
static void
test_snapshot_install_lowers_then_reaches (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    struct raft_snapshot snapshot;
    memset (&snapshot, 0, sizeof snapshot);
    snapshot.index = 6;
    snapshot.term = 2;
    struct raft_io_snapshot_put req;
    req.data = f;
    assert_int_equal (f->io->snapshot_put (f->io, 0, &req, &snapshot,
                                           s_put_done), 0);
    assert_int_equal (f->mark_at_put, 6);
    f->put_cb (f->put, 0);
    assert_true (f->put_done);
    s_stored (f, 0, 1, 2);          //  7
    assert_int_equal (s_mark_on_disk (f, NULL), 7);
}

//  A log that ends before the mark: vote messages are dropped, the
//  rest goes to libraft; once the log reaches the mark again, votes
//  count and the mark follows the log
static void
test_short_log_repairs_before_it_votes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_lose_entries (f);
    imb_log_guard_state_t guard;
    imb_log_guard_state (f->guard, &guard);
    assert_true (guard.repairing);
    assert_int_equal (guard.lost_from, 9);
    assert_int_equal (guard.lost_to, 14);
    s_message (f, RAFT_IO_REQUEST_VOTE);
    s_message (f, RAFT_IO_APPEND_ENTRIES);
    s_message (f, RAFT_IO_REQUEST_VOTE_RESULT);
    s_message (f, RAFT_IO_TIMEOUT_NOW);
    assert_int_equal (f->received_n, 1);
    assert_int_equal (f->received [0], RAFT_IO_APPEND_ENTRIES);
    //  The leader (same term) sends 9 .. 12, then 13 .. 14
    s_stored (f, 1, 4, 2);
    imb_log_guard_state (f->guard, &guard);
    assert_true (guard.repairing);
    assert_int_equal (s_mark_on_disk (f, NULL), 14);    //  Still the goal
    s_stored (f, 2, 2, 2);
    imb_log_guard_state (f->guard, &guard);
    assert_false (guard.repairing);
    s_message (f, RAFT_IO_REQUEST_VOTE);
    assert_int_equal (f->received_n, 2);
    assert_int_equal (f->received [1], RAFT_IO_REQUEST_VOTE);
}

//  An entry of a term after the one it started with came from a leader
//  elected without this node: that leader holds every committed entry,
//  so the node's log is whole once it holds that entry
static void
test_entry_of_a_later_term_repairs (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_lose_entries (f);             //  Term 2, lost 9 .. 14
    s_stored (f, 1, 2, 3);          //  9, 10 of term 3
    imb_log_guard_state_t guard;
    imb_log_guard_state (f->guard, &guard);
    assert_false (guard.repairing);
    assert_int_equal (s_mark_on_disk (f, NULL), 10);    //  The log's end
}

//  An entry of a later term that was cut before it was written is not
//  held: it repairs nothing
static void
test_cut_entry_of_a_later_term_does_not_repair (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_lose_entries (f);             //  Term 2, lost 9 .. 14
    s_append (f, 1, 2, 3);          //  9, 10 of term 3, in flight
    assert_int_equal (f->io->truncate (f->io, 9), 0);
    s_complete (f, 1, 0);
    s_turn (f);
    assert_int_equal (f->reported_n, 2);
    imb_log_guard_state_t guard;
    imb_log_guard_state (f->guard, &guard);
    assert_true (guard.repairing);
    assert_int_equal (s_mark_on_disk (f, NULL), 14);    //  Not lowered
}

//  The only voter has no one to repair from: the load refuses, says
//  what is missing, and frees the log it would have handed over
static void
test_sole_voter_refuses_a_short_log (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->voters = 1;
    s_start (f);
    s_stored (f, 0, 3, 2);          //  11 .. 13
    f->load_last = 10;
    s_restart (f);
    raft_term term;
    raft_id vote;
    assert_int_equal (s_load (f, &term, &vote), RAFT_CORRUPT);
    assert_non_null (strstr (f->io->errmsg, "lost entries 11 .. 13"));
    assert_non_null (strstr (f->io->errmsg, "restore"));
}

//  A term is in the mark before libraft's metadata hold it; a start
//  whose metadata lost it keeps that term, with its vote given
static void
test_term_survives_lost_metadata (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    assert_int_equal (f->io->set_term (f->io, 7), 0);
    assert_int_equal (f->term_set, 7);
    assert_int_equal (f->mark_term_at_set, 7);
    f->load_term = 0;               //  Metadata gone
    s_restart (f);
    raft_term term = 0;
    raft_id vote = 0;
    assert_int_equal (s_load (f, &term, &vote), 0);
    assert_int_equal (term, 7);
    assert_int_equal (vote, 1);     //  This node's own: no other vote
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_appends_are_reported_after_the_mark, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_truncation_lowers_the_mark_first, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_failed_write_gives_its_indexes_back, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_snapshot_install_lowers_then_reaches, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_short_log_repairs_before_it_votes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_entry_of_a_later_term_repairs, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_cut_entry_of_a_later_term_does_not_repair, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_sole_voter_refuses_a_short_log, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_term_survives_lost_metadata, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
