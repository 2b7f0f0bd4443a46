/*  e2e_imqctl - imqctl status, and what imqctl says when refused

    An operator's first look at a node is imqctl status: who leads, how
    far it has applied, and whether each consumer group keeps up. A
    script's first need is exit codes it can trust: 1 with the broker's
    reason when the broker refuses, 2 when the command line is wrong,
    before anything is sent. Both are checked against a real broker and
    the three workers.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait

static int
s_setup (void **state)
{
    *state = imh_new_node ("imqctl", NULL, true, NULL);
    return *state ? 0 : -1;
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

//  True when imqctl status --json shows every group with lag 0
static bool
s_status_settled (void *arg)
{
    json_t *status = imh_ctl_json ((imh_t *) arg, "status", NULL);
    json_t *groups = json_object_get (status, "workers");
    bool settled = json_array_size (groups) == 3;
    size_t index;
    json_t *group;
    json_array_foreach (groups, index, group)
        settled = settled && imh_json_int (group, "lag") == 0
                          && imh_json_int (group, "instances") == 1;
    json_decref (status);
    return settled;
}

static void
test_status_shows_leader_and_groups_catching_up (void **state)
{
    imh_t *h = (imh_t *) *state;
    //  STATUS reads at least what the broker already answered
    for (int index = 0; index < 30; index++) {
        im_fields_t *body = im_fields_new ();
        imh_open_body (index, body, "Slow builds");
        im_reply_t *reply = imh_call (h, "OPEN", body, false);
        im_fields_destroy (&body);
        assert_non_null (reply);
        int64_t seq = im_fields_int_or (reply->body, "seq", 0);
        im_reply_destroy (&reply);
        uint64_t last_seq = 0;
        assert_int_equal (imh_last_seq (h, &last_seq), 0);
        if ((int64_t) last_seq < seq)
            fail_msg ("STATUS last_seq %" PRIu64 " after a reply with seq %"
                      PRId64, last_seq, seq);
    }
    assert_true (imh_wait_for (s_status_settled, h, WAIT_MS));
    json_t *status = imh_ctl_json (h, "status", NULL);
    assert_non_null (status);
    assert_int_equal (imh_json_int (status, "node_id"), 1);
    assert_string_equal (imh_json_str (status, "raft_state"), "leader");
    assert_int_equal (imh_json_int (status, "leader_id"), 1);
    assert_true (imh_json_int (status, "applied_index") > 0);
    assert_true (imh_json_int (status, "commit_index")
                 >= imh_json_int (status, "applied_index"));
    //  Each incident: opened, classified, sla.started
    int64_t last_seq = imh_json_int (status, "last_seq");
    assert_true (last_seq >= 90);
    json_t *group;
    size_t index;
    json_array_foreach (json_object_get (status, "workers"), index, group)
        assert_int_equal (imh_json_int (group, "offset"), last_seq);
    json_decref (status);

    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "status", NULL), 0);
    assert_int_equal (imh_count_lines (run.out, "raft state", "leader",
                                       NULL), 1);
    assert_int_equal (imh_count_lines (run.out, "classifier", NULL), 1);
    assert_int_equal (imh_count_lines (run.out, "notifier", NULL), 1);
    imh_run_clear (&run);

    //  A node alone, listed nowhere, says where it is itself
    json_t *listed = imh_ctl_json (h, "cluster", "members", NULL);
    assert_non_null (listed);
    json_t *members = json_object_get (listed, "members");
    assert_int_equal (json_array_size (members), 1);
    json_t *me = json_array_get (members, 0);
    assert_int_equal (imh_json_int (me, "node"), 1);
    assert_string_equal (imh_json_str (me, "source"), "self");
    assert_true (strlen (imh_json_str (me, "raft")) > 0);
    assert_true (strlen (imh_json_str (me, "client")) > 0);
    json_decref (listed);
    imh_passed (h);
}

//  Runs imqctl, checks its exit code and that stderr holds text
static void
s_expect (imh_t *h, int status, const char *text, const char *const *args)
{
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, args [0], args [1], args [2],
                               args [3], NULL), status);
    if (!strstr (run.err, text))
        fail_msg ("imqctl %s: stderr lacks '%s': %s", args [0], text,
                  run.err);
    imh_run_clear (&run);
}

static void
test_imqctl_refusals_exit_with_a_reason (void **state)
{
    imh_t *h = (imh_t *) *state;
    uint64_t x = imh_open (h, "Kiosk frozen", "gina", 3, 3);
    assert_true (x > 0);
    char id [24];
    snprintf (id, sizeof id, "%" PRIu64, x);
    //  Refused by the broker: 1, and the reason names the status
    s_expect (h, 1, "409", (const char *[]) { "close", id, NULL, NULL });
    s_expect (h, 1, "new", (const char *[]) { "close", id, NULL, NULL });
    s_expect (h, 1, "404", (const char *[]) { "show", "9999", NULL, NULL });
    s_expect (h, 1, "404", (const char *[]) { "ack", "9999", NULL, NULL });
    //  Refused on the command line: 2, before any request
    s_expect (h, 2, "--notes", (const char *[]) { "resolve", id, NULL,
                                                  NULL });
    s_expect (h, 2, "impact", (const char *[]) { "open", "--title", "T",
                                                 "--impact" });
    s_expect (h, 2, "not an incident id", (const char *[]) { "show", "abc",
                                                             NULL, NULL });
    s_expect (h, 2, "unknown verb", (const char *[]) { "frobnicate", NULL,
                                                       NULL, NULL });
    //  With --json the error body goes to stdout as well
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--json", "show", "9999", NULL), 1);
    json_t *body = json_loads (run.out, 0, NULL);
    assert_non_null (body);
    assert_int_equal (imh_json_int (body, "status"), 404);
    json_decref (body);
    imh_run_clear (&run);
    json_t *incident = s_show (h, (int64_t) x);
    assert_string_equal (imh_json_str (incident, "status"), "new");
    json_decref (incident);
    imh_passed (h);
}

static void
test_search_past_its_limit_answers_the_newest (void **state)
{
    //  More resolved matches than --limit once took the broker down
    imh_t *h = (imh_t *) *state;
    uint64_t ids [4];
    for (size_t index = 0; index < 4; index++) {
        ids [index] = imh_open (h, "Disk full", "gina", 3, 3);
        assert_true (ids [index] > 0);
        char id [24];
        snprintf (id, sizeof id, "%" PRIu64, ids [index]);
        assert_int_equal (imh_ctl (h, NULL, "resolve", id, "--code",
                                   "solved", "--notes",
                                   "cleaned the disk logs", NULL), 0);
    }
    json_t *found = imh_ctl_json (h, "search", "disk", "--limit", "2",
                                  NULL);
    assert_non_null (found);
    assert_int_equal (imh_json_int (found, "count"), 2);
    json_t *incidents = json_object_get (found, "incidents");
    assert_int_equal (json_array_size (incidents), 2);
    assert_int_equal (imh_json_int (json_array_get (incidents, 0), "id"),
                      (int64_t) ids [3]);
    assert_int_equal (imh_json_int (json_array_get (incidents, 1), "id"),
                      (int64_t) ids [2]);
    json_decref (found);
    //  The broker still serves
    json_t *incident = s_show (h, (int64_t) ids [0]);
    assert_string_equal (imh_json_str (incident, "status"), "resolved");
    json_decref (incident);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_status_shows_leader_and_groups_catching_up,
            s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_imqctl_refusals_exit_with_a_reason,
            s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_search_past_its_limit_answers_the_newest,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
