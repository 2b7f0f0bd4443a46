/*  test_imc_fsm_sla - SLA clocks paused and resumed by the state machine

    Runs the real state machine over a real RocksDB in a temp directory,
    with each command's leader stamp set by the test: the SLA timer's
    SLA-PAUSE and SLA-RESUME are checked against the incident's status
    and clocks, recorded in the projection, and kept in step with the
    deadlines index.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_store.h"
#include "imc_incident.h"
#include "imc_fsm.h"

#define T0  1000000                 //  The tests' first stamp

typedef struct {
    char dir [256];                 //  Temp directory, removed in teardown
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  State machine under test
    uint64_t index;                 //  Last Raft index used
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imc-fsm-sla-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    char path [300], errbuf [256];
    snprintf (path, sizeof path, "%s/store", f->dir);
    f->store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (f->store);
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
    im_remove_tree (f->dir);        //  A mktemp tree of its own
    free (f);
    return 0;
}

//  Applies one command stamped ts_ms to incident 1: verb, then key/value
//  pairs ("key", "s:text" or "i:123"), NULL-terminated. Returns the
//  status of its result.
static int
s_do (fixture_t *f, uint64_t ts_ms, const char *verb, ...)
{
    im_command_t *command = im_command_new ();
    command->type = im_command_type_from_name (verb);
    assert_int_not_equal (command->type, IM_CMD_NONE);
    command->incident = streq (verb, "OPEN") ? 0 : 1;
    command->ts_ms = ts_ms;
    snprintf (command->actor, sizeof command->actor, "tester");
    va_list args;
    va_start (args, verb);
    const char *key = va_arg (args, const char *);
    while (key) {
        const char *value = va_arg (args, const char *);
        if (value [0] == 'i')
            im_fields_set_int (command->args, key,
                               strtoll (value + 2, NULL, 10));
        else
            im_fields_set_str (command->args, key, value + 2);
        key = va_arg (args, const char *);
    }
    va_end (args);
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (&command, 1, malloc, &data, &size), 0);
    assert_int_equal (imc_fsm_apply (f->fsm, ++f->index, data, size), 0);
    free (data);
    im_command_destroy (&command);
    size_t count;
    const imc_fsm_result_t *results = imc_fsm_results (f->fsm, &count);
    assert_int_equal (count, 1);
    return results [0].status;
}

static im_fields_t *
s_incident (fixture_t *f)
{
    im_fields_t *incident = NULL;
    assert_int_equal (imc_store_incident_get (f->store, 1, &incident), 0);
    return incident;
}

//  The last event recorded (the caller destroys it)
static im_event_t *
s_last_event (fixture_t *f)
{
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (imc_store_event_get (f->store,
                                           imc_fsm_last_seq (f->fsm),
                                           &data, &size), 0);
    im_event_t *event = im_event_new ();
    char errbuf [256];
    assert_int_equal (im_event_decode (event, data, size, errbuf,
                                       sizeof errbuf), 0);
    free (data);
    return event;
}

//  Finds clock's deadline in the index
typedef struct {
    int clock;                      //  Clock looked for
    int count;                      //  Its entries
    uint64_t due_ms;                //  The last one's due time
} s_found_t;

static int
s_find_clock (uint64_t due_ms, uint64_t incident, int clock, void *arg)
{
    s_found_t *found = (s_found_t *) arg;
    if (incident == 1 && clock == found->clock) {
        found->count++;
        found->due_ms = due_ms;
    }
    return 0;
}

static s_found_t
s_indexed (fixture_t *f, int clock)
{
    s_found_t found = { clock, 0, 0 };
    assert_int_equal (imc_store_deadlines_scan (f->store, UINT64_MAX,
                                                s_find_clock, &found), 0);
    return found;
}

//  Opens incident 1, starts its clocks (response due at T0 + 100,
//  resolution at T0 + 500) and assigns it
static void
s_start (fixture_t *f)
{
    assert_int_equal (s_do (f, T0, "OPEN", "title", "s:vpn drops",
                            "reporter", "s:ann", NULL), 200);
    assert_int_equal (s_do (f, T0, "SLA-START", "priority", "i:3",
                            "calendar", "s:office",
                            "response_due_ms", "i:1000100",
                            "resolution_due_ms", "i:1000500", NULL), 200);
    //  Only an assigned incident can be put on hold
    assert_int_equal (s_do (f, T0, "ASSIGN", "group", "s:desk", "agent",
                            "s:bob", NULL), 200);
}

static void
test_a_pending_incident_pauses_and_resumes_its_clocks (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    //  Not pending: no pause
    assert_int_equal (s_do (f, T0 + 5, "SLA-PAUSE", "clock", "s:response",
                            "at_ms", "i:1000005", "remaining_ms", "i:95",
                            NULL), 409);
    //  incident.pending names the running clocks' deadlines and calendar
    assert_int_equal (s_do (f, T0 + 10, "PEND", "reason",
                            "s:awaiting_vendor", NULL), 200);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_PENDING);
    assert_int_equal (im_fields_int_or (event->payload,
                                        "sla_response_due_ms", 0), T0 + 100);
    assert_int_equal (im_fields_int_or (event->payload,
                                        "sla_resolution_due_ms", 0), T0 + 500);
    assert_string_equal (im_fields_str (event->payload, "sla_calendar"),
                         "office");
    im_event_destroy (&event);

    assert_int_equal (s_do (f, T0 + 10, "SLA-PAUSE", "clock", "s:response",
                            "at_ms", "i:1000010", "remaining_ms", "i:90",
                            NULL), 200);
    im_fields_t *incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_response"), "paused");
    assert_int_equal (im_fields_int_or (incident,
                                        "sla_response_remaining_ms", 0), 90);
    im_fields_destroy (&incident);
    //  Out of the index: SLA-CLOCKS does not list it, and it never
    //  breaches
    assert_int_equal (s_indexed (f, IM_CLOCK_RESPONSE).count, 0);
    assert_int_equal (s_indexed (f, IM_CLOCK_RESOLUTION).count, 1);
    assert_int_equal (s_do (f, T0 + 200, "SLA-BREACH", "clock", "s:response",
                            "due_ms", "i:1000100", NULL), 409);
    //  Paused twice, or resumed while pending: refused
    assert_int_equal (s_do (f, T0 + 20, "SLA-PAUSE", "clock", "s:response",
                            "at_ms", "i:1000020", "remaining_ms", "i:80",
                            NULL), 409);
    assert_int_equal (s_do (f, T0 + 20, "SLA-RESUME", "clock", "s:response",
                            "at_ms", "i:1000020", "due_ms", "i:1000110",
                            NULL), 409);

    //  incident.resumed names the paused clocks' working time left
    assert_int_equal (s_do (f, T0 + 50, "RESUME", NULL), 200);
    event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_RESUMED);
    assert_int_equal (im_fields_int_or (event->payload,
                                        "sla_response_remaining_ms", 0), 90);
    assert_false (im_fields_has (event->payload,
                                 "sla_resolution_remaining_ms"));
    im_event_destroy (&event);
    //  A resume before the pause, or due before the resume: refused
    assert_int_equal (s_do (f, T0 + 50, "SLA-RESUME", "clock", "s:response",
                            "at_ms", "i:1000005", "due_ms", "i:1000140",
                            NULL), 400);
    assert_int_equal (s_do (f, T0 + 50, "SLA-RESUME", "clock", "s:response",
                            "at_ms", "i:1000050", "due_ms", "i:1000050",
                            NULL), 400);
    assert_int_equal (s_do (f, T0 + 50, "SLA-RESUME", "clock", "s:response",
                            "at_ms", "i:1000050", "due_ms", "i:1000140",
                            NULL), 200);
    event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_RESUMED);
    assert_int_equal (im_fields_int_or (event->payload, "paused_ms", 0), 40);
    im_event_destroy (&event);
    incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_response"), "running");
    assert_int_equal (im_fields_int_or (incident, "sla_response_due_ms", 0),
                      T0 + 140);
    assert_int_equal (im_fields_int_or (incident, "sla_response_paused_ms",
                                        0), 40);
    assert_string_equal (im_fields_str (incident, "sla_response_pauses"),
                         "1000010-1000050");
    assert_false (im_fields_has (incident, "sla_response_paused_at_ms"));
    im_fields_destroy (&incident);
    //  Back in the index at the new deadline, which a breach must name
    s_found_t found = s_indexed (f, IM_CLOCK_RESPONSE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 140);
    assert_int_equal (s_do (f, T0 + 150, "SLA-BREACH", "clock", "s:response",
                            "due_ms", "i:1000100", NULL), 409);
    assert_int_equal (s_do (f, T0 + 150, "SLA-BREACH", "clock", "s:response",
                            "due_ms", "i:1000140", NULL), 200);

    //  A second pause adds to the first; a stop while paused is met and
    //  ends the pause
    assert_int_equal (s_do (f, T0 + 200, "PEND", "reason",
                            "s:awaiting_caller", NULL), 200);
    assert_int_equal (s_do (f, T0 + 200, "SLA-PAUSE", "clock",
                            "s:resolution", "at_ms", "i:1000200",
                            "remaining_ms", "i:300", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_RESOLUTION).count, 0);
    assert_int_equal (s_do (f, T0 + 900, "SLA-STOP", "clock", "s:resolution",
                            "at_ms", "i:1000900", NULL), 200);
    event = s_last_event (f);
    assert_string_equal (im_fields_str (event->payload, "result"), "met");
    im_event_destroy (&event);
    incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_resolution"), "met");
    assert_int_equal (im_fields_int_or (incident, "sla_resolution_paused_ms",
                                        0), 700);
    im_fields_destroy (&incident);
    assert_int_equal (s_indexed (f, IM_CLOCK_RESOLUTION).count, 0);
}

//  A pause after the deadline is refused: the breach is due
static void
test_a_clock_past_due_does_not_pause (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    assert_int_equal (s_do (f, T0 + 120, "PEND", "reason",
                            "s:awaiting_caller", NULL), 200);
    assert_int_equal (s_do (f, T0 + 120, "SLA-PAUSE", "clock", "s:response",
                            "at_ms", "i:1000120", "remaining_ms", "i:1",
                            NULL), 409);
    assert_int_equal (s_indexed (f, IM_CLOCK_RESPONSE).count, 1);
}

//  Warnings: given once each, from the list SLA-START recorded; the next
//  one is in the index while its clock runs, and a resume moves them
static void
test_warnings_are_given_once_and_follow_the_clock (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_do (f, T0, "OPEN", "title", "s:disk full",
                            "reporter", "s:ann", NULL), 200);
    assert_int_equal (s_do (f, T0, "SLA-START", "priority", "i:3",
                            "response_due_ms", "i:1000100",
                            "resolution_due_ms", "i:1000500",
                            "response_target_ms", "i:100",
                            "response_warnings", "s:50:1000050,75:1000075",
                            NULL), 200);
    s_found_t found = s_indexed (f, IM_CLOCK_WARN_RESPONSE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 50);
    assert_int_equal (s_indexed (f, IM_CLOCK_WARN_RESOLUTION).count, 0);
    //  Not due yet, or not the recorded instant: refused
    assert_int_equal (s_do (f, T0 + 40, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:50", "due_ms", "i:1000050",
                            NULL), 409);
    assert_int_equal (s_do (f, T0 + 60, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:50", "due_ms", "i:1000051",
                            NULL), 409);
    assert_int_equal (s_do (f, T0 + 60, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:50", "due_ms", "i:1000050",
                            NULL), 200);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_WARNING);
    assert_int_equal (im_fields_int_or (event->payload, "fraction", 0), 50);
    assert_string_equal (im_fields_str (event->payload, "warnings"),
                         "75:1000075");
    im_event_destroy (&event);
    //  Once: a second timer's copy is refused
    assert_int_equal (s_do (f, T0 + 61, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:50", "due_ms", "i:1000050",
                            NULL), 409);
    found = s_indexed (f, IM_CLOCK_WARN_RESPONSE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 75);
    im_fields_t *incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_response_warned"),
                         "50");
    im_fields_destroy (&incident);

    //  Paused: out of the index; the resume records where 75 % is now
    assert_int_equal (s_do (f, T0 + 62, "ASSIGN", "group", "s:desk", NULL),
                      200);
    assert_int_equal (s_do (f, T0 + 70, "PEND", "reason",
                            "s:awaiting_caller", NULL), 200);
    assert_int_equal (s_do (f, T0 + 70, "SLA-PAUSE", "clock", "s:response",
                            "at_ms", "i:1000070", "remaining_ms", "i:30",
                            NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_WARN_RESPONSE).count, 0);
    assert_int_equal (s_do (f, T0 + 170, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:75", "due_ms", "i:1000075",
                            NULL), 409);
    assert_int_equal (s_do (f, T0 + 200, "RESUME", NULL), 200);
    event = s_last_event (f);
    assert_string_equal (im_fields_str (event->payload,
                                        "sla_response_warnings"),
                         "75:1000075");
    assert_int_equal (im_fields_int_or (event->payload,
                                        "sla_response_target_ms", 0), 100);
    im_event_destroy (&event);
    assert_int_equal (s_do (f, T0 + 200, "SLA-RESUME", "clock", "s:response",
                            "at_ms", "i:1000200", "due_ms", "i:1000230",
                            "warnings", "s:75:1000205", NULL), 200);
    found = s_indexed (f, IM_CLOCK_WARN_RESPONSE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 205);
    //  A list that is not one is refused
    assert_int_equal (s_do (f, T0 + 210, "SLA-START", "type", "s:request",
                            "priority", "i:4", "response_due_ms", "i:1000300",
                            "resolution_due_ms", "i:1000900",
                            "response_warnings", "s:50:soon", NULL), 400);
    //  Stopped: no warning left in the index
    assert_int_equal (s_do (f, T0 + 210, "SLA-STOP", "clock", "s:response",
                            "at_ms", "i:1000210", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_WARN_RESPONSE).count, 0);
}

//  The payload's int at key, -1 when absent
static int64_t
s_payload_int (const im_event_t *event, const char *key)
{
    return im_fields_int_or (event->payload, key, -1);
}

static void
test_stops_record_working_time_and_a_breached_clock_stops_once (
    void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_do (f, T0, "OPEN", "title", "s:vpn drops",
                            "reporter", "s:ann", NULL), 200);
    assert_int_equal (s_do (f, T0, "SLA-START", "priority", "i:2",
                            "calendar", "s:office",
                            "response_due_ms", "i:1000100",
                            "resolution_due_ms", "i:1000500",
                            "response_target_ms", "i:100",
                            "resolution_target_ms", "i:500", NULL), 200);
    //  The acknowledgement carries what the timer measures with
    assert_int_equal (s_do (f, T0 + 50, "ACK", NULL), 200);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_ACKNOWLEDGED);
    assert_int_equal (s_payload_int (event, "sla_response_due_ms"), 1000100);
    assert_int_equal (s_payload_int (event, "sla_response_target_ms"), 100);
    assert_int_equal (s_payload_int (event, "sla_resolution_due_ms"), -1);
    assert_string_equal (im_fields_str (event->payload, "sla_calendar"),
                         "office");
    im_event_destroy (&event);
    //  A working time that is not one is refused
    assert_int_equal (s_do (f, T0 + 50, "SLA-STOP", "clock", "s:response",
                            "at_ms", "i:1000050", "business_ms", "s:long",
                            NULL), 400);
    assert_int_equal (s_do (f, T0 + 50, "SLA-STOP", "clock", "s:response",
                            "at_ms", "i:1000050", "business_ms", "i:-5",
                            NULL), 400);
    assert_int_equal (s_do (f, T0 + 50, "SLA-STOP", "clock", "s:response",
                            "at_ms", "i:1000050", "business_ms", "i:50",
                            NULL), 200);
    event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_STOPPED);
    assert_int_equal (s_payload_int (event, "business_ms"), 50);
    assert_string_equal (im_fields_str (event->payload, "result"), "met");
    im_event_destroy (&event);
    im_fields_t *incident = s_incident (f);
    assert_int_equal (im_fields_int_or (incident, "sla_response_stopped_ms",
                                        0), 1000050);
    assert_int_equal (im_fields_int_or (incident, "sla_response_business_ms",
                                        0), 50);
    assert_int_equal (im_fields_int_or (incident, "sla_priority", 0), 2);
    im_fields_destroy (&incident);

    //  The resolution clock breaches, then its stop still records how
    //  long it ran, once
    assert_int_equal (s_do (f, T0 + 600, "SLA-BREACH", "clock",
                            "s:resolution", "due_ms", "i:1000500", NULL),
                      200);
    incident = s_incident (f);
    assert_int_equal (im_fields_int_or (incident,
                                        "sla_resolution_breached_ms", 0),
                      T0 + 600);
    im_fields_destroy (&incident);
    assert_int_equal (s_do (f, T0 + 700, "RESOLVE", "code", "s:fixed",
                            "notes", "s:restarted", NULL), 200);
    event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_RESOLVED);
    assert_int_equal (s_payload_int (event, "sla_resolution_due_ms"),
                      1000500);
    assert_int_equal (s_payload_int (event, "sla_response_due_ms"), -1);
    im_event_destroy (&event);
    assert_int_equal (s_do (f, T0 + 700, "SLA-STOP", "clock",
                            "s:resolution", "at_ms", "i:1000700",
                            "business_ms", "i:700", NULL), 200);
    event = s_last_event (f);
    assert_string_equal (im_fields_str (event->payload, "result"),
                         "breached");
    im_event_destroy (&event);
    assert_int_equal (s_do (f, T0 + 710, "SLA-STOP", "clock",
                            "s:resolution", "at_ms", "i:1000710", NULL),
                      409);
    incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_resolution"),
                         "breached");
    assert_int_equal (im_fields_int_or (incident,
                                        "sla_resolution_business_ms", 0),
                      700);
    im_fields_destroy (&incident);
}

//  A breach decided before the clock's warnings were given (a timer
//  that was down sends them all at once) records them first, earliest
//  first, each once
static void
test_a_breach_records_the_warnings_not_given_first (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_do (f, T0, "OPEN", "title", "s:mail down",
                            "reporter", "s:ann", NULL), 200);
    assert_int_equal (s_do (f, T0, "SLA-START", "priority", "i:3",
                            "response_due_ms", "i:1000100",
                            "resolution_due_ms", "i:1000500",
                            "response_target_ms", "i:100",
                            "response_warnings", "s:75:1000075,50:1000050",
                            NULL), 200);
    uint64_t started = imc_fsm_last_seq (f->fsm);
    assert_int_equal (s_do (f, T0 + 300, "SLA-BREACH", "clock",
                            "s:response", "due_ms", "i:1000100", NULL), 200);
    assert_int_equal (imc_fsm_last_seq (f->fsm), started + 3);
    static const int fractions [2] = { 50, 75 };
    static const char *rests [2] = { "75:1000075", "" };
    for (int index = 0; index < 2; index++) {
        char *data = NULL;
        size_t size = 0;
        uint64_t seq = started + 1 + (uint64_t) index;
        assert_int_equal (imc_store_event_get (f->store, seq, &data, &size),
                          0);
        im_event_t *event = im_event_new ();
        char errbuf [256];
        assert_int_equal (im_event_decode (event, data, size, errbuf,
                                           sizeof errbuf), 0);
        free (data);
        assert_int_equal (event->type, IM_EV_SLA_WARNING);
        assert_string_equal (im_fields_str (event->payload, "clock"),
                             "response");
        assert_int_equal (im_fields_int_or (event->payload, "fraction", 0),
                          fractions [index]);
        assert_int_equal (im_fields_int_or (event->payload, "due_ms", 0),
                          T0 + fractions [index]);
        assert_string_equal (im_fields_str (event->payload, "warnings"),
                             rests [index]);
        im_event_destroy (&event);
    }
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_BREACHED);
    im_event_destroy (&event);
    im_fields_t *incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "sla_response_warned"),
                         "50,75");
    assert_string_equal (im_fields_str (incident, "sla_response"),
                         "breached");
    im_fields_destroy (&incident);
    assert_int_equal (s_indexed (f, IM_CLOCK_WARN_RESPONSE).count, 0);
    //  The warnings the timer sent as well are refused: given once
    assert_int_equal (s_do (f, T0 + 301, "SLA-WARN", "clock", "s:response",
                            "fraction", "i:50", "due_ms", "i:1000050",
                            NULL), 409);
    assert_int_equal (imc_fsm_last_seq (f->fsm), started + 3);
}

//  The policy of the escalation tests: P3 escalates to dba 100 ms after
//  its clocks start, then to carol 200 ms later, twice in all, and
//  pages again 50 ms after an acknowledgement with no progress; its
//  major-incident updates are in the office calendar
static const char *s_escalation_policy =
    "s:agents:\n  - {name: tester, roles: [incident_manager]}\n"
    "  - {name: carol, roles: []}\n"
    "escalations:\n"
    "  - name: standard\n    repeat: 2\n    levels:\n"
    "      - {after: 100ms, groups: [dba]}\n"
    "      - {after: 200ms, users: [carol], schedules: [duty]}\n"
    "calendars:\n  - {name: office, zone: UTC, hours: {mon-fri: "
    "\"09:00-17:00\"}}\n"
    "sla:\n  P3: {escalation: standard, ack_timeout: 50ms}\n"
    "  overrides:\n    - {service: payments, P3: {ack_timeout: 70ms}}\n"
    "    - {customer_group: gold, update_calendar: office}\n";

//  Opens incident 1 (with extra, a key and value or NULL) under the
//  escalation policy and starts its clocks at T0 as P3
static void
s_start_escalation (fixture_t *f, const char *key, const char *value)
{
    assert_int_equal (s_do (f, T0, "CONFIG", "text", s_escalation_policy,
                            NULL), 200);
    assert_int_equal (s_do (f, T0, "OPEN", "title", "s:db slow",
                            "reporter", "s:ann", key, value, NULL), 200);
    assert_int_equal (s_do (f, T0, "SLA-START", "priority", "i:3",
                            "response_due_ms", "i:1000100",
                            "resolution_due_ms", "i:1000500", NULL), 200);
}

//  SLA-ESCALATE of the step due at due, stamped ts; returns the status
static int
s_escalate (fixture_t *f, uint64_t ts, int64_t due)
{
    char text [32];
    snprintf (text, sizeof text, "i:%" PRId64, due);
    return s_do (f, ts, "SLA-ESCALATE", "due_ms", text, NULL);
}

static void
test_escalation_steps_are_taken_once_each (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_escalation (f, NULL, NULL);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_STARTED);
    assert_string_equal (im_fields_str (event->payload, "escalation"),
                         "standard");
    assert_int_equal (im_fields_int_or (event->payload, "escalate_due_ms", 0),
                      T0 + 100);
    assert_int_equal (im_fields_int_or (event->payload, "ack_timeout_ms", 0),
                      50);
    im_event_destroy (&event);
    s_found_t found = s_indexed (f, IM_CLOCK_ESCALATE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 100);
    //  Not acknowledged: no acknowledgement timeout runs
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).count, 0);

    //  Not due yet, another due time, another level: refused
    assert_int_equal (s_escalate (f, T0 + 99, T0 + 100), 409);
    assert_int_equal (s_escalate (f, T0 + 150, T0 + 120), 409);
    assert_int_equal (s_do (f, T0 + 150, "SLA-ESCALATE", "due_ms",
                            "i:1000100", "level", "i:2", NULL), 409);
    //  Level 1, 2 of round 1, then of round 2, each its after later
    static const int64_t dues [4] = { T0 + 100, T0 + 300, T0 + 400,
                                      T0 + 600 };
    static const char *targets [2] = { "group:dba",
                                       "user:carol,schedule:duty" };
    for (int step = 0; step < 4; step++) {
        assert_int_equal (s_do (f, (uint64_t) dues [step] + 5,
                                "SLA-ESCALATE", "due_ms",
                                step == 0 ? "i:1000100" : step == 1
                                ? "i:1000300" : step == 2 ? "i:1000400"
                                : "i:1000600", "level",
                                step % 2 ? "i:2" : "i:1", "round",
                                step < 2 ? "i:1" : "i:2", NULL), 200);
        event = s_last_event (f);
        assert_int_equal (event->type, IM_EV_SLA_ESCALATED);
        assert_int_equal (im_fields_int_or (event->payload, "level", 0),
                          step % 2 + 1);
        assert_int_equal (im_fields_int_or (event->payload, "round", 0),
                          step / 2 + 1);
        assert_int_equal (im_fields_int_or (event->payload, "due_ms", 0),
                          dues [step]);
        assert_string_equal (im_fields_str (event->payload, "targets"),
                             targets [step % 2]);
        assert_int_equal (im_fields_int_or (event->payload,
                                            "escalate_due_ms", 0),
                          step < 3 ? dues [step + 1] : 0);
        im_event_destroy (&event);
        //  The same step again: not the next one any more
        assert_int_equal (s_escalate (f, (uint64_t) dues [step] + 6,
                                      dues [step]), 409);
        found = s_indexed (f, IM_CLOCK_ESCALATE);
        assert_int_equal (found.count, step < 3 ? 1 : 0);
        if (step < 3)
            assert_int_equal (found.due_ms, dues [step + 1]);
    }
    im_fields_t *incident = s_incident (f);
    assert_int_equal (im_fields_int_or (incident, "escalations", 0), 4);
    assert_false (im_fields_has (incident, "escalate_due_ms"));
    im_fields_destroy (&incident);
}

static void
test_progress_restarts_the_acknowledgement_timeout (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start_escalation (f, NULL, NULL);
    //  The acknowledgement ends the escalation and starts the timeout
    assert_int_equal (s_do (f, T0 + 10, "ACK", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_ESCALATE).count, 0);
    assert_int_equal (s_escalate (f, T0 + 100, T0 + 100), 409);
    s_found_t found = s_indexed (f, IM_CLOCK_ACK_TIMEOUT);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 60);
    assert_int_equal (s_do (f, T0 + 59, "SLA-ACK-TIMEOUT", "due_ms",
                            "i:1000060", NULL), 409);
    assert_int_equal (s_do (f, T0 + 60, "SLA-ACK-TIMEOUT", "due_ms",
                            "i:1000060", NULL), 200);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_SLA_ACK_TIMEOUT);
    assert_int_equal (im_fields_int_or (event->payload, "due_ms", 0),
                      T0 + 60);
    im_event_destroy (&event);
    //  Once per quiet spell
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).count, 0);
    assert_int_equal (s_do (f, T0 + 70, "SLA-ACK-TIMEOUT", "due_ms",
                            "i:1000060", NULL), 409);
    //  Each sign of progress starts it again, from its own time
    assert_int_equal (s_do (f, T0 + 80, "COMMENT", "text", "s:looking",
                            NULL), 200);
    found = s_indexed (f, IM_CLOCK_ACK_TIMEOUT);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 130);
    assert_int_equal (s_do (f, T0 + 100, "ASSIGN", "group", "s:dba",
                            NULL), 200);
    found = s_indexed (f, IM_CLOCK_ACK_TIMEOUT);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 150);
    assert_int_equal (s_do (f, T0 + 130, "SLA-ACK-TIMEOUT", "due_ms",
                            "i:1000130", NULL), 409);
    //  Pending: not while it waits; resumed: progress
    assert_int_equal (s_do (f, T0 + 110, "PEND", "reason",
                            "s:awaiting_vendor", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).count, 0);
    assert_int_equal (s_do (f, T0 + 300, "RESUME", NULL), 200);
    found = s_indexed (f, IM_CLOCK_ACK_TIMEOUT);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, T0 + 350);
    //  The workers' events are not progress
    assert_int_equal (s_do (f, T0 + 320, "SLA-STOP", "clock", "s:response",
                            "at_ms", "i:1000010", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).due_ms, T0 + 350);
    //  Resolved: over
    assert_int_equal (s_do (f, T0 + 340, "RESOLVE", "code", "s:solved",
                            "notes", "s:index rebuilt", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).count, 0);
    assert_int_equal (s_do (f, T0 + 360, "SLA-ACK-TIMEOUT", "due_ms",
                            "i:1000350", NULL), 409);
    im_fields_t *incident = s_incident (f);
    assert_int_equal (im_fields_int_or (incident, "ack_timeouts", 0), 1);
    im_fields_destroy (&incident);
}

static void
test_overrides_follow_service_and_customer_group (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  The payments service's timeout is its override's
    s_start_escalation (f, "service", "s:payments");
    im_event_t *event = s_last_event (f);
    assert_int_equal (im_fields_int_or (event->payload, "ack_timeout_ms", 0),
                      70);
    assert_string_equal (im_fields_str (event->payload, "escalation"),
                         "standard");
    im_event_destroy (&event);
}

static void
test_a_major_update_moves_into_its_calendar (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  A gold customer's incident: its updates are in the office hours
    s_start_escalation (f, "customer_group", "s:gold");
    im_fields_t *incident = s_incident (f);
    assert_string_equal (im_fields_str (incident, "customer_group"), "gold");
    im_fields_destroy (&incident);
    assert_int_equal (s_do (f, T0 + 1, "MAJOR", "action", "s:propose",
                            "reason", "s:all down", NULL), 200);
    assert_int_equal (s_do (f, T0 + 2, "MAJOR", "action", "s:accept",
                            "commander", "s:carl", "cadence_ms", "i:60000",
                            NULL), 200);
    im_event_t *event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_MAJOR_DECLARED);
    assert_string_equal (im_fields_str (event->payload, "update_calendar"),
                         "office");
    int64_t due = im_fields_int_or (event->payload, "update_due_ms", 0);
    assert_int_equal (due, T0 + 2 + 60000);
    im_event_destroy (&event);
    //  Only the current due time moves, and only later
    assert_int_equal (s_do (f, T0 + 3, "MAJOR", "action", "s:schedule",
                            "due_ms", "i:1000001", "update_due_ms",
                            "i:9000000", NULL), 409);
    assert_int_equal (s_do (f, T0 + 3, "MAJOR", "action", "s:schedule",
                            "due_ms", "i:1060002", "update_due_ms",
                            "i:1000000", NULL), 409);
    assert_int_equal (s_do (f, T0 + 3, "MAJOR", "action", "s:schedule",
                            "due_ms", "i:1060002", "update_due_ms",
                            "i:33000000", NULL), 200);
    event = s_last_event (f);
    assert_int_equal (event->type, IM_EV_UPDATE_SCHEDULED);
    im_event_destroy (&event);
    s_found_t found = s_indexed (f, IM_CLOCK_UPDATE);
    assert_int_equal (found.count, 1);
    assert_int_equal (found.due_ms, 33000000);
    //  The old due time is no longer the incident's
    assert_int_equal (s_do (f, T0 + 60002, "MAJOR", "action", "s:remind",
                            "due_ms", "i:1060002", NULL), 409);
}

static void
test_no_escalation_without_a_policy (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_start (f);
    im_fields_t *incident = s_incident (f);
    assert_false (im_fields_has (incident, "escalation"));
    assert_false (im_fields_has (incident, "escalate_due_ms"));
    assert_false (im_fields_has (incident, "ack_timeout_ms"));
    im_fields_destroy (&incident);
    assert_int_equal (s_do (f, T0 + 10, "ACK", NULL), 200);
    assert_int_equal (s_indexed (f, IM_CLOCK_ESCALATE).count, 0);
    assert_int_equal (s_indexed (f, IM_CLOCK_ACK_TIMEOUT).count, 0);
    assert_int_equal (s_escalate (f, T0 + 500, T0 + 100), 409);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_a_pending_incident_pauses_and_resumes_its_clocks),
        T (test_a_clock_past_due_does_not_pause),
        T (test_warnings_are_given_once_and_follow_the_clock),
        T (test_stops_record_working_time_and_a_breached_clock_stops_once),
        T (test_a_breach_records_the_warnings_not_given_first),
        T (test_escalation_steps_are_taken_once_each),
        T (test_progress_restarts_the_acknowledgement_timeout),
        T (test_overrides_follow_service_and_customer_group),
        T (test_a_major_update_moves_into_its_calendar),
        T (test_no_escalation_without_a_policy),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
