/*  test_imw_policy - a worker's configuration follows the policy version

    Without a broker: the overlay of policy sections, and what an event
    without a stamp or with one that cannot be fetched does. Fetching a
    version from a real broker is in tests/e2e/e2e_policy.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

typedef struct {
    im_config_t *config;                //  What the role reads
    im_config_t *other;                 //  A parsed policy
    imw_policy_t *policy;               //  Under test
    im_event_t *event;                  //  Event handled
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->config = (im_config_t *) malloc (sizeof (im_config_t));
    f->other = (im_config_t *) malloc (sizeof (im_config_t));
    im_config_default (f->config);
    im_strlcpy (f->config->sink_dir, "/var/imq/sink",
                sizeof f->config->sink_dir);
    f->config->node_id = 7;
    f->policy = imw_policy_new (f->config);
    f->event = im_event_new ();
    assert_non_null (f->policy);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_event_destroy (&f->event);
    imw_policy_destroy (&f->policy);
    free (f->other);
    free (f->config);
    free (f);
    return 0;
}

static void
test_overlay_takes_policy_sections_and_keeps_node_settings (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text = "sla:\n  P1: {response: 1m, resolution: 2m}\n"
                       "classifier:\n  request_priority: 5\n"
                       "notifier:\n  breach_recipients: [boss]\n";
    char errbuf [256];
    assert_int_equal (im_config_parse (f->other, "p", text, strlen (text),
                                       true, errbuf, sizeof errbuf), 0);
    imw_policy_overlay (f->config, f->other);
    assert_int_equal (f->config->response_ms [0], 60000);
    assert_int_equal (f->config->request_priority, 5);
    assert_string_equal (f->config->breach_recipients [0], "boss");
    assert_string_equal (f->config->sink_dir, "/var/imq/sink");
    assert_int_equal (f->config->node_id, 7);
}

static void
test_unstamped_events_keep_the_workers_own_file (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->event->type = IM_EV_OPENED;
    assert_int_equal (imw_policy_follow (f->policy, f->event, NULL), 0);
    assert_int_equal (imw_policy_version (f->policy), 0);
    //  A stamped event with no broker to ask: the version is not had
    im_fields_set_int (f->event->payload, "policy_version", 2);
    assert_int_equal (imw_policy_follow (f->policy, f->event, NULL),
                      IM_ECONFIG);
    assert_int_equal (imw_policy_version (f->policy), 0);
    //  Events that do not depend on policy are not looked at
    f->event->type = IM_EV_COMMENTED;
    assert_int_equal (imw_policy_follow (f->policy, f->event, NULL), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_overlay_takes_policy_sections_and_keeps_node_settings),
        T (test_unstamped_events_keep_the_workers_own_file),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
