/*  imf_step - the faults: one step of a schedule done to the world

    Each step prints one line saying what it did to whom, with the time
    it ran (ms from the start of the load), so that a run's output is
    its own record of the schedule as resolved: which node was the
    leader, which bit flipped.
*/
#include "imf_world_private.h"

//  The leader the running nodes agree on, or 0
static int
s_leader (imf_world_t *self)
{
    return imh_cluster_leader (self->harness, IMF_LEADER_MS);
}

//  The followers now (running nodes that do not lead), in id order;
//  returns how many
static int
s_followers (imf_world_t *self, int *followers)
{
    int leader = s_leader (self), count = 0;
    for (int node = 1; node <= IMF_NODES; node++)
        if (node != leader
        &&  imh_running (self->harness, imh_node_slot (self->harness, node)))
            followers [count++] = node;
    return count;
}

//  Resolves a step's target into nodes; returns how many (0: none
//  found, printed)
static int
s_resolve (imf_world_t *self, const imf_step_t *step, int *nodes)
{
    int count = 0;
    switch (step->target) {
        case IMF_T_LEADER:
            nodes [0] = s_leader (self);
            count = nodes [0] != 0;
            break;
        case IMF_T_FOLLOWER: {
            int followers [IMF_NODES];
            int found = s_followers (self, followers);
            if (found)
                nodes [count++] = followers [step->arg2 % found];
            break;
        }
        case IMF_T_REG:
            nodes [0] = self->regs [step->reg];
            count = nodes [0] != 0;
            break;
        case IMF_T_ALL:
            for (int node = 1; node <= IMF_NODES; node++)
                nodes [count++] = node;
            break;
        case IMF_T_NODE:
            nodes [0] = step->arg2;
            count = 1;
            break;
        case IMF_T_NONE:
            break;
    }
    if (step->target == IMF_T_LEADER || step->target == IMF_T_FOLLOWER)
        self->regs [step->reg] = count ? nodes [0] : 0;
    if (!count && step->target != IMF_T_NONE)
        printf ("    (no node for this step: skipped)\n");
    return count;
}

//  Writes text into path; returns 0 or -1
static int
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    if (!file)
        return -1;
    int rc = fputs (text, file) < 0;
    return fclose (file) || rc ? -1 : 0;
}

//  Flips a bit in a stopped node's files
static int
s_flip (imf_world_t *self, const imf_step_t *step, int node, char *what,
        size_t size)
{
    char data [512], dir [600];
    imh_node_data (self->harness, node, data, sizeof data);
    uint64_t random = imf_rng_next (&self->rng);
    if (imh_running (self->harness, imh_node_slot (self->harness, node))) {
        snprintf (what, size, "node %d is running: not flipped", node);
        return -1;
    }
    if (step->action == IMF_FLIP_SST) {
        snprintf (dir, sizeof dir, "%s/store", data);
        return imf_disk_flip_file (dir, ".sst", random, what, size);
    }
    snprintf (dir, sizeof dir, "%s/raft", data);
    return imf_disk_flip_segment (dir, step->action == IMF_FLIP_OPEN,
                                  (int) step->arg, random, what, size);
}

//  The link of node down and up every step->arg ms for its length
static int
s_flap (imf_world_t *self, const imf_step_t *step, int node, char *what,
        size_t size)
{
    uint64_t end = im_mono_ms () + step->length_ms;
    int flaps = 0, rc = 0;
    while (im_mono_ms () < end && !zsys_interrupted) {
        rc |= imf_net_isolate (self->net, node, true);
        imf_load_pump (self->load, im_mono_ms () + (uint64_t) step->arg,
                       true);
        rc |= imf_net_isolate (self->net, node, false);
        imf_load_pump (self->load, im_mono_ms () + (uint64_t) step->arg,
                       true);
        flaps++;
    }
    snprintf (what, size, "(%d flaps)", flaps);
    return rc ? -1 : 0;
}

//  Does step's action to one node; returns 0 or -1
static int
s_node_action (imf_world_t *self, const imf_step_t *step, int node,
               char *what, size_t size)
{
    imh_t *h = self->harness;
    int slot = imh_node_slot (h, node);
    char data [512], path [600];
    imh_node_data (h, node, data, sizeof data);
    switch (step->action) {
        case IMF_KILL:
            imf_world_note_ends (self);
            self->killed [node] = true;
            return imh_node_kill (h, node);
        case IMF_RESTART:
            imf_world_note_ends (self);
            if (imh_running (h, slot)) {
                snprintf (what, size, "(running: left alone)");
                return 0;
            }
            self->killed [node] = self->ended [node] = false;
            return imh_node_restart (h, node);
        case IMF_STOP:
            self->stopped [node] = true;
            return imh_signal (h, slot, SIGSTOP);
        case IMF_CONT:
            self->stopped [node] = false;
            return imh_signal (h, slot, SIGCONT);
        case IMF_ISOLATE:
            return imf_net_isolate (self->net, node, true);
        case IMF_CUT_PEERS:
        case IMF_CUT_INBOUND: {
            int rc = 0;
            for (int peer = 1; peer <= IMF_NODES; peer++)
                if (peer != node)
                    rc |= imf_net_cut (self->net, node, peer, true,
                                       step->action == IMF_CUT_PEERS,
                                       step->action == IMF_CUT_INBOUND);
            return rc;
        }
        case IMF_CUT_PAIR: {
            int leader = s_leader (self), peer = 0;
            for (int other = 1; other <= IMF_NODES && !peer; other++)
                if (other != node && other != leader)
                    peer = other;
            snprintf (what, size, "and node %d", peer);
            return peer ? imf_net_cut (self->net, node, peer, true, true,
                                       false) : -1;
        }
        case IMF_FLAP:
            return s_flap (self, step, node, what, size);
        case IMF_FILL_DISK: {
            int64_t written = imf_disk_fill (data);
            snprintf (what, size, "(%" PRId64 " octets to fill it)",
                      written);
            return written < 0 ? -1 : 0;
        }
        case IMF_FREE_DISK:
            return imf_disk_free (data);
        case IMF_IOFAIL:
            imf_world_arm_path (self, node, path, sizeof path);
            snprintf (what, size, "%s %" PRId64 "\n", step->path, step->arg);
            return s_write (path, what);
        case IMF_IOFAIL_OFF:
            imf_world_arm_path (self, node, path, sizeof path);
            return unlink (path) && errno != ENOENT ? -1 : 0;
        case IMF_FLIP_OPEN:
        case IMF_FLIP_CLOSED:
        case IMF_FLIP_SST:
            return s_flip (self, step, node, what, size);
        case IMF_WIPE: {
            const char *argv [] = { "/bin/rm", "-rf", data, NULL };
            imh_run_t run;
            int rc = imh_run (argv, 30000, &run) || run.status ? -1 : 0;
            imh_run_clear (&run);
            return rc || mkdir (data, 0755) ? -1 : 0;
        }
        case IMF_TRANSFER: {
            char id [16];
            snprintf (id, sizeof id, "%d", node);
            if (imh_cluster_leader (h, IMF_LEADER_MS) == node)
                return 0;
            imh_ctl (h, NULL, "cluster", "transfer-leadership", id, NULL);
            return imh_cluster_wait_leader (h, node, IMF_LEADER_MS) ? 0 : -1;
        }
        default:
            return -1;
    }
}

//  Does a step that acts on no node; returns 0 or -1
static int
s_world_action (imf_world_t *self, const imf_step_t *step, char *what,
                size_t size)
{
    int worker = (int) (step->arg % IMF_WORKERS);
    switch (step->action) {
        case IMF_HEAL:
            return self->net ? imf_net_heal (self->net) : 0;
        case IMF_KILL_WORKER:
            return imh_kill (self->harness, self->workers [worker]);
        case IMF_RESTART_WORKER:
            return imh_restart (self->harness, self->workers [worker]);
        case IMF_CLOCK:
            snprintf (what, size, "%+" PRId64 "\n", step->arg);
            return s_write (self->clock_file, what);
        default:
            return -1;
    }
}

int
imf_world_step (imf_world_t *self, const imf_step_t *step, uint64_t start_ms)
{
    assert (self && step);
    printf ("    [%6" PRIu64 " ms] %s", im_mono_ms () - start_ms,
            imf_action_name (step->action));
    fflush (stdout);
    int nodes [IMF_NODES];
    int count = s_resolve (self, step, nodes);
    char what [512] = "";
    int rc = 0;
    if (step->target == IMF_T_NONE)
        rc = s_world_action (self, step, what, sizeof what);
    for (int index = 0; index < count; index++) {
        printf (" node %d", nodes [index]);
        rc |= s_node_action (self, step, nodes [index], what, sizeof what);
    }
    what [strcspn (what, "\n")] = 0;
    printf ("%s%s%s\n", *what ? " " : "", what, rc ? " (FAILED)" : "");
    return rc ? -1 : 0;
}

void
imf_world_heal (imf_world_t *self)
{
    assert (self);
    for (int node = 1; node <= IMF_NODES; node++) {
        if (self->stopped [node])
            imh_signal (self->harness, imh_node_slot (self->harness, node),
                        SIGCONT);
        self->stopped [node] = false;
        char path [600], data [512];
        imf_world_arm_path (self, node, path, sizeof path);
        unlink (path);
        if (*self->tmpfs)
            imf_disk_free (imh_node_data (self->harness, node, data,
                                          sizeof data));
    }
    if (self->net)
        imf_net_heal (self->net);
    if (*self->clock_file)
        s_write (self->clock_file, "+0\n");
}
