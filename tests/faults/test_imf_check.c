/*  test_imf_check - the fault suite's checker finds what it must

    Histories with one known fault each (a lost acknowledged write, a
    request applied twice, two nodes apart at one seq, a hole, a write
    under the wrong incident, an incident classified twice, an SLA never
    started, a notification about an event that is not in the log) must
    each be reported as exactly that, and a clean history as nothing.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <czmq.h>

#include "imf_check.h"

#define NODES       3
#define OPENS       20              //  Incidents in the base history

typedef struct {
    imf_check_t *check;             //  The checker under test
    imf_event_t logs [NODES][OPENS * 3 + 8];    //  Each node's events
    size_t counts [NODES];          //  How many
} fixture_t;

//  Appends one event to node's history
static imf_event_t *
s_add (fixture_t *self, int node, uint64_t incident, const char *type,
       const char *request_id)
{
    size_t index = self->counts [node - 1]++;
    assert_true (index < OPENS * 3 + 8);
    imf_event_t *event = &self->logs [node - 1][index];
    memset (event, 0, sizeof *event);
    event->seq = index + 1;
    event->incident = incident;
    snprintf (event->type, sizeof event->type, "%s", type);
    snprintf (event->request_id, sizeof event->request_id, "%s",
              request_id);
    event->digest = event->seq * 31 + incident;
    return event;
}

//  The base history on every node: OPENS incidents, each opened by
//  load request "run-<n>", classified and SLA-started; every one sent
//  and acknowledged except the last, which was sent and never answered
static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    self->check = imf_check_new ("run");
    for (int n = 0; n < OPENS; n++) {
        char id [32];
        snprintf (id, sizeof id, "run-%d", n);
        imf_check_sent (self->check, id);
        if (n < OPENS - 1)
            imf_check_acked (self->check, id, (uint64_t) n + 1);
        for (int node = 1; node <= NODES; node++) {
            s_add (self, node, (uint64_t) n + 1, "incident.opened", id);
            s_add (self, node, (uint64_t) n + 1, "incident.classified",
                   "classifier:1:classify");
            s_add (self, node, (uint64_t) n + 1, "sla.started",
                   "sla:2:start");
        }
    }
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_check_destroy (&self->check);
    free (self);
    return 0;
}

//  Feeds every node's events (skipping seq skip on node skip_node) and
//  runs the check
static size_t
s_run (fixture_t *self, imf_result_t *result, int skip_node, uint64_t skip)
{
    for (int node = 1; node <= NODES; node++)
        for (size_t index = 0; index < self->counts [node - 1]; index++) {
            const imf_event_t *event = &self->logs [node - 1][index];
            if (node == skip_node && event->seq == skip)
                continue;
            assert_int_equal (imf_check_event (self->check, node, event), 0);
        }
    return imf_check_run (self->check, result, stderr);
}

static void
test_clean_history_has_no_problem (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_result_t result;
    assert_int_equal (s_run (self, &result, 0, 0), 0);
    assert_int_equal (result.nodes, NODES);
    assert_int_equal (result.sent, OPENS);
    assert_int_equal (result.acknowledged, OPENS - 1);
    //  The unanswered write is there: counted, not a problem
    assert_int_equal (result.unacked_present, 1);
}

static void
test_lost_write_is_reported (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Node 2 holds another write's open where run-4 was opened
    imf_event_t *event = &self->logs [1][4 * 3];
    snprintf (event->request_id, sizeof event->request_id, "other-1");
    event->digest++;
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.lost, 1);
    //  The same seq now differs between the nodes
    assert_int_equal (result.divergent, 1);
    assert_int_equal (result.duplicated, 0);
}

static void
test_lost_tail_is_reported_without_divergence (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Node 3 lost the tail: incident 19's events (the last acked one)
    //  and incident 20's; a shorter log is not a divergent one
    self->counts [2] -= 6;
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.lost, 1);
    assert_int_equal (result.divergent, 0);
}

static void
test_duplicate_is_reported (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Every node opened run-3 a second time, as incident 21
    for (int node = 1; node <= NODES; node++) {
        s_add (self, node, 21, "incident.opened", "run-3");
        s_add (self, node, 21, "incident.classified", "c");
        s_add (self, node, 21, "sla.started", "s");
    }
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.duplicated, 1);
    assert_int_equal (result.lost, 0);
    assert_int_equal (result.divergent, 0);
}

static void
test_divergence_is_reported (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Node 3 holds another event at seq 5 (same type, other content)
    self->logs [2][4].digest ^= 0xff;
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.divergent, 1);
    assert_int_equal (result.lost, 0);
}

static void
test_hole_is_divergence (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_result_t result;
    //  Node 2 lacks seq 8 (a classification) but has what follows
    s_run (self, &result, 2, 8);
    assert_int_equal (result.divergent, 1);
    assert_int_equal (result.lost, 0);
}

static void
test_wrong_incident_is_misanswered (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_check_acked (self->check, "run-7", 99);
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.misanswered, 1);
}

static void
test_worker_results_exactly_once (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    for (int node = 1; node <= NODES; node++) {
        //  Incident 2 classified twice; incident 5's SLA never started
        snprintf (self->logs [node - 1][4 * 3 + 2].type, IMF_TYPE_MAX,
                  "incident.commented");
        s_add (self, node, 2, "incident.classified", "again");
    }
    imf_result_t result;
    assert_int_equal (s_run (self, &result, 0, 0), 2);
    assert_int_equal (result.classified_wrong, 1);
    assert_int_equal (result.sla_wrong, 1);
    //  Unchecked, the same history is clean
    imf_check_set_workers (self->check, false);
    assert_int_equal (imf_check_run (self->check, &result, NULL), 0);
}

static void
test_phantom_notification_is_reported (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  About incident 1's open: fine; about a seq past the log, and
    //  about a seq the log gives to another incident: phantoms
    assert_int_equal (imf_check_sink_line (self->check,
        "2024-01-01T00:00:00Z incident=1 reason=opened seq=1 "
        "recipient=\"ann\" title=\"x\"\n"), 0);
    imf_check_notification (self->check, 1, 1000);
    imf_check_notification (self->check, 3, 4);
    imf_result_t result;
    s_run (self, &result, 0, 0);
    assert_int_equal (result.notifications, 3);
    assert_int_equal (result.phantom, 2);
}

static void
test_sink_lines_parse (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    assert_int_equal (imf_check_sink_line (self->check, "garbage\n"), -1);
    assert_int_equal (imf_check_sink_line (self->check,
        "T incident=x reason=r seq=1\n"), -1);
    assert_int_equal (imf_check_sink_line (self->check,
        "T incident=2 reason=r seq=\n"), -1);
    //  A sink directory: two files, one line that is not a notification
    char dir [] = "/tmp/test_imf_check-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char path [128];
    snprintf (path, sizeof path, "%s/ann.log", dir);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "T incident=1 reason=r seq=1 recipient=\"ann\"\npartial");
    fclose (file);
    snprintf (path, sizeof path, "%s/bob.log", dir);
    file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "T incident=2 reason=r seq=4 recipient=\"bob\"\n");
    fclose (file);
    assert_int_equal (imf_check_sink_dir (self->check, dir), 2);
    snprintf (path, sizeof path, "%s/ann.log", dir);
    assert_int_equal (unlink (path), 0);
    snprintf (path, sizeof path, "%s/bob.log", dir);
    assert_int_equal (unlink (path), 0);
    assert_int_equal (rmdir (dir), 0);
    assert_int_equal (imf_check_sink_dir (self->check, dir), -1);
    imf_result_t result;
    assert_int_equal (s_run (self, &result, 0, 0), 0);
}

static void
test_bad_events_are_refused (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_event_t event;
    memset (&event, 0, sizeof event);
    assert_int_equal (imf_check_event (self->check, 1, &event), -1);
    event.seq = 1;
    assert_int_equal (imf_check_event (self->check, 0, &event), -1);
    assert_int_equal (imf_check_event (self->check, IMF_NODES_MAX + 1,
                                       &event), -1);
    assert_int_equal (imf_check_event (self->check, 1, &event), 0);
    assert_int_equal (imf_check_event (self->check, 1, &event), -1);
}

static void
test_no_log_loses_everything_acknowledged (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imf_result_t result;
    assert_int_equal (imf_check_run (self->check, &result, NULL),
                      OPENS - 1);
    assert_int_equal (result.lost, OPENS - 1);
    assert_int_equal (result.nodes, 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_clean_history_has_no_problem,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_lost_write_is_reported,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_lost_tail_is_reported_without_divergence, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicate_is_reported,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_divergence_is_reported,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_hole_is_divergence,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wrong_incident_is_misanswered,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_worker_results_exactly_once,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_phantom_notification_is_reported, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sink_lines_parse,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_events_are_refused,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_no_log_loses_everything_acknowledged, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
