/*  e2e_cluster_sla_once - every SLA deadline fires exactly once, across
    a leader's death, a second SLA timer and a time with no timer at all

    The SLA timers keep their clocks in memory, rebuilt from the log:
    from the events they are delivered and from SLA-CLOCKS, when they
    start and at every sweep. What makes a deadline fire once is the
    log: each breach and warning names its clock and due time in its
    request id, and the broker records it only while the clock runs and
    once its due time has passed. These tests check that promise from
    the outside, in the log, where it matters.

    Three brokers, a classifier and SLA timers. In the first test 200
    incidents are opened together, so their response deadlines (and
    their resolution clocks' 75 % warnings) fall within a short window
    at T, read from the recorded sla.started; the leader is SIGKILLed at
    T - 1 s and a second SLA timer starts meanwhile. In the second no
    SLA timer runs while the deadlines pass, and two start afterwards.
    Either way every incident must end with one breach per clock and
    one warning per clock and fraction, none before its due time, and
    a node that was down must hold the same events once back.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define INCIDENTS   200             //  Opened together, first test
#define QUIET       50              //  Opened together, second test (at
                                    //  most INCIDENTS)
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election
#define GRACE_MS    1000            //  The SLA timer waits past a deadline
#define SWEEP_MS    2000            //  And asks for past-due clocks
#define KILL_LEAD_MS    1000        //  The leader dies this long before T
#define FRACTIONS   2               //  sla.warn_at: 50 %, 75 % (default)

static const int s_fractions [FRACTIONS] = { 50, 75 };

//  Each test's SLA targets, every priority alike (the cmocka prestate)
typedef struct {
    const char *name;               //  Tags the directory
    uint64_t response_ms;           //  Response target
    uint64_t resolution_ms;         //  Resolution target
} s_targets_t;

//  The first test: the resolution clock's 75 % warning falls with the
//  response deadline, and its own deadline 4 s later, after the
//  failover. The response target leaves time to open and classify 200
//  incidents on a loaded machine before T - 1 s.
static s_targets_t s_failover_targets = { "slaonce", 14000, 14000 * 4 / 3 };
//  The second: short, so that the deadlines pass soon after the timers
//  stopped
static s_targets_t s_quiet_targets = { "slaquiet", 6000, 8000 };

//  What the log says about one incident's SLA
typedef struct {
    uint64_t id;                    //  The incident
    int started;                    //  sla.started events
    int64_t due [2];                //  Its deadlines, by clock
    int64_t warn_due [2][FRACTIONS];    //  Its warnings' instants
    int breached [2];               //  sla.breached, by clock
    int warned [2][FRACTIONS];      //  sla.warning, by clock and fraction
    int stray;                      //  Breaches or warnings of another
                                    //  clock, fraction or due time
    int early;                      //  Recorded before their due time
    int64_t breach_ms;              //  Stamp of the first breach, or 0
    int events;                     //  Events in the timeline
} s_tally_t;

typedef struct {
    imh_t *harness;                 //  Cluster and workers
    imh_writes_t *opens;            //  The incidents, the harness's
    int count;                      //  How many
    s_tally_t tallies [INCIDENTS];  //  One per incident
    int done;                       //  Incidents [0, done) are complete
} s_test_t;

static int
s_setup (void **state)
{
    s_targets_t *targets = (s_targets_t *) *state;
    imh_options_t options;
    imh_options_default (&options);
    for (int index = 0; index < 5; index++) {
        options.response_ms [index] = targets->response_ms;
        options.resolution_ms [index] = targets->resolution_ms;
    }
    if (imh_setup_cluster (state, targets->name, &options, NODES))
        return -1;
    imh_t *harness = (imh_t *) *state;
    if (imh_start_workers (harness, NULL, NULL)) {
        imh_destroy (&harness);     //  No teardown after a failed setup
        *state = NULL;
        return -1;
    }
    return 0;
}

static int
s_clock_index (const char *clock)
{
    return streq (clock, "response") ? 0 : streq (clock, "resolution") ? 1
                                                                       : -1;
}

static int
s_fraction_index (int64_t fraction)
{
    for (int index = 0; index < FRACTIONS; index++)
        if (s_fractions [index] == fraction)
            return index;
    return -1;
}

//  Reads the warnings of sla.started's key into tally's instants
static void
s_tally_warnings (s_tally_t *tally, int clock, const char *text)
{
    im_warning_t warnings [IM_WARNINGS_MAX];
    size_t count = 0;
    if (!text || im_warnings_parse (text, warnings, &count))
        return;
    for (size_t index = 0; index < count; index++) {
        int fraction = s_fraction_index (warnings [index].percent);
        if (fraction >= 0)
            tally->warn_due [clock][fraction] = warnings [index].at_ms;
    }
}

//  Counts what the events of one incident's timeline say about its SLA
static void
s_tally (zlist_t *events, s_tally_t *tally)
{
    uint64_t id = tally->id;
    memset (tally, 0, sizeof *tally);
    tally->id = id;
    im_event_t *event = (im_event_t *) zlist_first (events);
    for (; event; event = (im_event_t *) zlist_next (events)) {
        tally->events++;
        const im_fields_t *payload = event->payload;
        if (event->type == IM_EV_SLA_STARTED) {
            tally->started++;
            tally->due [0] = im_fields_int_or (payload, "response_due_ms", 0);
            tally->due [1] = im_fields_int_or (payload, "resolution_due_ms",
                                               0);
            s_tally_warnings (tally, 0,
                              im_fields_str (payload, "response_warnings"));
            s_tally_warnings (tally, 1, im_fields_str (payload,
                                                       "resolution_warnings"));
            continue;
        }
        if (event->type != IM_EV_SLA_BREACHED
        &&  event->type != IM_EV_SLA_WARNING)
            continue;
        int clock = s_clock_index (im_fields_str_or (payload, "clock", ""));
        int64_t due = im_fields_int_or (payload, "due_ms", 0);
        int fraction = event->type == IM_EV_SLA_WARNING
            ? s_fraction_index (im_fields_int_or (payload, "fraction", 0))
            : 0;
        if (event->type == IM_EV_SLA_BREACHED && !tally->breach_ms)
            tally->breach_ms = (int64_t) event->ts_ms;
        if ((int64_t) event->ts_ms < due)
            tally->early++;
        if (clock < 0 || fraction < 0)
            tally->stray++;
        else
        if (event->type == IM_EV_SLA_BREACHED) {
            tally->breached [clock]++;
            if (due != tally->due [clock])
                tally->stray++;
        }
        else {
            tally->warned [clock][fraction]++;
            if (due != tally->warn_due [clock][fraction])
                tally->stray++;
        }
    }
}

//  True when the tally shows every deadline and warning recorded
static bool
s_complete (const s_tally_t *tally)
{
    for (int clock = 0; clock < 2; clock++) {
        if (!tally->breached [clock])
            return false;
        for (int fraction = 0; fraction < FRACTIONS; fraction++)
            if (!tally->warned [clock][fraction])
                return false;
    }
    return true;
}

//  Reads incident n's timeline through the harness (the leader) into
//  its tally; false when it could not be read
static bool
s_read (s_test_t *self, int n)
{
    s_tally_t *tally = &self->tallies [n];
    tally->id = imh_writes_incident (self->opens, n);
    zlist_t *events = imh_timeline (self->harness, tally->id);
    bool read = events != NULL;
    if (read)
        s_tally (events, tally);
    imh_events_destroy (&events);
    return read;
}

//  imh_condition_fn: every incident's clocks started
static bool
s_all_started (void *arg)
{
    s_test_t *self = (s_test_t *) arg;
    for (; self->done < self->count; self->done++)
        if (!s_read (self, self->done) || !self->tallies [self->done].started)
            return false;
    return true;
}

//  imh_condition_fn: every incident's breaches and warnings are in
static bool
s_all_fired (void *arg)
{
    s_test_t *self = (s_test_t *) arg;
    for (; self->done < self->count; self->done++)
        if (!s_read (self, self->done)
        ||  !s_complete (&self->tallies [self->done]))
            return false;
    return true;
}

//  imh_condition_fn: the wall clock reached *arg (ms since the epoch)
static bool
s_time_reached (void *arg)
{
    return im_now_ms () >= *(uint64_t *) arg;
}

//  Opens count incidents together and waits until every one's clocks
//  started; fills self
static void
s_open (s_test_t *self, imh_t *harness, int count)
{
    self->harness = harness;
    self->count = count;
    self->opens = imh_cluster_writes (harness, NULL, "Payroll late", count);
    assert_non_null (self->opens);
    assert_int_equal (imh_writes_run (self->opens, count, WAIT_MS), count);
    self->done = 0;
    if (!imh_wait_for (s_all_started, self, WAIT_MS))
        fail_msg ("%d of %d incidents have no sla.started", count - self->done,
                  count);
}

//  The earliest and latest instant of clock's deadlines (fraction < 0)
//  or warnings at fraction
static void
s_window (s_test_t *self, int clock, int fraction, int64_t *first,
          int64_t *last)
{
    *first = INT64_MAX;
    *last = 0;
    for (int n = 0; n < self->count; n++) {
        int64_t at = fraction < 0 ? self->tallies [n].due [clock]
                   : self->tallies [n].warn_due [clock][fraction];
        *first = at < *first ? at : *first;
        *last = at > *last ? at : *last;
    }
}

//  Checks every incident: each clock breached once, each warning given
//  once, nothing early, nothing else, and (when after_ms is not 0) the
//  breaches no earlier than after_ms. Prints what is wrong; returns how
//  many incidents are wrong.
static int
s_check (s_test_t *self, int64_t after_ms)
{
    int wrong = 0;
    for (int n = 0; n < self->count; n++) {
        s_tally_t *tally = &self->tallies [n];
        bool right = tally->started == 1 && tally->early == 0
                  && tally->stray == 0;
        for (int clock = 0; clock < 2; clock++) {
            right = right && tally->breached [clock] == 1;
            for (int fraction = 0; fraction < FRACTIONS; fraction++)
                right = right && tally->warned [clock][fraction] == 1;
        }
        if (tally->breach_ms < after_ms)
            right = false;          //  Breached while no timer ran
        if (right)
            continue;
        if (wrong++ < 10)
            fprintf (stderr, "e2e_cluster_sla_once: incident %" PRIu64
                     ": started %d, response breached %d warned %d/%d, "
                     "resolution breached %d warned %d/%d, early %d, "
                     "stray %d, first breach %" PRId64 "\n", tally->id,
                     tally->started, tally->breached [0],
                     tally->warned [0][0], tally->warned [0][1],
                     tally->breached [1], tally->warned [1][0],
                     tally->warned [1][1], tally->early, tally->stray,
                     tally->breach_ms);
    }
    return wrong;
}

//  After a wait that failed: reads every incident again and prints
//  what is wrong (s_check); returns true
static bool
s_reread (s_test_t *self, int64_t after_ms)
{
    int done = self->done;
    for (int n = 0; n < self->count; n++)
        s_read (self, n);
    s_check (self, after_ms);
    self->done = done;
    return true;
}

//  Node, back from the dead, must hold each incident's events as the
//  leader does: as many, and the same SLA record
static void
s_check_node (s_test_t *self, int node)
{
    assert_true (imh_cluster_converged (self->harness, WAIT_MS));
    for (int n = 0; n < self->count; n++) {
        s_tally_t *leader = &self->tallies [n];
        s_tally_t mine = { .id = leader->id };
        zlist_t *events = imh_node_timeline (self->harness, node,
                                             leader->id);
        if (!events)
            fail_msg ("node %d does not answer TIMELINE %" PRIu64, node,
                      leader->id);
        s_tally (events, &mine);
        imh_events_destroy (&events);
        if (memcmp (&mine, leader, sizeof mine))
            fail_msg ("node %d: incident %" PRIu64 " has %d events, the "
                      "leader %d, or another SLA record", node, leader->id,
                      mine.events, leader->events);
    }
}

static void
test_a_leader_dies_a_second_before_200_deadlines (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    s_test_t test = { 0 };
    s_test_t *self = &test;
    s_open (self, h, INCIDENTS);

    //  T: the first response deadline, as recorded. The resolution
    //  clocks' 75 % warnings are due with them.
    int64_t first, last, warn_first, warn_last;
    s_window (self, 0, -1, &first, &last);
    s_window (self, 1, 1, &warn_first, &warn_last);
    uint64_t now = im_now_ms ();
    fprintf (stderr, "e2e_cluster_sla_once: %d incidents started; response "
             "deadlines from T = now + %" PRId64 " ms, over %" PRId64
             " ms; resolution 75 %% warnings over [T%+" PRId64 ", T%+"
             PRId64 "] ms\n", INCIDENTS, first - (int64_t) now, last - first,
             warn_first - first, warn_last - first);
    if ((int64_t) now > first - KILL_LEAD_MS)
        fail_msg ("opening took too long: T - %d ms is already past; the "
                  "response target must be longer", KILL_LEAD_MS);
    for (int n = 0; n < INCIDENTS; n++)
        if (self->tallies [n].breached [0] || self->tallies [n].breached [1])
            fail_msg ("incident %" PRIu64 " breached before T",
                      self->tallies [n].id);

    uint64_t kill_at = (uint64_t) (first - KILL_LEAD_MS);
    assert_true (imh_wait_for (s_time_reached, &kill_at, WAIT_MS));
    assert_int_equal (imh_node_kill (h, leader), 0);
    //  Meanwhile a second SLA timer, given every node's endpoints
    assert_true (imh_start (h, IMH_SLA_TIMER, "sla-2", NULL) >= 0);
    int next = imh_cluster_other_leader (h, leader, LEADER_MS);
    assert_true (next > 0);
    fprintf (stderr, "e2e_cluster_sla_once: node %d killed at T - %d ms, "
             "node %d leads at T%+" PRId64 " ms\n", leader, KILL_LEAD_MS,
             next, (int64_t) im_now_ms () - first);
    assert_true (imh_wait_instances (h, "sla", 2, WAIT_MS));

    int64_t resolution_first, resolution_last;
    s_window (self, 1, -1, &resolution_first, &resolution_last);
    int deadline = (int) (resolution_last - (int64_t) im_now_ms ())
                 + GRACE_MS + SWEEP_MS + WAIT_MS;
    self->done = 0;
    if (!imh_wait_for (s_all_fired, self, deadline)
    &&  s_reread (self, 0))
        fail_msg ("%d of %d incidents miss a breach or warning after the "
                  "failover (first: %" PRIu64 ")", INCIDENTS - self->done,
                  INCIDENTS, self->tallies [self->done].id);
    fprintf (stderr, "e2e_cluster_sla_once: all fired at T%+" PRId64
             " ms\n", (int64_t) im_now_ms () - first);
    //  Once the workers have handled everything, nothing more may come
    assert_true (imh_wait_settled (h, WAIT_MS));
    self->done = 0;
    assert_true (imh_wait_for (s_all_fired, self, WAIT_MS));
    assert_int_equal (s_check (self, 0), 0);

    //  The killed node comes back and holds the same events
    assert_int_equal (imh_node_restart (h, leader), 0);
    s_check_node (self, leader);
    assert_int_equal (imh_cluster_check (h, INCIDENTS, WAIT_MS), 0);
    imh_passed (h);
}

static void
test_deadlines_passed_with_no_timer_fire_once_on_recovery (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_cluster_leader (h, LEADER_MS) > 0);
    s_test_t test = { 0 };
    s_test_t *self = &test;
    s_open (self, h, QUIET);
    //  No SLA timer runs while every deadline passes
    int sla = imh_slot (h, "sla-1");
    assert_true (sla >= 0);
    assert_int_equal (imh_kill (h, sla), 0);
    int64_t first, last;
    s_window (self, 1, -1, &first, &last);
    uint64_t past = (uint64_t) last + GRACE_MS + SWEEP_MS;
    assert_true (imh_wait_for (s_time_reached, &past, WAIT_MS));
    //  Nothing breached meanwhile: the test would prove nothing else
    self->done = 0;
    assert_true (imh_wait_for (s_all_started, self, WAIT_MS));
    for (int n = 0; n < QUIET; n++)
        assert_int_equal (self->tallies [n].breached [0]
                          + self->tallies [n].breached [1], 0);

    //  Two timers start, each rebuilding the clocks from the log
    int64_t recovered = (int64_t) im_now_ms ();
    assert_int_equal (imh_restart (h, sla), 0);
    assert_true (imh_start (h, IMH_SLA_TIMER, "sla-2", NULL) >= 0);
    self->done = 0;
    if (!imh_wait_for (s_all_fired, self, GRACE_MS + SWEEP_MS + WAIT_MS)
    &&  s_reread (self, recovered))
        fail_msg ("%d of %d incidents miss a breach or warning after the "
                  "timers started (first: %" PRIu64 ")", QUIET - self->done,
                  QUIET, self->tallies [self->done].id);
    assert_true (imh_wait_settled (h, WAIT_MS));
    self->done = 0;
    assert_true (imh_wait_for (s_all_fired, self, WAIT_MS));
    assert_int_equal (s_check (self, recovered), 0);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_prestate_setup_teardown (
            test_a_leader_dies_a_second_before_200_deadlines, s_setup,
            imh_teardown, &s_failover_targets),
        cmocka_unit_test_prestate_setup_teardown (
            test_deadlines_passed_with_no_timer_fire_once_on_recovery,
            s_setup, imh_teardown, &s_quiet_targets),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
