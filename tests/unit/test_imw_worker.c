/*  test_imw_worker - the worker skeleton against a fake broker

    Real sockets on ipc:// endpoints in a temp directory: the test binds
    the two broker ROUTERs itself and drives the worker one step at a
    time, so a single thread plays both sides and every wait is a poll
    with a deadline. The classifier role supplies the handler; what is
    checked is the skeleton's part: READY, one command per event with
    its request id and header keys, resends with the same id, ACK once
    the reply is in, bad events acked, heartbeats and reconnects.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

#define DEADLINE_MS 5000                //  Longest wait for anything

//  State of a role written for these tests
typedef struct {
    int handled;                        //  Handler calls so far
    int busy_first;                     //  Calls to answer IM_ETIMEOUT
    bool tick_armed;                    //  Next tick emits one command
    uint64_t due_ms;                    //  If set, not before this time
    uint64_t ticked_ms;                 //  Time the last tick was given
    int ticks;                          //  Tick calls so far
    char answered [IM_REQUEST_ID_MAX];  //  Last timer command answered
    int answered_status;                //  Its status
} probe_t;

typedef struct {
    char dir [128];                     //  Temp directory of this test
    imw_options_t *options;             //  Endpoints and config
    imw_classifier_t *classifier;       //  Role state
    zsock_t *clients;                   //  Fake broker client ROUTER
    zsock_t *workers;                   //  Fake broker worker ROUTER
    imw_worker_t *worker;               //  Worker under test
    zframe_t *stream_id;                //  Routing id of the worker stream
} fixture_t;

static int
s_probe_handle (void *state, const im_event_t *event, imw_output_t *out)
{
    probe_t *probe = (probe_t *) state;
    if (probe->handled++ < probe->busy_first)
        return IM_ETIMEOUT;
    if (!imw_output_add (out, "COMMENT", event->incident, "probe"))
        return IM_ENOMEM;
    return 0;
}

static int
s_probe_tick (void *state, uint64_t now_ms, imw_output_t *out)
{
    probe_t *probe = (probe_t *) state;
    assert_true (now_ms > 1700000000000ull);    //  Wall-clock time
    probe->ticked_ms = now_ms;
    probe->ticks++;
    if (now_ms < probe->due_ms)
        return 0;
    if (probe->tick_armed && imw_output_add (out, "SLA-BREACH", 5,
                                             "sla:breach:5:response:1"))
        probe->tick_armed = false;
    return 0;
}

static void
s_probe_answered (void *state, const char *request_id, int status)
{
    probe_t *probe = (probe_t *) state;
    im_strlcpy (probe->answered, request_id, sizeof probe->answered);
    probe->answered_status = status;
}

//  The probe's next timer work: its due time while armed, if it has one
//  (else it ticks on the interval only)
static uint64_t
s_probe_next (void *state)
{
    probe_t *probe = (probe_t *) state;
    return probe->tick_armed && probe->due_ms ? probe->due_ms : UINT64_MAX;
}

static const imw_role_t s_probe_role = {
    .name = "probe",
    .group = "probe",
    .program = "imq-probe",
    .handle_fn = s_probe_handle,
    .tick_fn = s_probe_tick,
    .answered_fn = s_probe_answered,
    .next_fn = s_probe_next,
};

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    base = base ? base : "/tmp";
    assert_int_equal (zsys_dir_create ("%s", base), 0);
    snprintf (f->dir, sizeof f->dir, "%s/imw_worker.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    f->options = (imw_options_t *) calloc (1, sizeof (imw_options_t));
    assert_non_null (f->options);
    imw_options_t *options = f->options;
    im_config_default (&options->config);
    im_policy_defaults (&options->policy);
    options->config.worker_heartbeat_ms = 100;
    options->config.worker_expiry_ms = 60000;
    snprintf (options->client_endpoint, sizeof options->client_endpoint,
              "ipc://%s/client.ipc", f->dir);
    snprintf (options->worker_endpoint, sizeof options->worker_endpoint,
              "ipc://%s/workers.ipc", f->dir);
    im_strlcpy (options->instance, "test-1", sizeof options->instance);
    options->credit = 4;

    f->clients = zsock_new (ZMQ_ROUTER);
    f->workers = zsock_new (ZMQ_ROUTER);
    assert_non_null (f->clients);
    assert_non_null (f->workers);
    assert_int_equal (zsock_bind (f->clients, "%s", options->client_endpoint),
                      0);
    assert_int_equal (zsock_bind (f->workers, "%s", options->worker_endpoint),
                      0);
    f->classifier = imw_classifier_new (&options->policy);
    f->worker = imw_worker_new (imw_classifier_role (), f->classifier,
                                options, NULL);
    assert_non_null (f->worker);
    assert_int_equal (imw_worker_open (f->worker), 0);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imw_worker_destroy (&f->worker);
    imw_classifier_destroy (&f->classifier);
    zframe_destroy (&f->stream_id);
    zsock_destroy (&f->workers);
    zsock_destroy (&f->clients);
    zdir_t *dir = zdir_new (f->dir, NULL);
    if (dir)
        zdir_remove (dir, true);
    zdir_destroy (&dir);
    free (f->options);
    free (f);
    return 0;
}

//  Steps the worker until router has a message; returns it without its
//  routing frame, which goes to *identity. NULL at the deadline.
static zmsg_t *
s_wait (fixture_t *f, zsock_t *router, zframe_t **identity, int deadline_ms)
{
    int64_t deadline = zclock_mono () + deadline_ms;
    while (zclock_mono () < deadline) {
        if (zsock_events (router) & ZMQ_POLLIN) {
            zmsg_t *msg = zmsg_recv (router);
            assert_non_null (msg);
            *identity = zmsg_pop (msg);
            return msg;
        }
        assert_int_equal (imw_worker_step (f->worker, 5), 0);
    }
    return NULL;
}

//  Waits for a stream message of type, skipping PINGs unless asked for
static im_wmsg_t *
s_expect_wmsg (fixture_t *f, im_wmsg_type_t type)
{
    while (true) {
        zframe_t *identity = NULL;
        zmsg_t *msg = s_wait (f, f->workers, &identity, DEADLINE_MS);
        assert_non_null (msg);
        im_wmsg_t *wmsg = im_wmsg_new ();
        char errbuf [256];
        assert_int_equal (im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf),
                          0);
        zframe_destroy (&f->stream_id);
        f->stream_id = identity;
        if (wmsg->type == type)
            return wmsg;
        assert_int_equal (wmsg->type, IM_WMSG_PING);
        im_wmsg_destroy (&wmsg);
    }
}

static void
s_expect_ack (fixture_t *f, uint64_t seq)
{
    im_wmsg_t *wmsg = s_expect_wmsg (f, IM_WMSG_ACK);
    assert_int_equal (wmsg->seq, seq);
    im_wmsg_destroy (&wmsg);
}

//  Waits for a command request; returns it, its sender in *identity
static im_request_t *
s_expect_verb (fixture_t *f, const char *verb, const char *request_id,
               zframe_t **identity)
{
    zmsg_t *msg = s_wait (f, f->clients, identity, DEADLINE_MS);
    assert_non_null (msg);
    im_request_t *request = im_request_new ();
    char errbuf [256];
    assert_int_equal (im_request_decode (request, &msg, errbuf,
                                         sizeof errbuf), 0);
    assert_string_equal (request->verb, verb);
    assert_string_equal (request->request_id, request_id);
    return request;
}

static im_request_t *
s_expect_request (fixture_t *f, const char *request_id, zframe_t **identity)
{
    return s_expect_verb (f, "CLASSIFY", request_id, identity);
}

static void
s_reply (fixture_t *f, zframe_t **identity, int status,
         const char *request_id)
{
    zmsg_t *reply = status < 300
        ? im_reply_encode (status, request_id, NULL, NULL, NULL)
        : im_reply_encode_error (status, request_id, "test says no");
    assert_non_null (reply);
    zmsg_prepend (reply, identity);
    assert_int_equal (zmsg_send (&reply, f->clients), 0);
}

static void
s_deliver_bytes (fixture_t *f, uint64_t seq, const void *data, size_t size)
{
    zmsg_t *msg = im_wmsg_encode_deliver (seq, data, size);
    assert_non_null (msg);
    zframe_t *identity = zframe_dup (f->stream_id);
    zmsg_prepend (msg, &identity);
    assert_int_equal (zmsg_send (&msg, f->workers), 0);
}

static void
s_deliver (fixture_t *f, uint64_t seq, im_event_type_t type,
           uint64_t incident)
{
    im_event_t *event = im_event_new ();
    event->seq = seq;
    event->ts_ms = 1700000000000ull;
    event->incident = incident;
    event->type = type;
    im_strlcpy (event->actor, "carol", sizeof event->actor);
    im_fields_set_str (event->payload, "title", "VPN down");
    im_fields_set_int (event->payload, "impact", 1);
    im_fields_set_int (event->payload, "urgency", 1);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_event_encode (event, &data, &size), 0);
    s_deliver_bytes (f, seq, data, size);
    free (data);
    im_event_destroy (&event);
}

//  Waits for the READY of group, skipping any of a worker replaced
static void
s_ready_group (fixture_t *f, const char *group)
{
    im_wmsg_t *wmsg = s_expect_wmsg (f, IM_WMSG_READY);
    while (!streq (wmsg->group, group)) {
        im_wmsg_destroy (&wmsg);
        wmsg = s_expect_wmsg (f, IM_WMSG_READY);
    }
    assert_string_equal (wmsg->instance, "test-1");
    assert_int_equal (wmsg->credit, 4);
    im_wmsg_destroy (&wmsg);
}

//  Every test starts after the worker's READY
static void
s_ready (fixture_t *f)
{
    s_ready_group (f, "classifier");
}

//  Replaces the classifier worker with one for the test's probe role
static void
s_use_probe (fixture_t *f, probe_t *probe)
{
    imw_worker_destroy (&f->worker);
    f->worker = imw_worker_new (&s_probe_role, probe, f->options, NULL);
    assert_non_null (f->worker);
    assert_int_equal (imw_worker_open (f->worker), 0);
    s_ready_group (f, "probe");
}

static void
test_event_becomes_a_command_then_an_ack (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    s_deliver (f, 7, IM_EV_OPENED, 3);
    zframe_t *identity = NULL;
    im_request_t *request = s_expect_request (f, "classifier:7:classify",
                                              &identity);
    assert_int_equal (im_fields_int_or (request->body, "incident", 0), 3);
    assert_int_equal (im_fields_int_or (request->body, "causation", 0), 7);
    assert_string_equal (im_fields_str (request->body, "actor"),
                         "classifier");
    assert_int_equal (im_fields_int_or (request->body, "priority", 0), 1);
    assert_string_equal (im_fields_str (request->body, "category"),
                         "network");
    s_reply (f, &identity, 200, request->request_id);
    s_expect_ack (f, 7);
    im_request_destroy (&request);
}

static void
test_unanswered_command_is_resent_with_the_same_id (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    s_deliver (f, 7, IM_EV_OPENED, 3);
    zframe_t *identity = NULL;
    im_request_t *request = s_expect_request (f, "classifier:7:classify",
                                              &identity);
    im_request_destroy (&request);
    zframe_destroy (&identity);
    //  Silence: the same request again after the resend interval
    request = s_expect_request (f, "classifier:7:classify", &identity);
    s_reply (f, &identity, 503, request->request_id);
    im_request_destroy (&request);
    //  Busy: again; then a 409 is final and the event is acked
    request = s_expect_request (f, "classifier:7:classify", &identity);
    s_reply (f, &identity, 409, request->request_id);
    s_expect_ack (f, 7);
    im_request_destroy (&request);
}

static void
test_bad_and_ignored_events_are_acked_at_once (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    s_deliver_bytes (f, 8, "\xc1garbage", 8);
    s_expect_ack (f, 8);
    s_deliver (f, 9, IM_EV_COMMENTED, 3);
    s_expect_ack (f, 9);
    assert_false (zsock_events (f->clients) & ZMQ_POLLIN);
}

static void
test_events_are_acked_as_their_replies_come (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    for (uint64_t seq = 10; seq < 13; seq++)
        s_deliver (f, seq, IM_EV_OPENED, seq);
    zframe_t *identity [3];
    im_request_t *request [3];
    char request_id [64];
    for (uint64_t seq = 10; seq < 13; seq++) {
        snprintf (request_id, sizeof request_id,
                  "classifier:%" PRIu64 ":classify", seq);
        request [seq - 10] = s_expect_request (f, request_id,
                                               &identity [seq - 10]);
    }
    size_t order [] = { 2, 0, 1 };
    for (size_t index = 0; index < 3; index++) {
        size_t which = order [index];
        s_reply (f, &identity [which], 200, request [which]->request_id);
        s_expect_ack (f, 10 + which);
        im_request_destroy (&request [which]);
    }
}

static void
test_silent_broker_gets_a_new_ready (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    zframe_t *first = zframe_dup (f->stream_id);
    f->options->config.worker_expiry_ms = 300;
    im_wmsg_t *wmsg = s_expect_wmsg (f, IM_WMSG_PING);
    im_wmsg_destroy (&wmsg);
    //  No PONG: after the expiry the worker comes back on a new socket
    s_ready (f);
    assert_false (zframe_eq (first, f->stream_id));
    zframe_destroy (&first);
}

static void
test_pong_keeps_the_stream (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    f->options->config.worker_expiry_ms = 300;
    int64_t until = zclock_mono () + 1000;
    while (zclock_mono () < until) {
        im_wmsg_t *wmsg = s_expect_wmsg (f, IM_WMSG_PING);
        im_wmsg_destroy (&wmsg);
        zmsg_t *pong = im_wmsg_encode_simple (IM_WMSG_PONG);
        zframe_t *identity = zframe_dup (f->stream_id);
        zmsg_prepend (pong, &identity);
        assert_int_equal (zmsg_send (&pong, f->workers), 0);
    }
}

static void
test_handler_asking_again_is_called_again (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    probe_t probe = { .busy_first = 1 };
    s_use_probe (f, &probe);
    s_deliver (f, 21, IM_EV_OPENED, 4);
    zframe_t *identity = NULL;
    im_request_t *request = s_expect_verb (f, "COMMENT", "probe:21:probe",
                                           &identity);
    assert_int_equal (probe.handled, 2);
    s_reply (f, &identity, 200, request->request_id);
    s_expect_ack (f, 21);
    im_request_destroy (&request);
}

static void
test_timer_commands_are_sent_and_answered (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    probe_t probe = { .tick_armed = true };
    s_use_probe (f, &probe);
    zframe_t *identity = NULL;
    im_request_t *request = s_expect_verb (f, "SLA-BREACH",
                                           "sla:breach:5:response:1",
                                           &identity);
    assert_int_equal (im_fields_int_or (request->body, "incident", 0), 5);
    assert_int_equal (im_fields_int_or (request->body, "causation", -1), 0);
    assert_string_equal (im_fields_str (request->body, "actor"), "probe");
    s_reply (f, &identity, 409, request->request_id);
    im_request_destroy (&request);
    int64_t deadline = zclock_mono () + DEADLINE_MS;
    while (!*probe.answered && zclock_mono () < deadline)
        assert_int_equal (imw_worker_step (f->worker, 5), 0);
    assert_string_equal (probe.answered, "sla:breach:5:response:1");
    assert_int_equal (probe.answered_status, 409);
}

static void
test_timer_runs_at_the_time_its_clock_says (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t now_ms = 2000000000000ull;     //  Not the real time
    probe_t probe = { .tick_armed = true, .due_ms = now_ms + 60000 };
    imw_worker_destroy (&f->worker);
    f->worker = imw_worker_new (&s_probe_role, &probe, f->options, NULL);
    assert_non_null (f->worker);
    imw_worker_set_clock (f->worker, imw_clock_fixed (&now_ms));
    assert_int_equal (imw_worker_open (f->worker), 0);
    s_ready_group (f, "probe");
    assert_int_equal (imw_worker_step (f->worker, 0), 0);
    //  Ticks see the set time, and nothing is due before it comes
    assert_true (probe.ticks > 0);
    assert_true (probe.ticked_ms == now_ms);
    assert_true (probe.tick_armed);
    //  The moment it comes, the very next pass ticks, without waiting
    //  for the interval (which began at the tick just before)
    assert_int_equal (imw_worker_step (f->worker, 0), 0);
    int ticks = probe.ticks;
    now_ms += 60000;
    assert_int_equal (imw_worker_step (f->worker, 0), 0);
    assert_int_equal (probe.ticks, ticks + 1);
    assert_true (probe.ticked_ms == now_ms);
    assert_false (probe.tick_armed);
    zframe_t *identity = NULL;
    im_request_t *request = s_expect_verb (f, "SLA-BREACH",
                                           "sla:breach:5:response:1",
                                           &identity);
    zframe_destroy (&identity);
    im_request_destroy (&request);
}

static void
test_broker_disconnect_and_ping (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_ready (f);
    zframe_t *first = zframe_dup (f->stream_id);
    zmsg_t *ping = im_wmsg_encode_simple (IM_WMSG_PING);
    zframe_t *identity = zframe_dup (f->stream_id);
    zmsg_prepend (ping, &identity);
    assert_int_equal (zmsg_send (&ping, f->workers), 0);
    im_wmsg_t *wmsg = s_expect_wmsg (f, IM_WMSG_PONG);
    im_wmsg_destroy (&wmsg);

    zmsg_t *bye = im_wmsg_encode_simple (IM_WMSG_DISCONNECT);
    identity = zframe_dup (f->stream_id);
    zmsg_prepend (bye, &identity);
    assert_int_equal (zmsg_send (&bye, f->workers), 0);
    s_ready (f);
    assert_false (zframe_eq (first, f->stream_id));
    zframe_destroy (&first);
}

#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        S_TEST (test_event_becomes_a_command_then_an_ack),
        S_TEST (test_unanswered_command_is_resent_with_the_same_id),
        S_TEST (test_bad_and_ignored_events_are_acked_at_once),
        S_TEST (test_events_are_acked_as_their_replies_come),
        S_TEST (test_silent_broker_gets_a_new_ready),
        S_TEST (test_pong_keeps_the_stream),
        S_TEST (test_handler_asking_again_is_called_again),
        S_TEST (test_timer_commands_are_sent_and_answered),
        S_TEST (test_timer_runs_at_the_time_its_clock_says),
        S_TEST (test_broker_disconnect_and_ping),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
