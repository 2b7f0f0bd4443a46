/*  test_imb_applier - the state-machine thread: order, back-pressure,
    results, shutdown

    The applier runs its real thread over a real RocksDB in a temp
    directory and sends results on a real inproc PAIR this test reads.
    To hold the thread still, the test queues answers (imb_applier_fail)
    and does not read them: the PAIR's high-water mark (4 each side, set
    in main) then blocks the thread in its send, and everything queued
    after those answers waits, as entries wait behind a slow RocksDB
    write in the broker. Reading the answers lets it go on. Nothing here
    sleeps: the test polls with a deadline, and the only bounded wait is
    the one that shows a push still waiting after three times the
    longest it may wait for time rather than for room.
*/
#define _GNU_SOURCE                 //  RUSAGE_THREAD (Linux)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include <dirent.h>
#include <stdatomic.h>
#include <sys/resource.h>

#define S_HWM        4              //  PAIR high-water mark, each side
#define S_STALL      64             //  Answers queued to hold the thread
#define S_STALL_BASE (1ull << 40)   //  Their tokens
#define S_DEADLINE   10000          //  Longest poll for a condition, ms

typedef struct {
    char dir [256];                 //  Temp directory, removed at the end
    imc_store_t *store;             //  The real store
    imc_fsm_t *fsm;                 //  Applied to by the applier
    char endpoint [64];             //  Where the applier connects
    zsock_t *results;               //  This test's end of the results
    imb_applier_t *applier;         //  Under test
    uint64_t stall_tokens;          //  Stall answers queued so far
    uint64_t stall_read;            //  Stall answers read so far
} fixture_t;

//  One results message, decoded
typedef struct {
    uint64_t last_seq;              //  Last event seq when it was sent
    uint32_t count;                 //  Results in it
    uint64_t tokens [64];           //  Their tokens
    int statuses [64];              //  Their statuses
    int64_t seqs [64];              //  Their body's seq, -1 if none
    char error [128];               //  The first body's error, if any
} s_results_t;


//  --------------------------------------------------------------------
//  Fixture

static void
s_store_open (fixture_t *f, bool read_only)
{
    imc_store_options_t options;
    imc_store_options_default (&options);
    options.read_only = read_only;
    char errbuf [256];
    f->store = imc_store_new (f->dir, &options, errbuf, sizeof errbuf);
    assert_non_null (f->store);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-applier-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    s_store_open (f, false);
    f->results = zsock_new (ZMQ_PAIR);
    assert_non_null (f->results);
    assert_int_equal (zsock_bind (f->results, "inproc://test-applier-%p",
                                  (void *) f), 0);
    zsock_set_rcvtimeo (f->results, S_DEADLINE);
    snprintf (f->endpoint, sizeof f->endpoint, ">inproc://test-applier-%p",
              (void *) f);
    *state = f;
    return 0;
}

static void
    s_destroy_draining (fixture_t *f, size_t *results_n);

static void
s_start (fixture_t *f, size_t max_bytes)
{
    f->applier = imb_applier_new (f->fsm, f->endpoint, max_bytes);
    assert_non_null (f->applier);
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_destroy_draining (f, NULL);
    zsock_destroy (&f->results);
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    char command [300];
    snprintf (command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal (system (command), 0);
    free (f);
    return 0;
}


//  --------------------------------------------------------------------
//  Entries and results

//  Encodes an entry of opens OPEN commands; *data is the caller's
static void
s_entry (size_t opens, void **data, size_t *size)
{
    im_command_t *commands [16];
    assert_true (opens <= 16);
    for (size_t index = 0; index < opens; index++) {
        im_command_t *command = im_command_new ();
        command->type = IM_CMD_OPEN;
        command->ts_ms = 1000000;
        snprintf (command->actor, sizeof command->actor, "tester");
        im_fields_set_str (command->args, "title", "printer on fire");
        im_fields_set_str (command->args, "reporter", "ann");
        commands [index] = command;
    }
    assert_int_equal (im_entry_encode (commands, opens, malloc, data, size),
                      0);
    for (size_t index = 0; index < opens; index++)
        im_command_destroy (&commands [index]);
}

//  What an entry of opens commands counts for against the bound
static size_t
s_weight (size_t opens)
{
    void *data;
    size_t size;
    s_entry (opens, &data, &size);
    free (data);
    return size + opens * IMB_APPLIER_COMMAND_BYTES;
}

//  Pushes an entry of opens OPENs at index, its results wanted under
//  tokens first_token, first_token + 1, ... (none when 0)
static void
s_push (fixture_t *f, uint64_t index, size_t opens, uint64_t first_token)
{
    void *data;
    size_t size;
    s_entry (opens, &data, &size);
    uint64_t tokens [16];
    for (size_t cmd = 0; cmd < opens; cmd++)
        tokens [cmd] = first_token + cmd;
    imb_applier_push (f->applier, index, data, size,
                      first_token ? tokens : NULL, first_token ? opens : 0);
    free (data);
}

//  Receives one results message; false if none came within the deadline
static bool
s_recv (fixture_t *f, s_results_t *results)
{
    memset (results, 0, sizeof *results);
    zframe_t *frame = zframe_recv (f->results);
    if (!frame)
        return false;
    size_t offset;
    assert_int_equal (imb_raft_results_header (frame, &results->last_seq,
                                               &results->count, &offset), 0);
    assert_true (results->count <= 64);
    for (uint32_t index = 0; index < results->count; index++) {
        const void *body;
        size_t size;
        assert_int_equal (imb_raft_results_next (
            frame, &offset, &results->tokens [index],
            &results->statuses [index], &body, &size), 0);
        im_fields_t *fields = im_fields_new ();
        assert_int_equal (im_fields_decode (fields, body, size, NULL, 0), 0);
        results->seqs [index] = im_fields_int_or (fields, "seq", -1);
        const char *error = im_fields_str (fields, "error");
        if (index == 0 && error)
            snprintf (results->error, sizeof results->error, "%s", error);
        im_fields_destroy (&fields);
    }
    assert_int_equal (offset, zframe_size (frame));
    zframe_destroy (&frame);
    return true;
}

//  Receives the results of an entry pushed with first_token, of opens
//  commands, and checks they are all accepted; returns its last_seq
static uint64_t
s_expect_entry (fixture_t *f, uint64_t first_token, size_t opens)
{
    s_results_t results;
    assert_true (s_recv (f, &results));
    assert_int_equal (results.count, opens);
    for (size_t cmd = 0; cmd < opens; cmd++) {
        assert_int_equal (results.tokens [cmd], first_token + cmd);
        assert_int_equal (results.statuses [cmd], 200);
        //  Its events are the last ones, one per OPEN, in command order
        assert_int_equal (results.seqs [cmd],
                          results.last_seq - opens + 1 + cmd);
    }
    return results.last_seq;
}


//  The Raft index the store says was applied
static uint64_t
s_stored_applied (fixture_t *f)
{
    uint64_t applied = 0;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_APPLIED,
                                          &applied), 0);
    return applied;
}


//  --------------------------------------------------------------------
//  Holding the thread still

//  The applier thread's state letter and kernel wait channel
static bool
s_applier_thread (char *state, char *wchan, size_t size)
{
    DIR *tasks = opendir ("/proc/self/task");
    assert_non_null (tasks);
    bool found = false;
    struct dirent *task;
    while (!found && (task = readdir (tasks))) {
        char path [300], text [256] = "";
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", task->d_name);
        FILE *file = fopen (path, "r");
        if (!file)
            continue;
        found = fgets (text, sizeof text, file) && streq (text, "imq-apply\n");
        fclose (file);
        if (!found)
            continue;
        snprintf (path, sizeof path, "/proc/self/task/%s/stat", task->d_name);
        file = fopen (path, "r");
        assert_non_null (file);
        assert_non_null (fgets (text, sizeof text, file));
        fclose (file);
        const char *after = strrchr (text, ')');
        *state = after ? after [2] : '?';
        snprintf (path, sizeof path, "/proc/self/task/%s/wchan",
                  task->d_name);
        file = fopen (path, "r");
        wchan [0] = 0;
        if (file) {
            if (!fgets (wchan, (int) size, file))
                wchan [0] = 0;
            fclose (file);
        }
    }
    closedir (tasks);
    return found;
}

//  Queues answers the test does not read until the thread is blocked
//  sending one of them: what is queued after them waits
static void
s_stall (fixture_t *f)
{
    for (int count = 0; count < S_STALL; count++) {
        uint64_t token = S_STALL_BASE + f->stall_tokens++;
        imb_applier_fail (f->applier, &token, 1, 503, "stall");
    }
    //  Blocked in the send: asleep, and not on the queue's condition
    //  variable (a futex), which it only waits on when the queue is empty
    int64_t deadline = zclock_mono () + S_DEADLINE;
    while (true) {
        char state = 0, wchan [128] = "";
        if (s_applier_thread (&state, wchan, sizeof wchan)  //  Named yet
        &&  state == 'S' && !strstr (wchan, "futex"))
            break;
        assert_true (zclock_mono () < deadline);
    }
}

//  Reads the stall answers: the thread goes on
static void
s_unstall (fixture_t *f)
{
    while (f->stall_read < f->stall_tokens) {
        s_results_t results;
        assert_true (s_recv (f, &results));
        assert_int_equal (results.count, 1);
        assert_int_equal (results.tokens [0], S_STALL_BASE + f->stall_read);
        assert_int_equal (results.statuses [0], 503);
        assert_string_equal (results.error, "stall");
        f->stall_read++;
    }
}

//  Voluntary context switches of the calling thread so far: a push that
//  waits for room sleeps on a condition variable, one that does not
//  never leaves the CPU of its own accord
static long
s_switches (void)
{
    struct rusage usage;
    assert_int_equal (getrusage (RUSAGE_THREAD, &usage), 0);
    return usage.ru_nvcsw;
}

//  A push made on a thread of its own
typedef struct {
    fixture_t *f;                   //  Whose applier
    uint64_t index;                 //  Raft index pushed
    size_t opens;                   //  OPENs in the entry
    uint64_t token;                 //  First token
    uv_thread_t thread;             //  The pushing thread
    atomic_bool done;               //  The push returned
    uint64_t started_ms;            //  When it was called
    uint64_t ended_ms;              //  When it returned
    long switches;                  //  Voluntary switches in the push
} s_pusher_t;

static void
s_pusher_run (void *arg)
{
    s_pusher_t *pusher = (s_pusher_t *) arg;
    long before = s_switches ();
    pusher->started_ms = im_mono_ms ();
    s_push (pusher->f, pusher->index, pusher->opens, pusher->token);
    pusher->ended_ms = im_mono_ms ();
    pusher->switches = s_switches () - before;
    atomic_store (&pusher->done, true);
}

static void
s_pusher_start (s_pusher_t *pusher, fixture_t *f, uint64_t index,
                size_t opens, uint64_t token)
{
    pusher->f = f;
    pusher->index = index;
    pusher->opens = opens;
    pusher->token = token;
    atomic_init (&pusher->done, false);
    assert_int_equal (uv_thread_create (&pusher->thread, s_pusher_run,
                                        pusher), 0);
}


//  Waits on another thread for imb_applier_wait_index
typedef struct {
    imb_applier_t *applier;         //  Asked, borrowed
    uint64_t index;                 //  Index waited for
    uv_thread_t thread;             //  The waiting thread
    int rc;                         //  What the wait returned
    uint64_t last_seq;              //  And gave
    atomic_bool done;               //  The wait returned
} s_waiter_t;

static void
s_waiter_run (void *arg)
{
    s_waiter_t *waiter = (s_waiter_t *) arg;
    waiter->rc = imb_applier_wait_index (waiter->applier, waiter->index,
                                         &waiter->last_seq);
    atomic_store (&waiter->done, true);
}

static void
s_waiter_start (s_waiter_t *waiter, imb_applier_t *applier, uint64_t index)
{
    waiter->applier = applier;
    waiter->index = index;
    waiter->rc = -1;
    waiter->last_seq = 0;
    atomic_init (&waiter->done, false);
    assert_int_equal (uv_thread_create (&waiter->thread, s_waiter_run,
                                        waiter), 0);
}

//  Destroys the applier on another thread
typedef struct {
    imb_applier_t *applier;         //  Destroyed
    uv_thread_t thread;             //  The destroying thread
    atomic_bool done;               //  Destroy returned
} s_destroyer_t;

static void
s_destroyer_run (void *arg)
{
    s_destroyer_t *destroyer = (s_destroyer_t *) arg;
    imb_applier_destroy (&destroyer->applier);
    atomic_store (&destroyer->done, true);
}

//  Destroys the applier while reading (and counting in *results_n, when
//  not NULL) what it still sends: destroy applies what is queued first,
//  and the thread may be blocked sending
static void
s_destroy_draining (fixture_t *f, size_t *results_n)
{
    if (!f->applier)
        return;
    s_destroyer_t destroyer;
    destroyer.applier = f->applier;
    f->applier = NULL;
    atomic_init (&destroyer.done, false);
    assert_int_equal (uv_thread_create (&destroyer.thread, s_destroyer_run,
                                        &destroyer), 0);
    zpoller_t *poller = zpoller_new (f->results, NULL);
    assert_non_null (poller);
    int64_t deadline = zclock_mono () + S_DEADLINE;
    while (!atomic_load (&destroyer.done)) {
        assert_true (zclock_mono () < deadline);
        if (zpoller_wait (poller, 10)) {
            zframe_t *frame = zframe_recv (f->results);
            zframe_destroy (&frame);
            if (results_n)
                (*results_n)++;
        }
    }
    zpoller_destroy (&poller);
    uv_thread_join (&destroyer.thread);
    //  What was sent before the thread ended is still there to read
    zframe_t *frame;
    zsock_set_rcvtimeo (f->results, 0);
    while ((frame = zframe_recv (f->results))) {
        zframe_destroy (&frame);
        if (results_n)
            (*results_n)++;
    }
    zsock_set_rcvtimeo (f->results, S_DEADLINE);
}


//  Pushes on a thread of its own, which must return within the
//  deadline (a push that should not block fails the test if it does,
//  rather than hanging it); returns what the push took
static s_pusher_t
s_push_returning (fixture_t *f, uint64_t index, size_t opens,
                  uint64_t token)
{
    s_pusher_t pusher;
    s_pusher_start (&pusher, f, index, opens, token);
    int64_t deadline = zclock_mono () + S_DEADLINE;
    while (!atomic_load (&pusher.done))
        assert_true (zclock_mono () < deadline);
    uv_thread_join (&pusher.thread);
    return pusher;
}

//  The same for a push that must not wait at all
static void
s_push_at_once (fixture_t *f, uint64_t index, size_t opens, uint64_t token)
{
    s_pusher_t pusher = s_push_returning (f, index, opens, token);
    assert_int_equal (pusher.switches, 0);
}

//  --------------------------------------------------------------------
//  Tests

static void
test_entries_are_applied_in_order_and_answered_in_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    uint64_t token = 1, events = 0;
    for (uint64_t index = 1; index <= 30; index++) {
        size_t opens = 1 + index % 3;
        //  Every fifth entry is nobody's: no results, but its events
        s_push (f, index, opens, index % 5 ? token : 0);
        if (index % 5)
            token += opens;
    }
    token = 1;
    for (uint64_t index = 1; index <= 30; index++) {
        size_t opens = 1 + index % 3;
        events += opens;
        if (index % 5) {
            assert_int_equal (s_expect_entry (f, token, opens), events);
            token += opens;
        }
    }
    assert_int_equal (imb_applier_wait (f->applier), 0);
    assert_int_equal (imb_applier_applied (f->applier), 30);
    assert_int_equal (imb_applier_last_seq (f->applier), events);
    assert_int_equal (imb_applier_backlog (f->applier), 0);
    assert_false (imb_applier_broken (f->applier));
    //  What the store holds, not only what the thread says
    assert_int_equal (s_stored_applied (f), 30);
}

static void
test_answers_without_an_entry_keep_their_place (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    s_push (f, 1, 2, 10);
    uint64_t tokens [] = { 20, 21 };
    imb_applier_fail (f->applier, tokens, 2, 421, "not the leader");
    s_push (f, 2, 1, 30);
    imb_applier_fail (f->applier, NULL, 0, 503, "nobody waits");
    s_push (f, 3, 1, 40);
    assert_int_equal (s_expect_entry (f, 10, 2), 2);
    s_results_t results;
    assert_true (s_recv (f, &results));
    assert_int_equal (results.count, 2);
    assert_int_equal (results.last_seq, 2);
    assert_int_equal (results.tokens [0], 20);
    assert_int_equal (results.tokens [1], 21);
    assert_int_equal (results.statuses [0], 421);
    assert_int_equal (results.statuses [1], 421);
    assert_string_equal (results.error, "not the leader");
    assert_int_equal (s_expect_entry (f, 30, 1), 3);
    //  An answer for nobody still goes out in its place, empty
    assert_true (s_recv (f, &results));
    assert_int_equal (results.count, 0);
    assert_int_equal (results.last_seq, 3);
    assert_int_equal (s_expect_entry (f, 40, 1), 4);
}

static void
test_the_bound_counts_entry_bytes_and_decoded_commands (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    s_stall (f);
    assert_int_equal (imb_applier_backlog (f->applier), 0);
    s_push (f, 1, 1, 0);
    s_push (f, 2, 5, 0);
    assert_int_equal (imb_applier_backlog (f->applier),
                      s_weight (1) + s_weight (5));
    assert_int_equal (imb_applier_applied (f->applier), 0);
    s_unstall (f);
    assert_int_equal (imb_applier_wait (f->applier), 0);
    assert_int_equal (imb_applier_backlog (f->applier), 0);
    assert_int_equal (imb_applier_applied (f->applier), 2);
    assert_int_equal (imb_applier_last_seq (f->applier), 6);
}

static void
test_a_push_waits_for_room_as_the_bound_says (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    size_t unit = s_weight (1);
    s_start (f, 4 * unit);
    s_stall (f);
    //  Up to the bound, and at it: no wait
    for (uint64_t index = 1; index <= 4; index++) {
        s_push_at_once (f, index, 1, index);
        assert_int_equal (imb_applier_backlog (f->applier), index * unit);
    }
    //  Past it, up to twice it: a wait for room, cut short after
    //  IMB_APPLIER_ROOM_WAIT_MS, and the entry is queued anyway
    for (uint64_t index = 5; index <= 8; index++) {
        s_pusher_t pusher = s_push_returning (f, index, 1, index);
        assert_true (pusher.ended_ms - pusher.started_ms
                     >= IMB_APPLIER_ROOM_WAIT_MS);
        assert_true (pusher.switches > 0);
        assert_int_equal (imb_applier_backlog (f->applier), index * unit);
    }
    //  Past twice the bound: it waits for room, however long that takes
    s_pusher_t pusher;
    uint64_t start = im_mono_ms ();
    s_pusher_start (&pusher, f, 9, 1, 9);
    while (im_mono_ms () - start < 3 * IMB_APPLIER_ROOM_WAIT_MS)
        assert_false (atomic_load (&pusher.done));
    assert_int_equal (imb_applier_backlog (f->applier), 8 * unit);
    assert_int_equal (imb_applier_applied (f->applier), 0);
    //  As the thread drains, it is let in
    uint64_t released = im_mono_ms ();
    s_unstall (f);
    uv_thread_join (&pusher.thread);
    assert_true (atomic_load (&pusher.done));
    assert_true (pusher.ended_ms >= released);
    for (uint64_t index = 1; index <= 9; index++)
        assert_int_equal (s_expect_entry (f, index, 1), index);
    assert_int_equal (imb_applier_wait (f->applier), 0);
    assert_int_equal (imb_applier_applied (f->applier), 9);
    assert_int_equal (imb_applier_backlog (f->applier), 0);
}

static void
test_an_entry_larger_than_the_bound_goes_in_when_nothing_waits (
    void **state)
{
    fixture_t *f = (fixture_t *) *state;
    size_t unit = s_weight (3);
    s_start (f, unit / 4);
    s_stall (f);
    s_push_at_once (f, 1, 3, 1);
    assert_int_equal (imb_applier_backlog (f->applier), unit);
    //  The next one waits for the first to be applied
    s_pusher_t pusher;
    uint64_t start = im_mono_ms ();
    s_pusher_start (&pusher, f, 2, 1, 4);
    while (im_mono_ms () - start < 3 * IMB_APPLIER_ROOM_WAIT_MS)
        assert_false (atomic_load (&pusher.done));
    s_unstall (f);
    uv_thread_join (&pusher.thread);
    assert_int_equal (s_expect_entry (f, 1, 3), 3);
    assert_int_equal (s_expect_entry (f, 4, 1), 4);
}

static void
test_wait_index_returns_once_the_entry_is_applied (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    s_stall (f);
    s_push (f, 1, 2, 0);
    s_push (f, 2, 2, 0);
    s_push (f, 3, 2, 0);
    //  Asked from other threads, as the snapshot asks from libuv's pool:
    //  each returns with at least its entry's events applied
    s_waiter_t second, third;
    s_waiter_start (&second, f->applier, 2);
    s_waiter_start (&third, f->applier, 3);
    s_unstall (f);
    uv_thread_join (&second.thread);
    uv_thread_join (&third.thread);
    assert_int_equal (second.rc, 0);
    assert_true (second.last_seq >= 4);
    assert_int_equal (third.rc, 0);
    assert_int_equal (third.last_seq, 6);
    //  An index applied long ago: at once
    uint64_t last_seq = 0;
    assert_int_equal (imb_applier_wait_index (f->applier, 1, &last_seq), 0);
    assert_int_equal (last_seq, 6);
}

static void
test_destroy_applies_what_waits (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    s_stall (f);
    for (uint64_t index = 1; index <= 10; index++)
        s_push (f, index, 2, 100 * index);
    assert_int_equal (imb_applier_applied (f->applier), 0);
    assert_int_equal (imb_applier_backlog (f->applier), 10 * s_weight (2));
    //  Destroy returns once the thread has applied and answered it all
    size_t results_n = 0;
    s_destroy_draining (f, &results_n);
    assert_null (f->applier);
    assert_int_equal (results_n, S_STALL + 10);
    f->stall_read = f->stall_tokens;
    assert_int_equal (imc_fsm_applied_index (f->fsm), 10);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 20);
    assert_int_equal (s_stored_applied (f), 10);
}

static void
test_an_entry_that_does_not_decode_is_answered_and_passed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    unsigned char junk [24];
    memset (junk, 0xc1, sizeof junk);   //  Never valid msgpack
    uint64_t token = 7;
    imb_applier_push (f->applier, 1, junk, sizeof junk, &token, 1);
    s_results_t results;
    assert_true (s_recv (f, &results));
    assert_int_equal (results.count, 1);
    assert_int_equal (results.tokens [0], 7);
    assert_int_equal (results.statuses [0], 500);
    assert_string_equal (results.error, "not applied");
    //  Its index is passed, and the next entry applies
    s_push (f, 2, 1, 8);
    assert_int_equal (s_expect_entry (f, 8, 1), 1);
    assert_int_equal (imb_applier_applied (f->applier), 2);
    assert_false (imb_applier_broken (f->applier));
}

static void
test_an_index_applied_before_is_skipped (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f, 1024 * 1024);
    s_push (f, 1, 2, 1);
    assert_int_equal (s_expect_entry (f, 1, 2), 2);
    //  Replayed after a restart: libraft hands it on again, nobody waits
    s_push (f, 1, 2, 0);
    s_push (f, 2, 1, 3);
    assert_int_equal (s_expect_entry (f, 3, 1), 3);
    assert_int_equal (imb_applier_applied (f->applier), 2);
}

static void
test_a_store_that_cannot_be_written_stops_the_applier (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  The same store opened read-only: RocksDB refuses every write
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    s_store_open (f, true);
    size_t unit = s_weight (1);
    s_start (f, unit / 2);
    s_push (f, 1, 1, 1);
    s_results_t results;
    assert_true (s_recv (f, &results));
    assert_int_equal (results.count, 1);
    //  Committed, not in the store: the outcome is unknown (504), and the
    //  client sends it again with the same request id
    assert_int_equal (results.statuses [0], 504);
    assert_true (strncmp (results.error, "outcome unknown", 15) == 0);
    assert_int_equal (imb_applier_wait (f->applier), IM_EIO);
    assert_true (imb_applier_broken (f->applier));
    uint64_t last_seq = 99;
    assert_int_equal (imb_applier_wait_index (f->applier, 1, &last_seq),
                      IM_EIO);
    assert_int_equal (last_seq, 0);
    //  Nothing is applied from now on, and nothing waits for room: the
    //  node is about to stop
    s_stall (f);
    s_push_at_once (f, 2, 1, 2);
    s_push_at_once (f, 3, 1, 3);    //  Past twice the bound
    assert_int_equal (imb_applier_backlog (f->applier), 2 * unit);
    s_unstall (f);
    for (uint64_t token = 2; token <= 3; token++) {
        assert_true (s_recv (f, &results));
        assert_int_equal (results.tokens [0], token);
        assert_int_equal (results.statuses [0], 504);
    }
    assert_int_equal (imb_applier_applied (f->applier), 0);
    assert_int_equal (imb_applier_last_seq (f->applier), 0);
}

int
main (void)
{
    zsys_init ();
    zsys_set_sndhwm (S_HWM);
    zsys_set_rcvhwm (S_HWM);
    zsys_set_logstream (NULL);      //  Failures are logged as they happen
    im_log_set_stream (NULL);
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_entries_are_applied_in_order_and_answered_in_order),
        T (test_answers_without_an_entry_keep_their_place),
        T (test_the_bound_counts_entry_bytes_and_decoded_commands),
        T (test_a_push_waits_for_room_as_the_bound_says),
        T (test_an_entry_larger_than_the_bound_goes_in_when_nothing_waits),
        T (test_wait_index_returns_once_the_entry_is_applied),
        T (test_destroy_applies_what_waits),
        T (test_an_entry_that_does_not_decode_is_answered_and_passed),
        T (test_an_index_applied_before_is_skipped),
        T (test_a_store_that_cannot_be_written_stops_the_applier),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
