/*  e2e_lifecycle - an incident's life through imqctl, with every worker

    What an operator does and sees: open, list, show, assign, ack,
    comment, resolve, close, reopen and timeline through imqctl, against
    a real broker and the three workers. The workers' part is checked
    through the log itself: the classifier's priority and category, the
    SLA clocks started and stopped (or breached, with a P1 response
    target of 2 s), and the notifications recorded and written to the
    sink. imqctl status and refusals are in e2e_imqctl.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait

typedef struct {
    imh_t *harness;                 //  Broker, workers, directory
    int broker;                     //  Slot of the broker
    int workers [3];                //  Slots: classifier, sla, notifier
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self)
        return -1;
    imh_options_t options;
    imh_options_default (&options);
    options.response_ms [0] = 2000;     //  P1: breaches within the test
    options.resolution_ms [0] = 4000;
    self->harness = imh_new_node ("lifecycle", &options, true, NULL);
    if (!self->harness) {
        free (self);
        return -1;
    }
    self->broker = imh_slot (self->harness, "broker");
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

//  Runs an imqctl command verb with --json and returns the incident id
//  its reply names
static int64_t
s_command (imh_t *harness, const char *verb, const char *id,
           const char *flag, const char *value)
{
    json_t *reply = imh_ctl_json (harness, verb, id, flag, value, NULL);
    assert_non_null (reply);
    int64_t incident = imh_json_int (reply, "incident");
    assert_true (imh_json_int (reply, "seq") > 0);
    json_decref (reply);
    return incident;
}

//  Resolves incident id (text) with code solved and notes; returns the
//  incident the reply names
static int64_t
s_resolve (imh_t *harness, const char *id, const char *notes)
{
    json_t *reply = imh_ctl_json (harness, "resolve", id, "--code", "solved",
                                  "--notes", notes, NULL);
    assert_non_null (reply);
    int64_t incident = imh_json_int (reply, "incident");
    json_decref (reply);
    return incident;
}

//  Returns the list the broker gives for one filter, as JSON
static json_t *
s_list (imh_t *harness, const char *flag, const char *value)
{
    json_t *list = imh_ctl_json (harness, "list", flag, value, NULL);
    assert_non_null (list);
    assert_int_equal (imh_json_int (list, "count"),
                      json_array_size (json_object_get (list, "incidents")));
    return list;
}

//  Checks that the list for flag value holds exactly the ids given
//  (0-ended)
static void
s_check_list (imh_t *harness, const char *flag, const char *value, ...)
{
    json_t *list = s_list (harness, flag, value);
    json_t *items = json_object_get (list, "incidents");
    va_list ids;
    va_start (ids, value);
    size_t wanted = 0;
    for (int64_t id = va_arg (ids, int64_t); id; id = va_arg (ids, int64_t)) {
        if (!imh_json_has_id (items, id))
            fail_msg ("list --%s %s lacks incident %" PRId64, flag, value, id);
        wanted++;
    }
    va_end (ids);
    assert_int_equal (json_array_size (items), wanted);
    json_decref (list);
}

//  Reads one projection through imqctl show --json
static json_t *
s_show (imh_t *harness, int64_t id)
{
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    json_t *incident = imh_ctl_json (harness, "show", text, NULL);
    assert_non_null (incident);
    assert_int_equal (imh_json_int (incident, "id"), id);
    return incident;
}

//  Checks every event of a timeline: consecutive positions, rising
//  seqs, a time, an actor, a type and a payload object
static void
s_check_timeline_shape (const json_t *timeline, int64_t id)
{
    json_t *events = json_object_get (timeline, "events");
    assert_int_equal (imh_json_int (timeline, "count"),
                      json_array_size (events));
    int64_t previous = 0;
    size_t index;
    json_t *event;
    json_array_foreach (events, index, event) {
        assert_true (imh_json_int (event, "seq") > previous);
        previous = imh_json_int (event, "seq");
        assert_int_equal (imh_json_int (event, "incident"), id);
        assert_true (strlen (imh_json_str (event, "time")) >= 20);
        assert_true (*imh_json_str (event, "actor"));
        assert_true (*imh_json_str (event, "type"));
        assert_true (json_is_object (json_object_get (event, "payload")));
    }
}

//  The seq of an event of a timeline (found by the caller)
static int64_t
s_seq_of (json_t *event)
{
    assert_non_null (event);
    return imh_json_int (event, "seq");
}

static void
test_incident_lives_from_open_to_close_and_reopen (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    json_t *reply = imh_ctl_json (h, "--as", "carol", "open",
        "--title", "VPN gateway drops sessions", "--reporter", "carol",
        "--description", "Remote staff lose the tunnel every few minutes",
        "--service", "remote-access", "--impact", "2", "--urgency", "3",
        "--type", "incident", "--channel", "phone", NULL);
    assert_non_null (reply);
    int64_t a = imh_json_int (reply, "incident");
    assert_true (a > 0);
    assert_int_equal (imh_json_int (reply, "events"), 1);
    json_decref (reply);
    reply = imh_ctl_json (h, "open", "--title", "Password reset for a new "
                          "starter", "--reporter", "dave", NULL);
    assert_non_null (reply);
    int64_t c = imh_json_int (reply, "incident");
    json_decref (reply);

    //  Classifier: impact 2 x urgency 3 is P4, "VPN" is network; the
    //  defaults 3 x 3 are P5, "password" is access
    assert_true (imh_wait_events (h, (uint64_t) a, "sla.started", NULL, NULL,
                                  1, WAIT_MS));
    assert_true (imh_wait_events (h, (uint64_t) c, "sla.started", NULL, NULL,
                                  1, WAIT_MS));
    json_t *incident = s_show (h, a);
    assert_int_equal (imh_json_int (incident, "priority"), 4);
    assert_string_equal (imh_json_str (incident, "category"), "network");
    assert_string_equal (imh_json_str (incident, "status"), "new");
    assert_string_equal (imh_json_str (incident, "service"), "remote-access");
    assert_string_equal (imh_json_str (incident, "channel"), "phone");
    assert_string_equal (imh_json_str (incident, "sla_response"), "running");
    json_decref (incident);
    incident = s_show (h, c);
    assert_int_equal (imh_json_int (incident, "priority"), 5);
    assert_string_equal (imh_json_str (incident, "category"), "access");
    json_decref (incident);
    s_check_list (h, "--status", "new", a, c, (int64_t) 0);
    s_check_list (h, "--priority", "4", a, (int64_t) 0);
    s_check_list (h, "--priority", "5", c, (int64_t) 0);

    //  Assignment: filters by group and agent, a notification to alice
    char id [24];
    snprintf (id, sizeof id, "%" PRId64, a);
    reply = imh_ctl_json (h, "assign", id, "--group", "netops", "--agent",
                          "alice", NULL);
    assert_non_null (reply);
    json_decref (reply);
    s_check_list (h, "--status", "assigned", a, (int64_t) 0);
    s_check_list (h, "--assignee", "alice", a, (int64_t) 0);
    s_check_list (h, "--assignee", "netops", a, (int64_t) 0);
    s_check_list (h, "--assignee", "nobody", (int64_t) 0);
    assert_true (imh_wait_events (h, (uint64_t) a, "notification.sent",
                                  "recipient", "alice", 1, WAIT_MS));
    assert_int_equal (imh_sink_lines (h, "alice", a, "assigned"), 1);

    //  Acknowledging stops the response clock, resolving the other one
    //  and tells the reporter
    assert_int_equal (s_command (h, "ack", id, "--note", "on it"), a);
    assert_true (imh_wait_events (h, (uint64_t) a, "sla.stopped", "clock",
                                  "response", 1, WAIT_MS));
    assert_int_equal (imh_ctl (h, NULL, "comment", id, "Swapped", "the",
                               "cable", NULL), 0);
    assert_int_equal (s_resolve (h, id, "Replaced the faulty cable"), a);
    assert_true (imh_wait_events (h, (uint64_t) a, "sla.stopped", "clock",
                                  "resolution", 1, WAIT_MS));
    assert_true (imh_wait_events (h, (uint64_t) a, "notification.sent",
                                  "recipient", "carol", 1, WAIT_MS));
    assert_int_equal (imh_sink_lines (h, "carol", a, "resolved"), 1);
    assert_int_equal (s_command (h, "close", id, NULL, NULL), a);
    incident = s_show (h, a);
    assert_string_equal (imh_json_str (incident, "status"), "closed");
    json_decref (incident);

    //  The timeline: every event, in order, who did it, what changed
    assert_true (imh_wait_settled (h, WAIT_MS));
    json_t *timeline = imh_ctl_json (h, "timeline", id, NULL);
    assert_non_null (timeline);
    s_check_timeline_shape (timeline, a);
    assert_int_equal (json_array_size (json_object_get (timeline, "events")),
                      12);
    json_t *event = NULL;
    assert_int_equal (imh_json_events (timeline, "incident.opened", "title",
                      "VPN gateway drops sessions", &event), 1);
    assert_string_equal (imh_json_str (event, "actor"), "carol");
    int64_t opened = s_seq_of (event);
    assert_int_equal (imh_json_events (timeline, "incident.classified",
                                       "priority", "4", &event), 1);
    assert_string_equal (imh_json_str (event, "actor"), "classifier");
    int64_t classified = s_seq_of (event);
    assert_int_equal (imh_json_events (timeline, "sla.started", NULL, NULL,
                                       &event), 1);
    assert_string_equal (imh_json_str (event, "actor"), "sla");
    assert_true (opened < classified && classified < s_seq_of (event));
    assert_int_equal (imh_json_events (timeline, "incident.assigned",
                                       "agent", "alice", &event), 1);
    int64_t assigned = s_seq_of (event);
    assert_int_equal (imh_json_events (timeline, "notification.sent",
                                       "reason", "assigned", &event), 1);
    assert_string_equal (imh_json_str (event, "actor"), "notifier");
    assert_true (s_seq_of (event) > assigned);
    assert_int_equal (imh_json_events (timeline, "incident.acknowledged",
                                       "note", "on it", &event), 1);
    int64_t acknowledged = s_seq_of (event);
    assert_int_equal (imh_json_events (timeline, "sla.stopped", "clock",
                                       "response", &event), 1);
    assert_string_equal (imh_json_str (json_object_get (event, "payload"),
                                       "result"), "met");
    assert_true (s_seq_of (event) > acknowledged);
    assert_int_equal (imh_json_events (timeline, "sla.stopped", "result",
                                       "met", NULL), 2);
    assert_int_equal (imh_json_events (timeline, "incident.commented",
                                       "text", "Swapped the cable", NULL), 1);
    assert_int_equal (imh_json_events (timeline, "incident.resolved",
                                       "code", "solved", NULL), 1);
    assert_int_equal (imh_json_events (timeline, "notification.sent",
                                       "reason", "resolved", NULL), 1);
    assert_int_equal (imh_json_events (timeline, "incident.closed", NULL,
                                       NULL, NULL), 1);
    json_decref (timeline);

    //  The same timeline for people: a table with the changes spelt out
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "timeline", id, NULL), 0);
    assert_non_null (strstr (run.out, "SEQ"));
    assert_non_null (strstr (run.out, "title=\"VPN gateway drops sessions\""));
    assert_int_equal (imh_count_lines (run.out, "notification.sent",
                                       "notifier", NULL), 2);
    imh_run_clear (&run);

    //  Reopening a resolved incident puts it back with its assignee
    snprintf (id, sizeof id, "%" PRId64, c);
    assert_int_equal (s_command (h, "assign", id, "--group", "desk"), c);
    assert_int_equal (s_resolve (h, id, "Reset"), c);
    assert_int_equal (s_command (h, "reopen", id, "--reason",
                                 "Still cannot log in"), c);
    incident = s_show (h, c);
    assert_string_equal (imh_json_str (incident, "status"), "assigned");
    assert_int_equal (imh_json_int (incident, "reopen_count"), 1);
    json_decref (incident);
    assert_true (imh_wait_events (h, (uint64_t) c, "incident.reopened",
                                  "reason", "Still cannot log in", 1,
                                  WAIT_MS));
    assert_true (imh_wait_settled (h, WAIT_MS));

    //  A clean stop: every program exits 0 (sanitizer builds check for
    //  leaks here)
    for (size_t index = 0; index < 3; index++)
        assert_int_equal (imh_stop (h, self->workers [index], WAIT_MS), 0);
    assert_int_equal (imh_stop (h, self->broker, WAIT_MS), 0);
    imh_passed (h);
}

//  Finds the notification about seq for recipient in a timeline
static int
s_notifications (const json_t *timeline, int64_t about, const char *recipient)
{
    int count = 0;
    size_t index;
    json_t *event;
    json_array_foreach (json_object_get (timeline, "events"), index, event) {
        json_t *payload = json_object_get (event, "payload");
        if (streq (imh_json_str (event, "type"), "notification.sent")
        &&  imh_json_int (payload, "about_seq") == about
        &&  streq (imh_json_str (payload, "recipient"), recipient))
            count++;
    }
    return count;
}

static void
test_unacknowledged_p1_breaches_and_notifies (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    json_t *reply = imh_ctl_json (h, "open", "--title", "Database "
                                  "replication stalled", "--reporter", "erin",
                                  "--impact", "1", "--urgency", "1", NULL);
    assert_non_null (reply);
    int64_t b = imh_json_int (reply, "incident");
    json_decref (reply);
    char id [24];
    snprintf (id, sizeof id, "%" PRId64, b);
    assert_int_equal (s_command (h, "assign", id, "--agent", "bob"), b);
    assert_true (imh_wait_events (h, (uint64_t) b, "incident.classified",
                                  "priority", "1", 1, WAIT_MS));
    json_t *incident = s_show (h, b);
    assert_string_equal (imh_json_str (incident, "category"), "database");
    json_decref (incident);

    //  Nobody acknowledges: the 2 s response target passes
    assert_true (imh_wait_events (h, (uint64_t) b, "sla.breached", "clock",
                                  "response", 1, WAIT_MS));
    assert_true (imh_wait_settled (h, WAIT_MS));
    json_t *timeline = imh_ctl_json (h, "timeline", id, NULL);
    assert_non_null (timeline);
    json_t *breach = NULL;
    assert_int_equal (imh_json_events (timeline, "sla.breached", "clock",
                                       "response", &breach), 1);
    assert_string_equal (imh_json_str (breach, "actor"), "sla");
    int64_t seq = s_seq_of (breach);
    assert_int_equal (s_notifications (timeline, seq, "duty-manager"), 1);
    assert_int_equal (s_notifications (timeline, seq, "bob"), 1);
    json_decref (timeline);
    assert_true (imh_sink_lines (h, "duty-manager", b, "breached") >= 1);
    assert_true (imh_sink_lines (h, "bob", b, "breached") >= 1);
    incident = s_show (h, b);
    assert_string_equal (imh_json_str (incident, "sla_response"), "breached");
    assert_true (imh_json_int (incident, "breaches") >= 1);
    json_decref (incident);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_incident_lives_from_open_to_close_and_reopen,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_unacknowledged_p1_breaches_and_notifies,
            s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
