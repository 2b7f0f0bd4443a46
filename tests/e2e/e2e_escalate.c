/*  e2e_escalate - escalation steps and the acknowledgement timeout

    A real broker and the three workers, and a second SLA timer, under a
    policy whose P1 escalates through two levels 2 s apart, two rounds,
    and whose P5 pages again 3 s after an acknowledgement with no
    progress. An unacknowledged P1 incident escalates level 1, level 2,
    level 1, level 2, each step once although two timers watch it and
    the first is killed and started again between steps, and nothing
    after the last round. An acknowledged P5 incident gets one
    acknowledgement timeout, none more while nothing happens, and a
    comment (progress) starts it again. An incident of a customer group
    with an override has its targets in the override's calendar.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     30000           //  Bound on any one wait
#define STEP_MS     2000            //  Each level's after
#define ACK_MS      3000            //  P5's ack_timeout
#define QUIET_MS    7000            //  Past a due time, the grace and a
                                    //  sweep or two: nothing more comes

static int
s_setup (void **state)
{
    return imh_setup_node (state, "escalate");
}

//  The events of type in incident's timeline, in order (owned list)
static zlist_t *
s_events (imh_t *h, uint64_t incident, im_event_type_t type)
{
    zlist_t *events = imh_timeline (h, incident);
    assert_non_null (events);
    im_event_t *event = (im_event_t *) zlist_first (events);
    while (event) {
        im_event_t *next = (im_event_t *) zlist_next (events);
        if (event->type != type)
            zlist_remove (events, event);       //  Its free function
                                                //  destroys it
        event = next;
    }
    return events;
}

typedef struct {
    uint64_t until_ms;              //  Wall time the wait ends at
} s_until_t;

static bool
s_past (void *arg)
{
    return im_now_ms () >= ((s_until_t *) arg)->until_ms;
}

//  Polls until the wall clock passes until_ms
static void
s_wait_until (uint64_t until_ms)
{
    s_until_t until = { until_ms };
    assert_true (imh_wait_for (s_past, &until, WAIT_MS));
}

static void
s_apply_policy (imh_t *h)
{
    char policy [600];
    snprintf (policy, sizeof policy, "%s/escalate.yaml", imh_dir (h));
    FILE *file = fopen (policy, "w");
    assert_non_null (file);
    fputs ("escalations:\n"
           "  - name: standard\n"
           "    repeat: 2\n"
           "    levels:\n"
           "      - {after: 2s, groups: [dba]}\n"
           "      - {after: 2s, users: [carol], schedules: [duty]}\n"
           "calendars:\n  - {name: shop, always: true}\n"
           "sla:\n"
           "  P1: {escalation: standard}\n"
           "  P5: {ack_timeout: 3s}\n"
           "  overrides:\n    - {customer_group: gold, calendar: shop}\n",
           file);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (imh_ctl (h, NULL, "config", "apply", policy, NULL), 0);
}

static void
test_escalation_and_ack_timeout (void **state)
{
    imh_t *h = (imh_t *) *state;
    s_apply_policy (h);
    //  A second timer in the group: both sweep, both may send a step
    assert_true (imh_start (h, IMH_SLA_TIMER, "sla-2", NULL) >= 0);

    //  P1, never acknowledged
    uint64_t id = imh_open (h, "Core switch down", "ops", 1, 1);
    assert_true (id > 0);
    assert_true (imh_wait_events (h, id, "sla.started", NULL, NULL, 1,
                                  WAIT_MS));
    zlist_t *started = s_events (h, id, IM_EV_SLA_STARTED);
    im_event_t *start = (im_event_t *) zlist_first (started);
    assert_string_equal (im_fields_str_or (start->payload, "escalation", ""),
                         "standard");
    int64_t first_due = (int64_t) start->ts_ms + STEP_MS;
    assert_int_equal (im_fields_int_or (start->payload, "escalate_due_ms", 0),
                      first_due);
    imh_events_destroy (&started);

    //  The first step, then the first timer dies and starts again
    assert_true (imh_wait_events (h, id, "sla.escalated", NULL, NULL, 1,
                                  WAIT_MS));
    int slot = imh_slot (h, "sla-1");
    assert_true (slot >= 0);
    assert_int_equal (imh_kill (h, slot), 0);
    assert_int_equal (imh_restart (h, slot), 0);

    assert_true (imh_wait_events (h, id, "sla.escalated", NULL, NULL, 4,
                                  WAIT_MS));
    //  Past the last step's due and as long again: no fifth
    s_wait_until ((uint64_t) first_due + 3 * STEP_MS + STEP_MS + QUIET_MS);
    zlist_t *steps = s_events (h, id, IM_EV_SLA_ESCALATED);
    assert_int_equal (zlist_size (steps), 4);
    static const int levels [4] = { 1, 2, 1, 2 };
    static const int rounds [4] = { 1, 1, 2, 2 };
    static const char *targets [2] = {
        "group:dba", "user:carol,schedule:duty" };
    im_event_t *step = (im_event_t *) zlist_first (steps);
    for (int index = 0; step; index++,
         step = (im_event_t *) zlist_next (steps)) {
        assert_int_equal (im_fields_int_or (step->payload, "level", 0),
                          levels [index]);
        assert_int_equal (im_fields_int_or (step->payload, "round", 0),
                          rounds [index]);
        assert_int_equal (im_fields_int_or (step->payload, "due_ms", 0),
                          first_due + index * STEP_MS);
        assert_string_equal (im_fields_str_or (step->payload, "targets", ""),
                             targets [levels [index] - 1]);
        assert_true ((int64_t) step->ts_ms >= first_due + index * STEP_MS);
        //  The last step names no step after it
        assert_int_equal (im_fields_has (step->payload, "escalate_due_ms"),
                          index < 3);
    }
    imh_events_destroy (&steps);
    char text [24];
    snprintf (text, sizeof text, "%" PRIu64, id);
    json_t *incident = imh_ctl_json (h, "show", text, NULL);
    assert_non_null (incident);
    assert_int_equal (imh_json_int (incident, "escalations"), 4);
    assert_null (json_object_get (incident, "escalate_due_ms"));
    json_decref (incident);
    //  What an operator reads: the steps in the timeline, the count and
    //  the policy in show
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "timeline", text, NULL), 0);
    assert_non_null (strstr (run.out, "sla.escalated"));
    assert_non_null (strstr (run.out, "targets=user:carol,schedule:duty"));
    assert_non_null (strstr (run.out, "level=2 round=2"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "show", text, NULL), 0);
    assert_non_null (strstr (run.out, "escalation"));
    assert_non_null (strstr (run.out, "standard"));
    imh_run_clear (&run);

    //  P5, acknowledged: one timeout, none more while nothing happens
    uint64_t other = imh_open (h, "Printer jams", "erin", 3, 3);
    assert_true (other > 0);
    snprintf (text, sizeof text, "%" PRIu64, other);
    assert_true (imh_wait_events (h, other, "sla.started", NULL, NULL, 1,
                                  WAIT_MS));
    assert_int_equal (imh_ctl (h, NULL, "ack", text, NULL), 0);
    assert_true (imh_wait_events (h, other, "sla.ack_timeout", NULL, NULL, 1,
                                  WAIT_MS));
    zlist_t *acks = s_events (h, other, IM_EV_ACKNOWLEDGED);
    uint64_t acked_ms = ((im_event_t *) zlist_first (acks))->ts_ms;
    imh_events_destroy (&acks);
    zlist_t *timeouts = s_events (h, other, IM_EV_SLA_ACK_TIMEOUT);
    im_event_t *timeout = (im_event_t *) zlist_first (timeouts);
    assert_int_equal (im_fields_int_or (timeout->payload, "due_ms", 0),
                      (int64_t) acked_ms + ACK_MS);
    imh_events_destroy (&timeouts);
    s_wait_until (acked_ms + 2 * ACK_MS + QUIET_MS);
    assert_int_equal (imh_count_events (h, other, "sla.ack_timeout", NULL,
                                        NULL), 1);
    assert_int_equal (imh_count_events (h, other, "sla.escalated", NULL,
                                        NULL), 0);

    //  Progress starts it again: the next is due 3 s after the comment
    assert_int_equal (imh_ctl (h, NULL, "comment", text, "still", "jammed",
                               NULL), 0);
    assert_true (imh_wait_events (h, other, "sla.ack_timeout", NULL, NULL, 2,
                                  WAIT_MS));
    zlist_t *comments = s_events (h, other, IM_EV_COMMENTED);
    uint64_t commented_ms = ((im_event_t *) zlist_first (comments))->ts_ms;
    imh_events_destroy (&comments);
    timeouts = s_events (h, other, IM_EV_SLA_ACK_TIMEOUT);
    timeout = (im_event_t *) zlist_last (timeouts);
    assert_int_equal (im_fields_int_or (timeout->payload, "due_ms", 0),
                      (int64_t) commented_ms + ACK_MS);
    imh_events_destroy (&timeouts);

    //  A gold customer's incident: its targets in the override's
    //  calendar, named in sla.started
    json_t *opened = imh_ctl_json (h, "open", "--title", "Portal slow",
                                   "--reporter", "erin", "--customer_group",
                                   "gold", NULL);
    assert_non_null (opened);
    uint64_t gold = (uint64_t) imh_json_int (opened, "incident");
    json_decref (opened);
    assert_true (imh_wait_events (h, gold, "sla.started", "calendar", "shop",
                                  1, WAIT_MS));

    //  Resolved: nothing more
    assert_int_equal (imh_ctl (h, NULL, "comment", text, "fixed", NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code", "solved",
                               "--notes", "roller replaced", NULL), 0);
    zlist_t *last = s_events (h, other, IM_EV_RESOLVED);
    uint64_t resolved_ms = ((im_event_t *) zlist_first (last))->ts_ms;
    imh_events_destroy (&last);
    s_wait_until (resolved_ms + ACK_MS + QUIET_MS);
    assert_int_equal (imh_count_events (h, other, "sla.ack_timeout", NULL,
                                        NULL), 2);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_escalation_and_ack_timeout,
                                         s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
