/*  e2e_http_wire - what leaves the HTTP port, octet by octet

    docs/http.md promises JSON for every error, and HTTP a single
    well-formed answer for every request. These tests send, over raw
    sockets to a real broker, what a broken or hostile client sends: a
    Content-Length of -5 or abc, chunk sizes that are not hexadecimal,
    overflow, or pass http.body_max, header lines without a colon, heads
    too long, versions and codings the server does not speak. Each must
    get exactly one status line, its status, Content-Type
    application/json and a JSON error saying what was wrong, at once,
    and nothing of it may reach the log. Then the framing that must
    work: chunks with extensions and trailers, pipelined requests
    answered in order, 100 Continue, HTTP/1.0 keep-alive and HEAD.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define S_WAIT_MS       5000        //  Bound on one raw exchange

//  One malformed request and the answer it must get
typedef struct {
    const char *what;               //  What it tries
    const char *head;               //  Its octets (a C string)
    int status;                     //  The status it must get
    const char *needle;             //  What the error must say
} s_case_t;

static const s_case_t s_cases [] = {
    { "a negative Content-Length",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      400, "Content-Length '-5'" },
    { "a Content-Length that is not a number",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      400, "Content-Length 'abc'" },
    { "a Content-Length that overflows",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 99999999999999999999999\r\n\r\n",
      413, "http.body_max" },
    { "a Content-Length over http.body_max",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 8193\r\n\r\n",
      413, "larger than 8192 bytes (http.body_max)" },
    { "two different Content-Lengths",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Content-Length: 6\r\n\r\nabcdef",
      400, "twice" },
    { "Content-Length and Transfer-Encoding",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n",
      400, "both" },
    { "a transfer coding other than chunked",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: gzip, chunked\r\n\r\n",
      501, "Transfer-Encoding 'gzip, chunked'" },
    { "a chunk size that is not hexadecimal",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
      400, "chunk size" },
    { "a chunk size that overflows",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n",
      413, "http.body_max" },
    { "one chunk larger than http.body_max, announced only",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n2001\r\n",
      413, "larger than 8192 bytes (http.body_max)" },
    { "chunks adding up to more than http.body_max",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n1000\r\n%4096%\r\n1001\r\n",
      413, "http.body_max" },
    { "chunk data longer than its size",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n4\r\nabcdefg\r\n0\r\n\r\n",
      400, "line end" },
    { "a header line without a colon",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nBad header line\r\n\r\n",
      400, "'Bad header line' is not Name: value" },
    { "a space before the colon",
      "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n",
      400, "is not Name: value" },
    { "a folded header line",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n",
      400, "folded" },
    { "an HTTP/1.1 request without Host",
      "GET /healthz HTTP/1.1\r\n\r\n",
      400, "Host" },
    { "HTTP/2.0",
      "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
      505, "version 'HTTP/2.0'" },
    { "a request line of one word",
      "GARBAGE\r\n\r\n",
      400, "request line 'GARBAGE'" },
    { "a target that is not a path",
      "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      400, "not a path" },
    { "an expectation other than 100-continue",
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n"
      "Content-Length: 2\r\n\r\n{}",
      417, "Expect 'teapot'" },
    { "a control character in a header value",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n",
      400, "control character" },
    { "a bare CR in the head",
      "GET /healthz HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n",
      400, "bare CR" },
    { "a head longer than 32768 bytes",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: %40000%\r\n\r\n",
      431, "head is longer than 32768 bytes" },
    { "a request line longer than 32768 bytes",
      "GET /%40000% HTTP/1.1\r\nHost: x\r\n\r\n",
      414, "request line is longer than 32768 bytes" },
};

//  Expands head: each "%N%" becomes N octets 'a'
static char *
s_expand (const char *head, size_t *size)
{
    char *text = NULL;
    FILE *stream = open_memstream (&text, size);
    assert_non_null (stream);
    for (const char *at = head; *at; at++) {
        int count = 0;
        if (*at == '%' && sscanf (at, "%%%d%%", &count) == 1) {
            for (int index = 0; index < count; index++)
                fputc ('a', stream);
            at = strchr (at + 1, '%');
        }
        else
            fputc (*at, stream);
    }
    fclose (stream);
    return text;
}

static void
test_every_malformed_request_gets_one_json_answer_at_once (void **state)
{
    imh_t *harness = (imh_t *) *state;
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (harness, &before), 0);
    for (size_t index = 0; index < sizeof s_cases / sizeof s_cases [0];
         index++) {
        const s_case_t *test = &s_cases [index];
        size_t size = 0;
        char *bytes = s_expand (test->head, &size);
        imh_raw_reply_t reply;
        assert_int_equal (imh_raw (harness, NULL, bytes, size, S_WAIT_MS,
                                   &reply), 0);
        print_message ("%s: %d in %d ms\n", test->what, reply.status,
                       reply.first_ms);
        imh_raw_expect_error (&reply, test->status, test->needle);
        //  At once, and the connection is closed after it: none of
        //  these leaves the stream where a next request could start
        assert_true (reply.first_ms < 1000);
        assert_true (reply.closed);
        imh_raw_clear (&reply);
        free (bytes);
    }
    //  Nothing of it reached the log, and the node serves on
    assert_int_equal (imh_last_seq (harness, &after), 0);
    assert_int_equal (after, before);
    imh_http_reply_t ok = imh_http_expect (
        harness, "POST", "/v1/incidents",
        "{\"title\": \"after the garbage\", \"reporter\": \"ann\"}", NULL, 201);
    imh_http_clear (&ok);
    imh_passed (harness);
}

static void
test_chunks_pipelining_continue_and_http_1_0_are_served (void **state)
{
    imh_t *harness = (imh_t *) *state;
    //  Every request but the probes carries the harness's token
    char chunked [512], pipelined [512];
    const char *token = imh_http_token (harness);
    assert_non_null (token);
    //  Chunks with an extension and a trailer field, bare LF line ends
    snprintf (chunked, sizeof chunked,
        "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer %s\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "10;note=first\r\n{\"title\": \"chunk\r\n"
        "19\n\", \"reporter\": \"chunked\"}\n"
        "0\r\nX-Trailer: dropped\r\n\r\n", token);
    imh_raw_reply_t reply;
    assert_int_equal (imh_raw (harness, NULL, chunked, strlen (chunked),
                               S_WAIT_MS, &reply), 0);
    assert_int_equal (reply.answers, 1);
    assert_int_equal (reply.status, 201);
    assert_string_equal (reply.type, "application/json");
    assert_true (json_integer_value (json_object_get (reply.json,
                                                      "incident")) >= 1);
    imh_raw_clear (&reply);

    //  Three requests in one write: three answers, in their order
    snprintf (pipelined, sizeof pipelined,
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /v1/incidents/999999 HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer %s\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        token);
    assert_int_equal (imh_raw (harness, NULL, pipelined, strlen (pipelined),
                               S_WAIT_MS, &reply), 0);
    assert_int_equal (reply.answers, 3);
    assert_int_equal (reply.complete, 3);
    assert_int_equal (reply.statuses [0], 200);
    assert_int_equal (reply.statuses [1], 404);
    assert_int_equal (reply.statuses [2], 200);
    assert_true (reply.closed);
    imh_raw_clear (&reply);

    //  Expect: 100-continue: the body goes once the server says so
    const char *body = "{\"title\": \"continued\", \"reporter\": \"ann\"}";
    char head [512];
    snprintf (head, sizeof head, "POST /v1/incidents HTTP/1.1\r\nHost: x\r\n"
              "Authorization: Bearer %s\r\n"
              "Expect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
              token, strlen (body));
    int fd = imh_raw_connect (harness, NULL);
    assert_true (fd >= 0);
    assert_int_equal (imh_raw_send (fd, head, strlen (head)), 0);
    memset (&reply, 0, sizeof reply);
    imh_raw_read (fd, 1, 1000, &reply);
    assert_non_null (strstr (reply.text, "HTTP/1.1 100 Continue\r\n\r\n"));
    assert_int_equal (reply.complete, 0);
    assert_int_equal (imh_raw_send (fd, body, strlen (body)), 0);
    imh_raw_read (fd, 1, S_WAIT_MS, &reply);
    assert_int_equal (reply.status, 201);
    assert_int_equal (reply.answers, 1);
    imh_raw_clear (&reply);
    close (fd);

    //  HTTP/1.0 closes unless it asks for keep-alive, which is then said
    const char *plain = "GET /healthz HTTP/1.0\r\n\r\n";
    assert_int_equal (imh_raw (harness, NULL, plain, strlen (plain),
                               S_WAIT_MS, &reply), 0);
    assert_int_equal (reply.status, 200);
    assert_non_null (strstr (reply.text, "Connection: close\r\n"));
    assert_true (reply.closed);
    imh_raw_clear (&reply);
    const char *kept = "GET /healthz HTTP/1.0\r\n"
                       "Connection: keep-alive\r\n\r\n";
    fd = imh_raw_connect (harness, NULL);
    assert_true (fd >= 0);
    for (int round = 0; round < 2; round++) {
        assert_int_equal (imh_raw_send (fd, kept, strlen (kept)), 0);
        memset (&reply, 0, sizeof reply);
        imh_raw_read (fd, 1, S_WAIT_MS, &reply);
        assert_int_equal (reply.status, 200);
        assert_non_null (strstr (reply.text, "Connection: keep-alive\r\n"));
        assert_false (reply.closed);
        imh_raw_clear (&reply);
    }
    close (fd);

    //  HEAD: the head of the GET answer, without its body
    const char *head_only = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n";
    assert_int_equal (imh_raw (harness, NULL, head_only, strlen (head_only),
                               S_WAIT_MS, &reply), 0);
    assert_int_equal (strncmp (reply.text, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null (strstr (reply.text, "Content-Length: 23\r\n"));
    assert_int_equal (strlen (strstr (reply.text, "\r\n\r\n")), 4);
    imh_raw_clear (&reply);
    imh_passed (harness);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, imh_http_setup, \
                                                 imh_teardown)
        T (test_every_malformed_request_gets_one_json_answer_at_once),
        T (test_chunks_pipelining_continue_and_http_1_0_are_served),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
