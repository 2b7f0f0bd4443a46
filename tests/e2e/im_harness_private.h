/*  im_harness_private - what the files of the harness share

    System headers once, and the harness struct, which only the
    harness's own files see.
*/
#ifndef IM_HARNESS_PRIVATE_H_INCLUDED
#define IM_HARNESS_PRIVATE_H_INCLUDED

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "im_classes.h"
#include "im_harness.h"

#define IMH_DIR_MAX         256     //  Bytes in the temp directory path
#define IMH_ARGS_MAX        24      //  Arguments of one child
#define IMH_READY_MS        20000   //  Bound on a broker coming up
#define IMH_LOG_TAIL        32768   //  Bytes of a log printed at most
#define IMH_PREFIX_MAX      12      //  Arguments before a placed broker's

extern char **environ;

//  One child the harness started, and how to start it again
typedef struct {
    pid_t pid;                      //  Running child, or 0
    char name [64];                 //  Tag: log name, worker instance
    char log_path [IMH_PATH_MAX];   //  stdout and stderr, appended
    char *args [IMH_ARGS_MAX];      //  argv, owned strings
    size_t args_n;                  //  How many
    int status;                     //  Exit code once reaped, or -1
    int signal;                     //  Signal that ended it once reaped
                                    //  (not by imh_kill), or 0
} imh_proc_t;

//  One broker of a cluster
typedef struct {
    int slot;                       //  Its child's slot
    char endpoint [64];             //  Client: tcp://127.0.0.1:<port>
    char workers [64];              //  tcp://127.0.0.1:<port>
    char raft [64];                 //  127.0.0.1:<port>
    char http [64];                 //  127.0.0.1:<port>
    im_client_t *client;            //  Talks to this node only, owned
    char host [40];                 //  Placed: the address it binds, or
                                    //  "" for 127.0.0.1 and free ports
    char *prefix [IMH_PREFIX_MAX];  //  Placed: argv run before the
                                    //  broker's own, owned strings
    size_t prefix_n;                //  How many
} imh_node_t;

struct _imh_t {
    char dir [IMH_DIR_MAX];                 //  Temp directory, owned
    char data_dir [IMH_PATH_MAX];           //  Broker data: <dir>/data
    char sink_dir [IMH_PATH_MAX];           //  Notifier sink: <dir>/sink
    char keys_dir [IMH_PATH_MAX];           //  Certificates: <dir>/keys
    char config_path [IMH_PATH_MAX];        //  <dir>/imq.yaml
    char client_endpoint [IMH_PATH_MAX];    //  Broker client endpoint
    char worker_endpoint [IMH_PATH_MAX];    //  Broker worker endpoint
    char raft_address [64];                 //  127.0.0.1:<free port>
    char http_address [64];                 //  127.0.0.1:<free port>
    imh_proc_t procs [IMH_PROCS_MAX];       //  Children by slot
    int procs_n;                            //  Slots used
    int broker;                             //  Slot of the broker, or -1
    im_client_t *client;                    //  Direct queries, owned
    bool passed;                            //  Test said it passed
    imh_node_t nodes [IMH_NODES_MAX];       //  A cluster's brokers
    int nodes_n;                            //  How many (0: one node)
    char http_token [IM_TOKEN_TEXT];        //  imh_http_token's, or ""
    zlistx_t *writes;                       //  imh_writes_t *, owned:
                                            //  imh_cluster_writes'
};

//  Picks a TCP port on 127.0.0.1 that is free now; returns it or 0
int
    imh_free_port (void);

#endif
