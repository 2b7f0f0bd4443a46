/*  e2e_http_flood - a node under connection floods keeps serving others

    Before imq had its own HTTP server, 256 connections that sent
    nothing, or a header line every few seconds, took every slot of the
    server: /healthz, /readyz and the alert receivers stopped answering
    for as long as the trickle lasted. Here one address (127.0.0.1)
    opens 1,000 idle and 200 trickling connections and opens them again
    as they are refused or cut, while a second address (127.0.0.2, also
    loopback) asks /healthz every ~100 ms and must be answered within a
    second every time, and its POSTs must be taken. The flooding address
    itself gets a JSON 429 naming http.connections_per_client, at once.
    Then the other limits, each refused in JSON naming itself: the
    connections in all, the deadline of a body trickled octet by octet,
    and the room bodies being received may take.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "im_classes.h"
#include "im_harness.h"

#define S_IDLE          1000        //  Idle connections of the flood
#define S_SLOW          200         //  Trickling ones
#define S_FLOOD_MS      10000       //  How long it lasts
#define S_HEADER_MS     3000        //  http.header_timeout of its node
#define S_REOPEN_MAX    10          //  Connections opened again a step
#define S_ANSWER_MS     1000        //  What every probe must be within

//  A node with some http limits set (a cmocka prestate)
typedef struct {
    const char *name;               //  Tags its directory
    size_t connections_max;         //  http.connections_max, 0: default
    size_t per_client;              //  http.connections_per_client
    size_t inflight_max;            //  http.inflight_max
    uint32_t header_ms;             //  http.header_timeout, 0: default
    uint32_t body_ms;               //  http.body_timeout, 0: default
} s_node_t;

static const s_node_t s_flooded = { "http-flood", 0, 0, 64, S_HEADER_MS, 0 };
static const s_node_t s_small = { "http-small", 16, 4, 64, 0, 0 };
static const s_node_t s_slow_body = { "http-body", 0, 0, 1, 0, 1000 };

static int
s_setup (void **state)
{
    const s_node_t *node = (const s_node_t *) *state;
    //  The flood needs more descriptors than a shell's usual 1024
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 4096) {
        limit.rlim_cur = limit.rlim_max < 4096 ? limit.rlim_max : 4096;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
    imh_options_t options;
    imh_options_default (&options);
    options.http_body_max = 8192;
    options.http_connections_max = node->connections_max;
    options.http_per_client = node->per_client;
    options.http_inflight_max = node->inflight_max;
    options.http_header_ms = node->header_ms;
    options.http_body_ms = node->body_ms;
    *state = imh_new_node (node->name, &options, false, NULL);
    return *state ? 0 : -1;
}

static const char *s_health =
    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

//  Asks /healthz from address from; returns the reply (the caller
//  clears it), answered within S_ANSWER_MS or failing the test
static imh_raw_reply_t
s_probe (imh_t *harness, const char *from, int64_t *longest_ms)
{
    imh_raw_reply_t reply;
    uint64_t start = im_mono_ms ();
    assert_int_equal (imh_raw (harness, from, s_health, strlen (s_health),
                               S_ANSWER_MS, &reply), 0);
    int64_t took = (int64_t) (im_mono_ms () - start);
    if (took > *longest_ms)
        *longest_ms = took;
    if (reply.complete != 1 || took >= S_ANSWER_MS)
        fail_msg ("/healthz from %s: no answer within %d ms (%" PRId64
                  " ms): %s", from, S_ANSWER_MS, took, reply.text);
    return reply;
}

//  One connection of the flood
typedef struct {
    int fd;                         //  Socket, or -1 once closed
    bool slow;                      //  Trickles its head
    uint64_t opened;                //  When it connected
    uint64_t trickled;              //  When it last sent a line
    int lines;                      //  Lines it sent
} s_flooder_t;

//  The flood and what it saw
typedef struct {
    imh_t *harness;                 //  The node
    s_flooder_t flooders [S_IDLE + S_SLOW];
    int refused;                    //  Answers 429 it got
    int late;                       //  Answers 408 it got
    int other;                      //  Any other answer
    imh_raw_reply_t first_refused;  //  The first 429, kept
    imh_raw_reply_t first_late;     //  The first 408 to a trickler that
                                    //  sent more than one line, kept
    int64_t late_age_ms;            //  How long that one had been open
} s_flood_t;

//  (Re)opens flooder from 127.0.0.1; a slow one starts its head
static void
s_open (s_flood_t *flood, s_flooder_t *flooder)
{
    flooder->fd = imh_raw_connect (flood->harness, "127.0.0.1");
    assert_true (flooder->fd >= 0);
    flooder->opened = flooder->trickled = im_mono_ms ();
    flooder->lines = 0;
    if (flooder->slow) {
        const char *line = "POST /v1/incidents HTTP/1.1\r\n";
        assert_int_equal (imh_raw_send (flooder->fd, line, strlen (line)), 0);
        flooder->lines = 1;
    }
}

//  Reads what came to the flooders, closes those answered or cut, opens
//  some of them again, and trickles a line on the slow ones each second
static void
s_flood_step (s_flood_t *flood)
{
    struct pollfd items [S_IDLE + S_SLOW];
    s_flooder_t *polled [S_IDLE + S_SLOW];
    size_t count = 0;
    for (size_t index = 0; index < S_IDLE + S_SLOW; index++)
        if (flood->flooders [index].fd != -1) {
            polled [count] = &flood->flooders [index];
            items [count++] = (struct pollfd) {
                flood->flooders [index].fd, POLLIN, 0 };
        }
    assert_true (poll (items, count, 0) >= 0);
    for (size_t item = 0; item < count; item++) {
        if (!items [item].revents)
            continue;
        s_flooder_t *flooder = polled [item];
        imh_raw_reply_t reply;
        memset (&reply, 0, sizeof reply);
        imh_raw_read (flooder->fd, 1, 200, &reply);
        int64_t age = (int64_t) (im_mono_ms () - flooder->opened);
        bool keep = false;
        if (reply.status == 429) {
            keep = flood->refused++ == 0;
            if (keep)
                flood->first_refused = reply;
        }
        else
        if (reply.status == 408) {
            keep = flooder->slow && flooder->lines > 1
                && !flood->first_late.text;
            if (keep) {
                flood->first_late = reply;
                flood->late_age_ms = age;
            }
            flood->late++;
        }
        else
        if (reply.status)
            flood->other++;
        if (!keep)
            imh_raw_clear (&reply);
        imh_raw_abort (flooder->fd);
        flooder->fd = -1;
    }
    uint64_t now = im_mono_ms ();
    size_t opened = 0;
    for (size_t index = 0; index < S_IDLE + S_SLOW; index++) {
        s_flooder_t *flooder = &flood->flooders [index];
        if (flooder->fd == -1 && opened < S_REOPEN_MAX) {
            s_open (flood, flooder);
            opened++;
        }
        else
        if (flooder->fd != -1 && flooder->slow
        &&  now - flooder->trickled >= 1000) {
            char line [64];
            snprintf (line, sizeof line, "X-Slow-%d: %d\r\n", flooder->lines,
                      flooder->lines);
            //  A refused connection may be closed already: that is fine
            imh_raw_send (flooder->fd, line, strlen (line));
            flooder->trickled = now;
            flooder->lines++;
        }
    }
}

static void
test_a_flood_from_one_address_starves_no_one (void **state)
{
    imh_t *harness = (imh_t *) *state;
    s_flood_t flood;
    memset (&flood, 0, sizeof flood);
    flood.harness = harness;
    //  The tricklers first, so that they hold the address's connections
    for (size_t index = 0; index < S_IDLE + S_SLOW; index++) {
        flood.flooders [index].slow = index < S_SLOW;
        s_open (&flood, &flood.flooders [index]);
    }
    //  The flooding address is at its limit: it is told so, at once
    int64_t longest = 0, longest_own = 0;
    imh_raw_reply_t reply = s_probe (harness, "127.0.0.1", &longest_own);
    imh_raw_expect_error (&reply, 429, "http.connections_per_client");
    imh_raw_clear (&reply);

    char post [512];
    assert_non_null (imh_http_token (harness));
    snprintf (post, sizeof post,
        "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Authorization: Bearer %s\r\nContent-Length: 43\r\n\r\n"
        "{\"title\": \"under flood\", \"reporter\": \"ann\"}",
        imh_http_token (harness));
    uint64_t start = im_mono_ms ();
    int probes = 0, posts = 0, own = 0, own_refused = 0;
    uint64_t next_post = start, next_own = start + 1000;
    while (im_mono_ms () - start < S_FLOOD_MS) {
        s_flood_step (&flood);
        reply = s_probe (harness, "127.0.0.2", &longest);
        assert_int_equal (reply.status, 200);
        imh_raw_clear (&reply);
        probes++;
        uint64_t now = im_mono_ms ();
        if (now >= next_post) {
            //  An incident from the other address is taken
            assert_int_equal (imh_raw (harness, "127.0.0.2", post,
                                       strlen (post), 5000, &reply), 0);
            if (reply.status != 201)
                fail_msg ("POST from 127.0.0.2 under flood: %s", reply.text);
            imh_raw_clear (&reply);
            posts++;
            next_post = now + 3000;
        }
        if (now >= next_own) {
            //  The flooding address: answered too, 200 or 429
            reply = s_probe (harness, "127.0.0.1", &longest_own);
            if (reply.status == 429)
                imh_raw_expect_error (&reply, 429,
                                      "http.connections_per_client");
            else
                assert_int_equal (reply.status, 200);
            own_refused += reply.status == 429;
            own++;
            imh_raw_clear (&reply);
            next_own = now + 1000;
        }
        usleep (50 * 1000);
    }
    print_message ("flood: %d /healthz from 127.0.0.2, longest %" PRId64
                   " ms; %d POSTs taken; 127.0.0.1 asked %d times (%d "
                   "refused), longest %" PRId64 " ms; flooders got %d 429, "
                   "%d 408, %d other\n", probes, longest, posts, own,
                   own_refused, longest_own, flood.refused, flood.late,
                   flood.other);
    assert_true (probes >= 20 && posts >= 3 && own >= 5);
    assert_true (longest < S_ANSWER_MS && longest_own < S_ANSWER_MS);

    //  What the flooders got: refusals naming the limit, and tricklers
    //  cut at http.header_timeout from their start, however they trickled
    assert_true (flood.refused > S_IDLE);
    imh_raw_expect_error (&flood.first_refused, 429,
                          "too many connections from 127.0.0.1: at most 64 "
                          "at once (http.connections_per_client)");
    assert_non_null (flood.first_late.text);
    imh_raw_expect_error (&flood.first_late, 408, "http.header_timeout");
    assert_true (flood.late_age_ms >= S_HEADER_MS - 200
                 && flood.late_age_ms < S_HEADER_MS + 2000);
    assert_int_equal (flood.other, 0);
    imh_raw_clear (&flood.first_refused);
    imh_raw_clear (&flood.first_late);

    //  The flood over, the address is served again
    for (size_t index = 0; index < S_IDLE + S_SLOW; index++)
        if (flood.flooders [index].fd != -1)
            imh_raw_abort (flood.flooders [index].fd);
    for (int tries = 0; tries < 100; tries++) {
        reply = s_probe (harness, "127.0.0.1", &longest_own);
        int status = reply.status;
        imh_raw_clear (&reply);
        if (status == 200)
            break;
        assert_int_equal (status, 429);
        usleep (20 * 1000);
    }
    imh_http_reply_t metrics =
        imh_http_expect (harness, "GET", "/metrics", NULL, NULL, 200);
    assert_true (imh_http_sample (metrics.body, "imq_http_requests_total{"
                                                "code=\"429\"}") > S_IDLE);
    assert_true (imh_http_sample (metrics.body, "imq_http_requests_total{"
                                                "code=\"408\"}") > 0);
    imh_http_clear (&metrics);
    imh_passed (harness);
}

static void
test_connections_in_all_are_capped (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  Four addresses with four connections each: sixteen, the limit
    int fds [16];
    char from [16];
    for (int index = 0; index < 16; index++) {
        snprintf (from, sizeof from, "127.0.0.%d", 3 + index / 4);
        fds [index] = imh_raw_connect (harness, from);
        assert_true (fds [index] >= 0);
    }
    //  The server takes them in as it accepts: wait for the refusal
    int64_t longest = 0;
    imh_raw_reply_t reply;
    for (int tries = 0; tries < 100; tries++) {
        reply = s_probe (harness, "127.0.0.2", &longest);
        if (reply.status == 503)
            break;
        imh_raw_clear (&reply);
        usleep (20 * 1000);
    }
    imh_raw_expect_error (&reply, 503, "too many connections: at most 16 "
                                       "at once (http.connections_max)");
    assert_non_null (strstr (reply.text, "Retry-After: 1\r\n"));
    imh_raw_clear (&reply);
    //  An address over its own limit hears of that one first
    reply = s_probe (harness, "127.0.0.3", &longest);
    imh_raw_expect_error (&reply, 429, "at most 4 at once "
                                       "(http.connections_per_client)");
    imh_raw_clear (&reply);
    //  Connections closed make room again
    for (int index = 0; index < 4; index++)
        close (fds [index]);
    int status = 0;
    for (int tries = 0; tries < 100 && status != 200; tries++) {
        reply = s_probe (harness, "127.0.0.2", &longest);
        status = reply.status;
        imh_raw_clear (&reply);
        if (status != 200)
            usleep (20 * 1000);
    }
    assert_int_equal (status, 200);
    for (int index = 4; index < 16; index++)
        close (fds [index]);
    imh_passed (harness);
}

static void
test_a_trickled_body_is_cut_at_its_deadline (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  One octet each 200 ms: every one arrives well within any idle
    //  timeout, the whole body never within http.body_timeout (1 s)
    const char *head = "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
                       "Content-Length: 100\r\n\r\n";
    int fd = imh_raw_connect (harness, "127.0.0.2");
    assert_true (fd >= 0);
    assert_int_equal (imh_raw_send (fd, head, strlen (head)), 0);
    uint64_t start = im_mono_ms ();
    imh_raw_reply_t reply;
    memset (&reply, 0, sizeof reply);
    while (!reply.complete && !reply.closed
       &&  im_mono_ms () - start < 5000) {
        imh_raw_send (fd, "{", 1);
        imh_raw_read (fd, 1, 200, &reply);
    }
    int64_t took = (int64_t) (im_mono_ms () - start);
    close (fd);
    imh_raw_expect_error (&reply, 408, "the request body did not arrive "
                                       "within 1000 ms (http.body_timeout)");
    assert_true (took >= 900 && took < 2500);
    imh_raw_clear (&reply);

    //  Bodies being received hold at most inflight_max x body_max
    //  (8192 octets here): a second one announced while the first holds
    //  5000 is refused at once; the first goes on
    char first [512];
    assert_non_null (imh_http_token (harness));
    snprintf (first, sizeof first, "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
              "Authorization: Bearer %s\r\n"
              "Connection: close\r\nContent-Length: 5000\r\n\r\n",
              imh_http_token (harness));
    int holder = imh_raw_connect (harness, "127.0.0.2");
    assert_true (holder >= 0);
    assert_int_equal (imh_raw_send (holder, first, strlen (first)), 0);
    int status = 0;
    for (int tries = 0; tries < 100 && status != 503; tries++) {
        assert_int_equal (imh_raw (harness, "127.0.0.3", first, strlen (first),
                                   S_ANSWER_MS, &reply), 0);
        status = reply.status;
        if (status != 503)
            imh_raw_clear (&reply);
    }
    imh_raw_expect_error (&reply, 503, "too many request bodies being "
                                       "received at once");
    imh_raw_clear (&reply);
    char *body = (char *) malloc (5000);
    memset (body, ' ', 5000);
    memcpy (body, "{\"title\": \"held\", \"reporter\": \"ann\"}", 36);
    assert_int_equal (imh_raw_send (holder, body, 5000), 0);
    free (body);
    memset (&reply, 0, sizeof reply);
    imh_raw_read (holder, 1, 5000, &reply);
    assert_int_equal (reply.status, 201);
    imh_raw_clear (&reply);
    close (holder);
    imh_passed (harness);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_prestate_setup_teardown (
            test_a_flood_from_one_address_starves_no_one, s_setup,
            imh_teardown, (void *) &s_flooded),
        cmocka_unit_test_prestate_setup_teardown (
            test_connections_in_all_are_capped, s_setup, imh_teardown,
            (void *) &s_small),
        cmocka_unit_test_prestate_setup_teardown (
            test_a_trickled_body_is_cut_at_its_deadline, s_setup,
            imh_teardown, (void *) &s_slow_body),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
