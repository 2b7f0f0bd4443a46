/*  imf_world_private - what imf_world.c and imf_step.c share

    The world struct: the run and the steps that change it are two
    files, the setup and the check in one, the faults in the other.
*/
#ifndef IMF_WORLD_PRIVATE_H_INCLUDED
#define IMF_WORLD_PRIVATE_H_INCLUDED

#include <signal.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imf_disk.h"
#include "imf_net.h"
#include "imf_world.h"

#define IMF_NODES           3       //  Brokers of a world
#define IMF_WORKERS         3       //  classifier, sla-timer, notifier
#define IMF_TMPFS_MB        96      //  The full-disk scenario's tmpfs
#define IMF_WAIT_MS         30000   //  Bound on one wait at the end
#define IMF_LEADER_MS       10000   //  Bound on finding the leader
#define IMF_RESPONSE_MS     5000    //  SLA response target of the runs

struct _imf_world_t {
    const imf_scenario_t *scenario; //  What runs, borrowed
    uint64_t seed;                  //  The scenario's seed
    imh_t *harness;                 //  Cluster, workers, directory, owned
    imf_net_t *net;                 //  Namespaces, owned, or NULL
    imf_load_t *load;               //  The load, owned once running
    imf_rng_t rng;                  //  Draws of the steps (flip offsets)
    char prefix [32];               //  The load's request id prefix
    char tmpfs [512];               //  Mounted tmpfs, or ""
    char clock_file [512];          //  libfaketime's offset file, or ""
    int workers [IMF_WORKERS];      //  Worker slots
    int regs [IMF_REGS];            //  Nodes the schedule kept, or 0
    bool stopped [IMF_NODES + 1];   //  Node n SIGSTOPped, at n
    bool killed [IMF_NODES + 1];    //  Node n down by the schedule, at n
    bool ended [IMF_NODES + 1];     //  Node n's end by itself was told
    size_t crashes;                 //  Nodes ended by a signal of their
                                    //  own (SIGSEGV, SIGABRT...)
    size_t exits;                   //  Nodes that exited by themselves
};

//  Notes every node that ended by itself since the last look (printed,
//  counted in crashes or exits)
void
    imf_world_note_ends (imf_world_t *self);

//  The path of node's I/O fault arm file
void
    imf_world_arm_path (imf_world_t *self, int node, char *path,
                        size_t size);

#endif
