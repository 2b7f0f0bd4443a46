/*  test_im_incident - the lifecycle table and the projection fold

    Checks every (status, command) pair against the table in
    docs/protocol.md section 3.1, and that folding events gives the
    projection the storage document describes.
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

static void
test_every_status_and_command_pair_follows_the_table (void **state)
{
    (void) state;
    //  Rows: statuses new..closed; columns: ACK ASSIGN COMMENT RESOLVE
    //  CLOSE REOPEN (docs/protocol.md section 3.1)
    static const im_command_type_t commands [6] = {
        IM_CMD_ACK, IM_CMD_ASSIGN, IM_CMD_COMMENT, IM_CMD_RESOLVE,
        IM_CMD_CLOSE, IM_CMD_REOPEN };
    static const int allowed [5][6] = {
        { 1, 1, 1, 1, 0, 0 },       //  new
        { 1, 1, 1, 1, 0, 0 },       //  assigned
        { 0, 1, 1, 1, 0, 0 },       //  in_progress
        { 0, 0, 1, 0, 1, 1 },       //  resolved
        { 0, 0, 0, 0, 0, 0 },       //  closed
    };
    for (int status = IM_STATUS_NEW; status <= IM_STATUS_CLOSED; status++)
        for (int column = 0; column < 6; column++) {
            char reason [256] = "";
            int rc = im_incident_check ((im_status_t) status,
                                        commands [column], reason,
                                        sizeof reason);
            if (allowed [status - IM_STATUS_NEW][column])
                assert_int_equal (rc, 0);
            else {
                assert_int_equal (rc, IM_ESTATE);
                //  The reason names the current status
                assert_non_null (strstr (reason,
                                         im_status_name ((im_status_t) status)));
            }
        }
    //  Worker commands pass in any status
    for (int status = IM_STATUS_NEW; status <= IM_STATUS_CLOSED; status++) {
        assert_int_equal (im_incident_check ((im_status_t) status,
                                             IM_CMD_CLASSIFY, NULL, 0), 0);
        assert_int_equal (im_incident_check ((im_status_t) status,
                                             IM_CMD_NOTIFY, NULL, 0), 0);
    }
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

static void
s_fold (fixture_t *f, im_event_type_t type, uint64_t seq, uint64_t ts)
{
    f->event->type = type;
    f->event->seq = seq;
    f->event->ts_ms = ts;
    f->event->incident = 7;
    im_incident_evolve (f->incident, f->event);
    im_fields_clear (f->event->payload);
}

static void
test_folding_events_builds_the_projection (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->event->payload, "title", "printer on fire");
    im_fields_set_str (f->event->payload, "status", "new");
    s_fold (f, IM_EV_OPENED, 1, 100);
    im_fields_set_int (f->event->payload, "priority", 2);
    im_fields_set_str (f->event->payload, "category", "hardware");
    s_fold (f, IM_EV_CLASSIFIED, 2, 110);
    im_fields_set_int (f->event->payload, "response_due_ms", 500);
    im_fields_set_int (f->event->payload, "resolution_due_ms", 900);
    s_fold (f, IM_EV_SLA_STARTED, 3, 120);
    im_fields_set_str (f->event->payload, "clock", "response");
    im_fields_set_int (f->event->payload, "due_ms", 500);
    s_fold (f, IM_EV_SLA_BREACHED, 4, 600);
    im_fields_set_str (f->event->payload, "status", "in_progress");
    s_fold (f, IM_EV_ACKNOWLEDGED, 5, 700);
    im_fields_set_str (f->event->payload, "status", "resolved");
    im_fields_set_str (f->event->payload, "notes", "extinguished");
    im_fields_set_str (f->event->payload, "code", "solved");
    s_fold (f, IM_EV_RESOLVED, 6, 800);

    im_fields_t *p = f->incident;
    assert_int_equal (im_fields_int_or (p, "id", 0), 7);
    assert_string_equal (im_fields_str (p, "title"), "printer on fire");
    assert_string_equal (im_fields_str (p, "status"), "resolved");
    assert_int_equal (im_fields_int_or (p, "priority", 0), 2);
    assert_string_equal (im_fields_str (p, "category"), "hardware");
    assert_string_equal (im_fields_str (p, "sla_response"), "breached");
    assert_string_equal (im_fields_str (p, "sla_resolution"), "running");
    assert_int_equal (im_fields_int_or (p, "breaches", 0), 1);
    assert_int_equal (im_fields_int_or (p, "created_ms", 0), 100);
    assert_int_equal (im_fields_int_or (p, "acknowledged_ms", 0), 700);
    assert_int_equal (im_fields_int_or (p, "resolved_ms", 0), 800);
    assert_string_equal (im_fields_str (p, "resolution"), "extinguished");
    assert_int_equal (im_fields_int_or (p, "last_seq", 0), 6);
    assert_int_equal (im_fields_int_or (p, "events", 0), 6);

    //  Reopening clears the resolution
    im_fields_set_str (f->event->payload, "status", "new");
    s_fold (f, IM_EV_REOPENED, 7, 900);
    assert_false (im_fields_has (p, "resolution"));
    assert_false (im_fields_has (p, "resolved_ms"));
    assert_int_equal (im_fields_int_or (p, "reopen_count", 0), 1);
}

static void
test_clocks_started_after_their_stop_end_at_once (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fold (f, IM_EV_OPENED, 1, 100);
    im_fields_set_str (f->event->payload, "status", "in_progress");
    s_fold (f, IM_EV_ACKNOWLEDGED, 2, 150);
    im_fields_set_int (f->event->payload, "response_due_ms", 140);
    im_fields_set_int (f->event->payload, "resolution_due_ms", 900);
    s_fold (f, IM_EV_SLA_STARTED, 3, 160);
    assert_string_equal (im_fields_str (f->incident, "sla_response"),
                         "breached");
    assert_string_equal (im_fields_str (f->incident, "sla_resolution"),
                         "running");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_every_status_and_command_pair_follows_the_table,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_status_names_round_trip,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_folding_events_builds_the_projection, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_clocks_started_after_their_stop_end_at_once,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
