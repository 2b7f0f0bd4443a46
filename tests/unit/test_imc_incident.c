/*  test_imc_incident - the projection fold and its id lists

    Checks the id lists links use, and that folding events gives the
    projection the storage document describes (docs/storage.md section
    2.3). The lifecycle table is the model's (test_im_incident).
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_incident.h"

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
test_id_lists_add_remove_and_find (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_false (imc_incident_list_has (f->incident, "children", 3));
    assert_int_equal (imc_incident_list_add (f->incident, "children", 3), 0);
    assert_int_equal (imc_incident_list_add (f->incident, "children", 34), 0);
    assert_int_equal (imc_incident_list_add (f->incident, "children", 4), 0);
    assert_int_equal (imc_incident_list_add (f->incident, "children", 3), 0);
    assert_string_equal (im_fields_str (f->incident, "children"), "3,34,4");
    assert_true (imc_incident_list_has (f->incident, "children", 34));
    assert_false (imc_incident_list_has (f->incident, "children", 43));
    imc_incident_list_remove (f->incident, "children", 34);
    assert_string_equal (im_fields_str (f->incident, "children"), "3,4");
    imc_incident_list_remove (f->incident, "children", 4);
    assert_string_equal (im_fields_str (f->incident, "children"), "3");
    imc_incident_list_remove (f->incident, "children", 99);
    assert_string_equal (im_fields_str (f->incident, "children"), "3");
    imc_incident_list_remove (f->incident, "children", 3);
    assert_false (im_fields_has (f->incident, "children"));
}

//  Folds an incident.opened of incident 7 into the fixture's projection
static void
s_fold_open (fixture_t *f)
{
    f->event->type = IM_EV_OPENED;
    f->event->seq = 1;
    f->event->incident = 7;
    im_fields_set_str (f->event->payload, "title", "t");
    imc_incident_evolve (f->incident, f->event);
    im_fields_clear (f->event->payload);
}

static void
test_notes_keep_the_last_comments_within_bounds (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_fold_open (f);
    char text [1000];
    for (int comment = 0; comment < 20; comment++) {
        memset (text, 'a' + comment, sizeof text - 1);
        text [sizeof text - 1] = 0;
        f->event->type = IM_EV_COMMENTED;
        f->event->seq = (uint64_t) comment + 2;
        im_fields_set_str (f->event->payload, "text", text);
        imc_incident_evolve (f->incident, f->event);
    }
    const char *notes = im_fields_str (f->incident, "notes");
    assert_true (strlen (notes) <= IM_INCIDENT_NOTES_MAX);
    //  The newest comment whole, the oldest gone, lines whole
    assert_int_equal (notes [strlen (notes) - 1], 'a' + 19);
    assert_null (strchr (notes, 'a'));
    assert_int_equal (im_fields_int_or (f->incident, "comments", 0), 20);
}

static void
s_fold (fixture_t *f, im_event_type_t type, uint64_t seq, uint64_t ts)
{
    f->event->type = type;
    f->event->seq = seq;
    f->event->ts_ms = ts;
    f->event->incident = 7;
    imc_incident_evolve (f->incident, f->event);
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

//  Asserts p holds exactly keys, in this order
static void
s_assert_keys (const im_fields_t *p, const char **keys, size_t count)
{
    assert_int_equal (im_fields_size (p), count);
    for (size_t index = 0; index < count; index++)
        assert_string_equal (im_fields_key_at (p, index), keys [index]);
}

static void
test_opening_folds_the_payload_between_id_and_the_counters (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->event->payload, "title", "printer on fire");
    im_fields_set_str (f->event->payload, "reporter", "ops");
    s_fold (f, IM_EV_OPENED, 1, 100);
    const char *plain [] = { "id", "title", "reporter", "created_ms",
        "reassignment_count", "reopen_count", "breaches", "notifications",
        "events", "updated_ms", "last_seq" };
    s_assert_keys (f->incident, plain, 11);
    assert_int_equal (im_fields_int_or (f->incident, "id", 0), 7);
    assert_int_equal (im_fields_int_or (f->incident, "events", 0), 1);

    //  A payload holding keys the projection sets itself: "id" is
    //  replaced where it stands, counters are reset where the payload
    //  put them
    im_fields_set_str (f->event->payload, "title", "again");
    im_fields_set_int (f->event->payload, "id", 99);
    im_fields_set_int (f->event->payload, "breaches", 5);
    s_fold (f, IM_EV_OPENED, 2, 200);
    const char *mixed [] = { "id", "title", "breaches", "created_ms",
        "reassignment_count", "reopen_count", "notifications", "events",
        "updated_ms", "last_seq" };
    s_assert_keys (f->incident, mixed, 10);
    assert_int_equal (im_fields_int_or (f->incident, "id", 0), 99);
    assert_int_equal (im_fields_int_or (f->incident, "breaches", -1), 0);
    assert_int_equal (im_fields_int_or (f->incident, "events", 0), 1);
    assert_int_equal (im_fields_int_or (f->incident, "last_seq", 0), 2);
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
        cmocka_unit_test_setup_teardown (test_id_lists_add_remove_and_find,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_notes_keep_the_last_comments_within_bounds,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_folding_events_builds_the_projection,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_opening_folds_the_payload_between_id_and_the_counters,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_clocks_started_after_their_stop_end_at_once,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
