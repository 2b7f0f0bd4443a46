/*  test_imc_store_crash - what a store keeps when its process dies

    The store has no WAL: the Raft log is the record of what was
    committed, and a restart applies again every entry above
    meta.applied. So a process that dies must leave the store at the
    end of some whole entry, never with one column family ahead of
    another, and with at least everything imc_store_sync made durable.
    A child process writes and dies without closing the store, as a
    SIGKILL leaves it; the parent opens what is left. The child is
    forked before this process touches RocksDB, whose thread pools do
    not survive a fork.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <czmq.h>

#include "im_error.h"
#include "im_fields.h"
#include "imc_store.h"

//  One entry as the state machine writes it: its event, the applied
//  index and a consumer offset, in one batch. Returns 0 or a code.
static int
s_entry (imc_store_t *store, uint64_t seq, bool sync)
{
    imc_store_batch_t *batch = imc_store_batch_new (store);
    if (!batch)
        return IM_ENOMEM;
    char body [32];
    snprintf (body, sizeof body, "event %llu", (unsigned long long) seq);
    imc_store_batch_put_event (batch, seq, seq - 1, body, strlen (body));
    imc_store_batch_put_meta (batch, IM_META_APPLIED, seq);
    imc_store_batch_put_offset (batch, "sla", seq);
    return imc_store_batch_commit (store, &batch, sync);
}

static void
test_a_crash_keeps_synced_entries_whole_and_loses_the_rest (void **state)
{
    (void) state;
    const char *base = getenv ("IM_TEST_TMPDIR");
    char dir [512];
    snprintf (dir, sizeof dir, "%s/imc_store_crash.XXXXXX",
              base && *base ? base : "/tmp");
    zsys_dir_create ("%s", base && *base ? base : "/tmp");
    assert_non_null (mkdtemp (dir));
    char path [600];
    snprintf (path, sizeof path, "%s/store", dir);

    //  Three entries: the first synced, the second synced, the third
    //  not; then the process ends without closing anything
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        imc_store_t *store = imc_store_new (path, NULL, NULL, 0);
        if (!store || s_entry (store, 1, true) || s_entry (store, 2, true)
        ||  s_entry (store, 3, false))
            _exit (2);
        _exit (0);
    }
    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);

    char errbuf [512] = "";
    imc_store_t *store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (store);
    char *data = NULL;
    size_t size = 0;
    for (uint64_t seq = 1; seq <= 2; seq++) {
        assert_int_equal (imc_store_event_get (store, seq, &data, &size), 0);
        free (data);
    }
    assert_int_equal (imc_store_event_get (store, 3, &data, &size),
                      IM_ENOTFOUND);
    //  Every family stopped at the same entry: the last one synced
    uint64_t applied = 0, offset = 0;
    assert_int_equal (imc_store_meta_get (store, IM_META_APPLIED, &applied),
                      0);
    assert_int_equal (applied, 2);
    assert_int_equal (imc_store_offset_get (store, "sla", &offset), 0);
    assert_int_equal (offset, 2);
    imc_store_destroy (&store);
    zdir_t *tree = zdir_new (dir, NULL);
    if (tree)
        zdir_remove (tree, true);
    zdir_destroy (&tree);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (
            test_a_crash_keeps_synced_entries_whole_and_loses_the_rest),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
