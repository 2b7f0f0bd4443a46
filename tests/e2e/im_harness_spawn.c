/*  im_harness_spawn - what every program that starts imq needs

    Free ports, a child started with its output in a log file, the tail
    of that log, and the certificates a node and its administrator talk
    with. The e2e harness and the benchmarks (tests/bench) start brokers
    the same way through these, so a change in how imq is started (a new
    flag, a new key) is made once. None of them needs a harness object.
*/
#include "im_harness_private.h"

extern char **environ;

#define S_PORT_LOW      10000       //  Lowest port picked
#define S_PORT_TRIES    1000        //  Picks before giving up

//  The first port of the kernel's ephemeral range, from which it takes
//  the local ports of outgoing connections
static int
s_ephemeral_low (void)
{
    int low = 32768;
    FILE *file = fopen ("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (file) {
        if (fscanf (file, "%d", &low) != 1)
            low = 32768;
        fclose (file);
    }
    return low > S_PORT_LOW + 1000 ? low : 32768;
}

//  Opens a socket bound to 127.0.0.1:port; returns it, or -1
static int
s_bound (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    address.sin_port = htons ((uint16_t) port);
    if (fd != -1
    &&  bind (fd, (struct sockaddr *) &address, sizeof address) != 0) {
        close (fd);
        fd = -1;
    }
    return fd;
}

//  Ports come from below the kernel's ephemeral range, at random: a
//  port the kernel gave (bind to port 0) is one it may give again as
//  the local port of any outgoing connection, and a node stopped for a
//  moment then finds its port taken when it restarts
int
imh_free_ports (int *ports, size_t count)
{
    int fds [IMH_PORTS_MAX];
    assert (count <= IMH_PORTS_MAX);
    int span = s_ephemeral_low () - S_PORT_LOW;
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    uint64_t state = ((uint64_t) getpid () << 32)
                   ^ (uint64_t) now.tv_nsec ^ (uint64_t) now.tv_sec;
    size_t opened = 0;
    //  The sockets stay open until all are chosen: no port comes twice
    for (int tries = 0; opened < count && tries < S_PORT_TRIES; tries++) {
        state ^= state << 13;       //  xorshift64
        state ^= state >> 7;
        state ^= state << 17;
        int port = S_PORT_LOW + (int) (state % (uint64_t) span);
        int fd = s_bound (port);
        if (fd != -1) {
            fds [opened] = fd;
            ports [opened++] = port;
        }
    }
    for (size_t index = 0; index < opened; index++)
        close (fds [index]);
    return opened == count ? 0 : -1;
}

int
imh_free_port (void)
{
    int port = 0;
    return imh_free_ports (&port, 1) == 0 ? port : 0;
}

pid_t
imh_spawn (const char *const *argv, const char *log_path, bool truncate,
           bool own_group)
{
    assert (argv && argv [0] && log_path);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen (&actions, 1, log_path, O_WRONLY
                                      | O_CREAT
                                      | (truncate ? O_TRUNC : O_APPEND),
                                      0644);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    //  In its own process group, the signals sent to the group reach
    //  whatever path started (a wrapper script too), and a Ctrl-C in the
    //  terminal reaches only the caller, which stops it in its teardown
    posix_spawnattr_t attributes;
    posix_spawnattr_init (&attributes);
    if (own_group) {
        posix_spawnattr_setflags (&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup (&attributes, 0);
    }
    pid_t pid = 0;
    int rc = posix_spawn (&pid, argv [0], &actions, &attributes,
                          (char *const *) argv, environ);
    posix_spawnattr_destroy (&attributes);
    posix_spawn_file_actions_destroy (&actions);
    if (rc) {
        errno = rc;
        return -1;
    }
    return pid;
}

void
imh_file_tail (const char *path, char *buffer, size_t size)
{
    assert (path && buffer && size > 0);
    buffer [0] = 0;
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    if (fseek (file, -(long) (size - 1), SEEK_END))
        rewind (file);
    size_t read = fread (buffer, 1, size - 1, file);
    buffer [read] = 0;
    fclose (file);
}

int
imh_keys_first (const char *dir)
{
    assert (dir);
    char cert [IMH_PATH_MAX + 80], errbuf [256] = "";
    if (im_curve_keys_first (dir, errbuf, sizeof errbuf) < 0) {
        fprintf (stderr, "im_harness: %s\n", errbuf);
        return -1;
    }
    snprintf (cert, sizeof cert, "%s/admin.key_secret", dir);
    if (setenv ("IMQ_CERT", cert, 1) || setenv ("IMQ_KEYS", dir, 1))
        return -1;
    return 0;
}

int
imh_node_cert_at (const char *dir, int id, const char *client,
                  const char *workers)
{
    assert (dir && client && workers);
    char name [32], path [IMH_PATH_MAX + 80], errbuf [256] = "";
    snprintf (name, sizeof name, "node-%d", id);
    snprintf (path, sizeof path, "%s/%s.key", dir, name);
    unlink (path);
    snprintf (path, sizeof path, "%s/%s.key_secret", dir, name);
    unlink (path);
    if (im_curve_keygen (dir, name, "node", client, workers, errbuf,
                         sizeof errbuf) < 0) {
        fprintf (stderr, "im_harness: %s\n", errbuf);
        return -1;
    }
    return 0;
}
