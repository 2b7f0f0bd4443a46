/*  e2e_sla - SLA clocks paused while pending, warnings before the breach

    A real broker and the three workers, with SLA targets of seconds in
    the built-in 24x7 calendar and the default policy (pause for
    awaiting_vendor, warn at 50 % and 75 %). An incident pended before
    its deadlines is not breached while it waits, well past them; once
    resumed, its clocks run again with the time left at the pause and
    breach at the deadline the SLA timer recomputed, and each warning is
    recorded once, before the breach.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS         20000       //  Bound on any one wait
#define RESPONSE_MS     4000        //  Every priority's targets
#define RESOLUTION_MS   6000
#define GRACE_MS        1000        //  The SLA timer waits past a deadline

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    for (int index = 0; index < 5; index++) {
        options.response_ms [index] = RESPONSE_MS;
        options.resolution_ms [index] = RESOLUTION_MS;
    }
    imh_t *harness = imh_new_node ("sla", &options, true, NULL);
    *state = harness;
    return harness ? 0 : -1;
}

//  The first event of type in incident's timeline whose payload has
//  clock = clock (NULL: any), copied into *found; false when none
static bool
s_event (imh_t *harness, uint64_t incident, const char *type,
         const char *clock, im_event_t *found)
{
    return imh_find_event (harness, incident, type, clock ? "clock" : NULL,
                           clock, found);
}

typedef struct {
    imh_t *harness;                 //  The node
    uint64_t incident;              //  Watched
    const char *type;               //  Event type waited for
    const char *clock;              //  Its clock, or NULL
    uint64_t until_ms;              //  Wall time the wait stops at, or 0
} s_watch_t;

//  imh_condition_fn: the event is in the timeline, or the wall clock
//  reached until_ms (the caller tells the two apart)
static bool
s_seen_or_past (void *arg)
{
    s_watch_t *watch = (s_watch_t *) arg;
    im_event_t *event = im_event_new ();
    bool seen = s_event (watch->harness, watch->incident, watch->type,
                         watch->clock, event);
    im_event_destroy (&event);
    return seen || (watch->until_ms && im_now_ms () >= watch->until_ms);
}

//  Waits for the event and copies it into found
static void
s_wait_event (imh_t *harness, uint64_t incident, const char *type,
              const char *clock, im_event_t *found)
{
    s_watch_t watch = { harness, incident, type, clock, 0 };
    if (!imh_wait_for (s_seen_or_past, &watch, WAIT_MS))
        fail_msg ("no %s (%s) for incident %" PRIu64, type,
                  clock ? clock : "-", incident);
    assert_true (s_event (harness, incident, type, clock, found));
}

static void
test_a_pending_incident_breaches_after_its_resume (void **state)
{
    imh_t *h = (imh_t *) *state;
    json_t *reply = imh_ctl_json (h, "open", "--title", "Invoices stuck",
                                  "--reporter", "erin", NULL);
    assert_non_null (reply);
    int64_t id = imh_json_int (reply, "incident");
    json_decref (reply);
    assert_true (id > 0);
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    im_event_t *started = im_event_new ();
    s_wait_event (h, (uint64_t) id, "sla.started", NULL, started);
    assert_string_equal (im_fields_str (started->payload, "calendar"),
                         "24x7");
    //  The clocks start when the incident was classified, 24x7
    im_event_t *classified = im_event_new ();
    assert_true (s_event (h, (uint64_t) id, "incident.classified", NULL,
                          classified));
    int64_t due = im_fields_int_or (started->payload, "resolution_due_ms", 0);
    assert_int_equal (due, (int64_t) classified->ts_ms + RESOLUTION_MS);
    im_event_destroy (&classified);
    assert_int_equal (imh_ctl (h, NULL, "assign", text, "--group", "finance",
                               NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "pend", text, "--reason",
                               "awaiting_vendor", NULL), 0);

    //  The timer pauses the clock, with the time it had left
    im_event_t *paused = im_event_new ();
    s_wait_event (h, (uint64_t) id, "sla.paused", "resolution", paused);
    int64_t paused_at = im_fields_int_or (paused->payload, "at_ms", 0);
    int64_t left = im_fields_int_or (paused->payload, "remaining_ms", 0);
    assert_true (paused_at < due);
    assert_int_equal (left, due - paused_at);
    json_t *incident = imh_ctl_json (h, "show", text, NULL);
    assert_non_null (incident);
    assert_string_equal (imh_json_str (incident, "sla_resolution"), "paused");
    json_decref (incident);

    //  Pending well past the deadline (and the timer's grace and sweep):
    //  no breach
    s_watch_t watch = { h, (uint64_t) id, "sla.breached", "resolution",
                        (uint64_t) due + GRACE_MS + 3000 };
    assert_true (imh_wait_for (s_seen_or_past, &watch, WAIT_MS));
    im_event_t *breached = im_event_new ();
    assert_false (s_event (h, (uint64_t) id, "sla.breached", "resolution",
                           breached));

    //  Resumed: due the time left after the resume
    assert_int_equal (imh_ctl (h, NULL, "resume", text, NULL), 0);
    im_event_t *resumed = im_event_new ();
    s_wait_event (h, (uint64_t) id, "sla.resumed", "resolution", resumed);
    int64_t resumed_at = im_fields_int_or (resumed->payload, "at_ms", 0);
    int64_t new_due = im_fields_int_or (resumed->payload, "due_ms", 0);
    assert_int_equal (new_due, resumed_at + left);
    assert_int_equal (im_fields_int_or (resumed->payload, "paused_ms", 0),
                      resumed_at - paused_at);
    incident = imh_ctl_json (h, "show", text, NULL);
    assert_non_null (incident);
    assert_string_equal (imh_json_str (incident, "sla_resolution"),
                         "running");
    assert_int_equal (imh_json_int (incident, "sla_resolution_due_ms"),
                      new_due);
    assert_int_equal (imh_json_int (incident, "sla_resolution_paused_ms"),
                      resumed_at - paused_at);
    char pauses [64];
    snprintf (pauses, sizeof pauses, "%" PRId64 "-%" PRId64, paused_at,
              resumed_at);
    assert_string_equal (imh_json_str (incident, "sla_resolution_pauses"),
                         pauses);
    json_decref (incident);

    //  And breaches at the recomputed time, not before
    s_wait_event (h, (uint64_t) id, "sla.breached", "resolution", breached);
    assert_int_equal (im_fields_int_or (breached->payload, "due_ms", 0),
                      new_due);
    assert_true ((int64_t) breached->ts_ms >= new_due);

    //  Each warning once, before the breach
    for (int index = 0; index < 2; index++) {
        const char *fraction = index ? "75" : "50";
        assert_true (imh_wait_events (h, (uint64_t) id, "sla.warning",
                                      "fraction", fraction, 2, WAIT_MS));
        zlist_t *events = imh_timeline (h, (uint64_t) id);
        assert_non_null (events);
        int count = 0;
        im_event_t *event = (im_event_t *) zlist_first (events);
        for (; event; event = (im_event_t *) zlist_next (events)) {
            if (event->type != IM_EV_SLA_WARNING
            ||  im_fields_int_or (event->payload, "fraction", 0)
                != atoi (fraction)
            ||  !streq (im_fields_str_or (event->payload, "clock", ""),
                        "resolution"))
                continue;
            count++;
            assert_true (event->seq < breached->seq);
        }
        imh_events_destroy (&events);
        assert_int_equal (count, 1);
    }
    im_event_destroy (&breached);
    im_event_destroy (&resumed);
    im_event_destroy (&paused);
    im_event_destroy (&started);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_pending_incident_breaches_after_its_resume, s_setup,
            imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
