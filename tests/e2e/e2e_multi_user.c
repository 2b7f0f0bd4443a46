/*  e2e_multi_user - a multi-user incident, through imqctl and the workers

    Five people report the same outage. The service desk opens a parent,
    links the five reports under it, and resolves the parent once: every
    report is resolved with the parent's resolution and the notifier
    tells each of the five reporters (their sink files and the log both
    say so). A sixth report merged as a duplicate closes, and its
    reporter hears of the resolution too. The parent's merged timeline
    shows the whole family's events in seq order.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define REPORTS     5               //  Reports of the one outage

//  The fixture is the node itself: an imh_t, torn down by imh_teardown
static int
s_setup (void **state)
{
    return imh_setup_node (state, "multi-user");
}

static int64_t
s_open (imh_t *harness, const char *title, const char *reporter)
{
    json_t *reply = imh_ctl_json (harness, "open", "--title", title,
                                  "--reporter", reporter, "--impact", "2",
                                  NULL);
    assert_non_null (reply);
    int64_t id = imh_json_int (reply, "incident");
    assert_true (id > 0);
    json_decref (reply);
    return id;
}

static void
test_five_reports_resolved_together_and_every_reporter_told (void **state)
{
    imh_t *h = (imh_t *) *state;
    static const char *reporters [REPORTS] = {
        "amy", "ben", "cat", "dan", "eve" };
    int64_t parent = s_open (h, "Wifi down in building B", "service-desk");
    int64_t children [REPORTS];
    char other [24], text [24];
    snprintf (other, sizeof other, "%" PRId64, parent);
    for (int index = 0; index < REPORTS; index++) {
        children [index] = s_open (h, "No wifi", reporters [index]);
        snprintf (text, sizeof text, "%" PRId64, children [index]);
        assert_int_equal (imh_ctl (h, NULL, "link", text, "--link", "parent",
                                   "--other", other, NULL), 0);
    }
    //  A sixth report is a duplicate of the first: merged and closed
    int64_t duplicate = s_open (h, "wifi???", "fox");
    snprintf (text, sizeof text, "%" PRId64, duplicate);
    snprintf (other, sizeof other, "%" PRId64, children [0]);
    assert_int_equal (imh_ctl (h, NULL, "link", text, "--link",
                               "duplicate_of", "--other", other, NULL), 0);
    json_t *shown = imh_ctl_json (h, "show", text, NULL);
    assert_non_null (shown);
    assert_string_equal (imh_json_str (shown, "status"), "closed");
    json_decref (shown);

    snprintf (text, sizeof text, "%" PRId64, parent);
    assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code", "solved",
                               "--notes", "replaced the controller", NULL),
                      0);
    for (int index = 0; index < REPORTS; index++) {
        snprintf (text, sizeof text, "%" PRId64, children [index]);
        json_t *child = imh_ctl_json (h, "show", text, NULL);
        assert_non_null (child);
        assert_string_equal (imh_json_str (child, "status"), "resolved");
        assert_string_equal (imh_json_str (child, "resolution"),
                             "replaced the controller");
        assert_int_equal (imh_json_int (child, "parent"), parent);
        json_decref (child);
        assert_true (imh_wait_events (h, (uint64_t) children [index],
                                      "notification.sent", "recipient",
                                      reporters [index], 1, WAIT_MS));
        assert_int_equal (imh_sink_lines (h, reporters [index],
                                          children [index], "resolved"), 1);
    }
    //  The merged duplicate's reporter is told through the survivor
    assert_true (imh_wait_events (h, (uint64_t) children [0],
                                  "notification.sent", "recipient", "fox", 1,
                                  WAIT_MS));
    assert_int_equal (imh_sink_lines (h, "fox", children [0], "resolved"), 1);

    //  The parent's merged view: its events and its children's, in order
    snprintf (text, sizeof text, "%" PRId64, parent);
    json_t *own = imh_ctl_json (h, "timeline", text, NULL);
    json_t *merged = imh_ctl_json (h, "timeline", text, "--view", "merged",
                                   NULL);
    assert_non_null (own);
    assert_non_null (merged);
    assert_true (imh_json_int (merged, "count")
                 > imh_json_int (own, "count") + REPORTS * 3);
    assert_int_equal (imh_json_events (merged, "incident.resolved", NULL,
                                       NULL, NULL), 1 + REPORTS);
    json_t *events = json_object_get (merged, "events");
    int64_t previous = 0;
    size_t index;
    json_t *event;
    json_array_foreach (events, index, event) {
        assert_true (imh_json_int (event, "seq") > previous);
        previous = imh_json_int (event, "seq");
    }
    json_decref (own);
    json_decref (merged);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_five_reports_resolved_together_and_every_reporter_told,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
