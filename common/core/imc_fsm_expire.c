/*  imc_fsm_expire - request results past their retention, removed

    Every command with a request id leaves its result in the store, so
    that a retry is answered with the first answer. Kept for ever, those
    results grew the store by one key per distinct alert or request. At
    the end of each entry the oldest results go: those stored longer ago
    than the policy's request_retention before the entry's time, and
    the oldest beyond request_results_max. The entry's time is the
    leader's stamp on its commands, the results are read in the order
    they were stored (docs/storage.md section 2.4), and the policy is the
    replicated one, so every node removes the same results at the same
    entry. An entry removes at most a bounded number (twice what it
    added, plus some), so expiry keeps up with any load and no entry is
    slowed by a backlog; a backlog (a smaller window just applied) goes
    over the following entries.

    Two values spare the scan work, and both must be exact, or a node
    that restarted (and starts without them) would remove other results
    than one that did not: expire_from_ms is at or before the time of
    every result stored (a scan may start there), and oldest_ms is the
    time of the oldest one (when it is not due, there is no scan).
*/
#include <stdbool.h>
#include <stdint.h>

#include "imc_store.h"
#include "imc_fsm.h"
#include "imc_fsm_private.h"

#define S_EXPIRE_BASE   64          //  Removed per entry beyond twice
                                    //  what the entry added

typedef struct {
    imc_fsm_t *fsm;                 //  Whose results
    imc_store_batch_t *batch;       //  Where the removals go
    bool by_age;                    //  The policy limits results' age
    uint64_t cutoff_ms;             //  Then this old or older expires
    size_t budget;                  //  Removals left for this entry
    uint64_t stopped_ms;            //  Time of the result the scan
                                    //  stopped at: the oldest kept
} s_expiry_t;

static int
s_expire_one (uint64_t ts_ms, const char *key, size_t key_size, void *arg)
{
    s_expiry_t *expiry = (s_expiry_t *) arg;
    imc_fsm_t *self = expiry->fsm;
    uint64_t max = self->policy.request_results_max;
    bool old = expiry->by_age && ts_ms <= expiry->cutoff_ms;
    bool over = max && self->requests_count > max;
    if (expiry->budget == 0 || (!old && !over)) {
        expiry->stopped_ms = ts_ms;
        return 1;                   //  Done for this entry
    }
    imc_store_batch_delete_request (expiry->batch, key, key_size, ts_ms);
    self->requests_count--;
    self->expire_from_ms = ts_ms;
    expiry->budget--;
    return 0;
}

int
imc_fsm_expire_requests (imc_fsm_t *self, imc_store_batch_t *batch,
                         uint64_t now_ms)
{
    uint64_t retention = self->policy.request_retention_ms;
    uint64_t max = self->policy.request_results_max;
    //  Kept while younger than the retention, removed at it
    s_expiry_t expiry = {
        self, batch, retention && now_ms >= retention,
        now_ms - retention, 2 * self->entry_added + S_EXPIRE_BASE, UINT64_MAX
    };
    //  When the time of the oldest result stored is known and nothing
    //  is due, the scan would stop at its first result: it is skipped
    bool over = max && self->requests_count > max;
    bool due = expiry.by_age && self->oldest_ms <= expiry.cutoff_ms;
    if (!self->oldest_known || over || due) {
        //  Results older than expire_from_ms were all removed: the scan
        //  starts there and does not walk their tombstones
        int rc = imc_store_request_times_scan (
            self->store, self->expire_from_ms, s_expire_one, &expiry);
        if (rc < 0)
            return rc;
        self->oldest_ms = expiry.stopped_ms;    //  UINT64_MAX: none left
        self->oldest_known = true;
    }
    //  What this entry stored is in the store from now on. A leader's
    //  clock may be behind the last one's, so it may be older than what
    //  the scan removed: the next scan must start at or before it too
    if (self->entry_oldest_ms < self->oldest_ms)
        self->oldest_ms = self->entry_oldest_ms;
    if (self->entry_oldest_ms < self->expire_from_ms)
        self->expire_from_ms = self->entry_oldest_ms;
    return 0;
}
