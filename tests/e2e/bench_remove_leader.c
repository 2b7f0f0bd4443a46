/*  bench_remove_leader - how long writes pause while the leader of a
    three-node cluster is removed, beside a plain leadership transfer

    imq-bench-remove-leader [--rounds N] [--window MS]

    Each round starts a fresh cluster of three brokers on loopback
    (the e2e harness), warms it with 50 OPENs, then runs "imqctl cluster
    remove <leader>" (or "cluster transfer-leadership") in a thread
    while the main thread sends OPENs one at a time, through a client
    given every node, for the window (default 5 s). It prints the
    longest time between two answered writes, and how many were
    answered. A benchmark prints its figures; it judges nothing.
*/
#include <pthread.h>
#include "im_classes.h"
#include "im_harness.h"

#define S_WARM      50              //  OPENs before the change
#define S_CALL_MS   10000           //  Bound on one write

typedef struct {
    imh_t *harness;                 //  The cluster
    bool remove;                    //  Remove the leader, else transfer
    char leader [16];               //  Its id
    int rc;                         //  imqctl's exit code
} s_change_t;

static void *
s_change (void *arg)
{
    s_change_t *change = (s_change_t *) arg;
    imh_run_t run;
    change->rc = change->remove
        ? imh_ctl (change->harness, &run, "--timeout", "15000", "cluster",
                   "remove", change->leader, NULL)
        : imh_ctl (change->harness, &run, "--timeout", "15000", "cluster",
                   "transfer-leadership", NULL);
    imh_run_clear (&run);
    return NULL;
}

//  Sends one OPEN; true when it was answered 200
static bool
s_write (im_client_t *client)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", "bench");
    im_fields_set_str (body, "reporter", "bench");
    im_reply_t *reply = im_client_call (client, "OPEN", NULL, body, false);
    bool done = reply && reply->status == 200;
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return done;
}

//  One round; returns 0, or -1 when the cluster did not do its part
static int
s_round (int round, bool remove, int window_ms)
{
    imh_t *h = imh_new_cluster ("bench-remove", NULL, 3);
    if (!h)
        return -1;
    int rc = -1;
    int leader = imh_cluster_leader (h, 10000);
    im_client_t *client = im_client_new (imh_client_endpoint (h),
                                         S_CALL_MS);
    int warm = 0;
    while (client && leader > 0 && warm < S_WARM && s_write (client))
        warm++;
    if (warm == S_WARM) {
        s_change_t change = { h, remove, "", -1 };
        snprintf (change.leader, sizeof change.leader, "%d", leader);
        pthread_t thread;
        uint64_t start = im_mono_ms ();
        uint64_t last = start, pause = 0;
        int answered = 0;
        bool started = pthread_create (&thread, NULL, s_change, &change) == 0;
        while (started && im_mono_ms () - start < (uint64_t) window_ms)
            if (s_write (client)) {
                uint64_t now = im_mono_ms ();
                if (now - last > pause)
                    pause = now - last;
                last = now;
                answered++;
            }
        if (started)
            pthread_join (thread, NULL);
        printf ("round %d, %s node %d: longest pause between answered "
                "writes %" PRIu64 " ms, %d writes in %d ms, imqctl exit %d\n",
                round, remove ? "remove leader" : "transfer leadership from",
                leader, pause, answered, window_ms, change.rc);
        rc = started && change.rc == 0 ? 0 : -1;
        if (rc == 0)
            imh_passed (h);         //  Else teardown prints the logs
    }
    im_client_destroy (&client);
    imh_destroy (&h);
    return rc;
}

int
main (int argc, char *argv [])
{
    int rounds = 3, window_ms = 5000;
    for (int arg = 1; arg + 1 < argc; arg += 2) {
        if (streq (argv [arg], "--rounds"))
            rounds = atoi (argv [arg + 1]);
        else
        if (streq (argv [arg], "--window"))
            window_ms = atoi (argv [arg + 1]);
    }
    if (rounds < 1 || window_ms < 100) {
        fprintf (stderr, "usage: imq-bench-remove-leader [--rounds N] "
                 "[--window MS (>= 100)]\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    int failed = 0;
    for (int round = 1; round <= rounds; round++) {
        failed += s_round (round, true, window_ms) != 0;
        failed += s_round (round, false, window_ms) != 0;
    }
    return failed ? 1 : 0;
}
