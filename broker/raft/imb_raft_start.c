/*  imb_raft_start - starts libraft on the Raft thread: its TCP
    transport bound to the cluster address, its disk I/O paced by the
    state machine (imb_raft_pace), the bootstrap configuration
*/
#include "imb_raft_private.h"

static size_t
s_backlog (void *applier)
{
    return imb_applier_backlog ((imb_applier_t *) applier);
}

//  libraft's disk append, paced: libraft's io data is the raft instance,
//  whose data is us
static int
s_io_append (struct raft_io *io, struct raft_io_append *req,
             const struct raft_entry entries [], unsigned n,
             raft_io_append_cb cb)
{
    imb_raft_t *self = (imb_raft_t *) ((struct raft *) io->data)->data;
    return imb_raft_pace_append (self->pace, io, req, entries, n, cb);
}

//  libraft's connect, with the bound on retransmissions (imb_raft_tcp):
//  the transport is a member of us
static int
s_tcp_connect (struct raft_uv_transport *transport,
               struct raft_uv_connect *req, raft_id id, const char *address,
               raft_uv_connect_cb cb)
{
    imb_raft_t *self = (imb_raft_t *) ((char *) transport
                                       - offsetof (imb_raft_t, transport));
    return imb_raft_tcp_connect (self->tcp, transport, req, id, address, cb);
}

int
imb_raft_start (imb_raft_t *self)
{
    const im_config_t *config = &self->config;
    char raft_dir [IM_CONFIG_PATH_MAX + 8];
    snprintf (raft_dir, sizeof raft_dir, "%s/raft", config->data_dir);
    if (zsys_dir_create ("%s", raft_dir)) {
        snprintf (self->start_error, sizeof self->start_error,
                  "cannot create %s: %s", raft_dir, strerror (errno));
        return RAFT_IOERR;
    }
    int rc = raft_uv_tcp_init (&self->transport, &self->loop);
    if (rc == 0)
        rc = raft_uv_tcp_set_bind_address (&self->transport,
                                           config->raft_address);
    if (rc == 0) {
        self->tcp = imb_raft_tcp_new (&self->transport, &self->loop,
                                      RAFT_RTO_MAX_MS, RAFT_CONNECT_MS);
        if (self->tcp)
            imb_raft_tcp_install (self->tcp, s_tcp_connect);
        else
            rc = RAFT_NOMEM;
    }
    if (rc == 0)
        rc = raft_uv_init (&self->io, &self->loop, raft_dir, &self->transport);
    //  libraft 0.15's raft_uv_init provides async_work (the snapshots'
    //  thread pool work) but still says version 1, which raft_init
    //  refuses with snapshot_async; upstream set it to 2 later
    if (rc == 0 && self->io.version < 2 && self->io.async_work)
        self->io.version = 2;
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft I/O in %s: %s", raft_dir,
                  *self->io.errmsg ? self->io.errmsg : raft_strerror (rc));
        return rc;
    }
    //  libraft's own I/O goes under the log guard, which records how far
    //  the log reached and keeps a node that lost entries from voting
    self->guard = imb_log_guard_new (&self->loop, &self->io,
                                     config->data_dir, config->node_id,
                                     self->start_error,
                                     sizeof self->start_error);
    if (!self->guard)
        return RAFT_IOERR;
    struct raft_io *io = imb_log_guard_io (self->guard);
    self->pace = imb_raft_pace_new (&self->loop, io, s_backlog,
                                    self->applier, STORED_BACKLOG);
    if (!self->pace) {
        snprintf (self->start_error, sizeof self->start_error,
                  "out of memory");
        return RAFT_NOMEM;
    }
    imb_raft_pace_install (self->pace, s_io_append);
    imb_raft_fsm_init (self);
    rc = raft_init (&self->raft, io, &self->raft_fsm, config->node_id,
                    config->raft_address);
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_init: %s", raft_errmsg (&self->raft));
        return rc;
    }
    self->raft.data = self;
    self->raft_started = true;
    //  Every node of a new cluster bootstraps the same configuration:
    //  the members listed, all voters (or this node alone)
    struct raft_configuration configuration;
    raft_configuration_init (&configuration);
    //  A node that joins a running cluster bootstraps nothing: the
    //  leader sends it the configuration when it is added
    if (config->members_n == 0 && !config->join)
        rc = raft_configuration_add (&configuration, config->node_id,
                                     config->raft_address, RAFT_VOTER);
    for (size_t index = 0; index < config->members_n && rc == 0
                           && !config->join; index++)
        rc = raft_configuration_add (&configuration,
                                     config->members [index].id,
                                     config->members [index].raft,
                                     RAFT_VOTER);
    if (rc == 0 && !config->join) {
        rc = raft_bootstrap (&self->raft, &configuration);
        if (rc == RAFT_CANTBOOTSTRAP)
            rc = 0;                 //  Bootstrapped on an earlier start
    }
    raft_configuration_close (&configuration);
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_bootstrap: %s", raft_errmsg (&self->raft));
        return rc;
    }
    raft_set_pre_vote (&self->raft, true);
    raft_set_election_timeout (&self->raft, config->election_timeout_ms);
    raft_set_heartbeat_timeout (&self->raft, config->heartbeat_ms);
    raft_set_snapshot_threshold (&self->raft, config->snapshot_threshold);
    raft_set_snapshot_trailing (&self->raft, config->snapshot_trailing);
    //  A snapshot is a manifest of a few hundred bytes (the store comes
    //  as a checkpoint, out of band), so a leader that heard nothing
    //  back for a few election timeouts sends it again. libraft's own
    //  30 s held a follower still for that long when it restarted to
    //  install a checkpoint before it answered the snapshot.
    unsigned install_ms = 3 * config->election_timeout_ms;
    raft_set_install_snapshot_timeout (&self->raft, install_ms > 2000
                                                    ? install_ms : 2000);
    rc = raft_start (&self->raft);
    if (rc == RAFT_IOERR) {
        //  libraft says RAFT_IOERR with no detail when the port is taken
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_start: %s %s(is the raft address %s already in "
                  "use?)", raft_strerror (rc), raft_errmsg (&self->raft),
                  config->raft_address);
        return rc;
    }
    if (rc) {
        snprintf (self->start_error, sizeof self->start_error,
                  "raft_start: %s", raft_errmsg (&self->raft));
        return rc;
    }
    return 0;
}
