/*  imb_main - imq-broker: one node of an imq cluster

    Reads the configuration, lets flags override the node settings,
    starts the server and serves until SIGINT or SIGTERM.
*/
#include "imb_classes.h"
#include <getopt.h>
#include <signal.h>

#define INSTALLS_MAX    50          //  Stores replaced in a row, at most

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: imq-broker [options]\n"
        "  -c, --config FILE     YAML configuration (default: built-in)\n"
        "  -d, --data DIR        data directory (node.data)\n"
        "      --id N            node id (node.id)\n"
        "      --client EP       client endpoint (node.client)\n"
        "      --workers EP      worker endpoint (node.workers)\n"
        "      --raft ADDR       raft address host:port (node.raft)\n"
        "      --http ADDR       HTTP address host:port (http.listen)\n"
        "      --keys DIR        keys directory (security.keys)\n"
        "      --no-curve        no CURVE: any client is anyone (a test\n"
        "                        bench on one machine only)\n"
        "      --join            join a running cluster: bootstrap nothing\n"
        "                        and wait for 'imqctl cluster add'\n"
        "  -v, --verbose         also libraft's own trace on stderr\n"
        "                        (LIBRAFT_TRACE): elections, appends,\n"
        "                        how it loaded its log\n"
        "  -h, --help            this text\n");
}

//  Copies a flag value into a config string, or fails on overflow
static int
s_set (char *target, size_t size, const char *value, const char *flag)
{
    if (im_strlcpy (target, value, size)) {
        fprintf (stderr, "imq-broker: %s is too long (at most %zu bytes)\n",
                 flag, size - 1);
        return -1;
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    static const struct option options [] = {
        { "config", required_argument, NULL, 'c' },
        { "data", required_argument, NULL, 'd' },
        { "id", required_argument, NULL, 'i' },
        { "client", required_argument, NULL, 'C' },
        { "workers", required_argument, NULL, 'W' },
        { "raft", required_argument, NULL, 'R' },
        { "http", required_argument, NULL, 'H' },
        { "join", no_argument, NULL, 'J' },
        { "keys", required_argument, NULL, 'K' },
        { "no-curve", no_argument, NULL, 'N' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    im_config_t config;
    im_config_default (&config);
    const char *config_path = NULL;
    const char *data = NULL, *client = NULL, *workers = NULL, *raft = NULL;
    const char *http = NULL, *keys = NULL;
    const char *id = NULL;
    bool join = false, no_curve = false;
    int option;
    while ((option = getopt_long (argc, argv, "c:d:vh", options, NULL)) != -1) {
        switch (option) {
            case 'c': config_path = optarg; break;
            case 'd': data = optarg; break;
            case 'i': id = optarg; break;
            case 'C': client = optarg; break;
            case 'W': workers = optarg; break;
            case 'R': raft = optarg; break;
            case 'H': http = optarg; break;
            case 'J': join = true; break;
            case 'K': keys = optarg; break;
            case 'N': no_curve = true; break;
            case 'v': setenv ("LIBRAFT_TRACE", "1", 1); break;
            case 'h': s_usage (stdout); return 0;
            default:  s_usage (stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "imq-broker: unexpected argument '%s'\n",
                 argv [optind]);
        s_usage (stderr);
        return 2;
    }
    //  libraft writes to peers' TCP sockets with plain write (): a peer
    //  that died must be an EPIPE it handles, not a signal that kills
    //  this node too
    signal (SIGPIPE, SIG_IGN);
    zsys_set_logident ("imq-broker");
    zsys_set_logstream (stderr);
    im_log_set_ident ("imq-broker");
    if (config_path) {
        char errors [4096];
        //  The file's policy sections are its workers': the state
        //  machine applies the replicated policy alone (im_policy.h)
        int rc = im_config_load (&config, NULL, config_path, errors,
                                 sizeof errors);
        if (rc) {
            fprintf (stderr, "%s\n", rc == IM_ENOTFOUND ? "" : errors);
            if (rc == IM_ENOTFOUND)
                fprintf (stderr, "imq-broker: cannot read %s\n", config_path);
            return 2;
        }
    }
    config.join = join;
    if (no_curve)
        config.curve = false;
    if (id) {
        char *end;
        unsigned long long value = strtoull (id, &end, 10);
        if (*end || value == 0) {
            fprintf (stderr, "imq-broker: --id must be an integer >= 1\n");
            return 2;
        }
        config.node_id = value;
    }
    if ((data && s_set (config.data_dir, sizeof config.data_dir, data,
                        "--data"))
    ||  (client && s_set (config.client_endpoint,
                          sizeof config.client_endpoint, client, "--client"))
    ||  (workers && s_set (config.worker_endpoint,
                           sizeof config.worker_endpoint, workers,
                           "--workers"))
    ||  (raft && s_set (config.raft_address, sizeof config.raft_address,
                        raft, "--raft"))
    ||  (http && s_set (config.http_listen, sizeof config.http_listen,
                        http, "--http"))
    ||  (keys && s_set (config.keys_dir, sizeof config.keys_dir, keys,
                        "--keys")))
        return 2;

    char reason [1024];
    if (imb_raft_address_check (config.raft_address, config.raft_public,
                                reason, sizeof reason)) {
        fprintf (stderr, "imq-broker: %s\n", reason);
        return 2;
    }
    if (config.members_n > 0 && !config.join
    &&  !im_config_member (&config, config.node_id)) {
        fprintf (stderr, "imq-broker: node id %" PRIu64 " is not among "
                 "cluster.members\n", config.node_id);
        return 2;
    }
    //  A store that must be replaced by another node's checkpoint, or
    //  rebuilt because RocksDB found it corrupt, is replaced before it is
    //  opened; the server stops (1) when that is found out while serving,
    //  and starts again on the new store. Under load the leader's log may
    //  move past a checkpoint while it is installed, so that another is
    //  needed: each is newer than the last, and the node catches up once
    //  one lands within the log the leader still holds (snapshot_trailing)
    int rc = 1;
    for (int attempt = 0; rc == 1 && attempt < INSTALLS_MAX; attempt++) {
        char errbuf [1024] = "";
        if (imb_store_repair_run (&config, errbuf, sizeof errbuf)
        ||  imb_install_run (&config, errbuf, sizeof errbuf)) {
            fprintf (stderr, "imq-broker: cannot start: %s\n", errbuf);
            return 1;
        }
        imb_server_t *server = imb_server_new (&config, errbuf,
                                               sizeof errbuf);
        if (!server && imb_install_pending (config.data_dir))
            continue;               //  Found while Raft started
        if (!server && imc_store_is_damage (errbuf)
        &&  imb_store_repair_want (config.data_dir, errbuf) == 0) {
            fprintf (stderr, "imq-broker: the store is damaged (%s): it is "
                     "rebuilt\n", errbuf);
            continue;
        }
        if (!server) {
            fprintf (stderr, "imq-broker: cannot start: %s\n", errbuf);
            return 1;
        }
        zsys_info ("node %" PRIu64 " %s %zu serving; clients on %s, "
                   "workers on %s, raft on %s, HTTP on http://%s, data in "
                   "%s", config.node_id,
                   config.join ? "joining a cluster of at least" : "of",
                   config.members_n ? config.members_n : 1,
                   config.client_endpoint, config.worker_endpoint,
                   config.raft_address, config.http_listen, config.data_dir);
        rc = imb_server_run (server);
        if (rc == IMB_SERVER_LOG_FAILED) {
            //  libraft stopped on a failed write of its log and would not
            //  finish closing: the node ends as a crash would, which it
            //  survives (the store keeps no WAL, the log replays it)
            fprintf (stderr, "imq-broker: stopped: the Raft log could not "
                     "be written\n");
            fflush (NULL);
            _exit (3);
        }
        imb_server_destroy (&server);
    }
    if (rc == 1)
        zsys_error ("gave up: the store was replaced by a checkpoint %d "
                    "times in a row and the leader's log still moved past "
                    "each; a larger node.snapshot_trailing lets a node "
                    "catch up", INSTALLS_MAX);
    zsys_info ("stopped");
    return rc ? 1 : 0;
}
