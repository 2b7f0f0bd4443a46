/*  test_imc_fsm - the state machine: decisions, determinism, replay

    Runs the real state machine over a real RocksDB in a temp directory.
    Entries are built the way the broker builds them (packed commands in
    an IMQE entry), applied at increasing Raft indexes.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_store.h"
#include "imc_incident.h"
#include "imc_counters.h"
#include "imc_fsm.h"

typedef struct {
    char dir [256];                 //  Temp directory, removed in teardown
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  State machine under test
    uint64_t index;                 //  Last Raft index used
} fixture_t;

static void
s_tmpdir (char *path, size_t size)
{
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (path, size, "%s/imb-fsm-XXXXXX", base ? base : "/tmp");
    assert_non_null (mkdtemp (path));
}

static imc_store_t *
s_store_open (const char *dir, const char *name)
{
    char path [300];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    char errbuf [256];
    imc_store_t *store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (store);
    return store;
}

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    s_tmpdir (f->dir, sizeof f->dir);
    f->store = s_store_open (f->dir, "a");
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    zsys_dir_delete ("%s", f->dir);     //  Best effort; then rm -r
    char command [300];
    snprintf (command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal (system (command), 0);
    free (f);
    return 0;
}

//  Builds a command: verb, incident, request id, then key/value pairs
//  ("key", "s:text" or "i:123"), NULL-terminated
static im_command_t *
s_command (const char *verb, uint64_t incident, const char *request_id, ...)
{
    im_command_t *command = im_command_new ();
    command->type = im_command_type_from_name (verb);
    assert_int_not_equal (command->type, IM_CMD_NONE);
    command->incident = incident;
    command->ts_ms = 1000000 + incident;
    snprintf (command->actor, sizeof command->actor, "tester");
    snprintf (command->request_id, sizeof command->request_id, "%s",
              request_id ? request_id : "");
    va_list args;
    va_start (args, request_id);
    const char *key = va_arg (args, const char *);
    while (key) {
        const char *value = va_arg (args, const char *);
        if (value [0] == 'i')
            im_fields_set_int (command->args, key, strtoll (value + 2, NULL, 10));
        else
            im_fields_set_str (command->args, key, value + 2);
        key = va_arg (args, const char *);
    }
    va_end (args);
    return command;
}

//  Applies commands as one entry at the next index; frees them
static int
s_apply (imc_fsm_t *fsm, uint64_t index, im_command_t **commands, size_t count)
{
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (commands, count, malloc, &data, &size), 0);
    assert_int_equal (size % 8, 0);
    int rc = imc_fsm_apply (fsm, index, data, size);
    free (data);
    for (size_t cmd = 0; cmd < count; cmd++)
        im_command_destroy (&commands [cmd]);
    return rc;
}

static int
s_apply_one (fixture_t *f, im_command_t *command)
{
    return s_apply (f->fsm, ++f->index, &command, 1);
}

static const imc_fsm_result_t *
s_result (fixture_t *f, size_t index)
{
    size_t count;
    const imc_fsm_result_t *results = imc_fsm_results (f->fsm, &count);
    assert_true (index < count);
    return &results [index];
}

static im_fields_t *
s_incident (fixture_t *f, uint64_t id)
{
    im_fields_t *incident = NULL;
    assert_int_equal (imc_store_incident_get (f->store, id, &incident), 0);
    return incident;
}

static void
s_open (fixture_t *f, const char *title)
{
    assert_int_equal (s_apply_one (f, s_command (
        "OPEN", 0, NULL, "title", title, "reporter", "s:ann",
        "impact", "i:1", "urgency", "i:2", NULL)), 0);
    assert_int_equal (s_result (f, 0)->status, 200);
}

static void
test_open_makes_an_event_and_a_projection (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:mail is down");
    const imc_fsm_result_t *result = s_result (f, 0);
    assert_int_equal (im_fields_int_or (result->body, "incident", 0), 1);
    assert_int_equal (im_fields_int_or (result->body, "seq", 0), 1);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);

    char *data;
    size_t size;
    assert_int_equal (imc_store_event_get (f->store, 1, &data, &size), 0);
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    assert_int_equal (event->type, IM_EV_OPENED);
    assert_int_equal (event->incident, 1);
    assert_string_equal (event->actor, "tester");
    assert_string_equal (im_fields_str (event->payload, "title"), "mail is down");
    im_event_destroy (&event);
    free (data);

    im_fields_t *incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "new");
    assert_int_equal (im_fields_int_or (incident, "impact", 0), 1);
    assert_int_equal (im_fields_int_or (incident, "urgency", 0), 2);
    assert_string_equal (im_fields_str (incident, "type"), "incident");
    im_fields_destroy (&incident);

    uint64_t applied = 0;
    imc_store_meta_get (f->store, IM_META_APPLIED, &applied);
    assert_int_equal (applied, f->index);
}

static void
test_lifecycle_checks_transitions (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:vpn drops");
    //  Close from new is illegal, and the message says why
    s_apply_one (f, s_command ("CLOSE", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    const char *error = im_fields_str (s_result (f, 0)->body, "error");
    assert_non_null (strstr (error, "new"));
    assert_non_null (strstr (error, "allowed"));

    s_apply_one (f, s_command ("ASSIGN", 1, NULL, "group", "s:network", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("ACK", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("ACK", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 400);    //  notes required
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:restarted",
                               NULL));
    assert_int_equal (s_result (f, 0)->status, 400);    //  code required
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:restarted",
                               "code", "s:solved", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("REOPEN", 1, NULL, "reason", "s:again", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    im_fields_t *incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "assigned");
    assert_int_equal (im_fields_int_or (incident, "reopen_count", 0), 1);
    im_fields_destroy (&incident);
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:fixed",
                               "code", "s:solved", NULL));
    s_apply_one (f, s_command ("CLOSE", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("COMMENT", 1, NULL, "text", "s:late", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "closed");
    assert_string_equal (im_fields_str (incident, "resolution"), "fixed");
    im_fields_destroy (&incident);
}

static void
test_bad_arguments_are_named (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_apply_one (f, s_command ("OPEN", 0, NULL, "title", "s:x", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "reporter"));
    s_apply_one (f, s_command ("OPEN", 0, NULL, "title", "s:x", "reporter",
                               "s:r", "impact", "i:7", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "impact"));
    s_apply_one (f, s_command ("OPEN", 0, NULL, "title", "s:x", "reporter",
                               "s:r", "colour", "s:red", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "colour"));
    s_apply_one (f, s_command ("OPEN", 0, NULL, "title", "i:5", "reporter",
                               "s:r", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    s_apply_one (f, s_command ("ACK", 42, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 404);
    //  Nothing of that made an event
    assert_int_equal (imc_fsm_last_seq (f->fsm), 0);
}

static int64_t
s_body_int (fixture_t *f, size_t index, const char *key)
{
    return im_fields_int_or (s_result (f, index)->body, key, -1);
}

static const char *
s_outcome (fixture_t *f, size_t index)
{
    const char *outcome = im_fields_str (s_result (f, index)->body,
                                         "outcome");
    return outcome ? outcome : "";
}

static im_command_t *
s_alert (const char *key, const char *action)
{
    return s_command ("ALERT", 0, NULL, "dedup_key", key, "action", action,
                      "title", "s:disk full on db1", "reporter", "s:prom",
                      "severity", "s:critical", NULL);
}

static void
test_repeated_request_id_answers_the_first_result (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_command_t *commands [2] = {
        s_command ("OPEN", 0, "req-1", "title", "s:a", "reporter", "s:r", NULL),
        s_command ("OPEN", 0, "req-1", "title", "s:a", "reporter", "s:r", NULL)
    };
    assert_int_equal (s_apply (f->fsm, ++f->index, commands, 2), 0);
    //  The repeat gets the first answer, marked as a repeat
    assert_false (im_fields_has (s_result (f, 0)->body, "repeat"));
    assert_int_equal (s_body_int (f, 1, "repeat"), 1);
    im_fields_remove (s_result (f, 1)->body, "repeat");
    assert_true (im_fields_equal (s_result (f, 0)->body,
                                  s_result (f, 1)->body));
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);
    //  And in a later entry too, including a rejection
    s_apply_one (f, s_command ("OPEN", 0, "req-1", "title", "s:a", "reporter",
                               "s:r", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "incident", 0), 1);
    s_apply_one (f, s_command ("CLOSE", 1, "req-2", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("CLOSE", 1, "req-2", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);
}

static void
test_alerts_with_one_dedup_key_add_to_one_open_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Three triggers in one entry: one incident, counted three times
    im_command_t *triggers [3] = {
        s_alert ("s:am/e94c", "s:trigger"), s_alert ("s:am/e94c", "s:trigger"),
        s_alert ("s:am/a4bf", "s:trigger")
    };
    assert_int_equal (s_apply (f->fsm, ++f->index, triggers, 3), 0);
    assert_string_equal (s_outcome (f, 0), "opened");
    assert_string_equal (s_outcome (f, 1), "added");
    assert_string_equal (s_outcome (f, 2), "opened");   //  Distinct key
    assert_int_equal (s_body_int (f, 1, "incident"), 1);
    assert_int_equal (s_body_int (f, 2, "incident"), 2);
    s_apply_one (f, s_alert ("s:am/e94c", "s:trigger"));
    assert_string_equal (s_outcome (f, 0), "added");
    im_fields_t *incident = s_incident (f, 1);
    assert_int_equal (im_fields_int_or (incident, "alerts", 0), 3);
    assert_string_equal (im_fields_str (incident, "dedup_key"), "am/e94c");
    assert_string_equal (im_fields_str (incident, "severity"), "critical");
    assert_int_equal (im_fields_int_or (incident, "last_alert_ms", 0), 1000000);
    im_fields_destroy (&incident);

    //  Acknowledge, then again (nothing to do), clear, resolve
    s_apply_one (f, s_alert ("s:am/e94c", "s:acknowledge"));
    assert_string_equal (s_outcome (f, 0), "acknowledged");
    s_apply_one (f, s_alert ("s:am/e94c", "s:acknowledge"));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_string_equal (s_outcome (f, 0), "unchanged");
    assert_int_equal (s_body_int (f, 0, "events"), 0);
    assert_int_equal (s_body_int (f, 0, "incident"), 1);
    s_apply_one (f, s_alert ("s:am/e94c", "s:clear"));
    assert_string_equal (s_outcome (f, 0), "cleared");
    incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "in_progress");
    assert_true (im_fields_has (incident, "alert_cleared_ms"));
    im_fields_destroy (&incident);
    s_apply_one (f, s_alert ("s:am/e94c", "s:resolve"));
    assert_string_equal (s_outcome (f, 0), "resolved");
    incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "resolved");
    assert_string_equal (im_fields_str (incident, "resolution_code"), "auto");
    im_fields_destroy (&incident);
    uint64_t mapped = 99;
    assert_int_equal (imc_store_dedup_get (f->store, "am/e94c", &mapped), 0);
    assert_int_equal (mapped, 0);

    //  After the resolve the key is free: a trigger opens incident 3,
    //  and an acknowledge of a key nobody holds is refused, no event
    s_apply_one (f, s_alert ("s:am/e94c", "s:trigger"));
    assert_string_equal (s_outcome (f, 0), "opened");
    assert_int_equal (s_body_int (f, 0, "incident"), 3);
    uint64_t seq = imc_fsm_last_seq (f->fsm);
    s_apply_one (f, s_alert ("s:nobody", "s:acknowledge"));
    assert_int_equal (s_result (f, 0)->status, 404);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "nobody"));
    assert_int_equal (imc_fsm_last_seq (f->fsm), seq);
}

static void
test_resolve_and_trigger_in_one_entry_open_a_new_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_command_t *commands [4] = {
        s_alert ("s:k", "s:trigger"), s_alert ("s:k", "s:resolve"),
        s_alert ("s:k", "s:trigger"), s_alert ("s:k", "s:bogus")
    };
    assert_int_equal (s_apply (f->fsm, ++f->index, commands, 4), 0);
    assert_string_equal (s_outcome (f, 0), "opened");
    assert_string_equal (s_outcome (f, 1), "resolved");
    assert_string_equal (s_outcome (f, 2), "opened");
    assert_int_equal (s_body_int (f, 2, "incident"), 2);
    assert_int_equal (s_result (f, 3)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 3)->body, "error"),
                             "action"));
    uint64_t mapped = 0;
    assert_int_equal (imc_store_dedup_get (f->store, "k", &mapped), 0);
    assert_int_equal (mapped, 2);
    //  Resolved by its alert, it has the policy's deadlines like any
    im_fields_t *resolved = s_incident (f, 1);
    assert_true (im_fields_has (resolved, "reopen_until_ms"));
    assert_true (im_fields_has (resolved, "close_due_ms"));
    im_fields_destroy (&resolved);
    //  An operator's resolve frees the key too
    s_apply_one (f, s_command ("RESOLVE", 2, NULL, "notes", "s:fixed",
                               "code", "s:solved", NULL));
    assert_int_equal (imc_store_dedup_get (f->store, "k", &mapped), 0);
    assert_int_equal (mapped, 0);
    //  A first trigger needs a title
    s_apply_one (f, s_command ("ALERT", 0, NULL, "dedup_key", "s:k",
                               "action", "s:trigger", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "title"));
}

static uint64_t
s_counter (fixture_t *f, const char *name)
{
    char key [96];
    snprintf (key, sizeof key, "%s%s", IMC_COUNTERS_PREFIX, name);
    uint64_t value = 0;
    assert_int_equal (imc_store_meta_get (f->store, key, &value), 0);
    return value;
}

static void
test_counters_follow_the_log (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:one");
    s_open (f, "s:two");
    s_apply_one (f, s_command ("CLASSIFY", 1, NULL, "priority", "i:2",
                               "category", "s:network", NULL));
    s_apply_one (f, s_command ("RESOLVE", 2, "r-1", "notes", "s:done",
                               "code", "s:solved", NULL));
    s_apply_one (f, s_command ("RESOLVE", 2, "r-1", "notes", "s:done",
                               "code", "s:solved", NULL));
    s_apply_one (f, s_command ("CLOSE", 1, NULL, NULL));   //  Refused
    assert_int_equal (s_counter (f, "events/incident.opened"), 2);
    assert_int_equal (s_counter (f, "events/incident.resolved"), 1);
    assert_int_equal (s_counter (f, "commands/OPEN"), 2);
    assert_int_equal (s_counter (f, "commands/RESOLVE"), 1);   //  Repeat:
    assert_int_equal (s_counter (f, "rejected/CLOSE"), 1);     //  no count
    assert_int_equal (s_counter (f, "incidents/new/2"), 1);
    assert_int_equal (s_counter (f, "incidents/new/0"), 0);
    assert_int_equal (s_counter (f, "incidents/resolved/0"), 1);
    //  A new state machine on the same store carries on from them
    imc_fsm_destroy (&f->fsm);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    s_open (f, "s:three");
    assert_int_equal (s_counter (f, "events/incident.opened"), 3);
    assert_int_equal (s_counter (f, "incidents/new/0"), 1);
}

static void
test_entries_at_or_below_the_applied_index_are_skipped (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:one");
    uint64_t index = f->index;
    im_command_t *command = s_command ("OPEN", 0, NULL, "title", "s:two",
                                       "reporter", "s:r", NULL);
    assert_int_equal (s_apply (f->fsm, index, &command, 1), 0);
    size_t count;
    imc_fsm_results (f->fsm, &count);
    assert_int_equal (count, 0);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);
    //  A new state machine over the same store knows where it was
    imc_fsm_destroy (&f->fsm);
    f->fsm = imc_fsm_new (f->store);
    assert_int_equal (imc_fsm_applied_index (f->fsm), index);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);
}

static void
test_an_entry_that_does_not_decode_changes_nothing_but_the_index (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char junk [16] = "IMQE\0\0\0\x08\xdd\xff\xff\xff\xff";
    assert_int_equal (imc_fsm_apply (f->fsm, 1, junk, sizeof junk), IM_EPROTO);
    assert_int_equal (imc_fsm_applied_index (f->fsm), 1);
    assert_int_equal (imc_fsm_last_seq (f->fsm), 0);
}

static int
s_count_deadline (uint64_t due_ms, uint64_t incident, int clock, void *arg)
{
    (void) due_ms;
    (void) incident;
    (void) clock;
    (*(int *) arg)++;
    return 0;
}

static int
s_deadlines (fixture_t *f, uint64_t due_before)
{
    int count = 0;
    assert_int_equal (imc_store_deadlines_scan (f->store, due_before,
                                                s_count_deadline, &count), 0);
    return count;
}

static int
s_deadlines_after (fixture_t *f, uint64_t due_ms, uint64_t incident,
                   int clock, uint64_t due_before)
{
    int count = 0;
    assert_int_equal (imc_store_deadlines_scan_after (f->store, due_ms,
                                                      incident, clock,
                                                      due_before,
                                                      s_count_deadline,
                                                      &count), 0);
    return count;
}

//  Counts the deadlines of clock
typedef struct {
    int clock;                      //  Clock counted
    int count;                      //  How many
    uint64_t due_ms;                //  Due time of the last one
} s_clock_count_t;

static int
s_count_clock (uint64_t due_ms, uint64_t incident, int clock, void *arg)
{
    (void) incident;
    s_clock_count_t *counted = (s_clock_count_t *) arg;
    if (clock == counted->clock) {
        counted->count++;
        counted->due_ms = due_ms;
    }
    return 0;
}

static s_clock_count_t
s_close_clocks (fixture_t *f)
{
    s_clock_count_t counted = { IM_CLOCK_CLOSE, 0, 0 };
    assert_int_equal (imc_store_deadlines_scan (f->store, UINT64_MAX,
                                                s_count_clock, &counted), 0);
    return counted;
}

static void
test_resolving_runs_the_close_clock_and_late_reopen_follows_up (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:printer jams");
    im_command_t *command = s_command ("RESOLVE", 1, NULL, "notes",
                                       "s:new drum", "code", "s:solved",
                                       NULL);
    uint64_t resolved_at = command->ts_ms;
    s_apply_one (f, command);
    assert_int_equal (s_result (f, 0)->status, 200);
    s_clock_count_t closes = s_close_clocks (f);
    assert_int_equal (closes.count, 1);
    assert_int_equal (closes.due_ms, resolved_at + IM_POLICY_AUTO_CLOSE_MS);

    //  Reopened in time: the close clock stops
    s_apply_one (f, s_command ("REOPEN", 1, NULL, "reason", "s:jams", NULL));
    assert_int_equal (s_close_clocks (f).count, 0);
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:new rollers",
                               "code", "s:solved", NULL));
    assert_int_equal (s_close_clocks (f).count, 1);

    //  Past the window: incident 2 opens as the follow-up, in one entry
    command = s_command ("REOPEN", 1, NULL, "reason", "s:jams again", NULL);
    command->ts_ms += IM_POLICY_REOPEN_WINDOW_MS + 1;
    s_apply_one (f, command);
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "incident", 0),
                      2);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "events", 0),
                      2);
    im_fields_t *incident = s_incident (f, 2);
    assert_string_equal (im_fields_str (incident, "title"), "printer jams");
    assert_string_equal (im_fields_str (incident, "status"), "new");
    assert_int_equal (im_fields_int_or (incident, "follow_up_of", 0), 1);
    im_fields_destroy (&incident);
    incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "status"), "resolved");
    assert_string_equal (im_fields_str (incident, "follow_ups"), "2");
    im_fields_destroy (&incident);

    //  Closing stops the close clock
    s_apply_one (f, s_command ("CLOSE", 1, NULL, NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (s_close_clocks (f).count, 0);
}

static void
test_a_config_applies_at_its_log_position_and_survives_restart (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:badge reader");
    //  Refused as a whole: nothing in the log, the defaults stay
    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text",
                               "s:lifecycle:\n  auto_close: never\n",
                               "source", "s:desk.yaml", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    assert_non_null (strstr (im_fields_str (s_result (f, 0)->body, "error"),
                             "desk.yaml:2:15: error: lifecycle.auto_close"));
    assert_int_equal (imc_fsm_last_seq (f->fsm), 1);

    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text",
                               "s:lifecycle:\n  auto_close: 1m\n",
                               "source", "s:desk.yaml", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "version", 0),
                      1);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "incident",
                                        -1), 0);
    im_command_t *command = s_command ("RESOLVE", 1, NULL, "notes", "s:swap",
                                       "code", "s:solved", NULL);
    uint64_t resolved_at = command->ts_ms;
    s_apply_one (f, command);
    assert_int_equal (s_close_clocks (f).due_ms, resolved_at + 60000);

    //  A state machine opened on the same store has the same policy
    imc_fsm_destroy (&f->fsm);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    s_open (f, "s:second reader");
    command = s_command ("RESOLVE", 2, NULL, "notes", "s:swap", "code",
                         "s:solved", NULL);
    resolved_at = command->ts_ms;
    s_apply_one (f, command);
    s_clock_count_t closes = s_close_clocks (f);
    assert_int_equal (closes.count, 2);
    assert_int_equal (closes.due_ms, resolved_at + 60000);
    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text",
                               "s:lifecycle:\n  auto_close: 2m\n", NULL));
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "version", 0),
                      2);
}

//  Opens an incident reported by reporter
static void
s_open_by (fixture_t *f, const char *title, const char *reporter)
{
    assert_int_equal (s_apply_one (f, s_command (
        "OPEN", 0, NULL, "title", title, "reporter", reporter, NULL)), 0);
    assert_int_equal (s_result (f, 0)->status, 200);
}

static void
test_resolving_a_parent_resolves_its_open_children (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open_by (f, "s:wifi down on floor 3", "s:ann");        //  1, parent
    s_open_by (f, "s:no wifi", "s:bob");                     //  2
    s_open_by (f, "s:wifi gone", "s:cid");                   //  3
    s_open_by (f, "s:cannot connect", "s:dee");              //  4
    for (uint64_t child = 2; child <= 4; child++) {
        s_apply_one (f, s_command ("LINK", child, NULL, "link", "s:parent",
                                   "other", "i:1", NULL));
        assert_int_equal (s_result (f, 0)->status, 200);
        assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "events",
                                            0), 2);
    }
    //  No nesting, no loops, no second parent, no unknown incident
    s_apply_one (f, s_command ("LINK", 1, NULL, "link", "s:parent", "other",
                               "i:2", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("LINK", 2, NULL, "link", "s:parent", "other",
                               "i:3", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("LINK", 2, NULL, "link", "s:parent", "other",
                               "i:99", NULL));
    assert_int_equal (s_result (f, 0)->status, 404);
    s_apply_one (f, s_command ("LINK", 2, NULL, "link", "s:parent", "other",
                               "i:2", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    im_fields_t *parent = s_incident (f, 1);
    assert_string_equal (im_fields_str (parent, "children"), "2,3,4");
    im_fields_destroy (&parent);

    //  4 is unlinked, 3 resolved on its own: only 2 follows the parent
    s_apply_one (f, s_command ("UNLINK", 4, NULL, "other", "i:1", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("RESOLVE", 3, NULL, "notes", "s:rebooted my "
                               "laptop", "code", "s:workaround", NULL));
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:replaced the "
                               "access point", "code", "s:solved", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "events", 0),
                      2);
    im_fields_t *child = s_incident (f, 2);
    assert_string_equal (im_fields_str (child, "status"), "resolved");
    assert_string_equal (im_fields_str (child, "resolution"),
                         "replaced the access point");
    assert_true (im_fields_has (child, "close_due_ms"));
    im_fields_destroy (&child);
    child = s_incident (f, 3);
    assert_string_equal (im_fields_str (child, "resolution_code"),
                         "workaround");
    im_fields_destroy (&child);
    child = s_incident (f, 4);
    assert_string_equal (im_fields_str (child, "status"), "new");
    assert_false (im_fields_has (child, "parent"));
    im_fields_destroy (&child);
    assert_int_equal (s_close_clocks (f).count, 3);
}

//  Finds the last event of type in incident's timeline; copies its
//  payload into found
typedef struct {
    im_event_type_t type;           //  Wanted
    im_fields_t *found;             //  Its payload, when seen
} s_find_t;

static int
s_find_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    s_find_t *find = (s_find_t *) arg;
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    if (event->type == find->type) {
        im_fields_clear (find->found);
        im_fields_merge (find->found, event->payload);
    }
    im_event_destroy (&event);
    return 0;
}

//  Counts the events of no incident by type, in seq order
typedef struct {
    int configs;                    //  config.applied
    int members;                    //  cluster.member
    uint64_t last_seq;              //  Seq of the last seen
    bool ordered;                   //  Every seq above the one before
} s_no_incident_t;

static int
s_no_incident_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_no_incident_t *seen = (s_no_incident_t *) arg;
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    seen->configs += event->type == IM_EV_CONFIGURED;
    seen->members += event->type == IM_EV_MEMBER;
    seen->ordered &= seq > seen->last_seq;
    seen->last_seq = seq;
    im_event_destroy (&event);
    return 0;
}

static void
test_a_member_is_an_event_of_no_incident_beside_the_policies (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text",
                               "s:lifecycle:\n  auto_close: 1m\n", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("MEMBER", 0, "add-4", "node", "i:4", "raft",
                               "s:127.0.0.1:7702", "client",
                               "s:tcp://127.0.0.1:7700", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "incident",
                                        -1), 0);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "events", 0),
                      1);

    //  Reopened, the state machine still has policy 1 in force, though
    //  a member is the newest event of no incident
    imc_fsm_destroy (&f->fsm);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text",
                               "s:lifecycle:\n  auto_close: 2m\n", NULL));
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "version", 0),
                      2);
    s_no_incident_t seen = { 0, 0, 0, true };
    assert_int_equal (imc_store_incident_events_scan (f->store, 0,
                                                      s_no_incident_event,
                                                      &seen), 0);
    assert_int_equal (seen.configs, 2);
    assert_int_equal (seen.members, 1);
    assert_true (seen.ordered);
}

//  Collects the seqs of a chain walked back (at most 8)
typedef struct {
    uint64_t seqs [8];              //  As seen, newest first
    size_t count;                   //  How many
} s_back_t;

static int
s_back_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_back_t *back = (s_back_t *) arg;
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    assert_int_equal (event->type, IM_EV_DENIED);
    im_event_destroy (&event);
    assert_true (back->count < 8);
    back->seqs [back->count++] = seq;
    return 0;
}

static void
test_a_denial_is_an_event_on_the_audit_chain (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:badge reader");                           //  seq 1
    im_command_t *deny = s_command ("DENY", 1, "deny-1", "verb", "s:CLASSIFY",
                                    "reason", "s:needs the role classifier",
                                    "node", "i:2", "suppressed", "i:4",
                                    "at_ms", "i:123", NULL);
    snprintf (deny->actor, sizeof deny->actor, "rita");
    s_apply_one (f, deny);
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "incident",
                                        -1), 0);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store, 2, &data, &size), 0);
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    free (data);
    assert_int_equal (event->type, IM_EV_DENIED);
    assert_int_equal (event->incident, 0);
    assert_string_equal (event->actor, "rita");
    const im_fields_t *payload = event->payload;
    assert_string_equal (im_fields_str_or (payload, "verb", ""), "CLASSIFY");
    assert_int_equal (im_fields_int_or (payload, "incident", 0), 1);
    assert_int_equal (im_fields_int_or (payload, "node", 0), 2);
    assert_int_equal (im_fields_int_or (payload, "suppressed", 0), 4);
    assert_int_equal (im_fields_int_or (payload, "at_ms", 0), 123);
    im_event_destroy (&event);
    //  The incident it named is untouched, and so is incident 0's chain
    im_fields_t *incident = s_incident (f, 1);
    assert_int_equal (im_fields_int_or (incident, "last_seq", 0), 1);
    assert_int_equal (im_fields_int_or (incident, "events", 0), 1);
    im_fields_destroy (&incident);
    uint64_t seq = 0;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_CONFIG_SEQ, &seq),
                      0);
    assert_int_equal (seq, 0);
    assert_int_equal (imc_store_meta_get (f->store, IM_META_AUDIT_SEQ, &seq),
                      0);
    assert_int_equal (seq, 2);

    //  After a restart the next denial links to the last; a repeat of a
    //  request id records nothing; a DENY without a verb is refused
    imc_fsm_destroy (&f->fsm);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    s_apply_one (f, s_command ("DENY", 0, "deny-2", "verb", "s:DENIALS",
                               "reason", "s:needs the role analyst",
                               "node", "i:1", NULL));
    s_apply_one (f, s_command ("DENY", 0, "deny-2", "verb", "s:DENIALS",
                               "reason", "s:needs the role analyst",
                               "node", "i:1", NULL));
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "repeat", 0),
                      1);
    s_apply_one (f, s_command ("DENY", 0, NULL, "reason", "s:no verb",
                               "node", "i:1", NULL));
    assert_int_equal (s_result (f, 0)->status, 400);
    s_back_t back = { { 0 }, 0 };
    assert_int_equal (imc_store_meta_get (f->store, IM_META_AUDIT_SEQ, &seq),
                      0);
    assert_int_equal (imc_store_chain_scan_back (f->store, seq, s_back_event,
                                                 &back), 0);
    assert_int_equal (back.count, 2);
    assert_int_equal (back.seqs [0], 3);
    assert_int_equal (back.seqs [1], 2);
    assert_int_equal (s_counter (f, "events/access.denied"), 2);
}

static void
test_a_major_parent_resolves_its_children_without_broadcasts (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_apply_one (f, s_command ("CONFIG", 0, NULL, "text", "s:agents: "
                               "[{name: tester, roles: [incident_manager]}]",
                               NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_open_by (f, "s:payments down", "s:ops");               //  1
    s_open_by (f, "s:cannot pay", "s:amy");                  //  2
    s_apply_one (f, s_command ("LINK", 2, NULL, "link", "s:parent", "other",
                               "i:1", NULL));
    s_apply_one (f, s_command ("MAJOR", 1, NULL, "action", "s:propose",
                               NULL));
    s_apply_one (f, s_command ("MAJOR", 1, NULL, "action", "s:accept",
                               "commander", "s:carl", "cadence_ms",
                               "i:60000", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("RESOLVE", 1, NULL, "notes", "s:failed over",
                               "code", "s:solved", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_find_t find = { IM_EV_RESOLVED, im_fields_new () };
    assert_int_equal (imc_store_incident_events_scan (f->store, 1,
                                                      s_find_event, &find), 0);
    assert_int_equal (im_fields_int_or (find.found, "major", 0), 1);
    assert_false (im_fields_has (find.found, "close_due_ms"));
    im_fields_clear (find.found);
    assert_int_equal (imc_store_incident_events_scan (f->store, 2,
                                                      s_find_event, &find), 0);
    assert_string_equal (im_fields_str (find.found, "notes"), "failed over");
    assert_false (im_fields_has (find.found, "major"));
    assert_int_equal (im_fields_int_or (find.found, "parent", 0), 1);
    im_fields_destroy (&find.found);
}

static void
test_a_duplicate_merges_into_its_survivor (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open_by (f, "s:printer jams", "s:ann");                //  1
    s_open_by (f, "s:printer on 2 jams", "s:bob");           //  2
    s_apply_one (f, s_command ("COMMENT", 2, NULL, "text", "s:tray 2", NULL));
    s_apply_one (f, s_command ("LINK", 2, NULL, "link", "s:duplicate_of",
                               "other", "i:1", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    assert_int_equal (im_fields_int_or (s_result (f, 0)->body, "events", 0),
                      3);
    im_fields_t *duplicate = s_incident (f, 2);
    assert_string_equal (im_fields_str (duplicate, "status"), "closed");
    assert_int_equal (im_fields_int_or (duplicate, "duplicate_of", 0), 1);
    im_fields_destroy (&duplicate);
    im_fields_t *survivor = s_incident (f, 1);
    assert_string_equal (im_fields_str (survivor, "status"), "new");
    assert_string_equal (im_fields_str (survivor, "duplicates"), "2");
    assert_string_equal (im_fields_str (survivor, "reporters"), "bob");
    //  The duplicate's comment is among the survivor's notes
    assert_non_null (strstr (im_fields_str_or (survivor, "notes", ""),
                             "[from duplicate 2] "));
    assert_non_null (strstr (im_fields_str_or (survivor, "notes", ""),
                             "tray 2"));
    im_fields_destroy (&survivor);
    //  A closed incident links to nothing
    s_open_by (f, "s:third", "s:cid");
    s_apply_one (f, s_command ("LINK", 3, NULL, "link", "s:related", "other",
                               "i:2", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("LINK", 3, NULL, "link", "s:related", "other",
                               "i:1", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    survivor = s_incident (f, 1);
    assert_string_equal (im_fields_str (survivor, "related"), "3");
    im_fields_destroy (&survivor);
}

static void
test_sla_breach_is_checked_against_times (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, "s:db slow");        //  ts 1000000 (incident 0 + 1e6)
    s_apply_one (f, s_command ("SLA-START", 1, NULL, "priority", "i:2",
                               "calendar", "s:office",
                               "response_due_ms", "i:1000001",
                               "resolution_due_ms", "i:1000005", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    //  The calendar's name is recorded with the deadlines
    im_fields_t *started = s_incident (f, 1);
    assert_string_equal (im_fields_str (started, "sla_calendar"), "office");
    im_fields_destroy (&started);
    //  Both clocks run, and the index of deadlines knows them by due time
    assert_int_equal (s_deadlines (f, UINT64_MAX), 2);
    assert_int_equal (s_deadlines (f, 1000001), 1);
    assert_int_equal (s_deadlines (f, 1000000), 0);
    //  A page after a clock holds what sorts after it, by due time,
    //  incident and clock, and due by due_before
    assert_int_equal (s_deadlines_after (f, 1000001, 0, IM_CLOCKS, UINT64_MAX),
                      2);
    assert_int_equal (s_deadlines_after (f, 1000001, 1, IM_CLOCK_RESPONSE,
                                         UINT64_MAX), 1);
    assert_int_equal (s_deadlines_after (f, 1000001, 1, IM_CLOCK_RESPONSE,
                                         1000004), 0);
    assert_int_equal (s_deadlines_after (f, 1000005, 1, IM_CLOCK_RESOLUTION,
                                         UINT64_MAX), 0);
    //  The wrong deadline, or one not yet due, is refused
    s_apply_one (f, s_command ("SLA-BREACH", 1, NULL, "clock", "s:response",
                               "due_ms", "i:999", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);
    s_apply_one (f, s_command ("SLA-BREACH", 1, NULL, "clock", "s:resolution",
                               "due_ms", "i:1000005", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);    //  ts 1000001
    s_apply_one (f, s_command ("SLA-BREACH", 1, NULL, "clock", "s:response",
                               "due_ms", "i:1000001", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    s_apply_one (f, s_command ("SLA-BREACH", 1, NULL, "clock", "s:response",
                               "due_ms", "i:1000001", NULL));
    assert_int_equal (s_result (f, 0)->status, 409);    //  Not running now
    s_apply_one (f, s_command ("SLA-STOP", 1, NULL, "clock", "s:resolution",
                               "at_ms", "i:1000003", NULL));
    assert_int_equal (s_result (f, 0)->status, 200);
    im_fields_t *incident = s_incident (f, 1);
    assert_string_equal (im_fields_str (incident, "sla_response"), "breached");
    assert_string_equal (im_fields_str (incident, "sla_resolution"), "met");
    assert_int_equal (im_fields_int_or (incident, "breaches", 0), 1);
    im_fields_destroy (&incident);
    //  Neither clock runs now: the index is empty
    assert_int_equal (s_deadlines (f, UINT64_MAX), 0);
}

//  A scripted day at the desk, applied in entries of several commands
static void
s_script (imc_fsm_t *fsm)
{
    uint64_t index = 0;
    for (int round = 0; round < 20; round++) {
        uint64_t id = (uint64_t) round + 1;
        char title [32];
        snprintf (title, sizeof title, "s:incident %d", round);
        im_command_t *batch [6] = {
            s_command ("OPEN", 0, NULL, "title", title, "reporter", "s:r",
                       "impact", round % 2 ? "i:1" : "i:3", NULL),
            s_command ("CLASSIFY", id, NULL, "priority", "i:3", "category",
                       "s:network", NULL),
            s_command ("ASSIGN", id, NULL, "group", "s:desk", "agent", "s:bo",
                       NULL),
            s_command ("SLA-START", id, NULL, "priority", "i:3",
                       "response_due_ms", "i:1000050",
                       "resolution_due_ms", "i:1000900", NULL),
            s_command ("ACK", id, NULL, NULL),
            s_command ("NOTIFY", id, NULL, "recipient", "s:bo", "channel",
                       "s:file", "reason", "s:assigned", "about_seq", "i:3",
                       NULL),
        };
        assert_int_equal (s_apply (fsm, ++index, batch, 6), 0);
        if (round % 3 == 0) {
            im_command_t *more [2] = {
                s_command ("RESOLVE", id, NULL, "notes", "s:done", "code",
                           "s:workaround", NULL),
                s_command ("ASSIGN", id, NULL, "agent", "s:cy", NULL),
            };
            assert_int_equal (s_apply (fsm, ++index, more, 2), 0);
        }
        im_command_t *alerts [3] = {
            s_alert (round % 2 ? "s:odd" : "s:even", "s:trigger"),
            s_alert ("s:odd", "s:trigger"),
            s_alert ("s:even", round % 4 ? "s:acknowledge" : "s:resolve"),
        };
        assert_int_equal (s_apply (fsm, ++index, alerts, 3), 0);
        if (round == 0) {           //  A policy from here on
            im_command_t *config = s_command (
                "CONFIG", 0, NULL, "text",
                "s:lifecycle: {auto_close: 1h, reopen_window: 1d}\n", NULL);
            assert_int_equal (s_apply (fsm, ++index, &config, 1), 0);
        }
    }
    //  Links, a parent resolving its child, a merge, a major incident,
    //  among eight incidents opened for them (their ids from the replies)
    im_command_t *opens [8];
    for (int open = 0; open < 8; open++)
        opens [open] = s_command ("OPEN", 0, NULL, "title", "s:linked",
                                  "reporter", "s:r", NULL);
    assert_int_equal (s_apply (fsm, ++index, opens, 8), 0);
    size_t count;
    const imc_fsm_result_t *results = imc_fsm_results (fsm, &count);
    char id [8][24];
    for (size_t open = 0; open < 8; open++)
        snprintf (id [open], sizeof id [open], "i:%" PRId64,
                  im_fields_int_or (results [open].body, "incident", 0));
    im_command_t *links [7] = {
        s_command ("LINK", strtoull (id [1] + 2, NULL, 10), NULL, "link",
                   "s:parent", "other", id [0], NULL),
        s_command ("LINK", strtoull (id [3] + 2, NULL, 10), NULL, "link",
                   "s:related", "other", id [2], NULL),
        s_command ("LINK", strtoull (id [5] + 2, NULL, 10), NULL, "link",
                   "s:duplicate_of", "other", id [4], NULL),
        s_command ("RESOLVE", strtoull (id [0] + 2, NULL, 10), NULL, "notes",
                   "s:fixed", "code", "s:solved", NULL),
        s_command ("MAJOR", strtoull (id [6] + 2, NULL, 10), NULL, "action",
                   "s:propose", NULL),
        s_command ("CONVERT", strtoull (id [7] + 2, NULL, 10), NULL, "type",
                   "s:request", "reason", "s:routine", NULL),
        s_command ("REVIEW", strtoull (id [0] + 2, NULL, 10), NULL, "summary",
                   "s:s", "root_cause", "s:r", "actions", "s:a", NULL),
    };
    assert_int_equal (s_apply (fsm, ++index, links, 7), 0);
    results = imc_fsm_results (fsm, &count);
    assert_int_equal (count, 7);
    for (size_t result = 0; result < count; result++)
        assert_int_equal (results [result].status, 200);
}

static int
s_append_kv (const void *key, size_t key_size, const void *value,
             size_t value_size, void *arg)
{
    zchunk_t *chunk = (zchunk_t *) arg;
    zchunk_extend (chunk, key, key_size);
    zchunk_extend (chunk, value, value_size);
    return 0;
}

static zchunk_t *
s_dump (imc_store_t *store, const char *cf)
{
    zchunk_t *chunk = zchunk_new (NULL, 0);
    assert_int_equal (imc_store_cf_scan (store, cf, s_append_kv, chunk), 0);
    return chunk;
}

static void
test_same_commands_give_the_same_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_store_t *other = s_store_open (f->dir, "b");
    imc_fsm_t *other_fsm = imc_fsm_new (other);
    s_script (f->fsm);
    s_script (other_fsm);
    const char *cfs [] = { "events", "incidents", "meta", "dedup",
                           "deadlines" };
    for (size_t index = 0; index < 5; index++) {
        zchunk_t *a = s_dump (f->store, cfs [index]);
        zchunk_t *b = s_dump (other, cfs [index]);
        assert_true (zchunk_size (a) > 0);
        assert_int_equal (zchunk_size (a), zchunk_size (b));
        assert_memory_equal (zchunk_data (a), zchunk_data (b), zchunk_size (a));
        zchunk_destroy (&a);
        zchunk_destroy (&b);
    }
    imc_fsm_destroy (&other_fsm);
    imc_store_destroy (&other);
}

//  Folds every event of the log into projections, as a replay does
typedef struct {
    zhashx_t *incidents;            //  "id" -> fields
} s_replay_t;

static int
s_replay_event (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_replay_t *replay = (s_replay_t *) arg;
    im_event_t *event = im_event_new ();
    assert_int_equal (im_event_decode (event, data, size, NULL, 0), 0);
    assert_int_equal (event->seq, seq);
    if (event->incident == 0) {     //  The policy: no incident's
        im_event_destroy (&event);
        return 0;
    }
    char key [24];
    snprintf (key, sizeof key, "%" PRIu64, event->incident);
    im_fields_t *incident = (im_fields_t *) zhashx_lookup (replay->incidents,
                                                           key);
    if (!incident) {
        incident = im_fields_new ();
        zhashx_insert (replay->incidents, key, incident);
    }
    imc_incident_evolve (incident, event);
    im_event_destroy (&event);
    return 0;
}

static int
s_compare_projection (uint64_t id, const void *data, size_t size, void *arg)
{
    s_replay_t *replay = (s_replay_t *) arg;
    char key [24];
    snprintf (key, sizeof key, "%" PRIu64, id);
    im_fields_t *rebuilt = (im_fields_t *) zhashx_lookup (replay->incidents,
                                                          key);
    assert_non_null (rebuilt);
    char *bytes;
    size_t length;
    assert_int_equal (im_fields_encode (rebuilt, &bytes, &length), 0);
    assert_int_equal (length, size);
    assert_memory_equal (bytes, data, size);
    free (bytes);
    zhashx_delete (replay->incidents, key);
    return 0;
}

static void
s_fields_free (void **item)
{
    im_fields_destroy ((im_fields_t **) item);
}

static void
test_replaying_the_log_rebuilds_identical_projections (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_script (f->fsm);
    s_replay_t replay = { zhashx_new () };
    zhashx_set_destructor (replay.incidents, s_fields_free);
    assert_int_equal (imc_store_events_scan (f->store, 1, 0, s_replay_event,
                                             &replay), 0);
    uint64_t next_id = 0;
    assert_int_equal (imc_store_meta_get (f->store, IM_META_NEXT_ID, &next_id),
                      0);
    assert_true (next_id > 21);         //  20 opened, and the alerts'
    assert_int_equal (zhashx_size (replay.incidents), next_id - 1);
    assert_int_equal (imc_store_incidents_scan (f->store, 1,
                                                s_compare_projection, &replay),
                      0);
    assert_int_equal (zhashx_size (replay.incidents), 0);  //  All matched
    zhashx_destroy (&replay.incidents);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_open_makes_an_event_and_a_projection),
        T (test_lifecycle_checks_transitions),
        T (test_bad_arguments_are_named),
        T (test_repeated_request_id_answers_the_first_result),
        T (test_alerts_with_one_dedup_key_add_to_one_open_incident),
        T (test_resolve_and_trigger_in_one_entry_open_a_new_incident),
        T (test_counters_follow_the_log),
        T (test_entries_at_or_below_the_applied_index_are_skipped),
        T (test_an_entry_that_does_not_decode_changes_nothing_but_the_index),
        T (test_sla_breach_is_checked_against_times),
        T (test_resolving_runs_the_close_clock_and_late_reopen_follows_up),
        T (test_a_config_applies_at_its_log_position_and_survives_restart),
        T (test_a_member_is_an_event_of_no_incident_beside_the_policies),
        T (test_a_denial_is_an_event_on_the_audit_chain),
        T (test_resolving_a_parent_resolves_its_open_children),
        T (test_a_major_parent_resolves_its_children_without_broadcasts),
        T (test_a_duplicate_merges_into_its_survivor),
        T (test_same_commands_give_the_same_bytes),
        T (test_replaying_the_log_rebuilds_identical_projections),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
