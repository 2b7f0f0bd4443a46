/*  e2e_roles - one list of roles decides who may do what

    A real broker with CURVE, people talking through imqctl with their
    own certificates, under a replicated policy with two groups. A
    role counts whether the certificate gives it or only the policy
    does: nina (an agent by her certificate, in group network) acks
    network's incident and is refused database's; dora (no role in her
    certificate, listed by group database) acks database's; ann (an
    incident manager by the policy alone) and pat (a service-desk
    manager by a grant of the log) act on any incident; rita
    (no role at all: a reporter) opens and comments on her own incident
    and is refused someone else's and a resolution; ivy (an analyst by
    the policy) reads and is refused an ack. Every refusal is an
    access.denied event.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"

#define WAIT_MS     20000           //  Bound on any one wait

static int
s_setup (void **state)
{
    *state = imh_new ("roles", NULL);
    return *state ? 0 : -1;
}

//  Opens an incident as the administrator, assigned to group when not
//  NULL; returns its id as text in id
static void
s_incident (imh_t *h, const char *title, const char *reporter,
            const char *group, char *id, size_t size)
{
    uint64_t incident = imh_open (h, title, reporter, 2, 2);
    assert_true (incident > 0);
    snprintf (id, size, "%" PRIu64, incident);
    if (group)
        assert_int_equal (imh_ctl (h, NULL, "assign", id, "--group", group,
                                   NULL), 0);
}

//  imqctl ARGS as NAME must be refused 403 (exit 1, "403" said)
static void
s_refused (imh_t *h, const char *name, const char *verb, const char *id,
           const char *flag, const char *value)
{
    imh_run_t run;
    int status = flag
        ? imh_ctl (h, &run, "--as", name, verb, id, flag, value, NULL)
        : imh_ctl (h, &run, "--as", name, verb, id, NULL);
    if (status != 1 || !strstr (run.err ? run.err : "", "403")) {
        fprintf (stderr, "%s %s %s: exit %d, %s\n", name, verb, id, status,
                 run.err ? run.err : "");
        fail ();
    }
    imh_run_clear (&run);
}

//  True when the administrator lists at least *arg access.denied events
static bool
s_denied (void *arg)
{
    imh_t *h = ((void **) arg) [0];
    size_t wanted = *(size_t *) ((void **) arg) [1];
    json_t *listed = imh_ctl_json (h, "audit", "denials", NULL);
    size_t count = listed
                 ? json_array_size (json_object_get (listed, "denials")) : 0;
    json_decref (listed);
    return count >= wanted;
}

static void
test_roles_of_the_certificate_and_the_policy_decide_together (void **state)
{
    imh_t *h = (imh_t *) *state;
    assert_true (imh_start_broker (h) >= 0);
    char path [IMH_PATH_MAX + 80];
    snprintf (path, sizeof path, "%s/desk.yaml", imh_dir (h));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs ("agents:\n"
           "  - {name: ann, roles: [incident_manager]}\n"
           "  - {name: ivy, roles: [analyst]}\n"
           "groups:\n"
           "  - {name: network, tier: 1, agents: [nina]}\n"
           "  - {name: database, tier: 2, agents: [dora]}\n", file);
    assert_int_equal (fclose (file), 0);
    assert_int_equal (imh_ctl (h, NULL, "config", "apply", path, NULL), 0);
    //  nina's certificate says agent; nobody else's says anything
    assert_int_equal (imh_cert (h, "nina", "agent", path, sizeof path), 0);

    char network [24], database [24], loose [24];
    s_incident (h, "VPN down", "sam", "network", network, sizeof network);
    s_incident (h, "Replica lag", "sam", "database", database,
                sizeof database);
    s_incident (h, "Printer jam", "sam", NULL, loose, sizeof loose);

    //  An agent acts on its groups' incidents, whichever list says so
    assert_int_equal (imh_ctl (h, NULL, "--as", "nina", "ack", network,
                               NULL), 0);
    s_refused (h, "nina", "ack", database, NULL, NULL);
    assert_int_equal (imh_ctl (h, NULL, "--as", "dora", "ack", database,
                               NULL), 0);
    //  ...and on nobody's, which it may take
    assert_int_equal (imh_ctl (h, NULL, "--as", "dora", "ack", loose, NULL),
                      0);
    assert_int_equal (imh_count_events (h, strtoull (network, NULL, 10),
                                        "incident.acknowledged", NULL, NULL),
                      1);
    assert_int_equal (imh_count_events (h, strtoull (database, NULL, 10),
                                        "incident.acknowledged", NULL, NULL),
                      1);

    //  An incident manager acts anywhere, by the policy alone
    assert_int_equal (imh_ctl (h, NULL, "--as", "ann", "comment", network,
                               "on", "the", "bridge", NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "--as", "ann", "resolve", database,
                               "--code", "solved", "--notes", "replica "
                               "rebuilt", NULL), 0);

    //  A principal of the log: its grant counts as a certificate's does
    char dir [IMH_PATH_MAX + 16], key [IMH_PATH_MAX + 32];
    char secret [IMH_PATH_MAX + 32], errbuf [256] = "";
    snprintf (dir, sizeof dir, "%s/pat", imh_dir (h));
    assert_int_equal (im_curve_keygen (dir, "pat", "", NULL, NULL, errbuf,
                                       sizeof errbuf), 0);
    snprintf (key, sizeof key, "%s/pat.key", dir);
    snprintf (secret, sizeof secret, "%s/pat.key_secret", dir);
    assert_int_equal (imh_ctl (h, NULL, "principal", "add", "pat",
                               "--key-file", key, "--roles",
                               "service_desk_manager", NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "--cert", secret, "--keys",
                               imh_keys_dir (h), "prioritize", network,
                               "--priority", "1", "--reason", "all sales",
                               NULL), 0);
    assert_int_equal (imh_ctl (h, NULL, "--cert", secret, "--keys",
                               imh_keys_dir (h), "comment", database,
                               "reviewed", NULL), 0);

    //  A reporter opens, and comments on its own incident only
    json_t *opened = imh_ctl_json (h, "--as", "rita", "open", "--title",
                                   "Laptop will not boot", "--reporter",
                                   "rita", NULL);
    assert_non_null (opened);
    char own [24];
    snprintf (own, sizeof own, "%" PRId64, imh_json_int (opened, "incident"));
    json_decref (opened);
    assert_int_equal (imh_ctl (h, NULL, "--as", "rita", "comment", own,
                               "still", "black", NULL), 0);
    s_refused (h, "rita", "comment", network, "--text", "me too");
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "--as", "rita", "resolve", own,
                               "--code", "solved", "--notes", "rebooted",
                               NULL), 1);
    assert_non_null (strstr (run.err, "403 RESOLVE needs the role agent"));
    imh_run_clear (&run);

    //  An analyst reads, and commands nothing
    assert_int_equal (imh_ctl (h, NULL, "--as", "ivy", "show", loose, NULL),
                      0);
    s_refused (h, "ivy", "ack", loose, NULL, NULL);

    //  Every refusal is in the log: nina's ack, rita's comment and
    //  resolve, ivy's ack
    size_t wanted = 4;
    void *args [2] = { h, &wanted };
    assert_true (imh_wait_for (s_denied, args, WAIT_MS));
    json_t *listed = imh_ctl_json (h, "audit", "denials", NULL);
    assert_non_null (listed);
    json_t *denials = json_object_get (listed, "denials");
    assert_int_equal (json_array_size (denials), 4);
    const char *expected [4] = { "nina/ACK", "rita/COMMENT", "rita/RESOLVE",
                                 "ivy/ACK" };
    for (size_t wanted_one = 0; wanted_one < 4; wanted_one++) {
        size_t found = 0;
        for (size_t index = 0; index < 4; index++) {
            json_t *denial = json_array_get (denials, index);
            char who [128];
            snprintf (who, sizeof who, "%s/%s",
                      imh_json_str (denial, "actor"),
                      imh_json_str (denial, "verb"));
            found += streq (who, expected [wanted_one]);
        }
        if (found != 1) {
            fprintf (stderr, "%s denied %zu times in the log, not once\n",
                     expected [wanted_one], found);
            fail ();
        }
    }
    json_decref (listed);
    imh_passed (h);
}

int
main (void)
{
    return imh_run_test (
        "test_roles_of_the_certificate_and_the_policy_decide_together",
        test_roles_of_the_certificate_and_the_policy_decide_together,
        s_setup);
}
