/*  e2e_broker_kill - the broker dies mid-stream; what it answered stays

    A 200 reply is a promise: the command is in the log, once, and stays
    there. The broker is SIGKILLed while a burst of OPENs is in flight
    and the workers are busy with the stream, then started again on the
    same data directory. Every answered command must be there exactly
    once, a repeat of its request id must get the same answer and make
    no event, incidents settled before the kill must read the same, and
    the workers must find the broker again on their own and finish.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define SETTLED     50              //  Incidents settled before the kill
#define STORM       200             //  OPENs in flight at the kill
#define WAIT_MS     30000           //  Bound on any one wait
#define SILENCE_MS  3000            //  No reply this long: broker gone

typedef struct {
    imh_t *harness;                 //  Broker, workers, directory
    int kill_after;                 //  Replies before the kill, or -1
    int broker;                     //  Slot of the broker
    uint64_t settled [SETTLED];     //  Incidents opened before
    uint64_t storm [STORM];         //  Incident of each answered OPEN
    uint64_t seqs [STORM];          //  Its seq
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    self->kill_after = *(const int *) *state;
    self->harness = imh_new_node ("brokerkill", NULL, true, NULL);
    if (!self->harness) {
        free (self);
        return -1;
    }
    self->broker = imh_slot (self->harness, "broker");
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    int rc = 0;
    if (self && self->harness && !imh_logs_clean (self->harness))
        rc = -1;
    if (self)
        imh_destroy (&self->harness);
    free (self);
    return rc;
}

static void
s_kill_broker (void *arg)
{
    fixture_t *self = (fixture_t *) arg;
    assert_int_equal (imh_kill (self->harness, self->broker), 0);
}

//  Lists every incident through imqctl, as JSON
static json_t *
s_list_all (imh_t *harness)
{
    json_t *list = imh_ctl_json (harness, "list", "--limit", "10000", NULL);
    assert_non_null (list);
    return list;
}

//  Returns the projection of id in a list (borrowed), or NULL
static json_t *
s_find (json_t *list, uint64_t id)
{
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (list, "incidents"), index, item)
        if (imh_json_int (item, "id") == (int64_t) id)
            return item;
    return NULL;
}

//  Counts the incidents of a list whose title is "storm <n>"
static int
s_titled (json_t *list, int n)
{
    char title [32];
    snprintf (title, sizeof title, "storm %d", n);
    int count = 0;
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (list, "incidents"), index, item)
        count += streq (imh_json_str (item, "title"), title);
    return count;
}

//  Checks that an incident was classified and its clocks started once
static void
s_check_handled_once (imh_t *harness, uint64_t id)
{
    int classified = imh_count_events (harness, id, "incident.classified",
                                       NULL, NULL);
    int started = imh_count_events (harness, id, "sla.started", NULL, NULL);
    if (classified != 1 || started != 1)
        fail_msg ("incident %" PRIu64 ": classified %d times, clocks "
                  "started %d times", id, classified, started);
}

//  Checks that the incident of answered OPEN storm-<n> was opened by
//  the event whose seq the answer gave
static void
s_check_opened_at (fixture_t *self, int n)
{
    zlist_t *events = imh_timeline (self->harness, self->storm [n]);
    assert_non_null (events);
    im_event_t *first = (im_event_t *) zlist_first (events);
    assert_non_null (first);
    assert_int_equal (first->type, IM_EV_OPENED);
    assert_int_equal (first->seq, self->seqs [n]);
    char request_id [32];
    snprintf (request_id, sizeof request_id, "storm-%d", n);
    assert_string_equal (first->request_id, request_id);
    imh_events_destroy (&events);
}

//  Repeats OPEN request storm-<n> and checks the answer is the first
static void
s_check_repeat (fixture_t *self, int n)
{
    char request_id [32], title [32];
    snprintf (request_id, sizeof request_id, "storm-%d", n);
    snprintf (title, sizeof title, "storm %d", n);
    im_fields_t *body = im_fields_new ();
    imh_open_body (n, body, "storm");
    im_reply_t *reply = im_client_call (imh_client (self->harness), "OPEN",
                                        request_id, body, false);
    im_fields_destroy (&body);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    assert_int_equal (im_fields_int_or (reply->body, "incident", 0),
                      self->storm [n]);
    assert_int_equal (im_fields_int_or (reply->body, "seq", 0),
                      self->seqs [n]);
    im_reply_destroy (&reply);
}

//  The whole scenario, with the broker killed after kill_after replies
static void
s_storm_and_kill (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    imh_burst_t settle = {
        "OPEN", "settled", SETTLED, imh_open_body, "VPN slow",
        NULL, NULL, 0, WAIT_MS, NULL
    };
    assert_int_equal (imh_burst (h, &settle, self->settled), SETTLED);
    assert_true (imh_wait_settled (h, WAIT_MS));
    json_t *before = s_list_all (h);

    //  The storm: the broker dies with part of it answered
    imh_burst_t storm = {
        "OPEN", "storm", STORM, imh_open_body, "storm",
        s_kill_broker, self, self->kill_after, SILENCE_MS, self->seqs
    };
    //  Replies already on their way may all arrive: no count expected
    imh_burst (h, &storm, self->storm);
    int acked = 0;
    for (int n = 0; n < STORM; n++)
        acked += self->storm [n] != 0;
    assert_true (acked >= self->kill_after);

    //  Same data directory; the workers come back by themselves
    assert_int_equal (imh_restart (h, self->broker), 0);
    assert_true (imh_wait_settled (h, WAIT_MS));
    json_t *after = s_list_all (h);
    for (size_t index = 0; index < SETTLED; index++) {
        json_t *was = s_find (before, self->settled [index]);
        json_t *is = s_find (after, self->settled [index]);
        assert_non_null (was);
        if (!json_equal (was, is))
            fail_msg ("incident %" PRIu64 " changed across the restart",
                      self->settled [index]);
    }
    int unanswered = 0;             //  Applied, the reply lost
    for (int n = 0; n < STORM; n++) {
        //  Answered: there once; not answered: there at most once
        int copies = s_titled (after, n);
        unanswered += !self->storm [n] && copies == 1;
        if (self->storm [n] ? copies != 1 : copies > 1)
            fail_msg ("storm %d: %d incidents (answered: %s)", n, copies,
                      self->storm [n] ? "yes" : "no");
        json_t *incident = self->storm [n] ? s_find (after, self->storm [n])
                                           : NULL;
        if (self->storm [n] && !incident)
            fail_msg ("storm %d: incident %" PRIu64 " lost", n,
                      self->storm [n]);
    }
    print_message ("storm: %d answered before the kill, %d applied "
                   "without an answer, %d lost\n", acked, unanswered,
                   STORM - acked - unanswered);
    json_decref (before);
    json_decref (after);

    //  Repeats of answered requests: the first answer, no new event
    uint64_t last_seq = 0, now_seq = 0;
    assert_int_equal (imh_last_seq (h, &last_seq), 0);
    for (int n = 0; n < STORM; n++)
        if (self->storm [n]) {
            s_check_opened_at (self, n);
            s_check_repeat (self, n);
        }
    assert_int_equal (imh_last_seq (h, &now_seq), 0);
    assert_int_equal (now_seq, last_seq);

    //  Repeats of all of them: the lost ones are opened now, once
    uint64_t again [STORM];
    storm.midway_fn = NULL;
    storm.deadline_ms = WAIT_MS;
    storm.seqs = NULL;
    assert_int_equal (imh_burst (h, &storm, again), STORM);
    assert_true (imh_wait_settled (h, WAIT_MS));
    after = s_list_all (h);
    for (int n = 0; n < STORM; n++) {
        assert_int_equal (s_titled (after, n), 1);
        if (self->storm [n])
            assert_int_equal (again [n], self->storm [n]);
        s_check_handled_once (h, again [n]);
    }
    json_decref (after);
    for (size_t index = 0; index < SETTLED; index++)
        s_check_handled_once (h, self->settled [index]);
    int64_t instances = 0;
    assert_int_equal (imh_group (h, "classifier", &instances, NULL), 0);
    assert_int_equal (instances, 1);
    imh_passed (h);
}

//  Killed as soon as the storm is sent: most of it is still queued,
//  proposed or being applied
static void
test_broker_killed_early_keeps_what_it_answered (void **state)
{
    s_storm_and_kill (state);
}

//  Killed halfway: most of the storm is applied, its replies in flight
static void
test_broker_killed_halfway_keeps_what_it_answered (void **state)
{
    s_storm_and_kill (state);
}

int
main (void)
{
    //  Prestates: replies before the kill (-1: kill once sent)
    static const int early = -1, halfway = STORM / 2;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_prestate_setup_teardown (
            test_broker_killed_early_keeps_what_it_answered,
            s_setup, s_teardown, (void *) &early),
        cmocka_unit_test_prestate_setup_teardown (
            test_broker_killed_halfway_keeps_what_it_answered,
            s_setup, s_teardown, (void *) &halfway),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
