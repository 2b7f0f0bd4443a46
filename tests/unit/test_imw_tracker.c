/*  test_imw_tracker - commands in flight and when an event is acked

    The tracker is driven with an explicit monotonic clock and a send
    function that records what would go over the wire, so resends and
    acks are checked without sockets or sleeps.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

#define RESEND_MS   1000

typedef struct {
    imw_tracker_t *tracker;             //  Tracker under test
    imw_output_t *out;                  //  Commands to give it
    zlistx_t *sent;                     //  Request ids sent, in order
    im_fields_t *last_body;             //  Copy of the last body sent
} fixture_t;

static void *
s_string_dup (const void *item)
{
    return strdup ((const char *) item);
}

static void
s_string_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->tracker = imw_tracker_new ("notifier", "notifier", RESEND_MS);
    f->out = imw_output_new ();
    f->sent = zlistx_new ();
    assert_non_null (f->tracker);
    assert_non_null (f->out);
    assert_non_null (f->sent);
    zlistx_set_duplicator (f->sent, s_string_dup);
    zlistx_set_destructor (f->sent, s_string_free);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_destroy (&f->last_body);
    zlistx_destroy (&f->sent);
    imw_output_destroy (&f->out);
    imw_tracker_destroy (&f->tracker);
    free (f);
    return 0;
}

static int
s_send (void *arg, const char *verb, const char *request_id,
        const im_fields_t *body)
{
    fixture_t *f = (fixture_t *) arg;
    assert_string_equal (verb, "NOTIFY");
    zlistx_add_end (f->sent, (void *) request_id);
    im_fields_destroy (&f->last_body);
    f->last_body = im_fields_dup (body);
    return 0;
}

static size_t
s_send_due (fixture_t *f, uint64_t now)
{
    zlistx_purge (f->sent);
    return imw_tracker_send_due (f->tracker, now, s_send, f);
}

static void
s_add (fixture_t *f, uint64_t incident, const char *key)
{
    im_fields_t *args = imw_output_add (f->out, "NOTIFY", incident, key);
    assert_non_null (args);
    im_fields_set_str (args, "recipient", "alice");
}

static void
test_commands_get_request_ids_and_header_keys (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 3, "notify:alice");
    s_add (f, 3, "notify:bob");
    assert_int_equal (imw_tracker_add (f->tracker, 42, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_true (imw_tracker_has_event (f->tracker, 42));
    assert_int_equal (s_send_due (f, 0), 2);
    assert_string_equal (zlistx_first (f->sent), "notifier:42:notify:alice");
    assert_string_equal (zlistx_next (f->sent), "notifier:42:notify:bob");
    assert_int_equal (im_fields_int_or (f->last_body, "incident", 0), 3);
    assert_int_equal (im_fields_int_or (f->last_body, "causation", 0), 42);
    assert_string_equal (im_fields_str (f->last_body, "actor"), "notifier");
    assert_string_equal (im_fields_str (f->last_body, "recipient"), "alice");
}

static void
test_event_is_acked_when_its_last_command_is_answered (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 3, "a");
    s_add (f, 3, "b");
    assert_int_equal (imw_tracker_add (f->tracker, 42, f->out), 0);
    s_send_due (f, 0);
    uint64_t ack = 99;
    bool timer = true;
    //  Replies in any order; a 4xx is as final as a 2xx
    assert_int_equal (imw_tracker_answer (f->tracker, "notifier:42:b", 200,
                                          10, &ack, &timer), 0);
    assert_int_equal (ack, 0);
    assert_false (timer);
    assert_int_equal (imw_tracker_answer (f->tracker, "notifier:42:a", 409,
                                          10, &ack, &timer), 0);
    assert_int_equal (ack, 42);
    assert_false (imw_tracker_has_event (f->tracker, 42));
    assert_int_equal (imw_tracker_commands (f->tracker), 0);
    //  A late duplicate reply is unknown
    assert_int_equal (imw_tracker_answer (f->tracker, "notifier:42:a", 200,
                                          10, &ack, &timer), IM_ENOTFOUND);
    assert_int_equal (ack, 0);
}

static void
test_unanswered_commands_are_resent_with_the_same_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 3, "a");
    assert_int_equal (imw_tracker_add (f->tracker, 7, f->out), 0);
    assert_int_equal (s_send_due (f, 100), 1);
    assert_int_equal (s_send_due (f, 100 + RESEND_MS - 1), 0);
    assert_int_equal (s_send_due (f, 100 + RESEND_MS), 1);
    assert_string_equal (zlistx_first (f->sent), "notifier:7:a");
}

static void
test_busy_and_not_leader_are_resent (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 3, "a");
    assert_int_equal (imw_tracker_add (f->tracker, 7, f->out), 0);
    s_send_due (f, 0);
    uint64_t ack = 0;
    bool timer = false;
    int statuses [] = { 503, 500, 504, 421 };
    uint64_t now = 10;
    for (size_t index = 0; index < 4; index++) {
        assert_int_equal (imw_tracker_answer (f->tracker, "notifier:7:a",
                                              statuses [index], now, &ack,
                                              &timer), IM_EBUSY);
        assert_int_equal (s_send_due (f, now + RESEND_MS - 1), 0);
        now += RESEND_MS;
        assert_int_equal (s_send_due (f, now), 1);
    }
    assert_true (imw_tracker_has_event (f->tracker, 7));
    assert_int_equal (imw_tracker_answer (f->tracker, "notifier:7:a", 200,
                                          now, &ack, &timer), 0);
    assert_int_equal (ack, 7);
}

static void
test_a_seq_is_tracked_once (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 3, "a");
    assert_int_equal (imw_tracker_add (f->tracker, 7, f->out), 0);
    s_add (f, 3, "a");
    assert_int_equal (imw_tracker_add (f->tracker, 7, f->out), IM_EEXIST);
    assert_int_equal (imw_output_size (f->out), 1);
    imw_output_clear (f->out);
    //  An event needs commands to be tracked
    assert_int_equal (imw_tracker_add (f->tracker, 8, f->out), IM_EINVAL);
    assert_int_equal (imw_tracker_events (f->tracker), 1);
}

static void
test_request_id_too_long_changes_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char key [IM_REQUEST_ID_MAX];
    memset (key, 'k', sizeof key - 2);
    key [sizeof key - 2] = 0;       //  Fits alone, not after the prefix
    s_add (f, 3, "short");
    s_add (f, 3, key);
    assert_int_equal (imw_tracker_add (f->tracker, 7, f->out), IM_EINVAL);
    assert_int_equal (imw_tracker_commands (f->tracker), 0);
    assert_false (imw_tracker_has_event (f->tracker, 7));
}

static void
test_timer_commands_keep_their_id_and_survive_reconnects (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_add (f, 5, "sla:breach:5:response:1000");
    assert_int_equal (imw_tracker_add (f->tracker, 0, f->out), 0);
    s_add (f, 5, "sla:breach:5:response:1000");     //  A repeat: dropped
    assert_int_equal (imw_tracker_add (f->tracker, 0, f->out), 0);
    s_add (f, 3, "a");
    assert_int_equal (imw_tracker_add (f->tracker, 9, f->out), 0);
    assert_int_equal (imw_tracker_commands (f->tracker), 2);

    imw_tracker_drop_events (f->tracker);
    assert_int_equal (imw_tracker_events (f->tracker), 0);
    assert_int_equal (s_send_due (f, 0), 1);
    assert_string_equal (zlistx_first (f->sent), "sla:breach:5:response:1000");
    assert_int_equal (im_fields_int_or (f->last_body, "causation", -1), 0);

    uint64_t ack = 1;
    bool timer = false;
    assert_int_equal (imw_tracker_answer (f->tracker,
                                          "sla:breach:5:response:1000", 409,
                                          0, &ack, &timer), 0);
    assert_true (timer);
    assert_int_equal (ack, 0);
    assert_int_equal (imw_tracker_commands (f->tracker), 0);
}

#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        S_TEST (test_commands_get_request_ids_and_header_keys),
        S_TEST (test_event_is_acked_when_its_last_command_is_answered),
        S_TEST (test_unanswered_commands_are_resent_with_the_same_id),
        S_TEST (test_busy_and_not_leader_are_resent),
        S_TEST (test_a_seq_is_tracked_once),
        S_TEST (test_request_id_too_long_changes_nothing),
        S_TEST (test_timer_commands_keep_their_id_and_survive_reconnects),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
