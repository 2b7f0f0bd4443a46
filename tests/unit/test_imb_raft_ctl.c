/*  test_imb_raft_ctl - membership requests checked against the leader's
    configuration

    Three servers of libraft's deterministic in-memory fixture
    (raft/fixture.h), with a state machine that keeps nothing: the
    requests are started on them as the Raft thread starts them, and
    each outcome (status and reason) is what a client would be told.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imb_raft_ctl.h"
#include <raft/fixture.h>

#define S_SERVERS   3
#define S_STEP_MS   10000           //  Fixture time bound on a request

//  What a request was answered
typedef struct {
    int status;                     //  0 while none
    char text [300];                //  The reason
} s_outcome_t;

typedef struct {
    struct raft_fixture cluster;    //  The servers
    struct raft_fsm fsms [S_SERVERS];
    s_outcome_t outcome;            //  Of the last request
} fixture_t;

static int
s_apply (struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    (void) fsm;
    (void) buf;
    *result = NULL;
    return 0;
}

static int
s_snapshot (struct raft_fsm *fsm, struct raft_buffer *bufs [],
            unsigned *n_bufs)
{
    (void) fsm;
    *bufs = raft_malloc (sizeof **bufs);
    (*bufs) [0].len = 8;
    (*bufs) [0].base = raft_calloc (1, 8);
    *n_bufs = 1;
    return 0;
}

static int
s_restore (struct raft_fsm *fsm, struct raft_buffer *buf)
{
    (void) fsm;
    raft_free (buf->base);
    return 0;
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof *f);
    assert_non_null (f);
    assert_int_equal (raft_fixture_initialize (&f->cluster), 0);
    for (unsigned index = 0; index < S_SERVERS; index++) {
        struct raft_fsm *fsm = &f->fsms [index];
        fsm->version = 1;
        fsm->apply = s_apply;
        fsm->snapshot = s_snapshot;
        fsm->restore = s_restore;
        assert_int_equal (raft_fixture_grow (&f->cluster, fsm), 0);
    }
    struct raft_configuration configuration;
    assert_int_equal (raft_fixture_configuration (&f->cluster, S_SERVERS,
                                                  &configuration), 0);
    assert_int_equal (raft_fixture_bootstrap (&f->cluster, &configuration),
                      0);
    raft_configuration_close (&configuration);
    assert_int_equal (raft_fixture_start (&f->cluster), 0);
    raft_fixture_elect (&f->cluster, 0);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    raft_fixture_close (&f->cluster);
    free (f);
    return 0;
}

static void
s_done (void *arg, uint64_t token, int status, const char *text)
{
    s_outcome_t *outcome = (s_outcome_t *) arg;
    assert_int_equal (token, 42);
    outcome->status = status;
    snprintf (outcome->text, sizeof outcome->text, "%s", text);
}

static bool
s_answered (struct raft_fixture *cluster, void *arg)
{
    (void) cluster;
    return ((s_outcome_t *) arg)->status != 0;
}

//  Starts a request on server (0 ..) without waiting for its outcome
static void
s_start (fixture_t *f, unsigned server, imb_raft_ctl_kind_t kind,
         uint64_t node, const char *address)
{
    memset (&f->outcome, 0, sizeof f->outcome);
    imb_raft_ctl_t *request = imb_raft_ctl_new (kind, 42, node, address);
    assert_non_null (request);
    imb_raft_ctl_start (&request, raft_fixture_get (&f->cluster, server),
                        s_done, &f->outcome);
    assert_null (request);
}

//  Starts a request and steps the cluster until its outcome; asserts
//  its status and that its reason holds reason
static void
s_expect (fixture_t *f, unsigned server, imb_raft_ctl_kind_t kind,
          uint64_t node, const char *address, int status, const char *reason)
{
    s_start (f, server, kind, node, address);
    assert_true (raft_fixture_step_until (&f->cluster, s_answered,
                                          &f->outcome, S_STEP_MS));
    if (f->outcome.status != status || !strstr (f->outcome.text, reason))
        fail_msg ("wanted %d '%s', got %d '%s'", status, reason,
                  f->outcome.status, f->outcome.text);
}

//  The Raft address of server (0 ..), borrowed
static const char *
s_address (fixture_t *f, unsigned server)
{
    return raft_fixture_get (&f->cluster, server)->address;
}

static void
test_an_add_is_checked_before_anything_is_done (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_expect (f, 0, IMB_RAFT_ADD_CHECK, 2, "10.0.0.9:7702", 409,
              "node 2 is already a member");
    s_expect (f, 0, IMB_RAFT_ADD_CHECK, 4, s_address (f, 1), 409,
              "is already used by node 2");
    s_expect (f, 0, IMB_RAFT_ADD, 3, "10.0.0.9:7702", 409,
              "node 3 is already a member");
    s_expect (f, 0, IMB_RAFT_ADD_CHECK, 4, "10.0.0.9:7702", 200,
              "may be added");
    //  A check changes nothing
    assert_int_equal (raft_fixture_get (&f->cluster, 0)->configuration.n,
                      S_SERVERS);
    //  Only the leader answers
    s_expect (f, 1, IMB_RAFT_ADD_CHECK, 4, "10.0.0.9:7702", 421,
              "no longer leads");
}

static void
test_removals_and_transfers_name_what_is_in_the_way (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_expect (f, 0, IMB_RAFT_REMOVE, 9, NULL, 404, "node 9 is not a member");
    s_expect (f, 0, IMB_RAFT_TRANSFER, 9, NULL, 404,
              "node 9 is not a member");
    s_expect (f, 0, IMB_RAFT_TRANSFER, 1, NULL, 409, "leads already");

    //  A change asked while another is uncommitted waits for it (a
    //  barrier), then is checked against the configuration it made
    s_start (f, 0, IMB_RAFT_REMOVE, 3, NULL);
    assert_int_equal (f->outcome.status, 0);
    imb_raft_ctl_t *other = imb_raft_ctl_new (IMB_RAFT_ADD_CHECK, 42, 4,
                                              s_address (f, 2));
    s_outcome_t later = { 0, "" };
    imb_raft_ctl_start (&other, raft_fixture_get (&f->cluster, 0), s_done,
                        &later);
    assert_int_equal (later.status, 0);
    assert_true (raft_fixture_step_until (&f->cluster, s_answered,
                                          &f->outcome, S_STEP_MS));
    assert_int_equal (f->outcome.status, 200);
    assert_string_equal (f->outcome.text, "removed");
    assert_true (raft_fixture_step_until (&f->cluster, s_answered, &later,
                                          S_STEP_MS));
    //  Node 3's address is free once it was removed
    assert_int_equal (later.status, 200);

    //  The leader asked to remove itself hands leadership on first, and
    //  the new leader removes it
    s_expect (f, 0, IMB_RAFT_REMOVE, 1, NULL, 421,
              "leadership moved to node 2 first");
    assert_int_equal (raft_fixture_get (&f->cluster, 1)->state, RAFT_LEADER);
    s_expect (f, 1, IMB_RAFT_REMOVE, 1, NULL, 200, "removed");

    //  Down to the leader alone, which cannot be removed
    s_expect (f, 1, IMB_RAFT_REMOVE, 2, NULL, 409, "the last voter");
    assert_int_equal (raft_fixture_get (&f->cluster, 1)->state, RAFT_LEADER);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_an_add_is_checked_before_anything_is_done,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_removals_and_transfers_name_what_is_in_the_way,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
