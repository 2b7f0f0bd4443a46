/*  test_imb_sla_report - SLA-REPORT over a store of many incidents

    The incidents and their clocks are made by the real state machine
    over a real RocksDB, more of them than a reply may hold items, so
    that the cap on groups is met for real; the query is encoded and the
    reply decoded as a client would.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imc_sla_report.h"

#define T0          1000000         //  When the incidents open
#define INCIDENTS   (IM_PROTO_ITEMS_MAX + 50)
#define PER_ENTRY   16              //  Incidents per Raft entry

typedef struct {
    char dir [256];                 //  Temp directory
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  Fills it
    uint64_t index;                 //  Last Raft index used
    im_command_t *commands [PER_ENTRY * 4];  //  The entry being made
    size_t count;                   //  Commands in it
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-sla-report-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    char errbuf [256];
    f->store = imc_store_new (f->dir, NULL, errbuf, sizeof errbuf);
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
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

//  Adds a command to the entry being made: verb on incident at ts_ms,
//  then key/value pairs ("key", "s:text" or "i:123"), NULL-terminated
static void
s_add (fixture_t *f, const char *verb, uint64_t incident, uint64_t ts_ms,
       ...)
{
    im_command_t *command = im_command_new ();
    command->type = im_command_type_from_name (verb);
    command->incident = incident;
    command->ts_ms = ts_ms;
    snprintf (command->actor, sizeof command->actor, "tester");
    snprintf (command->request_id, sizeof command->request_id, "r%zu-%"
              PRIu64, f->count, f->index);
    va_list args;
    va_start (args, ts_ms);
    for (const char *key = va_arg (args, const char *); key;
         key = va_arg (args, const char *)) {
        const char *value = va_arg (args, const char *);
        if (value [0] == 'i')
            im_fields_set_int (command->args, key,
                               strtoll (value + 2, NULL, 10));
        else
            im_fields_set_str (command->args, key, value + 2);
    }
    va_end (args);
    f->commands [f->count++] = command;
}

//  Applies the entry made; every command must have been accepted
static void
s_apply (fixture_t *f)
{
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (f->commands, f->count, malloc, &data,
                                       &size), 0);
    assert_int_equal (imc_fsm_apply (f->fsm, ++f->index, data, size), 0);
    free (data);
    size_t count = 0;
    const imc_fsm_result_t *results = imc_fsm_results (f->fsm, &count);
    assert_int_equal (count, f->count);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (results [index].status, 200);
    for (size_t index = 0; index < f->count; index++)
        im_command_destroy (&f->commands [index]);
    f->count = 0;
}

//  Makes INCIDENTS incidents, each of its own service, priority
//  1 + id % 5; the response clock of an even id is met (stopped at
//  T0 + 500 having run 400 ms), of an odd id breached and stopped at
//  T0 + 3000 (ran 2500 ms); resolution clocks keep running
static void
s_make_incidents (fixture_t *f)
{
    for (uint64_t id = 1; id <= INCIDENTS; id++) {
        char service [32], priority [16];
        snprintf (service, sizeof service, "s:svc-%05" PRIu64, id);
        snprintf (priority, sizeof priority, "i:%" PRIu64, 1 + id % 5);
        s_add (f, "OPEN", 0, T0, "title", "s:down", "reporter", "s:ann",
               "service", service, NULL);
        s_add (f, "SLA-START", id, T0, "priority", priority,
               "response_due_ms", "i:1001000", "resolution_due_ms",
               "i:1100000", "response_target_ms", "i:900",
               "resolution_target_ms", "i:99000", NULL);
        if (id % 2 == 0)
            s_add (f, "SLA-STOP", id, T0 + 500, "clock", "s:response",
                   "at_ms", "i:1000500", "business_ms", "i:400", NULL);
        else {
            s_add (f, "SLA-BREACH", id, T0 + 1500, "clock", "s:response",
                   "due_ms", "i:1001000", NULL);
            s_add (f, "SLA-STOP", id, T0 + 3000, "clock", "s:response",
                   "at_ms", "i:1003000", "business_ms", "i:2500", NULL);
        }
        if (id % PER_ENTRY == 0 || id == INCIDENTS)
            s_apply (f);
    }
}

//  Sends body (taken) as an SLA-REPORT request; returns the decoded
//  reply
static im_reply_t *
s_ask (fixture_t *f, im_fields_t **body_p)
{
    zmsg_t *msg = im_request_encode ("SLA-REPORT", "r1", *body_p);
    im_fields_destroy (body_p);
    im_request_t *request = im_request_new ();
    char errbuf [256];
    assert_int_equal (im_request_decode (request, &msg, errbuf,
                                         sizeof errbuf), 0);
    zmsg_t *answer = imb_sla_report_answer (request, f->store);
    im_request_destroy (&request);
    assert_non_null (answer);
    im_reply_t *reply = im_reply_new (0);
    assert_int_equal (im_reply_decode (reply, &answer, false, errbuf,
                                       sizeof errbuf), 0);
    return reply;
}

//  Asks SLA-REPORT; by NULL: not given. Returns the decoded reply.
static im_reply_t *
s_report (fixture_t *f, int64_t since, int64_t until, const char *by)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "since_ms", since);
    im_fields_set_int (body, "until_ms", until);
    if (by)
        im_fields_set_str (body, "by", by);
    return s_ask (f, &body);
}

static void
test_a_report_counts_every_incident_past_the_item_limit (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_make_incidents (f);
    int64_t odd = (INCIDENTS + 1) / 2, even = INCIDENTS / 2;

    //  By service: one group each, more than a reply holds; the last
    //  place gathers the rest and nothing is lost
    im_reply_t *reply = s_report (f, T0, T0 + 10000, "service");
    assert_int_equal (reply->status, 200);
    assert_int_equal (im_fields_int_or (reply->body, "count", 0),
                      IM_PROTO_ITEMS_MAX);
    assert_int_equal ((int64_t) zlist_size (reply->items),
                      IM_PROTO_ITEMS_MAX);
    assert_int_equal (im_fields_int_or (reply->body, "clocks", 0),
                      INCIDENTS);
    assert_int_equal (im_fields_int_or (reply->body, "met", 0), even);
    assert_int_equal (im_fields_int_or (reply->body, "missed", 0), odd);
    assert_int_equal (im_fields_int_or (reply->body, "response_worst_ms", 0),
                      2500);
    //  The mean of 400s and 2500s, rounded
    int64_t mean = (even * 400 + odd * 2500 + INCIDENTS / 2) / INCIDENTS;
    assert_int_equal (im_fields_int_or (reply->body, "response_avg_ms", 0),
                      mean);
    assert_int_equal (im_fields_int_or (reply->body, "resolution_met", -1),
                      0);
    int64_t clocks = 0, other = 0;
    const im_fields_t *item = (const im_fields_t *) zlist_first (
        reply->items);
    for (; item; item = (const im_fields_t *) zlist_next (reply->items)) {
        clocks += im_fields_int_or (item, "clocks", 0);
        if (streq (im_fields_str_or (item, "key", ""), "(other)"))
            other = im_fields_int_or (item, "clocks", 0);
    }
    assert_int_equal (clocks, INCIDENTS);
    assert_int_equal (other, INCIDENTS - (IM_PROTO_ITEMS_MAX - 1));
    im_reply_destroy (&reply);

    //  By priority: five groups of a fifth each
    reply = s_report (f, T0, T0 + 10000, "priority");
    assert_int_equal (zlist_size (reply->items), 5);
    item = (const im_fields_t *) zlist_first (reply->items);
    assert_string_equal (im_fields_str_or (item, "key", ""), "P1");
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        assert_int_equal (im_fields_int_or (item, "clocks", 0),
                          INCIDENTS / 5);
    im_reply_destroy (&reply);

    //  Only the met clocks ended before T0 + 1000; none from T0 + 3001
    reply = s_report (f, T0, T0 + 1000, NULL);
    assert_null (reply->items);                 //  No group asked for
    assert_int_equal (im_fields_int_or (reply->body, "met", 0), even);
    assert_int_equal (im_fields_int_or (reply->body, "missed", -1), 0);
    im_reply_destroy (&reply);
    reply = s_report (f, T0 + 3001, T0 + 9000, "none");
    assert_int_equal (im_fields_int_or (reply->body, "clocks", -1), 0);
    im_reply_destroy (&reply);
    reply = s_report (f, T0 + 500, T0 + 500, "none");
    assert_int_equal (reply->status, 200);
    assert_int_equal (im_fields_int_or (reply->body, "clocks", -1), 0);
    im_reply_destroy (&reply);
}

//  The reason of an error reply, borrowed
static const char *
s_error (const im_reply_t *reply)
{
    return im_fields_str_or (reply->body, "error", "");
}

static void
test_wrong_arguments_are_answered_400 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_reply_t *reply = s_report (f, 2000, 1000, "priority");
    assert_int_equal (reply->status, 400);
    assert_non_null (strstr (s_error (reply), "since"));
    im_reply_destroy (&reply);
    reply = s_report (f, 0, 1000, "colour");
    assert_int_equal (reply->status, 400);
    assert_non_null (strstr (s_error (reply), "colour"));
    im_reply_destroy (&reply);
    reply = s_report (f, 0, INT64_MAX, "none");
    assert_int_equal (reply->status, 400);
    im_reply_destroy (&reply);
    //  Without the range
    im_fields_t *body = im_fields_new ();
    reply = s_ask (f, &body);
    assert_int_equal (reply->status, 400);
    assert_non_null (strstr (s_error (reply), "since_ms"));
    im_reply_destroy (&reply);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_report_counts_every_incident_past_the_item_limit,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_wrong_arguments_are_answered_400, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
