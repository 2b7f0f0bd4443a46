/*  imf_net - network namespaces that cut the links between nodes

    Everything is done by running ip and iptables, as an operator would
    by hand, through env so that PATH finds them; a command that fails
    prints what it said.
*/
#include <czmq.h>
#include <signal.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imf_net.h"

#define IMF_CMD_MS      10000       //  Bound on one ip or iptables run
#define IMF_ARGS_MAX    16          //  Arguments of one command

struct _imf_net_t {
    char prefix [16];               //  "imf<pid>"
    int subnet;                     //  X of 198.18.X.0/24 (0 .. 255)
    int nodes;                      //  Namespaces built
    bool bridge;                    //  The bridge was made
    char hosts [IMH_NODES_MAX][40]; //  Node n's address at n - 1
    char names [IMH_NODES_MAX][40]; //  Node n's namespace at n - 1
};

//  Runs a NULL-ended command through env; quiet makes a failure
//  silent. Returns 0 when it exited 0.
static int
s_run (bool quiet, const char *first, ...)
{
    const char *argv [IMF_ARGS_MAX + 2] = { "/usr/bin/env", first };
    size_t count = 2;
    va_list args;
    va_start (args, first);
    const char *arg;
    while ((arg = va_arg (args, const char *)) && count < IMF_ARGS_MAX)
        argv [count++] = arg;
    va_end (args);
    argv [count] = NULL;
    imh_run_t run;
    if (imh_run (argv, IMF_CMD_MS, &run))
        return -1;
    int rc = run.status;
    if (rc && !quiet) {
        fprintf (stderr, "imf_net:");
        for (size_t index = 1; index < count; index++)
            fprintf (stderr, " %s", argv [index]);
        fprintf (stderr, ": exit %d: %s%s", rc, run.err ? run.err : "",
                 run.out ? run.out : "");
    }
    imh_run_clear (&run);
    return rc ? -1 : 0;
}

//  Runs a command and returns its stdout (caller frees), or NULL
static char *
s_output (const char *const *argv)
{
    imh_run_t run;
    if (imh_run (argv, IMF_CMD_MS, &run))
        return NULL;
    char *out = run.status == 0 ? run.out : NULL;
    if (out)
        run.out = NULL;
    imh_run_clear (&run);
    return out;
}

//  The iptables command that runs here: iptables, or, where Debian's
//  alternatives link is missing, the nft or legacy one by its own name;
//  NULL when none does
static const char *
s_iptables (void)
{
    static const char *names [] = {
        "iptables", "iptables-nft", "iptables-legacy" };
    for (size_t index = 0; index < sizeof names / sizeof names [0];
         index++) {
        const char *argv [] = { "/usr/bin/env", names [index], "--version",
                                NULL };
        char *out = s_output (argv);
        bool runs = out != NULL;
        free (out);
        if (runs)
            return names [index];
    }
    return NULL;
}

bool
imf_net_available (void)
{
    static const char *ip [] = { "/usr/bin/env", "ip", "-V", NULL };
    char *one = geteuid () == 0 ? s_output (ip) : NULL;
    bool available = one && s_iptables ();
    free (one);
    return available;
}

//  A /24 of 198.18.0.0/15 that no interface uses yet, or -1
static int
s_pick_subnet (void)
{
    static const char *argv [] = {
        "/usr/bin/env", "ip", "-o", "-4", "addr", "show", NULL
    };
    char *addresses = s_output (argv);
    if (!addresses)
        return -1;
    int subnet = -1;
    for (int attempt = 0; attempt < 256 && subnet < 0; attempt++) {
        int candidate = (getpid () + attempt) % 255;
        char needle [32];
        snprintf (needle, sizeof needle, " 198.18.%d.", candidate);
        if (!strstr (addresses, needle))
            subnet = candidate;
    }
    free (addresses);
    return subnet;
}

imf_net_t *
imf_net_new (int nodes)
{
    assert (nodes >= 1 && nodes <= IMH_NODES_MAX);
    imf_net_t *self = (imf_net_t *) calloc (1, sizeof (imf_net_t));
    if (!self)
        return NULL;
    snprintf (self->prefix, sizeof self->prefix, "imf%d", (int) getpid ());
    self->subnet = s_pick_subnet ();
    char bridge [40], address [48];
    snprintf (bridge, sizeof bridge, "%sbr", self->prefix);
    snprintf (address, sizeof address, "198.18.%d.1/24", self->subnet);
    if (self->subnet < 0
    ||  s_run (false, "ip", "link", "add", bridge, "type", "bridge", NULL)) {
        imf_net_destroy (&self);
        return NULL;
    }
    self->bridge = true;
    if (s_run (false, "ip", "addr", "add", address, "dev", bridge, NULL)
    ||  s_run (false, "ip", "link", "set", bridge, "up", NULL)) {
        imf_net_destroy (&self);
        return NULL;
    }
    for (int node = 1; node <= nodes; node++) {
        char *ns = self->names [node - 1], host [40], peer [40];
        snprintf (ns, 40, "%sn%d", self->prefix, node);
        snprintf (host, sizeof host, "%sh%d", self->prefix, node);
        snprintf (peer, sizeof peer, "%sv%d", self->prefix, node);
        snprintf (self->hosts [node - 1], 40, "198.18.%d.%d", self->subnet,
                  10 + node);
        snprintf (address, sizeof address, "%s/24", self->hosts [node - 1]);
        if (s_run (false, "ip", "netns", "add", ns, NULL)) {
            imf_net_destroy (&self);
            return NULL;
        }
        self->nodes = node;
        if (s_run (false, "ip", "link", "add", host, "type", "veth", "peer",
                   "name", peer, "netns", ns, NULL)
        ||  s_run (false, "ip", "link", "set", host, "master", bridge, "up",
                   NULL)
        ||  s_run (false, "ip", "-n", ns, "addr", "add", address, "dev",
                   peer, NULL)
        ||  s_run (false, "ip", "-n", ns, "link", "set", peer, "up", NULL)
        ||  s_run (false, "ip", "-n", ns, "link", "set", "lo", "up", NULL)) {
            imf_net_destroy (&self);
            return NULL;
        }
    }
    return self;
}

void
imf_net_destroy (imf_net_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imf_net_t *self = *self_p;
        for (int node = 1; node <= self->nodes; node++) {
            char host [40];
            snprintf (host, sizeof host, "%sh%d", self->prefix, node);
            //  Deleting the namespace deletes the veth end inside it,
            //  and with it the pair
            s_run (true, "ip", "link", "del", host, NULL);
            s_run (false, "ip", "netns", "del", self->names [node - 1],
                   NULL);
        }
        if (self->bridge) {
            char bridge [40];
            snprintf (bridge, sizeof bridge, "%sbr", self->prefix);
            s_run (false, "ip", "link", "del", bridge, NULL);
        }
        free (self);
        *self_p = NULL;
    }
}

const char *
imf_net_host (imf_net_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes);
    return self->hosts [node - 1];
}

const char *
imf_net_ns (imf_net_t *self, int node)
{
    assert (self && node >= 1 && node <= self->nodes);
    return self->names [node - 1];
}

int
imf_net_cut (imf_net_t *self, int node, int peer, bool inbound,
             bool outbound, bool raft_only)
{
    assert (self && node >= 1 && node <= self->nodes);
    assert (peer >= 1 && peer <= self->nodes && peer != node);
    const char *ns = self->names [node - 1];
    const char *other = self->hosts [peer - 1];
    char port [16];
    snprintf (port, sizeof port, "%d", IMH_PLACED_PORT + 2);
    int rc = 0;
    if (inbound && raft_only)
        rc |= s_run (false, "ip", "netns", "exec", ns, s_iptables (), "-A",
                     "INPUT", "-s", other, "-p", "tcp", "--dport", port,
                     "-j", "DROP", NULL);
    else
    if (inbound)
        rc |= s_run (false, "ip", "netns", "exec", ns, s_iptables (), "-A",
                     "INPUT", "-s", other, "-j", "DROP", NULL);
    if (outbound)
        rc |= s_run (false, "ip", "netns", "exec", ns, s_iptables (), "-A",
                     "OUTPUT", "-d", other, "-j", "DROP", NULL);
    return rc ? -1 : 0;
}

int
imf_net_isolate (imf_net_t *self, int node, bool isolated)
{
    assert (self && node >= 1 && node <= self->nodes);
    char host [40];
    snprintf (host, sizeof host, "%sh%d", self->prefix, node);
    return s_run (false, "ip", "link", "set", host,
                  isolated ? "down" : "up", NULL);
}

int
imf_net_heal (imf_net_t *self)
{
    assert (self);
    int rc = 0;
    for (int node = 1; node <= self->nodes; node++) {
        rc |= s_run (false, "ip", "netns", "exec", self->names [node - 1],
                     s_iptables (), "-F", NULL);
        rc |= imf_net_isolate (self, node, false);
    }
    return rc ? -1 : 0;
}

//  The pid of a name "imf<pid>...", or 0
static int
s_name_pid (const char *name)
{
    if (strncmp (name, "imf", 3) || name [3] < '0' || name [3] > '9')
        return 0;
    return atoi (name + 3);
}

//  True when the run of pid is gone
static bool
s_gone (int pid)
{
    return pid > 0 && kill (pid, 0) == -1 && errno == ESRCH;
}

void
imf_net_sweep (void)
{
    static const char *netns [] = {
        "/usr/bin/env", "ip", "netns", "list", NULL
    };
    static const char *links [] = {
        "/usr/bin/env", "ip", "-o", "link", "show", NULL
    };
    char *text = s_output (netns);
    for (char *line = text ? strtok (text, "\n") : NULL; line;
         line = strtok (NULL, "\n")) {
        char name [64];
        if (sscanf (line, "%63s", name) == 1 && s_gone (s_name_pid (name)))
            s_run (false, "ip", "netns", "del", name, NULL);
    }
    free (text);
    text = s_output (links);
    //  Lines are "N: name[@peer]: <...": the bridges and host ends left
    for (char *line = text ? strtok (text, "\n") : NULL; line;
         line = strtok (NULL, "\n")) {
        char name [64];
        if (sscanf (line, "%*d: %63[^:@]", name) == 1
        &&  s_gone (s_name_pid (name)))
            s_run (true, "ip", "link", "del", name, NULL);
    }
    free (text);
}
