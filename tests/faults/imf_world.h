/*  imf_world - one run of one scenario: a cluster, its workers, a load,
    the faults of a schedule, and the check of what they left

    The world is the e2e harness's three-node cluster (tests/e2e), with
    each broker in a network namespace of its own when the scenario cuts
    links, node 1's data on a tmpfs when it fills a disk, the I/O fault
    shim under every broker when it fails writes, and libfaketime under
    the SLA timer when it moves a clock. The load runs from the start;
    the schedule's steps run at their times; then every fault is undone,
    dead processes are started again, the load's unanswered writes are
    sent until answered, the cluster converges and the workers settle.
    The brokers are then stopped and each node's store is read from disk
    and handed to the checker with the load's record and the notifier's
    sink.
*/
#ifndef IMF_WORLD_H_INCLUDED
#define IMF_WORLD_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "imf_check.h"
#include "imf_load.h"
#include "imf_scenario.h"

typedef struct _imf_world_t imf_world_t;

//  What one run found; a plain value type
typedef struct {
    imf_result_t check;             //  The checker's counts
    imf_load_stats_t load;          //  The load's counts and write gap
    size_t unanswered;              //  Writes never answered
    int nodes_down;                 //  Nodes not running at the end
    size_t crashes;                 //  Nodes ended by a signal of their
                                    //  own: a problem
    size_t exits;                   //  Nodes that exited by themselves
                                    //  (fail-stop): told, not a problem
    bool converged;                 //  Nodes agreed, workers settled
    size_t breaches;                //  sla.breached events in the log
    size_t refused;                 //  Breaches the broker refused as
                                    //  not due yet (SLA timer's log)
    uint64_t elapsed_ms;            //  Wall time of the run
} imf_outcome_t;

//  Builds the world scenario needs; seed tags its request ids and
//  seeds the I/O shim. Returns NULL (printed) on failure.
imf_world_t *
    imf_world_new (const imf_scenario_t *scenario, uint64_t seed);

//  Undoes every fault, kills every child, removes the namespaces, the
//  mount and the directory; nulls *self_p
void
    imf_world_destroy (imf_world_t **self_p);

//  Runs schedule under load (rate opens a second), then checks; fills
//  outcome. Returns the number of problems found (an outcome that is
//  not converged counts as one, and so does each crash and each node
//  that does not run at the end).
size_t
    imf_world_run (imf_world_t *self, const imf_schedule_t *schedule,
                   int rate, imf_outcome_t *outcome);

//  The run's directory (configuration, data, sink, every log), borrowed
const char *
    imf_world_dir (imf_world_t *self);

//  Runs one step (imf_step.c); returns 0, or -1 when it could not be
//  done (printed: the run goes on)
int
    imf_world_step (imf_world_t *self, const imf_step_t *step,
                    uint64_t start_ms);

//  Undoes every fault that is still in force (imf_step.c)
void
    imf_world_heal (imf_world_t *self);

#endif
