/*  test_im_curve - certificates made, read, never overwritten, and the
    node's key found by endpoint

    Everything is made inside one mkdtemp directory of the test's own.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "im_classes.h"
#include "im_curve.h"

typedef struct {
    char dir [256];                 //  The test's own directory
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    snprintf (f->dir, sizeof f->dir, "/tmp/test-im-curve-XXXXXX");
    assert_non_null (mkdtemp (f->dir));
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

static void
test_a_certificate_is_made_once_and_read_back (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char errbuf [256] = "", path [512];
    char keys [300];
    snprintf (keys, sizeof keys, "%s/keys", f->dir);
    assert_int_equal (im_curve_keygen (keys, "ann", "agent,analyst", NULL,
                                       NULL, errbuf, sizeof errbuf), 0);
    //  The secret half is its owner's only; the directory too
    struct stat info;
    snprintf (path, sizeof path, "%s/ann.key_secret", keys);
    assert_int_equal (stat (path, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);
    assert_int_equal (stat (keys, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0700);
    //  Read back, by either name
    im_curve_t *curve = im_curve_new (path, keys, errbuf, sizeof errbuf);
    assert_non_null (curve);
    assert_string_equal (im_curve_principal (curve), "ann");
    im_curve_destroy (&curve);
    snprintf (path, sizeof path, "%s/ann.key", keys);
    curve = im_curve_new (path, keys, errbuf, sizeof errbuf);
    assert_non_null (curve);
    im_curve_destroy (&curve);
    //  Never overwritten
    assert_int_equal (im_curve_keygen (keys, "ann", "administrator", NULL,
                                       NULL, errbuf, sizeof errbuf), 1);
    zconfig_t *root = zconfig_load (path);
    assert_non_null (root);
    assert_string_equal (zconfig_get (root, "metadata/roles", ""),
                         "agent,analyst");
    zconfig_destroy (&root);
    //  No temporary file is left
    assert_int_equal (zsys_file_exists (keys) ? 0 : -1, 0);
    zdir_t *listing = zdir_new (keys, NULL);
    assert_int_equal (zdir_count (listing), 2);
    zdir_destroy (&listing);
}

static void
test_bad_names_and_roles_are_refused (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char errbuf [256] = "";
    const char *names [] = { "", ".hidden", "a/b", "a b", "quote\"",
        "0123456789012345678901234567890123456789012345678901234567890123" };
    for (size_t index = 0; index < sizeof names / sizeof names [0]; index++)
        assert_int_equal (im_curve_keygen (f->dir, names [index], "", NULL,
                                           NULL, errbuf, sizeof errbuf), -1);
    assert_int_equal (im_curve_keygen (f->dir, "bob", "admin\"x", NULL, NULL,
                                       errbuf, sizeof errbuf), -1);
    assert_int_equal (im_curve_keygen (f->dir, "bob", "a\nb", NULL, NULL,
                                       errbuf, sizeof errbuf), -1);
    assert_true (im_curve_name_valid ("node-1"));
    assert_true (im_curve_name_valid ("svc.portal_2"));
}

static void
test_the_node_key_is_found_by_endpoint (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char errbuf [256] = "", path [512];
    assert_int_equal (im_curve_keygen (f->dir, "node-1", "node",
                                       "tcp://10.0.0.1:7700",
                                       "tcp://10.0.0.1:7701", errbuf,
                                       sizeof errbuf), 0);
    assert_int_equal (im_curve_keys_first (f->dir, errbuf, sizeof errbuf),
                      4);
    assert_int_equal (im_curve_keys_first (f->dir, errbuf, sizeof errbuf),
                      0);
    snprintf (path, sizeof path, "%s/admin.key_secret", f->dir);
    im_curve_t *curve = im_curve_new (path, f->dir, errbuf, sizeof errbuf);
    assert_non_null (curve);
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    //  One node: its key serves any endpoint
    assert_int_equal (im_curve_client (curve, socket, "tcp://elsewhere:1",
                                       errbuf, sizeof errbuf), 0);
    //  Two: each by its own endpoints; an unknown one is an error
    assert_int_equal (im_curve_keygen (f->dir, "node-2", "node",
                                       "tcp://10.0.0.2:7700",
                                       "tcp://10.0.0.2:7701", errbuf,
                                       sizeof errbuf), 0);
    assert_int_equal (im_curve_client (curve, socket, "tcp://10.0.0.2:7701",
                                       errbuf, sizeof errbuf), 0);
    char *key = zsock_curve_serverkey (socket);
    zconfig_t *root = zconfig_load ((snprintf (path, sizeof path,
                                               "%s/node-2.key", f->dir),
                                     path));
    assert_string_equal (key, zconfig_get (root, "curve/public-key", ""));
    zconfig_destroy (&root);
    zstr_free (&key);
    assert_int_equal (im_curve_client (curve, socket, "tcp://elsewhere:1",
                                       errbuf, sizeof errbuf), -1);
    assert_non_null (strstr (errbuf, "no node certificate"));
    zsock_destroy (&socket);
    im_curve_destroy (&curve);
}

static void
test_lists_are_matched_item_by_item (void **state)
{
    (void) state;
    assert_true (im_curve_list_has ("a,b, c", "c"));
    assert_true (im_curve_list_has ("classifier", "classifier"));
    assert_false (im_curve_list_has ("classifiers", "classifier"));
    assert_false (im_curve_list_has ("sla-2", "sla"));
    assert_false (im_curve_list_has ("", "sla"));
    assert_false (im_curve_list_has ("a,b", ""));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_a_certificate_is_made_once_and_read_back, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_bad_names_and_roles_are_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_the_node_key_is_found_by_endpoint, s_setup, s_teardown),
        cmocka_unit_test (test_lists_are_matched_item_by_item),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
