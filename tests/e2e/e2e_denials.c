/*  e2e_denials - every denial is an event, and a flood of them is not

    A real broker with CURVE. A key without the role a verb needs is
    refused (403), and the refusal becomes one access.denied event in
    the log, with who, which verb, which incident and why, listed by
    DENIALS (imqctl audit denials) for an analyst and nobody else; an
    analyst reads and commands nothing. A refusal the state machine
    decides (a reporter's comment on someone else's incident) is
    recorded the same way. 100,000 refused commands from one key grow the log by
    a bounded number of events, every one of them counted.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define CALL_MS     3000            //  One call's deadline
#define FLOOD       100000          //  Refused commands in the flood
#define INFLIGHT    2000            //  Of them unanswered at once
#define BURST       10              //  Recorded per key, verb and minute

typedef struct {
    im_client_t *auditor;           //  Reads the denials
    const char *principal;          //  Whose, or NULL
    size_t count;                   //  How many are wanted
} s_wait_t;

static int
s_setup (void **state)
{
    *state = imh_new ("denials", NULL);
    return *state ? 0 : -1;
}

//  A client of the broker as principal name (made with roles); the
//  identity is returned in *curve_p, which must outlive the client
static im_client_t *
s_client_as (imh_t *h, const char *name, const char *roles,
             im_curve_t **curve_p)
{
    im_client_t *client = imh_client_as (h, imh_client_endpoint (h), name,
                                         roles, CALL_MS, curve_p);
    assert_non_null (client);
    return client;
}

//  Who a test needs: a started broker, an incident, the principal to
//  refuse and an analyst who reads the denials
typedef struct {
    uint64_t incident;              //  Opened for the test
    im_curve_t *who_id;             //  The refused principal's identity
    im_client_t *who;               //  The refused principal
    im_curve_t *auditor_id;         //  The analyst's identity
    im_client_t *auditor;           //  The analyst
} s_cast_t;

static void
s_cast_new (imh_t *h, s_cast_t *cast, const char *name, const char *roles)
{
    assert_true (imh_start_broker (h) >= 0);
    cast->incident = imh_open (h, "Printer on fire", name, 2, 2);
    assert_true (cast->incident > 0);
    cast->who = s_client_as (h, name, roles, &cast->who_id);
    cast->auditor = s_client_as (h, "auditor", "analyst", &cast->auditor_id);
}

static void
s_cast_destroy (s_cast_t *cast)
{
    im_client_destroy (&cast->who);
    im_client_destroy (&cast->auditor);
    im_curve_destroy (&cast->who_id);
    im_curve_destroy (&cast->auditor_id);
}

//  A CLASSIFY of incident (the caller destroys it)
static im_fields_t *
s_classify (uint64_t incident)
{
    im_fields_t *body = im_fields_new ();
    assert_non_null (body);
    im_fields_set_int (body, "incident", (int64_t) incident);
    im_fields_set_int (body, "priority", 1);
    im_fields_set_str (body, "category", "network");
    return body;
}

//  The DENIALS reply for principal (NULL: everyone's), or NULL
static im_reply_t *
s_denials (im_client_t *auditor, const char *principal)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "limit", 10000);
    if (principal)
        im_fields_set_str (body, "principal", principal);
    im_reply_t *reply = im_client_call (auditor, "DENIALS", NULL, body,
                                        false);
    im_fields_destroy (&body);
    if (reply && reply->status != 200)
        im_reply_destroy (&reply);
    return reply;
}

//  True when at least wait->count denials of wait->principal are listed
static bool
s_listed (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    im_reply_t *reply = s_denials (wait->auditor, wait->principal);
    size_t count = reply && reply->items ? zlist_size (reply->items) : 0;
    im_reply_destroy (&reply);
    return count >= wait->count;
}

//  The first listed denial of verb, or NULL (borrowed from reply)
static const im_fields_t *
s_find (const im_reply_t *reply, const char *verb, size_t *count)
{
    const im_fields_t *found = NULL;
    *count = 0;
    assert_non_null (reply);
    assert_non_null (reply->items);
    for (const im_fields_t *item = (const im_fields_t *) zlist_first (
             reply->items);
         item; item = (const im_fields_t *) zlist_next (reply->items))
        if (streq (im_fields_str_or (item, "verb", ""), verb)) {
            found = found ? found : item;
            (*count)++;
        }
    return found;
}

//  What STATUS says under key
static int64_t
s_status_int (im_client_t *client, const char *key)
{
    im_reply_t *reply = im_client_call (client, "STATUS", NULL, NULL, false);
    int64_t value = reply ? im_fields_int_or (reply->body, key, -1) : -1;
    im_reply_destroy (&reply);
    return value;
}

static void
test_a_refused_verb_is_one_denial_in_the_log (void **state)
{
    imh_t *h = (imh_t *) *state;
    s_cast_t cast;
    s_cast_new (h, &cast, "rita", "reporter");
    uint64_t id = cast.incident;
    im_client_t *rita = cast.who, *auditor = cast.auditor;
    //  Nothing recorded yet
    im_reply_t *reply = s_denials (auditor, NULL);
    assert_non_null (reply);
    assert_null (reply->items);
    im_reply_destroy (&reply);

    //  A reporter posing as the classifier
    im_fields_t *body = s_classify (id);
    assert_int_equal (imh_call_status (rita, "CLASSIFY", body), 403);
    s_wait_t wait = { auditor, "rita", 1 };
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    //  A second refusal of another verb: once it is listed, whatever
    //  the first made is listed too, so the count of CLASSIFY is final
    im_fields_t *notify = im_fields_new ();
    im_fields_set_int (notify, "incident", (int64_t) id);
    im_fields_set_str (notify, "recipient", "boss");
    im_fields_set_str (notify, "channel", "email");
    im_fields_set_str (notify, "reason", "breach");
    im_fields_set_int (notify, "about_seq", 1);
    assert_int_equal (imh_call_status (rita, "NOTIFY", notify), 403);
    wait.count = 2;
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    reply = s_denials (auditor, "rita");
    assert_non_null (reply);
    size_t count = 0;
    const im_fields_t *denial = s_find (reply, "CLASSIFY", &count);
    assert_int_equal (count, 1);
    assert_string_equal (im_fields_str_or (denial, "actor", ""), "rita");
    assert_int_equal (im_fields_int_or (denial, "incident", 0), (int64_t) id);
    assert_int_equal (im_fields_int_or (denial, "node", 0), 1);
    assert_non_null (strstr (im_fields_str_or (denial, "reason", ""),
                             "needs the role classifier"));
    assert_false (im_fields_has (denial, "suppressed"));
    assert_non_null (s_find (reply, "NOTIFY", &count));
    assert_int_equal (count, 1);
    im_reply_destroy (&reply);
    //  Nothing of it touched the incident
    assert_int_equal (imh_count_events (h, id, "incident.classified", NULL,
                                        NULL), 0);
    assert_int_equal (imh_count_events (h, id, "access.denied", NULL, NULL),
                      0);

    //  Counted by verb and role lacked, for /metrics
    assert_int_equal (s_status_int (auditor, "denied/CLASSIFY/classifier"),
                      1);
    assert_int_equal (s_status_int (auditor, "denials/recorded"), 2);
    imh_http_reply_t metrics = imh_http_expect (h, "GET", "/metrics", NULL,
                                                NULL, 200);
    assert_int_equal (imh_http_sample (metrics.body, "imq_denials_total{"
                                       "verb=\"CLASSIFY\",needs="
                                       "\"classifier\"}"), 1);
    assert_int_equal (imh_http_sample (metrics.body,
                                       "imq_denials_recorded_total"), 2);
    imh_http_clear (&metrics);

    //  imqctl lists them for an analyst (and the administrator)
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--as", "auditor", "audit",
                               "denials", "--since", "1h", NULL), 0);
    assert_non_null (strstr (run.out, "CLASSIFY"));
    assert_non_null (strstr (run.out, "rita"));
    imh_run_clear (&run);
    json_t *listed = imh_ctl_json (h, "audit", "denials", "--principal",
                                   "rita", NULL);
    assert_non_null (listed);
    assert_int_equal (json_array_size (json_object_get (listed, "denials")),
                      2);
    json_decref (listed);
    //  A --since after them lists none
    assert_int_equal (imh_ctl (h, &run, "--as", "auditor", "audit",
                               "denials", "--since", "4102444800000",
                               NULL), 0);
    assert_non_null (strstr (run.out, "no denial recorded"));
    imh_run_clear (&run);

    //  ...and for nobody else: which is a denial too
    assert_int_equal (imh_ctl (h, &run, "--as", "rita", "audit", "denials",
                               NULL), 1);
    assert_non_null (strstr (run.err, "403"));
    imh_run_clear (&run);
    wait.count = 3;
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    reply = s_denials (auditor, "rita");
    assert_non_null (s_find (reply, "DENIALS", &count));
    assert_int_equal (count, 1);
    im_reply_destroy (&reply);
    //  More denials than the limit: the newest ones, in seq order
    listed = imh_ctl_json (h, "audit", "denials", "--principal", "rita",
                           "--limit", "2", NULL);
    assert_non_null (listed);
    json_t *newest = json_object_get (listed, "denials");
    assert_int_equal (json_array_size (newest), 2);
    assert_string_equal (json_string_value (json_object_get (
        json_array_get (newest, 0), "verb")), "NOTIFY");
    assert_string_equal (json_string_value (json_object_get (
        json_array_get (newest, 1), "verb")), "DENIALS");
    assert_true (json_integer_value (json_object_get (
        json_array_get (newest, 0), "seq"))
        < json_integer_value (json_object_get (json_array_get (newest, 1),
                                               "seq")));
    json_decref (listed);

    //  No client may write a denial itself
    im_fields_t *forged = im_fields_new ();
    im_fields_set_str (forged, "verb", "CLASSIFY");
    im_fields_set_str (forged, "reason", "made up");
    im_fields_set_int (forged, "node", 1);
    assert_int_equal (imh_call_status (auditor, "DENY", forged), 403);
    wait.principal = "auditor";
    wait.count = 1;
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    reply = s_denials (auditor, "auditor");
    denial = s_find (reply, "DENY", &count);
    assert_int_equal (count, 1);
    assert_non_null (strstr (im_fields_str_or (denial, "reason", ""),
                             "needs the role node"));
    assert_int_equal (zlist_size (reply->items), 1);
    im_reply_destroy (&reply);

    //  Who the log lets in (not the keys directory's, like rita) is for
    //  an analyst too, not for a reporter
    assert_int_equal (imh_ctl (h, &run, "--as", "auditor", "principals",
                               NULL), 0);
    assert_string_equal (run.out, "no principal in the log\n");
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, NULL, "principal", "add", "ivan",
                               "--roles", "agent,analyst", NULL), 0);
    assert_int_equal (imh_ctl (h, &run, "--as", "auditor", "principals",
                               NULL), 0);
    assert_non_null (strstr (run.out, "ivan"));
    assert_non_null (strstr (run.out, "agent,analyst"));
    assert_null (strstr (run.out, "rita"));
    imh_run_clear (&run);
    assert_int_equal (imh_ctl (h, &run, "--as", "rita", "principals", NULL),
                      1);
    assert_non_null (strstr (run.err, "403"));
    imh_run_clear (&run);

    im_fields_destroy (&forged);
    im_fields_destroy (&body);
    im_fields_destroy (&notify);
    s_cast_destroy (&cast);
    imh_passed (h);
}

static void
test_a_refusal_of_the_state_machine_is_a_denial_too (void **state)
{
    imh_t *h = (imh_t *) *state;
    s_cast_t cast;
    s_cast_new (h, &cast, "carol", "");
    uint64_t own = cast.incident;
    uint64_t other = imh_open (h, "Toner low", "dave", 3, 3);
    assert_true (other > 0);
    im_client_t *carol = cast.who, *auditor = cast.auditor;
    //  carol holds no desk role: a reporter, who comments on what she
    //  reported. On dave's incident the node lets the verb through and
    //  the state machine, which knows the incident, refuses it.
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) own);
    im_fields_set_str (body, "text", "it smokes now");
    assert_int_equal (imh_call_status (carol, "COMMENT", body), 200);
    im_fields_set_int (body, "incident", (int64_t) other);
    assert_int_equal (imh_call_status (carol, "COMMENT", body), 403);
    s_wait_t wait = { auditor, "carol", 1 };
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    im_reply_t *reply = s_denials (auditor, "carol");
    size_t count = 0;
    const im_fields_t *denial = s_find (reply, "COMMENT", &count);
    assert_int_equal (count, 1);
    assert_int_equal (im_fields_int_or (denial, "incident", 0),
                      (int64_t) other);
    assert_non_null (strstr (im_fields_str_or (denial, "reason", ""),
                             "only incidents it reported"));
    im_reply_destroy (&reply);
    assert_int_equal (s_status_int (auditor,
                                    "denied/COMMENT/policy_role"), 1);
    assert_int_equal (imh_count_events (h, other, "incident.commented", NULL,
                                        NULL), 0);
    im_fields_destroy (&body);
    s_cast_destroy (&cast);
    imh_passed (h);
}

static void
test_an_analyst_reads_and_commands_nothing (void **state)
{
    imh_t *h = (imh_t *) *state;
    s_cast_t cast;
    s_cast_new (h, &cast, "carol", "");
    im_client_t *auditor = cast.auditor;
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) cast.incident);
    assert_int_equal (imh_call_status (auditor, "GET", body), 200);
    im_reply_t *reply = im_client_call (auditor, "TIMELINE", NULL, body,
                                        true);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    assert_true (zlist_size (reply->raw_items) >= 1);
    im_reply_destroy (&reply);
    //  The node refuses the verb: an analyst holds no role that acks
    assert_int_equal (imh_call_status (auditor, "ACK", body), 403);
    s_wait_t wait = { auditor, "auditor", 1 };
    assert_true (imh_wait_for (s_listed, &wait, WAIT_MS));
    reply = s_denials (auditor, "auditor");
    size_t count = 0;
    const im_fields_t *denial = s_find (reply, "ACK", &count);
    assert_int_equal (count, 1);
    assert_int_equal (im_fields_int_or (denial, "incident", 0),
                      (int64_t) cast.incident);
    assert_non_null (strstr (im_fields_str_or (denial, "reason", ""),
                             "ACK needs the role agent"));
    im_reply_destroy (&reply);
    assert_int_equal (s_status_int (auditor, "denied/ACK/agent"), 1);
    assert_int_equal (imh_count_events (h, cast.incident,
                                        "incident.acknowledged", NULL, NULL),
                      0);
    im_fields_destroy (&body);
    s_cast_destroy (&cast);
    imh_passed (h);
}

//  True when the STATUS of the node counts FLOOD refused CLASSIFYs and
//  every record it queued was answered
static bool
s_flood_counted (void *arg)
{
    s_wait_t *wait = (s_wait_t *) arg;
    return s_status_int (wait->auditor, "denied/CLASSIFY/classifier")
               == FLOOD
        && s_listed (wait);
}

static void
test_a_flood_of_denials_grows_the_log_a_bounded_amount (void **state)
{
    imh_t *h = (imh_t *) *state;
    s_cast_t cast;
    s_cast_new (h, &cast, "mallet", "");
    uint64_t id = cast.incident;
    im_client_t *mallet = cast.who, *auditor = cast.auditor;
    uint64_t before = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    long log_before = imh_log_size (h, "broker");

    im_fields_t *body = s_classify (id);
    zpoller_t *poller = zpoller_new (im_client_sock (mallet), NULL);
    assert_non_null (poller);
    int sent = 0, answered = 0, refused = 0;
    uint64_t start = im_mono_ms ();
    while (answered < FLOOD && im_mono_ms () - start < 120000) {
        while (sent < FLOOD && sent - answered < INFLIGHT) {
            assert_int_equal (im_client_send (mallet, "CLASSIFY", NULL,
                                              body), 0);
            sent++;
        }
        if (!zpoller_wait (poller, 1000))
            continue;
        im_reply_t *reply = im_client_recv (mallet, false);
        if (reply) {
            answered++;
            refused += reply->status == 403;
        }
        im_reply_destroy (&reply);
    }
    uint64_t took = im_mono_ms () - start;
    zpoller_destroy (&poller);
    assert_int_equal (refused, FLOOD);

    //  Every one counted; the records the node queued all answered
    s_wait_t wait = { auditor, "mallet", 1 };
    assert_true (imh_wait_for (s_flood_counted, &wait, WAIT_MS));
    int64_t recorded = s_status_int (auditor, "denials/recorded");
    int64_t suppressed = s_status_int (auditor, "denials/suppressed");
    im_reply_t *reply = s_denials (auditor, "mallet");
    assert_non_null (reply);
    size_t records = zlist_size (reply->items);
    int64_t stands_for = 0;
    for (const im_fields_t *item = (const im_fields_t *) zlist_first (
             reply->items);
         item; item = (const im_fields_t *) zlist_next (reply->items))
        stands_for += 1 + im_fields_int_or (item, "suppressed", 0);
    im_reply_destroy (&reply);
    uint64_t after = 0;
    assert_int_equal (imh_last_seq (h, &after), 0);
    long log_grown = imh_log_size (h, "broker") - log_before;
    print_message ("%d refused CLASSIFYs in %" PRIu64 " ms: %zu access.denied "
                   "events (standing for %" PRId64 "), %" PRIu64 " events in "
                   "all added to the log, %" PRId64 " held back as counts; "
                   "the broker's own log grew %ld bytes\n", FLOOD, took,
                   records, stands_for, after - before, suppressed,
                   log_grown);
    //  One window's records at most, two should the flood straddle a
    //  window's end (then the first record of the next carries the
    //  count); nothing else was written
    assert_true (records >= BURST && records <= 2 * BURST);
    assert_int_equal (after - before, records);
    assert_int_equal ((int64_t) records, recorded);
    assert_true (stands_for <= FLOOD);
    if (took < 50000) {
        //  Within one window: the first BURST recorded, every other one
        //  held to be summed up when the window ends; none lost
        assert_int_equal (records, BURST);
        assert_int_equal ((int64_t) records + suppressed, FLOOD);
    }
    assert_true (log_grown < 16384);
    im_fields_destroy (&body);
    s_cast_destroy (&cast);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_refused_verb_is_one_denial_in_the_log, s_setup,
            imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_refusal_of_the_state_machine_is_a_denial_too, s_setup,
            imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_an_analyst_reads_and_commands_nothing, s_setup,
            imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_flood_of_denials_grows_the_log_a_bounded_amount, s_setup,
            imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
