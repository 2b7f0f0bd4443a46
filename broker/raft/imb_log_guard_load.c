/*  imb_log_guard_load - the check of the log libraft loads

    Before libraft reads its segments they are scanned (imb_log_scan),
    so that what it would load wrong is set aside; after it read them,
    the index the log ends at (its last entry, or its snapshot) is
    compared with the mark. A log that ends before the mark lost
    entries this node had told a leader it stored. A log with no mark
    yet (a node that ran an imq without it) is taken as it is, unless
    the scan found damage: then it must reach past the entries the scan
    saw after the damage. The node then repairs (imb_log_guard.c),
    unless it is the only voter of the configuration it loaded: no one
    could send the entries back, and libraft would make it leader at
    once, so it does not start.
*/
#include "imb_log_guard_private.h"

//  Counts the voters of an encoded configuration (libraft's layout:
//  format 1, a little-endian u64 count, then per server a u64 id, its
//  NUL-ended address and a role octet); *me says whether id is one of
//  them. Returns the count, or -1 when the bytes do not read as one.
static int
s_voters_encoded (const uint8_t *data, size_t size, uint64_t id, bool *me)
{
    if (size < 9 || data [0] != 1)
        return -1;
    uint64_t count = im_get_le (data + 1, 8);
    size_t offset = 9;
    int voters = 0;
    for (uint64_t server = 0; server < count; server++) {
        if (offset + 8 > size)
            return -1;
        uint64_t server_id = im_get_le (data + offset, 8);
        offset += 8;
        const uint8_t *end = (const uint8_t *) memchr (data + offset, 0,
                                                       size - offset);
        if (!end || (size_t) (end - data) + 2 > size)
            return -1;
        offset = (size_t) (end - data) + 1;
        if (data [offset++] == RAFT_VOTER) {
            voters++;
            *me |= server_id == id;
        }
    }
    return voters;
}

//  True when this node is the only voter of the last configuration the
//  load found (the last configuration entry, else the snapshot's)
static bool
s_sole_voter (imb_log_guard_t *self, const struct raft_snapshot *snapshot,
              raft_index start_index, const struct raft_entry *entries,
              size_t count)
{
    bool me = false;
    for (size_t index = count; index > 0; index--) {
        const struct raft_entry *entry = &entries [index - 1];
        if (entry->type != RAFT_CHANGE)
            continue;
        if (snapshot
        &&  start_index + index - 1 < snapshot->configuration_index)
            break;                  //  The snapshot's is newer
        int voters = s_voters_encoded ((const uint8_t *) entry->buf.base,
                                       entry->buf.len, self->node_id, &me);
        //  Unreadable: as if alone, which refuses rather than risks
        return voters < 0 || (voters == 1 && me);
    }
    if (!snapshot)
        return false;               //  No configuration: libraft does
                                    //  not elect itself
    int voters = 0;
    for (unsigned index = 0; index < snapshot->configuration.n; index++) {
        const struct raft_server *server =
            &snapshot->configuration.servers [index];
        if (server->role == RAFT_VOTER) {
            voters++;
            me |= server->id == self->node_id;
        }
    }
    return voters == 1 && me;
}

//  Frees what libraft's load handed over, when we refuse it
static void
s_free_loaded (struct raft_snapshot **snapshot, struct raft_entry **entries,
               size_t *count)
{
    void *batch = NULL;
    for (size_t index = 0; *entries && index < *count; index++)
        if ((*entries) [index].batch != batch) {
            batch = (*entries) [index].batch;
            raft_free (batch);
        }
    raft_free (*entries);
    *entries = NULL;
    *count = 0;
    if (*snapshot) {
        raft_configuration_close (&(*snapshot)->configuration);
        for (unsigned index = 0; index < (*snapshot)->n_bufs; index++)
            raft_free ((*snapshot)->bufs [index].base);
        raft_free ((*snapshot)->bufs);
        raft_free (*snapshot);
        *snapshot = NULL;
    }
}

int
imb_log_guard_load (struct raft_io *io, raft_term *term, raft_id *voted_for,
                    struct raft_snapshot **snapshot, raft_index *start_index,
                    struct raft_entry *entries [], size_t *n_entries)
{
    imb_log_guard_t *self = (imb_log_guard_t *) io->impl;
    char raft_dir [IM_CONFIG_PATH_MAX + 16], aside [IM_CONFIG_PATH_MAX + 16];
    snprintf (raft_dir, sizeof raft_dir, "%s/raft", self->data_dir);
    snprintf (aside, sizeof aside, "%s/raft-damaged", self->data_dir);
    imb_log_scan_t scan;
    if (imb_log_scan (raft_dir, aside, &scan)) {
        snprintf (io->errmsg, sizeof io->errmsg, "%.250s", scan.detail);
        return RAFT_IOERR;
    }
    if (scan.damaged)
        zsys_warning ("imb_log_guard: damaged Raft segment: %s",
                      scan.detail);
    int rc = self->inner->load (self->inner, term, voted_for, snapshot,
                                start_index, entries, n_entries);
    if (rc) {
        memcpy (io->errmsg, self->inner->errmsg, sizeof io->errmsg);
        return rc;
    }
    uint64_t last = *n_entries ? *start_index + *n_entries - 1 : 0;
    if (*snapshot && (*snapshot)->index > last)
        last = (*snapshot)->index;
    self->next_index = *start_index + *n_entries;
    self->durable = last;
    bool found = imb_log_mark_found (self->mark);
    uint64_t mark_term = imb_log_mark_term (self->mark);
    if (mark_term > *term) {
        //  libraft's metadata lost a term this node made current, and
        //  perhaps voted in: it keeps that term, its vote given
        zsys_warning ("imb_log_guard: libraft's metadata say term %" PRIu64
                      ", the log mark %" PRIu64 ": this node takes term %"
                      PRIu64 " as one it voted in", (uint64_t) *term,
                      mark_term, mark_term);
        *term = mark_term;
        *voted_for = self->node_id;
    }
    else
    if (mark_term < *term && imb_log_mark_write_term (self->mark, *term)) {
        s_free_loaded (snapshot, entries, n_entries);
        snprintf (io->errmsg, sizeof io->errmsg,
                  "cannot write the log mark in %.200s", self->data_dir);
        return RAFT_IOERR;
    }
    self->start_term = *term;
    uint64_t mark = imb_log_mark_index (self->mark);
    uint64_t reach = found && mark > last ? mark
                   : !found && scan.damaged
                   ? last + (scan.entries_after ? scan.entries_after : 1) : 0;
    if (!reach) {
        if (!found)
            zsys_info ("imb_log_guard: no log mark in %s yet: it starts at "
                       "index %" PRIu64, self->data_dir, last);
        if ((!found || mark < last) && imb_log_mark_write (self->mark, last)) {
            s_free_loaded (snapshot, entries, n_entries);
            snprintf (io->errmsg, sizeof io->errmsg,
                      "cannot write the log mark in %.200s", self->data_dir);
            return RAFT_IOERR;
        }
        return 0;
    }
    self->repairing = true;
    self->lost_from = last + 1;
    self->lost_to = reach;
    if (!found)
        imb_log_mark_write (self->mark, reach);
    char what [600];
    snprintf (what, sizeof what, "its log ends at index %" PRIu64 ", %s "
              "%" PRIu64 "; %s", last,
              found ? "the log mark says it held" : "the scan saw entries to",
              reach, scan.damaged ? scan.detail
                                  : "no damaged segment is left to show "
                                    "where they went");
    if (s_sole_voter (self, *snapshot, *start_index, *entries, *n_entries)) {
        s_free_loaded (snapshot, entries, n_entries);
        zsys_error ("imb_log_guard: this node's Raft log lost entries %"
                    PRIu64 " .. %" PRIu64 " that it had stored (%s). It is "
                    "the only voter, so no other node can send them back",
                    self->lost_from, self->lost_to, what);
        snprintf (io->errmsg, sizeof io->errmsg,
                  "the Raft log lost entries %" PRIu64 " .. %" PRIu64
                  " it had stored, and no other voter can send them back: "
                  "restore the data directory from a backup",
                  self->lost_from, self->lost_to);
        return RAFT_CORRUPT;
    }
    zsys_error ("imb_log_guard: this node's Raft log lost entries %" PRIu64
                " .. %" PRIu64 " that it had stored (%s): it will not vote "
                "or lead until the leader has sent them back",
                self->lost_from, self->lost_to, what);
    return 0;
}
