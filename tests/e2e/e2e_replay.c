/*  e2e_replay - imq-replay reads a real broker's data directory offline

    A broker takes five incidents through imqctl and resolves one, then
    stops. imq-replay, which links the core alone, reads its data
    directory without it: the counts match what the broker said while
    it ran (its last seq, the incidents and their statuses), and every
    projection folds again from its events. Then one projection is
    changed behind the log's back, through the core's store: imq-replay
    names that incident and exits 1, so the fold check is seen to fail
    when the store and its events disagree.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imc_store.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define INCIDENTS   5               //  Opened through imqctl

//  The fixture is the node, without workers: every event is imqctl's,
//  so the counts below are exact
static int
s_setup (void **state)
{
    *state = imh_new_node ("replay", NULL, false, NULL);
    return *state ? 0 : -1;
}

//  Returns the value of "name value" in imq-replay's output, or -1
static int64_t
s_count (const char *out, const char *name)
{
    size_t length = strlen (name);
    for (const char *line = out; line && *line; ) {
        if (strncmp (line, name, length) == 0 && line [length] == ' ')
            return strtoll (line + length + 1, NULL, 10);
        line = strchr (line, '\n');
        line = line ? line + 1 : NULL;
    }
    return -1;
}

//  Runs imq-replay on data; returns its exit code, output in run
static int
s_replay (const char *data, imh_run_t *run)
{
    const char *argv [] = { IMH_REPLAY_PATH, data, NULL };
    assert_int_equal (imh_run (argv, WAIT_MS, run), 0);
    return run->status;
}

static void
test_replay_reads_a_stopped_node_and_catches_a_changed_projection (
    void **state)
{
    imh_t *h = (imh_t *) *state;
    int64_t resolved = 0;
    for (int index = 0; index < INCIDENTS; index++) {
        json_t *reply = imh_ctl_json (h, "open", "--title", "disk full",
                                      "--reporter", "ops", "--impact", "2",
                                      NULL);
        assert_non_null (reply);
        resolved = imh_json_int (reply, "incident");
        assert_true (resolved > 0);
        json_decref (reply);
    }
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, resolved);
    assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code", "solved",
                               "--notes", "freed space", NULL), 0);
    json_t *status = imh_ctl_json (h, "status", NULL);
    assert_non_null (status);
    int64_t last_seq = imh_json_int (status, "last_seq");
    json_decref (status);
    assert_true (last_seq >= INCIDENTS + 1);

    assert_int_equal (imh_stop (h, imh_slot (h, "broker"), WAIT_MS), 0);
    char data [1024];
    snprintf (data, sizeof data, "%s/data", imh_dir (h));

    imh_run_t run;
    int code = s_replay (data, &run);
    if (code != 0)
        fprintf (stderr, "%s%s", run.out, run.err);
    assert_int_equal (code, 0);
    assert_int_equal (s_count (run.out, "last_seq"), last_seq);
    assert_int_equal (s_count (run.out, "events"), last_seq);
    assert_int_equal (s_count (run.out, "events_chained"), last_seq);
    assert_int_equal (s_count (run.out, "events.incident.opened"),
                      INCIDENTS);
    assert_int_equal (s_count (run.out, "events.incident.resolved"), 1);
    assert_int_equal (s_count (run.out, "incidents"), INCIDENTS);
    assert_int_equal (s_count (run.out, "incidents.resolved"), 1);
    assert_int_equal (s_count (run.out, "projections_rebuilt"), INCIDENTS);
    assert_int_equal (s_count (run.out, "projections_differ"), 0);
    assert_int_equal (s_count (run.out, "events_unreadable"), 0);
    imh_run_clear (&run);

    //  A projection changed where no event says so
    char path [1100], errbuf [256] = "";
    snprintf (path, sizeof path, "%s/store", data);
    imc_store_t *store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (store);
    im_fields_t *incident = NULL;
    assert_int_equal (imc_store_incident_get (store, 2, &incident), 0);
    im_fields_set_str (incident, "title", "changed offline");
    imc_store_batch_t *batch = imc_store_batch_new (store);
    assert_non_null (batch);
    imc_store_batch_put_incident (batch, 2, incident);
    assert_int_equal (imc_store_batch_commit (store, &batch, true), 0);
    im_fields_destroy (&incident);
    imc_store_destroy (&store);

    assert_int_equal (s_replay (data, &run), 1);
    assert_int_equal (s_count (run.out, "projections_differ"), 1);
    assert_non_null (strstr (run.err, "the first incident 2"));
    imh_run_clear (&run);

    //  A directory that holds no store: a clear error, exit 2
    assert_int_equal (s_replay (imh_dir (h), &run), 2);
    assert_non_null (strstr (run.err, "imq-replay: "));
    imh_run_clear (&run);
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_replay_reads_a_stopped_node_and_catches_a_changed_projection,
            s_setup, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
