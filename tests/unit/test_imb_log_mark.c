/*  test_imb_log_mark - the index and term a node's log reached, kept in
    a file of two records that survives one torn write

    A real file in a temp directory; damage is done to it with pwrite,
    as a disk would do it.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imb_classes.h"
#include "imb_log_mark.h"

typedef struct {
    char dir [256];                 //  Temp directory
    char path [300];                //  The mark file in it
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir (base, 0700);             //  May exist already
    snprintf (f->dir, sizeof f->dir, "%s/imb_log_mark.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    snprintf (f->path, sizeof f->path, "%s/raft-mark", f->dir);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    unlink (f->path);
    rmdir (f->dir);
    free (f);
    return 0;
}

static imb_log_mark_t *
s_open (fixture_t *f)
{
    char errbuf [256] = "";
    imb_log_mark_t *mark = imb_log_mark_new (f->path, errbuf, sizeof errbuf);
    assert_non_null (mark);
    return mark;
}

//  Overwrites one octet of the file
static void
s_damage (fixture_t *f, off_t offset)
{
    int fd = open (f->path, O_RDWR);
    assert_true (fd >= 0);
    uint8_t byte = 0x5a;
    assert_int_equal (pwrite (fd, &byte, 1, offset), 1);
    close (fd);
}

static void
test_new_file_has_no_mark (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_log_mark_t *mark = s_open (f);
    assert_false (imb_log_mark_found (mark));
    assert_int_equal (imb_log_mark_index (mark), 0);
    assert_int_equal (imb_log_mark_term (mark), 0);
    imb_log_mark_destroy (&mark);
    assert_null (mark);
    imb_log_mark_destroy (&mark);   //  Twice is harmless
}

static void
test_last_write_is_read_back (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_log_mark_t *mark = s_open (f);
    assert_int_equal (imb_log_mark_write (mark, 10), 0);
    assert_int_equal (imb_log_mark_write_term (mark, 3), 0);
    assert_int_equal (imb_log_mark_write (mark, 12), 0);
    assert_int_equal (imb_log_mark_index (mark), 12);
    assert_int_equal (imb_log_mark_term (mark), 3);
    imb_log_mark_destroy (&mark);
    mark = s_open (f);
    assert_true (imb_log_mark_found (mark));
    assert_int_equal (imb_log_mark_index (mark), 12);
    assert_int_equal (imb_log_mark_term (mark), 3);
    //  It goes down as well as up
    assert_int_equal (imb_log_mark_write (mark, 7), 0);
    imb_log_mark_destroy (&mark);
    mark = s_open (f);
    assert_int_equal (imb_log_mark_index (mark), 7);
    imb_log_mark_destroy (&mark);
}

//  A write torn by a crash (or a bad sector) leaves the record before
static void
test_damaged_record_falls_back_to_the_other (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_log_mark_t *mark = s_open (f);
    assert_int_equal (imb_log_mark_write (mark, 5), 0);     //  Record 1
    assert_int_equal (imb_log_mark_write (mark, 6), 0);     //  Record 0
    imb_log_mark_destroy (&mark);
    s_damage (f, 17);               //  Inside record 0's index
    mark = s_open (f);
    assert_true (imb_log_mark_found (mark));
    assert_int_equal (imb_log_mark_index (mark), 5);
    //  Writing on goes to the damaged slot, and is read back
    assert_int_equal (imb_log_mark_write (mark, 9), 0);
    imb_log_mark_destroy (&mark);
    mark = s_open (f);
    assert_int_equal (imb_log_mark_index (mark), 9);
    imb_log_mark_destroy (&mark);
    //  Both damaged: no mark
    s_damage (f, 3);
    s_damage (f, 512 + 3);
    mark = s_open (f);
    assert_false (imb_log_mark_found (mark));
    imb_log_mark_destroy (&mark);
}

static void
test_unwritable_place_is_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char errbuf [256] = "";
    char path [400];
    snprintf (path, sizeof path, "%s/missing/raft-mark", f->dir);
    assert_null (imb_log_mark_new (path, errbuf, sizeof errbuf));
    assert_non_null (strstr (errbuf, "cannot open"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_new_file_has_no_mark,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_last_write_is_read_back,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_damaged_record_falls_back_to_the_other, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (test_unwritable_place_is_refused,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
