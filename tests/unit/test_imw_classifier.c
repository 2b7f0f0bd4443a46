/*  test_imw_classifier - the classifier role's decisions

    The classifier is pure: an opened event and the configuration in,
    one CLASSIFY command out. These tests feed it events built in memory
    and read the command it appends, with the default configuration
    (the ITIL matrix and the keyword categories).
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

typedef struct {
    im_policy_t *policy;                //  Default policy
    imw_classifier_t *classifier;       //  Role under test
    imw_output_t *out;                  //  What it asks to send
    im_event_t *event;                  //  Event fed to it
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->policy = (im_policy_t *) calloc (1, sizeof (im_policy_t));
    assert_non_null (f->policy);
    im_policy_defaults (f->policy);
    f->classifier = imw_classifier_new (f->policy);
    f->out = imw_output_new ();
    f->event = im_event_new ();
    assert_non_null (f->classifier);
    assert_non_null (f->out);
    assert_non_null (f->event);
    f->event->seq = 7;
    f->event->ts_ms = 1000;
    f->event->incident = 3;
    f->event->type = IM_EV_OPENED;
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    imw_output_destroy (&f->out);
    imw_classifier_destroy (&f->classifier);
    free (f->policy);
    free (f);
    return 0;
}

//  Fills the opened payload; impact / urgency 0 leaves them out
static void
s_opened (fixture_t *f, const char *type, int impact, int urgency,
          const char *title, const char *description)
{
    im_fields_clear (f->event->payload);
    im_fields_set_str (f->event->payload, "title", title);
    if (description)
        im_fields_set_str (f->event->payload, "description", description);
    if (type)
        im_fields_set_str (f->event->payload, "type", type);
    if (impact)
        im_fields_set_int (f->event->payload, "impact", impact);
    if (urgency)
        im_fields_set_int (f->event->payload, "urgency", urgency);
}

static int64_t
s_classified_priority (fixture_t *f)
{
    imw_output_clear (f->out);
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    return im_fields_int_or (imw_output_args (f->out, 0), "priority", 0);
}

static void
test_opened_gets_one_classify_command (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, NULL, 1, 2, "VPN down for everyone", NULL);
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    assert_string_equal (imw_output_verb (f->out, 0), "CLASSIFY");
    assert_string_equal (imw_output_key (f->out, 0), "classify");
    assert_int_equal (imw_output_incident (f->out, 0), 3);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_int_equal (im_fields_int_or (args, "priority", 0), 2);
    assert_string_equal (im_fields_str (args, "category"), "network");
}

static void
test_priority_follows_the_matrix (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int impact = 1; impact <= 3; impact++)
        for (int urgency = 1; urgency <= 3; urgency++) {
            s_opened (f, "incident", impact, urgency, "x", NULL);
            assert_int_equal (s_classified_priority (f),
                              f->policy->matrix [impact - 1][urgency - 1]);
        }
}

static void
test_missing_or_invalid_scale_counts_as_three (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, NULL, 0, 0, "x", NULL);
    assert_int_equal (s_classified_priority (f), f->policy->matrix [2][2]);
    s_opened (f, NULL, 9, 1, "x", NULL);
    assert_int_equal (s_classified_priority (f), f->policy->matrix [2][0]);
    s_opened (f, NULL, 1, -4, "x", NULL);
    assert_int_equal (s_classified_priority (f), f->policy->matrix [0][2]);
    //  A string where an int belongs is not a value either
    s_opened (f, NULL, 0, 1, "x", NULL);
    im_fields_set_str (f->event->payload, "impact", "1");
    assert_int_equal (s_classified_priority (f), f->policy->matrix [2][0]);
}

static void
test_request_is_never_above_p4 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, "request", 1, 1, "new laptop", NULL);
    assert_int_equal (s_classified_priority (f), 4);
    s_opened (f, "request", 2, 2, "new laptop", NULL);
    assert_int_equal (s_classified_priority (f), 4);
    s_opened (f, "request", 3, 3, "new laptop", NULL);
    assert_int_equal (s_classified_priority (f), 5);
    //  The same impact and urgency as an incident is P1
    s_opened (f, "incident", 1, 1, "laptop on fire", NULL);
    assert_int_equal (s_classified_priority (f), 1);
}

static void
test_category_reads_title_and_description (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, NULL, 2, 2, "cannot work", "my outlook mailbox is full");
    assert_string_equal (imw_classifier_category (f->policy,
                                                  f->event->payload),
                         "email");
    //  The title's last word and the description's first stay apart
    s_opened (f, NULL, 2, 2, "data", "base");
    assert_string_equal (imw_classifier_category (f->policy,
                                                  f->event->payload),
                         "general");
    s_opened (f, NULL, 2, 2, "nothing matches here", NULL);
    assert_string_equal (imw_classifier_category (f->policy,
                                                  f->event->payload),
                         f->policy->default_category);
}

static void
test_other_events_are_ignored (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, NULL, 1, 1, "VPN down", NULL);
    for (int type = IM_EV_NONE + 1; type < IM_EV_MAX; type++) {
        if (type == IM_EV_OPENED || type == IM_EV_CONVERTED)
            continue;
        f->event->type = (im_event_type_t) type;
        assert_int_equal (imw_classifier_handle (f->classifier, f->event,
                                                 f->out), 0);
        assert_int_equal (imw_output_size (f->out), 0);
    }
}

static void
test_a_conversion_is_classified_again_as_its_new_type (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy->request_priority = 5;
    f->event->type = IM_EV_CONVERTED;
    f->event->incident = 9;
    im_fields_clear (f->event->payload);
    im_fields_set_str (f->event->payload, "from", "incident");
    im_fields_set_str (f->event->payload, "to", "request");
    im_fields_set_int (f->event->payload, "impact", 1);
    im_fields_set_int (f->event->payload, "urgency", 1);
    im_fields_set_str (f->event->payload, "title", "printer toner");
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
    const im_fields_t *args = imw_output_args (f->out, 0);
    assert_int_equal (im_fields_int_or (args, "priority", 0), 5);
    assert_string_equal (im_fields_str (args, "type"), "request");
    assert_string_equal (im_fields_str (args, "category"), "hardware");
    imw_output_clear (f->out);
    //  Back to an incident: the matrix again
    im_fields_set_str (f->event->payload, "from", "request");
    im_fields_set_str (f->event->payload, "to", "incident");
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    args = imw_output_args (f->out, 0);
    assert_int_equal (im_fields_int_or (args, "priority", 0), 1);
    assert_string_equal (im_fields_str (args, "type"), "incident");
}

static void
test_a_routed_category_is_assigned_to_its_group (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy->groups_n = 1;
    im_strlcpy (f->policy->groups [0].name, "network-team",
                IM_CONFIG_NAME_MAX);
    f->policy->groups [0].routes_n = 1;
    im_strlcpy (f->policy->groups [0].routes [0], "network",
                IM_CONFIG_NAME_MAX);
    s_opened (f, NULL, 2, 2, "VPN down", NULL);
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 2);
    int route = imw_output_find (f->out, "route");
    assert_true (route >= 0);
    assert_string_equal (imw_output_verb (f->out, (size_t) route), "ASSIGN");
    const im_fields_t *args = imw_output_args (f->out, (size_t) route);
    assert_string_equal (im_fields_str (args, "group"), "network-team");
    assert_int_equal (im_fields_int_or (args, "unassigned_only", 0), 1);
    //  Another category: no routing
    imw_output_clear (f->out);
    s_opened (f, NULL, 2, 2, "printer jam", NULL);
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 1);
}

static void
test_redelivery_gives_the_same_command (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_opened (f, NULL, 2, 1, "database replication lag", "since 2am");
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_classifier_handle (f->classifier, f->event, f->out),
                      0);
    assert_int_equal (imw_output_size (f->out), 2);
    assert_string_equal (imw_output_key (f->out, 0),
                         imw_output_key (f->out, 1));
    assert_true (im_fields_equal (imw_output_args (f->out, 0),
                                  imw_output_args (f->out, 1)));
}

static void
test_role_table_names_the_group (void **state)
{
    (void) state;
    const imw_role_t *role = imw_classifier_role ();
    assert_string_equal (role->name, "classifier");
    assert_string_equal (role->group, "classifier");
    assert_string_equal (role->program, "imq-classifier");
    assert_non_null (role->handle_fn);
    assert_null (role->tick_fn);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_opened_gets_one_classify_command,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_priority_follows_the_matrix,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_missing_or_invalid_scale_counts_as_three, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_request_is_never_above_p4,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_category_reads_title_and_description, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_other_events_are_ignored,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_conversion_is_classified_again_as_its_new_type,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_routed_category_is_assigned_to_its_group,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_redelivery_gives_the_same_command, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_role_table_names_the_group,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
