/*  imq_replay_main - imq-replay: what a data directory holds, read
    offline, and whether every projection folds again from its events

    Usage: imq-replay DATA_DIR

    Needs no broker: it opens DATA_DIR/store read-only (a stopped
    node's directory, or a copy of a running one's). Prints the counts
    of imq_replay_counts_t, one "name value" per line so that scripts
    and tests can read them. Exits 0 when every event decodes, every
    event is in a chain and every projection equals its fold; 1 when
    something disagrees (said on stderr); 2 when the store could not
    be read.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "im_error.h"
#include "im_log.h"
#include "im_util.h"
#include "imc_store.h"
#include "imq_replay.h"

int
main (int argc, char **argv)
{
    im_log_set_ident ("imq-replay");
    if (argc != 2 || streq (argv [1], "-h") || streq (argv [1], "--help")) {
        fprintf (stderr, "usage: imq-replay DATA_DIR\n"
                 "  reads DATA_DIR/store (read-only), counts what it "
                 "holds and folds\n  every incident again from its "
                 "events\n");
        return 2;
    }
    imq_replay_counts_t counts;
    char errbuf [512] = "";
    int rc = imq_replay_run (argv [1], &counts, errbuf, sizeof errbuf);
    if (rc) {
        fprintf (stderr, "imq-replay: %s: %s (%s)\n", argv [1], errbuf,
                 im_strerror (rc));
        return 2;
    }
    printf ("schema %d\n", IMC_STORE_SCHEMA);
    printf ("applied %" PRIu64 "\n", counts.applied);
    printf ("last_seq %" PRIu64 "\n", counts.last_seq);
    printf ("next_incident %" PRIu64 "\n", counts.next_id);
    printf ("events %" PRIu64 "\n", counts.events);
    for (int type = 1; type < IM_EV_MAX; type++)
        if (counts.by_type [type])
            printf ("events.%s %" PRIu64 "\n",
                    im_event_type_name ((im_event_type_t) type),
                    counts.by_type [type]);
    printf ("events_unreadable %" PRIu64 "\n", counts.unreadable);
    printf ("events_chained %" PRIu64 "\n", counts.chained);
    printf ("incidents %" PRIu64 "\n", counts.incidents);
    for (int status = 1; status < IM_STATUS_MAX; status++)
        if (counts.by_status [status])
            printf ("incidents.%s %" PRIu64 "\n",
                    im_status_name ((im_status_t) status),
                    counts.by_status [status]);
    printf ("projections_rebuilt %" PRIu64 "\n", counts.rebuilt);
    printf ("projections_differ %" PRIu64 "\n", counts.differ);
    printf ("requests %" PRIu64 "\n", counts.requests);
    printf ("offsets %" PRIu64 "\n", counts.offsets);

    int status = 0;
    if (counts.differ) {
        fprintf (stderr, "imq-replay: %" PRIu64 " projections differ from "
                 "the fold of their events, the first incident %" PRIu64
                 "\n", counts.differ, counts.first_differ);
        status = 1;
    }
    if (counts.unreadable) {
        fprintf (stderr, "imq-replay: %" PRIu64 " events do not decode\n",
                 counts.unreadable);
        status = 1;
    }
    if (counts.chained != counts.events || counts.max_seq != counts.last_seq) {
        fprintf (stderr, "imq-replay: %" PRIu64 " events stored, %" PRIu64
                 " reached through chains; highest seq %" PRIu64
                 ", meta last_seq %" PRIu64 "\n", counts.events,
                 counts.chained, counts.max_seq, counts.last_seq);
        status = 1;
    }
    return status;
}
