/*  e2e_sla_report - imqctl sla report against what the clocks did

    A real broker and the three workers, with a response target of
    seconds and a long resolution target in the 24x7 calendar. Some
    incidents are acknowledged and resolved at once (their clocks met),
    some acknowledged only after the response clock breached (missed,
    with the time it ran), one resolved after that breach without an
    acknowledgement (the resolution stops both clocks), one never
    touched (missed, still running). The SLA
    timer measures each clock as it stops it; in 24x7 what ran is the
    stop less the classification, which the test checks on every
    sla.stopped. Then `imqctl sla report` is run as an analyst, in each
    of its three forms, and its figures are held against the ones the
    test worked out from the timelines; an agent is refused.
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
#define RESOLUTION_MS   600000
#define MET             3           //  Incidents acknowledged at once
#define LATE            2           //  Acknowledged after the breach
#define ALL             (MET + LATE + 2)

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    for (int index = 0; index < 5; index++) {
        options.response_ms [index] = RESPONSE_MS;
        options.resolution_ms [index] = RESOLUTION_MS;
    }
    imh_t *harness = imh_new_node ("sla-report", &options, true, NULL);
    *state = harness;
    return harness ? 0 : -1;
}

typedef struct {
    imh_t *harness;                 //  The node
    uint64_t incident;              //  Watched
    const char *type;               //  Event type waited for
    const char *clock;              //  Its clock, or NULL
} s_watch_t;

static bool
s_seen (void *arg)
{
    s_watch_t *watch = (s_watch_t *) arg;
    im_event_t *event = im_event_new ();
    bool seen = imh_find_event (watch->harness, watch->incident,
                                watch->type, watch->clock ? "clock" : NULL,
                                watch->clock, event);
    im_event_destroy (&event);
    return seen;
}

//  Waits for the event and copies it into found
static void
s_wait_event (imh_t *harness, uint64_t incident, const char *type,
              const char *clock, im_event_t *found)
{
    s_watch_t watch = { harness, incident, type, clock };
    if (!imh_wait_for (s_seen, &watch, WAIT_MS))
        fail_msg ("no %s (%s) for incident %" PRIu64, type,
                  clock ? clock : "-", incident);
    assert_true (imh_find_event (harness, incident, type,
                                 clock ? "clock" : NULL, clock, found));
}

//  What the test expects of one kind of clock
typedef struct {
    int64_t met;                    //  Clocks that met
    int64_t missed;                 //  That missed
    int64_t timed;                  //  With a working time
    int64_t sum_ms;                 //  Their working times
    int64_t worst_ms;               //  The longest
} s_expect_t;

//  Waits for incident's sla.stopped of clock, checks its result and
//  that its working time is the time since the classification (24x7),
//  and adds it to expect
static void
s_stopped (imh_t *h, uint64_t incident, const char *clock,
           const char *result, s_expect_t *expect)
{
    im_event_t *stopped = im_event_new ();
    im_event_t *classified = im_event_new ();
    s_wait_event (h, incident, "sla.stopped", clock, stopped);
    assert_true (imh_find_event (h, incident, "incident.classified", NULL,
                                 NULL, classified));
    assert_string_equal (im_fields_str_or (stopped->payload, "result", ""),
                         result);
    int64_t at = im_fields_int_or (stopped->payload, "at_ms", 0);
    int64_t business = im_fields_int_or (stopped->payload, "business_ms", -1);
    assert_int_equal (business, at - (int64_t) classified->ts_ms);
    if (streq (result, "met"))
        expect->met++;
    else
        expect->missed++;
    expect->timed++;
    expect->sum_ms += business;
    if (business > expect->worst_ms)
        expect->worst_ms = business;
    im_event_destroy (&classified);
    im_event_destroy (&stopped);
}

//  Checks the figures of one clock kind in a JSON group
static void
s_check_json_clock (const json_t *group, const char *clock,
                    const s_expect_t *expect)
{
    const json_t *figures = json_object_get (group, clock);
    assert_non_null (figures);
    assert_int_equal (imh_json_int (figures, "met"), expect->met);
    assert_int_equal (imh_json_int (figures, "missed"), expect->missed);
    assert_int_equal (imh_json_int (figures, "timed"), expect->timed);
    int64_t avg = expect->timed
        ? (expect->sum_ms + expect->timed / 2) / expect->timed : 0;
    assert_int_equal (imh_json_int (figures, "avg_ms"), avg);
    assert_int_equal (imh_json_int (figures, "worst_ms"), expect->worst_ms);
}

//  The CSV line that starts with first, copied into line (without its
//  CRLF); false when there is none
static bool
s_csv_line (const char *text, const char *first, char *line, size_t size)
{
    size_t length = strlen (first);
    for (const char *at = text; at && *at; ) {
        const char *end = strstr (at, "\r\n");
        if (!end)
            return false;
        if (strncmp (at, first, length) == 0 && at [length] == ',') {
            snprintf (line, size, "%.*s", (int) (end - at), at);
            return true;
        }
        at = end + 2;
    }
    return false;
}

static void
test_the_report_matches_what_the_clocks_did (void **state)
{
    imh_t *h = (imh_t *) *state;
    uint64_t since = im_now_ms () - 1000;
    s_expect_t response = { 0 }, resolution = { 0 };
    uint64_t ids [ALL];
    im_event_t *event = im_event_new ();
    for (int index = 0; index < ALL; index++) {
        char title [32];
        snprintf (title, sizeof title, "Printer %d offline", index);
        json_t *reply = imh_ctl_json (h, "open", "--title", title,
                                      "--reporter", "erin", NULL);
        assert_non_null (reply);
        ids [index] = (uint64_t) imh_json_int (reply, "incident");
        json_decref (reply);
        s_wait_event (h, ids [index], "sla.started", NULL, event);
        //  Met: acknowledged at once, well before the deadline
        char text [24];
        snprintf (text, sizeof text, "%" PRIu64, ids [index]);
        if (index < MET)
            assert_int_equal (imh_ctl (h, NULL, "ack", text, NULL), 0);
    }
    //  and resolved, long before the resolution deadline
    for (int index = 0; index < MET; index++) {
        char text [24];
        snprintf (text, sizeof text, "%" PRIu64, ids [index]);
        s_stopped (h, ids [index], "response", "met", &response);
        assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code",
                                   "fixed", "--notes", "new toner", NULL),
                          0);
        s_stopped (h, ids [index], "resolution", "met", &resolution);
    }
    //  Late: the response clock breaches, then the acknowledgement stops
    //  it, breached, with the time it ran
    for (int index = MET; index < MET + LATE; index++) {
        char text [24];
        snprintf (text, sizeof text, "%" PRIu64, ids [index]);
        s_wait_event (h, ids [index], "sla.breached", "response", event);
        assert_int_equal (imh_ctl (h, NULL, "ack", text, NULL), 0);
        s_stopped (h, ids [index], "response", "breached", &response);
        assert_true (response.worst_ms >= RESPONSE_MS);
    }
    //  Resolved after the response breach, never acknowledged: the
    //  resolution stops the breached response clock too
    char text [24];
    snprintf (text, sizeof text, "%" PRIu64, ids [ALL - 2]);
    s_wait_event (h, ids [ALL - 2], "sla.breached", "response", event);
    assert_int_equal (imh_ctl (h, NULL, "resolve", text, "--code", "fixed",
                               "--notes", "rebooted", NULL), 0);
    s_stopped (h, ids [ALL - 2], "response", "breached", &response);
    s_stopped (h, ids [ALL - 2], "resolution", "met", &resolution);
    //  Never acknowledged: missed, still running, no time
    s_wait_event (h, ids [ALL - 1], "sla.breached", "response", event);
    response.missed++;
    im_event_destroy (&event);
    uint64_t until = im_now_ms () + 1000;
    char since_text [24], until_text [24];
    snprintf (since_text, sizeof since_text, "%" PRIu64, since);
    snprintf (until_text, sizeof until_text, "%" PRIu64, until);
    char analyst [512], agent [512];
    assert_int_equal (imh_cert (h, "ana", "analyst", analyst,
                                sizeof analyst), 0);
    assert_int_equal (imh_cert (h, "carl", "agent", agent, sizeof agent), 0);

    //  JSON, by priority: every incident in one priority or another
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--as", "ana", "--json", "sla",
                               "report", "--since", since_text, "--until",
                               until_text, "--by", "priority", NULL), 0);
    json_error_t error;
    json_t *json = json_loads (run.out, 0, &error);
    if (!json)
        fail_msg ("not JSON: %s\n%s", error.text, run.out);
    imh_run_clear (&run);
    const json_t *total = json_object_get (json, "total");
    assert_non_null (total);
    int64_t clocks = response.met + response.missed + resolution.met;
    assert_int_equal (imh_json_int (total, "clocks"), clocks);
    assert_int_equal (imh_json_int (total, "met"),
                      response.met + resolution.met);
    assert_int_equal (imh_json_int (total, "missed"), response.missed);
    s_check_json_clock (total, "response", &response);
    s_check_json_clock (total, "resolution", &resolution);
    const json_t *groups = json_object_get (json, "groups");
    assert_true (json_array_size (groups) >= 1);
    int64_t grouped = 0;
    for (size_t index = 0; index < json_array_size (groups); index++) {
        const json_t *group = json_array_get (groups, index);
        assert_int_equal (imh_json_str (group, "group") [0], 'P');
        grouped += imh_json_int (group, "clocks");
    }
    assert_int_equal (grouped, clocks);
    double percent = json_real_value (json_object_get (total, "met_pct"));
    int64_t tenths = ((response.met + resolution.met) * 1000 + clocks / 2)
                   / clocks;
    assert_true (percent > (double) tenths / 10.0 - 0.01
                 && percent < (double) tenths / 10.0 + 0.01);
    json_decref (json);

    //  CSV: the header, then the total with the same figures
    assert_int_equal (imh_ctl (h, &run, "--as", "ana", "sla", "report",
                               "--since", since_text, "--until",
                               until_text, "--csv", NULL), 0);
    const char *header = "group,clocks,met,missed,met_pct,response_met,"
                         "response_missed,response_timed,response_avg_ms,"
                         "response_worst_ms,resolution_met,"
                         "resolution_missed,resolution_timed,"
                         "resolution_avg_ms,resolution_worst_ms\r\n";
    assert_int_equal (strncmp (run.out, header, strlen (header)), 0);
    char line [512], expected [512];
    assert_true (s_csv_line (run.out, "(total)", line, sizeof line));
    int64_t avg = (response.sum_ms + response.timed / 2) / response.timed;
    snprintf (expected, sizeof expected,
              "(total),%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
              ".%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
              ",%" PRId64 ",%" PRId64 ",0,%" PRId64,
              clocks, response.met + resolution.met, response.missed,
              tenths / 10, tenths % 10, response.met, response.missed,
              response.timed, avg, response.worst_ms, resolution.met,
              resolution.timed);
    if (strncmp (line, expected, strlen (expected)) != 0)
        fail_msg ("CSV total '%s', expected it to start '%s'", line,
                  expected);
    imh_run_clear (&run);

    //  The table: a TOTAL line with the count of clocks
    assert_int_equal (imh_ctl (h, &run, "--as", "ana", "sla", "report",
                               "--since", since_text, "--until",
                               until_text, "--by", "category", NULL), 0);
    const char *row = strstr (run.out, "\nTOTAL");
    assert_non_null (row);
    long listed = 0;
    assert_int_equal (sscanf (row, "\nTOTAL %ld", &listed), 1);
    assert_int_equal (listed, clocks);
    assert_non_null (strstr (run.out, "RESPOND-AVG"));
    assert_non_null (strstr (run.out, "without a measured time"));
    imh_run_clear (&run);

    //  imqctl show gives the working time a clock ran as a length
    snprintf (text, sizeof text, "%" PRIu64, ids [0]);
    assert_int_equal (imh_ctl (h, &run, "show", text, NULL), 0);
    const char *shown = strstr (run.out, "sla_response_business_ms");
    assert_non_null (shown);
    char shown_line [256];
    snprintf (shown_line, sizeof shown_line, "%.*s",
              (int) strcspn (shown, "\n"), shown);
    assert_non_null (strstr (shown_line, " ms)"));
    assert_null (strstr (shown_line, "ago"));
    imh_run_clear (&run);

    //  A range before any of it is empty; a range backwards is refused
    //  by imqctl, an unknown grouping too, and an agent by the broker
    json = imh_ctl_json (h, "--as", "ana", "sla", "report", "--since", "0",
                         "--until", "1000", NULL);
    assert_non_null (json);
    assert_int_equal (imh_json_int (json_object_get (json, "total"),
                                    "clocks"), 0);
    json_decref (json);
    assert_int_equal (imh_ctl (h, &run, "--as", "ana", "sla", "report",
                               "--since", until_text, "--until", since_text,
                               NULL), 2);
    assert_non_null (strstr (run.err, "after --until"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "--as", "ana", "sla", "report",
                               "--since", "1d", "--by", "colour", NULL), 2);
    assert_int_equal (imh_ctl (h, &run, "--as", "carl", "sla", "report",
                               "--since", "1d", NULL), 1);
    assert_non_null (strstr (run.err, "analyst"));
    imh_run_clear (&run);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_the_report_matches_what_the_clocks_did, s_setup,
            imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
