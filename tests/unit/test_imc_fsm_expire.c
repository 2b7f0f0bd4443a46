/*  test_imc_fsm_expire - request results kept for a window, then gone

    The real state machine over a real RocksDB: results are stored with
    their command's time and removed by the entries that come after the
    policy's request_retention, or beyond request_results_max, a bounded
    number per entry, the same on a node that restarted in between.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_store.h"
#include "imc_fsm.h"

#define T0          1000000000000ull    //  The first command's time
#define HOUR        3600000ull

typedef struct {
    char dir [256];                 //  Temp directory
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  Fills it
    uint64_t index;                 //  Last Raft index used
} fixture_t;

static imc_store_t *
s_store_open (const char *dir, const char *name)
{
    char path [300];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    char errbuf [256];
    imc_store_t *store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (store);
    return store;
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-expire-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    f->store = s_store_open (f->dir, "a");
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

//  A command of verb at ts_ms with request id (may be NULL) and one
//  string argument key = value (key may be NULL)
static im_command_t *
s_command (const char *verb, uint64_t ts_ms, const char *request_id,
           const char *key, const char *value)
{
    im_command_t *command = im_command_new ();
    command->type = im_command_type_from_name (verb);
    command->ts_ms = ts_ms;
    snprintf (command->actor, sizeof command->actor, "tester");
    snprintf (command->request_id, sizeof command->request_id, "%s",
              request_id ? request_id : "");
    if (key)
        im_fields_set_str (command->args, key, value);
    return command;
}

//  Applies commands (taken) as one entry of fsm at index
static void
s_apply_to (imc_fsm_t *fsm, uint64_t index, im_command_t **commands,
            size_t count)
{
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (commands, count, malloc, &data,
                                       &size), 0);
    assert_int_equal (imc_fsm_apply (fsm, index, data, size), 0);
    free (data);
    for (size_t cmd = 0; cmd < count; cmd++)
        im_command_destroy (&commands [cmd]);
}

static void
s_apply (fixture_t *f, im_command_t **commands, size_t count)
{
    s_apply_to (f->fsm, ++f->index, commands, count);
}

//  Applies a policy with the given lifecycle text at ts_ms
static void
s_policy (fixture_t *f, const char *lifecycle, uint64_t ts_ms)
{
    char text [256];
    snprintf (text, sizeof text, "lifecycle:\n%s", lifecycle);
    im_command_t *command = s_command ("CONFIG", ts_ms, NULL, "text", text);
    s_apply (f, &command, 1);
    size_t count;
    assert_int_equal (imc_fsm_results (f->fsm, &count)->status, 200);
}

//  Sends count requests named <prefix><n> at ts_ms in one entry: each an
//  ACK of an incident that does not exist (a 404 result, no event)
static void
s_requests (fixture_t *f, const char *prefix, size_t from, size_t count,
            uint64_t ts_ms)
{
    im_command_t **commands = (im_command_t **) calloc (count,
                                                         sizeof (void *));
    for (size_t index = 0; index < count; index++) {
        char id [64];
        snprintf (id, sizeof id, "%s%zu", prefix, from + index);
        commands [index] = s_command ("ACK", ts_ms, id, NULL, NULL);
        commands [index]->incident = 999;
    }
    s_apply (f, commands, count);
    free (commands);
}

//  True when request id is answered as a repeat at ts_ms (its result is
//  still kept); a request answered anew stores a new result
static bool
s_kept (fixture_t *f, const char *id, uint64_t ts_ms)
{
    im_command_t *command = s_command ("ACK", ts_ms, id, NULL, NULL);
    command->incident = 999;
    s_apply (f, &command, 1);
    size_t count;
    const imc_fsm_result_t *result = imc_fsm_results (f->fsm, &count);
    assert_int_equal (result->status, 404);
    return im_fields_int_or (result->body, "repeat", 0) == 1;
}

static uint64_t
s_meta (imc_store_t *store, const char *key)
{
    uint64_t value = 0;
    assert_int_equal (imc_store_meta_get (store, key, &value), 0);
    return value;
}

static int
s_count_one (uint64_t ts_ms, const char *key, size_t key_size, void *arg)
{
    (void) ts_ms;
    (void) key;
    (void) key_size;
    (*(size_t *) arg)++;
    return 0;
}

//  Results in the store's expiry order (must agree with meta)
static size_t
s_stored (imc_store_t *store)
{
    size_t count = 0;
    assert_int_equal (imc_store_request_times_scan (store, 0, s_count_one,
                                                    &count), 0);
    assert_int_equal (s_meta (store, IM_META_REQUESTS), count);
    return count;
}

static void
test_results_are_kept_for_the_window_then_removed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_policy (f, "  request_retention: 1h\n", T0);
    s_requests (f, "r", 0, 10, T0);
    assert_int_equal (s_stored (f->store), 10);
    //  One ms before the window ends: kept, a retry is a repeat
    assert_true (s_kept (f, "r0", T0 + HOUR - 1));
    assert_int_equal (s_stored (f->store), 10);
    //  At its end: the ten go, and the entry's own result stays
    s_requests (f, "late", 0, 1, T0 + HOUR);
    assert_int_equal (s_stored (f->store), 1);
    //  A retry after expiry is a new request: answered again, stored
    assert_false (s_kept (f, "r0", T0 + HOUR + 1));
    assert_true (s_kept (f, "r0", T0 + HOUR + 2));
    assert_int_equal (s_stored (f->store), 2);
}

static void
test_the_oldest_go_beyond_the_count (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_policy (f, "  request_results_max: 5\n", T0);
    for (size_t index = 0; index < 8; index++)
        s_requests (f, "r", index, 1, T0 + index);
    //  Each entry stores one and removes the oldest beyond five
    assert_int_equal (s_stored (f->store), 5);
    assert_false (s_kept (f, "r2", T0 + 100));      //  Gone: stored anew,
    assert_int_equal (s_stored (f->store), 5);      //  r3 went for it
    assert_true (s_kept (f, "r7", T0 + 101));
    assert_true (s_kept (f, "r4", T0 + 102));
    assert_false (s_kept (f, "r3", T0 + 103));
}

static void
test_a_backlog_goes_a_bounded_number_per_entry (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_policy (f, "  request_retention: 1h\n", T0);
    s_requests (f, "r", 0, 1000, T0);
    //  Due all at once: an entry storing one removes at most 2 + 64
    s_requests (f, "x", 0, 1, T0 + 2 * HOUR);
    assert_int_equal (s_stored (f->store), 1000 + 1 - 66);
    //  One storing 100 removes up to 264; the entries after take the rest
    s_requests (f, "y", 0, 100, T0 + 2 * HOUR);
    assert_int_equal (s_stored (f->store), 935 + 100 - 264);
    for (int entry = 0; entry < 20; entry++)
        s_requests (f, "z", (size_t) entry, 1, T0 + 2 * HOUR);
    //  What is left is the window's: x0, y0..y99, z0..z19
    assert_int_equal (s_stored (f->store), 1 + 100 + 20);
}

//  Dumps the requests and request_times families as one string
static int
s_dump_one (const void *key, size_t key_size, const void *value,
            size_t value_size, void *arg)
{
    zchunk_t *dump = (zchunk_t *) arg;
    zchunk_extend (dump, &key_size, sizeof key_size);
    zchunk_extend (dump, key, key_size);
    zchunk_extend (dump, &value_size, sizeof value_size);
    zchunk_extend (dump, value, value_size);
    return 0;
}

static zchunk_t *
s_dump (imc_store_t *store)
{
    zchunk_t *dump = zchunk_new (NULL, 0);
    assert_int_equal (imc_store_cf_scan (store, "requests", s_dump_one,
                                         dump), 0);
    assert_int_equal (imc_store_cf_scan (store, "request_times", s_dump_one,
                                         dump), 0);
    uint64_t count = s_meta (store, IM_META_REQUESTS);
    zchunk_extend (dump, &count, sizeof count);
    return dump;
}

static void
test_a_restarted_node_removes_the_same_results (void **state)
{
    //  Two nodes apply the same entries; one restarts its state machine
    //  between entries (its scan starts from the beginning again). A
    //  leader whose clock is behind the last one's stores a result older
    //  than those already removed. Both stores end byte for byte alike.
    fixture_t *f = (fixture_t *) *state;
    imc_store_t *other_store = s_store_open (f->dir, "b");
    imc_fsm_t *other = imc_fsm_new (other_store);
    assert_non_null (other);
    uint64_t times [] = { T0, T0 + 10, T0 + HOUR + 5, T0 + 3,
                          T0 + 2 * HOUR, T0 + 2 * HOUR + 1, T0 + 4 * HOUR };
    for (size_t step = 0; step < sizeof times / sizeof times [0]; step++) {
        for (int node = 0; node < 2; node++) {
            imc_fsm_t **fsm = node ? &other : &f->fsm;
            uint64_t index = f->index + 1;
            im_command_t *commands [41];
            size_t count = 0;
            if (step == 0)
                commands [count++] = s_command (
                    "CONFIG", times [step], NULL, "text", "lifecycle:\n"
                    "  request_retention: 1h\n  request_results_max: 50\n");
            for (size_t n = 0; n < 40; n++) {
                char id [32];
                snprintf (id, sizeof id, "s%zu-%zu", step, n);
                commands [count] = s_command ("ACK", times [step], id, NULL,
                                              NULL);
                commands [count++]->incident = 999;
            }
            s_apply_to (*fsm, index, commands, count);
            if (node == 1 && step % 2 == 1) {
                imc_fsm_destroy (fsm);
                *fsm = imc_fsm_new (other_store);
                assert_non_null (*fsm);
            }
        }
        f->index++;
        zchunk_t *mine = s_dump (f->store);
        zchunk_t *theirs = s_dump (other_store);
        assert_true (zchunk_size (mine) > 0);
        assert_int_equal (zchunk_size (mine), zchunk_size (theirs));
        assert_memory_equal (zchunk_data (mine), zchunk_data (theirs),
                             zchunk_size (mine));
        zchunk_destroy (&mine);
        zchunk_destroy (&theirs);
        assert_true (s_stored (f->store) <= 50);
    }
    imc_fsm_destroy (&other);
    imc_store_destroy (&other_store);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_results_are_kept_for_the_window_then_removed,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_oldest_go_beyond_the_count, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_backlog_goes_a_bounded_number_per_entry,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_restarted_node_removes_the_same_results,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
