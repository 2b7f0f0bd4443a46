/*  e2e_auth - every client proves who it is, and is only what it proved

    A real broker with CURVE on both endpoints (the default): a key it
    does not know gets no answer and costs a counted, rate-limited log
    line; the actor of a command is the key's principal whatever the
    body says; worker verbs need the worker kind's role and policy and
    cluster verbs an administrator's; a worker key joins only its own
    group; a key removed from the keys directory is refused on the
    connection it still holds within 2 s; and bytes that are not a
    handshake at all cost the broker nothing it logs.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait
#define CALL_MS     3000            //  One call's deadline
#define REVOKE_MS   2000            //  A removed key is refused this soon

static int
s_setup (void **state)
{
    *state = imh_new ("auth", NULL);
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

static void
test_an_unknown_key_gets_no_answer (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    //  A certificate made elsewhere: the node knows its own key, the
    //  stranger does not hold one the node knows
    char dir [512], cert [600], errbuf [256] = "";
    snprintf (dir, sizeof dir, "%s/elsewhere", imh_dir (h));
    assert_int_equal (im_curve_keygen (dir, "mallory", "administrator", NULL,
                                       NULL, errbuf, sizeof errbuf), 0);
    snprintf (cert, sizeof cert, "%s/mallory.key_secret", dir);
    imh_run_t run;
    int status = imh_ctl (h, &run, "--cert", cert, "--keys", imh_keys_dir (h),
                          "--timeout", "1500", "open", "--title", "Mine now",
                          "--reporter", "mallory", NULL);
    assert_int_equal (status, 3);   //  No answer
    imh_run_clear (&run);
    assert_true (imh_log_lines (h, "broker", "unknown key") >= 1);
    //  Nothing was opened
    uint64_t last = 0;
    assert_int_equal (imh_last_seq (h, &last), 0);
    assert_int_equal (last, 0);
    //  Without CURVE at all: no answer either
    status = imh_ctl (h, &run, "--no-curve", "--timeout", "1500", "status",
                      NULL);
    assert_int_equal (status, 3);
    imh_run_clear (&run);
    imh_passed (h);
}

static void
test_the_actor_is_the_key_not_the_body (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    //  carol works the desk: an agent, who may take a new incident
    char cert [IMH_PATH_MAX + 80];
    assert_int_equal (imh_cert (h, "carol", "agent", cert, sizeof cert), 0);
    json_t *opened = imh_ctl_json (h, "--as", "carol", "--actor", "ann",
                                   "open", "--title", "Badge reader down",
                                   "--reporter", "carol", NULL);
    assert_non_null (opened);
    uint64_t id = (uint64_t) imh_json_int (opened, "incident");
    json_decref (opened);
    assert_true (id > 0);
    zlist_t *events = imh_timeline (h, id);
    assert_non_null (events);
    im_event_t *first = (im_event_t *) zlist_first (events);
    assert_non_null (first);
    assert_int_equal (first->type, IM_EV_OPENED);
    assert_string_equal (first->actor, "carol");
    //  What the body said is kept as whom carol acted for
    assert_string_equal (im_fields_str_or (first->payload, "on_behalf_of",
                                           ""), "ann");
    imh_events_destroy (&events);
    //  Without --actor, carol acts for nobody but herself
    assert_int_equal (imh_ctl (h, NULL, "--as", "carol", "ack", "1", NULL),
                      0);
    events = imh_timeline (h, id);
    im_event_t *last = (im_event_t *) zlist_last (events);
    assert_non_null (last);
    assert_string_equal (last->actor, "carol");
    assert_false (im_fields_has (last->payload, "on_behalf_of"));
    imh_events_destroy (&events);
    imh_passed (h);
}

static void
test_verbs_need_their_roles (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    uint64_t id = imh_open (h, "Mail queue stuck", "dave", 2, 2);
    assert_true (id > 0);
    im_curve_t *carol_id = NULL, *classifier_id = NULL;
    im_client_t *carol = s_client_as (h, "carol", "", &carol_id);
    im_client_t *classifier = s_client_as (h, "classifier", "classifier",
                                           &classifier_id);
    //  A person's key cannot pose as a worker
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) id);
    im_fields_set_int (body, "priority", 1);
    im_fields_set_str (body, "category", "network");
    assert_int_equal (imh_call_status (carol, "CLASSIFY", body), 403);
    im_fields_t *notify = im_fields_new ();
    im_fields_set_int (notify, "incident", (int64_t) id);
    im_fields_set_str (notify, "recipient", "boss");
    im_fields_set_str (notify, "channel", "email");
    assert_int_equal (imh_call_status (carol, "NOTIFY", notify), 403);
    assert_int_equal (imh_call_status (carol, "SLA-BREACH", notify), 403);
    //  Nor apply a policy, nor change the cluster
    im_fields_t *policy = im_fields_new ();
    im_fields_set_str (policy, "text", "agents:\n  - {name: carol, "
                       "roles: [incident_manager]}\n");
    im_fields_set_str (policy, "source", "mine.yaml");
    assert_int_equal (imh_call_status (carol, "CONFIG", policy), 403);
    im_fields_t *empty = im_fields_new ();
    assert_int_equal (imh_call_status (carol, "CHECKPOINT", empty), 403);
    //  Nothing of those is in the log; the classifier's key classifies
    assert_int_equal (imh_count_events (h, id, "incident.classified", NULL,
                                        NULL), 0);
    assert_int_equal (imh_call_status (classifier, "CLASSIFY", body), 200);
    assert_int_equal (imh_count_events (h, id, "incident.classified", NULL,
                                        NULL), 1);
    //  ...but cannot page anyone
    assert_int_equal (imh_call_status (classifier, "NOTIFY", notify), 403);
    //  The denials are counted and logged
    assert_true (imh_log_lines (h, "broker", "needs the role") >= 5);
    im_fields_destroy (&body);
    im_fields_destroy (&notify);
    im_fields_destroy (&policy);
    im_fields_destroy (&empty);
    im_client_destroy (&carol);
    im_client_destroy (&classifier);
    im_curve_destroy (&carol_id);
    im_curve_destroy (&classifier_id);
    imh_passed (h);
}

static void
test_the_log_cannot_make_a_node (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    uint64_t id = imh_open (h, "Kiosk offline", "gina", 3, 3);
    assert_true (id > 0);
    //  A node is trusted to relay what others asked: a grant of the log
    //  must not make one
    char dir [512], cert [600], public [600], errbuf [256] = "";
    snprintf (dir, sizeof dir, "%s/eve-laptop", imh_dir (h));
    assert_int_equal (im_curve_keygen (dir, "eve", "", NULL, NULL, errbuf,
                                       sizeof errbuf), 0);
    snprintf (cert, sizeof cert, "%s/eve.key_secret", dir);
    snprintf (public, sizeof public, "%s/eve.key", dir);
    assert_int_equal (imh_ctl (h, NULL, "principal", "add", "eve",
                               "--key-file", public, "--roles", "node,agent",
                               NULL), 0);
    im_curve_t *eve_id = im_curve_new (cert, imh_keys_dir (h), errbuf,
                                       sizeof errbuf);
    assert_non_null (eve_id);
    im_client_t *eve = im_client_new_curve (imh_client_endpoint (h),
                                            CALL_MS, eve_id);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) id);
    im_fields_set_int (body, "priority", 1);
    im_fields_set_str (body, "category", "network");
    assert_int_equal (imh_call_status (eve, "CLASSIFY", body), 403);
    //  ...and what eve does is recorded as eve, whatever she says
    im_fields_t *comment = im_fields_new ();
    im_fields_set_int (comment, "incident", (int64_t) id);
    im_fields_set_str (comment, "text", "rebooted it");
    im_fields_set_str (comment, "actor", "gina");
    assert_int_equal (imh_call_status (eve, "COMMENT", comment), 200);
    zlist_t *events = imh_timeline (h, id);
    im_event_t *last = (im_event_t *) zlist_last (events);
    assert_non_null (last);
    assert_int_equal (last->type, IM_EV_COMMENTED);
    assert_string_equal (last->actor, "eve");
    imh_events_destroy (&events);
    im_fields_destroy (&body);
    im_fields_destroy (&comment);
    im_client_destroy (&eve);
    im_curve_destroy (&eve_id);
    imh_passed (h);
}

static void
test_a_worker_key_joins_only_its_group (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    zsock_t *sla = imh_dealer (h, imh_worker_endpoint (h), "sla");
    assert_non_null (sla);
    zstr_sendx (sla, "IMQW01", "READY", "classifier", "rogue", "1", NULL);
    zsock_set_rcvtimeo (sla, WAIT_MS);
    zmsg_t *msg = zmsg_recv (sla);
    assert_non_null (msg);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char errbuf [256] = "";
    assert_int_equal (im_wmsg_decode (wmsg, &msg, errbuf, sizeof errbuf), 0);
    assert_int_equal (wmsg->type, IM_WMSG_ERROR);
    assert_int_equal (wmsg->status, 403);
    im_wmsg_destroy (&wmsg);
    assert_int_equal (imh_group (h, "classifier", NULL, NULL), -1);
    zsock_destroy (&sla);
    imh_passed (h);
}

static void
test_a_removed_key_is_refused_on_its_open_connection (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    im_curve_t *identity = NULL;
    im_client_t *client = s_client_as (h, "erin", "", &identity);
    assert_int_equal (imh_call_status (client, "STATUS", NULL), 200);
    char path [600];
    snprintf (path, sizeof path, "%s/erin.key", imh_keys_dir (h));
    assert_int_equal (unlink (path), 0);
    uint64_t removed = im_mono_ms ();
    int status = 200;
    while (status == 200 && im_mono_ms () - removed < WAIT_MS)
        status = imh_call_status (client, "STATUS", NULL);
    uint64_t took = im_mono_ms () - removed;
    print_message ("a removed key refused after %" PRIu64 " ms\n", took);
    assert_int_equal (status, 401);
    assert_true (took <= REVOKE_MS);
    im_client_destroy (&client);
    im_curve_destroy (&identity);
    imh_passed (h);
}

//  Opens a stream connection to endpoint (ipc:// or tcp:// on
//  127.0.0.1); returns the socket or -1
static int
s_raw (const char *endpoint)
{
    int fd = -1;
    if (strncmp (endpoint, "ipc://", 6) == 0) {
        struct sockaddr_un address;
        memset (&address, 0, sizeof address);
        address.sun_family = AF_UNIX;
        im_strlcpy (address.sun_path, endpoint + 6, sizeof address.sun_path);
        fd = socket (AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0
        &&  connect (fd, (struct sockaddr *) &address, sizeof address)) {
            close (fd);
            fd = -1;
        }
        return fd;
    }
    const char *colon = strrchr (endpoint, ':');
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    address.sin_port = htons ((uint16_t) atoi (colon + 1));
    fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd >= 0
    &&  connect (fd, (struct sockaddr *) &address, sizeof address)) {
        close (fd);
        fd = -1;
    }
    return fd;
}

//  True when /metrics counts 200 refused handshakes
static bool
s_strangers_counted (void *arg)
{
    imh_http_reply_t reply = imh_http_expect ((imh_t *) arg, "GET",
                                              "/metrics", NULL, NULL, 200);
    long count = imh_http_sample (reply.body, "imq_refused_messages_total"
                                  "{kind=\"client/unknown_key\"}");
    imh_http_clear (&reply);
    return count >= 200;
}

static void
test_garbage_before_the_handshake_costs_nothing (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    long before = imh_log_size (h, "broker");
    //  200 connections of 16 KiB that are no ZMTP greeting at all, and
    //  200 handshakes with keys the node does not know
    char noise [16384];
    for (size_t index = 0; index < sizeof noise; index++)
        noise [index] = (char) (index * 131 + 7);
    for (int round = 0; round < 200; round++) {
        int fd = s_raw (round % 2 ? imh_client_endpoint (h)
                                  : imh_worker_endpoint (h));
        assert_true (fd >= 0);
        ssize_t sent = send (fd, noise, sizeof noise, MSG_NOSIGNAL);
        (void) sent;                //  The node may hang up first
        close (fd);
    }
    char dir [512], cert [600], errbuf [256] = "";
    snprintf (dir, sizeof dir, "%s/strangers", imh_dir (h));
    assert_int_equal (im_curve_keygen (dir, "stranger", "", NULL, NULL,
                                       errbuf, sizeof errbuf), 0);
    snprintf (cert, sizeof cert, "%s/stranger.key_secret", dir);
    im_curve_t *stranger = im_curve_new (cert, imh_keys_dir (h), errbuf,
                                         sizeof errbuf);
    assert_non_null (stranger);
    zsock_t *dealers [200];
    for (int round = 0; round < 200; round++) {
        zsock_t *dealer = zsock_new (ZMQ_DEALER);
        assert_int_equal (im_curve_client (stranger, dealer,
                                           imh_client_endpoint (h), errbuf,
                                           sizeof errbuf), 0);
        assert_int_equal (zsock_connect (dealer, "%s",
                                         imh_client_endpoint (h)), 0);
        dealers [round] = dealer;
    }
    //  Every handshake was tried and refused: the count says so
    assert_true (imh_wait_for (s_strangers_counted, h, WAIT_MS));
    for (int round = 0; round < 200; round++)
        zsock_destroy (&dealers [round]);
    im_curve_destroy (&stranger);
    //  The node still serves, and said little about any of it: at most
    //  the first refused handshakes in full, then counts
    assert_true (imh_open (h, "Projector flickers", "frank", 3, 3) > 0);
    long grown = imh_log_size (h, "broker") - before;
    print_message ("the broker's log grew %ld bytes\n", grown);
    assert_true (grown < 4096);
    assert_true (imh_log_lines (h, "broker", "unknown key") <= 10);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_an_unknown_key_gets_no_answer,
                                         s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_actor_is_the_key_not_the_body, s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (test_verbs_need_their_roles,
                                         s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_log_cannot_make_a_node, s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_worker_key_joins_only_its_group, s_setup, imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_removed_key_is_refused_on_its_open_connection, s_setup,
            imh_teardown),
        cmocka_unit_test_setup_teardown (
            test_garbage_before_the_handshake_costs_nothing, s_setup,
            imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
