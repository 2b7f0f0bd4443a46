/*  test_imb_http_parser - HTTP/1.1 requests out of octets, in pieces

    The parser without a socket: a request fed whole and fed one octet
    at a time must come out the same; the head is announced before the
    body is read; a pipelined request is left for the next one; chunks
    with extensions, trailers and bare LF line ends are joined; and
    every fault (a chunk size that is not hexadecimal, overflows or
    passes body_max, data longer than its chunk, a head or a request
    line too long, too many empty lines) is refused with its status
    as soon as it is seen.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imb_http_parser.h"

#define S_HEAD_MAX      1024        //  The parser's limits here
#define S_BODY_MAX      64

typedef struct {
    imb_http_parser_t *parser;      //  Under test
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->parser = imb_http_parser_new (S_HEAD_MAX, S_BODY_MAX);
    assert_non_null (f->parser);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_parser_destroy (&f->parser);
    imb_http_parser_destroy (&f->parser);     //  Twice is safe
    free (f);
    return 0;
}

//  Feeds text in pieces of step octets (0: whole), as a connection
//  does: after HEAD the rest is fed again. Returns the last result;
//  *heads counts HEAD results, *used the octets taken.
static imb_http_parse_t
s_feed (imb_http_parser_t *parser, const char *text, size_t size,
        size_t step, int *heads, size_t *used)
{
    imb_http_parse_t rc = IMB_HTTP_PARSE_MORE;
    *used = 0;
    *heads = 0;
    while (true) {
        size_t piece = step && size - *used > step ? step : size - *used;
        size_t taken = 0;
        rc = imb_http_parser_feed (parser, text + *used, piece, &taken);
        *used += taken;
        if (rc == IMB_HTTP_PARSE_HEAD) {
            (*heads)++;
            continue;
        }
        if (rc != IMB_HTTP_PARSE_MORE || *used == size)
            return rc;
    }
}

static void
test_a_request_fed_whole_or_octet_by_octet_is_the_same (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text = "\r\nPOST /v1/incidents?limit=5&who=ann+b%2Fc HTTP/1.1"
                       "\r\nHost: x\r\nContent-Length: 7\r\nX-Empty:\r\n\r\n"
                       "{\"a\":1}GET /next";
    for (size_t step = 0; step <= 1; step++) {
        int heads = 0;
        size_t used = 0;
        assert_int_equal (s_feed (f->parser, text, strlen (text), step,
                                  &heads, &used),
                          IMB_HTTP_PARSE_DONE);
        assert_int_equal (heads, 1);
        //  The pipelined request is left where it is
        assert_int_equal (used, strlen (text) - strlen ("GET /next"));
        imb_http_message_t *message = imb_http_parser_take (f->parser);
        assert_non_null (message);
        assert_null (imb_http_parser_take (f->parser));
        assert_string_equal (imb_http_message_method (message), "POST");
        assert_string_equal (imb_http_message_path (message),
                             "/v1/incidents");
        assert_string_equal (imb_http_message_query (message, "limit"), "5");
        assert_string_equal (imb_http_message_query (message, "who"),
                             "ann b/c");
        assert_string_equal (imb_http_message_header (message, "x-empty"),
                             "");
        assert_string_equal (imb_http_message_body (message), "{\"a\":1}");
        assert_int_equal (imb_http_message_size (message), 7);
        imb_http_message_destroy (&message);
        imb_http_parser_reset (f->parser);
        assert_false (imb_http_parser_started (f->parser));
    }
}

static void
test_the_head_comes_before_the_body (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *head = "POST / HTTP/1.1\nHost: x\nContent-Length: 3\n\n";
    size_t used = 0;
    assert_false (imb_http_parser_started (f->parser));
    assert_int_equal (imb_http_parser_feed (f->parser, head, 5, &used),
                      IMB_HTTP_PARSE_MORE);
    assert_true (imb_http_parser_started (f->parser));
    assert_null (imb_http_parser_message (f->parser));
    assert_int_equal (imb_http_parser_feed (f->parser, head + 5,
                                            strlen (head) - 5, &used),
                      IMB_HTTP_PARSE_HEAD);
    assert_int_equal (used, strlen (head) - 5);
    assert_true (imb_http_parser_in_body (f->parser));
    assert_non_null (imb_http_parser_message (f->parser));
    assert_int_equal (imb_http_parser_feed (f->parser, NULL, 0, &used),
                      IMB_HTTP_PARSE_MORE);
    assert_int_equal (imb_http_parser_feed (f->parser, "abc", 3, &used),
                      IMB_HTTP_PARSE_DONE);
    assert_false (imb_http_parser_in_body (f->parser));
    //  Complete: it takes nothing more until reset
    assert_int_equal (imb_http_parser_feed (f->parser, "x", 1, &used),
                      IMB_HTTP_PARSE_DONE);
    assert_int_equal (used, 0);

    //  Without a body, the head is the whole request
    imb_http_parser_reset (f->parser);
    const char *get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal (imb_http_parser_feed (f->parser, get, strlen (get),
                                            &used),
                      IMB_HTTP_PARSE_HEAD);
    assert_int_equal (imb_http_parser_feed (f->parser, NULL, 0, &used),
                      IMB_HTTP_PARSE_DONE);
}

static void
test_chunks_are_joined (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text = "POST / HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: Chunked\r\n\r\n"
                       "5;name=value\r\nhello\r\n1\n \n00006 \r\nworld!\r\n"
                       "0\r\nX-Trailer: a\r\nX-Other: b\r\n\r\nNEXT";
    for (size_t step = 0; step <= 1; step++) {
        int heads = 0;
        size_t used = 0;
        assert_int_equal (s_feed (f->parser, text, strlen (text), step,
                                  &heads, &used),
                          IMB_HTTP_PARSE_DONE);
        assert_int_equal (used, strlen (text) - 4);
        imb_http_message_t *message = imb_http_parser_message (f->parser);
        assert_true (imb_http_message_chunked (message));
        assert_string_equal (imb_http_message_body (message), "hello world!");
        imb_http_parser_reset (f->parser);
    }
}

//  Feeds text octet by octet and checks it is refused with status and a
//  text holding needle, and that nothing after the fault was taken
static void
s_refused (imb_http_parser_t *parser, const char *text, unsigned status,
           const char *needle)
{
    imb_http_parser_reset (parser);
    int heads = 0;
    size_t used = 0;
    imb_http_parse_t rc = s_feed (parser, text, strlen (text), 1, &heads,
                                  &used);
    if (rc != IMB_HTTP_PARSE_REFUSED)
        fail_msg ("'%s' was not refused (%d)", text, rc);
    const imb_http_refusal_t *refusal = imb_http_parser_refusal (parser);
    if (refusal->status != status || !strstr (refusal->text, needle))
        fail_msg ("'%s': %u '%s', not %u '%s'", text, refusal->status,
                  refusal->text, status, needle);
    //  And it stays refused
    assert_int_equal (imb_http_parser_feed (parser, "x", 1, &used),
                      IMB_HTTP_PARSE_REFUSED);
}

static void
test_faults_are_refused_as_soon_as_seen (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *chunked = "POST / HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    char text [2048];
    snprintf (text, sizeof text, "%szz\r\n", chunked);
    s_refused (f->parser, text, 400, "hexadecimal");
    snprintf (text, sizeof text, "%s5 x\r\n", chunked);
    s_refused (f->parser, text, 400, "hexadecimal");
    snprintf (text, sizeof text, "%s5\r\r\n", chunked);
    s_refused (f->parser, text, 400, "hexadecimal");
    //  Past body_max at the size line, before any data
    snprintf (text, sizeof text, "%s41\r\n", chunked);
    s_refused (f->parser, text, 413, "larger than 64 bytes (http.body_max)");
    snprintf (text, sizeof text, "%sffffffffffffffffffffffffffff", chunked);
    s_refused (f->parser, text, 413, "http.body_max");
    snprintf (text, sizeof text, "%s20\r\n%032d\r\n21\r\n", chunked, 0);
    s_refused (f->parser, text, 413, "http.body_max");
    snprintf (text, sizeof text, "%s2\r\nabc\r\n", chunked);
    s_refused (f->parser, text, 400, "line end");
    snprintf (text, sizeof text, "%s1;%01100d\r\n", chunked, 0);
    s_refused (f->parser, text, 400, "longer than 1023 bytes");
    snprintf (text, sizeof text, "%s0\r\nX: %01100d\r\n", chunked, 0);
    s_refused (f->parser, text, 400, "longer than 1023 bytes");
    //  The head
    snprintf (text, sizeof text, "GET /%01100d HTTP/1.1\r\n\r\n", 0);
    s_refused (f->parser, text, 414, "request line is longer than 1024");
    snprintf (text, sizeof text, "GET / HTTP/1.1\r\nX: %01100d\r\n\r\n", 0);
    s_refused (f->parser, text, 431, "head is longer than 1024");
    s_refused (f->parser, "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET",
               400, "empty lines");
    s_refused (f->parser, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65"
                          "\r\n\r\n", 413, "http.body_max");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_a_request_fed_whole_or_octet_by_octet_is_the_same),
        T (test_the_head_comes_before_the_body),
        T (test_chunks_are_joined),
        T (test_faults_are_refused_as_soon_as_seen),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
