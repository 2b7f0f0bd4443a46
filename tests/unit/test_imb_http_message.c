/*  test_imb_http_message - what a request head may hold

    Heads parsed whole: the request line's forms (a path, a proxy's
    absolute URL, "*"), percent-decoding of the path and the query,
    header fields by any case, keep-alive by version and Connection,
    100-continue, the framing of the body; and every head refused, with
    the status RFC 9112 gives it and a sentence that shows the client's
    bytes only as printable ASCII.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imb_http_message.h"

typedef struct {
    imb_http_message_t *message;    //  The last head parsed, or NULL
    imb_http_refusal_t refusal;     //  Why it was refused
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_message_destroy (&f->message);
    imb_http_message_destroy (&f->message);
    free (f);
    return 0;
}

//  Parses head (body_max 100); returns the message or NULL
static imb_http_message_t *
s_parse (fixture_t *f, const char *head)
{
    imb_http_message_destroy (&f->message);
    memset (&f->refusal, 0, sizeof f->refusal);
    char *text = strdup (head);
    assert_non_null (text);
    f->message = imb_http_message_new (&text, strlen (head), 100,
                                       &f->refusal);
    assert_null (text);             //  Taken, either way
    return f->message;
}

static void
s_refused (fixture_t *f, const char *head, unsigned status,
           const char *needle)
{
    if (s_parse (f, head))
        fail_msg ("'%s' was not refused", head);
    if (f->refusal.status != status || !strstr (f->refusal.text, needle))
        fail_msg ("'%s': %u '%s', not %u '%s'", head, f->refusal.status,
                  f->refusal.text, status, needle);
    for (const char *c = f->refusal.text; *c; c++)
        assert_true (*c >= 0x20 && *c < 0x7f);
}

static void
test_request_lines_and_fields_are_read (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_message_t *message = s_parse (f,
        "GET /v1/a%20b?x=1&y=%41+B&flag&x=2 HTTP/1.1\r\nHOST: h\r\n"
        "X-Key:   spaced value \t\r\nx-key: second");
    assert_non_null (message);
    assert_string_equal (imb_http_message_method (message), "GET");
    assert_string_equal (imb_http_message_path (message), "/v1/a b");
    assert_string_equal (imb_http_message_query (message, "x"), "1");
    assert_string_equal (imb_http_message_query (message, "y"), "A B");
    assert_string_equal (imb_http_message_query (message, "flag"), "");
    assert_null (imb_http_message_query (message, "z"));
    assert_string_equal (imb_http_message_header (message, "host"), "h");
    assert_string_equal (imb_http_message_header (message, "X-KEY"),
                         "spaced value");
    assert_null (imb_http_message_header (message, "X-Missing"));
    assert_true (imb_http_message_keep_alive (message));
    assert_false (imb_http_message_is_1_0 (message));
    assert_false (imb_http_message_has_body (message));
    assert_string_equal (imb_http_message_body (message), "");

    //  A proxy's absolute form, with and without a path
    message = s_parse (f, "GET http://imq:7780/healthz?a=1 HTTP/1.1\nHost: "
                          "imq");
    assert_string_equal (imb_http_message_path (message), "/healthz");
    assert_string_equal (imb_http_message_query (message, "a"), "1");
    message = s_parse (f, "GET https://imq?b=2 HTTP/1.1\nHost: imq");
    assert_string_equal (imb_http_message_path (message), "/");
    assert_string_equal (imb_http_message_query (message, "b"), "2");
    message = s_parse (f, "OPTIONS * HTTP/1.1\nHost: imq");
    assert_string_equal (imb_http_message_path (message), "*");
}

static void
test_keep_alive_continue_and_framing_follow_the_head (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_message_t *message = s_parse (f, "GET / HTTP/1.0");
    assert_true (imb_http_message_is_1_0 (message));
    assert_false (imb_http_message_keep_alive (message));
    message = s_parse (f, "GET / HTTP/1.0\r\nConnection: Keep-Alive");
    assert_true (imb_http_message_keep_alive (message));
    message = s_parse (f, "GET / HTTP/1.1\r\nHost: x\r\n"
                          "Connection: upgrade, close");
    assert_false (imb_http_message_keep_alive (message));

    message = s_parse (f, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100"
                          "\r\nContent-Length: 100\r\n"
                          "Expect: 100-Continue");
    assert_true (imb_http_message_has_body (message));
    assert_false (imb_http_message_chunked (message));
    assert_int_equal (imb_http_message_length (message), 100);
    assert_true (imb_http_message_expects_continue (message));
    //  Nothing to continue without a body; HTTP/1.0 ignores Expect
    message = s_parse (f, "GET / HTTP/1.1\r\nHost: x\r\n"
                          "Expect: 100-continue");
    assert_false (imb_http_message_expects_continue (message));
    message = s_parse (f, "POST / HTTP/1.0\r\nContent-Length: 1\r\n"
                          "Expect: anything");
    assert_false (imb_http_message_expects_continue (message));

    message = s_parse (f, "POST / HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked");
    assert_true (imb_http_message_chunked (message));
    assert_true (imb_http_message_has_body (message));
    assert_int_equal (imb_http_message_append (message, "ab", 2), 0);
    assert_int_equal (imb_http_message_append (message, "c", 1), 0);
    assert_string_equal (imb_http_message_body (message), "abc");
    assert_int_equal (imb_http_message_size (message), 3);
}

static void
test_bad_heads_are_refused_with_their_status (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_refused (f, "GET /", 400, "is not METHOD /path HTTP/1.1");
    s_refused (f, "GET  / HTTP/1.1", 400, "is not METHOD");
    s_refused (f, "G(T / HTTP/1.1\nHost: x", 400, "not a token");
    s_refused (f, "GET /\x7f HTTP/1.1\nHost: x", 400, "control or non-ASCII");
    s_refused (f, "GET / HTTP/1.2\nHost: x", 505, "version 'HTTP/1.2'");
    s_refused (f, "GET / SPDY/3\nHost: x", 400, "protocol 'SPDY/3'");
    s_refused (f, "GET relative HTTP/1.1\nHost: x", 400, "not a path");
    s_refused (f, "GET /a%00b HTTP/1.1\nHost: x", 400, "%00");
    s_refused (f, "GET /?a=%00 HTTP/1.1\nHost: x", 400, "%00");
    s_refused (f, "GET / HTTP/1.1", 400, "Host");
    s_refused (f, "GET / HTTP/1.1\nHost: a\nHost: b", 400, "not 2");
    s_refused (f, "GET / HTTP/1.1\nHost: x\n: empty name", 400,
               "Name: value");
    s_refused (f, "GET / HTTP/1.1\nHost: x\nX-\xff: 1", 400,
               "'X-?: 1' is not Name: value");
    s_refused (f, "GET / HTTP/1.1\nHost: x\nX: \x1b[31m", 400,
               "control character");
    s_refused (f, "GET / HTTP/1.1\nHost: x\n\tfolded", 400, "folded");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nContent-Length: +5", 400,
               "'+5' is not a whole number");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nContent-Length: 5 5", 400,
               "not a whole number");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nContent-Length:", 400,
               "not a whole number");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nContent-Length: 101", 413,
               "larger than 100 bytes (http.body_max)");
    s_refused (f, "POST / HTTP/1.1\nHost: x\n"
                  "Content-Length: 18446744073709551616", 413,
               "http.body_max");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nContent-Length: 1\n"
                  "Content-Length: 2", 400, "twice");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
                  "Transfer-Encoding: chunked", 400, "given twice");
    s_refused (f, "POST / HTTP/1.0\nTransfer-Encoding: chunked", 400,
               "HTTP/1.0");
    s_refused (f, "POST / HTTP/1.1\nHost: x\nExpect: 200-ok\n"
                  "Content-Length: 1", 417, "only 100-continue");
    char many [4096] = "GET / HTTP/1.1\nHost: x";
    for (int index = 0; index < IMB_HTTP_FIELDS_MAX; index++)
        snprintf (many + strlen (many), sizeof many - strlen (many),
                  "\nX-%d: 1", index);
    s_refused (f, many, 431, "more than 100 header fields");
    //  A NUL in the head, where strings would end early
    char *nul = strdup ("GET / HTTP/1.1\nHost: x\nX: a_b");
    nul [strlen (nul) - 2] = 0;
    imb_http_message_destroy (&f->message);
    f->message = imb_http_message_new (&nul, 29, 100, &f->refusal);
    assert_null (f->message);
    assert_int_equal (f->refusal.status, 400);
    assert_non_null (strstr (f->refusal.text, "NUL"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_request_lines_and_fields_are_read),
        T (test_keep_alive_continue_and_framing_follow_the_head),
        T (test_bad_heads_are_refused_with_their_status),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
