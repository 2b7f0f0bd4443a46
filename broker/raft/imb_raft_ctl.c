/*  imb_raft_ctl - requests to Raft itself: barriers and membership

    A barrier is a Raft entry that carries no command: when libraft says
    it was applied, every entry committed before it was handed to the
    state machine, so a read made after its result comes back sees every
    write acknowledged before the read was asked (a linearizable read).

    Adding a node follows libraft's order: it joins as a spare, then is
    promoted to voter, which libraft does only after the new node caught
    up with the log, so a slow new node never weakens the quorum.

    A change is checked against the configuration the leader has (the
    latest, committed or not) before libraft is asked, so a refusal
    names what is in the way; IMB_RAFT_ADD_CHECK is that check alone,
    made before a CLUSTER-ADD records anything in the log.

    A leader asked to remove itself hands leadership to the most
    up-to-date voter first and answers "not the leader" (421): the
    client sends the removal again to the new leader, which removes it
    as any follower. libraft would remove a leader too, but the leader
    then just steps down and the others wait out an election timeout
    before one of them leads: about 1.1 s without writes here, against
    about 0.2 s for a transfer. Only when no voter took over does the
    leader remove itself.
*/
#include "imb_classes.h"
#include "imb_raft_ctl.h"

struct _imb_raft_ctl_t {
    imb_raft_ctl_kind_t kind;       //  What is asked
    uint64_t token;                 //  Whose answer it is
    uint64_t node_id;               //  The node concerned, or 0
    char address [256];             //  Its Raft address (ADD)
    struct raft *raft;              //  Started on, borrowed
    imb_raft_ctl_done_fn *done;     //  Told the outcome
    void *arg;                      //  Its argument
    struct raft_barrier barrier;    //  libraft's requests, one in use
    struct raft_change change;
    struct raft_transfer transfer;
};

imb_raft_ctl_t *
imb_raft_ctl_new (imb_raft_ctl_kind_t kind, uint64_t token, uint64_t node_id,
                  const char *address)
{
    imb_raft_ctl_t *self = (imb_raft_ctl_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->kind = kind;
    self->token = token;
    self->node_id = node_id;
    snprintf (self->address, sizeof self->address, "%s",
              address ? address : "");
    return self;
}

void
imb_raft_ctl_destroy (imb_raft_ctl_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

//  The client dialog's status for a libraft code
static int
s_status (int rc)
{
    switch (rc) {
        case 0:
            return IM_PROTO_OK;
        case RAFT_NOTLEADER:
        case RAFT_LEADERSHIPLOST:
            return IM_PROTO_NOT_LEADER;
        case RAFT_BADID:
        case RAFT_NOTFOUND:
            return IM_PROTO_NOT_FOUND;
        case RAFT_DUPLICATEID:
        case RAFT_DUPLICATEADDRESS:
        case RAFT_BADROLE:
        case RAFT_CANTCHANGE:
            return IM_PROTO_CONFLICT;
        default:
            return IM_PROTO_UNAVAILABLE;
    }
}

//  Reports the outcome (text, else libraft's words for rc) and frees
//  the request
static void
s_finish (imb_raft_ctl_t *self, int rc, const char *text)
{
    char reason [300];
    snprintf (reason, sizeof reason, "%s", text ? text
                                    : rc ? raft_strerror (rc) : "done");
    self->done (self->arg, self->token, s_status (rc), reason);
    imb_raft_ctl_destroy (&self);
}

//  Checks the change asked against the configuration the leader has.
//  Returns 0, or a libraft code with the reason in text.
static int
s_check (imb_raft_ctl_t *self, char *text, size_t size)
{
    const struct raft_configuration *configuration =
        &self->raft->configuration;
    const struct raft_server *named = NULL;
    const struct raft_server *at = NULL;
    unsigned voters = 0;
    for (unsigned index = 0; index < configuration->n; index++) {
        const struct raft_server *server = &configuration->servers [index];
        if (server->id == self->node_id)
            named = server;
        else
        if (streq (server->address, self->address))
            at = server;
        voters += server->role == RAFT_VOTER;
    }
    if (self->raft->state != RAFT_LEADER) {
        snprintf (text, size, "this node no longer leads");
        return RAFT_NOTLEADER;
    }
    if (self->kind == IMB_RAFT_TRANSFER && self->node_id == 0)
        return 0;                   //  Any voter
    if (self->kind == IMB_RAFT_TRANSFER && self->node_id == self->raft->id) {
        snprintf (text, size, "node %" PRIu64 " leads already",
                  self->node_id);
        return RAFT_BADROLE;
    }
    if (self->kind != IMB_RAFT_TRANSFER
    &&  self->raft->configuration_uncommitted_index != 0) {
        snprintf (text, size, "another membership change is under way; "
                  "retry once it is done");
        return RAFT_CANTCHANGE;
    }
    bool named_only = self->kind == IMB_RAFT_REMOVE
                   || self->kind == IMB_RAFT_TRANSFER;
    if (named_only && !named) {
        snprintf (text, size, "node %" PRIu64 " is not a member",
                  self->node_id);
        return RAFT_BADID;
    }
    if (self->kind == IMB_RAFT_TRANSFER && named->role != RAFT_VOTER) {
        snprintf (text, size, "node %" PRIu64 " is not a voter yet; "
                  "leadership goes to voters only", self->node_id);
        return RAFT_BADROLE;
    }
    if (self->kind == IMB_RAFT_REMOVE && named->role == RAFT_VOTER
    &&  voters == 1) {
        snprintf (text, size, "node %" PRIu64 " is the last voter: "
                  "removing it would leave no cluster", self->node_id);
        return RAFT_CANTCHANGE;
    }
    if (!named_only && named) {
        snprintf (text, size, "node %" PRIu64 " is already a member "
                  "(raft %.200s); remove it first to add it again",
                  self->node_id, named->address);
        return RAFT_DUPLICATEID;
    }
    if (!named_only && at) {
        snprintf (text, size, "raft address %.200s is already used by "
                  "node %" PRIu64, self->address, (uint64_t) at->id);
        return RAFT_DUPLICATEADDRESS;
    }
    return 0;
}

static void
s_barrier_done (struct raft_barrier *request, int status)
{
    s_finish ((imb_raft_ctl_t *) request->data, status, NULL);
}

static void
s_assigned (struct raft_change *request, int status)
{
    s_finish ((imb_raft_ctl_t *) request->data, status,
              status ? NULL : "added as voter");
}

static void
s_added (struct raft_change *request, int status)
{
    imb_raft_ctl_t *self = (imb_raft_ctl_t *) request->data;
    int rc = status;
    if (rc == 0)
        rc = raft_assign (self->raft, &self->change, self->node_id,
                          RAFT_VOTER, s_assigned);
    if (rc)
        s_finish (self, rc, NULL);
}

static void
s_removed (struct raft_change *request, int status)
{
    s_finish ((imb_raft_ctl_t *) request->data, status,
              status ? NULL : "removed");
}

//  The node that leads after a transfer, or 0 when it is still this one
//  or none is known. libraft calls back when the target leads or the
//  election timeout passed: only the leader it sees now tells which.
static uint64_t
s_new_leader (imb_raft_ctl_t *self)
{
    raft_id leader = 0;
    const char *address = NULL;
    raft_leader (self->raft, &leader, &address);
    return leader != self->raft->id ? (uint64_t) leader : 0;
}

//  A leader that is to be removed handed leadership on, or tried to
static void
s_moved (struct raft_transfer *request)
{
    imb_raft_ctl_t *self = (imb_raft_ctl_t *) request->data;
    uint64_t leader = s_new_leader (self);
    if (leader) {
        char text [128];
        snprintf (text, sizeof text, "leadership moved to node %" PRIu64
                  " first; send the removal to it", leader);
        s_finish (self, RAFT_LEADERSHIPLOST, text);
        return;
    }
    //  No voter took over: this node removes itself and steps down
    int rc = self->raft->state == RAFT_LEADER
           ? raft_remove (self->raft, &self->change, self->node_id,
                          s_removed)
           : RAFT_NOTLEADER;
    if (rc)
        s_finish (self, rc, NULL);
}

static void
s_transferred (struct raft_transfer *request)
{
    imb_raft_ctl_t *self = (imb_raft_ctl_t *) request->data;
    uint64_t leader = s_new_leader (self);
    if (leader && (self->node_id == 0 || leader == self->node_id))
        s_finish (self, 0, "leadership transferred");
    else
        s_finish (self, RAFT_CANCELED, "leadership did not move within "
                  "an election timeout");
}

//  Checks the request and asks libraft for it
static void
s_begin (imb_raft_ctl_t *self)
{
    struct raft *raft = self->raft;
    int rc = RAFT_INVALID;
    char text [300];
    if (self->kind != IMB_RAFT_BARRIER) {
        rc = s_check (self, text, sizeof text);
        if (rc || self->kind == IMB_RAFT_ADD_CHECK) {
            s_finish (self, rc, rc ? text : "may be added");
            return;
        }
    }
    if (self->kind == IMB_RAFT_BARRIER)
        rc = raft_barrier (raft, &self->barrier, s_barrier_done);
    else
    if (self->kind == IMB_RAFT_ADD)
        rc = raft_add (raft, &self->change, self->node_id, self->address,
                       s_added);
    else
    if (self->kind == IMB_RAFT_REMOVE && self->node_id == raft->id)
        rc = raft_transfer (raft, &self->transfer, 0, s_moved);
    else
    if (self->kind == IMB_RAFT_REMOVE)
        rc = raft_remove (raft, &self->change, self->node_id, s_removed);
    else
    if (self->kind == IMB_RAFT_TRANSFER)
        rc = raft_transfer (raft, &self->transfer, self->node_id,
                            s_transferred);
    if (rc)
        s_finish (self, rc, NULL);
}

//  The configuration the leader holds is committed now, unless another
//  change came after it
static void
s_settled (struct raft_barrier *request, int status)
{
    imb_raft_ctl_t *self = (imb_raft_ctl_t *) request->data;
    if (status)
        s_finish (self, status, NULL);
    else
        s_begin (self);
}

void
imb_raft_ctl_start (imb_raft_ctl_t **self_p, struct raft *raft,
                    imb_raft_ctl_done_fn *done, void *arg)
{
    assert (self_p && *self_p && raft && done);
    imb_raft_ctl_t *self = *self_p;
    *self_p = NULL;
    self->raft = raft;
    self->done = done;
    self->arg = arg;
    self->barrier.data = self;
    self->change.data = self;
    self->transfer.data = self;
    //  A leader holds a configuration it has not seen committed yet when
    //  its predecessor's change was under way (as after the removal of
    //  a leader): a barrier, an entry of this term, commits it first
    if (self->kind != IMB_RAFT_BARRIER && self->kind != IMB_RAFT_TRANSFER
    &&  raft->state == RAFT_LEADER
    &&  raft->configuration_uncommitted_index != 0) {
        int rc = raft_barrier (raft, &self->barrier, s_settled);
        if (rc)
            s_finish (self, rc, NULL);
        return;
    }
    s_begin (self);
}
