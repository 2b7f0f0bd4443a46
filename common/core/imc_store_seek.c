/*  imc_store_seek - the first event of a time, found without a scan

    An export from a time (imqctl events --since 2h) must not read the
    whole log to find where to start. Events are keyed by seq, and seq
    order is nearly time order: every event carries the stamp its
    leader gave its command, and only a failover to a node whose clock
    is behind sets the stamps back, by that much. So the seqs are
    bisected, a point read of one event each step (log2 of the log's
    length), and the caller asks for its time less the skew it allows.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "im_error.h"
#include "im_event.h"
#include "imc_store.h"

//  Stores the time of the first event the scan passes; stops at once
static int
s_first_ts (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    uint64_t *ts = (uint64_t *) arg;
    im_event_t *event = im_event_new ();
    if (!event)
        return IM_ENOMEM;
    if (im_event_decode (event, data, size, NULL, 0) == 0)
        *ts = event->ts_ms;
    im_event_destroy (&event);
    return 1;
}

int
imc_store_events_seek_time (imc_store_t *self, uint64_t ts_ms,
                            uint64_t *seq)
{
    assert (self && seq);
    uint64_t last = 0;
    int rc = imc_store_meta_get (self, IM_META_LAST_SEQ, &last);
    uint64_t low = 1, high = last + 1;
    while (rc == 0 && low < high) {
        uint64_t middle = low + (high - low) / 2;
        //  The first event at or after middle; none (or one that does
        //  not decode) counts as late enough
        uint64_t ts = UINT64_MAX;
        rc = imc_store_events_scan (self, middle, 1, s_first_ts, &ts);
        rc = rc == 1 ? 0 : rc;
        if (ts >= ts_ms)
            high = middle;
        else
            low = middle + 1;
    }
    *seq = low;
    return rc;
}
