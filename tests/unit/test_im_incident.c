/*  test_im_incident - the lifecycle table, the statuses and the clocks

    Checks every (status, command) pair against the table in
    docs/protocol.md section 3.1, the refusal texts, the pending reasons
    and the names of statuses and clocks. The fold that builds the
    projection is the core's (test_imc_incident).
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

typedef struct {
    im_fields_t *incident;          //  Projection under test
    im_event_t *event;              //  Event being folded
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->incident = im_fields_new ();
    f->event = im_event_new ();
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    im_fields_destroy (&f->incident);
    free (f);
    return 0;
}

//  Expected lifecycle (docs/protocol.md section 3.1): rows are the
//  statuses new..cancelled, columns the operator commands below
static const im_command_type_t s_commands [17] = {
    IM_CMD_ACK, IM_CMD_ASSIGN, IM_CMD_COMMENT, IM_CMD_PEND, IM_CMD_RESUME,
    IM_CMD_RESOLVE, IM_CMD_CANCEL, IM_CMD_CLOSE, IM_CMD_REOPEN,
    IM_CMD_CONVERT, IM_CMD_CATEGORIZE, IM_CMD_PRIORITIZE, IM_CMD_ESCALATE,
    IM_CMD_LINK, IM_CMD_UNLINK, IM_CMD_MAJOR, IM_CMD_REVIEW };
static const int s_allowed [7][17] = {
    //  ACK ASSIGN COMMENT PEND RESUME RESOLVE CANCEL CLOSE REOPEN
    //  CONVERT CATEGORIZE PRIORITIZE ESCALATE LINK UNLINK MAJOR REVIEW
    { 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 },     //  new
    { 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 },     //  assigned
    { 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 },     //  in_progress
    { 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 },     //  pending
    { 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1 },     //  resolved
    { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 },     //  closed
    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },     //  cancelled
};
#define COMMANDS (sizeof s_commands / sizeof s_commands [0])

static void
test_every_status_and_command_pair_follows_the_table (void **state)
{
    (void) state;
    assert_int_equal (IM_STATUS_MAX - IM_STATUS_NEW, 7);
    for (int status = IM_STATUS_NEW; status < IM_STATUS_MAX; status++)
        for (size_t column = 0; column < COMMANDS; column++) {
            char reason [256] = "";
            int rc = im_incident_check ((im_status_t) status,
                                        s_commands [column], reason,
                                        sizeof reason);
            if (s_allowed [status - IM_STATUS_NEW][column]) {
                if (rc != 0)
                    fail_msg ("%s refused in %s: %s",
                              im_command_type_name (s_commands [column]),
                              im_status_name ((im_status_t) status), reason);
                continue;
            }
            if (rc != IM_ESTATE)
                fail_msg ("%s allowed in %s",
                          im_command_type_name (s_commands [column]),
                          im_status_name ((im_status_t) status));
            //  The reason names the current status
            char current [64];
            snprintf (current, sizeof current, "that is %s;",
                      im_status_name ((im_status_t) status));
            assert_non_null (strstr (reason, current));
        }
}

static void
test_a_refusal_lists_the_allowed_next_steps (void **state)
{
    (void) state;
    char reason [256];
    assert_int_equal (im_incident_check (IM_STATUS_PENDING, IM_CMD_ACK,
                                         reason, sizeof reason), IM_ESTATE);
    assert_string_equal (reason, "cannot acknowledge an incident that is "
                         "pending; allowed: assign, comment on, resume, "
                         "resolve, cancel, convert, categorize, "
                         "reprioritize, escalate, link, unlink, handle as "
                         "major, review");
    assert_int_equal (im_incident_check (IM_STATUS_CANCELLED, IM_CMD_REOPEN,
                                         reason, sizeof reason), IM_ESTATE);
    assert_string_equal (reason, "cannot reopen an incident that is "
                         "cancelled; allowed: nothing");
    assert_int_equal (im_incident_check (IM_STATUS_RESOLVED, IM_CMD_RESOLVE,
                                         reason, sizeof reason), IM_ESTATE);
    assert_string_equal (reason, "cannot resolve an incident that is "
                         "resolved; allowed: comment on, close, reopen, "
                         "review");
}

static void
test_worker_commands_pass_in_any_status (void **state)
{
    (void) state;
    for (int status = IM_STATUS_NEW; status < IM_STATUS_MAX; status++) {
        assert_int_equal (im_incident_check ((im_status_t) status,
                                             IM_CMD_CLASSIFY, NULL, 0), 0);
        assert_int_equal (im_incident_check ((im_status_t) status,
                                             IM_CMD_NOTIFY, NULL, 0), 0);
        assert_int_equal (im_incident_check ((im_status_t) status,
                                             IM_CMD_SLA_BREACH, NULL, 0), 0);
    }
}

static void
test_pending_reasons_are_the_four_known (void **state)
{
    (void) state;
    assert_true (im_incident_pending_reason_valid ("awaiting_caller"));
    assert_true (im_incident_pending_reason_valid ("awaiting_vendor"));
    assert_true (im_incident_pending_reason_valid ("awaiting_change"));
    assert_true (im_incident_pending_reason_valid ("awaiting_problem"));
    assert_false (im_incident_pending_reason_valid ("awaiting_godot"));
    assert_false (im_incident_pending_reason_valid (""));
    assert_false (im_incident_pending_reason_valid (NULL));
}

static void
test_clock_names_round_trip (void **state)
{
    (void) state;
    for (int clock = 0; clock < IM_CLOCKS; clock++)
        assert_int_equal (im_clock_from_name (im_clock_name (clock)), clock);
    assert_int_equal (im_clock_from_name ("close"), IM_CLOCK_CLOSE);
    assert_int_equal (im_clock_from_name ("lunch"), -1);
    assert_null (im_clock_name (IM_CLOCKS));
}

static void
test_status_names_round_trip (void **state)
{
    (void) state;
    for (int status = IM_STATUS_NEW; status < IM_STATUS_MAX; status++)
        assert_int_equal (im_status_from_name (
                              im_status_name ((im_status_t) status)), status);
    assert_int_equal (im_status_from_name ("sleeping"), IM_STATUS_NONE);
    assert_null (im_status_name (IM_STATUS_MAX));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_every_status_and_command_pair_follows_the_table,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_refusal_lists_the_allowed_next_steps, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_worker_commands_pass_in_any_status, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_pending_reasons_are_the_four_known, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_clock_names_round_trip,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_status_names_round_trip,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
