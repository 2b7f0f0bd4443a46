/*  test_im_util - the small shared helpers

    Text cut to fit a buffer must stay what it was: a prefix, and UTF-8
    when the text was UTF-8. Removing a tree must never reach through a
    symbolic link: the broker removes trees it owns (a checkpoint being
    installed, a store being rebuilt), and a link in one of them must
    not take what it names along.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

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

//  Makes a directory of its own under $TMPDIR (or /tmp) into path
static void
s_temp_dir (char *path, size_t size, const char *tag)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (path, size, "%s/imq-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
              tag);
    assert_non_null (mkdtemp (path));
}

static void
s_write_file (const char *dir, const char *name)
{
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    assert_true (fputs ("keep me\n", file) >= 0);
    assert_int_equal (fclose (file), 0);
}

static bool
s_exists (const char *dir, const char *name)
{
    char path [1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    struct stat info;
    return lstat (path, &info) == 0;
}

static void
test_remove_tree_removes_links_not_what_they_name (void **state)
{
    (void) state;
    //  Both trees are made here, by mkdtemp: the links point only at
    //  the second one, never at anything the test did not create
    char tree [512], outside [512], path [1024], target [1024];
    s_temp_dir (tree, sizeof tree, "tree");
    s_temp_dir (outside, sizeof outside, "outside");
    s_write_file (outside, "sentinel");
    snprintf (path, sizeof path, "%s/inner", outside);
    assert_int_equal (mkdir (path, 0700), 0);
    s_write_file (outside, "inner/sentinel");

    //  tree/sub/{file, dir-link -> outside, file-link -> outside/sentinel,
    //  dangling -> outside/gone}, and tree/top-link -> outside/inner
    snprintf (path, sizeof path, "%s/sub", tree);
    assert_int_equal (mkdir (path, 0700), 0);
    s_write_file (tree, "sub/file");
    snprintf (path, sizeof path, "%s/sub/dir-link", tree);
    assert_int_equal (symlink (outside, path), 0);
    snprintf (path, sizeof path, "%s/sub/file-link", tree);
    snprintf (target, sizeof target, "%s/sentinel", outside);
    assert_int_equal (symlink (target, path), 0);
    snprintf (path, sizeof path, "%s/sub/dangling", tree);
    snprintf (target, sizeof target, "%s/gone", outside);
    assert_int_equal (symlink (target, path), 0);
    snprintf (path, sizeof path, "%s/top-link", tree);
    snprintf (target, sizeof target, "%s/inner", outside);
    assert_int_equal (symlink (target, path), 0);

    im_remove_tree (tree);
    struct stat info;
    assert_int_not_equal (lstat (tree, &info), 0);
    assert_true (s_exists (outside, "sentinel"));
    assert_true (s_exists (outside, "inner"));
    assert_true (s_exists (outside, "inner/sentinel"));

    //  A link given as the path itself goes, and its target stays
    snprintf (path, sizeof path, "%s/self-link", outside);
    snprintf (target, sizeof target, "%s/inner", outside);
    assert_int_equal (symlink (target, path), 0);
    im_remove_tree (path);
    assert_false (s_exists (outside, "self-link"));
    assert_true (s_exists (outside, "inner/sentinel"));

    //  outside holds no link now: removing it is safe, and removes it
    im_remove_tree (outside);
    assert_int_not_equal (lstat (outside, &info), 0);
    //  A path that is not there is no error
    im_remove_tree (outside);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_strlcpy_copies_or_keeps_a_prefix),
        cmocka_unit_test (test_utf8_trim_drops_an_incomplete_last_character),
        cmocka_unit_test (test_remove_tree_removes_links_not_what_they_name),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
