/*  test_imb_raft_pace - libraft's appends reported while the state
    machine has room, in order

    A real libuv loop; the disk is this test: each write it is given
    waits until the test completes it, so every order of completions can
    be played. libraft's side is a list of the callbacks received.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imb_raft_pace.h"

#define WRITES_MAX 16

typedef struct {
    uv_loop_t loop;
    struct raft_io io;              //  The disk I/O the pacer wraps
    imb_raft_pace_t *pace;
    size_t backlog;                 //  What the "state machine" holds
    int refuse;                     //  Next disk append fails with this
    //  Writes the disk was given, in order
    struct raft_io_append *writes [WRITES_MAX];
    raft_io_append_cb write_cbs [WRITES_MAX];
    size_t writes_n;
    //  libraft's requests, and the callbacks it got
    struct raft_io_append requests [WRITES_MAX];
    size_t reported [WRITES_MAX];   //  Request numbers, in report order
    int statuses [WRITES_MAX];
    size_t reported_n;
} fixture_t;

static size_t
s_backlog (void *arg)
{
    return ((fixture_t *) arg)->backlog;
}

static int
s_disk_append (struct raft_io *io, struct raft_io_append *req,
               const struct raft_entry entries [], unsigned n,
               raft_io_append_cb cb)
{
    (void) entries;
    (void) n;
    fixture_t *fixture = (fixture_t *) io->data;
    if (fixture->refuse) {
        int rc = fixture->refuse;
        fixture->refuse = 0;
        return rc;
    }
    assert_true (fixture->writes_n < WRITES_MAX);
    fixture->writes [fixture->writes_n] = req;
    fixture->write_cbs [fixture->writes_n] = cb;
    fixture->writes_n++;
    return 0;
}

static int
s_paced_append (struct raft_io *io, struct raft_io_append *req,
                const struct raft_entry entries [], unsigned n,
                raft_io_append_cb cb)
{
    fixture_t *fixture = (fixture_t *) io->data;
    return imb_raft_pace_append (fixture->pace, io, req, entries, n, cb);
}

static void
s_libraft_cb (struct raft_io_append *req, int status)
{
    fixture_t *fixture = (fixture_t *) req->data;
    size_t number = (size_t) (req - fixture->requests);
    fixture->reported [fixture->reported_n] = number;
    fixture->statuses [fixture->reported_n] = status;
    fixture->reported_n++;
}

//  libraft appends request number; returns the pacer's answer
static int
s_append (fixture_t *fixture, size_t number)
{
    struct raft_io_append *req = &fixture->requests [number];
    req->data = fixture;
    struct raft_entry entry = { 1, RAFT_COMMAND, { NULL, 0 }, NULL };
    return fixture->io.append (&fixture->io, req, &entry, 1, s_libraft_cb);
}

//  The disk completes its write number (in the order it got them)
static void
s_complete (fixture_t *fixture, size_t write, int status)
{
    assert_true (write < fixture->writes_n);
    fixture->write_cbs [write] (fixture->writes [write], status);
}

//  Runs the loop until count reports came, 5 s at most
static void
s_run_until (fixture_t *fixture, size_t count)
{
    uint64_t deadline = im_mono_ms () + 5000;
    while (fixture->reported_n < count && im_mono_ms () < deadline)
        uv_run (&fixture->loop, UV_RUN_ONCE);
    assert_int_equal (fixture->reported_n, count);
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (fixture);
    assert_int_equal (uv_loop_init (&fixture->loop), 0);
    fixture->io.data = fixture;
    fixture->io.append = s_disk_append;
    fixture->pace = imb_raft_pace_new (&fixture->loop, &fixture->io,
                                       s_backlog, fixture, 1000);
    assert_non_null (fixture->pace);
    imb_raft_pace_install (fixture->pace, s_paced_append);
    assert_true (fixture->io.append == s_paced_append);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    imb_raft_pace_release (fixture->pace);
    imb_raft_pace_destroy (&fixture->pace);
    assert_null (fixture->pace);
    uv_run (&fixture->loop, UV_RUN_DEFAULT);
    assert_int_equal (uv_loop_close (&fixture->loop), 0);
    free (fixture);
    return 0;
}

//  With room, each write is reported as soon as it completes
static void
test_room_reports_at_once (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (s_append (fixture, 0), 0);
    assert_int_equal (s_append (fixture, 1), 0);
    assert_int_equal (fixture->writes_n, 2);
    assert_int_equal (fixture->reported_n, 0);      //  Not written yet
    s_complete (fixture, 0, 0);
    assert_int_equal (fixture->reported_n, 1);
    assert_int_equal (fixture->reported [0], 0);
    s_complete (fixture, 1, 0);
    assert_int_equal (fixture->reported_n, 2);
    assert_int_equal (fixture->reported [1], 1);
    assert_int_equal (fixture->statuses [1], 0);
    uint64_t longest = 99;
    assert_int_equal (imb_raft_pace_held (fixture->pace, &longest), 0);
    assert_int_equal (longest, 0);
}

//  Over the mark, written appends wait; once the state machine has
//  room they are reported by the loop, in order
static void
test_behind_holds_then_reports (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fixture->backlog = 1001;
    for (size_t number = 0; number < 3; number++)
        assert_int_equal (s_append (fixture, number), 0);
    s_complete (fixture, 0, 0);
    s_complete (fixture, 1, 0);
    //  The loop runs and the timer fires while still behind
    for (int turn = 0; turn < 5; turn++)
        uv_run (&fixture->loop, UV_RUN_ONCE);
    assert_int_equal (fixture->reported_n, 0);
    assert_int_equal (imb_raft_pace_held (fixture->pace, NULL), 1);
    fixture->backlog = 1000;                        //  At the mark: room
    s_run_until (fixture, 2);
    assert_int_equal (fixture->reported [0], 0);
    assert_int_equal (fixture->reported [1], 1);
    //  The third, written now, goes at once
    s_complete (fixture, 2, 0);
    assert_int_equal (fixture->reported_n, 3);
    assert_int_equal (fixture->reported [2], 2);
    //  Nothing held: the loop has nothing left to run but the timer,
    //  which is stopped, so it ends
    assert_int_equal (uv_run (&fixture->loop, UV_RUN_NOWAIT), 0);
}

//  Writes completed out of order are still reported in append order
static void
test_order_kept (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    for (size_t number = 0; number < 3; number++)
        assert_int_equal (s_append (fixture, number), 0);
    s_complete (fixture, 2, 0);
    s_complete (fixture, 1, 0);
    assert_int_equal (fixture->reported_n, 0);
    s_complete (fixture, 0, 0);
    assert_int_equal (fixture->reported_n, 3);
    for (size_t number = 0; number < 3; number++)
        assert_int_equal (fixture->reported [number], number);
}

//  A failed write is reported without waiting for room, after what was
//  appended before it
static void
test_failure_not_held (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fixture->backlog = 5000;
    assert_int_equal (s_append (fixture, 0), 0);
    assert_int_equal (s_append (fixture, 1), 0);
    s_complete (fixture, 0, RAFT_IOERR);
    assert_int_equal (fixture->reported_n, 1);
    assert_int_equal (fixture->statuses [0], RAFT_IOERR);
    s_complete (fixture, 1, 0);
    assert_int_equal (fixture->reported_n, 1);      //  Held: behind
    fixture->backlog = 0;
    s_run_until (fixture, 2);
    assert_int_equal (fixture->reported [1], 1);
    assert_int_equal (fixture->statuses [1], 0);
    //  Counted: the node stops on it (imb_raft)
    assert_int_equal (imb_raft_pace_failed (fixture->pace), 1);
}

//  An append the disk refuses at once is libraft's error to handle, and
//  leaves the others in order
static void
test_refused_append (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (s_append (fixture, 0), 0);
    assert_int_equal (imb_raft_pace_failed (fixture->pace), 0);
    fixture->refuse = RAFT_NOSPACE;
    assert_int_equal (s_append (fixture, 1), RAFT_NOSPACE);
    assert_int_equal (imb_raft_pace_failed (fixture->pace), 1);
    assert_int_equal (s_append (fixture, 2), 0);
    assert_int_equal (fixture->writes_n, 2);
    s_complete (fixture, 1, 0);                     //  Request 2's write
    assert_int_equal (fixture->reported_n, 0);
    s_complete (fixture, 0, 0);
    assert_int_equal (fixture->reported_n, 2);
    assert_int_equal (fixture->reported [0], 0);
    assert_int_equal (fixture->reported [1], 2);
}

//  Closing: libraft waits for its appends, so all are reported at once,
//  and those written later too
static void
test_release_reports_all (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fixture->backlog = 5000;
    assert_int_equal (s_append (fixture, 0), 0);
    assert_int_equal (s_append (fixture, 1), 0);
    s_complete (fixture, 0, 0);
    assert_int_equal (fixture->reported_n, 0);
    imb_raft_pace_release (fixture->pace);
    assert_int_equal (fixture->reported_n, 1);
    s_complete (fixture, 1, RAFT_CANCELED);
    assert_int_equal (fixture->reported_n, 2);
    assert_int_equal (fixture->statuses [1], RAFT_CANCELED);
}

static void
s_timer_fired (uv_timer_t *timer)
{
    *(bool *) timer->data = true;
}

//  A write the disk never completes is seen waiting, from its start
static void
test_a_write_left_waiting_is_seen (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (imb_raft_pace_stuck_ms (fixture->pace), 0);
    uv_update_time (&fixture->loop);
    uint64_t started = uv_now (&fixture->loop);
    assert_int_equal (s_append (fixture, 0), 0);
    assert_int_equal (s_append (fixture, 1), 0);
    //  The loop's clock moves on while both wait (a timer 30 ms away)
    uv_timer_t timer;
    bool fired = false;
    uv_timer_init (&fixture->loop, &timer);
    timer.data = &fired;
    uv_timer_start (&timer, s_timer_fired, 30, 0);
    while (!fired)
        uv_run (&fixture->loop, UV_RUN_ONCE);
    uint64_t waited = uv_now (&fixture->loop) - started;
    assert_true (waited >= 30);
    assert_true (imb_raft_pace_stuck_ms (fixture->pace) >= 30);
    assert_true (imb_raft_pace_stuck_ms (fixture->pace) <= waited);
    //  The first written: the second is the oldest waiting
    s_complete (fixture, 0, 0);
    assert_true (imb_raft_pace_stuck_ms (fixture->pace) <= waited);
    s_complete (fixture, 1, 0);
    assert_int_equal (imb_raft_pace_stuck_ms (fixture->pace), 0);
    uv_close ((uv_handle_t *) &timer, NULL);
    uv_run (&fixture->loop, UV_RUN_DEFAULT);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_room_reports_at_once,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_behind_holds_then_reports,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_order_kept,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_failure_not_held,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_refused_append,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_write_left_waiting_is_seen,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_release_reports_all,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
