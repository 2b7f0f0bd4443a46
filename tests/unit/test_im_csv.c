/*  test_im_csv - CSV fields quoted as RFC 4180 says

    Bare when nothing needs quoting; quoted, with quotes doubled, when a
    comma, quote, CR or LF is inside; and a buffer too small is said so
    by the length returned, never overrun.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

//  Checks that text is written as expected
static void
s_expect (const char *text, const char *expected)
{
    char buffer [128];
    memset (buffer, 'x', sizeof buffer);
    size_t length = im_csv_field (text, buffer, sizeof buffer);
    assert_int_equal (length, strlen (expected));
    assert_string_equal (buffer, expected);
}

static void
test_plain_fields_stay_bare (void **state)
{
    (void) state;
    s_expect ("", "");
    s_expect ("42", "42");
    s_expect ("incident.opened", "incident.opened");
    s_expect ("2026-12-08T02:00:00.000Z", "2026-12-08T02:00:00.000Z");
    s_expect ("a b;c'd", "a b;c'd");
}

static void
test_special_characters_are_quoted (void **state)
{
    (void) state;
    s_expect ("a,b", "\"a,b\"");
    s_expect ("say \"hi\"", "\"say \"\"hi\"\"\"");
    s_expect ("\"", "\"\"\"\"");
    s_expect ("line\nbreak", "\"line\nbreak\"");
    s_expect ("cr\rhere", "\"cr\rhere\"");
    s_expect ("{\"title\":\"a, b\"}", "\"{\"\"title\"\":\"\"a, b\"\"}\"");
}

static void
test_a_small_buffer_is_not_overrun (void **state)
{
    (void) state;
    char buffer [8];
    memset (buffer, 'x', sizeof buffer);
    //  "\"a,\"\"bcdef\"" needs 11 octets and a NUL
    size_t length = im_csv_field ("a,\"bcdef", buffer, 6);
    assert_int_equal (length, 11);
    assert_int_equal (buffer [5], 0);       //  Ended inside the buffer
    assert_int_equal (buffer [6], 'x');     //  Nothing written past it
    //  Room enough: six octets and the NUL
    length = im_csv_field ("a\"b", buffer, 7);
    assert_int_equal (length, 6);
    assert_string_equal (buffer, "\"a\"\"b\"");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_plain_fields_stay_bare),
        cmocka_unit_test (test_special_characters_are_quoted),
        cmocka_unit_test (test_a_small_buffer_is_not_overrun),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
