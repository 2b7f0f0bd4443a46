/*  test_imc_decide - what lifecycle commands mean, given a projection

    The decider is pure: a command and a projection in, events or a
    rejection out. These tests build projections by hand (statuses the
    transition table allows) and check the events each lifecycle command
    makes: pending with a reason and back, cancel, resolve with a code
    and the policy's deadlines, the reopen window and the follow-up
    opened after it, and the auto-close the SLA timer asks for.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_incident.h"
#include "imc_decide.h"

#define T0      1000000             //  Leader's stamp of the commands
#define NEW_ID  42                  //  Id a new incident would get

typedef struct {
    im_fields_t *incident;          //  Projection the command meets
    im_command_t *command;          //  Command under test
    im_policy_t policy;             //  Rules in force
    imc_decision_t decision;        //  What the decider said
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->incident = im_fields_new ();
    f->command = im_command_new ();
    im_policy_defaults (&f->policy);
    im_fields_set_int (f->incident, "id", 7);
    im_fields_set_str (f->incident, "title", "mail is slow");
    im_fields_set_str (f->incident, "reporter", "ann");
    im_fields_set_str (f->incident, "status", "new");
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_decision_destroy_events (&f->decision);
    im_command_destroy (&f->command);
    im_fields_destroy (&f->incident);
    free (f);
    return 0;
}

//  Other incidents: none in these tests
static const im_fields_t *
s_lookup (void *arg, uint64_t id)
{
    (void) arg;
    (void) id;
    return NULL;
}

//  Decides verb on incident 7 at ts with key/value args ("s:text" or
//  "i:123"), NULL-ended; returns the decision's rc
static int
s_decide (fixture_t *f, const char *verb, uint64_t ts, ...)
{
    im_command_t *command = f->command;
    command->type = im_command_type_from_name (verb);
    assert_int_not_equal (command->type, IM_CMD_NONE);
    command->incident = 7;
    command->ts_ms = ts;
    im_fields_clear (command->args);
    va_list args;
    va_start (args, ts);
    for (const char *key = va_arg (args, const char *); key;
         key = va_arg (args, const char *)) {
        const char *value = va_arg (args, const char *);
        if (value [0] == 'i')
            im_fields_set_int (command->args, key,
                               strtoll (value + 2, NULL, 10));
        else
            im_fields_set_str (command->args, key, value + 2);
    }
    va_end (args);
    imc_decide (command, f->incident, NEW_ID, &f->policy, s_lookup, f,
                &f->decision);
    return f->decision.rc;
}

//  Folds the decision's events into the projection, as the state
//  machine does with those for incident 7 (it stamps their time)
static void
s_fold (fixture_t *f)
{
    for (size_t index = 0; index < f->decision.count; index++) {
        im_event_t *event = f->decision.events [index];
        event->ts_ms = f->command->ts_ms;
        if (event->incident == 7)
            imc_incident_evolve (f->incident, event);
    }
}

static const im_fields_t *
s_payload (fixture_t *f, size_t index, im_event_type_t type)
{
    assert_true (index < f->decision.count);
    assert_int_equal (f->decision.events [index]->type, type);
    return f->decision.events [index]->payload;
}

static void
test_pending_needs_a_known_reason_and_resumes_where_it_was (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "status", "in_progress");
    assert_int_equal (s_decide (f, "PEND", T0, NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "reason"));
    assert_int_equal (s_decide (f, "PEND", T0, "reason", "s:lunch", NULL),
                      IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "awaiting_vendor"));

    assert_int_equal (s_decide (f, "PEND", T0, "reason", "s:awaiting_vendor",
                                "note", "s:ticket 88 at the ISP", NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_PENDING);
    assert_string_equal (im_fields_str (payload, "status"), "pending");
    assert_string_equal (im_fields_str (payload, "reason"),
                         "awaiting_vendor");
    assert_string_equal (im_fields_str (payload, "previous_status"),
                         "in_progress");
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "pending_reason"),
                         "awaiting_vendor");

    //  On hold it cannot be acknowledged, nor put on hold twice
    assert_int_equal (s_decide (f, "ACK", T0, NULL), IM_ESTATE);
    assert_non_null (strstr (f->decision.error, "pending; allowed: "));
    assert_int_equal (s_decide (f, "PEND", T0, "reason", "s:awaiting_caller",
                                NULL), IM_ESTATE);

    assert_int_equal (s_decide (f, "RESUME", T0, NULL), 0);
    payload = s_payload (f, 0, IM_EV_RESUMED);
    assert_string_equal (im_fields_str (payload, "status"), "in_progress");
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"),
                         "in_progress");
    assert_false (im_fields_has (f->incident, "pending_reason"));
    assert_int_equal (s_decide (f, "RESUME", T0, NULL), IM_ESTATE);
}

static void
test_an_assigned_incident_resumes_assigned (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "status", "assigned");
    assert_int_equal (s_decide (f, "PEND", T0, "reason", "s:awaiting_caller",
                                NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "RESUME", T0, NULL), 0);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"), "assigned");
}

static void
test_cancel_needs_a_reason_and_ends_the_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "CANCEL", T0, NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "CANCEL", T0, "reason", "s:logged twice",
                                NULL), 0);
    s_payload (f, 0, IM_EV_CANCELLED);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"), "cancelled");
    assert_int_equal (im_fields_int_or (f->incident, "cancelled_ms", 0), T0);
    assert_int_equal (s_decide (f, "COMMENT", T0, "text", "s:hello", NULL),
                      IM_ESTATE);
    assert_int_equal (s_decide (f, "REOPEN", T0, "reason", "s:x", NULL),
                      IM_ESTATE);
    assert_non_null (strstr (f->decision.error, "allowed: nothing"));
}

static void
test_resolve_needs_code_and_notes_and_sets_the_windows (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "notes", "s:rebooted",
                                NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "'code'"));
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved", NULL),
                      IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "'notes'"));
    f->policy.reopen_window_ms = 5000;
    f->policy.auto_close_ms = 9000;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:workaround",
                                "notes", "s:rebooted", NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_RESOLVED);
    assert_string_equal (im_fields_str (payload, "code"), "workaround");
    assert_int_equal (im_fields_int_or (payload, "reopen_until_ms", 0),
                      T0 + 5000);
    assert_int_equal (im_fields_int_or (payload, "close_due_ms", 0),
                      T0 + 9000);
    //  No auto-close when the policy says 0
    f->policy.auto_close_ms = 0;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:rebooted", NULL), 0);
    assert_false (im_fields_has (s_payload (f, 0, IM_EV_RESOLVED),
                                 "close_due_ms"));
}

static void
test_reopen_within_the_window_reopens (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy.reopen_window_ms = 5000;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:rebooted", NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "REOPEN", T0 + 5000, "reason",
                                "s:slow again", NULL), 0);
    assert_int_equal (f->decision.count, 1);
    s_payload (f, 0, IM_EV_REOPENED);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"), "new");
    assert_false (im_fields_has (f->incident, "close_due_ms"));
    assert_false (im_fields_has (f->incident, "reopen_until_ms"));
}

static void
test_reopen_after_the_window_opens_a_linked_follow_up (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy.reopen_window_ms = 5000;
    im_fields_set_int (f->incident, "impact", 2);
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:rebooted", NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "REOPEN", T0 + 5001, "reason",
                                "s:slow again", NULL), 0);
    assert_int_equal (f->decision.count, 2);
    const im_fields_t *opened = s_payload (f, 0, IM_EV_OPENED);
    assert_int_equal (f->decision.events [0]->incident, NEW_ID);
    assert_string_equal (im_fields_str (opened, "title"), "mail is slow");
    assert_string_equal (im_fields_str (opened, "reporter"), "ann");
    assert_int_equal (im_fields_int_or (opened, "impact", 0), 2);
    assert_int_equal (im_fields_int_or (opened, "follow_up_of", 0), 7);
    assert_string_equal (im_fields_str (opened, "reason"), "slow again");
    const im_fields_t *linked = s_payload (f, 1, IM_EV_LINKED);
    assert_int_equal (f->decision.events [1]->incident, 7);
    assert_string_equal (im_fields_str (linked, "link"), "follow_up");
    assert_int_equal (im_fields_int_or (linked, "other", 0), NEW_ID);
    s_fold (f);
    //  The old incident stays resolved and lists its follow-up
    assert_string_equal (im_fields_str (f->incident, "status"), "resolved");
    assert_string_equal (im_fields_str (f->incident, "follow_ups"), "42");
}

static void
test_reopen_of_a_closed_incident_opens_a_follow_up (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:rebooted", NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "CLOSE", T0 + 1, NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "REOPEN", T0 + 2, "reason", "s:again",
                                NULL), 0);
    s_payload (f, 0, IM_EV_OPENED);
    s_payload (f, 1, IM_EV_LINKED);
}

static void
test_auto_close_must_name_the_deadline_and_be_due (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy.auto_close_ms = 9000;
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:rebooted", NULL), 0);
    s_fold (f);
    //  Another deadline (from before a reopen): refused
    assert_int_equal (s_decide (f, "CLOSE", T0 + 20000, "due_ms", "i:1234",
                                NULL), IM_ESTATE);
    //  Not due yet by the leader's stamp: refused
    assert_int_equal (s_decide (f, "CLOSE", T0 + 8999, "due_ms", "i:1009000",
                                NULL), IM_ESTATE);
    assert_non_null (strstr (f->decision.error, "not yet"));
    assert_int_equal (s_decide (f, "CLOSE", T0 + 9000, "due_ms", "i:1009000",
                                NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_CLOSED);
    assert_int_equal (im_fields_int_or (payload, "due_ms", 0), T0 + 9000);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"), "closed");
    assert_false (im_fields_has (f->incident, "close_due_ms"));
}

static void
test_convert_changes_the_type_and_says_so (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "type", "request");
    im_fields_set_int (f->incident, "impact", 1);
    assert_int_equal (s_decide (f, "CONVERT", T0, "type", "s:request",
                                "reason", "s:x", NULL), IM_ESTATE);
    assert_int_equal (s_decide (f, "CONVERT", T0, "type", "s:problem",
                                "reason", "s:x", NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "CONVERT", T0, "type", "s:incident",
                                NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "CONVERT", T0, "type", "s:incident",
                                "reason", "s:whole floor is affected",
                                NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_CONVERTED);
    assert_string_equal (im_fields_str (payload, "from"), "request");
    assert_string_equal (im_fields_str (payload, "to"), "incident");
    assert_int_equal (im_fields_int_or (payload, "impact", 0), 1);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "type"), "incident");
    assert_int_equal (im_fields_int_or (f->incident, "conversions", 0), 1);
}

static void
test_categorize_sets_the_classification (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "category", "s:network",
                                "subcategory", "s:vpn", "service",
                                "s:remote-access", "ci", "s:vpn-gw-2",
                                NULL), 0);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "subcategory"), "vpn");
    assert_string_equal (im_fields_str (f->incident, "ci"), "vpn-gw-2");
    assert_string_equal (im_fields_str (f->incident, "service"),
                         "remote-access");
}

static void
test_categorize_follows_the_policy_taxonomy (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    f->policy.version = 1;
    f->policy.categories_n = 1;
    im_policy_category_t *network = &f->policy.categories [0];
    im_strlcpy (network->name, "network", IM_CONFIG_NAME_MAX);
    network->subcategories_n = 2;
    im_strlcpy (network->subcategories [0], "vpn", IM_CONFIG_NAME_MAX);
    im_strlcpy (network->subcategories [1], "wifi", IM_CONFIG_NAME_MAX);
    im_strlcpy (f->policy.default_category, "general", IM_CONFIG_NAME_MAX);
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "category", "s:cooking",
                                NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "no category 'cooking'"));
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "category", "s:network",
                                "subcategory", "s:dns", NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "'dns' under 'network'"));
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "category", "s:general",
                                NULL), 0);
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "category", "s:network",
                                "subcategory", "s:wifi", NULL), 0);
    s_fold (f);
    //  A subcategory alone belongs to the incident's category
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "subcategory", "s:vpn",
                                NULL), 0);
    assert_int_equal (s_decide (f, "CATEGORIZE", T0, "subcategory", "s:dns",
                                NULL), IM_EINVAL);
}

static void
test_only_managers_override_a_priority_and_it_sticks (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_int (f->incident, "priority", 4);
    snprintf (f->command->actor, sizeof f->command->actor, "ann");
    //  Nobody holds a role under the defaults
    assert_int_equal (s_decide (f, "PRIORITIZE", T0, "priority", "i:1",
                                "reason", "s:CEO cannot mail", NULL),
                      IM_EDENIED);
    assert_non_null (strstr (f->decision.error, "'ann' may not"));
    f->policy.agents_n = 2;
    im_strlcpy (f->policy.agents [0].name, "ann", IM_CONFIG_NAME_MAX);
    im_strlcpy (f->policy.agents [0].roles [0], IM_ROLE_INCIDENT_MANAGER,
                IM_CONFIG_NAME_MAX);
    f->policy.agents [0].roles_n = 1;
    im_strlcpy (f->policy.agents [1].name, "bob", IM_CONFIG_NAME_MAX);
    assert_int_equal (s_decide (f, "PRIORITIZE", T0, "priority", "i:1",
                                NULL), IM_EINVAL);  //  reason required
    assert_int_equal (s_decide (f, "PRIORITIZE", T0, "priority", "i:1",
                                "reason", "s:CEO cannot mail", NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_PRIORITIZED);
    assert_int_equal (im_fields_int_or (payload, "previous_priority", 0), 4);
    s_fold (f);
    assert_int_equal (im_fields_int_or (f->incident, "priority", 0), 1);
    assert_string_equal (im_fields_str (f->incident, "priority_reason"),
                         "CEO cannot mail");
    //  bob is an agent without the role
    snprintf (f->command->actor, sizeof f->command->actor, "bob");
    assert_int_equal (s_decide (f, "PRIORITIZE", T0, "priority", "i:5",
                                "reason", "s:meh", NULL), IM_EDENIED);
    //  The classifier's later result keeps the manual priority
    assert_int_equal (s_decide (f, "CLASSIFY", T0, "priority", "i:3",
                                "category", "s:email", NULL), 0);
    payload = s_payload (f, 0, IM_EV_CLASSIFIED);
    assert_int_equal (im_fields_int_or (payload, "priority", 0), 1);
    assert_string_equal (im_fields_str (payload, "category"), "email");
}

//  A policy with a tier 1 desk and a tier 2 network group
static void
s_groups (fixture_t *f)
{
    f->policy.groups_n = 2;
    im_policy_group_t *desk = &f->policy.groups [0];
    im_strlcpy (desk->name, "desk", IM_CONFIG_NAME_MAX);
    desk->tier = 1;
    desk->agents_n = 1;
    im_strlcpy (desk->agents [0], "bob", IM_CONFIG_NAME_MAX);
    im_policy_group_t *network = &f->policy.groups [1];
    im_strlcpy (network->name, "network", IM_CONFIG_NAME_MAX);
    network->tier = 2;
}

static void
test_assignment_follows_the_policy_groups (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_groups (f);
    assert_int_equal (s_decide (f, "ASSIGN", T0, "group", "s:nowhere", NULL),
                      IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "no group 'nowhere'"));
    assert_int_equal (s_decide (f, "ASSIGN", T0, "group", "s:desk", "agent",
                                "s:eve", NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "'eve' is not in group"));
    assert_int_equal (s_decide (f, "ASSIGN", T0, "group", "s:desk", "agent",
                                "s:bob", NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_ASSIGNED);
    assert_int_equal (im_fields_int_or (payload, "tier", 0), 1);
    assert_int_equal (im_fields_int_or (payload, "reassignment_count", -1),
                      0);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "status"), "assigned");
    //  Routing never takes an incident from someone
    assert_int_equal (s_decide (f, "ASSIGN", T0, "group", "s:network",
                                "unassigned_only", "i:1", NULL), IM_ESTATE);
}

static void
test_functional_escalation_moves_to_the_next_tier (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_groups (f);
    assert_int_equal (s_decide (f, "ASSIGN", T0, "group", "s:desk", "agent",
                                "s:bob", NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:sideways",
                                "reason", "s:x", NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:functional",
                                "reason", "s:needs a network engineer",
                                NULL), 0);
    assert_int_equal (f->decision.count, 2);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_ESCALATED);
    assert_string_equal (im_fields_str (payload, "from_group"), "desk");
    assert_string_equal (im_fields_str (payload, "to_group"), "network");
    payload = s_payload (f, 1, IM_EV_ASSIGNED);
    assert_string_equal (im_fields_str (payload, "group"), "network");
    assert_string_equal (im_fields_str (payload, "agent"), "");
    assert_int_equal (im_fields_int_or (payload, "reassignment_count", 0), 1);
    s_fold (f);
    assert_int_equal (im_fields_int_or (f->incident, "tier", 0), 2);
    assert_int_equal (im_fields_int_or (f->incident,
                                        "functional_escalations", 0), 1);
    //  No tier 3 group: name one, or nothing happens
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:functional",
                                "reason", "s:x", NULL), IM_ESTATE);
    assert_non_null (strstr (f->decision.error, "no tier 3 group"));
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:functional",
                                "reason", "s:back", "group", "s:desk",
                                NULL), 0);
}

static void
test_hierarchical_escalation_keeps_the_assignee (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "group", "desk");
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:hierarchical",
                                "reason", "s:VIP", "group", "s:x", NULL),
                      IM_EINVAL);
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:hierarchical",
                                "reason", "s:VIP", NULL), 0);
    assert_int_equal (f->decision.count, 1);
    assert_int_equal (im_fields_int_or (s_payload (f, 0, IM_EV_ESCALATED),
                                        "level", 0), 1);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "group"), "desk");
    assert_int_equal (im_fields_int_or (f->incident,
                                        "hierarchical_escalations", 0), 1);
    assert_int_equal (s_decide (f, "ESCALATE", T0, "kind", "s:hierarchical",
                                "reason", "s:still", NULL), 0);
    assert_int_equal (im_fields_int_or (s_payload (f, 0, IM_EV_ESCALATED),
                                        "level", 0), 2);
}

//  Makes ann an incident manager and the command's actor
static void
s_manager (fixture_t *f, const char *actor)
{
    f->policy.agents_n = 1;
    im_strlcpy (f->policy.agents [0].name, "ann", IM_CONFIG_NAME_MAX);
    im_strlcpy (f->policy.agents [0].roles [0], IM_ROLE_INCIDENT_MANAGER,
                IM_CONFIG_NAME_MAX);
    f->policy.agents [0].roles_n = 1;
    snprintf (f->command->actor, sizeof f->command->actor, "%s", actor);
}

static void
test_a_major_incident_is_proposed_then_accepted_by_a_manager (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_manager (f, "bob");
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:accept",
                                "commander", "s:carl", "cadence_ms",
                                "i:60000", NULL), IM_EDENIED);
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:propose",
                                "reason", "s:all shops offline", NULL), 0);
    s_fold (f);
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:propose",
                                NULL), IM_ESTATE);
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:accept",
                                "commander", "s:carl", "cadence_ms",
                                "i:60000", NULL), IM_EDENIED);
    s_manager (f, "ann");
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:accept",
                                "commander", "s:carl", NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "MAJOR", T0, "action", "s:accept",
                                "commander", "s:carl", "cadence_ms",
                                "i:60000", NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_MAJOR_DECLARED);
    assert_int_equal (im_fields_int_or (payload, "update_due_ms", 0),
                      T0 + 60000);
    s_fold (f);
    assert_int_equal (im_incident_timer_due (f->incident, IM_CLOCK_UPDATE),
                      T0 + 60000);
    //  An update moves the due time a cadence on
    assert_int_equal (s_decide (f, "MAJOR", T0 + 1000, "action", "s:update",
                                "text", "s:rebooting tills", NULL), 0);
    s_fold (f);
    assert_int_equal (im_fields_int_or (f->incident, "update_due_ms", 0),
                      T0 + 61000);
    //  A reminder must name the due time and come after it
    assert_int_equal (s_decide (f, "MAJOR", T0 + 61000, "action",
                                "s:remind", "due_ms", "i:1060000", NULL),
                      IM_ESTATE);
    assert_int_equal (s_decide (f, "MAJOR", T0 + 60999, "action",
                                "s:remind", "due_ms", "i:1061000", NULL),
                      IM_ESTATE);
    assert_int_equal (s_decide (f, "MAJOR", T0 + 61000, "action",
                                "s:remind", "due_ms", "i:1061000", NULL), 0);
    payload = s_payload (f, 0, IM_EV_UPDATE_DUE);
    assert_string_equal (im_fields_str (payload, "commander"), "carl");
    assert_int_equal (im_fields_int_or (payload, "update_due_ms", 0),
                      T0 + 121000);
}

static void
test_a_major_incident_closes_only_once_reviewed (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "major", "declared");
    im_fields_set_int (f->incident, "update_due_ms", T0);
    assert_int_equal (s_decide (f, "RESOLVE", T0, "code", "s:solved",
                                "notes", "s:failed over", NULL), 0);
    //  No auto-close for a major incident
    assert_false (im_fields_has (s_payload (f, 0, IM_EV_RESOLVED),
                                 "close_due_ms"));
    s_fold (f);
    assert_int_equal (im_incident_timer_due (f->incident, IM_CLOCK_UPDATE),
                      0);
    assert_int_equal (s_decide (f, "CLOSE", T0, NULL), IM_ESTATE);
    assert_non_null (strstr (f->decision.error, "post-incident review"));
    assert_int_equal (s_decide (f, "REVIEW", T0, "summary", "s:down 1h",
                                "root_cause", "s:expired certificate",
                                NULL), IM_EINVAL);
    assert_int_equal (s_decide (f, "REVIEW", T0, "summary", "s:down 1h",
                                "root_cause", "s:expired certificate",
                                "actions", "s:dora: monitor expiry", NULL),
                      0);
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "root_cause"),
                         "expired certificate");
    assert_int_equal (s_decide (f, "CLOSE", T0, NULL), 0);
}

static void
test_a_member_is_recorded_as_an_event_of_no_incident (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "MEMBER", 1000, "node", "i:4", "raft",
                                "s:10.0.0.4:7702", "client",
                                "s:tcp://10.0.0.4:7700", "http",
                                "s:10.0.0.4:8080", NULL), 0);
    assert_int_equal (f->decision.count, 1);
    assert_int_equal (f->decision.events [0]->incident, 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_MEMBER);
    assert_int_equal (im_fields_int_or (payload, "node", 0), 4);
    assert_string_equal (im_fields_str_or (payload, "raft", ""),
                         "10.0.0.4:7702");
    assert_string_equal (im_fields_str_or (payload, "client", ""),
                         "tcp://10.0.0.4:7700");
    assert_string_equal (im_fields_str_or (payload, "workers", "?"), "");
    assert_string_equal (im_fields_str_or (payload, "http", ""),
                         "10.0.0.4:8080");

    //  Each argument is checked, and named when wrong
    assert_int_equal (s_decide (f, "MEMBER", 1000, "node", "i:0", "raft",
                                "s:10.0.0.4:7702", NULL), IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "node"));
    assert_int_equal (s_decide (f, "MEMBER", 1000, "node", "i:4", NULL),
                      IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "raft"));
    assert_int_equal (s_decide (f, "MEMBER", 1000, "node", "i:4", "raft",
                                "s:10.0.0.4:7702", "client", "i:7", NULL),
                      IM_EINVAL);
    assert_non_null (strstr (f->decision.error, "client"));
}

//  A rejection that quotes a client's text is cut to fit its reason at
//  a character boundary: the reply that carries it holds only UTF-8
static void
test_a_reason_quoting_long_text_stays_utf8 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    for (int lead = 0; lead < 2; lead++) {
        char key [256] = "";
        if (lead)
            strcat (key, "x");
        for (int index = 0; index < 127; index++)
            strcat (key, "\xc3\xa9");
        key [255] = 0;
        im_utf8_trim (key);
        im_command_t *command = f->command;
        command->type = IM_CMD_ALERT;
        command->incident = 0;
        im_fields_clear (command->args);
        im_fields_set_str (command->args, "dedup_key", key);
        im_fields_set_str (command->args, "action", "acknowledge");
        imc_decide (command, NULL, NEW_ID, &f->policy, s_lookup, f,
                    &f->decision);
        assert_int_equal (f->decision.rc, IM_ENOTFOUND);
        assert_non_null (strstr (f->decision.error, "no open incident"));
        assert_true (strlen (f->decision.error)
                     >= sizeof f->decision.error - 2);
        assert_true (im_msgpack_utf8_valid (f->decision.error,
                                            strlen (f->decision.error)));
    }
}

static void
test_a_firing_alert_sent_again_is_seen_not_repeated (void **state)
{
    //  The incident an Alertmanager alert opened at T0
    fixture_t *f = (fixture_t *) *state;
    im_fields_set_str (f->incident, "dedup_key", "alertmanager/aa");
    im_fields_set_str (f->incident, "alert_occurrence", "02:17:46Z");
    im_fields_set_int (f->incident, "alerts", 1);
    im_fields_set_int (f->incident, "last_alert_ms", T0);
    const int64_t beat = f->policy.alert_heartbeat_ms;
    assert_int_equal (beat, 5 * 60000);
    //  Sent again within the heartbeat: nothing to record
    assert_int_equal (s_decide (f, "ALERT", T0 + (uint64_t) beat - 1,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:trigger", "occurrence", "s:02:17:46Z",
                                NULL), 0);
    assert_int_equal (f->decision.count, 0);
    assert_string_equal (f->decision.outcome, "seen");
    assert_int_equal (f->decision.incident, 7);
    //  At the heartbeat: it still fires, the last-seen time moves; no
    //  new occurrence
    assert_int_equal (s_decide (f, "ALERT", T0 + (uint64_t) beat,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:trigger", "occurrence", "s:02:17:46Z",
                                NULL), 0);
    assert_int_equal (f->decision.count, 1);
    s_payload (f, 0, IM_EV_ALERT_SEEN);
    s_fold (f);
    assert_int_equal (im_fields_int_or (f->incident, "last_alert_ms", 0),
                      T0 + beat);
    assert_int_equal (im_fields_int_or (f->incident, "alerts", 0), 1);
    assert_int_equal (s_decide (f, "ALERT", T0 + (uint64_t) beat + 1000,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:trigger", "occurrence", "s:02:17:46Z",
                                NULL), 0);
    assert_int_equal (f->decision.count, 0);
    //  Another occurrence (it cleared and fired again) is repeated
    assert_int_equal (s_decide (f, "ALERT", T0 + (uint64_t) beat + 2000,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:trigger", "occurrence", "s:03:00:00Z",
                                NULL), 0);
    const im_fields_t *payload = s_payload (f, 0, IM_EV_ALERT_REPEATED);
    assert_int_equal (im_fields_int_or (payload, "alerts", 0), 2);
    assert_string_equal (f->decision.outcome, "added");
    s_fold (f);
    assert_string_equal (im_fields_str (f->incident, "alert_occurrence"),
                         "03:00:00Z");
    //  A trigger without an occurrence (PagerDuty's) is always one
    assert_int_equal (s_decide (f, "ALERT", T0 + (uint64_t) beat + 3000,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:trigger", NULL), 0);
    payload = s_payload (f, 0, IM_EV_ALERT_REPEATED);
    assert_int_equal (im_fields_int_or (payload, "alerts", 0), 3);
    s_fold (f);

    //  A heartbeat (what the HTTP receiver sends for a firing alert it
    //  got again) of the occurrence held: seen, once per heartbeat
    uint64_t last = (uint64_t) im_fields_int_or (f->incident,
                                                 "last_alert_ms", 0);
    assert_int_equal (s_decide (f, "ALERT", last + (uint64_t) beat,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:heartbeat", "occurrence", "s:03:00:00Z",
                                NULL), 0);
    s_payload (f, 0, IM_EV_ALERT_SEEN);
    //  Of an occurrence no longer held: nothing
    assert_int_equal (s_decide (f, "ALERT", last + 2 * (uint64_t) beat,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:heartbeat", "occurrence", "s:02:17:46Z",
                                NULL), 0);
    assert_int_equal (f->decision.count, 0);
    assert_string_equal (f->decision.outcome, "unchanged");
    //  Without one: refused; of a resolved incident: none is open
    assert_int_equal (s_decide (f, "ALERT", last, "dedup_key",
                                "s:alertmanager/aa", "action", "s:heartbeat",
                                NULL), IM_EINVAL);
    im_fields_set_str (f->incident, "status", "resolved");
    assert_int_equal (s_decide (f, "ALERT", last + 3 * (uint64_t) beat,
                                "dedup_key", "s:alertmanager/aa", "action",
                                "s:heartbeat", "occurrence", "s:03:00:00Z",
                                NULL), IM_ENOTFOUND);
    assert_int_equal (f->decision.count, 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_pending_needs_a_known_reason_and_resumes_where_it_was),
        T (test_an_assigned_incident_resumes_assigned),
        T (test_cancel_needs_a_reason_and_ends_the_incident),
        T (test_resolve_needs_code_and_notes_and_sets_the_windows),
        T (test_reopen_within_the_window_reopens),
        T (test_reopen_after_the_window_opens_a_linked_follow_up),
        T (test_reopen_of_a_closed_incident_opens_a_follow_up),
        T (test_auto_close_must_name_the_deadline_and_be_due),
        T (test_convert_changes_the_type_and_says_so),
        T (test_categorize_sets_the_classification),
        T (test_categorize_follows_the_policy_taxonomy),
        T (test_only_managers_override_a_priority_and_it_sticks),
        T (test_assignment_follows_the_policy_groups),
        T (test_functional_escalation_moves_to_the_next_tier),
        T (test_hierarchical_escalation_keeps_the_assignee),
        T (test_a_major_incident_is_proposed_then_accepted_by_a_manager),
        T (test_a_major_incident_closes_only_once_reviewed),
        T (test_a_member_is_recorded_as_an_event_of_no_incident),
        T (test_a_reason_quoting_long_text_stays_utf8),
        T (test_a_firing_alert_sent_again_is_seen_not_repeated),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
