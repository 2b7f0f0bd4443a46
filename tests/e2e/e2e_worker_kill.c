/*  e2e_worker_kill - a worker dies mid-stream; nothing is lost or doubled

    Delivery is at least once and handlers are idempotent, so whatever
    a worker was doing when it was SIGKILLed must end up done exactly
    once: by the same worker restarted, or by another instance of its
    group. Each test fires a burst of commands, kills one worker once
    half of them are answered, lets the system settle, and then counts
    the worker's events per incident. Two instances of one role share
    the stream: both get work, and one incident's events stay in order.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define INCIDENTS   50              //  Incidents in a burst
#define WAIT_MS     30000           //  Bound on any one wait
#define BREACH_MS   4000            //  P5 response target, SLA test

typedef struct {
    imh_t *harness;                 //  Broker, workers, directory
    int workers [3];                //  Slots: classifier, sla, notifier
    int victim;                     //  Slot to kill midway, or -1
    const char *victim_name;        //  Its instance name
    int delivered;                  //  Its deliveries before the burst
    uint64_t ids [INCIDENTS];       //  Incidents of the burst
} fixture_t;

//  Worker arguments: deliveries logged, and one held at a time, so a
//  burst keeps each worker busy for a while and a kill lands mid-work
static const char *s_worker_args [] = { "-v", "--credit", "1", NULL };

//  Counts the deliveries a verbose worker logged
static int
s_deliveries (imh_t *harness, const char *name)
{
    return imh_log_lines (harness, name, ": DELIVER ");
}

typedef struct {
    fixture_t *fixture;             //  Whose victim
    int wanted;                     //  Deliveries to have seen
} s_progress_t;

static bool
s_victim_busy (void *arg)
{
    s_progress_t *progress = (s_progress_t *) arg;
    fixture_t *self = progress->fixture;
    return s_deliveries (self->harness, self->victim_name)
           >= progress->wanted;
}

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    imh_options_t options;
    imh_options_default (&options);
    //  Burst incidents are P5: the SLA test has them breach
    if (*state)
        options.response_ms [4] = BREACH_MS;
    self->harness = imh_new_node ("workerkill", &options, true,
                                  s_worker_args);
    if (!self->harness) {
        free (self);
        return -1;
    }
    self->workers [0] = imh_slot (self->harness, "classifier-1");
    self->workers [1] = imh_slot (self->harness, "sla-1");
    self->workers [2] = imh_slot (self->harness, "notifier-1");
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

//  Kills the victim once it has handled a few events of the burst: it
//  then holds one, and may have sent its command and not acked it
static void
s_kill_victim (void *arg)
{
    fixture_t *self = (fixture_t *) arg;
    s_progress_t progress = { self, self->delivered + 5 };
    assert_true (imh_wait_for (s_victim_busy, &progress, WAIT_MS));
    assert_int_equal (imh_kill (self->harness, self->victim), 0);
}

//  Names the victim and counts what it was delivered so far
static void
s_choose_victim (fixture_t *self, int victim, const char *name)
{
    self->victim = victim;
    self->victim_name = name;
    self->delivered = victim >= 0 ? s_deliveries (self->harness, name) : 0;
}

//  Opens INCIDENTS incidents at once, killing the victim (when >= 0)
//  once half are answered and it is busy
static void
s_open_burst (fixture_t *self, const char *prefix, int victim,
              const char *name)
{
    s_choose_victim (self, victim, name);
    imh_burst_t burst = {
        "OPEN", prefix, INCIDENTS, imh_open_body, (void *) prefix,
        victim >= 0 ? s_kill_victim : NULL, self, 0, WAIT_MS, NULL
    };
    assert_int_equal (imh_burst (self->harness, &burst, self->ids),
                      INCIDENTS);
}

//  Checks that every incident of the burst has exactly count events of
//  type whose payload has key = value
static void
s_check_each (fixture_t *self, const char *type, const char *key,
              const char *value, int count)
{
    for (size_t index = 0; index < INCIDENTS; index++) {
        int found = imh_count_events (self->harness, self->ids [index], type,
                                      key, value);
        if (found != count)
            fail_msg ("incident %" PRIu64 ": %d %s events, expected %d",
                      self->ids [index], found, type, count);
    }
}

static void
test_classifier_killed_midway_classifies_each_once (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_open_burst (self, "Disk full on build host", self->workers [0],
                  "classifier-1");
    assert_int_equal (imh_restart (self->harness, self->workers [0]), 0);
    assert_true (imh_wait_settled (self->harness, WAIT_MS));
    s_check_each (self, "incident.classified", NULL, NULL, 1);
    s_check_each (self, "sla.started", NULL, NULL, 1);
    imh_passed (self->harness);
}

static void
test_sla_timer_killed_midway_survivor_takes_over (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    assert_true (imh_start (h, IMH_SLA_TIMER, "sla-2", s_worker_args) >= 0);
    assert_true (imh_wait_instances (h, "sla", 2, WAIT_MS));
    s_open_burst (self, "Printer offline", self->workers [1], "sla-1");
    assert_true (imh_wait_instances (h, "sla", 1, WAIT_MS));
    assert_true (imh_wait_settled (h, WAIT_MS));
    s_check_each (self, "sla.started", NULL, NULL, 1);
    imh_passed (h);
}

//  Counts the incidents of the burst that breached their response
//  target
static int
s_breached (fixture_t *self)
{
    int count = 0;
    for (size_t index = 0; index < INCIDENTS; index++)
        count += imh_count_events (self->harness, self->ids [index],
                                   "sla.breached", "clock", "response") > 0;
    return count;
}

static bool
s_all_breached (void *arg)
{
    return s_breached ((fixture_t *) arg) == INCIDENTS;
}

static void
test_sla_clocks_outlive_the_instance_that_armed_them (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    assert_true (imh_start (h, IMH_SLA_TIMER, "sla-2", s_worker_args) >= 0);
    assert_true (imh_wait_instances (h, "sla", 2, WAIT_MS));
    s_open_burst (self, "Scanner queue stuck", -1, NULL);
    assert_true (imh_wait_settled (h, WAIT_MS));
    int armed_by_victim = s_deliveries (h, "sla-1");
    assert_true (armed_by_victim > 0);
    assert_int_equal (imh_kill (h, self->workers [1]), 0);

    //  Clocks the dead instance had armed still run out: every incident
    //  breaches its response target, once
    if (!imh_wait_for (s_all_breached, self, BREACH_MS * 4))
        fail_msg ("%d of %d incidents never breached their %d ms response "
                  "target after sla-1 (which had armed clocks) was killed "
                  "and sla-2 lived on", INCIDENTS - s_breached (self),
                  INCIDENTS, BREACH_MS);
    assert_true (imh_wait_settled (h, WAIT_MS));
    s_check_each (self, "sla.breached", "clock", "response", 1);
    s_check_each (self, "notification.sent", "recipient", "duty-manager", 1);
    imh_passed (h);
}

//  An ASSIGN body: incident ids [n] to agent-<n>
static void
s_assign_body (int index, im_fields_t *body, void *arg)
{
    fixture_t *self = (fixture_t *) arg;
    char agent [32];
    snprintf (agent, sizeof agent, "agent-%d", index);
    im_fields_set_int (body, "incident", (int64_t) self->ids [index]);
    im_fields_set_str (body, "agent", agent);
}

static void
test_notifier_killed_midway_notifies_each_assignee_once (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    s_open_burst (self, "Laptop will not boot", -1, NULL);
    assert_true (imh_wait_settled (h, WAIT_MS));
    s_choose_victim (self, self->workers [2], "notifier-1");
    uint64_t assigned [INCIDENTS];
    imh_burst_t burst = {
        "ASSIGN", "assign", INCIDENTS, s_assign_body, self,
        s_kill_victim, self, 0, WAIT_MS, NULL
    };
    assert_int_equal (imh_burst (h, &burst, assigned), INCIDENTS);
    assert_int_equal (imh_restart (h, self->workers [2]), 0);
    assert_true (imh_wait_settled (h, WAIT_MS));
    for (int index = 0; index < INCIDENTS; index++) {
        char agent [32], path [600], incident [40];
        snprintf (agent, sizeof agent, "agent-%d", index);
        assert_int_equal (imh_count_events (h, self->ids [index],
                                            "notification.sent", "recipient",
                                            agent), 1);
        assert_int_equal (imh_count_events (h, self->ids [index],
                                            "notification.sent", NULL, NULL),
                          1);
        snprintf (path, sizeof path, "%s/%s.log", imh_sink_dir (h), agent);
        snprintf (incident, sizeof incident, "incident=%" PRIu64 " ",
                  self->ids [index]);
        char *text = imh_read_file (path);
        assert_int_equal (imh_count_lines (text, incident, "reason=assigned",
                                           NULL), 1);
        free (text);
    }
    imh_passed (h);
}

static void
test_two_classifiers_share_the_stream_in_order (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    assert_true (imh_start (h, IMH_CLASSIFIER, "classifier-2",
                            s_worker_args) >= 0);
    assert_true (imh_wait_instances (h, "classifier", 2, WAIT_MS));
    s_open_burst (self, "Wifi drops in building B", -1, NULL);
    assert_true (imh_wait_settled (h, WAIT_MS));
    int64_t instances = 0;
    assert_int_equal (imh_group (h, "classifier", &instances, NULL), 0);
    assert_int_equal (instances, 2);
    s_check_each (self, "incident.classified", "category", "network", 1);
    int first = s_deliveries (h, "classifier-1");
    int second = s_deliveries (h, "classifier-2");
    if (first == 0 || second == 0)
        fail_msg ("deliveries: classifier-1 %d, classifier-2 %d", first,
                  second);
    //  Each incident: opened, then classified, then the clocks started
    for (size_t index = 0; index < INCIDENTS; index++) {
        zlist_t *events = imh_timeline (h, self->ids [index]);
        assert_non_null (events);
        im_event_type_t order [3] = {
            IM_EV_OPENED, IM_EV_CLASSIFIED, IM_EV_SLA_STARTED
        };
        size_t next = 0;
        im_event_t *event = (im_event_t *) zlist_first (events);
        for (; event; event = (im_event_t *) zlist_next (events))
            if (next < 3 && event->type == order [next])
                next++;
        imh_events_destroy (&events);
        assert_int_equal (next, 3);
    }
    imh_passed (h);
}

int
main (void)
{
    //  A non-NULL prestate asks for a short P5 response target
    static int breach = 1;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_classifier_killed_midway_classifies_each_once,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_sla_timer_killed_midway_survivor_takes_over,
            s_setup, s_teardown),
        cmocka_unit_test_prestate_setup_teardown (
            test_sla_clocks_outlive_the_instance_that_armed_them,
            s_setup, s_teardown, &breach),
        cmocka_unit_test_setup_teardown (
            test_notifier_killed_midway_notifies_each_assignee_once,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_two_classifiers_share_the_stream_in_order,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
