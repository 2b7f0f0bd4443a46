/*  test_im_util - the small shared helpers

    Text cut to fit a buffer must stay what it was: a prefix, and UTF-8
    when the text was UTF-8.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

static void
test_strlcpy_copies_or_keeps_a_prefix (void **state)
{
    (void) state;
    char buffer [6];
    assert_int_equal (im_strlcpy (buffer, "short", sizeof buffer), 0);
    assert_string_equal (buffer, "short");
    assert_int_equal (im_strlcpy (buffer, "longer", sizeof buffer),
                      IM_ETOOBIG);
    assert_string_equal (buffer, "longe");
}

static void
test_utf8_trim_drops_an_incomplete_last_character (void **state)
{
    (void) state;
    //  Complete: ASCII, two-, three- and four-byte characters
    const char *whole [] = { "", "abc", "caf\xc3\xa9", "\xe2\x82\xac",
                             "x\xf0\x9f\x98\x80" };
    for (size_t index = 0; index < 5; index++) {
        char text [16];
        im_strlcpy (text, whole [index], sizeof text);
        assert_string_equal (im_utf8_trim (text), whole [index]);
    }
    //  Each cut inside a character loses that character only
    const struct {
        const char *cut;                //  Text as a cut left it
        const char *trimmed;            //  What must remain
    } cuts [] = {
        { "caf\xc3", "caf" },
        { "a\xe2\x82", "a" }, { "a\xe2", "a" },
        { "x\xf0\x9f\x98", "x" }, { "x\xf0\x9f", "x" }, { "x\xf0", "x" },
        { "\xc3", "" },
    };
    for (size_t index = 0; index < sizeof cuts / sizeof cuts [0]; index++) {
        char text [16];
        im_strlcpy (text, cuts [index].cut, sizeof text);
        assert_string_equal (im_utf8_trim (text), cuts [index].trimmed);
        assert_true (im_msgpack_utf8_valid (text, strlen (text)));
    }
    //  A cut by im_strlcpy, then trimmed, is UTF-8 at every length
    const char *euros = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
    for (size_t size = 1; size <= strlen (euros) + 1; size++) {
        char text [16];
        im_strlcpy (text, euros, size);
        im_utf8_trim (text);
        assert_int_equal (strlen (text) % 3, 0);
        assert_memory_equal (text, euros, strlen (text));
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_strlcpy_copies_or_keeps_a_prefix),
        cmocka_unit_test (test_utf8_trim_drops_an_incomplete_last_character),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
