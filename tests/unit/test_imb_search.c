/*  test_imb_search - SEARCH over resolved incidents

    Incidents are made by the real state machine over a real RocksDB;
    the query is encoded and the reply decoded as a client would.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"

typedef struct {
    char dir [256];                 //  Temp directory
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  Fills it
    uint64_t index;                 //  Last Raft index used
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-search-XXXXXX",
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
    char command [300];
    snprintf (command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal (system (command), 0);
    free (f);
    return 0;
}

//  Applies verb on incident with str args key, value, ..., NULL
static void
s_apply (fixture_t *f, const char *verb, uint64_t incident, ...)
{
    im_command_t *command = im_command_new ();
    command->type = im_command_type_from_name (verb);
    command->incident = incident;
    command->ts_ms = 1000000 + f->index;
    snprintf (command->actor, sizeof command->actor, "tester");
    va_list args;
    va_start (args, incident);
    for (const char *key = va_arg (args, const char *); key;
         key = va_arg (args, const char *))
        im_fields_set_str (command->args, key, va_arg (args, const char *));
    va_end (args);
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (&command, 1, malloc, &data, &size), 0);
    assert_int_equal (imc_fsm_apply (f->fsm, ++f->index, data, size), 0);
    size_t count;
    assert_int_equal (imc_fsm_results (f->fsm, &count)->status, 200);
    free (data);
    im_command_destroy (&command);
}

//  Asks SEARCH text with limit (none when 0); returns the decoded reply
//  (caller destroys it)
static im_reply_t *
s_search_limit (fixture_t *f, const char *text, int64_t limit)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "text", text);
    if (limit)
        im_fields_set_int (body, "limit", limit);
    zmsg_t *msg = im_request_encode ("SEARCH", "r1", body);
    im_fields_destroy (&body);
    im_request_t *request = im_request_new ();
    char errbuf [256];
    assert_int_equal (im_request_decode (request, &msg, errbuf,
                                         sizeof errbuf), 0);
    zmsg_t *answer = imb_search_answer (request, f->store);
    im_request_destroy (&request);
    im_reply_t *reply = im_reply_new (0);
    assert_int_equal (im_reply_decode (reply, &answer, false, errbuf,
                                       sizeof errbuf), 0);
    return reply;
}

static im_reply_t *
s_search (fixture_t *f, const char *text)
{
    return s_search_limit (f, text, 0);
}

//  Opens and resolves count incidents whose notes share "disk"
static void
s_resolve_disk_incidents (fixture_t *f, int count)
{
    for (int index = 0; index < count; index++) {
        s_apply (f, "OPEN", 0, "title", "disk full", "reporter", "a", NULL);
        //  Ids are given in order, one per OPEN
        uint64_t id = (uint64_t) (index + 1);
        s_apply (f, "RESOLVE", id, "code", "solved", "notes",
                 "cleaned the disk logs", NULL);
    }
}

//  Checks reply holds count items, ids newest down to newest - count + 1
static void
s_assert_newest (im_reply_t *reply, int64_t count, int64_t newest)
{
    assert_int_equal (reply->status, 200);
    assert_int_equal (im_fields_int_or (reply->body, "count", -1), count);
    assert_int_equal ((int64_t) zlist_size (reply->items), count);
    int64_t expected = newest;
    const im_fields_t *item = (const im_fields_t *) zlist_first (reply->items);
    while (item) {
        assert_int_equal (im_fields_int_or (item, "id", 0), expected--);
        item = (const im_fields_t *) zlist_next (reply->items);
    }
}

static void
test_search_keeps_the_newest_when_more_match_than_the_limit (void **state)
{
    //  More matches than the limit used to free each dropped match twice
    fixture_t *f = (fixture_t *) *state;
    s_resolve_disk_incidents (f, 4);
    im_reply_t *reply = s_search_limit (f, "disk", 2);
    s_assert_newest (reply, 2, 4);
    im_reply_destroy (&reply);
    reply = s_search_limit (f, "disk", 1);
    s_assert_newest (reply, 1, 4);
    im_reply_destroy (&reply);
    reply = s_search_limit (f, "disk", 3);
    s_assert_newest (reply, 3, 4);
    im_reply_destroy (&reply);
    //  At the limit and past it: every match
    reply = s_search_limit (f, "disk", 4);
    s_assert_newest (reply, 4, 4);
    im_reply_destroy (&reply);
    reply = s_search_limit (f, "disk", 5);
    s_assert_newest (reply, 4, 4);
    im_reply_destroy (&reply);
    //  Out of range
    reply = s_search_limit (f, "disk", -1);
    assert_int_equal (reply->status, 400);
    im_reply_destroy (&reply);
    reply = s_search_limit (f, "disk", 10001);
    assert_int_equal (reply->status, 400);
    im_reply_destroy (&reply);
}

static void
test_search_default_limit_is_twenty (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_resolve_disk_incidents (f, 23);
    im_reply_t *reply = s_search (f, "disk logs");
    s_assert_newest (reply, 20, 23);
    im_reply_destroy (&reply);
}

static void
test_search_finds_fixes_by_every_word_newest_first (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_apply (f, "OPEN", 0, "title", "vpn drops", "reporter", "a", NULL);
    s_apply (f, "OPEN", 0, "title", "vpn slow", "reporter", "b", NULL);
    s_apply (f, "OPEN", 0, "title", "vpn gone", "reporter", "c",
             "description", "restarted the Concentrator", NULL);
    s_apply (f, "RESOLVE", 1, "code", "solved", "notes",
             "Restarted the VPN concentrator", NULL);
    s_apply (f, "RESOLVE", 2, "code", "workaround", "notes",
             "restarted the concentrator after a firmware update", NULL);
    s_apply (f, "REVIEW", 2, "summary", "slow tunnels", "root_cause",
             "firmware leak", "actions", "ann: upgrade", NULL);

    im_reply_t *reply = s_search (f, "CONCENTRATOR restarted");
    assert_int_equal (reply->status, 200);
    assert_int_equal (im_fields_int_or (reply->body, "count", 0), 2);
    //  Newest first; the open incident 3 is not a fix
    const im_fields_t *first = (const im_fields_t *) zlist_first (reply->items);
    assert_int_equal (im_fields_int_or (first, "id", 0), 2);
    assert_string_equal (im_fields_str (first, "root_cause"), "firmware leak");
    im_reply_destroy (&reply);

    reply = s_search (f, "leak firmware");
    assert_int_equal (im_fields_int_or (reply->body, "count", 0), 1);
    im_reply_destroy (&reply);
    reply = s_search (f, "concentrator dns");
    assert_int_equal (im_fields_int_or (reply->body, "count", 0), 0);
    im_reply_destroy (&reply);
    reply = s_search (f, "   ");
    assert_int_equal (reply->status, 400);
    im_reply_destroy (&reply);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_search_finds_fixes_by_every_word_newest_first,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_search_keeps_the_newest_when_more_match_than_the_limit,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_search_default_limit_is_twenty, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
