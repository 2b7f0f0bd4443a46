/*  e2e_major - a major incident from proposal to review

    Through imqctl against a real broker and the three workers, under a
    policy that makes ann an incident manager: an incident is proposed as
    major, an agent without the role cannot accept it, ann accepts it
    with a commander and a 2 s update cadence; the organisation hears of
    it, the SLA timer reminds the commander when an update is late, the
    commander posts one; resolution is broadcast too, and the incident
    closes only once the post-incident review is attached.
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
    return imh_setup_node (state, "major");
}

static void
test_a_major_incident_from_proposal_to_review (void **state)
{
    imh_t *h = (imh_t *) *state;
    char policy [600];
    snprintf (policy, sizeof policy, "%s/desk.yaml", imh_dir (h));
    FILE *file = fopen (policy, "w");
    assert_non_null (file);
    //  Roles by the policy alone: bob and carl work the desk (agents),
    //  ann manages incidents; their certificates name no role
    fputs ("agents:\n  - {name: ann, roles: [incident_manager]}\n"
           "  - {name: bob, roles: [agent]}\n"
           "  - {name: carl, roles: [agent]}\n"
           "notifier:\n  broadcast: everyone\n", file);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (imh_ctl (h, NULL, "config", "apply", policy, NULL), 0);

    json_t *reply = imh_ctl_json (h, "open", "--title", "Payments are down",
                                  "--reporter", "ops", "--impact", "1",
                                  "--urgency", "1", NULL);
    assert_non_null (reply);
    int64_t id = imh_json_int (reply, "incident");
    json_decref (reply);
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);

    assert_int_equal (imh_ctl (h, NULL, "--as", "bob", "major", text,
                               "propose", "--reason", "all card payments "
                               "fail", NULL), 0);
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--as", "bob", "major", text,
                               "accept", "--commander", "carl", "--cadence",
                               "2s", NULL), 1);
    assert_non_null (strstr (run.err, "403"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "--as", "ann", "major", text,
                               "accept", "--commander", "carl", "--cadence",
                               "2s", NULL), 0);
    assert_true (imh_wait_events (h, (uint64_t) id, "notification.sent",
                                  "reason", "major-declared", 1, WAIT_MS));
    assert_int_equal (imh_sink_lines (h, "everyone", id, "major-declared"),
                      1);

    //  No update within 2 s: the SLA timer reminds the commander
    assert_true (imh_wait_events (h, (uint64_t) id, "major.update_due", NULL,
                                  NULL, 1, WAIT_MS));
    assert_true (imh_wait_events (h, (uint64_t) id, "notification.sent",
                                  "reason", "update-due", 1, WAIT_MS));
    assert_true (imh_sink_lines (h, "carl", id, "update-due") >= 1);
    assert_int_equal (imh_ctl (h, NULL, "--as", "carl", "major", text,
                               "update", "--text", "failover to the second "
                               "acquirer in progress", NULL), 0);

    //  Resolved: broadcast; closing waits for the review
    assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code", "solved",
                               "--notes", "failed over to acquirer B", NULL),
                      0);
    assert_true (imh_wait_events (h, (uint64_t) id, "notification.sent",
                                  "reason", "major-resolved", 1, WAIT_MS));
    assert_int_equal (imh_sink_lines (h, "everyone", id, "major-resolved"),
                      1);
    assert_int_equal (imh_ctl (h, &run, "close", text, NULL), 1);
    assert_non_null (strstr (run.err, "post-incident review"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "review", text, "--summary",
                               "card payments failed for 40 minutes",
                               "--root_cause", "expired TLS certificate on "
                               "the acquirer link", "--actions",
                               "dora: monitor certificate expiry; eli: "
                               "automate renewal", NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "close", text, NULL), 0);
    json_t *incident = imh_ctl_json (h, "show", text, NULL);
    assert_non_null (incident);
    assert_string_equal (imh_json_str (incident, "status"), "closed");
    assert_string_equal (imh_json_str (incident, "major"), "declared");
    assert_string_equal (imh_json_str (incident, "commander"), "carl");
    assert_true (imh_json_int (incident, "updates") >= 1);
    assert_non_null (strstr (imh_json_str (incident, "root_cause"),
                             "TLS certificate"));
    json_decref (incident);
    //  Reminders stop once resolved: none after the resolution
    json_t *timeline = imh_ctl_json (h, "timeline", text, NULL);
    assert_non_null (timeline);
    json_t *resolved = NULL;
    imh_json_events (timeline, "incident.resolved", NULL, NULL, &resolved);
    assert_non_null (resolved);
    int64_t resolved_seq = imh_json_int (resolved, "seq");
    json_t *events = json_object_get (timeline, "events");
    size_t index;
    json_t *event;
    json_array_foreach (events, index, event)
        if (streq (imh_json_str (event, "type"), "major.update_due"))
            assert_true (imh_json_int (event, "seq") < resolved_seq);
    json_decref (timeline);

    //  Knowledge: the fix is found by its notes or its root cause, in
    //  any case; not by the title, nor an open incident's text
    json_t *found = imh_ctl_json (h, "search", "tls", "CERTIFICATE", NULL);
    assert_non_null (found);
    assert_int_equal (imh_json_int (found, "count"), 1);
    assert_true (imh_json_has_id (json_object_get (found, "incidents"), id));
    json_decref (found);
    found = imh_ctl_json (h, "search", "acquirer", "--limit", "5", NULL);
    assert_non_null (found);
    assert_int_equal (imh_json_int (found, "count"), 1);
    json_decref (found);
    reply = imh_ctl_json (h, "open", "--title", "x", "--reporter", "y",
                          "--description", "expired certificate", NULL);
    json_decref (reply);
    found = imh_ctl_json (h, "search", "down", NULL);
    assert_non_null (found);
    assert_int_equal (imh_json_int (found, "count"), 0);
    json_decref (found);
    assert_int_equal (imh_ctl (h, &run, "search", "certificate", NULL), 0);
    assert_non_null (strstr (run.out, "expired TLS certificate"));
    imh_run_clear (&run);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_major_incident_from_proposal_to_review,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
