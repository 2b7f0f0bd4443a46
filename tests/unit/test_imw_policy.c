/*  test_imw_policy - a worker's policy follows the policy version

    Without a broker: what a replicated text gives the role, and what an
    event without a stamp or with one that cannot be fetched does. Fetching a
    version from a real broker is in tests/e2e/e2e_policy.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imw_classes.h"

typedef struct {
    im_policy_t *rules;                 //  What the role reads
    im_policy_t *other;                 //  A parsed policy
    imw_policy_t *policy;               //  Under test
    im_event_t *event;                  //  Event handled
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->rules = (im_policy_t *) malloc (sizeof (im_policy_t));
    f->other = (im_policy_t *) malloc (sizeof (im_policy_t));
    im_policy_defaults (f->rules);
    im_policy_defaults (f->other);
    f->rules->request_priority = 3;
    f->policy = imw_policy_new (f->rules);
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
    free (f->rules);
    free (f);
    return 0;
}

static void
test_a_replicated_text_gives_every_rule_the_roles_read (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    const char *text = "sla:\n  P1: {response: 1m, resolution: 2m}\n"
                       "classifier:\n  request_priority: 5\n"
                       "notifier:\n  breach_recipients: [boss]\n";
    char errbuf [256];
    assert_int_equal (im_policy_parse (f->other, "p", text, 4, errbuf,
                                       sizeof errbuf), 0);
    assert_int_equal (f->other->version, 4);
    assert_int_equal (f->other->response_ms [0], 60000);
    assert_int_equal (f->other->request_priority, 5);
    assert_string_equal (f->other->breach_recipients [0], "boss");
    //  What the text does not say is the default, not the node's file
    assert_int_equal (f->other->response_ms [1], 30 * 60000);
    //  A node's setting is not a rule: the text is refused whole
    const char *node = "notifier:\n  sink: /var/imq/sink\n";
    assert_int_equal (im_policy_parse (f->other, "p", node, 5, errbuf,
                                       sizeof errbuf), IM_ECONFIG);
    assert_non_null (strstr (errbuf, "p:2:3: error: notifier: unknown key "
                                     "'sink'"));
    assert_int_equal (f->other->version, 4);
}

static void
test_unstamped_events_keep_the_workers_own_file (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->event->type = IM_EV_OPENED;
    assert_int_equal (imw_policy_follow (f->policy, f->event, NULL), 0);
    assert_int_equal (imw_policy_version (f->policy), 0);
    assert_int_equal (f->rules->request_priority, 3);
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
        T (test_a_replicated_text_gives_every_rule_the_roles_read),
        T (test_unstamped_events_keep_the_workers_own_file),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
