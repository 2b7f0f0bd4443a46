/*  test_imb_http_gate - who may connect, and what bodies may hold

    The counts of the HTTP server without a socket: connections from one
    address past http.connections_per_client are refused 429 naming it,
    connections past http.connections_max 503 naming that (the address's
    own limit is said first), a connection leaving makes room, refused
    ones count apart, and request bodies together hold no more than
    http.inflight_max x http.body_max.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imb_http_private.h"
#include "imb_http_gate.h"

typedef struct {
    imb_http_gate_t *gate;          //  Under test
    char text [200];                //  The last refusal's reason
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    //  body_max 100, inflight_max 3, 4 connections, 2 per address
    imb_http_limits_t limits = { 100, 3, 4, 2, 1000, 1000 };
    f->gate = imb_http_gate_new (&limits);
    assert_non_null (f->gate);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_gate_destroy (&f->gate);
    imb_http_gate_destroy (&f->gate);
    free (f);
    return 0;
}

static unsigned
s_enter (fixture_t *f, const char *address)
{
    f->text [0] = 0;
    return imb_http_gate_enter (f->gate, address, f->text, sizeof f->text);
}

static void
test_connections_are_capped_per_address_then_in_all (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_enter (f, "10.0.0.1"), 0);
    assert_int_equal (s_enter (f, "10.0.0.1"), 0);
    assert_int_equal (s_enter (f, "10.0.0.1"), 429);
    assert_string_equal (f->text, "too many connections from 10.0.0.1: at "
                                  "most 2 at once "
                                  "(http.connections_per_client)");
    assert_int_equal (s_enter (f, "10.0.0.2"), 0);
    assert_int_equal (s_enter (f, "10.0.0.3"), 0);
    assert_int_equal (imb_http_gate_open (f->gate), 4);
    assert_int_equal (s_enter (f, "10.0.0.4"), 503);
    assert_string_equal (f->text, "too many connections: at most 4 at once "
                                  "(http.connections_max)");
    //  An address over its own limit hears of that one
    assert_int_equal (s_enter (f, "10.0.0.1"), 429);
    //  Leaving makes room; the refused count apart
    imb_http_gate_leave (f->gate, "10.0.0.1", true);
    assert_int_equal (imb_http_gate_open (f->gate), 3);
    assert_int_equal (s_enter (f, "10.0.0.4"), 0);
    assert_int_equal (s_enter (f, "10.0.0.1"), 503);
    imb_http_gate_leave (f->gate, "10.0.0.4", true);
    assert_int_equal (s_enter (f, "10.0.0.1"), 0);
    assert_int_equal (s_enter (f, "10.0.0.1"), 429);
}

static void
test_refused_connections_linger_within_a_budget (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_enter (f, "10.0.0.1"), 0);
    assert_int_equal (s_enter (f, "10.0.0.1"), 0);
    for (int index = 0; index < 4; index++) {
        assert_int_equal (s_enter (f, "10.0.0.1"), 429);
        assert_true (imb_http_gate_may_linger (f->gate));
    }
    assert_int_equal (s_enter (f, "10.0.0.1"), 429);
    assert_false (imb_http_gate_may_linger (f->gate));
    imb_http_gate_leave (f->gate, "10.0.0.1", false);
    assert_true (imb_http_gate_may_linger (f->gate));
    assert_int_equal (imb_http_gate_open (f->gate), 2);
}

static void
test_bodies_hold_at_most_their_budget (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    size_t first = 0, second = 0;
    assert_true (imb_http_gate_hold (f->gate, &first, 200, f->text,
                                     sizeof f->text));
    assert_int_equal (first, 200);
    //  Never lowered: a smaller size keeps what was counted
    assert_true (imb_http_gate_hold (f->gate, &first, 50, f->text,
                                     sizeof f->text));
    assert_int_equal (first, 200);
    assert_true (imb_http_gate_hold (f->gate, &second, 100, f->text,
                                     sizeof f->text));
    assert_false (imb_http_gate_hold (f->gate, &second, 101, f->text,
                                      sizeof f->text));
    assert_string_equal (f->text, "too many request bodies being received "
                                  "at once (at most http.inflight_max x "
                                  "http.body_max, 300 bytes); retry");
    imb_http_gate_release (f->gate, &first);
    assert_int_equal (first, 0);
    assert_true (imb_http_gate_hold (f->gate, &second, 101, f->text,
                                     sizeof f->text));
    imb_http_gate_release (f->gate, &second);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_connections_are_capped_per_address_then_in_all),
        T (test_refused_connections_linger_within_a_budget),
        T (test_bodies_hold_at_most_their_budget),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
