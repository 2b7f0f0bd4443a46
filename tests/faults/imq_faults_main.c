/*  imq_faults_main - imq-faults: the fault suite, one command

    Runs scenarios (every one with --long, the short set by default or
    with --short, one with --scenario) against a fresh three-node
    cluster each, under a load of unique opens, and prints for each what
    was acknowledged, lost, duplicated and divergent and the write gap.
    Every scenario's schedule comes from the run's seed (printed; given
    with --seed to replay). A scenario that fails prints the command
    that replays it and its schedule, and keeps its directory (node and
    worker logs). Scenarios that need what the machine lacks (root for
    namespaces and mounts, libfaketime) are skipped and said to be.
*/
#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>

#include "im_classes.h"
#include "imf_net.h"
#include "imf_world.h"

#define IMF_RATE            150     //  Opens a second, by default

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: imq-faults [--short | --long] [--seed N] [--scenario NAME]\n"
        "  --short           the scenarios that pass today (default; CI)\n"
        "  --long            every scenario, the known failures included\n"
        "  --scenario NAME   this one only (may be given several times)\n"
        "  --seed N          the run's seed (default: from the clock)\n"
        "  --rate N          opens a second (default %d)\n"
        "  --keep            keep every run's directory (logs, data)\n"
        "  --list            list the scenarios and exit\n", IMF_RATE);
}

//  Why this machine cannot run scenario, or NULL
static const char *
s_missing (const imf_scenario_t *scenario, bool net)
{
    if ((scenario->needs.net || scenario->needs.tmpfs) && !net)
        return "needs root, ip and iptables";
    if (scenario->needs.faketime && access (IMF_FAKETIME_PATH, R_OK))
        return "needs libfaketime (Debian faketime)";
    if (scenario->needs.iofail && access (IMF_IOFAIL_PATH, R_OK))
        return "needs the imf_iofail shim built";
    return NULL;
}

static void
s_print_outcome (const imf_scenario_t *scenario, const imf_outcome_t *out,
                 size_t problems)
{
    const imf_result_t *c = &out->check;
    printf ("  %s: acknowledged %zu lost %zu duplicated %zu divergent %zu "
            "unacked-present %zu write-gap %" PRIu64 " ms (at %" PRIu64
            " ms)\n", scenario->name, c->acknowledged, c->lost, c->duplicated,
            c->divergent, c->unacked_present, out->load.gap_ms,
            out->load.gap_at_ms);
    printf ("    misanswered %zu never-answered %zu | workers: "
            "classified-wrong %zu sla-wrong %zu phantom-notifications %zu "
            "(of %zu) sla-breaches %zu refused %zu | answers 421 %zu 503 %zu 5xx %zu "
            "other %zu | nodes compared %zu down %d crashed %zu exited %zu | "
            "%.1f s | %s\n",
            c->misanswered, out->unanswered, c->classified_wrong,
            c->sla_wrong, c->phantom, c->notifications, out->breaches,
            out->refused,
            out->load.status_421, out->load.status_503,
            out->load.status_5xx, out->load.status_other, c->nodes,
            out->nodes_down, out->crashes, out->exits,
            (double) out->elapsed_ms / 1000.0,
            problems ? "FAIL" : "PASS");
}

//  Runs one scenario; returns 1 passed, 0 failed, -1 skipped
static int
s_run (const imf_scenario_t *scenario, uint64_t seed, int rate, bool net,
       bool keep)
{
    uint64_t own = imf_scenario_seed (seed, scenario->name);
    printf ("== %s: %s\n", scenario->name, scenario->what);
    const char *missing = s_missing (scenario, net);
    if (missing) {
        printf ("  SKIP: %s\n", missing);
        return -1;
    }
    imf_rng_t rng = { own };
    imf_schedule_t schedule;
    memset (&schedule, 0, sizeof schedule);
    scenario->build (&schedule, &rng);
    imf_schedule_print (&schedule, stdout);
    fflush (stdout);
    imf_world_t *world = imf_world_new (scenario, own);
    imf_outcome_t outcome;
    memset (&outcome, 0, sizeof outcome);
    size_t problems = 1;
    if (world)
        problems = imf_world_run (world, &schedule, rate, &outcome);
    else
        printf ("  the world could not be built\n");
    s_print_outcome (scenario, &outcome, problems);
    if (problems) {
        printf ("  replay: tools/imq-faults --seed %" PRIu64 " --scenario "
                "%s\n", seed, scenario->name);
        if (scenario->known)
            printf ("  known: %s\n", scenario->known);
    }
    if ((problems || keep) && world)
        printf ("  logs and data kept in %s\n", imf_world_dir (world));
    //  The logs of every node and worker stay for a look
    if (problems && !keep)
        setenv ("IM_TEST_KEEP", "1", 1);
    imf_world_destroy (&world);
    if (problems && !keep)
        unsetenv ("IM_TEST_KEEP");
    fflush (stdout);
    return problems ? 0 : 1;
}

int
main (int argc, char *argv [])
{
    static const struct option options [] = {
        { "short", no_argument, NULL, 's' },
        { "long", no_argument, NULL, 'l' },
        { "scenario", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 'S' },
        { "rate", required_argument, NULL, 'r' },
        { "list", no_argument, NULL, 'L' },
        { "keep", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    bool run_long = false, list = false, keep = false;
    const char *names [32];
    int names_n = 0, rate = IMF_RATE;
    uint64_t seed = 0;
    bool seeded = false;
    int option;
    while ((option = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
            case 's': run_long = false; break;
            case 'l': run_long = true; break;
            case 'n':
                if (names_n == 32 || !imf_scenario_find (optarg)) {
                    fprintf (stderr, "imq-faults: no scenario '%s' (see "
                             "--list)\n", optarg);
                    return 2;
                }
                names [names_n++] = optarg;
                break;
            case 'S': seed = strtoull (optarg, NULL, 0); seeded = true;
                      break;
            case 'r': rate = atoi (optarg); break;
            case 'L': list = true; break;
            case 'k': keep = true; setenv ("IM_TEST_KEEP", "1", 1); break;
            case 'h': s_usage (stdout); return 0;
            default:  s_usage (stderr); return 2;
        }
    }
    if (optind < argc || rate < 1 || rate > 5000) {
        s_usage (stderr);
        return 2;
    }
    const imf_scenario_t *table = imf_scenarios ();
    if (list) {
        for (const imf_scenario_t *s = table; s->name; s++) {
            printf ("%-22s %s%s\n", s->name, s->in_short ? "[short] " : "",
                    s->what);
            if (s->known)
                printf ("%-22s fails today: %s\n", "", s->known);
        }
        return 0;
    }
    if (!seeded)
        seed = (uint64_t) time (NULL) ^ ((uint64_t) getpid () << 32);
    zsys_init ();
    zsys_set_logstream (stderr);
    setvbuf (stdout, NULL, _IOLBF, 0);
    //  Children are reaped by pid; a dead broker's socket must not kill us
    signal (SIGPIPE, SIG_IGN);
    bool net = imf_net_available ();
    if (net)
        imf_net_sweep ();
    printf ("imq-faults: seed %" PRIu64 ", %s, %d opens/s\n", seed,
            names_n ? "chosen scenarios" : run_long ? "long" : "short", rate);
    int passed = 0, failed = 0, skipped = 0, known = 0;
    uint64_t began = im_mono_ms ();
    char failures [2048] = "";
    for (const imf_scenario_t *s = table; s->name && !zsys_interrupted;
         s++) {
        bool chosen = !names_n && (run_long || s->in_short);
        for (int index = 0; index < names_n; index++)
            chosen |= streq (names [index], s->name);
        if (!chosen)
            continue;
        int rc = s_run (s, seed, rate, net, keep);
        passed += rc == 1;
        skipped += rc == -1;
        if (rc == 0) {
            failed++;
            known += s->known != NULL;
            size_t length = strlen (failures);
            snprintf (failures + length, sizeof failures - length, " %s%s",
                      s->name, s->known ? " (known)" : "");
        }
        else
        if (rc == 1 && s->known)
            printf ("  %s passes now: its known failure is fixed\n",
                    s->name);
    }
    printf ("imq-faults: seed %" PRIu64 ", %.1f s%s%s\n", seed,
            (double) (im_mono_ms () - began) / 1000.0,
            *failures ? "; failed:" : "", failures);
    printf ("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed > known || zsys_interrupted ? 1 : failed ? 3 : 0;
}
