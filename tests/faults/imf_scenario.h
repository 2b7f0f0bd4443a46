/*  imf_scenario - the fault suite's scenarios and their schedules

    A scenario is a recipe: what cluster it needs and a function that,
    given a seeded random source, writes a schedule. A schedule is a
    list of steps, each an action at a time (ms from the start of the
    load) on a target. Targets that depend on the run ("the leader",
    "a follower") are resolved when the step runs and may be kept in a
    register, so that a later step names the same node ("restart the
    node killed before"). The same seed writes the same schedule, and
    the schedule is printed before the run: a failing run prints the
    seed and schedule that replay it.
*/
#ifndef IMF_SCENARIO_H_INCLUDED
#define IMF_SCENARIO_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IMF_STEPS_MAX       48      //  Steps of one schedule
#define IMF_REGS            4       //  Registers of a schedule

//  What a step does
typedef enum {
    IMF_KILL,                       //  SIGKILL the target node(s)
    IMF_RESTART,                    //  Start the target node(s) again
    IMF_STOP,                       //  SIGSTOP the target node
    IMF_CONT,                       //  SIGCONT the target node
    IMF_ISOLATE,                    //  Its link down: cut off whole
    IMF_CUT_PEERS,                  //  Drop its traffic with every other
                                    //  node, both ways (clients reach it)
    IMF_CUT_INBOUND,                //  Drop other nodes' Raft messages
                                    //  to it (it still reaches them)
    IMF_CUT_PAIR,                   //  Drop its traffic with the node of
                                    //  register arg, both ways
    IMF_FLAP,                       //  Link down and up every arg ms,
                                    //  for the step's length
    IMF_HEAL,                       //  Every rule flushed, links up
    IMF_FILL_DISK,                  //  Fill the target's tmpfs
    IMF_FREE_DISK,                  //  Remove the filler
    IMF_IOFAIL,                     //  Arm write/sync EIO on the target:
                                    //  files matching path, arg per
                                    //  million
    IMF_IOFAIL_OFF,                 //  Disarm
    IMF_FLIP_OPEN,                  //  Flip a bit in the target's newest
                                    //  open Raft segment (arg batches
                                    //  before its end); node is down
    IMF_FLIP_CLOSED,                //  Same in its newest closed segment
    IMF_FLIP_SST,                   //  Flip a bit in its largest table
                                    //  file
    IMF_WIPE,                       //  Remove its store and Raft log: a
                                    //  new disk (it installs a
                                    //  checkpoint when restarted)
    IMF_KILL_WORKER,                //  SIGKILL worker arg (0 classifier,
                                    //  1 sla, 2 notifier)
    IMF_RESTART_WORKER,             //  Start worker arg again
    IMF_CLOCK,                      //  Set the SLA timer's clock offset
                                    //  to arg seconds
    IMF_TRANSFER,                   //  Make the target node lead
    IMF_ACTIONS
} imf_action_t;

//  Whom a step acts on
typedef enum {
    IMF_T_NONE,                     //  No node
    IMF_T_LEADER,                   //  The leader now (kept in reg)
    IMF_T_FOLLOWER,                 //  A follower now, picked by arg2
                                    //  (kept in reg)
    IMF_T_REG,                      //  The node kept in reg
    IMF_T_ALL,                      //  Every node
    IMF_T_NODE                      //  Node arg2
} imf_target_t;

typedef struct {
    uint32_t at_ms;                 //  When, from the start of the load
    imf_action_t action;            //  What
    imf_target_t target;            //  On whom
    int reg;                        //  Register kept to or read from
    int64_t arg;                    //  The action's argument
    int arg2;                       //  The target's argument
    uint32_t length_ms;             //  How long (FLAP)
    char path [48];                 //  IOFAIL: fnmatch pattern of files
} imf_step_t;

typedef struct {
    imf_step_t steps [IMF_STEPS_MAX];   //  In time order
    int count;                      //  How many
    uint32_t load_ms;               //  Length of the load
} imf_schedule_t;

//  What a scenario needs of the machine and the cluster
typedef struct {
    bool net;                       //  Network namespaces (root)
    bool tmpfs;                     //  A tmpfs on node 1's data (root)
    bool iofail;                    //  The I/O fault shim on the nodes
    bool faketime;                  //  libfaketime on the SLA timer
    unsigned snapshot_threshold;    //  node.snapshot_threshold, or 0
} imf_needs_t;

//  A random source: splitmix64, seeded
typedef struct {
    uint64_t state;                 //  Advances by the golden gamma
} imf_rng_t;

uint64_t
    imf_rng_next (imf_rng_t *rng);

//  A draw in [low, high]
uint32_t
    imf_rng_range (imf_rng_t *rng, uint32_t low, uint32_t high);

//  Writes a scenario's schedule
typedef void (imf_build_fn) (imf_schedule_t *schedule, imf_rng_t *rng);

typedef struct {
    const char *name;               //  Its name on the command line
    const char *what;               //  One line about it
    bool in_short;                  //  Part of the short (CI) suite
    const char *known;              //  Why it fails today, or NULL
    imf_needs_t needs;              //  What it needs
    imf_build_fn *build;            //  Writes its schedule
} imf_scenario_t;

//  The scenarios, NULL-name ended
const imf_scenario_t *
    imf_scenarios (void);

//  The scenario named name, or NULL
const imf_scenario_t *
    imf_scenario_find (const char *name);

//  The seed of scenario name in a run seeded seed: the same whatever
//  other scenarios run, so --seed S --scenario NAME replays it
uint64_t
    imf_scenario_seed (uint64_t seed, const char *name);

//  Appends a step; returns it, for the caller to fill further
imf_step_t *
    imf_schedule_add (imf_schedule_t *schedule, uint32_t at_ms,
                      imf_action_t action, imf_target_t target, int reg);

//  Prints a schedule, one line a step
void
    imf_schedule_print (const imf_schedule_t *schedule, FILE *out);

//  The name of an action ("kill")
const char *
    imf_action_name (imf_action_t action);

#endif
