/*  e2e_bad_input - bad bytes, bad files, bad flags: a reason, no harm

    Whatever arrives on the client endpoint, the broker answers with an
    error that says what was wrong and goes on serving, with nothing
    stored changed. A raw DEALER stands in for a misbehaving client, so
    every frame is exactly what the test says. A configuration file with
    mistakes stops a program before it starts, naming file and line; a
    wrong flag is exit status 2. The worker side is in e2e_bad_stream.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

typedef imh_peer_t fixture_t;

static int
s_setup (void **state)
{
    return imh_peer_setup (state, "badinput");
}

//  Encodes a fields map of up to two string pairs into frame bytes
static zframe_t *
s_body (const char *key1, const char *value1, const char *key2,
        const char *value2)
{
    im_fields_t *fields = im_fields_new ();
    if (key1)
        im_fields_set_str (fields, key1, value1);
    if (key2)
        im_fields_set_str (fields, key2, value2);
    char *data = NULL;
    size_t size = 0;
    assert_int_equal (im_fields_encode (fields, &data, &size), 0);
    zframe_t *frame = zframe_new (data, size);
    free (data);
    im_fields_destroy (&fields);
    return frame;
}

//  Sends the message of the string frames, then last (taken), on the
//  raw DEALER and checks the reply: its status, that its error names
//  text, and that it echoes request_id (when not NULL)
static void
s_ask (fixture_t *self, const char *const *strings, zframe_t *last,
       int status, const char *text, const char *request_id)
{
    zmsg_t *msg = imh_peer_msg (strings, last);
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    zmsg_t *answer = imh_peer_recv (self->peer);
    assert_non_null (answer);
    im_reply_t *reply = im_reply_new (200);
    char errbuf [200] = "";
    assert_int_equal (im_reply_decode (reply, &answer, false, errbuf,
                                       sizeof errbuf), 0);
    const char *error = im_fields_str_or (reply->body, "error", "");
    if (reply->status != status || !strstr (error, text))
        fail_msg ("expected %d naming '%s', got %d '%s'", status, text,
                  reply->status, error);
    if (status != 200 && !*error)
        fail_msg ("status %d without an error", status);
    if (request_id)
        assert_string_equal (reply->request_id, request_id);
    im_reply_destroy (&reply);
}

//  Sends verb with request_id and the body frame (taken), in an
//  envelope that is right in every other frame; checks as s_ask
static void
s_hostile (fixture_t *self, const char *verb, const char *request_id,
           zframe_t *body, int status, const char *text)
{
    s_ask (self, (const char *[]) { "IMQ01", verb, request_id, NULL }, body,
           status, text, request_id);
}

//  Appends a msgpack str32 of length bytes of 'v' to chunk (written by
//  hand: past the fields limit im_fields refuses it)
static void
s_str32 (zchunk_t *chunk, size_t length)
{
    uint8_t head [5] = { 0xdb, (uint8_t) (length >> 24),
                         (uint8_t) (length >> 16), (uint8_t) (length >> 8),
                         (uint8_t) length };
    zchunk_extend (chunk, head, 5);
    char *value = (char *) malloc (length + 1);
    assert_non_null (value);
    memset (value, 'v', length);
    zchunk_extend (chunk, value, length);
    free (value);
}

//  A fields map with one str entry of key (at most 31 bytes) and a
//  value of length bytes of 'v', encoded
static zframe_t *
s_long (const char *key, size_t length)
{
    zchunk_t *chunk = zchunk_new (NULL, 0);
    uint8_t head [2] = { 0x81, (uint8_t) (0xa0 | strlen (key)) };
    zchunk_extend (chunk, head, 2);
    zchunk_extend (chunk, key, strlen (key));
    s_str32 (chunk, length);
    zframe_t *frame = zframe_new (zchunk_data (chunk), zchunk_size (chunk));
    zchunk_destroy (&chunk);
    return frame;
}

//  A fields map of one entry, a key of length bytes of 'k' and the
//  value 1, encoded by hand (im_fields refuses a key past its limit)
static zframe_t *
s_key (size_t length)
{
    uint8_t bytes [300] = { 0x81, 0xd9, (uint8_t) length };
    assert_true (length + 4 <= sizeof bytes);
    memset (bytes + 3, 'k', length);
    bytes [3 + length] = 0x01;
    return zframe_new (bytes, length + 4);
}

//  A fields map of count int entries "k<n>": n, encoded
static zframe_t *
s_many (size_t count)
{
    zchunk_t *chunk = zchunk_new (NULL, 0);
    uint8_t head [3] = { 0xde, (uint8_t) (count >> 8), (uint8_t) count };
    zchunk_extend (chunk, head, 3);
    for (size_t index = 0; index < count; index++) {
        char key [8];
        int length = snprintf (key, sizeof key, "k%zu", index);
        uint8_t lead = (uint8_t) (0xa0 | length);
        zchunk_extend (chunk, &lead, 1);
        zchunk_extend (chunk, key, (size_t) length);
        uint8_t value = (uint8_t) (index & 0x7f);
        zchunk_extend (chunk, &value, 1);
    }
    zframe_t *frame = zframe_new (zchunk_data (chunk), zchunk_size (chunk));
    zchunk_destroy (&chunk);
    return frame;
}

//  A body frame of exactly size octets (at least 1 MiB - 100 KiB): a
//  map of 16 str values, each at most the 65,536 octets a value may take
static zframe_t *
s_sized (size_t size)
{
    zchunk_t *chunk = zchunk_new (NULL, 0);
    uint8_t head [3] = { 0xde, 0, 16 };
    zchunk_extend (chunk, head, 3);
    size_t left = size - 3 - 16 * (4 + 5);
    for (int index = 0; index < 16; index++) {
        size_t length = index < 15 ? 65536 : left;
        assert_true (length <= 65536);
        left -= length;
        char key [5];
        snprintf (key, sizeof key, "\xa3k%02d", index);
        zchunk_extend (chunk, key, 4);
        s_str32 (chunk, length);
    }
    assert_int_equal (zchunk_size (chunk), size);
    zframe_t *frame = zframe_new (zchunk_data (chunk), zchunk_size (chunk));
    zchunk_destroy (&chunk);
    return frame;
}

//  Raw bytes as a frame
static zframe_t *
s_bytes (const char *bytes, size_t size)
{
    return zframe_new (bytes, size);
}

//  Reads the projection of incident 1 as JSON text, for comparison
static char *
s_incident_text (imh_t *harness)
{
    json_t *incident = imh_ctl_json (harness, "show", "1", NULL);
    assert_non_null (incident);
    char *text = json_dumps (incident, JSON_SORT_KEYS);
    json_decref (incident);
    return text;
}

//  Checks that the broker in slot broker runs, has stored no event
//  since before, and shows incident 1 as *incident_p said (taken)
static void
s_unchanged (imh_t *h, int broker, uint64_t before, char **incident_p)
{
    assert_true (imh_running (h, broker));
    uint64_t after = 0;
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    char *now = s_incident_text (h);
    assert_string_equal (now, *incident_p);
    free (now);
    free (*incident_p);
    *incident_p = NULL;
}

static void
test_client_garbage_gets_a_reason_and_changes_nothing (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_peer_start (self, false);
    assert_true (broker >= 0);
    //  The raw socket speaks the protocol when it is told to
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r0", NULL },
           s_body ("title", "Router rebooting", "reporter", "hana"), 200, "",
           "r0");
    uint64_t before = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    char *incident = s_incident_text (h);

    //  Truncated: each missing frame named
    s_ask (self, (const char *[]) { "IMQ01", NULL }, NULL, 400, "missing verb",
           NULL);
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", NULL }, NULL, 400,
           "missing request id", NULL);
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r3", NULL }, NULL, 400,
           "missing body", "r3");
    //  Wrong signature, unknown verbs, an extra frame, a bad request id
    s_ask (self, (const char *[]) { "IMQ03", "OPEN", "r5", NULL },
           s_body (NULL, NULL, NULL, NULL), 400, "signature", NULL);
    s_ask (self, (const char *[]) { "IMQ01", "EXPLODE", "r6", NULL },
           s_body (NULL, NULL, NULL, NULL), 400, "unknown verb 'EXPLODE'",
           "r6");
    s_ask (self, (const char *[]) { "IMQ01", "OFFSET", "r7", NULL },
           s_body ("group", "sla", NULL, NULL), 400, "unknown verb", "r7");
    s_ask (self, (const char *[]) { "IMQ01", "GET", "r8", "", "extra", NULL },
           NULL, 400, "unexpected frame", "r8");
    s_ask (self, (const char *[]) { "IMQ01", "GET", "\xff\xfe", NULL },
           s_body (NULL, NULL, NULL, NULL), 400, "request id", NULL);
    //  Wrong types and values, each argument named
    s_ask (self, (const char *[]) { "IMQ01", "ACK", "r9", NULL },
           s_body ("incident", "1", NULL, NULL), 400, "'incident'", "r9");
    s_ask (self, (const char *[]) { "IMQ01", "GET", "r10", NULL },
           s_body ("incident", "five", NULL, NULL), 400, "'incident'", "r10");
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r11", NULL },
           s_body ("title", "T", "impact", "high"), 400, "'impact'", "r11");
    //  A refusal the state machine made is the answer to a repeat too
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r11", NULL },
           s_body ("title", "T", "impact", "high"), 400, "'impact'", "r11");
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r12", NULL },
           s_body ("title", "No reporter", NULL, NULL), 400, "'reporter'",
           "r12");
    //  Too big, and msgpack that lies about its size
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r13", NULL },
           zframe_new (self->big, IMH_PEER_BIG), 413, "1048576", "r13");
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r14", NULL },
           zframe_new ("\xdd\xff\xff\xff\xff", 5), 400,
           "body: offset 0: array declares", "r14");
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r15", NULL },
           zframe_new ("\xdf\xff\xff\xff\xff", 5), 400,
           "body: offset 0: map declares", "r15");
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", "r16", NULL },
           zframe_new ("\x92\x01\x02", 3), 400, "expected a map", "r16");

    //  Nothing stored changed, and the broker still serves
    s_unchanged (h, broker, before, &incident);
    json_t *reply = imh_ctl_json (h, "open", "--title", "Still serving",
                                  "--reporter", "hana", NULL);
    assert_non_null (reply);
    assert_int_equal (imh_json_int (reply, "seq"), (int64_t) before + 1);
    json_decref (reply);
    imh_passed (h);
}

//  Every body below is refused; none changes what is stored
static void
test_hostile_bodies_in_a_right_envelope_get_a_status_each (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_peer_start (self, false);
    assert_true (broker >= 0);
    s_hostile (self, "OPEN", "h0", s_body ("title", "Printer on fire",
                                           "reporter", "ivan"), 200, "");
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    char *incident = s_incident_text (h);

    //  msgpack bombs: sizes declared far past the frame, found before a
    //  byte is allocated for them
    s_hostile (self, "OPEN", "h1", s_bytes ("\xdd\xff\xff\xff\xff", 5), 400,
               "body: offset 0: array declares 4294967295 elements");
    s_hostile (self, "OPEN", "h2", s_bytes ("\xde\xff\xff", 3), 400,
               "body: offset 0: map declares 65535 entries");
    s_hostile (self, "OPEN", "h3", s_bytes ("\xc6\xff\xff\xff\xff", 5), 400,
               "body: offset 0: bin declares 4294967295 bytes");
    s_hostile (self, "OPEN", "h4", s_bytes ("\xdb\xff\xff\xff\xff", 5), 400,
               "body: offset 0: str declares 4294967295 bytes");
    s_hostile (self, "OPEN", "h5",
               s_bytes ("\x81\xa5title\xdf\xff\xff\xff\xff", 12), 400,
               "body: offset 7: map declares");
    //  Nesting: nine levels is one too many; eight pass the gate and
    //  are still no fields map
    s_hostile (self, "OPEN", "h6", s_bytes ("\x81\xa1k\x91\x91\x91\x91"
                                            "\x91\x91\x91\x91\xc0", 12),
               400, "nesting deeper than 8");
    s_hostile (self, "OPEN", "h7", s_bytes ("\x81\xa1k\x91\x91\x91\x91"
                                            "\x91\x91\x91\xc0", 11),
               400, "value is an array, expected str or int");
    //  Wrong types, each named
    s_hostile (self, "OPEN", "h8", s_bytes ("\x81\xa5title\xc0", 8), 400,
               "key 'title': value is nil");
    s_hostile (self, "OPEN", "h9", s_bytes ("\x81\xa5title\xc3", 8), 400,
               "value is a boolean");
    s_hostile (self, "OPEN", "h10", s_bytes ("\x81\xa5title\xcb\x3f\xf0"
                                             "\0\0\0\0\0\0", 16), 400,
               "value is a float");
    s_hostile (self, "OPEN", "h11", s_bytes ("\x81\xa5title\xc4\x01x", 10),
               400, "value is a bin");
    s_hostile (self, "OPEN", "h12", s_bytes ("\x81\x01\x01", 3), 400,
               "key is an int, expected a str");
    s_hostile (self, "OPEN", "h13", s_bytes ("\x81\xa1k\xcf\xff\xff\xff\xff"
                                             "\xff\xff\xff\xff", 12), 400,
               "out of int64 range");
    s_hostile (self, "OPEN", "h14", s_bytes ("\x82\xa1k\x01\xa1k\x02", 7),
               400, "key 'k': duplicate key");
    s_hostile (self, "OPEN", "h15", s_bytes ("\x81\xa1k\xa2\xc3\x28", 6),
               400, "str is not valid UTF-8");
    s_hostile (self, "OPEN", "h16", s_bytes ("\x81\xa1k\xa2x\0", 6), 400,
               "string is not UTF-8 text without NUL");
    s_hostile (self, "OPEN", "h17", s_bytes ("\x80\x80", 2), 400,
               "1 trailing byte(s) after the object");
    s_hostile (self, "ACK", "h18", s_bytes ("\x81\xa8incident\xa1" "1", 12),
               400, "'incident'");

    //  Each documented limit, at it and one past it
    s_hostile (self, "OPEN", "h19", s_key (65), 400,
               "key of 65 bytes, expected 1 to 64");
    s_hostile (self, "OPEN", "h20", s_key (64), 400,
               "unknown argument 'kkkk");
    s_hostile (self, "OPEN", "h21", s_long ("title", 65537), 413,
               "string of 65537 bytes, more than 65536");
    s_hostile (self, "OPEN", "h22", s_long ("title", 65536), 400,
               "'title' must be 1 to 256 bytes long");
    s_hostile (self, "OPEN", "h23", s_long ("title", 257), 400,
               "'title' must be 1 to 256 bytes long");
    s_hostile (self, "OPEN", "h24", s_many (129), 413,
               "129 entries, more than 128");
    s_hostile (self, "OPEN", "h25", s_many (128), 400, "unknown argument");
    s_hostile (self, "OPEN", "h26", s_sized (1048577), 413,
               "frame 3: 1048577 bytes, more than 1048576");
    s_hostile (self, "OPEN", "h27", s_sized (1048576), 400,
               "unknown argument 'k00'");
    char id [130];
    memset (id, 'i', 128);
    id [128] = 0;
    s_ask (self, (const char *[]) { "IMQ01", "OPEN", id, NULL },
           s_body ("title", "x", NULL, NULL), 400,
           "request id longer than 127 bytes", "");
    id [127] = 0;
    s_hostile (self, "OPEN", id, s_body ("title", "x", NULL, NULL), 400,
               "missing argument 'reporter'");

    //  Unknown verbs, named as far as they print
    s_hostile (self, "open", "h28", s_body (NULL, NULL, NULL, NULL), 400,
               "unknown verb 'open'");
    s_hostile (self, "OPENED", "h29", s_body (NULL, NULL, NULL, NULL), 400,
               "unknown verb 'OPENED'");
    s_hostile (self, "\xff\xfe", "h30", s_body (NULL, NULL, NULL, NULL), 400,
               "unknown verb '?" "?'");
    char verb [40];
    memset (verb, 'V', 39);
    verb [39] = 0;
    s_hostile (self, verb, "h31", s_body (NULL, NULL, NULL, NULL), 400,
               "unknown verb 'VVVV");
    zmsg_t *msg = imh_peer_msg ((const char *[]) { "IMQ01", NULL },
                               zframe_new ("OP\0EN", 5));
    zmsg_addstr (msg, "h32");
    zmsg_addmem (msg, "\x80", 1);
    assert_int_equal (zmsg_send (&msg, self->peer), 0);
    msg = imh_peer_recv (self->peer);
    im_reply_t *reply = im_reply_new (0);
    assert_int_equal (im_reply_decode (reply, &msg, false, NULL, 0), 0);
    assert_int_equal (reply->status, 400);
    assert_non_null (strstr (im_fields_str_or (reply->body, "error", ""),
                             "unknown verb 'OP?EN'"));
    im_reply_destroy (&reply);

    //  Queries with arguments out of range
    s_hostile (self, "SEARCH", "h33", s_body ("text", "disk", NULL, NULL),
               200, "");
    s_hostile (self, "SEARCH", "h34", s_bytes ("\x82\xa4text\xa4" "disk\xa5"
                                               "limit\x00", 18), 400,
               "'limit' of 1..10000");
    s_hostile (self, "LIST", "h35", s_bytes ("\x81\xa5limit\xff", 8), 400,
               "limit must be 1..10000");
    s_hostile (self, "GET", "h36", s_bytes ("\x81\xa8incident\xcf\x7f\xff"
                                            "\xff\xff\xff\xff\xff\xff", 19),
               404, "");

    //  Every prefix of a valid body: the empty one is an empty map, the
    //  others end early, each answered with where
    zframe_t *whole = s_body ("title", "VPN down", "reporter", "ivan");
    for (size_t length = 0; length < zframe_size (whole); length++) {
        char request_id [32];
        snprintf (request_id, sizeof request_id, "p%zu", length);
        s_hostile (self, "OPEN", request_id,
                   zframe_new (zframe_data (whole), length), 400,
                   length ? "frame 3: body: offset "
                          : "missing argument 'title'");
    }
    zframe_destroy (&whole);

    //  Nothing stored changed, and the broker serves a valid request,
    //  at the title's limit
    s_unchanged (h, broker, before, &incident);
    char title [257];
    memset (title, 't', 256);
    title [256] = 0;
    s_hostile (self, "OPEN", "h37", s_body ("title", title, "reporter",
                                            "ivan"), 200, "");
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before + 1);
    imh_passed (h);
}

//  Runs program with arguments and checks its exit code and that its
//  stderr holds text
static void
s_expect_exit (const char *program, const char *const *args, int status,
               const char *text)
{
    const char *argv [12] = { program };
    for (size_t index = 0; args [index] && index < 10; index++)
        argv [index + 1] = args [index];
    imh_run_t run;
    assert_int_equal (imh_run (argv, IMH_PEER_WAIT_MS, &run), 0);
    if (run.status != status || !strstr (run.err, text))
        fail_msg ("%s: exit %d, stderr lacks '%s'? stderr: %s", program,
                  run.status, text, run.err);
    imh_run_clear (&run);
}

static void
test_bad_config_and_flags_stop_programs_with_a_reason (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    char path [600], data [600], where_id [700], where_sla [700];
    snprintf (path, sizeof path, "%s/bad.yaml", imh_dir (h));
    snprintf (data, sizeof data, "%s/bad-data", imh_dir (h));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "node:\n  id: 0\n  client: nowhere\nsla:\n"
                   "  P9: {response: 1m}\n");
    fclose (file);
    snprintf (where_id, sizeof where_id, "%s:2:", path);
    snprintf (where_sla, sizeof where_sla, "%s:5:", path);

    const char *broker = imh_program_path (IMH_BROKER);
    s_expect_exit (broker, (const char *[]) { "-c", path, "-d", data, NULL },
                   2, where_id);
    s_expect_exit (broker, (const char *[]) { "-c", path, "-d", data, NULL },
                   2, where_sla);
    s_expect_exit (imh_program_path (IMH_CLASSIFIER),
                   (const char *[]) { "-c", path, NULL }, 2, where_id);
    s_expect_exit (broker, (const char *[]) { "-c", "/nonexistent/imq.yaml",
                                              NULL }, 2, "cannot read");
    s_expect_exit (broker, (const char *[]) { "--frobnicate", NULL }, 2,
                   "usage");
    s_expect_exit (broker, (const char *[]) { "-d", data, "stray", NULL }, 2,
                   "stray");
    s_expect_exit (broker, (const char *[]) { "--id", "zero", NULL }, 2,
                   "--id");
    s_expect_exit (imh_program_path (IMH_NOTIFIER),
                   (const char *[]) { "--credit", "0", NULL }, 2, "--credit");
    s_expect_exit (imh_program_path (IMH_SLA_TIMER),
                   (const char *[]) { "--frobnicate", NULL }, 2,
                   "--frobnicate");
    //  Nothing was created by the refused starts
    assert_int_equal (access (data, F_OK), -1);
    imh_passed (h);
}

typedef struct {
    imh_t *harness;                 //  The node
    const char *needle;             //  What the broker's log must hold
} s_logged_t;

static bool
s_logged (void *arg)
{
    s_logged_t *logged = (s_logged_t *) arg;
    return imh_log_lines (logged->harness, "broker", logged->needle) > 0;
}

static void
test_verbose_adds_libraft_trace (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    imh_t *h = self->harness;
    int broker = imh_start (h, IMH_BROKER, "broker",
                            (const char *[]) { "-v", NULL });
    assert_true (broker >= 0);
    //  libraft says how it loaded its log, and that it starts
    s_logged_t logged = { h, "LIBRAFT" };
    assert_true (imh_wait_for (s_logged, &logged, IMH_PEER_WAIT_MS));
    logged.needle = "starting";
    assert_true (imh_wait_for (s_logged, &logged, IMH_PEER_WAIT_MS));
    imh_passed (h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_client_garbage_gets_a_reason_and_changes_nothing,
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_hostile_bodies_in_a_right_envelope_get_a_status_each,
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_bad_config_and_flags_stop_programs_with_a_reason,
            s_setup, imh_peer_teardown),
        cmocka_unit_test_setup_teardown (
            test_verbose_adds_libraft_trace, s_setup, imh_peer_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
