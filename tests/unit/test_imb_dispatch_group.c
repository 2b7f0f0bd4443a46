/*  test_imb_dispatch_group - one consumer group: per-incident order,
    credit, the acknowledgement ring, redelivery

    The group runs against a real RocksDB in a temp directory, filled
    with events by the real state machine, and sends on a real ROUTER
    to DEALERs that stand for worker instances (inproc: what the group
    sent is readable as soon as its call returns, so "nothing more was
    delivered" is checked exactly, without waiting). Every DELIVER an
    instance receives is checked against a model of what the group must
    do: the bytes are the stored event; an incident's events are never
    at two instances at once and go out in seq order; no instance holds
    more than its credit; the offset is the end of the acknowledged
    prefix; and nothing that could go out is left behind.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"

#define S_WORKERS   4               //  DEALERs standing for instances
#define S_ENTRY_MAX 256             //  Commands per Raft entry in fills
#define S_EXPIRY    3000            //  Expiry interval used, ms
#define S_RING      IMB_DISPATCH_GROUP_RING
#define S_WAITING   IMB_DISPATCH_GROUP_WAITING_MAX

typedef struct {
    zsock_t *dealer;                //  The instance's socket, owned
    zframe_t *routing;              //  Its id as the ROUTER sees it, owned
    char *peer;                     //  That id in hex, owned
    char name [16];                 //  Instance name
    bool member;                    //  Joined the group and not gone
    uint32_t credit;                //  Credit the group must give it
    uint32_t held;                  //  Events it holds
    uint64_t last_seen;             //  When the group last heard from it
    uint64_t *got;                  //  Seqs received since s_forget, owned
    size_t got_n;                   //  How many
    size_t got_max;                 //  Room in got
} s_worker_t;

typedef struct {
    char dir [256];                 //  Temp directory, removed at the end
    imc_store_t *store;             //  The real store
    imc_fsm_t *fsm;                 //  Fills it
    uint64_t index;                 //  Last Raft index applied
    uint64_t incidents;             //  Incidents opened
    zsock_t *router;                //  The worker ROUTER the group uses
    s_worker_t workers [S_WORKERS]; //  Instances
    imb_dispatch_group_t *group;    //  Under test
    uint64_t now;                   //  Time given to the group, ms
    //  The model, arrays indexed by seq (1 .. seqs)
    uint64_t seqs;                  //  Events in the store
    uint64_t *incident;             //  Incident of the event
    uint64_t *previous;             //  Previous seq of that incident, or 0
    uint64_t *next;                 //  Next seq of that incident, or 0
    uint64_t *last_of;              //  Incident -> its last seq so far
    uint64_t last_of_n;             //  Incidents last_of covers
    int *holder;                    //  Instance holding it + 1, or 0
    bool *acked;                    //  Acknowledged
    uint64_t committed;             //  Last seq the group was told of
    uint64_t offset;                //  Every seq up to here acknowledged
    uint64_t reported;              //  Offset the group last reported
} fixture_t;


//  --------------------------------------------------------------------
//  Filling the store through the state machine

//  Applies commands (taken) as one entry at the next index; every one
//  must be accepted
static void
s_apply (fixture_t *f, im_command_t **commands, size_t count)
{
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (commands, count, malloc, &data, &size),
                      0);
    assert_int_equal (imc_fsm_apply (f->fsm, ++f->index, data, size), 0);
    size_t results_n;
    const imc_fsm_result_t *results = imc_fsm_results (f->fsm, &results_n);
    assert_int_equal (results_n, count);
    for (size_t index = 0; index < count; index++) {
        assert_int_equal (results [index].status, 200);
        im_command_destroy (&commands [index]);
    }
    free (data);
}

static im_command_t *
s_command (const char *verb, uint64_t incident)
{
    im_command_t *command = im_command_new ();
    assert_non_null (command);
    command->type = im_command_type_from_name (verb);
    assert_int_not_equal (command->type, IM_CMD_NONE);
    command->incident = incident;
    command->ts_ms = 1000000;
    snprintf (command->actor, sizeof command->actor, "tester");
    return command;
}

//  Makes the model's arrays hold every seq the store has now
static void
s_model_grow (fixture_t *f)
{
    uint64_t seqs = imc_fsm_last_seq (f->fsm);
    size_t n = (size_t) seqs + 1;
    f->incident = (uint64_t *) realloc (f->incident, n * sizeof (uint64_t));
    f->previous = (uint64_t *) realloc (f->previous, n * sizeof (uint64_t));
    f->next = (uint64_t *) realloc (f->next, n * sizeof (uint64_t));
    f->holder = (int *) realloc (f->holder, n * sizeof (int));
    f->acked = (bool *) realloc (f->acked, n * sizeof (bool));
    f->last_of = (uint64_t *) realloc (f->last_of, (size_t) (f->incidents + 1)
                                                   * sizeof (uint64_t));
    assert_true (f->incident && f->previous && f->next && f->holder
                 && f->acked && f->last_of);
    for (uint64_t incident = f->last_of_n; incident <= f->incidents;
         incident++)
        f->last_of [incident] = 0;  //  Incidents opened since
    f->last_of_n = f->incidents + 1;
    for (uint64_t seq = f->seqs + 1; seq <= seqs; seq++) {
        //  What the event says, read back from the store
        char *data;
        size_t size;
        assert_int_equal (imc_store_event_get (f->store, seq, &data, &size), 0);
        uint64_t incident;
        assert_int_equal (im_event_peek_incident (data, size, &incident), 0);
        free (data);
        assert_true (incident <= f->incidents);
        f->incident [seq] = incident;
        f->previous [seq] = f->last_of [incident];
        f->next [seq] = 0;
        if (f->last_of [incident])
            f->next [f->last_of [incident]] = seq;
        f->last_of [incident] = seq;
        f->holder [seq] = 0;
        f->acked [seq] = false;
    }
    f->seqs = seqs;
}

//  Opens count incidents, one event each
static void
s_open (fixture_t *f, size_t count)
{
    im_command_t *commands [S_ENTRY_MAX];
    while (count) {
        size_t batch = count < S_ENTRY_MAX ? count : S_ENTRY_MAX;
        for (size_t index = 0; index < batch; index++) {
            commands [index] = s_command ("OPEN", 0);
            im_fields_set_str (commands [index]->args, "title", "disk full");
            im_fields_set_str (commands [index]->args, "reporter", "ann");
        }
        s_apply (f, commands, batch);
        f->incidents += batch;
        count -= batch;
    }
    s_model_grow (f);
}

//  Comments count times on incident, one event each
static void
s_comment (fixture_t *f, uint64_t incident, size_t count)
{
    im_command_t *commands [S_ENTRY_MAX];
    while (count) {
        size_t batch = count < S_ENTRY_MAX ? count : S_ENTRY_MAX;
        for (size_t index = 0; index < batch; index++) {
            commands [index] = s_command ("COMMENT", incident);
            im_fields_set_str (commands [index]->args, "text", "still full");
        }
        s_apply (f, commands, batch);
        count -= batch;
    }
    s_model_grow (f);
}

//  Applies a policy: one config.applied event, of no incident (0)
static void
s_config (fixture_t *f, int minutes)
{
    im_command_t *command = s_command ("CONFIG", 0);
    char text [64];
    snprintf (text, sizeof text, "lifecycle:\n  auto_close: %dm\n", minutes);
    im_fields_set_str (command->args, "text", text);
    s_apply (f, &command, 1);
    s_model_grow (f);
}

//  Commits a consumer group's offset as the broker does (OFFSET)
static void
s_offset_command (fixture_t *f, const char *group, uint64_t seq)
{
    im_command_t *command = im_command_new ();
    command->type = IM_CMD_OFFSET;
    command->ts_ms = 1000000;
    snprintf (command->actor, sizeof command->actor, "broker");
    im_fields_set_str (command->args, "group", group);
    im_fields_set_int (command->args, "seq", (int64_t) seq);
    s_apply (f, &command, 1);
}


//  --------------------------------------------------------------------
//  Fixture

static fixture_t *
s_fixture_new (void)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-dispatch-group-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    char errbuf [256];
    f->store = imc_store_new (f->dir, NULL, errbuf, sizeof errbuf);
    assert_non_null (f->store);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);

    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-dispatch-group-%p",
              (void *) f);
    f->router = zsock_new (ZMQ_ROUTER);
    assert_non_null (f->router);
    assert_int_equal (zsock_bind (f->router, "%s", endpoint), 0);
    zsock_set_rcvtimeo (f->router, 5000);
    for (int index = 0; index < S_WORKERS; index++) {
        s_worker_t *worker = &f->workers [index];
        snprintf (worker->name, sizeof worker->name, "w%d", index);
        worker->dealer = zsock_new (ZMQ_DEALER);
        assert_non_null (worker->dealer);
        zsock_set_identity (worker->dealer, worker->name);
        zsock_set_rcvtimeo (worker->dealer, 0);
        assert_int_equal (zsock_connect (worker->dealer, "%s", endpoint), 0);
        //  READY makes the ROUTER know the instance before anything is
        //  sent to it, as in the broker
        zmsg_t *ready = im_wmsg_encode_ready ("test", worker->name, 1);
        assert_int_equal (zmsg_send (&ready, worker->dealer), 0);
        zmsg_t *msg = zmsg_recv (f->router);
        assert_non_null (msg);
        worker->routing = zmsg_pop (msg);
        zmsg_destroy (&msg);
        worker->peer = zframe_strhex (worker->routing);
    }
    f->now = 1000;
    return f;
}

static void
s_fixture_destroy (fixture_t **f_p)
{
    fixture_t *f = *f_p;
    imb_dispatch_group_destroy (&f->group);
    for (int index = 0; index < S_WORKERS; index++) {
        s_worker_t *worker = &f->workers [index];
        zsock_destroy (&worker->dealer);
        zframe_destroy (&worker->routing);
        zstr_free (&worker->peer);
        free (worker->got);
    }
    zsock_destroy (&f->router);
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    char command [300];
    snprintf (command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal (system (command), 0);
    free (f->incident);
    free (f->previous);
    free (f->next);
    free (f->last_of);
    free (f->holder);
    free (f->acked);
    free (f);
    *f_p = NULL;
}

static int
s_setup (void **state)
{
    *state = s_fixture_new ();
    return 0;
}

static int
s_teardown (void **state)
{
    s_fixture_destroy ((fixture_t **) state);
    return 0;
}


//  --------------------------------------------------------------------
//  Driving the group, and checking every delivery against the model

static int64_t
s_status (fixture_t *f, const char *key)
{
    im_fields_t *status = imb_dispatch_group_status (f->group);
    assert_non_null (status);
    int64_t value = im_fields_int_or (status, key, -1);
    im_fields_destroy (&status);
    return value;
}

//  Checks one DELIVER of seq to worker w and records it
static void
s_delivered (fixture_t *f, int w, uint64_t seq, zframe_t *event)
{
    s_worker_t *worker = &f->workers [w];
    assert_true (worker->member);
    assert_true (seq > f->offset && seq <= f->seqs);
    assert_false (f->acked [seq]);
    assert_int_equal (f->holder [seq], 0);     //  Held nowhere else
    //  The stored event's bytes
    char *data;
    size_t size;
    assert_int_equal (imc_store_event_get (f->store, seq, &data, &size), 0);
    assert_int_equal (zframe_size (event), size);
    assert_memory_equal (zframe_data (event), data, size);
    free (data);
    //  Every earlier event of its incident is acknowledged or held by
    //  this same instance, and no later one is held by another
    for (uint64_t other = f->previous [seq]; other > f->offset;
         other = f->previous [other])
        assert_true (f->acked [other] || f->holder [other] == w + 1);
    for (uint64_t other = f->next [seq]; other; other = f->next [other])
        assert_true (f->holder [other] == 0 || f->holder [other] == w + 1);
    assert_true (worker->held < worker->credit);
    f->holder [seq] = w + 1;
    worker->held++;
    if (worker->got_n == worker->got_max) {
        worker->got_max = worker->got_max ? 2 * worker->got_max : 64;
        worker->got = (uint64_t *) realloc (
            worker->got, worker->got_max * sizeof (uint64_t));
        assert_non_null (worker->got);
    }
    worker->got [worker->got_n++] = seq;
}

//  Reads what every instance was sent (all of it is there already)
static void
s_drain (fixture_t *f)
{
    for (int w = 0; w < S_WORKERS; w++) {
        zmsg_t *msg;
        while ((msg = zmsg_recv (f->workers [w].dealer))) {
            im_wmsg_t *wmsg = im_wmsg_new ();
            char reason [256] = "";
            assert_int_equal (im_wmsg_decode (wmsg, &msg, reason,
                                              sizeof reason), 0);
            assert_int_equal (wmsg->type, IM_WMSG_DELIVER);
            s_delivered (f, w, wmsg->seq, wmsg->event);
            im_wmsg_destroy (&wmsg);
        }
    }
    //  What the group says matches the model
    uint64_t held = 0;
    for (int w = 0; w < S_WORKERS; w++)
        held += f->workers [w].held;
    im_fields_t *status = imb_dispatch_group_status (f->group);
    assert_non_null (status);
    assert_int_equal (im_fields_int_or (status, "inflight", -1), held);
    assert_int_equal (im_fields_int_or (status, "offset", -1), f->offset);
    im_fields_destroy (&status);
    uint64_t offset;
    if (imb_dispatch_group_offset_moved (f->group, &offset)) {
        assert_int_not_equal (offset, f->reported);
        assert_int_equal (offset, f->offset);
        f->reported = offset;
    }
    else
        assert_int_equal (f->reported, f->offset);
}

//  Pumps, as the broker does after each message and tick, and reads
static void
s_pump (fixture_t *f)
{
    imb_dispatch_group_pump (f->group);
    s_drain (f);
}

//  Forgets what every instance received so far
static void
s_forget (fixture_t *f)
{
    for (int w = 0; w < S_WORKERS; w++)
        f->workers [w].got_n = 0;
}

//  Starts group name over the whole model, told of seqs up to committed
static void
s_group (fixture_t *f, const char *name, uint64_t committed)
{
    imb_dispatch_group_destroy (&f->group);
    for (uint64_t seq = 1; seq <= f->seqs; seq++) {
        f->holder [seq] = 0;
        f->acked [seq] = false;
    }
    for (int w = 0; w < S_WORKERS; w++) {
        f->workers [w].member = false;
        f->workers [w].held = 0;
        f->workers [w].got_n = 0;
    }
    f->committed = committed;
    f->group = imb_dispatch_group_new (name, f->store, f->router, committed);
    assert_non_null (f->group);
    assert_string_equal (imb_dispatch_group_name (f->group), name);
    f->offset = 0;
    assert_int_equal (imc_store_offset_get (f->store, name, &f->offset), 0);
    for (uint64_t seq = 1; seq <= f->offset; seq++)
        f->acked [seq] = true;
    f->reported = f->offset;
    s_drain (f);
}

static void
s_join (fixture_t *f, int w, uint32_t credit)
{
    s_worker_t *worker = &f->workers [w];
    imb_dispatch_group_join (f->group, worker->peer, worker->routing,
                             worker->name, credit, f->now);
    worker->member = true;
    worker->credit = credit ? credit : 1;
    worker->held = 0;
    worker->last_seen = f->now;
    s_pump (f);
}

//  What leaving, or expiring, does to the model
static void
s_gone (fixture_t *f, int w)
{
    for (uint64_t seq = 1; seq <= f->seqs; seq++)
        if (f->holder [seq] == w + 1)
            f->holder [seq] = 0;
    f->workers [w].member = false;
    f->workers [w].held = 0;
}

static void
s_leave (fixture_t *f, int w)
{
    imb_dispatch_group_leave (f->group, f->workers [w].peer);
    s_gone (f, w);
    s_pump (f);
}

static void
s_commit (fixture_t *f, uint64_t last_seq)
{
    imb_dispatch_group_committed (f->group, last_seq);
    if (last_seq > f->committed)
        f->committed = last_seq;
    s_pump (f);
}

//  Instance w acknowledges seq; the model takes it only from its holder
static void
s_ack (fixture_t *f, int w, uint64_t seq)
{
    s_worker_t *worker = &f->workers [w];
    imb_dispatch_group_ack (f->group, worker->peer, seq, f->now);
    if (worker->member)
        worker->last_seen = f->now;
    if (worker->member && seq >= 1 && seq <= f->seqs
    &&  f->holder [seq] == w + 1) {
        f->holder [seq] = 0;
        f->acked [seq] = true;
        worker->held--;
        while (f->offset < f->seqs && f->acked [f->offset + 1])
            f->offset++;
    }
    s_pump (f);
}

//  Expires instances silent for longer than S_EXPIRY; returns how many
//  went, after checking they are the ones the model expects
static size_t
s_expire (fixture_t *f)
{
    zlist_t *expired = imb_dispatch_group_expire (f->group, f->now, S_EXPIRY);
    assert_non_null (expired);
    size_t count = 0;
    for (int w = 0; w < S_WORKERS; w++) {
        s_worker_t *worker = &f->workers [w];
        bool listed = false;
        for (char *peer = (char *) zlist_first (expired); peer;
             peer = (char *) zlist_next (expired))
            listed |= streq (peer, worker->peer);
        bool silent = worker->member
                   && f->now - worker->last_seen > S_EXPIRY;
        assert_int_equal (listed, silent);
        if (silent) {
            s_gone (f, w);
            count++;
        }
    }
    assert_int_equal (zlist_size (expired), count);
    zlist_destroy (&expired);
    s_pump (f);
    return count;
}

//  Checks that nothing that could go out was left behind: the first
//  event of an incident that no instance holds waits only while every
//  member is full, and one whose incident is held waits only while its
//  holder is full. Only where no bound on loading (ring, waiting) is
//  near.
static void
s_check_work_conserving (fixture_t *f)
{
    size_t n = (size_t) f->incidents + 1;
    int *holder = (int *) calloc (n, sizeof (int));
    bool *seen = (bool *) calloc (n, sizeof (bool));
    assert_true (holder && seen);
    uint64_t end = f->committed < f->seqs ? f->committed : f->seqs;
    for (uint64_t seq = f->offset + 1; seq <= end; seq++)
        if (f->holder [seq])
            holder [f->incident [seq]] = f->holder [seq];
    bool all_full = true;
    for (int w = 0; w < S_WORKERS; w++)
        if (f->workers [w].member
        &&  f->workers [w].held < f->workers [w].credit)
            all_full = false;
    for (uint64_t seq = f->offset + 1; seq <= end; seq++) {
        uint64_t incident = f->incident [seq];
        if (f->acked [seq] || f->holder [seq] || seen [incident])
            continue;
        seen [incident] = true;     //  Its first event not out
        if (holder [incident]) {
            s_worker_t *worker = &f->workers [holder [incident] - 1];
            assert_int_equal (worker->held, worker->credit);
        }
        else
            assert_true (all_full);
    }
    free (holder);
    free (seen);
}

//  True if worker w received exactly the seqs given (count of them), in
//  that order, since s_forget
static bool
s_got (fixture_t *f, int w, size_t count, ...)
{
    s_worker_t *worker = &f->workers [w];
    bool same = worker->got_n == count;
    va_list args;
    va_start (args, count);
    for (size_t index = 0; index < count; index++) {
        uint64_t seq = va_arg (args, uint64_t);
        if (index < worker->got_n && worker->got [index] != seq)
            same = false;
    }
    va_end (args);
    return same;
}

#define SEQ(n) ((uint64_t) (n))


//  --------------------------------------------------------------------
//  Tests

static void
test_events_of_one_incident_go_to_one_instance_in_seq_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 1);
    s_comment (f, 1, 5);            //  Seqs 1 .. 6, all incident 1
    s_group (f, "one", 0);
    s_join (f, 0, 10);
    s_join (f, 1, 10);
    s_commit (f, 6);
    //  Both have room for all six; one takes them all, in order
    int taker = f->workers [0].got_n ? 0 : 1;
    assert_true (s_got (f, taker, 6, SEQ (1), SEQ (2), SEQ (3), SEQ (4),
                        SEQ (5), SEQ (6)));
    assert_int_equal (f->workers [1 - taker].got_n, 0);
    s_check_work_conserving (f);
    assert_int_equal (s_status (f, "waiting"), 0);
    assert_int_equal (s_status (f, "lag"), 6);
}

static void
test_incidents_spread_over_instances_by_room (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 4);                  //  Seqs 1 .. 4, incidents 1 .. 4
    s_group (f, "spread", 0);
    s_join (f, 0, 2);
    s_join (f, 1, 2);
    s_commit (f, 4);
    assert_int_equal (f->workers [0].got_n, 2);
    assert_int_equal (f->workers [1].got_n, 2);

    //  Unequal credit: the one with more room takes more
    s_group (f, "unequal", 0);
    s_join (f, 0, 1);
    s_join (f, 1, 3);
    s_commit (f, 4);
    assert_int_equal (f->workers [0].got_n, 1);
    assert_int_equal (f->workers [1].got_n, 3);
    s_check_work_conserving (f);
}

static void
test_credit_limits_what_is_in_flight (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 10);
    s_group (f, "credit", 10);
    s_join (f, 0, 3);
    assert_true (s_got (f, 0, 3, SEQ (1), SEQ (2), SEQ (3)));
    //  Nobody has room: nothing more is even loaded
    assert_int_equal (s_status (f, "waiting"), 0);
    assert_int_equal (s_status (f, "lag"), 10);
    s_forget (f);
    s_ack (f, 0, 2);
    assert_true (s_got (f, 0, 1, SEQ (4)));
    s_forget (f);
    s_ack (f, 0, 1);
    s_ack (f, 0, 3);
    s_ack (f, 0, 4);
    assert_true (s_got (f, 0, 3, SEQ (5), SEQ (6), SEQ (7)));
    assert_int_equal (s_status (f, "offset"), 4);

    //  Credit 0 counts as 1: the instance still gets one event at a time
    s_forget (f);
    s_join (f, 1, 0);
    assert_true (s_got (f, 1, 1, SEQ (8)));
    s_check_work_conserving (f);
}

static void
test_a_held_incident_waits_for_its_instance_while_others_have_room (
    void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 1);                  //  1: incident 1
    s_open (f, 1);                  //  2: incident 2
    s_comment (f, 1, 2);            //  3, 4: incident 1
    s_comment (f, 2, 1);            //  5: incident 2
    s_group (f, "held", 1);
    s_join (f, 0, 1);
    assert_true (s_got (f, 0, 1, SEQ (1)));
    s_join (f, 1, 10);
    s_commit (f, 5);
    //  Incident 1's next events wait for instance 0, which is full
    assert_true (s_got (f, 1, 2, SEQ (2), SEQ (5)));
    assert_int_equal (s_status (f, "waiting"), 2);
    s_check_work_conserving (f);
    s_forget (f);
    //  Once 1 is acknowledged the incident holds nothing there: its
    //  events go to whoever has most room, in order
    s_ack (f, 0, 1);
    assert_true (s_got (f, 1, 2, SEQ (3), SEQ (4)));
    assert_int_equal (f->workers [0].got_n, 0);
    assert_int_equal (s_status (f, "waiting"), 0);
    //  Acknowledged last to first: the offset waits for 2
    s_ack (f, 1, 5);
    s_ack (f, 1, 4);
    s_ack (f, 1, 3);
    assert_int_equal (s_status (f, "offset"), 1);
    s_ack (f, 1, 2);
    assert_int_equal (s_status (f, "offset"), 5);
    assert_int_equal (s_status (f, "lag"), 0);
}

static void
test_the_offset_moves_only_over_an_acknowledged_prefix (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 6);
    s_group (f, "prefix", 6);
    s_join (f, 0, 6);
    uint64_t offset = 99;
    assert_false (imb_dispatch_group_offset_moved (f->group, &offset));
    assert_int_equal (offset, 99);  //  Untouched when it did not move
    s_ack (f, 0, 3);
    s_ack (f, 0, 6);
    assert_int_equal (s_status (f, "offset"), 0);
    s_ack (f, 0, 1);
    assert_int_equal (s_status (f, "offset"), 1);
    s_ack (f, 0, 2);
    assert_int_equal (s_status (f, "offset"), 3);
    s_ack (f, 0, 5);
    assert_int_equal (s_status (f, "offset"), 3);
    s_ack (f, 0, 4);
    assert_int_equal (s_status (f, "offset"), 6);
    //  Reported once per move (s_drain checks each one)
    assert_false (imb_dispatch_group_offset_moved (f->group, &offset));
}

static void
test_a_leaving_instance_gives_its_events_back_in_seq_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 1);                  //  1: incident 1
    s_open (f, 1);                  //  2: incident 2
    s_comment (f, 1, 1);            //  3: incident 1
    s_comment (f, 2, 1);            //  4: incident 2
    s_comment (f, 1, 1);            //  5: incident 1
    s_open (f, 1);                  //  6: incident 3
    s_group (f, "leave", 6);
    s_join (f, 0, 10);
    assert_int_equal (f->workers [0].got_n, 6);
    s_ack (f, 0, 2);
    s_join (f, 1, 2);
    assert_int_equal (f->workers [1].got_n, 0);
    s_leave (f, 0);
    //  1 3 4 5 6 wait again; the other instance takes two, in seq order,
    //  and its second is of the incident it already holds
    assert_true (s_got (f, 1, 2, SEQ (1), SEQ (3)));
    assert_int_equal (s_status (f, "waiting"), 3);
    assert_int_equal (s_status (f, "inflight"), 2);
    assert_int_equal (s_status (f, "instances"), 1);
    s_forget (f);
    s_ack (f, 1, 1);
    assert_true (s_got (f, 1, 1, SEQ (4)));
    //  A new instance gets incident 3, not 5: incident 1 is held by a
    //  full instance
    s_forget (f);
    s_join (f, 2, 5);
    assert_true (s_got (f, 2, 1, SEQ (6)));
    assert_int_equal (f->workers [1].got_n, 0);
    s_check_work_conserving (f);
    s_forget (f);
    s_ack (f, 1, 3);
    assert_int_equal (f->workers [1].got_n + f->workers [2].got_n, 1);
    s_ack (f, 1, 4);
    s_ack (f, 2, 6);
    int holder = f->holder [5];
    assert_true (holder == 2 || holder == 3);
    s_ack (f, holder - 1, 5);
    assert_int_equal (s_status (f, "offset"), 6);
    assert_int_equal (s_status (f, "inflight"), 0);
    assert_int_equal (s_status (f, "waiting"), 0);
    //  Leaving twice, or an instance never joined, changes nothing
    s_leave (f, 0);
    s_leave (f, 3);
    assert_int_equal (s_status (f, "instances"), 2);
}

static void
test_an_expired_instance_gives_its_events_back (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 3);
    s_group (f, "expire", 3);
    s_join (f, 0, 3);
    assert_true (s_got (f, 0, 3, SEQ (1), SEQ (2), SEQ (3)));
    s_join (f, 1, 3);
    s_forget (f);
    //  Silent for exactly the interval: still there
    f->now += S_EXPIRY;
    assert_int_equal (s_expire (f), 0);
    imb_dispatch_group_seen (f->group, f->workers [1].peer, f->now);
    f->workers [1].last_seen = f->now;
    //  One ms more: instance 0 goes, 1 (seen since) stays
    f->now += 1;
    assert_int_equal (s_expire (f), 1);
    assert_false (f->workers [0].member);
    assert_true (s_got (f, 1, 3, SEQ (1), SEQ (2), SEQ (3)));
    //  The expired instance's late ACK changes nothing
    s_ack (f, 0, 1);
    assert_int_equal (s_status (f, "offset"), 0);
    assert_int_equal (s_status (f, "inflight"), 3);
    //  An ACK is a sign of life too
    f->now += S_EXPIRY;
    s_ack (f, 1, 1);
    f->now += S_EXPIRY;
    assert_int_equal (s_expire (f), 0);
    f->now += 1;
    assert_int_equal (s_expire (f), 1);
    assert_int_equal (s_status (f, "instances"), 0);
    assert_int_equal (s_status (f, "inflight"), 0);
    //  Nobody to send to: nothing waits in memory for them
    assert_int_equal (s_status (f, "waiting"), 2);
    s_forget (f);
    s_join (f, 2, 1);
    assert_true (s_got (f, 2, 1, SEQ (2)));
}

//  A snapshot of what the group says of itself
typedef struct {
    int64_t offset, inflight, waiting, instances, lag;
} s_said_t;

static s_said_t
s_said (fixture_t *f)
{
    s_said_t said = {
        s_status (f, "offset"), s_status (f, "inflight"),
        s_status (f, "waiting"), s_status (f, "instances"),
        s_status (f, "lag")
    };
    return said;
}

static void
s_assert_same (s_said_t a, s_said_t b)
{
    assert_int_equal (a.offset, b.offset);
    assert_int_equal (a.inflight, b.inflight);
    assert_int_equal (a.waiting, b.waiting);
    assert_int_equal (a.instances, b.instances);
    assert_int_equal (a.lag, b.lag);
}

static void
test_a_duplicate_or_unknown_ack_changes_nothing (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 5);
    s_group (f, "acks", 2);
    s_join (f, 0, 2);
    s_join (f, 1, 2);
    s_commit (f, 4);
    assert_true (s_got (f, 0, 2, SEQ (1), SEQ (2)));
    assert_true (s_got (f, 1, 2, SEQ (3), SEQ (4)));
    s_forget (f);
    s_said_t before = s_said (f);
    s_ack (f, 1, 1);                //  Held by the other instance
    s_ack (f, 0, 5);                //  Stored, not sent to anyone
    s_ack (f, 0, 99);               //  No such event
    s_ack (f, 0, 0);                //  Below every event: seqs start at 1
    s_ack (f, 0, UINT64_MAX);
    s_ack (f, 2, 1);                //  Not a member
    s_assert_same (before, s_said (f));
    for (int w = 0; w < S_WORKERS; w++)
        assert_int_equal (f->workers [w].got_n, 0);
    s_ack (f, 0, 1);
    assert_int_equal (s_status (f, "offset"), 1);
    before = s_said (f);
    s_ack (f, 0, 1);                //  Again
    s_assert_same (before, s_said (f));
    //  The wrongly acknowledged events are still held, and count
    s_ack (f, 0, 2);
    s_ack (f, 1, 3);
    s_ack (f, 1, 4);
    assert_int_equal (s_status (f, "offset"), 4);
}

static void
test_events_of_no_incident_keep_one_order (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_config (f, 1);                //  1: incident 0
    s_open (f, 1);                  //  2: incident 1
    s_config (f, 2);                //  3
    s_config (f, 3);                //  4
    assert_int_equal (f->incident [1], 0);
    assert_int_equal (f->incident [4], 0);
    s_group (f, "config", 0);
    s_join (f, 0, 4);
    s_join (f, 1, 4);
    s_commit (f, 4);
    assert_int_equal (f->holder [1], f->holder [3]);
    assert_int_equal (f->holder [1], f->holder [4]);
    s_check_work_conserving (f);
}

//  The group reads on from the store when told that more was committed.
//  (It may send what the store holds beyond what it was told, read in
//  the same scan: everything in the store was applied, so committed.)
static void
test_events_go_out_when_the_group_is_told_of_them (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 2);
    s_group (f, "told", 2);
    s_join (f, 0, 10);
    assert_true (s_got (f, 0, 2, SEQ (1), SEQ (2)));
    assert_int_equal (s_status (f, "lag"), 2);
    s_forget (f);
    s_open (f, 3);                  //  3 .. 5, not told yet
    s_pump (f);
    s_commit (f, 1);                //  Never goes back
    s_commit (f, 2);
    assert_int_equal (f->workers [0].got_n, 0);
    assert_int_equal (s_status (f, "lag"), 2);
    s_commit (f, 5);
    assert_true (s_got (f, 0, 3, SEQ (3), SEQ (4), SEQ (5)));
    assert_int_equal (s_status (f, "lag"), 5);
}

static void
test_a_group_resumes_after_its_stored_offset (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    s_open (f, 5);
    s_offset_command (f, "resume", 3);
    s_group (f, "resume", 5);
    assert_int_equal (s_status (f, "offset"), 3);
    assert_int_equal (s_status (f, "lag"), 2);
    s_join (f, 0, 10);
    assert_true (s_got (f, 0, 2, SEQ (4), SEQ (5)));
    //  No instance yet: a pump sends nothing and loads nothing
    s_group (f, "resume", 5);
    s_pump (f);
    assert_int_equal (s_status (f, "waiting"), 0);
    assert_int_equal (s_status (f, "instances"), 0);
}

static void
test_what_waits_in_memory_is_bounded (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Incident 1's OPEN; incident 2's OPEN and three comments; then one
    //  more event of incident 1 than may wait; then incident 3's OPEN.
    //  Incident 2's events go out as they are read, so the bound falls
    //  inside a read from the store, not at its end.
    s_open (f, 2);
    s_comment (f, 2, 3);
    s_comment (f, 1, S_WAITING + 1);
    s_open (f, 1);
    uint64_t last = f->seqs;
    assert_int_equal (last, S_WAITING + 7);
    s_group (f, "bounded", 1);
    s_join (f, 0, 1);
    assert_true (s_got (f, 0, 1, SEQ (1)));
    s_join (f, 1, 10);
    s_commit (f, last);
    assert_true (s_got (f, 1, 4, SEQ (2), SEQ (3), SEQ (4), SEQ (5)));
    //  Incident 1 is held by a full instance: its events wait, up to the
    //  bound and not one more, and nothing is read past them, so
    //  incident 3's event does not reach the instance with room
    assert_int_equal (s_status (f, "waiting"), S_WAITING);
    s_pump (f);
    assert_int_equal (s_status (f, "waiting"), S_WAITING);
    assert_int_equal (f->workers [1].got_n, 4);
    //  As incident 1 goes through one event at a time, the rest follows
    size_t rounds = 0;
    while (f->offset < last) {
        for (int w = 0; w < 2; w++) {
            s_worker_t *worker = &f->workers [w];
            for (size_t index = 0; index < worker->got_n; index++)
                if (f->holder [worker->got [index]] == w + 1)
                    s_ack (f, w, worker->got [index]);
        }
        assert_true (s_status (f, "waiting") <= S_WAITING);
        assert_true (++rounds <= 2 * last);
    }
    assert_int_equal (s_status (f, "waiting"), 0);
    assert_int_equal (s_status (f, "inflight"), 0);
}

//  A simple generator, so that each seed plays the same game again
static uint64_t
s_random (uint64_t *seed)
{
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    return *seed * 2685821657736338717ull;
}

static void
test_random_games_keep_every_rule (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t seed = 20261128;
    //  About 300 events over a dozen incidents, configs among them
    s_open (f, 3);
    while (f->seqs < 300) {
        uint64_t dice = s_random (&seed) % 100;
        if (dice < 8)
            s_open (f, 1);
        else
        if (dice < 10)
            s_config (f, (int) (f->seqs % 50) + 1);
        else
            s_comment (f, 1 + s_random (&seed) % f->incidents,
                       1 + (size_t) (s_random (&seed) % 4));
    }
    for (int game = 0; game < 6; game++) {
        char name [16];
        snprintf (name, sizeof name, "game%d", game);
        s_group (f, name, 0);
        for (int step = 0; step < 1500; step++) {
            int w = (int) (s_random (&seed) % S_WORKERS);
            s_worker_t *worker = &f->workers [w];
            uint64_t dice = s_random (&seed) % 100;
            if (dice < 10 && f->committed < f->seqs) {
                uint64_t to = f->committed + 1 + s_random (&seed) % 20;
                s_commit (f, to < f->seqs ? to : f->seqs);
            }
            else
            if (dice < 18 && !worker->member)
                s_join (f, w, (uint32_t) (s_random (&seed) % 5));
            else
            if (dice < 21 && worker->member)
                s_leave (f, w);
            else
            if (dice < 24) {
                f->now += s_random (&seed) % (2 * S_EXPIRY);
                s_expire (f);
            }
            else
            if (dice < 28) {
                imb_dispatch_group_seen (f->group, worker->peer, f->now);
                if (worker->member)
                    worker->last_seen = f->now;
            }
            else
            if (dice < 34)              //  Anything: mostly not its own
                s_ack (f, w, s_random (&seed) % (f->seqs + 2));
            else
            if (worker->held) {         //  One of its own, at random
                uint64_t pick = s_random (&seed) % worker->held;
                for (uint64_t seq = f->offset + 1; seq <= f->committed;
                     seq++)
                    if (f->holder [seq] == w + 1 && pick-- == 0) {
                        s_ack (f, w, seq);
                        break;
                    }
            }
            s_check_work_conserving (f);
        }
        //  Then everyone works until the group has caught up
        s_commit (f, f->seqs);
        for (int w = 0; w < S_WORKERS; w++)
            if (!f->workers [w].member)
                s_join (f, w, 3);
        size_t rounds = 0;
        while (f->offset < f->seqs) {
            for (uint64_t seq = f->offset + 1; seq <= f->seqs; seq++)
                if (f->holder [seq])
                    s_ack (f, f->holder [seq] - 1, seq);
            assert_true (++rounds <= f->seqs);
        }
        assert_int_equal (s_status (f, "waiting"), 0);
        assert_int_equal (s_status (f, "inflight"), 0);
        assert_int_equal (s_status (f, "lag"), 0);
    }
}


//  --------------------------------------------------------------------
//  The acknowledgement ring: one store of S_RING + 4 events, filled once
//  for these tests

static int
s_ring_setup (void **state)
{
    fixture_t *f = s_fixture_new ();
    s_open (f, S_RING + 4);
    assert_int_equal (f->seqs, S_RING + 4);
    *state = f;
    return 0;
}

//  Acknowledges, in the order received, what instance w was given
//  before this call and holds; *done is where the last call stopped
static void
s_ack_all (fixture_t *f, int w, size_t *done)
{
    s_worker_t *worker = &f->workers [w];
    size_t end = worker->got_n;
    while (*done < end) {
        uint64_t seq = worker->got [(*done)++];
        if (f->holder [seq] == w + 1)
            s_ack (f, w, seq);
    }
}

static void
test_loading_stops_a_ring_past_the_oldest_unacknowledged (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    uint64_t last = f->seqs;
    s_group (f, "ring", last);
    s_join (f, 0, 1);
    assert_true (s_got (f, 0, 1, SEQ (1)));
    //  Another instance takes and acknowledges what it is given, one at
    //  a time, until it is near the end of the ring
    s_join (f, 1, 64);
    size_t done = 0;
    while (f->workers [1].got [f->workers [1].got_n - 1] < S_RING - 100)
        s_ack_all (f, 1, &done);
    //  A third with plenty of room is given, in one read from the store,
    //  what remains of the ring and not one seq further: seq 1 holds the
    //  offset at 0, so S_RING - 1 is the last seq loaded
    s_join (f, 2, 512);
    assert_int_equal (s_status (f, "waiting"), 0);
    s_worker_t *third = &f->workers [2];
    assert_true (third->got_n > 0 && third->got_n < 100);
    assert_int_equal (third->got [third->got_n - 1], S_RING - 1);
    size_t done_third = 0;
    while (done < f->workers [1].got_n || done_third < third->got_n) {
        s_ack_all (f, 1, &done);
        s_ack_all (f, 2, &done_third);
    }
    assert_int_equal (f->workers [1].got_n + third->got_n, S_RING - 2);
    assert_int_equal (s_status (f, "offset"), 0);
    assert_int_equal (s_status (f, "waiting"), 0);
    assert_int_equal (s_status (f, "inflight"), 1);
    //  Its acknowledgement moves the offset over the whole ring
    s_forget (f);
    s_ack (f, 0, 1);
    assert_int_equal (s_status (f, "offset"), S_RING - 1);
    //  The next lap reuses the ring's bits: none is left over from the
    //  first (S_RING + 2 shares a bit with 2, acknowledged long ago)
    assert_int_equal (f->workers [0].got_n + f->workers [1].got_n
                      + third->got_n, 5);
    s_ack (f, f->holder [S_RING] - 1, S_RING);
    assert_int_equal (s_status (f, "offset"), S_RING);
    s_ack (f, f->holder [S_RING + 2] - 1, S_RING + 2);
    assert_int_equal (s_status (f, "offset"), S_RING);
    s_ack (f, f->holder [S_RING + 1] - 1, S_RING + 1);
    assert_int_equal (s_status (f, "offset"), S_RING + 2);
    s_ack (f, f->holder [S_RING + 4] - 1, S_RING + 4);
    s_ack (f, f->holder [S_RING + 3] - 1, S_RING + 3);
    assert_int_equal (s_status (f, "offset"), last);
    assert_int_equal (s_status (f, "lag"), 0);
}

static void
test_acks_out_of_order_across_the_ring_boundary (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Starting 6 before the ring's size, so that the seqs in flight
    //  straddle the place where the ring's index wraps
    s_offset_command (f, "wrap", S_RING - 6);
    s_group (f, "wrap", f->seqs);
    assert_int_equal (s_status (f, "offset"), S_RING - 6);
    s_join (f, 0, 10);
    assert_int_equal (f->workers [0].got_n, 10);
    assert_int_equal (f->workers [0].got [0], S_RING - 5);
    assert_int_equal (f->workers [0].got [9], S_RING + 4);
    s_ack (f, 0, S_RING + 4);
    s_ack (f, 0, S_RING);
    s_ack (f, 0, S_RING - 1);
    s_ack (f, 0, S_RING - 3);
    s_ack (f, 0, S_RING - 4);
    assert_int_equal (s_status (f, "offset"), S_RING - 6);
    s_ack (f, 0, S_RING - 5);
    assert_int_equal (s_status (f, "offset"), S_RING - 3);
    s_ack (f, 0, S_RING - 2);
    assert_int_equal (s_status (f, "offset"), S_RING);
    s_ack (f, 0, S_RING + 2);
    assert_int_equal (s_status (f, "offset"), S_RING);
    s_ack (f, 0, S_RING + 1);
    assert_int_equal (s_status (f, "offset"), S_RING + 2);
    s_ack (f, 0, S_RING + 3);
    assert_int_equal (s_status (f, "offset"), S_RING + 4);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);      //  The group logs redeliveries
    im_log_set_stream (NULL);
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_events_of_one_incident_go_to_one_instance_in_seq_order),
        T (test_incidents_spread_over_instances_by_room),
        T (test_credit_limits_what_is_in_flight),
        T (test_a_held_incident_waits_for_its_instance_while_others_have_room),
        T (test_the_offset_moves_only_over_an_acknowledged_prefix),
        T (test_a_leaving_instance_gives_its_events_back_in_seq_order),
        T (test_an_expired_instance_gives_its_events_back),
        T (test_a_duplicate_or_unknown_ack_changes_nothing),
        T (test_events_of_no_incident_keep_one_order),
        T (test_events_go_out_when_the_group_is_told_of_them),
        T (test_a_group_resumes_after_its_stored_offset),
        T (test_what_waits_in_memory_is_bounded),
        T (test_random_games_keep_every_rule),
#undef T
    };
    const struct CMUnitTest ring_tests [] = {
        cmocka_unit_test (
            test_loading_stops_a_ring_past_the_oldest_unacknowledged),
        cmocka_unit_test (test_acks_out_of_order_across_the_ring_boundary),
    };
    int failed = cmocka_run_group_tests (tests, NULL, NULL);
    failed += cmocka_run_group_tests_name ("ring", ring_tests, s_ring_setup,
                                           s_teardown);
    return failed;
}
