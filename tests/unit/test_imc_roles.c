/*  test_imc_roles - one list of roles, one table of who may do what

    The table is checked cell by cell against a second copy written
    here as docs/security.md section 2 shows it, so that a rule changed
    in one place and not the other fails. Then the merge of a
    principal's roles with the policy's, the reach of a role over an
    incident (reported by the actor, of its groups, assigned to it, or
    to nobody), and the state machine's decisions on commands that
    carry roles: an analyst commands nothing, a reporter only its own
    incidents, an agent its groups', a manager every incident.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_decide.h"
#include "imc_roles.h"

static const char *s_roles [] = {
    "reporter", "analyst", "agent", "classifier", "sla", "notifier",
    "service_desk_manager", "incident_manager", "administrator"
};
#define S_ROLES (sizeof s_roles / sizeof s_roles [0])

//  The table of docs/security.md: per verb (and MAJOR action), one
//  letter per role above: '.' refused, 'O' its own incidents, 'G' its
//  groups', 'B' both, 'A' every incident
static const struct {
    const char *verb, *action, *cells;
} s_table [] = {
    { "GET", NULL,              "AAAAAAAAA" },
    { "LIST", NULL,             "AAAAAAAAA" },
    { "TIMELINE", NULL,         "AAAAAAAAA" },
    { "SEARCH", NULL,           "AAAAAAAAA" },
    { "STATUS", NULL,           "AAAAAAAAA" },
    { "COUNTERS", NULL,         "AAAAAAAAA" },
    { "SLA-CLOCKS", NULL,       "AAAAAAAAA" },
    { "CONFIG-GET", NULL,       "AAAAAAAAA" },
    { "CLUSTER-MEMBERS", NULL,  "AAAAAAAAA" },
    { "DENIALS", NULL,          ".A......A" },
    { "SLA-REPORT", NULL,       ".A....AAA" },
    { "EVENTS", NULL,           ".A....AAA" },
    { "CLASSIFY", NULL,         "...A....." },
    { "SLA-START", NULL,        "....A...." },
    { "SLA-STOP", NULL,         "....A...." },
    { "SLA-BREACH", NULL,       "....A...." },
    { "SLA-PAUSE", NULL,        "....A...." },
    { "SLA-ESCALATE", NULL,     "....A...." },
    { "SLA-ACK-TIMEOUT", NULL,  "....A...." },
    { "NOTIFY", NULL,           ".....A..." },
    { "DENY", NULL,             "........." },
    { "OPEN", NULL,             "A.A...AAA" },
    { "ALERT", NULL,            "A.A...AAA" },
    { "COMMENT", NULL,          "O.B...AAA" },
    { "REOPEN", NULL,           "O.B...AAA" },
    { "CANCEL", NULL,           "O.B...AAA" },
    { "ACK", NULL,              "..G...AAA" },
    { "ASSIGN", NULL,           "..GA..AAA" },
    { "PEND", NULL,             "..G...AAA" },
    { "RESUME", NULL,           "..G...AAA" },
    { "RESOLVE", NULL,          "..G...AAA" },
    { "CLOSE", NULL,            "..G.A.AAA" },
    { "CATEGORIZE", NULL,       "..G...AAA" },
    { "CONVERT", NULL,          "..G...AAA" },
    { "ESCALATE", NULL,         "..G...AAA" },
    { "LINK", NULL,             "..G...AAA" },
    { "UNLINK", NULL,           "..G...AAA" },
    { "REVIEW", NULL,           ".AG...AAA" },
    { "PRIORITIZE", NULL,       "......AAA" },
    { "MAJOR", "propose",       "..G...AAA" },
    { "MAJOR", "update",        "..G...AAA" },
    { "MAJOR", NULL,            "..G...AAA" },
    { "MAJOR", "accept",        ".......AA" },
    { "MAJOR", "reject",        ".......AA" },
    { "MAJOR", "remind",        "....A...A" },
    { "MAJOR", "schedule",      "....A...A" },
    { "CONFIG", NULL,           "........A" },
    { "PRINCIPAL", NULL,        "........A" },
    { "CHECKPOINT", NULL,       "........A" },
    { "CHECKPOINT-READ", NULL,  "........A" },
    { "CLUSTER-ADD", NULL,      "........A" },
    { "CLUSTER-REMOVE", NULL,   "........A" },
    { "CLUSTER-TRANSFER", NULL, "........A" },
    { "NO-SUCH-VERB", NULL,     "........A" },
};

static unsigned
s_cell (char letter)
{
    switch (letter) {
        case 'O': return IMC_REACH_OWN;
        case 'G': return IMC_REACH_GROUP;
        case 'B': return IMC_REACH_GROUP | IMC_REACH_OWN;
        case 'A': return IMC_REACH_ALL;
        default:  return 0;
    }
}

static void
test_every_verb_and_role_reaches_as_the_docs_say (void **state)
{
    (void) state;
    for (size_t row = 0; row < sizeof s_table / sizeof s_table [0]; row++) {
        assert_int_equal (strlen (s_table [row].cells), S_ROLES);
        for (size_t role = 0; role < S_ROLES; role++) {
            //  A worker alone is also a reporter (no service-desk role):
            //  its cell is its own and the reporter's
            unsigned expected = s_cell (s_table [row].cells [role]);
            if (role >= 3 && role <= 5)
                expected |= s_cell (s_table [row].cells [0]);
            unsigned reach = imc_roles_reach (s_roles [role],
                                              s_table [row].verb,
                                              s_table [row].action);
            if (reach != expected)
                fail_msg ("%s %s as %s: reach %u, the docs say %u",
                          s_table [row].verb, s_table [row].action
                          ? s_table [row].action : "", s_roles [role],
                          reach, expected);
        }
    }
}

static void
test_no_desk_role_is_a_reporter_and_roles_add_up (void **state)
{
    (void) state;
    //  No role, an unknown one, an integration: a reporter
    const char *reporters [] = { "", "integration", "ops,integration" };
    for (size_t index = 0; index < 3; index++) {
        assert_int_equal (imc_roles_reach (reporters [index], "OPEN", NULL),
                          IMC_REACH_ALL);
        assert_int_equal (imc_roles_reach (reporters [index], "COMMENT",
                                           NULL), IMC_REACH_OWN);
        assert_int_equal (imc_roles_reach (reporters [index], "RESOLVE",
                                           NULL), 0);
        assert_int_equal (imc_roles_reach (reporters [index], "DENIALS",
                                           NULL), 0);
    }
    //  An analyst is not a reporter: it reads only
    assert_int_equal (imc_roles_reach ("analyst", "OPEN", NULL), 0);
    assert_int_equal (imc_roles_reach ("analyst", "COMMENT", NULL), 0);
    //  Roles add up; spaces and empty items are no roles
    assert_int_equal (imc_roles_reach ("analyst, agent", "ACK", NULL),
                      IMC_REACH_GROUP);
    assert_int_equal (imc_roles_reach ("agent,,incident_manager", "ACK",
                                       NULL), IMC_REACH_ALL | IMC_REACH_GROUP);
    assert_int_equal (imc_roles_reach ("sla,classifier", "CLOSE", NULL),
                      IMC_REACH_ALL);
    //  A role that only starts like one is not it
    assert_int_equal (imc_roles_reach ("agents", "ACK", NULL), 0);
    assert_int_equal (imc_roles_reach ("administrators", "CONFIG", NULL), 0);
    //  A node may do anything
    assert_int_equal (imc_roles_reach ("node", "DENY", NULL), IMC_REACH_ALL);
}

static void
test_a_refusal_names_the_roles_that_would_do (void **state)
{
    (void) state;
    char text [256];
    imc_roles_refusal (text, sizeof text, "ACK", NULL, "rita");
    assert_string_equal (text, "ACK needs the role agent, "
                         "service_desk_manager, incident_manager or "
                         "administrator, which rita does not hold");
    imc_roles_refusal (text, sizeof text, "CLASSIFY", NULL, "carol");
    assert_string_equal (text, "CLASSIFY needs the role classifier, which "
                         "carol does not hold");
    imc_roles_refusal (text, sizeof text, "DENIALS", NULL, "rita");
    assert_string_equal (text, "DENIALS needs the role analyst or "
                         "administrator, which rita does not hold");
    imc_roles_refusal (text, sizeof text, "MAJOR", "accept", "bob");
    assert_string_equal (text, "MAJOR accept needs the role "
                         "incident_manager or administrator, which bob "
                         "does not hold");
    imc_roles_refusal (text, sizeof text, "DENY", NULL, "eve");
    assert_string_equal (text, "DENY needs the role node, which eve does "
                         "not hold");
    assert_string_equal (imc_roles_needs ("ACK", NULL), "agent");
    assert_string_equal (imc_roles_needs ("PRIORITIZE", NULL),
                         "service_desk_manager");
    assert_string_equal (imc_roles_needs ("DENIALS", NULL), "analyst");
    assert_string_equal (imc_roles_needs ("SLA-WARN", NULL), "sla");
    assert_string_equal (imc_roles_needs ("DENY", NULL), "node");
}

//  A policy: ann manages incidents, nina and ned work in network, dora
//  in database; ivy is an analyst by the policy alone
static void
s_policy (im_policy_t *policy)
{
    char errbuf [512] = "";
    assert_int_equal (im_policy_parse (policy, "desk.yaml",
        "agents:\n"
        "  - {name: ann, roles: [incident_manager]}\n"
        "  - {name: ivy, roles: [analyst, node]}\n"
        "groups:\n"
        "  - {name: network, tier: 1, agents: [nina, ned]}\n"
        "  - {name: database, tier: 2, agents: [dora]}\n"
        "  - {name: empty, tier: 3}\n",
        1, errbuf, sizeof errbuf), 0);
}

static void
test_the_policy_roles_join_the_principal_roles (void **state)
{
    (void) state;
    im_policy_t *policy = (im_policy_t *) malloc (sizeof *policy);
    s_policy (policy);
    char roles [IMC_ROLES_MAX];
    imc_roles_merge (roles, sizeof roles, "sla", policy, "ann");
    assert_string_equal (roles, "sla,incident_manager");
    imc_roles_merge (roles, sizeof roles, NULL, policy, "nina");
    assert_string_equal (roles, "agent");
    imc_roles_merge (roles, sizeof roles, "agent, agent", policy, "ned");
    assert_string_equal (roles, "agent");
    //  The policy never makes a node
    imc_roles_merge (roles, sizeof roles, "", policy, "ivy");
    assert_string_equal (roles, "analyst");
    imc_roles_merge (roles, sizeof roles, "administrator", policy, "zed");
    assert_string_equal (roles, "administrator");
    //  What does not fit is left out, whole
    char small [12];
    imc_roles_merge (small, sizeof small, "analyst", policy, "ann");
    assert_string_equal (small, "analyst");
    free (policy);
}

static void
test_an_agent_reaches_its_groups_and_a_reporter_its_own (void **state)
{
    (void) state;
    im_policy_t *policy = (im_policy_t *) malloc (sizeof *policy);
    s_policy (policy);
    im_fields_t *incident = im_fields_new ();
    im_fields_set_str (incident, "reporter", "rita");
    //  Nobody's incident: every agent's to take
    assert_true (imc_roles_reaches (IMC_REACH_GROUP, "dora", incident,
                                    policy));
    assert_true (imc_roles_reaches (IMC_REACH_OWN, "rita", incident, policy));
    assert_false (imc_roles_reaches (IMC_REACH_OWN, "ron", incident, policy));
    im_fields_set_str (incident, "group", "network");
    assert_true (imc_roles_reaches (IMC_REACH_GROUP, "nina", incident,
                                    policy));
    assert_false (imc_roles_reaches (IMC_REACH_GROUP, "dora", incident,
                                     policy));
    //  Assigned to someone by name: theirs, and still their group's
    im_fields_set_str (incident, "agent", "dora");
    assert_true (imc_roles_reaches (IMC_REACH_GROUP, "dora", incident,
                                    policy));
    assert_true (imc_roles_reaches (IMC_REACH_GROUP, "ned", incident,
                                    policy));
    //  A group the policy does not list, or that lists nobody
    im_fields_set_str (incident, "group", "empty");
    assert_false (imc_roles_reaches (IMC_REACH_GROUP, "ned", incident,
                                     policy));
    im_fields_set_str (incident, "group", "unknown");
    assert_false (imc_roles_reaches (IMC_REACH_GROUP, "nina", incident,
                                     policy));
    //  A merged duplicate's reporter owns it too, by whole name only
    im_fields_set_str (incident, "reporters", "sam smith,ron");
    assert_true (imc_roles_reaches (IMC_REACH_OWN, "ron", incident, policy));
    assert_false (imc_roles_reaches (IMC_REACH_OWN, "sam", incident,
                                     policy));
    assert_true (imc_roles_reaches (IMC_REACH_ALL, "zed", incident, policy));
    assert_false (imc_roles_reaches (IMC_REACH_GROUP, "nina", NULL, policy));
    im_fields_destroy (&incident);
    free (policy);
}

//  The state machine's side: commands that carry roles
typedef struct {
    im_policy_t *policy;            //  s_policy's
    im_command_t *command;          //  Under test
    im_fields_t *incident;          //  Incident 7, of group network
    im_fields_t *other;             //  Incident 9, of group database
    imc_decision_t decision;        //  What was decided
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->policy = (im_policy_t *) malloc (sizeof *f->policy);
    s_policy (f->policy);
    f->command = im_command_new ();
    f->incident = im_fields_new ();
    im_fields_set_int (f->incident, "id", 7);
    im_fields_set_str (f->incident, "title", "vpn down");
    im_fields_set_str (f->incident, "reporter", "rita");
    im_fields_set_str (f->incident, "status", "assigned");
    im_fields_set_str (f->incident, "group", "network");
    f->other = im_fields_new ();
    im_fields_set_int (f->other, "id", 9);
    im_fields_set_str (f->other, "title", "db slow");
    im_fields_set_str (f->other, "reporter", "ron");
    im_fields_set_str (f->other, "status", "assigned");
    im_fields_set_str (f->other, "group", "database");
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imc_decision_destroy_events (&f->decision);
    im_fields_destroy (&f->incident);
    im_fields_destroy (&f->other);
    im_command_destroy (&f->command);
    free (f->policy);
    free (f);
    return 0;
}

static const im_fields_t *
s_lookup (void *arg, uint64_t id)
{
    fixture_t *f = (fixture_t *) arg;
    return id == 9 ? f->other : NULL;
}

//  Decides verb on incident 7 by actor holding roles (NULL: a command
//  without roles), with one str argument key = value (key may be NULL);
//  returns the decision's rc
static int
s_decide (fixture_t *f, const char *actor, const char *roles,
          const char *verb, const char *key, const char *value)
{
    im_command_t *command = f->command;
    command->type = im_command_type_from_name (verb);
    assert_int_not_equal (command->type, IM_CMD_NONE);
    command->incident = 7;
    command->ts_ms = 1000;
    im_strlcpy (command->actor, actor, sizeof command->actor);
    command->has_roles = roles != NULL;
    im_strlcpy (command->roles, roles ? roles : "", sizeof command->roles);
    im_fields_clear (command->args);
    if (key)
        im_fields_set_str (command->args, key, value);
    imc_decide (command, f->incident, 8, f->policy, s_lookup, f,
                &f->decision);
    return f->decision.rc;
}

static void
test_an_analyst_commands_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "ivy", "", "ACK", NULL, NULL),
                      IM_EDENIED);
    assert_non_null (strstr (f->decision.error, "ACK needs the role agent"));
    assert_int_equal (s_decide (f, "al", "analyst", "COMMENT", "text",
                                "hello"), IM_EDENIED);
    assert_int_equal (f->decision.count, 0);
}

static void
test_a_reporter_comments_on_its_own_incident_only (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_decide (f, "rita", "", "COMMENT", "text", "still "
                                "down"), 0);
    assert_int_equal (f->decision.count, 1);
    assert_int_equal (s_decide (f, "ron", "reporter", "COMMENT", "text",
                                "me too"), IM_EDENIED);
    assert_non_null (strstr (f->decision.error, "may COMMENT only incidents "
                             "it reported: incident 7"));
    assert_int_equal (s_decide (f, "rita", "", "RESOLVE", NULL, NULL),
                      IM_EINVAL);   //  Arguments are checked first
    f->command->type = IM_CMD_RESOLVE;
    im_fields_set_str (f->command->args, "code", "fixed");
    im_fields_set_str (f->command->args, "notes", "it works");
    imc_decide (f->command, f->incident, 8, f->policy, s_lookup, f,
                &f->decision);
    assert_int_equal (f->decision.rc, IM_EDENIED);
    assert_non_null (strstr (f->decision.error, "RESOLVE needs the role"));
}

static void
test_an_agent_acts_on_its_groups_incidents (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  nina is an agent of network by the policy alone
    assert_int_equal (s_decide (f, "nina", "", "ACK", NULL, NULL), 0);
    assert_int_equal (s_decide (f, "dora", "", "ACK", NULL, NULL),
                      IM_EDENIED);
    assert_non_null (strstr (f->decision.error, "assigned to it, to a group "
                             "that lists it or to nobody"));
    //  An agent by its certificate, in no group: only nobody's
    assert_int_equal (s_decide (f, "abe", "agent", "ACK", NULL, NULL),
                      IM_EDENIED);
    im_fields_set_str (f->incident, "group", "");
    assert_int_equal (s_decide (f, "abe", "agent", "ACK", NULL, NULL), 0);
    //  No priority override for an agent, anywhere
    im_fields_set_str (f->incident, "group", "network");
    assert_int_equal (s_decide (f, "nina", "", "PRIORITIZE", NULL, NULL),
                      IM_EINVAL);
    f->command->type = IM_CMD_PRIORITIZE;
    im_fields_set_int (f->command->args, "priority", 1);
    im_fields_set_str (f->command->args, "reason", "outage");
    imc_decide (f->command, f->incident, 8, f->policy, s_lookup, f,
                &f->decision);
    assert_int_equal (f->decision.rc, IM_EDENIED);
}

static void
test_managers_and_the_administrator_act_anywhere (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  ann by the policy, sam by its certificate
    assert_int_equal (s_decide (f, "ann", "", "ACK", NULL, NULL), 0);
    assert_int_equal (s_decide (f, "sam", "service_desk_manager", "ACK",
                                NULL, NULL), 0);
    assert_int_equal (s_decide (f, "root", "administrator", "COMMENT",
                                "text", "looking"), 0);
    //  The administrator overrides a priority without a policy role
    f->command->type = IM_CMD_PRIORITIZE;
    im_fields_clear (f->command->args);
    im_fields_set_int (f->command->args, "priority", 1);
    im_fields_set_str (f->command->args, "reason", "outage");
    imc_decide (f->command, f->incident, 8, f->policy, s_lookup, f,
                &f->decision);
    assert_int_equal (f->decision.rc, 0);
    //  Without roles (no CURVE, a log from before): the policy alone, as
    //  before
    im_strlcpy (f->command->actor, "root", sizeof f->command->actor);
    f->command->has_roles = false;
    imc_decide (f->command, f->incident, 8, f->policy, s_lookup, f,
                &f->decision);
    assert_int_equal (f->decision.rc, IM_EDENIED);
    assert_int_equal (s_decide (f, "rita", NULL, "ACK", NULL, NULL), 0);
}

static void
test_roles_travel_with_the_command (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_command_t *command = f->command;
    command->type = IM_CMD_ACK;
    command->incident = 7;
    im_strlcpy (command->actor, "nina", sizeof command->actor);
    command->has_roles = true;
    im_strlcpy (command->roles, "agent,sla", sizeof command->roles);
    void *data = NULL;
    size_t size = 0;
    assert_int_equal (im_entry_encode (&command, 1, malloc, &data, &size), 0);
    im_command_t **decoded = NULL;
    size_t count = 0;
    char errbuf [256];
    assert_int_equal (im_entry_decode (data, size, &decoded, &count, errbuf,
                                       sizeof errbuf), 0);
    assert_int_equal (count, 1);
    assert_true (decoded [0]->has_roles);
    assert_string_equal (decoded [0]->roles, "agent,sla");
    im_entry_free (&decoded, count);
    free (data);
    //  Without: none, as every command logged before roles were stamped
    command->has_roles = false;
    assert_int_equal (im_entry_encode (&command, 1, malloc, &data, &size), 0);
    assert_int_equal (im_entry_decode (data, size, &decoded, &count, errbuf,
                                       sizeof errbuf), 0);
    assert_false (decoded [0]->has_roles);
    assert_string_equal (decoded [0]->roles, "");
    im_entry_free (&decoded, count);
    free (data);
}

//  LINK and UNLINK change the other incident too: an agent must reach
//  both
static void
test_a_link_needs_both_incidents_in_reach (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    im_command_t *command = f->command;
    const char *verbs [] = { "LINK", "UNLINK" };
    for (size_t index = 0; index < 2; index++) {
        command->type = im_command_type_from_name (verbs [index]);
        command->incident = 7;
        command->ts_ms = 1000;
        command->has_roles = true;
        im_strlcpy (command->actor, "nina", sizeof command->actor);
        im_strlcpy (command->roles, "", sizeof command->roles);
        im_fields_clear (command->args);
        if (index == 0)
            im_fields_set_str (command->args, "link", "duplicate_of");
        im_fields_set_int (command->args, "other", 9);
        //  nina works network's incident 7, not database's incident 9
        imc_decide (command, f->incident, 10, f->policy, s_lookup, f,
                    &f->decision);
        assert_int_equal (f->decision.rc, IM_EDENIED);
        assert_non_null (strstr (f->decision.error, "incident 9 is not "
                                 "one"));
        assert_int_equal (f->decision.count, 0);
        //  Nobody's incident 9 is in her reach; so is it for a manager
        im_fields_set_str (f->other, "group", "");
        imc_decide (command, f->incident, 10, f->policy, s_lookup, f,
                    &f->decision);
        assert_int_not_equal (f->decision.rc, IM_EDENIED);
        im_fields_set_str (f->other, "group", "database");
        im_strlcpy (command->actor, "ann", sizeof command->actor);
        imc_decide (command, f->incident, 10, f->policy, s_lookup, f,
                    &f->decision);
        assert_int_not_equal (f->decision.rc, IM_EDENIED);
    }
    //  A merge an agent may make goes through
    command->type = IM_CMD_LINK;
    im_strlcpy (command->actor, "nina", sizeof command->actor);
    im_fields_set_str (command->args, "link", "duplicate_of");
    im_fields_set_str (f->other, "group", "network");
    imc_decide (command, f->incident, 10, f->policy, s_lookup, f,
                &f->decision);
    assert_int_equal (f->decision.rc, 0);
    assert_true (f->decision.count >= 2);
}

#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_every_verb_and_role_reaches_as_the_docs_say),
        cmocka_unit_test (test_no_desk_role_is_a_reporter_and_roles_add_up),
        cmocka_unit_test (test_a_refusal_names_the_roles_that_would_do),
        cmocka_unit_test (test_the_policy_roles_join_the_principal_roles),
        cmocka_unit_test (
            test_an_agent_reaches_its_groups_and_a_reporter_its_own),
        T (test_an_analyst_commands_nothing),
        T (test_a_reporter_comments_on_its_own_incident_only),
        T (test_an_agent_acts_on_its_groups_incidents),
        T (test_managers_and_the_administrator_act_anywhere),
        T (test_roles_travel_with_the_command),
        T (test_a_link_needs_both_incidents_in_reach),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
