/*  test_imw_sla - the SLA timer role's clocks

    The role is driven with events built in memory and an explicit
    'now' for its tick, so deadlines are tested without sleeping. Due
    times come from the default configuration's SLA targets.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

#define T0  1700000000000ull            //  Event time of the tests

//  Fake broker: a ROUTER that answers SLA-CLOCKS with S_CLOCKS running
//  clocks (incident 41's two, then one each of other incidents, one ms
//  apart) a page at a time, after the cursor it is given, and anything
//  else with 400. args is the endpoint to bind.
#define S_CLOCKS    (IM_PROTO_ITEMS_MAX + 2)
static void
s_broker (zsock_t *pipe, void *args)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    if (!router || zsock_bind (router, "%s", (const char *) args)) {
        zsock_destroy (&router);
        zsock_signal (pipe, 1);
        return;
    }
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    zsock_signal (pipe, 0);
    while (zpoller_wait (poller, -1) == router) {
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        im_request_t *request = im_request_new ();
        char errbuf [256];
        zmsg_t *reply = NULL;
        if (im_request_decode (request, &msg, errbuf, sizeof errbuf) == 0
        &&  streq (request->verb, "SLA-CLOCKS")) {
            //  Pages of the running clocks, after the cursor if any
            int64_t after = im_fields_int_or (request->body, "after_due_ms",
                                              0);
            bool cursor = im_fields_has (request->body, "after_incident")
                       && im_fields_has (request->body, "after_clock");
            zlist_t *items = zlist_new ();
            for (int64_t index = 0; index < S_CLOCKS
                 && zlist_size (items) < IM_PROTO_ITEMS_MAX; index++) {
                int64_t due = (int64_t) T0 + 1 + index;
                if (due <= after)
                    continue;
                im_fields_t *item = im_fields_new ();
                im_fields_set_int (item, "incident",
                                   index < 2 ? 41 : 100 + index);
                im_fields_set_str (item, "clock", index == 1 ? "resolution"
                                                             : "response");
                im_fields_set_int (item, "due_ms", due);
                im_fields_set_int (item, "priority", 1);
                zlist_append (items, item);
            }
            im_fields_t *body = im_fields_new ();
            im_fields_set_int (body, "count", (int64_t) zlist_size (items));
            reply = after && !cursor
                ? im_reply_encode_error (400, request->request_id, "cursor")
                : im_reply_encode (200, request->request_id, body, items,
                                   NULL);
            im_fields_destroy (&body);
            im_fields_t *item;
            while ((item = (im_fields_t *) zlist_pop (items)))
                im_fields_destroy (&item);
            zlist_destroy (&items);
        }
        else
            reply = im_reply_encode_error (400, request->request_id, "no");
        zmsg_destroy (&msg);
        zmsg_prepend (reply, &identity);
        zmsg_send (&reply, router);
        im_request_destroy (&request);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

typedef struct {
    im_policy_t *policy;                //  Default policy
    imw_sla_t *sla;                     //  Role under test
    imw_output_t *out;                  //  What it asks to send
    im_event_t *event;                  //  Event fed to it
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->policy = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    assert_non_null (f->policy);
    im_policy_defaults (f->policy);
    f->sla = imw_sla_new (f->policy);
    f->out = imw_output_new ();
    f->event = im_event_new ();
    assert_non_null (f->sla);
    assert_non_null (f->out);
    assert_non_null (f->event);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    imw_output_destroy (&f->out);
    imw_sla_destroy (&f->sla);
    free (f->policy);
    free (f);
    return 0;
}

//  Sets the event's header and clears its payload and the output
static void
s_event (fixture_t *f, im_event_type_t type, uint64_t incident, uint64_t seq,
         uint64_t ts_ms)
{
    f->event->type = type;
    f->event->incident = incident;
    f->event->seq = seq;
    f->event->ts_ms = ts_ms;
    im_fields_clear (f->event->payload);
    imw_output_clear (f->out);
}

//  Feeds incident.classified with priority at T0
static void
s_classify (fixture_t *f, uint64_t incident, int priority)
{
    s_event (f, IM_EV_CLASSIFIED, incident, 10, T0);
    im_fields_set_int (f->event->payload, "priority", priority);
    im_fields_set_str (f->event->payload, "category", "network");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
}

static void
test_classified_starts_both_clocks_from_config (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 5, 2);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-START");
    assert_string_equal (imw_output_key (f->out, 0), "sla-start");
    assert_int_equal (imw_output_incident (f->out, 0), 5);
    const im_fields_t *args = imw_output_args (f->out, 0);
    uint64_t response_due = T0 + f->policy->response_ms [1];
    uint64_t resolution_due = T0 + f->policy->resolution_ms [1];
    assert_int_equal (im_fields_int_or (args, "priority", 0), 2);
    assert_int_equal (im_fields_int_or (args, "response_due_ms", 0),
                      response_due);
    assert_int_equal (im_fields_int_or (args, "resolution_due_ms", 0),
                      resolution_due);
    assert_int_equal (imw_sla_due (f->sla, 5, "response"), response_due);
    assert_int_equal (imw_sla_due (f->sla, 5, "resolution"), resolution_due);
    //  And each clock's first warning, at half its target
    assert_int_equal (imw_sla_armed (f->sla), 4);
    assert_int_equal (imw_sla_due (f->sla, 5, "warn-response"),
                      T0 + f->policy->response_ms [1] / 2);
}

static void
test_classified_without_priority_is_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_event (f, IM_EV_CLASSIFIED, 5, 10, T0);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), IM_EINVAL);
    im_fields_set_int (f->event->payload, "priority", 6);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), IM_EINVAL);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_armed (f->sla), 0);
}

static void
test_started_arms_clocks_of_another_instance (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_event (f, IM_EV_SLA_STARTED, 8, 11, T0);
    im_fields_set_int (f->event->payload, "priority", 1);
    im_fields_set_int (f->event->payload, "response_due_ms",
                       (int64_t) (T0 + 100));
    im_fields_set_int (f->event->payload, "resolution_due_ms",
                       (int64_t) (T0 + 900));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 8, "response"), T0 + 100);
    assert_int_equal (imw_sla_due (f->sla, 8, "resolution"), T0 + 900);
}

static void
test_acknowledged_stops_the_response_clock (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 5, 1);
    s_event (f, IM_EV_ACKNOWLEDGED, 5, 12, T0 + 60000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-STOP");
    assert_string_equal (imw_output_key (f->out, 0), "sla-stop-response");
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "clock"), "response");
    assert_int_equal (im_fields_int_or (args, "at_ms", 0), T0 + 60000);
    assert_int_equal (imw_sla_due (f->sla, 5, "response"), 0);
    assert_int_not_equal (imw_sla_due (f->sla, 5, "resolution"), 0);
}

static void
test_resolved_after_ack_stops_only_resolution (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 5, 1);
    s_event (f, IM_EV_ACKNOWLEDGED, 5, 12, T0 + 1000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    s_event (f, IM_EV_RESOLVED, 5, 13, T0 + 2000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_key (f->out, 0), "sla-stop-resolution");
    assert_string_equal (im_fields_str (imw_output_args (f->out, 0), "clock"),
                         "resolution");
    assert_int_equal (imw_sla_armed (f->sla), 0);
}

static void
test_resolved_unacknowledged_stops_both (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 5, 3);
    s_event (f, IM_EV_RESOLVED, 5, 13, T0 + 2000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 2);
    assert_true (imw_output_find (f->out, "sla-stop-response") >= 0);
    assert_true (imw_output_find (f->out, "sla-stop-resolution") >= 0);
    assert_int_equal (imw_sla_armed (f->sla), 0);

    //  An incident this instance never saw: its clocks may run elsewhere
    s_event (f, IM_EV_RESOLVED, 77, 14, T0 + 3000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 2);
}

static void
test_breach_is_sent_once_when_due_passes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy->warn_at_n = 0;       //  Warnings: test_imw_sla_calendar
    s_classify (f, 5, 1);
    imw_output_clear (f->out);
    uint64_t due = T0 + f->policy->response_ms [0];
    assert_int_equal (imw_sla_tick (f->sla, due, f->out), 0);
    assert_int_equal (imw_sla_tick (f->sla, due + IMW_SLA_GRACE_MS - 1,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);

    assert_int_equal (imw_sla_tick (f->sla, due + IMW_SLA_GRACE_MS, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "SLA-BREACH");
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id,
              "sla:breach:5:response:%" PRIu64, due);
    assert_string_equal (imw_output_key (f->out, 0), request_id);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "clock"), "response");
    assert_int_equal (im_fields_int_or (args, "due_ms", 0), due);

    //  Sent and unanswered: later ticks stay quiet
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, due + 9000, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    //  A repeat of sla.started with the same due time changes nothing
    s_event (f, IM_EV_SLA_STARTED, 5, 11, T0);
    im_fields_set_int (f->event->payload, "priority", 1);
    im_fields_set_int (f->event->payload, "response_due_ms", (int64_t) due);
    im_fields_set_int (f->event->payload, "resolution_due_ms",
                       (int64_t) (T0 + f->policy->resolution_ms [0]));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_tick (f->sla, due + 9500, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);

    //  The answer, even a 409, drops the clock
    imw_sla_answered (f->sla, request_id, 409);
    assert_int_equal (imw_sla_due (f->sla, 5, "response"), 0);
    assert_int_equal (imw_sla_armed (f->sla), 1);
}

static void
test_next_is_the_earliest_deadline_not_sent (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_true (imw_sla_next (f->sla) == UINT64_MAX);
    //  Every clock of the table is armed by its name, none other
    uint64_t due = T0 + 1000;
    for (int clock = 0; im_clock_name (clock); clock++)
        assert_int_equal (imw_sla_arm (f->sla, 3, im_clock_name (clock),
                                       due--, 2), 0);
    assert_int_equal (imw_sla_arm (f->sla, 3, "nonesuch", T0, 2),
                      IM_EINVAL);
    assert_int_equal (imw_sla_arm_warning (f->sla, 3, "warn-response", T0,
                                           2, 256), IM_EINVAL);
    assert_int_equal (imw_sla_armed (f->sla), IM_CLOCKS);
    uint64_t earliest = due + 1;
    assert_true (imw_sla_next (f->sla) == earliest + IMW_SLA_GRACE_MS);
    //  Equal deadlines of many incidents fire together
    for (uint64_t incident = 100; incident < 200; incident++)
        assert_int_equal (imw_sla_arm (f->sla, incident, "response",
                                       earliest, 1), 0);
    assert_int_equal (imw_sla_tick (f->sla, earliest + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 101);
    //  Sent ones wait for their answer and are no longer next
    assert_true (imw_sla_next (f->sla) == earliest + 1 + IMW_SLA_GRACE_MS);
    assert_int_equal (imw_sla_armed (f->sla), IM_CLOCKS + 100);
    imw_sla_disarm (f->sla, 3, "nonesuch");
    for (int clock = 0; im_clock_name (clock); clock++)
        imw_sla_disarm (f->sla, 3, im_clock_name (clock));
    assert_int_equal (imw_sla_armed (f->sla), 100);
    assert_true (imw_sla_next (f->sla) == UINT64_MAX);
}

static void
test_answer_for_an_old_deadline_keeps_the_new_one (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (imw_sla_arm (f->sla, 9, "resolution", T0, 2), 0);
    assert_int_equal (imw_sla_tick (f->sla, T0 + IMW_SLA_GRACE_MS, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    char old_id [IM_REQUEST_ID_MAX];
    im_strlcpy (old_id, imw_output_key (f->out, 0), sizeof old_id);
    assert_int_equal (imw_sla_arm (f->sla, 9, "resolution", T0 + 500, 2), 0);
    imw_sla_answered (f->sla, old_id, 200);
    assert_int_equal (imw_sla_due (f->sla, 9, "resolution"), T0 + 500);
    //  Not our request id at all: ignored
    imw_sla_answered (f->sla, "notifier:3:notify:bob", 200);
    assert_int_equal (imw_sla_armed (f->sla), 1);
}

static void
test_resolved_arms_the_close_clock_and_closes_when_due (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t due = T0 + 60000;
    s_event (f, IM_EV_RESOLVED, 6, 30, T0);
    im_fields_set_int (f->event->payload, "close_due_ms", (int64_t) due);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 6, "close"), due);
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, due + IMW_SLA_GRACE_MS - 1,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_tick (f->sla, due + IMW_SLA_GRACE_MS, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "CLOSE");
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id, "sla:close:6:close:%" PRIu64,
              due);
    assert_string_equal (imw_output_key (f->out, 0), request_id);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_int_equal (im_fields_int_or (args, "due_ms", 0), due);
    assert_false (im_fields_has (args, "clock"));
    imw_sla_answered (f->sla, request_id, 200);
    assert_int_equal (imw_sla_due (f->sla, 6, "close"), 0);
}

static void
test_a_late_update_of_a_major_incident_sends_a_reminder (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t due = T0 + 30000;
    s_event (f, IM_EV_MAJOR_DECLARED, 4, 40, T0);
    im_fields_set_int (f->event->payload, "update_due_ms", (int64_t) due);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 4, "update"), due);
    assert_int_equal (imw_sla_tick (f->sla, due + IMW_SLA_GRACE_MS, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "MAJOR");
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_string_equal (im_fields_str (args, "action"), "remind");
    assert_int_equal (im_fields_int_or (args, "due_ms", 0), due);
    char request_id [IM_REQUEST_ID_MAX];
    snprintf (request_id, sizeof request_id, "sla:remind:4:update:%" PRIu64,
              due);
    assert_string_equal (imw_output_key (f->out, 0), request_id);
    //  The reminder's event arms the next one; resolution ends them
    s_event (f, IM_EV_UPDATE_DUE, 4, 41, due);
    im_fields_set_int (f->event->payload, "update_due_ms",
                       (int64_t) (due + 30000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 4, "update"), due + 30000);
    s_event (f, IM_EV_RESOLVED, 4, 42, due + 1);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 4, "update"), 0);
}

static void
test_reopened_disarms_the_close_clock (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (imw_sla_arm (f->sla, 6, "close", T0, 0), 0);
    s_event (f, IM_EV_REOPENED, 6, 31, T0);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 6, "close"), 0);
    assert_int_equal (imw_sla_arm (f->sla, 6, "lunch", T0, 0), IM_EINVAL);
}

static void
test_stopped_breached_and_closed_disarm (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_classify (f, 5, 2);
    s_event (f, IM_EV_SLA_BREACHED, 5, 20, T0);
    im_fields_set_str (f->event->payload, "clock", "response");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 5, "response"), 0);
    s_event (f, IM_EV_SLA_STOPPED, 5, 21, T0);
    im_fields_set_str (f->event->payload, "clock", "resolution");
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_armed (f->sla), 0);

    s_classify (f, 6, 2);
    s_event (f, IM_EV_CLOSED, 6, 22, T0);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_output_size (f->out), 0);
    assert_int_equal (imw_sla_armed (f->sla), 0);
}

static void
test_restore_arms_running_clocks (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    zlist_t *items = zlist_new ();
    im_fields_t *good = im_fields_new ();
    im_fields_set_int (good, "incident", 4);
    im_fields_set_str (good, "clock", "resolution");
    im_fields_set_int (good, "due_ms", (int64_t) (T0 + 10));
    im_fields_set_int (good, "priority", 3);
    im_fields_t *bad_clock = im_fields_dup (good);
    im_fields_set_str (bad_clock, "clock", "lunch");
    im_fields_t *no_due = im_fields_new ();
    im_fields_set_int (no_due, "incident", 4);
    im_fields_set_str (no_due, "clock", "response");
    zlist_append (items, good);
    zlist_append (items, bad_clock);
    zlist_append (items, no_due);

    assert_int_equal (imw_sla_restore (f->sla, items), 1);
    assert_int_equal (imw_sla_due (f->sla, 4, "resolution"), T0 + 10);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 10 + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_int_equal (imw_output_incident (f->out, 0), 4);
    assert_int_equal (imw_sla_restore (f->sla, NULL), 0);

    im_fields_destroy (&good);
    im_fields_destroy (&bad_clock);
    im_fields_destroy (&no_due);
    zlist_destroy (&items);
}

static void
test_start_loads_running_clocks_from_the_broker (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *base = getenv ("IM_TEST_TMPDIR");
    char dir [200];
    snprintf (dir, sizeof dir, "%s/imw_sla.XXXXXX", base ? base : "/tmp");
    assert_int_equal (zsys_dir_create ("%s", base ? base : "/tmp"), 0);
    assert_non_null (mkdtemp (dir));
    char endpoint [256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/client.ipc", dir);
    zactor_t *broker = zactor_new (s_broker, endpoint);
    assert_non_null (broker);
    im_client_t *query = im_client_new (endpoint, 5000);
    assert_non_null (query);

    //  Two pages: a full one, then the rest after its last clock
    assert_int_equal (imw_sla_start (f->sla, query), 0);
    assert_int_equal (imw_sla_armed (f->sla), S_CLOCKS);
    assert_int_equal (imw_sla_due (f->sla, 41, "response"), T0 + 1);
    assert_int_equal (imw_sla_due (f->sla, 41, "resolution"), T0 + 2);
    assert_int_equal (imw_sla_due (f->sla, 100 + S_CLOCKS - 1, "response"),
                      T0 + S_CLOCKS);

    im_client_destroy (&query);
    zactor_destroy (&broker);
    zdir_t *tree = zdir_new (dir, NULL);
    if (tree)
        zdir_remove (tree, true);
    zdir_destroy (&tree);
}

static void
test_start_without_broker_asks_to_be_called_again (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_client_t *query = im_client_new ("ipc:///nonexistent/imw_sla.ipc",
                                        300);
    assert_non_null (query);
    assert_int_equal (imw_sla_start (f->sla, query), IM_ETIMEOUT);
    im_client_destroy (&query);
}

static void
test_role_table_has_a_timer (void **state)
{
    (void) state;
    const imw_role_t *role = imw_sla_role ();
    assert_string_equal (role->group, "sla");
    assert_string_equal (role->program, "imq-sla-timer");
    assert_non_null (role->tick_fn);
    assert_non_null (role->start_fn);
    assert_non_null (role->answered_fn);
}

//  The one command the tick sent for incident, or -1 when none
static int
s_sent_for (fixture_t *f, uint64_t incident)
{
    int found = -1;
    for (size_t index = 0; index < imw_output_size (f->out); index++)
        if (imw_output_incident (f->out, index) == incident) {
            assert_int_equal (found, -1);
            found = (int) index;
        }
    return found;
}

static void
test_escalation_steps_fire_once_and_follow_the_plan (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  The broker's plan: level 1 at T0 + 1000
    s_event (f, IM_EV_SLA_STARTED, 9, 20, T0);
    im_fields_set_int (f->event->payload, "priority", 1);
    im_fields_set_int (f->event->payload, "response_due_ms",
                       (int64_t) (T0 + 600000));
    im_fields_set_int (f->event->payload, "resolution_due_ms",
                       (int64_t) (T0 + 900000));
    im_fields_set_str (f->event->payload, "escalation", "standard");
    im_fields_set_int (f->event->payload, "escalate_due_ms",
                       (int64_t) (T0 + 1000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 9, "escalate"), T0 + 1000);

    //  Not before the grace; then once
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 1000 + IMW_SLA_GRACE_MS - 1,
                                    f->out), 0);
    assert_int_equal (s_sent_for (f, 9), -1);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 1000 + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    int index = s_sent_for (f, 9);
    assert_true (index >= 0);
    assert_string_equal (imw_output_verb (f->out, (size_t) index),
                         "SLA-ESCALATE");
    char id [64];
    snprintf (id, sizeof id, "sla:escalate:9:escalate:%" PRIu64,
              (uint64_t) (T0 + 1000));
    assert_string_equal (imw_output_key (f->out, (size_t) index), id);
    assert_int_equal (im_fields_int_or (imw_output_args (f->out,
                                                         (size_t) index),
                                        "due_ms", 0), T0 + 1000);
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 5000, f->out), 0);
    assert_int_equal (s_sent_for (f, 9), -1);
    //  The answer forgets it; sla.escalated arms the next step
    imw_sla_answered (f->sla, id, 200);
    assert_int_equal (imw_sla_due (f->sla, 9, "escalate"), 0);
    s_event (f, IM_EV_SLA_ESCALATED, 9, 21, T0 + 2000);
    im_fields_set_int (f->event->payload, "level", 1);
    im_fields_set_int (f->event->payload, "escalate_due_ms",
                       (int64_t) (T0 + 3000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 9, "escalate"), T0 + 3000);
    //  The last step names none: disarmed
    s_event (f, IM_EV_SLA_ESCALATED, 9, 22, T0 + 4000);
    im_fields_set_int (f->event->payload, "level", 2);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 9, "escalate"), 0);

    //  An acknowledgement ends it too
    s_event (f, IM_EV_SLA_ESCALATED, 9, 23, T0 + 4000);
    im_fields_set_int (f->event->payload, "escalate_due_ms",
                       (int64_t) (T0 + 9000));
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    s_event (f, IM_EV_ACKNOWLEDGED, 9, 24, T0 + 5000);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 9, "escalate"), 0);
    imw_output_clear (f->out);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 20000, f->out), 0);
    assert_int_equal (s_sent_for (f, 9), -1);
}

static void
test_restored_steps_and_timeouts_fire_with_the_same_ids (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  What SLA-CLOCKS lists after a restart, given to two instances
    zlist_t *items = zlist_new ();
    im_fields_t *step = im_fields_new ();
    im_fields_set_int (step, "incident", 31);
    im_fields_set_str (step, "clock", "escalate");
    im_fields_set_int (step, "due_ms", (int64_t) (T0 + 100));
    im_fields_t *timeout = im_fields_new ();
    im_fields_set_int (timeout, "incident", 32);
    im_fields_set_str (timeout, "clock", "ack-timeout");
    im_fields_set_int (timeout, "due_ms", (int64_t) (T0 + 200));
    zlist_append (items, step);
    zlist_append (items, timeout);
    imw_sla_t *other = imw_sla_new (f->policy);
    imw_output_t *other_out = imw_output_new ();
    assert_int_equal (imw_sla_restore (f->sla, items), 2);
    assert_int_equal (imw_sla_restore (other, items), 2);
    assert_int_equal (imw_sla_tick (f->sla, T0 + 200 + IMW_SLA_GRACE_MS,
                                    f->out), 0);
    assert_int_equal (imw_sla_tick (other, T0 + 200 + IMW_SLA_GRACE_MS,
                                    other_out), 0);
    int escalate = s_sent_for (f, 31), ack = s_sent_for (f, 32);
    assert_true (escalate >= 0 && ack >= 0);
    assert_string_equal (imw_output_verb (f->out, (size_t) ack),
                         "SLA-ACK-TIMEOUT");
    char id [64];
    snprintf (id, sizeof id, "sla:ack:32:ack-timeout:%" PRIu64,
              (uint64_t) (T0 + 200));
    assert_string_equal (imw_output_key (f->out, (size_t) ack), id);
    //  The broker records each once: both instances send the same ids
    assert_true (imw_output_find (other_out, id) >= 0);
    assert_true (imw_output_find (other_out,
                                  imw_output_key (f->out, (size_t) escalate))
                 >= 0);
    //  Progress moves the timeout: the armed one is dropped, the next
    //  comes with the sweep
    s_event (f, IM_EV_COMMENTED, 32, 40, T0 + 300);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 32, "ack-timeout"), 0);
    s_event (f, IM_EV_CLOSED, 31, 41, T0 + 300);
    assert_int_equal (imw_sla_handle (f->sla, f->event, f->out), 0);
    assert_int_equal (imw_sla_due (f->sla, 31, "escalate"), 0);
    imw_output_destroy (&other_out);
    imw_sla_destroy (&other);
    im_fields_destroy (&step);
    im_fields_destroy (&timeout);
    zlist_destroy (&items);
}

#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        S_TEST (test_classified_starts_both_clocks_from_config),
        S_TEST (test_classified_without_priority_is_refused),
        S_TEST (test_started_arms_clocks_of_another_instance),
        S_TEST (test_acknowledged_stops_the_response_clock),
        S_TEST (test_resolved_after_ack_stops_only_resolution),
        S_TEST (test_resolved_unacknowledged_stops_both),
        S_TEST (test_breach_is_sent_once_when_due_passes),
        S_TEST (test_next_is_the_earliest_deadline_not_sent),
        S_TEST (test_answer_for_an_old_deadline_keeps_the_new_one),
        S_TEST (test_resolved_arms_the_close_clock_and_closes_when_due),
        S_TEST (test_reopened_disarms_the_close_clock),
        S_TEST (test_a_late_update_of_a_major_incident_sends_a_reminder),
        S_TEST (test_stopped_breached_and_closed_disarm),
        S_TEST (test_restore_arms_running_clocks),
        S_TEST (test_start_loads_running_clocks_from_the_broker),
        S_TEST (test_start_without_broker_asks_to_be_called_again),
        S_TEST (test_role_table_has_a_timer),
        S_TEST (test_escalation_steps_fire_once_and_follow_the_plan),
        S_TEST (test_restored_steps_and_timeouts_fire_with_the_same_ids),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
