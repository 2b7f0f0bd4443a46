/*  im_harness_failover - the leader dies under writes in flight

    The round every failover test runs, in one place: writes in flight
    through the whole cluster, the leader SIGKILLed under them, and more
    writes sent right after the kill, whose first answer measures how
    long the cluster took to accept writes again. The writes resend what
    is not answered, with the same request ids, so every one of them is
    answered in the end, by whichever node leads next; the test then
    checks every node's log with imh_cluster_check.
*/
#include "im_harness_private.h"

//  Says what failed; returns -1
static int
s_failed (const char *prefix, const char *what)
{
    fprintf (stderr, "im_harness: failover %s: %s\n", prefix, what);
    return -1;
}

int
imh_cluster_failover (imh_t *self, int round, int count, int kill_after,
                      int probes, int deadline_ms, imh_failover_t *result)
{
    assert (self && self->nodes_n && result);
    assert (count > kill_after && probes > 0);
    memset (result, 0, sizeof *result);
    char prefix [32], after [48];
    snprintf (prefix, sizeof prefix, "round%d", round);
    snprintf (after, sizeof after, "%s-after", prefix);
    imh_writes_t *writes = imh_cluster_writes (self, NULL, prefix, count);
    imh_writes_t *probe = imh_cluster_writes (self, NULL, after, probes);
    if (!writes || !probe)
        return s_failed (prefix, "no client");
    int leader = imh_cluster_leader (self, deadline_ms);
    if (!leader)
        return s_failed (prefix, "no leader before the kill");
    if (imh_writes_run (writes, kill_after, deadline_ms) < kill_after)
        return s_failed (prefix, "writes not answered before the kill");
    //  Many writes are in flight now: the leader dies under them
    if (imh_node_kill (self, leader))
        return s_failed (prefix, "cannot kill the leader");
    uint64_t killed_ms = im_mono_ms ();
    if (imh_writes_run (probe, 1, deadline_ms) < 1)
        return s_failed (prefix, "no write answered after the kill");
    result->killed = leader;
    result->gap_ms = imh_writes_first_after (probe, killed_ms) - killed_ms;
    result->next = imh_cluster_leader (self, deadline_ms);
    if (!result->next || result->next == leader)
        return s_failed (prefix, "no other node leads");
    if (imh_writes_run (writes, count, deadline_ms) < count
    ||  imh_writes_run (probe, probes, deadline_ms) < probes)
        return s_failed (prefix, "writes not all answered after the kill");
    printf ("%s: node %d killed; first write answered after %" PRIu64
            " ms; node %d leads\n", prefix, leader, result->gap_ms,
            result->next);
    return 0;
}
