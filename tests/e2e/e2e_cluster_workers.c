/*  e2e_cluster_workers - the workers carry on through a failover, and
    what they do is recorded once

    Three brokers on loopback and one of each worker, given every node's
    endpoints by cluster.members. Incidents are opened, and the leader is
    SIGKILLed while the workers are busy with them and their SLA clocks
    still run. The workers must find the new leader on their own and
    resume from the replicated consumer offsets; every incident is then
    classified once, its response clock breaches once, and the breach is
    notified to the duty manager once, in the log and in the sink.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define NODES       3
#define INCIDENTS   40
#define WAIT_MS     30000           //  Bound on any one wait
#define LEADER_MS   10000           //  Bound on an election
#define BREACH_MS   5000            //  P5 response target

typedef struct {
    imh_t *harness;                 //  Cluster and workers, borrowed
    imh_writes_t *opens;            //  The incidents, the harness's
} s_test_t;

//  Deliveries logged, one held at a time: the workers stay busy
static const char *s_worker_args [] = { "-v", "--credit", "1", NULL };

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    options.response_ms [4] = BREACH_MS;
    if (imh_setup_cluster (state, "clusterworkers", &options, NODES))
        return -1;
    imh_t *harness = (imh_t *) *state;
    if (imh_start_workers (harness, NULL, s_worker_args)) {
        imh_destroy (&harness);     //  No teardown after a failed setup
        *state = NULL;
        return -1;
    }
    return 0;
}

//  Counts the incidents with at least one response breach
static int
s_breached (s_test_t *self)
{
    int count = 0;
    for (int n = 0; n < INCIDENTS; n++)
        count += imh_count_events (self->harness,
                                   imh_writes_incident (self->opens, n),
                                   "sla.breached", "clock", "response") > 0;
    return count;
}

static bool
s_all_breached (void *arg)
{
    return s_breached ((s_test_t *) arg) == INCIDENTS;
}

static void
test_workers_resume_on_the_new_leader (void **state)
{
    imh_t *h = (imh_t *) *state;
    int leader = imh_cluster_leader (h, LEADER_MS);
    assert_true (leader > 0);
    s_test_t test = { h, imh_cluster_writes (h, NULL, "Printer jammed",
                                             INCIDENTS) };
    s_test_t *self = &test;
    assert_non_null (self->opens);
    assert_int_equal (imh_writes_run (self->opens, INCIDENTS, WAIT_MS),
                      INCIDENTS);
    //  The workers have the events in hand, one at a time, and the
    //  response clocks run: the leader dies now
    assert_int_equal (imh_node_kill (h, leader), 0);
    int next = imh_cluster_leader (h, LEADER_MS);
    assert_true (next > 0 && next != leader);
    assert_true (imh_wait_instances (h, "classifier", 1, WAIT_MS));
    assert_true (imh_wait_instances (h, "sla", 1, WAIT_MS));
    assert_true (imh_wait_instances (h, "notifier", 1, WAIT_MS));
    if (!imh_wait_for (s_all_breached, self, BREACH_MS + WAIT_MS))
        fail_msg ("%d of %d incidents never breached their response target "
                  "after the failover", INCIDENTS - s_breached (self),
                  INCIDENTS);
    assert_true (imh_wait_settled (h, WAIT_MS));

    char path [600];
    snprintf (path, sizeof path, "%s/duty-manager.log", imh_sink_dir (h));
    char *sink = imh_read_file (path);
    assert_non_null (sink);
    for (int n = 0; n < INCIDENTS; n++) {
        uint64_t id = imh_writes_incident (self->opens, n);
        assert_int_equal (imh_count_events (h, id, "incident.classified",
                                            NULL, NULL), 1);
        assert_int_equal (imh_count_events (h, id, "sla.started", NULL,
                                            NULL), 1);
        assert_int_equal (imh_count_events (h, id, "sla.breached", "clock",
                                            "response"), 1);
        assert_int_equal (imh_count_events (h, id, "notification.sent",
                                            "recipient", "duty-manager"), 1);
        char incident [40];
        snprintf (incident, sizeof incident, "incident=%" PRIu64 " ", id);
        assert_int_equal (imh_count_lines (sink, incident, "reason=breached",
                                           NULL), 1);
    }
    free (sink);
    //  And every node holds the same log
    assert_int_equal (imh_cluster_check (h, INCIDENTS, WAIT_MS), 0);
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test ("test_workers_resume_on_the_new_leader",
                         test_workers_resume_on_the_new_leader, s_setup);
}
