/*  test_imw_options - flags and configuration of the worker programs

    Each test runs in its own temp directory (the working directory, so
    the default ./imq.yaml is under the test's control) with real YAML
    files; error text goes to a temp file the test reads back.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

typedef struct {
    char dir [128];                     //  Temp directory, also the cwd
    char cwd [512];                     //  Working directory before
    imw_options_t *options;             //  Parsed options
    FILE *err;                          //  Where errors are printed
    char errors [4096];                 //  What err holds, read back
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    base = base ? base : "/tmp";
    assert_int_equal (zsys_dir_create ("%s", base), 0);
    snprintf (f->dir, sizeof f->dir, "%s/imw_options.XXXXXX", base);
    assert_non_null (mkdtemp (f->dir));
    assert_non_null (getcwd (f->cwd, sizeof f->cwd));
    assert_int_equal (chdir (f->dir), 0);
    f->options = (imw_options_t *) calloc (1, sizeof (imw_options_t));
    f->err = tmpfile ();
    assert_non_null (f->options);
    assert_non_null (f->err);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (chdir (f->cwd), 0);
    zdir_t *dir = zdir_new (f->dir, NULL);
    if (dir)
        zdir_remove (dir, true);
    zdir_destroy (&dir);
    fclose (f->err);
    free (f->options);
    free (f);
    return 0;
}

static int
s_parse (fixture_t *f, int argc, const char **argv)
{
    return imw_options_parse (f->options, imw_sla_role (), argc,
                              (char **) argv, f->err);
}

//  Returns what was printed on err, borrowed until the next call
static const char *
s_errors (fixture_t *f)
{
    rewind (f->err);
    size_t size = fread (f->errors, 1, sizeof f->errors - 1, f->err);
    f->errors [size] = 0;
    return f->errors;
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
}

static void
test_defaults_without_flags_or_file (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *argv [] = { "imq-sla-timer" };
    assert_int_equal (s_parse (f, 1, argv), 0);
    assert_string_equal (f->options->client_endpoint, "tcp://127.0.0.1:7700");
    assert_string_equal (f->options->worker_endpoint, "tcp://127.0.0.1:7701");
    assert_int_equal (f->options->credit, IMW_CREDIT_DEFAULT);
    assert_false (f->options->verbose);
    assert_string_equal (f->options->config_path, "");
    char instance [64];
    snprintf (instance, sizeof instance, "sla-%ld", (long) getpid ());
    assert_string_equal (f->options->instance, instance);
}

static void
test_flags_override_the_config_file (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_write ("node.yaml", "node:\n"
                          "  client: tcp://10.0.0.1:7700\n"
                          "  workers: tcp://10.0.0.1:7701\n");
    const char *argv [] = { "imq-sla-timer", "-c", "node.yaml",
                            "--endpoint=tcp://10.0.0.2:7700",
                            "--instance", "sla-a", "--credit", "8", "-v" };
    assert_int_equal (s_parse (f, 9, argv), 0);
    assert_string_equal (f->options->client_endpoint, "tcp://10.0.0.2:7700");
    assert_string_equal (f->options->worker_endpoint, "tcp://10.0.0.1:7701");
    assert_string_equal (f->options->instance, "sla-a");
    assert_int_equal (f->options->credit, 8);
    assert_true (f->options->verbose);
}

static void
test_imq_yaml_in_the_working_directory_is_read (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_write ("imq.yaml", "node:\n  workers: tcp://10.0.0.9:7701\n");
    const char *argv [] = { "imq-sla-timer" };
    assert_int_equal (s_parse (f, 1, argv), 0);
    assert_string_equal (f->options->config_path, "imq.yaml");
    assert_string_equal (f->options->worker_endpoint, "tcp://10.0.0.9:7701");
}

static void
test_bad_flags_are_named (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *zero [] = { "imq-sla-timer", "--credit", "0" };
    assert_int_equal (s_parse (f, 3, zero), IM_EINVAL);
    const char *big [] = { "imq-sla-timer", "--credit=10001" };
    assert_int_equal (s_parse (f, 2, big), IM_EINVAL);
    const char *word [] = { "imq-sla-timer", "--credit", "many" };
    assert_int_equal (s_parse (f, 3, word), IM_EINVAL);
    const char *unknown [] = { "imq-sla-timer", "--colour" };
    assert_int_equal (s_parse (f, 2, unknown), IM_EINVAL);
    const char *missing [] = { "imq-sla-timer", "--instance" };
    assert_int_equal (s_parse (f, 2, missing), IM_EINVAL);
    const char *errors = s_errors (f);
    assert_non_null (strstr (errors, "--credit: want 1..10000, got '0'"));
    assert_non_null (strstr (errors, "--colour: unknown option"));
    assert_non_null (strstr (errors, "--instance: needs a value"));
}

static void
test_bad_config_prints_every_error (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_write ("bad.yaml", "node:\n"
                         "  worker_heartbeat: often\n"
                         "  batch_max: 0\n");
    const char *argv [] = { "imq-sla-timer", "--config", "bad.yaml" };
    assert_int_equal (s_parse (f, 3, argv), IM_ECONFIG);
    const char *errors = s_errors (f);
    assert_non_null (strstr (errors, "bad.yaml:2:"));
    assert_non_null (strstr (errors, "bad.yaml:3:"));
}

static void
test_missing_config_is_an_error (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *argv [] = { "imq-sla-timer", "-c", "nowhere.yaml" };
    assert_int_equal (s_parse (f, 3, argv), IM_ENOTFOUND);
    assert_non_null (strstr (s_errors (f), "nowhere.yaml: cannot read"));
}

#define S_TEST(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        S_TEST (test_defaults_without_flags_or_file),
        S_TEST (test_flags_override_the_config_file),
        S_TEST (test_imq_yaml_in_the_working_directory_is_read),
        S_TEST (test_bad_flags_are_named),
        S_TEST (test_bad_config_prints_every_error),
        S_TEST (test_missing_config_is_an_error),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
