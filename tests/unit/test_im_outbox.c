/*  test_im_outbox - commands waiting for answers, and when to resend

    The outbox is driven with an explicit monotonic clock and a send
    function that records what would go over the wire (or refuses, as a
    socket that takes nothing would), so resends, the cap on those
    refused, and which answers end a command are checked without
    sockets or sleeps.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

#define RESEND_MS   1000
#define RETRY_MS    20

typedef struct {
    im_outbox_t *outbox;                //  Outbox under test
    char sent [64][IM_REQUEST_ID_MAX];  //  Request ids sent, in order
    size_t sent_n;                      //  How many
    size_t refuse_after;                //  Sends taken before refusing,
                                        //  SIZE_MAX: all
    int64_t last_n;                     //  "n" of the last body sent
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->outbox = im_outbox_new (RESEND_MS, RETRY_MS, 0);
    assert_non_null (f->outbox);
    f->refuse_after = SIZE_MAX;
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_outbox_destroy (&f->outbox);
    assert_null (f->outbox);
    free (f);
    return 0;
}

static int
s_send (void *arg, const char *verb, const char *request_id,
        const im_fields_t *body)
{
    fixture_t *f = (fixture_t *) arg;
    assert_string_equal (verb, "ALERT");
    if (f->sent_n >= f->refuse_after)
        return -1;
    assert_true (f->sent_n < 64);
    strcpy (f->sent [f->sent_n++], request_id);
    f->last_n = body ? im_fields_int_or (body, "n", -1) : -1;
    return 0;
}

static size_t
s_send_due (fixture_t *f, uint64_t now, size_t again_max)
{
    f->sent_n = 0;
    return im_outbox_send_due (f->outbox, now, again_max, s_send, f);
}

//  Adds ALERT id with a body holding n, tagged n
static void
s_add (fixture_t *f, const char *id, int64_t n)
{
    im_fields_t *body = im_fields_new ();
    assert_non_null (body);
    assert_int_equal (im_fields_set_int (body, "n", n), 0);
    assert_int_equal (im_outbox_add (f->outbox, "ALERT", id, &body,
                                     (uint64_t) n), 0);
    assert_null (body);                 //  Taken
}

static void
test_sends_in_order_then_resends_after_silence (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, "a", 1);
    s_add (f, "b", 2);
    assert_true (im_outbox_due (f->outbox, 100));
    assert_int_equal (im_outbox_next_due (f->outbox), 0);
    assert_int_equal (s_send_due (f, 100, 0), 2);
    assert_string_equal (f->sent [0], "a");
    assert_string_equal (f->sent [1], "b");
    assert_int_equal (f->last_n, 2);
    //  Nothing due until the resend interval has passed in silence
    assert_false (im_outbox_due (f->outbox, 100 + RESEND_MS - 1));
    assert_int_equal (s_send_due (f, 100 + RESEND_MS - 1, 0), 0);
    assert_int_equal (im_outbox_next_due (f->outbox), 100 + RESEND_MS);
    assert_int_equal (s_send_due (f, 100 + RESEND_MS, 0), 2);
    assert_string_equal (f->sent [0], "a");
}

static void
test_answers_end_or_ask_again (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, "ok", 1);
    s_add (f, "refused", 2);
    s_add (f, "busy", 3);
    s_add (f, "moved", 4);
    s_add (f, "unknown", 5);
    s_add (f, "failed", 6);
    s_send_due (f, 0, 0);
    uint64_t tag = 99;
    assert_int_equal (im_outbox_answer (f->outbox, "ok", 200, 10, &tag), 0);
    assert_int_equal (tag, 1);
    //  A refusal resending cannot change ends the command too
    assert_int_equal (im_outbox_answer (f->outbox, "refused", 409, 10,
                                        &tag), 0);
    assert_int_equal (tag, 2);
    //  500 is final by default: the node answered and will again
    assert_int_equal (im_outbox_answer (f->outbox, "failed", 500, 10,
                                        &tag), 0);
    assert_int_equal (tag, 6);
    assert_int_equal (im_outbox_answer (f->outbox, "busy", 503, 10, &tag),
                      IM_EBUSY);
    assert_int_equal (im_outbox_answer (f->outbox, "moved", 421, 10, &tag),
                      IM_EBUSY);
    assert_int_equal (im_outbox_answer (f->outbox, "unknown", 504, 10,
                                        &tag), IM_EBUSY);
    assert_int_equal (im_outbox_size (f->outbox), 3);
    //  A second answer to a finished command is not found
    assert_int_equal (im_outbox_answer (f->outbox, "ok", 200, 11, &tag),
                      IM_ENOTFOUND);
    //  Those asked again go after the retry pause, not the interval
    assert_int_equal (s_send_due (f, 10 + RETRY_MS - 1, 0), 0);
    assert_int_equal (s_send_due (f, 10 + RETRY_MS, 0), 3);
    assert_string_equal (f->sent [0], "busy");
    assert_string_equal (f->sent [1], "moved");
    assert_string_equal (f->sent [2], "unknown");
}

static void
test_keep_asks_again_for_every_5xx (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_outbox_destroy (&f->outbox);
    f->outbox = im_outbox_new (RESEND_MS, RESEND_MS, IM_OUTBOX_KEEP);
    assert_non_null (f->outbox);
    s_add (f, "a", 1);
    s_add (f, "b", 2);
    s_add (f, "c", 3);
    s_send_due (f, 0, 0);
    uint64_t tag;
    assert_int_equal (im_outbox_answer (f->outbox, "a", 500, 5, &tag),
                      IM_EBUSY);
    assert_int_equal (im_outbox_answer (f->outbox, "b", 100, 5, &tag),
                      IM_EBUSY);
    assert_int_equal (im_outbox_answer (f->outbox, "c", 404, 5, &tag), 0);
    assert_int_equal (tag, 3);
    assert_int_equal (s_send_due (f, 5 + RESEND_MS, 0), 2);
}

static void
test_the_cap_holds_back_only_those_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char id [16];
    for (int n = 0; n < 10; n++) {
        snprintf (id, sizeof id, "r%d", n);
        s_add (f, id, n);
    }
    assert_int_equal (s_send_due (f, 0, 3), 10);    //  None refused yet
    uint64_t tag;
    for (int n = 0; n < 6; n++) {
        snprintf (id, sizeof id, "r%d", n);
        assert_int_equal (im_outbox_answer (f->outbox, id, 503, 10, &tag),
                          IM_EBUSY);
    }
    s_add (f, "fresh", 100);
    //  Three of the six refused, and the fresh one regardless of the cap
    assert_int_equal (s_send_due (f, 10 + RETRY_MS, 3), 4);
    assert_string_equal (f->sent [0], "r0");
    assert_string_equal (f->sent [2], "r2");
    assert_string_equal (f->sent [3], "fresh");
    //  The rest are still due, so the next pass takes them
    assert_true (im_outbox_due (f->outbox, 10 + RETRY_MS));
    assert_int_equal (s_send_due (f, 10 + RETRY_MS + 1, 3), 3);
    assert_string_equal (f->sent [0], "r3");
    assert_string_equal (f->sent [2], "r5");
    assert_false (im_outbox_due (f->outbox, 10 + RETRY_MS + 1));
}

static void
test_a_refused_send_stays_due_and_ends_the_pass (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, "a", 1);
    s_add (f, "b", 2);
    s_add (f, "c", 3);
    f->refuse_after = 1;
    assert_int_equal (s_send_due (f, 0, 0), 1);
    assert_string_equal (f->sent [0], "a");
    assert_true (im_outbox_due (f->outbox, 0));
    f->refuse_after = SIZE_MAX;
    assert_int_equal (s_send_due (f, 1, 0), 2);
    assert_string_equal (f->sent [0], "b");
    assert_string_equal (f->sent [1], "c");
}

static void
test_due_at_remove_and_walk (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, "a", 1);
    s_add (f, "b", 2);
    s_add (f, "c", 3);
    s_send_due (f, 0, 0);
    //  A redirect: b goes again now
    assert_int_equal (im_outbox_due_at (f->outbox, "b", 50), 0);
    assert_int_equal (im_outbox_due_at (f->outbox, "zz", 50), IM_ENOTFOUND);
    assert_int_equal (s_send_due (f, 50, 0), 1);
    assert_string_equal (f->sent [0], "b");
    //  A repeat of a pending id is refused and its body left to us
    im_fields_t *body = im_fields_new ();
    assert_non_null (body);
    assert_int_equal (im_outbox_add (f->outbox, "ALERT", "a", &body, 9),
                      IM_EEXIST);
    assert_non_null (body);
    im_fields_destroy (&body);
    //  Too long a request id
    char long_id [IM_REQUEST_ID_MAX + 1];
    memset (long_id, 'x', sizeof long_id - 1);
    long_id [sizeof long_id - 1] = 0;
    body = im_fields_new ();
    assert_int_equal (im_outbox_add (f->outbox, "ALERT", long_id, &body, 9),
                      IM_EINVAL);
    im_fields_destroy (&body);
    assert_true (im_outbox_has (f->outbox, "c"));
    assert_false (im_outbox_has (f->outbox, long_id));
    assert_string_equal (im_outbox_first (f->outbox), "a");
    assert_string_equal (im_outbox_next (f->outbox), "b");
    assert_string_equal (im_outbox_next (f->outbox), "c");
    assert_null (im_outbox_next (f->outbox));
}

static bool
s_odd (uint64_t tag, void *arg)
{
    size_t *calls = (size_t *) arg;
    (*calls)++;
    return tag % 2 == 1;
}

static void
test_remove_if (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, "a", 1);
    s_add (f, "b", 2);
    s_add (f, "c", 3);
    size_t calls = 0;
    im_outbox_remove_if (f->outbox, s_odd, &calls);
    assert_int_equal (calls, 3);
    assert_int_equal (im_outbox_size (f->outbox), 1);
    assert_string_equal (im_outbox_first (f->outbox), "b");
    assert_int_equal (im_outbox_next_due (f->outbox), 0);
    uint64_t tag;
    assert_int_equal (im_outbox_answer (f->outbox, "b", 201, 0, &tag), 0);
    assert_int_equal (im_outbox_next_due (f->outbox), UINT64_MAX);
    assert_null (im_outbox_first (f->outbox));
}

static void
test_again_names_the_statuses (void **state)
{
    (void) state;
    assert_true (im_outbox_again (421));
    assert_true (im_outbox_again (503));
    assert_true (im_outbox_again (504));
    assert_false (im_outbox_again (200));
    assert_false (im_outbox_again (409));
    assert_false (im_outbox_again (500));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_sends_in_order_then_resends_after_silence, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_answers_end_or_ask_again,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_keep_asks_again_for_every_5xx,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_cap_holds_back_only_those_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_refused_send_stays_due_and_ends_the_pass, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_due_at_remove_and_walk,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_remove_if, s_setup,
                                         s_teardown),
        cmocka_unit_test (test_again_names_the_statuses),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
