/*  fuzz_fsm - commands decided and applied by the state machine

    An input is a short log: parts separated by IM_FUZZ_SEPARATOR, each
    the payload of one Raft entry (a msgpack array of commands, framed
    here as the leader frames it), applied in order at Raft indexes 1,
    2, ... over a real RocksDB store; or, when a part starts with '?',
    a query ("?VERB " then a msgpack body) answered from the store as
    the broker answers it. Every input starts from an empty store.

    Beyond crashes, what a node promises about any entry is checked:
    applying it never fails on a healthy store (a failure stops the
    node: IM_EIO is for the disk, not for what a client sent), every
    command of a decoded entry gets one result, and every result and
    every query answer is a reply a client can decode, with items
    (TIMELINE: the stored EVENTs) that decode too.

    With IM_FUZZ_VERBOSE set in the environment, every result and query
    answer is printed, to see what a kept input does.

    The store lives in a directory of its own for the process, emptied
    between inputs (imc_store_clear); it is made anew every S_RECYCLE
    inputs, since every clear and read otherwise walks the deletions of
    all inputs before (measured: ~200 inputs/s with a new store every
    100 inputs, ~170 every 2000).
*/
#include "im_classes.h"
#include "imb_classes.h"
#include "im_fuzz.h"

#define S_PARTS_MAX     64          //  Entries and queries in one input
#define S_RECYCLE       100         //  Inputs before a new store

//  The store and state machine are kept from input to input: libFuzzer
//  gives the entry point no context, and opening RocksDB costs more
//  than most inputs
typedef struct {
    char dir [256];                 //  The process's directory
    char path [300];                //  The store, in dir
    imc_store_t *store;             //  Owned
    imc_fsm_t *fsm;                 //  Over store, owned
    size_t inputs;                  //  Run on this store
    bool registered;                //  s_exit runs at exit
    bool verbose;                   //  IM_FUZZ_VERBOSE: say what happens
} s_state_t;

static s_state_t s_state;

static void
s_store_close (void)
{
    imc_fsm_destroy (&s_state.fsm);
    imc_store_destroy (&s_state.store);
    char command [400];
    snprintf (command, sizeof command, "rm -rf '%s'", s_state.path);
    if (system (command))
        im_fuzz_fail ("cannot remove %s", s_state.path);
}

static void
s_exit (void)
{
    s_store_close ();
    rmdir (s_state.dir);
}

//  Opens the process's store on first use, or anew every S_RECYCLE inputs
static void
s_store_open (void)
{
    if (!*s_state.dir) {
        im_fuzz_quiet ();
        s_state.verbose = getenv ("IM_FUZZ_VERBOSE") != NULL;
        const char *base = getenv ("IM_TEST_TMPDIR");
        if (base)
            zsys_dir_create ("%s", base);
        else
            base = zsys_file_exists ("/dev/shm") ? "/dev/shm" : "/tmp";
        snprintf (s_state.dir, sizeof s_state.dir, "%s/imq-fuzz-fsm-XXXXXX",
                  base);
        if (!mkdtemp (s_state.dir))
            im_fuzz_fail ("cannot make a directory in %s", base);
        snprintf (s_state.path, sizeof s_state.path, "%s/store",
                  s_state.dir);
    }
    if (s_state.store && s_state.inputs >= S_RECYCLE)
        s_store_close ();
    if (!s_state.store) {
        char errbuf [256];
        imc_store_options_t options;
        imc_store_options_default (&options);
        options.block_cache_mb = 8;
        options.write_buffer_mb = 16;
        s_state.store = imc_store_new (s_state.path, &options, errbuf,
                                       sizeof errbuf);
        if (!s_state.store)
            im_fuzz_fail ("cannot open a store: %s", errbuf);
        //  Registered once RocksDB made its statics (the first open), so
        //  that the store closes before they are destroyed
        if (!s_state.registered)
            atexit (s_exit);
        s_state.registered = true;
        s_state.inputs = 0;
    }
    else {
        imc_fsm_destroy (&s_state.fsm);
        if (imc_store_clear (s_state.store))
            im_fuzz_fail ("cannot clear the store");
    }
    s_state.inputs++;
    s_state.fsm = imc_fsm_new (s_state.store);
    if (!s_state.fsm)
        im_fuzz_fail ("no state machine over an empty store");
}

//  Checks that status and body make a reply a client reads back
static void
s_check_reply (zmsg_t **reply_p, bool raw)
{
    if (!*reply_p)
        im_fuzz_fail ("no reply");
    im_reply_t *reply = im_reply_new (0);
    char reason [256];
    if (im_reply_decode (reply, reply_p, raw, reason, sizeof reason))
        im_fuzz_fail ("a reply does not decode: %s", reason);
    if (reply->status != 200 && !im_fields_str (reply->body, "error"))
        im_fuzz_fail ("status %d without an error", reply->status);
    if (s_state.verbose)
        fprintf (stderr, "fuzz_fsm:   %d %s, %zu items\n", reply->status,
                 im_fields_str_or (reply->body, "error", ""),
                 reply->raw_items ? zlist_size (reply->raw_items)
                 : reply->items ? zlist_size (reply->items) : 0);
    json_t *json = im_reply_to_json (reply, "items");
    if (!json)
        im_fuzz_fail ("a reply's items do not decode");
    json_decref (json);
    im_reply_destroy (&reply);
}

//  Frames payload as an entry and applies it at index
static void
s_apply (uint64_t index, const uint8_t *payload, size_t size)
{
    size_t framed = 0;
    uint8_t *entry = im_fuzz_entry (payload, size, &framed);

    //  How many commands the entry holds, when it decodes
    im_command_t **commands = NULL;
    size_t count = 0;
    int decoded = im_entry_decode (entry, framed, &commands, &count, NULL, 0);
    im_entry_free (&commands, count);

    int rc = imc_fsm_apply (s_state.fsm, index, entry, framed);
    free (entry);
    if (rc != 0 && rc != IM_EPROTO)
        im_fuzz_fail ("entry %" PRIu64 " stops the node: %s", index,
                      im_strerror (rc));
    if ((rc == 0) != (decoded == 0))
        im_fuzz_fail ("entry %" PRIu64 ": apply says %d, decode %d", index,
                      rc, decoded);
    if (imc_fsm_applied_index (s_state.fsm) != index)
        im_fuzz_fail ("entry %" PRIu64 " is not recorded as applied", index);
    size_t results_n = 0;
    const imc_fsm_result_t *results = imc_fsm_results (s_state.fsm,
                                                       &results_n);
    if (rc == 0 && results_n != count)
        im_fuzz_fail ("%zu commands, %zu results", count, results_n);
    if (s_state.verbose)
        fprintf (stderr, "fuzz_fsm: entry %" PRIu64 ": %s, %zu results\n",
                 index, rc ? "does not decode" : "applied", results_n);
    for (size_t result = 0; result < results_n; result++) {
        zmsg_t *reply = im_reply_encode (results [result].status, "r",
                                         results [result].body, NULL, NULL);
        s_check_reply (&reply, false);
    }
}

//  "?VERB body": a query, answered from the store
static void
s_query (const uint8_t *data, size_t size)
{
    const uint8_t *space = (const uint8_t *) memchr (data, ' ', size);
    size_t verb_size = space ? (size_t) (space - data) - 1 : size - 1;
    size_t body_at = space ? (size_t) (space - data) + 1 : size;
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    zmsg_addstr (msg, IM_PROTO_CLIENT_SIG);
    zmsg_addmem (msg, data + 1, verb_size);
    zmsg_addstr (msg, "q");
    zmsg_addmem (msg, data + body_at, size - body_at);
    im_request_t *request = im_request_new ();
    assert (request);
    if (im_request_decode (request, &msg, NULL, 0) == 0) {
        im_query_type_t type = im_query_type_from_name (request->verb);
        //  The queries that read the store alone; the others ask Raft
        if (type == IM_QUERY_GET || type == IM_QUERY_LIST
        ||  type == IM_QUERY_TIMELINE || type == IM_QUERY_SLA_CLOCKS
        ||  type == IM_QUERY_COUNTERS || type == IM_QUERY_CONFIG
        ||  type == IM_QUERY_SEARCH || type == IM_QUERY_DENIALS
        ||  type == IM_QUERY_SLA_REPORT) {
            zmsg_t *reply = imb_query_answer (request, s_state.store, NULL,
                                              NULL, 1, NULL, NULL);
            if (s_state.verbose)
                fprintf (stderr, "fuzz_fsm: query %s\n", request->verb);
            s_check_reply (&reply, type == IM_QUERY_TIMELINE);
        }
    }
    im_request_destroy (&request);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_store_open ();
    im_fuzz_part_t parts [S_PARTS_MAX];
    size_t count = im_fuzz_split (data, size, parts, S_PARTS_MAX);
    uint64_t index = 0;
    for (size_t part = 0; part < count; part++) {
        if (parts [part].size > 0 && parts [part].data [0] == '?')
            s_query (parts [part].data, parts [part].size);
        else
            s_apply (++index, parts [part].data, parts [part].size);
    }
    return 0;
}
