/*  im_harness - a private imq node for one end-to-end test

    End-to-end tests run the real programs: imq-broker, the three worker
    programs and imqctl, over real sockets, with a real RocksDB on disk.
    Each test gets its own temp directory, its own endpoints (ipc://
    sockets in that directory when their paths fit, else free TCP ports)
    and its own configuration file, so tests can run side by side. The
    harness starts and kills the processes with posix_spawn, runs imqctl
    and captures what it prints, asks the broker directly for status and
    timelines, and waits for conditions by polling them against a
    deadline. Teardown kills every child it started and removes the
    directory; when a test did not say it passed, the children's logs
    are printed first, since they are all a failed run leaves behind.
*/
#ifndef IM_HARNESS_H_INCLUDED
#define IM_HARNESS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "im_client.h"
#include "im_event.h"
#include "im_fields.h"
#include "im_proto.h"

#define IMH_PATH_MAX        512     //  Bytes in a path or endpoint
#define IMH_PROCS_MAX       16      //  Children one harness can run
#define IMH_CALL_MS         3000    //  Bound on one direct query
#define IMH_CTL_MS          20000   //  Bound on one imqctl run
#define IMH_POLL_MS         20      //  Interval of imh_wait_for
#define IMH_NODES_MAX       5       //  Brokers in a cluster

//  The programs the harness can start
typedef enum {
    IMH_BROKER = 0,
    IMH_CLASSIFIER,
    IMH_SLA_TIMER,
    IMH_NOTIFIER,
    IMH_PROGRAMS
} imh_program_t;

//  What the test wants in its configuration file; a plain value type
typedef struct {
    uint64_t response_ms [5];       //  SLA response target, P1..P5
    uint64_t resolution_ms [5];     //  SLA resolution target, P1..P5
    uint32_t heartbeat_ms;          //  node.worker_heartbeat
    uint32_t expiry_ms;             //  node.worker_expiry
    size_t http_body_max;           //  http.body_max
    size_t queue_max;               //  node.queue_max and batch_max,
                                    //  when not 0
    size_t http_inflight_max;       //  http.inflight_max
    size_t http_connections_max;    //  http.connections_max (0: default)
    size_t http_per_client;         //  http.connections_per_client (0:
                                    //  default)
    uint32_t http_header_ms;        //  http.header_timeout (0: default)
    uint32_t http_body_ms;          //  http.body_timeout (0: default)
    bool alert_record;              //  http.alert_resolve: record, not
                                    //  auto
    unsigned snapshot_threshold;    //  node.snapshot_threshold (0: default;
                                    //  the trailing entries are a quarter)
    uint32_t copies_window_ms;      //  http.alert_copies_window (0: default)
    unsigned write_buffer_mb;       //  node.write_buffer_mb (0: default)
} imh_options_t;

//  What one finished program run left: exit code and output
typedef struct {
    int status;                     //  Exit code, or -1 (signal, timeout)
    char *out;                      //  Its stdout, owned, NUL-ended
    char *err;                      //  Its stderr, owned, NUL-ended
} imh_run_t;

//  A condition to wait for; returns true once it holds
typedef bool (imh_condition_fn) (void *arg);

//  Fills the body of request index of a burst
typedef void (imh_body_fn) (int index, im_fields_t *body, void *arg);

//  Something a test does in the middle of a burst
typedef void (imh_action_fn) (void *arg);

//  Many requests of one verb in flight at once
typedef struct {
    const char *verb;               //  "OPEN", "ASSIGN", ...
    const char *prefix;             //  Request ids are "<prefix>-<n>"
    int count;                      //  How many requests
    imh_body_fn *body_fn;           //  Fills request n's body
    void *body_arg;                 //  Its argument
    imh_action_fn *midway_fn;       //  Called once, or NULL
    void *midway_arg;               //  Its argument
    int midway_after;               //  Replies before the call (0:
                                    //  half; -1: right after the sends)
    int deadline_ms;                //  Bound on the wait for one reply
    uint64_t *seqs;                 //  Gets each 200 reply's seq, or
                                    //  NULL
} imh_burst_t;

//  What an HTTP request got back
typedef struct {
    int status;                     //  HTTP status
    char *headers;                  //  Status line and headers, owned
    char *body;                     //  Body, owned, NUL-ended
    json_t *json;                   //  Body parsed, or NULL, owned
} imh_http_reply_t;

typedef struct _imh_t imh_t;

//  ---------------------------------------------------------------------
//  im_harness: directory, configuration, waiting;
//  im_harness_proc: the broker and worker processes

//  Fills options with long SLA targets (nothing breaches during a
//  test) and a short worker heartbeat and expiry
void
    imh_options_default (imh_options_t *options);

//  Creates the temp directory ($IM_TEST_TMPDIR, else /tmp), picks the
//  endpoints and writes imq.yaml. name tags the directory. options may
//  be NULL for the defaults. Returns NULL on failure, with the reason
//  printed.
imh_t *
    imh_new (const char *name, const imh_options_t *options);

//  SIGKILLs every child still running, prints their logs unless the
//  test called imh_passed, removes the directory (unless $IM_TEST_KEEP
//  is set); nulls *self_p
void
    imh_destroy (imh_t **self_p);

//  True when no child's log holds a sanitizer report (AddressSanitizer,
//  LeakSanitizer, UndefinedBehaviorSanitizer "runtime error:"); else
//  prints the log that does. Teardowns return -1 when it is false, so
//  a child's memory error fails the test even when the test passed.
bool
    imh_logs_clean (imh_t *self);

//  A cmocka teardown for a test whose state is a harness: destroys it,
//  and returns -1 when a child's log holds a sanitizer report
int
    imh_teardown (void **state);

//  Marks the test as passed: teardown stays quiet
void
    imh_passed (imh_t *self);

//  Paths and endpoints of this harness, borrowed
const char *
    imh_dir (imh_t *self);
const char *
    imh_client_endpoint (imh_t *self);
const char *
    imh_worker_endpoint (imh_t *self);
const char *
    imh_config_path (imh_t *self);
//  ---------------------------------------------------------------------
//  im_harness_spawn: starting imq, shared with the benchmarks (no
//  harness object needed)

#define IMH_PORTS_MAX   8           //  Ports one imh_free_ports picks

//  Picks a TCP port on 127.0.0.1 that is free now, at random below the
//  kernel's ephemeral range (so no outgoing connection takes it while a
//  node is down). Returns the port or 0.
int
    imh_free_port (void);

//  Picks count (at most IMH_PORTS_MAX) distinct free TCP ports on
//  127.0.0.1. Returns 0 or -1.
int
    imh_free_ports (int *ports, size_t count);

//  Starts argv (argv [0] a path, NULL-ended) with stdin from /dev/null
//  and stdout and stderr into log_path (emptied first when truncate),
//  in a process group of its own when own_group. Returns its pid, or -1
//  with errno set.
pid_t
    imh_spawn (const char *const *argv, const char *log_path, bool truncate,
               bool own_group);

//  Copies the last size - 1 bytes of the file at path (fewer when it is
//  shorter; "" when it cannot be read) into buffer
void
    imh_file_tail (const char *path, char *buffer, size_t size);

//  Makes the first certificates in keys directory dir (the
//  administrator's and each worker kind's, im_curve_keys_first) and has
//  this process and every program it starts talk as the administrator
//  (IMQ_CERT, IMQ_KEYS). Returns 0 or -1 (printed).
int
    imh_keys_first (const char *dir);

//  (Re)makes in dir the certificate of node id serving client and
//  workers. Returns 0 or -1 (printed).
int
    imh_node_cert_at (const char *dir, int id, const char *client,
                      const char *workers);

//  host:port of the broker's HTTP server
const char *
    imh_http_address (imh_t *self);
const char *
    imh_sink_dir (imh_t *self);

//  Writes into path the path of a secret certificate for principal name
//  with roles (comma-separated), made in the test's keys directory on
//  first use; give it to imqctl as --cert, or to im_curve_new. Returns 0
//  or -1. The test process itself, and every program it starts, talks
//  as the administrator (IMQ_CERT) unless told otherwise.
int
    imh_cert (imh_t *self, const char *name, const char *roles, char *path,
              size_t size);

//  A DEALER connected to endpoint as principal as (its certificate in
//  the keys directory, made with as for its role on first use), or as
//  the administrator when as is NULL, for a test that speaks the
//  protocol by hand; NULL when it cannot be made
zsock_t *
    imh_dealer (imh_t *self, const char *endpoint, const char *as);

//  A client of endpoint as principal name (its certificate made with
//  roles on first use, imh_cert), each call bounded by timeout_ms; its
//  identity is returned in *curve_p, which must outlive the client.
//  NULL when either cannot be made.
im_client_t *
    imh_client_as (imh_t *self, const char *endpoint, const char *name,
                   const char *roles, int timeout_ms, im_curve_t **curve_p);

//  The status client's call of verb with body (may be NULL) was
//  answered with; 0 when no answer came
int
    imh_call_status (im_client_t *client, const char *verb,
                     const im_fields_t *body);

//  (Re)makes the certificate of node id serving client and workers in
//  the keys directory; returns 0 or -1
int
    imh_node_cert (imh_t *self, int id, const char *client,
                   const char *workers);

//  The keys directory (the nodes' public certificates)
const char *
    imh_keys_dir (imh_t *self);

//  Starts program with its endpoints and the config file; name tags
//  its log (<dir>/<name>.log) and is the worker's --instance; extra
//  (NULL-ended, may be NULL) is appended to its arguments. Returns the
//  child's slot (>= 0) or -1.
int
    imh_start (imh_t *self, imh_program_t program, const char *name,
               const char *const *extra);

//  Starts another program (argv [0] a path, NULL-ended) as a child of
//  the harness, logged to <dir>/<name>.log and killed at teardown, as
//  imh_start does. Returns its slot (>= 0) or -1.
int
    imh_start_command (imh_t *self, const char *name,
                       const char *const *argv);

//  Starts the broker and waits until it answers STATUS as leader.
//  Returns its slot, or -1 when it died or did not answer in time.
int
    imh_start_broker (imh_t *self);

//  Starts one instance of each worker program, named classifier-1,
//  sla-1 and notifier-1, with the extra arguments (as imh_start), and
//  waits until the broker lists each group with one instance. slots
//  (may be NULL) gets their 3 slots. Returns 0 or -1.
int
    imh_start_workers (imh_t *self, int *slots, const char *const *extra);

//  A whole node: imh_new, the broker, and (when workers is true) one
//  instance of each worker program, started with extra (may be NULL),
//  as imh_start_workers. On failure it prints the logs, tears itself
//  down and returns NULL, so a test setup can simply fail.
imh_t *
    imh_new_node (const char *name, const imh_options_t *options,
                  bool workers, const char *const *extra);

//  For a cmocka setup: *state gets a whole node with one of each worker
//  (imh_new_node (name, NULL, true, NULL)), for imh_teardown. Returns 0
//  or -1.
int
    imh_setup_node (void **state, const char *name);

//  The main of a test program of one test: czmq set up (its log on
//  stderr), then test (named name) run by cmocka with setup and
//  imh_teardown. Returns main's exit code.
int
    imh_run_test (const char *name, void (*test) (void **state),
                  int (*setup) (void **state));

//  Returns the slot of the child named name ("broker", "sla-1"), or -1
int
    imh_slot (imh_t *self, const char *name);

//  Starts the child of slot again, with the same arguments and log;
//  for the broker, waits until it answers as leader. Returns 0 or -1.
int
    imh_restart (imh_t *self, int slot);

//  Sends SIGKILL to the child of slot and reaps it. Returns 0 or -1.
int
    imh_kill (imh_t *self, int slot);

//  SIGKILLs every child still running and reaps it (before what they
//  used goes: a file system to unmount, a namespace)
void
    imh_kill_all (imh_t *self);

//  Sends SIGTERM and waits up to deadline_ms for the child to exit.
//  Returns its exit code, or -1 when it died of a signal or had to be
//  killed.
int
    imh_stop (imh_t *self, int slot, int deadline_ms);

//  Waits up to deadline_ms for the child of slot to exit by itself
//  (it is reaped). Returns its exit code (-1: it died of a signal), or
//  -2 when it still runs.
int
    imh_wait_exit (imh_t *self, int slot, int deadline_ms);

//  The signal that ended the child of slot by itself (SIGSEGV...), or 0
//  while it runs, when it exited, or when imh_kill ended it
int
    imh_end_signal (imh_t *self, int slot);

//  True while the child of slot runs (it is reaped if it exited)
bool
    imh_running (imh_t *self, int slot);

//  Prints the log of slot to stderr (for a failure being debugged)
void
    imh_print_log (imh_t *self, int slot);

//  Counts the lines of the log of the child named name that hold
//  needle
int
    imh_log_lines (imh_t *self, const char *name, const char *needle);

//  Size in bytes of the log of the child named name, or -1
long
    imh_log_size (imh_t *self, const char *name);

//  Polls fn every IMH_POLL_MS until it returns true (true) or
//  deadline_ms passes (false)
bool
    imh_wait_for (imh_condition_fn *fn, void *arg, int deadline_ms);

//  ---------------------------------------------------------------------
//  im_harness_cluster: several brokers on loopback

//  Lists nodes brokers (3 or 5) under cluster.members in the harness's
//  configuration, each with its own data directory and TCP ports on
//  127.0.0.1, starts them (children "node1" ...) and waits until one
//  leads. From then on the harness's client endpoint and worker
//  endpoint are the lists of every node's (workers started after this
//  read them from cluster.members), and the harness's queries are
//  linearizable, so they are answered by the leader. Returns 0 or -1.
int
    imh_cluster_start (imh_t *self, int nodes);

//  Before imh_cluster_start: node (1 .. IMH_NODES_MAX) binds its
//  ports on host (the fixed ports IMH_PLACED_PORT and the three after
//  it: the host is the node's own, in a network namespace of its own)
//  and its broker is started through prefix (NULL-ended argv, may be
//  NULL), which must exec the broker so that the child's pid is the
//  broker's ("/usr/bin/env" "ip" "netns" "exec" NS). Returns 0 or -1.
#define IMH_PLACED_PORT     7700
int
    imh_cluster_place (imh_t *self, int node, const char *host,
                       const char *const *prefix);

//  Writes the data directory of node (1 ..), <dir>/node<N>, into path
//  (size bytes); returns path
const char *
    imh_node_data (imh_t *self, int node, char *path, size_t size);

//  imh_new and imh_cluster_start in one: NULL (everything torn down,
//  the logs printed) when either failed
imh_t *
    imh_new_cluster (const char *name, const imh_options_t *options,
                     int nodes);

//  Starts one more broker (the next node id, child "node<id>") with
//  --join: it bootstraps nothing and is not in cluster.members, so it
//  serves once "imqctl cluster add" made it a member. Its client
//  endpoint joins the harness's list. Returns its node id, or 0.
int
    imh_cluster_join (imh_t *self);

//  The Raft address of node, borrowed
const char *
    imh_node_raft (imh_t *self, int node);

//  The slot of node (1 .. nodes)
int
    imh_node_slot (imh_t *self, int node);

//  The client endpoint of node alone, borrowed
const char *
    imh_node_endpoint (imh_t *self, int node);

//  The worker endpoint of node alone, borrowed
const char *
    imh_node_workers (imh_t *self, int node);

//  The HTTP address (127.0.0.1:<port>) of node (1..nodes)
const char *
    imh_node_http (imh_t *self, int node);

//  Sends one request to node alone (waiting at most 1 s);
//  returns the reply (caller's) or NULL
im_reply_t *
    imh_node_call (imh_t *self, int node, const char *verb,
                   const im_fields_t *body);

//  Waits until a running node says it leads and every other running
//  node that answers names it; returns that node, or 0 when none did
//  within deadline_ms
int
    imh_cluster_leader (imh_t *self, int deadline_ms);

//  Waits until node leads by the same account (each node's status lags
//  its Raft state by up to a tick, so a node that just took over is not
//  yet named by all); true when it did within deadline_ms
bool
    imh_cluster_wait_leader (imh_t *self, int node, int deadline_ms);

//  Waits until a node other than old leads by the same account as
//  imh_cluster_leader; returns it, or 0 when none did within deadline_ms
int
    imh_cluster_other_leader (imh_t *self, int old, int deadline_ms);

//  Waits until a linearizable read is answered (the leader applied all
//  it committed), then until every running node answers with the same
//  last_seq and applied index; true when both came within deadline_ms
//  each
bool
    imh_cluster_converged (imh_t *self, int deadline_ms);

//  Reads node's own incidents (LIST, not linearizable: what this node
//  applied) as "id title" strings in id order; returns the list
//  (caller destroys it) or NULL
zlist_t *
    imh_node_incidents (imh_t *self, int node);

//  Sends signal to the child of slot (SIGSTOP, SIGCONT). Returns 0 or -1.
int
    imh_signal (imh_t *self, int slot, int signal);

//  ---------------------------------------------------------------------
//  im_harness_writes: writes that must each be acknowledged once

typedef struct _imh_writes_t imh_writes_t;

//  count OPENs titled "<prefix> <n>" with request ids "<prefix>-<n>",
//  sent by a client of its own to endpoint (a list; NULL: the
//  harness's client endpoint or endpoints). Returns NULL on failure.
imh_writes_t *
    imh_writes_new (imh_t *harness, const char *endpoint,
                    const char *prefix, int count);

void
    imh_writes_destroy (imh_writes_t **self_p);

//  Sends what is due (each write not yet answered 200: at once the
//  first time, 50 ms after a 421 or 503, else 500 ms after its last
//  send, with its request id unchanged) and reads replies, until answered writes
//  reach answered or deadline_ms passes. Returns the count answered.
int
    imh_writes_run (imh_writes_t *self, int answered, int deadline_ms);

//  Sends the writes in order at per_second (write n is released n /
//  per_second seconds after the call) for duration_ms, reading replies
//  and sending again what is due as imh_writes_run does; the writes not
//  released by then are released. Returns the count answered.
int
    imh_writes_paced (imh_writes_t *self, int per_second, int duration_ms);

//  From now on imh_writes_run releases the writes at per_second, as
//  imh_writes_paced does, however many runs it takes (a test acting
//  between them); 0 releases every write at once again
void
    imh_writes_pace (imh_writes_t *self, int per_second);

//  Counts the answered writes that a node's incidents
//  (imh_node_incidents) do not hold under the incident their answer
//  named: acknowledged and lost, or renumbered
int
    imh_writes_missing (imh_writes_t *self, zlist_t *incidents);

//  Gives each write a description of size octets (0, the default: none)
void
    imh_writes_set_padding (imh_writes_t *self, size_t size);

//  Replies with status received so far (any status 100..599)
int
    imh_writes_replies (imh_writes_t *self, int status);

//  Incident of write n's 200 answer, or 0 while it has none
uint64_t
    imh_writes_incident (imh_writes_t *self, int n);

//  Monotonic ms of the first 200 answer after since_ms, or 0
uint64_t
    imh_writes_first_after (imh_writes_t *self, uint64_t since_ms);

//  Checks a node's incidents (imh_node_incidents): every answered write
//  is there exactly once, under the incident its answer named, and no
//  write is there twice. Prints and counts what is not.
int
    imh_writes_check (imh_writes_t *self, zlist_t *incidents);

//  Waits until the running nodes of the cluster converge, then checks
//  each one's incidents against every writes of the array (NULL entries
//  skipped) and against each other: the same incidents in the same
//  order, total of them (total < 0: any number). Returns the number of
//  problems, printed.
int
    imh_writes_check_cluster (imh_t *harness, imh_writes_t **writes,
                              size_t count, int64_t total, int deadline_ms);

//  ---------------------------------------------------------------------
//  The shared cluster fixture: a test's state is the harness alone, and
//  the harness keeps every batch of writes it made, to check them all
//  against every node's log and to destroy them at teardown

//  For a cmocka setup: *state gets imh_new_cluster (name, options,
//  nodes) (options may be NULL: the defaults), for imh_teardown.
//  Returns 0 or -1.
int
    imh_setup_cluster (void **state, const char *name,
                       const imh_options_t *options, int nodes);

//  imh_writes_new, kept by the harness: destroyed with it and checked
//  by imh_cluster_check. Returns the writes (borrowed) or NULL.
imh_writes_t *
    imh_cluster_writes (imh_t *harness, const char *endpoint,
                        const char *prefix, int count);

//  imh_writes_check_cluster against every imh_cluster_writes so far:
//  the running nodes converge, each holds every answered write once,
//  and all hold the same incidents in the same order, total of them
//  (total < 0: any number). Returns the number of problems, printed.
int
    imh_cluster_check (imh_t *harness, int64_t total, int deadline_ms);

//  SIGKILLs node (1 ..) and reaps it; returns 0 or -1
int
    imh_node_kill (imh_t *self, int node);

//  Starts node (1 ..) again, with its data; returns 0 or -1
int
    imh_node_restart (imh_t *self, int node);

//  What one failover round did
typedef struct {
    int killed;                     //  The leader killed
    int next;                       //  The node that led next
    uint64_t gap_ms;                //  From the kill to the first write
                                    //  answered after it
} imh_failover_t;

//  Failover round (0 ..): count writes titled "round<round> <n>" in
//  flight through the cluster; once kill_after of them are answered the
//  leader is SIGKILLed; then probes writes "round<round>-after <n>" are
//  sent, the first of them answered measuring the gap. Every write of
//  both is answered in the end (both are imh_cluster_writes). Each wait
//  is bounded by deadline_ms. Prints a line about the round; returns 0
//  with result filled, or -1 (printed) when a wait failed.
int
    imh_cluster_failover (imh_t *self, int round, int count, int kill_after,
                          int probes, int deadline_ms,
                          imh_failover_t *result);

//  ---------------------------------------------------------------------
//  im_harness_run: programs run to completion, and imqctl

//  Runs argv (argv [0] a path) with stdin from /dev/null, capturing
//  stdout and stderr, killing it after deadline_ms. Returns 0 and fills
//  result (release with imh_run_clear), or -1 when it did not start.
int
    imh_run (const char *const *argv, int deadline_ms, imh_run_t *result);

//  Frees what a run captured
void
    imh_run_clear (imh_run_t *result);

//  The path of imqctl, for a test that starts it with imh_spawn
const char *
    imh_ctl_path (void);

//  Runs imqctl -e <client endpoint> ARGS... (NULL-ended); "--as", NAME
//  among them talks as principal NAME (imh_cert, made without roles on
//  first use) instead of the administrator. Returns its
//  exit code (-1 when it did not finish); result may be NULL, else it
//  holds the output.
int
    imh_ctl (imh_t *self, imh_run_t *result, ...)
    __attribute__ ((sentinel));

//  Runs imqctl --json ARGS... and parses its stdout. Returns the JSON
//  (caller's reference) when imqctl exited 0 with valid JSON, else NULL
//  after printing what it did.
json_t *
    imh_ctl_json (imh_t *self, ...)
    __attribute__ ((sentinel));

//  Returns the integer member key of object, or -1 when it is absent
//  or not an integer
int64_t
    imh_json_int (const json_t *object, const char *key);

//  Returns the string member key of object, or "" (borrowed)
const char *
    imh_json_str (const json_t *object, const char *key);

//  Counts the events of a timeline's "events" array of type whose
//  payload has key = value (key NULL: every one of the type); when
//  first_p is not NULL it gets the first match (borrowed) or NULL
int
    imh_json_events (const json_t *timeline, const char *type,
                     const char *key, const char *value, json_t **first_p);

//  True when an array of objects has one whose "id" is id
bool
    imh_json_has_id (const json_t *array, int64_t id);

//  Path of the program's binary, borrowed
const char *
    imh_program_path (imh_program_t program);

//  ---------------------------------------------------------------------
//  im_harness_http: the broker's HTTP server, through curl

//  Sends method path (with the query) to the broker's HTTP server with
//  curl; body (size octets) is sent when not NULL, header ("Name:
//  value") when not NULL. Every path but /healthz, /readyz and /metrics
//  goes with `Authorization: Bearer` and the harness's token
//  (imh_http_token) unless header is an Authorization itself
//  ("Authorization:" alone sends none). Returns 0 with reply filled
//  (release with imh_http_clear), or -1 when curl failed.
int
    imh_http (imh_t *self, const char *method, const char *path,
              const char *body, size_t size, const char *header,
              imh_http_reply_t *reply);

//  Same, to any URL ("http://host:port/path")
int
    imh_http_url (imh_t *self, const char *method, const char *url,
                  const char *body, size_t size, const char *header,
                  imh_http_reply_t *reply);

//  Makes an HTTP bearer token for principal through the log (PRINCIPAL
//  add with roles when roles is not NULL, then token) into token
//  (IM_TOKEN_TEXT bytes) and its id into id (IM_TOKEN_ID_TEXT, may be
//  NULL); in a cluster, waits until every node applied it. Returns 0 or
//  -1.
int
    imh_token (imh_t *self, const char *principal, const char *roles,
               char *token, char *id);

//  The harness's own token (principal admin, role administrator), made
//  on first use; NULL when it could not be made
const char *
    imh_http_token (imh_t *self);

//  Copies the value of header name of reply into value; returns value,
//  or NULL when there is no such header
const char *
    imh_http_header (const imh_http_reply_t *reply, const char *name,
                     char *value, size_t size);

void
    imh_http_clear (imh_http_reply_t *reply);

//  http.body_max of the nodes imh_http_setup starts with default queues
#define IMH_HTTP_BODY_MAX   8192

//  A node an HTTP test runs against (a cmocka prestate)
typedef struct {
    const char *name;               //  Tags its directory
    bool record;                    //  http.alert_resolve: record
    size_t queue_max;               //  node.queue_max and batch_max, or 0
                                    //  for the defaults (and body_max
                                    //  IMH_HTTP_BODY_MAX)
    size_t inflight_max;            //  http.inflight_max
    uint32_t copies_window_ms;      //  http.alert_copies_window, or 0
} imh_http_node_t;

//  For a cmocka setup: *state gets a node without workers as the
//  imh_http_node_t in *state (its prestate, borrowed) describes, or a
//  plain one ("http", defaults) when there is none, for imh_teardown.
//  Returns 0 or -1.
int
    imh_http_setup (void **state);

//  Sends a request with imh_http and fails the test unless it is
//  answered with status; returns the reply (the caller clears it)
imh_http_reply_t
    imh_http_expect (imh_t *self, const char *method, const char *path,
                     const char *body, const char *header, int status);

//  The value of the sample "name" (with its labels) in metrics text, or
//  -1 when there is none
long
    imh_http_sample (const char *text, const char *name);

//  ---------------------------------------------------------------------
//  im_harness_raw: HTTP over raw sockets

#define IMH_RAW_ANSWERS     8       //  Statuses kept of a raw reply

//  What came back on a raw connection
typedef struct {
    char *text;                     //  Every octet read, owned, NUL-ended
    size_t size;                    //  How many
    int answers;                    //  Status lines in text (not 100)
    int complete;                   //  Whole answers (head and body)
    int status;                     //  The first answer's status, or 0
    int statuses [IMH_RAW_ANSWERS]; //  Those of the first whole answers
    char type [64];                 //  Its Content-Type, or ""
    json_t *json;                   //  Its body parsed, or NULL, owned
    bool closed;                    //  The server closed the connection
    int first_ms;                   //  From the read to the first octet
} imh_raw_reply_t;

//  Connects to the node's HTTP server from the local address from
//  ("127.0.0.2"), or any when NULL. Returns the socket, or -1.
int
    imh_raw_connect (imh_t *self, const char *from);

//  Sends size octets of bytes on fd; returns 0 or -1
int
    imh_raw_send (int fd, const char *bytes, size_t size);

//  Reads from fd into reply (zeroed by the caller, or holding what an
//  earlier read got) until the server closes the connection, answers
//  whole answers came (when above 0) or timeout_ms passed. Returns 0.
int
    imh_raw_read (int fd, int answers, int timeout_ms,
                  imh_raw_reply_t *reply);

//  Connects from from, sends size octets of bytes, and reads what comes
//  until the server closes or timeout_ms passes. Returns 0, or -1 when
//  the connection or the send failed.
int
    imh_raw (imh_t *self, const char *from, const char *bytes, size_t size,
             int timeout_ms, imh_raw_reply_t *reply);

//  Closes fd with a reset: a test that opens thousands of connections
//  leaves no port waiting (TIME_WAIT) for other tests to trip on
void
    imh_raw_abort (int fd);

void
    imh_raw_clear (imh_raw_reply_t *reply);

//  Fails the test unless reply holds exactly one status line, of one
//  whole answer with status, Content-Type application/json and a JSON
//  body whose "error" has needle in it
void
    imh_raw_expect_error (const imh_raw_reply_t *reply, int status,
                          const char *needle);

//  ---------------------------------------------------------------------
//  im_harness_query: direct questions to the broker;
//  im_harness_burst: many requests in flight

//  The harness's own client of the broker (timeout IMH_CALL_MS),
//  borrowed; NULL when it cannot be made
im_client_t *
    imh_client (imh_t *self);

//  Sends one request; returns the reply (caller's) or NULL
im_reply_t *
    imh_call (imh_t *self, const char *verb, const im_fields_t *body,
              bool raw_items);

//  Reads the node's last_seq via STATUS. Returns 0 or -1.
int
    imh_last_seq (imh_t *self, uint64_t *last_seq);

//  Reads a consumer group's figures from STATUS; -1 when the broker did
//  not answer or does not list the group
int
    imh_group (imh_t *self, const char *group, int64_t *instances,
               int64_t *lag);

//  Waits until the classifier, sla and notifier groups are each listed
//  with lag 0 in one linearizable STATUS answer (every event handled
//  and acked, the store caught up with the Raft log).
//  Returns true when they were within deadline_ms.
bool
    imh_wait_settled (imh_t *self, int deadline_ms);

//  Waits until group lists instances instances
bool
    imh_wait_instances (imh_t *self, const char *group, int64_t instances,
                        int deadline_ms);

//  Reads an incident's timeline as decoded events; returns a list of
//  im_event_t * (caller destroys it with imh_events_destroy) or NULL
zlist_t *
    imh_timeline (imh_t *self, uint64_t incident);

//  Reads an incident's timeline as node (1 ..) alone applied it (not
//  linearizable), as imh_timeline does
zlist_t *
    imh_node_timeline (imh_t *self, int node, uint64_t incident);

void
    imh_events_destroy (zlist_t **events_p);

//  Copies into found the first event of type (a wire name) in incident's
//  timeline whose payload has key = value (key NULL: the first of the
//  type). Returns false when there is none (or no timeline).
bool
    imh_find_event (imh_t *self, uint64_t incident, const char *type,
                    const char *key, const char *value, im_event_t *found);

//  Counts the events of type (a wire name) in incident's timeline whose
//  payload has key = value (key NULL: every event of the type). Returns
//  the count, or -1 when the timeline could not be read.
int
    imh_count_events (imh_t *self, uint64_t incident, const char *type,
                      const char *key, const char *value);

//  Waits until imh_count_events (...) >= count
bool
    imh_wait_events (imh_t *self, uint64_t incident, const char *type,
                     const char *key, const char *value, int count,
                     int deadline_ms);

//  Opens an incident directly (not through imqctl); returns its id or 0
uint64_t
    imh_open (imh_t *self, const char *title, const char *reporter,
              int impact, int urgency);

//  Sends every request of burst without waiting, then collects the
//  replies; ids [n] gets the incident reply n names (when 200), or 0.
//  Returns how many got 200, or -1 when replies stopped coming.
int
    imh_burst (imh_t *self, const imh_burst_t *burst, uint64_t *ids);

//  A body_fn for OPEN bursts: title "<arg> <n>", reporter "burst"
void
    imh_open_body (int index, im_fields_t *body, void *arg);

//  Counts the lines of recipient's notification file in the sink that
//  are about incident id for reason
int
    imh_sink_lines (imh_t *self, const char *recipient, int64_t id,
                    const char *reason);

//  Reads a whole text file into a new string (caller frees), or NULL
char *
    imh_read_file (const char *path);

//  Counts the lines of text that contain every one of the NULL-ended
//  needles
int
    imh_count_lines (const char *text, ...)
    __attribute__ ((sentinel));

//  ---------------------------------------------------------------------
//  im_harness_peer: a raw ZeroMQ peer for the tests of hostile bytes, whose
//  frames are exactly what the test says

#define IMH_PEER_WAIT_MS     20000               //  Bound on any one wait
#define IMH_PEER_BIG         (2 * 1024 * 1024)   //  An oversized frame

//  A node and the test's own socket to it
typedef struct {
    imh_t *harness;                 //  Broker, directory, owned
    zsock_t *peer;                  //  Raw socket of the test, or NULL,
                                    //  owned
    char *big;                      //  IMH_PEER_BIG bytes of 'x', owned
} imh_peer_t;

//  For a cmocka setup: *state gets a new imh_peer_t over a node named
//  name (nothing started). Returns 0 or -1.
int
    imh_peer_setup (void **state, const char *name);

//  For a cmocka teardown: fails when the node's logs show a sanitizer
//  report, then destroys *state
int
    imh_peer_teardown (void **state);

//  Starts the broker and connects the raw peer (a DEALER) to its worker
//  endpoint when workers is true (as principal "peer", whose roles are
//  "classifier" unless the test made its certificate first), else to its
//  client endpoint (as the administrator). Returns the broker's slot, or
//  -1.
int
    imh_peer_start (imh_peer_t *self, bool workers);

//  Builds a message of the NULL-ended string frames, then last (taken)
//  when not NULL
zmsg_t *
    imh_peer_msg (const char *const *strings, zframe_t *last);

//  Receives one message from socket within IMH_PEER_WAIT_MS, or NULL
zmsg_t *
    imh_peer_recv (zsock_t *socket);

//  im_harness_damage: damage done to a stopped node's files

//  Flips one bit in the entry data of the newest open Raft segment of
//  node (1 ..) that holds entries: in the batch from_end batches before
//  its last (from_end 0: the last). what gets where (file, batch, byte).
//  Returns 0, or -1 (printed) when there is no such segment or batch.
int
    imh_raft_flip (imh_t *self, int node, int from_end, char *what,
                   size_t size);

//  Flips one byte inside the first data block of a table file of
//  node's store (node 0: the harness's single broker) that belongs to
//  the column family cf ("incidents"...). what gets where. Returns 0,
//  or -1 (printed) when no table file of that family was found.
int
    imh_store_flip (imh_t *self, int node, const char *cf, char *what,
                    size_t size);

#endif
