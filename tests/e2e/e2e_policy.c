/*  e2e_policy - a replicated policy, and the lifecycle it governs

    Through imqctl against a real broker and the three workers: a policy
    file with errors is refused with every error named by file and line
    and nothing changes; a good one becomes version 1 for the cluster.
    Under it an incident goes on hold and back, is resolved with a code,
    and is closed by the SLA timer when the auto-close time passes; a
    reopen after the window opens a linked follow-up; a request logged
    in error is cancelled.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait

//  The fixture is the node itself: an imh_t, torn down by imh_teardown
static int
s_setup (void **state)
{
    return imh_setup_node (state, "policy");
}

//  Writes text to name in the test's directory; path gets its path
static void
s_write (imh_t *harness, const char *name, const char *text, char *path,
         size_t size)
{
    snprintf (path, size, "%s/%s", imh_dir (harness), name);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fputs (text, file) >= 0, 1);
    assert_int_equal (fclose (file), 0);
}

//  Reads the projection of id through imqctl show --json
static json_t *
s_show (imh_t *harness, int64_t id)
{
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    json_t *incident = imh_ctl_json (harness, "show", text, NULL);
    assert_non_null (incident);
    return incident;
}

//  Asserts the status of incident id
static void
s_assert_status (imh_t *harness, int64_t id, const char *status)
{
    json_t *incident = s_show (harness, id);
    assert_string_equal (imh_json_str (incident, "status"), status);
    json_decref (incident);
}

static int64_t
s_open (imh_t *harness, const char *title, const char *type)
{
    json_t *reply = imh_ctl_json (harness, "open", "--title", title,
                                  "--reporter", "erin", "--type", type, NULL);
    assert_non_null (reply);
    int64_t id = imh_json_int (reply, "incident");
    assert_true (id > 0);
    json_decref (reply);
    return id;
}

static void
test_a_bad_policy_changes_nothing_and_a_good_one_governs (void **state)
{
    imh_t *h = (imh_t *) *state;
    char bad [600], good [600];
    s_write (h, "bad.yaml", "lifecycle:\n  reopen_window: soon\n"
             "node:\n  id: 2\nsla:\n  P1: {response: 2h, resolution: 1h}\n",
             bad, sizeof bad);
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "config", "apply", bad, NULL), 2);
    char where [700];
    snprintf (where, sizeof where, "%s:2:18: error: lifecycle.reopen_window",
              bad);
    assert_non_null (strstr (run.err, where));
    snprintf (where, sizeof where, "%s:3:1: error: top level: unknown key "
              "'node'", bad);
    assert_non_null (strstr (run.err, where));
    snprintf (where, sizeof where, "%s:6:7: error: sla.P1: the response "
              "target", bad);
    assert_non_null (strstr (run.err, where));
    imh_run_clear (&run);
    json_t *shown = imh_ctl_json (h, "config", "show", NULL);
    assert_non_null (shown);
    assert_int_equal (imh_json_int (shown, "version"), 0);
    json_decref (shown);
    uint64_t last_seq = 0;
    assert_int_equal (imh_last_seq (h, &last_seq), 0);
    assert_int_equal (last_seq, 0);

    //  Reopen within 1 s; closes by itself 2 s after resolution
    s_write (h, "desk.yaml", "lifecycle:\n  reopen_window: 1s\n"
             "  auto_close: 2s\n", good, sizeof good);
    //  A policy is an administrator's to apply
    char cert [512];
    assert_int_equal (imh_cert (h, "root", "administrator", cert,
                                sizeof cert), 0);
    json_t *applied = imh_ctl_json (h, "--as", "root", "config", "apply",
                                    good, NULL);
    assert_non_null (applied);
    assert_int_equal (imh_json_int (applied, "version"), 1);
    json_decref (applied);
    shown = imh_ctl_json (h, "config", "show", NULL);
    assert_non_null (shown);
    assert_int_equal (imh_json_int (shown, "version"), 1);
    assert_string_equal (imh_json_str (shown, "actor"), "root");
    assert_non_null (strstr (imh_json_str (shown, "text"), "auto_close: 2s"));
    json_decref (shown);
    assert_int_equal (imh_ctl (h, &run, "config", "show", NULL), 0);
    assert_non_null (strstr (run.out, "version 1, applied "));
    imh_run_clear (&run);
    shown = imh_ctl_json (h, "config", "show", "--version", "1", NULL);
    assert_non_null (shown);
    assert_int_equal (imh_json_int (shown, "version"), 1);
    json_decref (shown);
    assert_int_equal (imh_ctl (h, &run, "config", "show", "--version", "2",
                               NULL), 1);
    assert_non_null (strstr (run.err, "404"));
    imh_run_clear (&run);

    //  On hold and back; acknowledging on hold is refused, and says why
    int64_t a = s_open (h, "Payroll export fails", "incident");
    char id [24];
    snprintf (id, sizeof id, "%" PRId64, a);
    assert_int_equal (imh_ctl (h, NULL, "assign", id, "--group", "payroll",
                               NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "pend", id, "--reason",
                               "awaiting_vendor", "--note", "case 4411",
                               NULL), 0);
    json_t *incident = s_show (h, a);
    assert_string_equal (imh_json_str (incident, "status"), "pending");
    assert_string_equal (imh_json_str (incident, "pending_reason"),
                         "awaiting_vendor");
    json_decref (incident);
    assert_int_equal (imh_ctl (h, &run, "ack", id, NULL), 1);
    assert_non_null (strstr (run.err, "409 cannot acknowledge an incident "
                                      "that is pending; allowed: assign, "
                                      "comment on, resume, resolve, cancel, "
                                      "convert, categorize, reprioritize, "
                                      "escalate"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "pend", id, "--reason", "lunch",
                               NULL), 2);
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "resume", id, NULL), 0);
    s_assert_status (h, a, "assigned");

    //  Resolved with a code, then closed by the SLA timer
    assert_int_equal (imh_ctl (h, &run, "resolve", id, "--notes", "patched",
                               NULL), 2);
    assert_non_null (strstr (run.err, "--code"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "resolve", id, "--code", "workaround",
                               "--notes", "re-ran the export by hand", NULL),
                      0);
    assert_true (imh_wait_events (h, (uint64_t) a, "incident.closed", NULL,
                                  NULL, 1, WAIT_MS));
    incident = s_show (h, a);
    assert_string_equal (imh_json_str (incident, "status"), "closed");
    assert_string_equal (imh_json_str (incident, "resolution_code"),
                         "workaround");
    assert_true (imh_json_int (incident, "closed_ms")
                 >= imh_json_int (incident, "resolved_ms") + 2000);
    json_decref (incident);

    //  Closed: a reopen opens a follow-up, linked both ways
    assert_int_equal (imh_ctl (h, &run, "reopen", id, "--reason",
                               "fails again", NULL), 0);
    assert_non_null (strstr (run.out, "as its follow-up"));
    imh_run_clear (&run);
    incident = s_show (h, a);
    int64_t follow_up = strtoll (imh_json_str (incident, "follow_ups"),
                                 NULL, 10);
    assert_true (follow_up > a);
    assert_string_equal (imh_json_str (incident, "status"), "closed");
    json_decref (incident);
    incident = s_show (h, follow_up);
    assert_int_equal (imh_json_int (incident, "follow_up_of"), a);
    assert_string_equal (imh_json_str (incident, "title"),
                         "Payroll export fails");
    assert_string_equal (imh_json_str (incident, "status"), "new");
    json_decref (incident);

    //  A request logged in error is cancelled, and stays so
    int64_t r = s_open (h, "New monitor", "request");
    snprintf (id, sizeof id, "%" PRId64, r);
    assert_int_equal (imh_ctl (h, NULL, "cancel", id, "--reason",
                               "logged twice", NULL), 0);
    s_assert_status (h, r, "cancelled");
    assert_int_equal (imh_ctl (h, &run, "resolve", id, "--code", "solved",
                               "--notes", "x", NULL), 1);
    assert_non_null (strstr (run.err, "that is cancelled; allowed: nothing"));
    imh_run_clear (&run);
    imh_passed (h);
}

static void
test_a_request_becomes_an_incident_with_its_own_priority_and_sla (void **state)
{
    imh_t *h = (imh_t *) *state;
    char policy [600];
    s_write (h, "desk.yaml", "agents:\n"
             "  - {name: ann, roles: [incident_manager]}\n"
             "  - {name: bob, roles: []}\n"
             "groups:\n"
             "  - {name: desk, tier: 1, agents: [bob], categories: [email]}\n"
             "  - {name: messaging, tier: 2, agents: [ann]}\n"
             "sla:\n  request: {response: 20h, resolution: 40h}\n"
             "  P1: {response: 1h, resolution: 2h}\n", policy,
             sizeof policy);
    assert_int_equal (imh_ctl (h, NULL, "config", "apply", policy, NULL), 0);

    json_t *reply = imh_ctl_json (h, "open", "--title", "Mail is down for "
                                  "me", "--reporter", "fay", "--type",
                                  "request", "--impact", "1", "--urgency",
                                  "1", NULL);
    assert_non_null (reply);
    int64_t id = imh_json_int (reply, "incident");
    json_decref (reply);
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    //  A request: never above P4, the request SLA policy
    assert_true (imh_wait_events (h, (uint64_t) id, "sla.started", "type",
                                  "request", 1, WAIT_MS));
    json_t *incident = s_show (h, id);
    assert_int_equal (imh_json_int (incident, "priority"), 4);
    assert_int_equal (imh_json_int (incident, "sla_resolution_due_ms")
                      - imh_json_int (incident, "created_ms") > 39 * 3600000,
                      1);
    json_decref (incident);

    //  The whole floor has no mail: it is an incident, P1 by the matrix,
    //  its clocks started again under the incident policy
    assert_int_equal (imh_ctl (h, NULL, "convert", text, "--type", "incident",
                               "--reason", "the whole floor is affected",
                               NULL), 0);
    assert_true (imh_wait_events (h, (uint64_t) id, "sla.started", "type",
                                  "incident", 1, WAIT_MS));
    incident = s_show (h, id);
    assert_string_equal (imh_json_str (incident, "type"), "incident");
    assert_int_equal (imh_json_int (incident, "priority"), 1);
    assert_int_equal (imh_json_int (incident, "sla_resolution_due_ms")
                      - imh_json_int (incident, "created_ms") < 3 * 3600000,
                      1);
    json_decref (incident);
    json_t *timeline = imh_ctl_json (h, "timeline", text, NULL);
    assert_non_null (timeline);
    assert_int_equal (imh_json_events (timeline, "incident.converted", "to",
                                       "incident", NULL), 1);
    json_decref (timeline);
    //  Only one running pair of clocks is indexed: the incident's
    assert_int_equal (imh_count_events (h, (uint64_t) id, "sla.started", NULL,
                                        NULL), 2);

    //  Classification by hand; a priority only an incident manager sets
    assert_int_equal (imh_ctl (h, NULL, "categorize", text, "--category",
                               "email", "--subcategory", "delivery", "--ci",
                               "mx-1", NULL), 0);
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--as", "bob", "prioritize", text,
                               "--priority", "2", "--reason", "one floor",
                               NULL), 1);
    assert_non_null (strstr (run.err, "403 PRIORITIZE needs the role "
                             "service_desk_manager"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "--as", "ann", "prioritize", text,
                               "--priority", "2", "--reason", "one floor",
                               NULL), 0);
    incident = s_show (h, id);
    assert_int_equal (imh_json_int (incident, "priority"), 2);
    assert_string_equal (imh_json_str (incident, "ci"), "mx-1");
    assert_string_equal (imh_json_str (incident, "priority_reason"),
                         "one floor");
    json_decref (incident);

    //  Routed to the desk by its category when it was opened
    assert_true (imh_wait_events (h, (uint64_t) id, "incident.assigned",
                                  "group", "desk", 1, WAIT_MS));
    //  Tier I takes it, hands it to tier II; management is told
    assert_int_equal (imh_ctl (h, &run, "assign", text, "--group", "desk",
                               "--agent", "ann", NULL), 1);
    assert_non_null (strstr (run.err, "'ann' is not in group 'desk'"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "assign", text, "--group", "desk",
                               "--agent", "bob", NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "escalate", text, "--kind",
                               "functional", "--reason", "mail routing",
                               NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "escalate", text, "--kind",
                               "hierarchical", "--reason", "board meeting",
                               NULL), 0);
    incident = s_show (h, id);
    assert_string_equal (imh_json_str (incident, "group"), "messaging");
    assert_int_equal (imh_json_int (incident, "tier"), 2);
    assert_int_equal (imh_json_int (incident, "reassignment_count"), 2);
    assert_int_equal (imh_json_int (incident, "hierarchical_escalations"), 1);
    json_decref (incident);
    assert_true (imh_wait_events (h, (uint64_t) id, "notification.sent",
                                  "reason", "escalated", 1, WAIT_MS));
    assert_true (imh_wait_events (h, (uint64_t) id, "notification.sent",
                                  "recipient", "group:messaging", 1,
                                  WAIT_MS));
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_bad_policy_changes_nothing_and_a_good_one_governs,
            s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_request_becomes_an_incident_with_its_own_priority_and_sla,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
