/*  bench_ingest - private header of the durable-ingest benchmark

    The benchmark is one program in a few files, each one concept: the
    RocksDB and fdatasync baseline (bench_baseline), the broker process
    under test (bench_broker), the OPEN load and the lagging consumer
    (bench_load, bench_lagger), timing and percentiles (bench_stats) and
    the main program that runs the phases and prints the table
    (bench_ingest). This header includes the system and library headers
    once and declares what the files share.
*/
#ifndef BENCH_INGEST_H_INCLUDED
#define BENCH_INGEST_H_INCLUDED

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <rocksdb/c.h>
#include "im_classes.h"

//  --------------------------------------------------------------------
//  bench_stats - time and percentiles

//  Monotonic time in microseconds
uint64_t
    bench_now_us (void);

//  Sorts samples in place and returns the p-th percentile (0 < p <= 100,
//  nearest rank); 0 when n is 0
double
    bench_percentile (double *samples, size_t n, double p);

//  Largest sample; 0 when n is 0
double
    bench_max (const double *samples, size_t n);

//  Formats value with thousands separators into buffer
const char *
    bench_thousands (double value, char *buffer, size_t size);

//  --------------------------------------------------------------------
//  bench_baseline - what the disk and RocksDB give without imq

#define BENCH_BASELINE_SIZES 4              //  Batch sizes measured

typedef struct {
    size_t record_size;                     //  Bytes per record written
    size_t batch [BENCH_BASELINE_SIZES];    //  Records per synced batch
    double records_per_s [BENCH_BASELINE_SIZES];  //  Measured rate
    size_t fsync_samples;                   //  4 KiB writes timed
    double fsync_p50_ms;                    //  fdatasync median
    double fsync_p99_ms;                    //  fdatasync 99th percentile
} bench_baseline_t;

//  Writes record_size-byte records into a fresh RocksDB in dir/rocksdb
//  with sync=1 batches of each size for about ms_per_size ms, then
//  times fdatasync of 4 KiB appends in dir/fsync. Returns 0, or -1 with
//  the reason in errbuf.
int
    bench_baseline_run (const char *dir, size_t record_size, int ms_per_size,
                        bench_baseline_t *result, char *errbuf,
                        size_t errlen);

//  --------------------------------------------------------------------
//  bench_broker - the imq-broker process under test

typedef struct _bench_broker_t bench_broker_t;

//  Memory of the broker process, from /proc/PID/status, in KiB
typedef struct {
    uint64_t hwm_kb;                        //  VmHWM: peak resident
    uint64_t rss_kb;                        //  VmRSS: resident now
    uint64_t anon_kb;                       //  RssAnon: heap and stacks
    uint64_t file_kb;                       //  RssFile: mapped files
} bench_memory_t;

//  What STATUS says, and about one consumer group
typedef struct {
    uint64_t last_seq;                      //  Last event seq applied
    uint64_t commit_index;                  //  Raft commit index
    bool group_found;                       //  The group was listed
    int64_t group_lag;                      //  Its lag, in events
    int64_t group_offset;                   //  Its acknowledged offset
} bench_status_t;

//  Starts path (imq-broker) on a fresh data directory dir/broker with
//  free ports, config (may be NULL) passed with -c, and waits until it
//  leads and answers STATUS. Returns NULL with the reason in errbuf
//  (the broker's log is in dir/broker.log).
bench_broker_t *
    bench_broker_new (const char *path, const char *config, const char *dir,
                      char *errbuf, size_t errlen);

//  The same without CURVE (imq-broker --no-curve, dir/broker-plain), and
//  this process's clients without it too (IMQ_CERT unset)
bench_broker_t *
    bench_broker_new_plain (const char *path, const char *dir, char *errbuf,
                            size_t errlen);

//  Starts cluster member id of the members config lists (its data in
//  dir/node<id>, log dir/node<id>.log) on ports (client, workers, raft,
//  HTTP: what config lists for it) and waits until it answers STATUS,
//  as leader or not. Returns NULL with the reason in errbuf.
bench_broker_t *
    bench_broker_new_member (const char *path, const char *config,
                             const char *dir, uint64_t id, const int *ports,
                             char *errbuf, size_t errlen);

//  SIGKILLs the broker's process group and reaps it
void
    bench_broker_kill (bench_broker_t *self);

//  Stops the broker's process group (SIGTERM, then SIGKILL after 10 s)
//  and reaps the broker
void
    bench_broker_destroy (bench_broker_t **self_p);

//  Client and worker endpoints, borrowed
const char *
    bench_broker_client_endpoint (bench_broker_t *self);
const char *
    bench_broker_worker_endpoint (bench_broker_t *self);
//  host:port of its HTTP server, borrowed
const char *
    bench_broker_http_address (bench_broker_t *self);
//  Makes an HTTP bearer token for the administrator through the log
//  (PRINCIPAL token) into token (IM_TOKEN_TEXT bytes); "" for a broker
//  without CURVE, whose HTTP needs none. Returns 0 or -1 (errbuf).
int
    bench_broker_token (bench_broker_t *self, char *token, char *errbuf,
                        size_t errlen);

//  Process id of the broker
pid_t
    bench_broker_pid (bench_broker_t *self);

//  Asks STATUS; group may be NULL. Returns 0, or -1 with the reason in
//  errbuf.
int
    bench_broker_status (bench_broker_t *self, const char *group,
                         bench_status_t *status, char *errbuf,
                         size_t errlen);

//  Reads the broker's memory. Returns 0, or -1 if /proc cannot be read.
int
    bench_broker_memory (bench_broker_t *self, bench_memory_t *memory);

//  Resets the broker's peak RSS (VmHWM) to what it holds now, so that a
//  later bench_broker_memory gives the peak since this call. Returns 0,
//  or -1 if /proc refused.
int
    bench_broker_memory_reset (bench_broker_t *self);

//  Size of one stored event: the first event of incident, read back with
//  TIMELINE. Returns 0, or -1 with the reason in errbuf.
int
    bench_broker_event_size (bench_broker_t *self, int64_t incident,
                             size_t *size, char *errbuf, size_t errlen);

//  --------------------------------------------------------------------
//  bench_threads - CPU time of each thread of a process

#define BENCH_THREADS_MAX 64                //  Threads remembered

typedef struct {
    int tid;                                //  Thread id
    char name [32];                         //  comm, from /proc
    uint64_t ticks;                         //  utime + stime, clock ticks
} bench_thread_t;

typedef struct {
    size_t count;                           //  Threads read
    bench_thread_t threads [BENCH_THREADS_MAX];  //  In /proc order
    uint64_t at_us;                         //  When read
} bench_threads_t;

//  Reads every thread of pid. Returns 0 or -1.
int
    bench_threads_read (pid_t pid, bench_threads_t *threads);

//  Prints the CPU each thread used between before and after, busiest
//  first, marking the main thread (tid == pid)
void
    bench_threads_print (pid_t pid, const bench_threads_t *before,
                         const bench_threads_t *after, FILE *stream);

//  CPU seconds used between before and after by the threads whose name
//  starts with prefix (every thread when prefix is NULL)
double
    bench_threads_seconds (const bench_threads_t *before,
                           const bench_threads_t *after, const char *prefix);

//  --------------------------------------------------------------------
//  bench_lagger - a consumer that reads and acknowledges very slowly

typedef struct _bench_lagger_t bench_lagger_t;

//  Connects a DEALER to the worker endpoint and sends READY for group
//  with credit; it then acknowledges acks_per_s events a second (0:
//  none) and pings every second. Returns NULL on a socket failure.
bench_lagger_t *
    bench_lagger_new (const char *endpoint, const char *group,
                      uint32_t credit, unsigned acks_per_s);

void
    bench_lagger_destroy (bench_lagger_t **self_p);

//  The socket to poll for input
zsock_t *
    bench_lagger_sock (bench_lagger_t *self);

//  Reads what the broker sent (call when the socket is readable)
void
    bench_lagger_recv (bench_lagger_t *self);

//  Sends what is due at now_us: ACKs and PINGs
void
    bench_lagger_tick (bench_lagger_t *self, uint64_t now_us);

//  Deliveries received and acknowledgements sent so far
uint64_t
    bench_lagger_delivered (bench_lagger_t *self);
uint64_t
    bench_lagger_acked (bench_lagger_t *self);

//  --------------------------------------------------------------------
//  bench_load - OPEN requests, pipelined or one at a time

typedef struct _bench_load_t bench_load_t;

#define BENCH_CONNECTIONS_MAX 64            //  DEALER sockets in one load

//  Result of one run
typedef struct {
    uint64_t requests;                      //  OPENs sent and answered 200
    double seconds;                         //  First send to last reply
    double per_s;                           //  requests / seconds
    double p50_ms;                          //  Reply latency, median
    double p90_ms;                          //  90th percentile
    double p99_ms;                          //  99th percentile
    double max_ms;                          //  Slowest reply
} bench_load_result_t;

//  Called between batches of replies with the count answered so far;
//  returns 0 to go on, -1 to stop the run with an error
typedef int (bench_load_progress_fn) (uint64_t answered, void *arg);

//  Opens connections DEALER sockets to endpoint. tag makes this
//  object's request ids unique across runs and processes. Returns NULL
//  on a socket failure.
bench_load_t *
    bench_load_new (const char *endpoint, size_t connections,
                    const char *tag);

void
    bench_load_destroy (bench_load_t **self_p);

//  How request ids are made
typedef enum {
    BENCH_IDS_COUNTER,              //  "<tag>-<number>"
    BENCH_IDS_TIME,                 //  32 hex digits starting with the
                                    //  time in ms, as imqctl makes them
    BENCH_IDS_RANDOM                //  32 random-looking hex digits, as
                                    //  any client may send
} bench_ids_t;

void
    bench_load_set_ids (bench_load_t *self, bench_ids_t ids);

//  Sends verb with body (encoded now) instead of OPEN, and expects every
//  reply to have status. Returns 0, or -1 when the body does not encode.
int
    bench_load_set_command (bench_load_t *self, const char *verb,
                            const im_fields_t *body, int status);

//  Gives each OPEN a description of bytes characters (at most 8,192),
//  different in every request and hardly compressible, so that a store
//  grows by several KiB per OPEN through the ordinary write path.
//  Returns 0, or -1 when the body does not encode.
int
    bench_load_set_description (bench_load_t *self, size_t bytes);

//  Sends count OPENs keeping inflight unanswered in total (spread over
//  the connections), until every one was answered. lagger (may be NULL)
//  is served from the same loop; progress (may be NULL) is called about
//  every progress_every replies. Returns 0, or -1 with the reason in
//  errbuf (a reply other than 200, 30 s without a reply, interrupted).
int
    bench_load_run (bench_load_t *self, uint64_t count, size_t inflight,
                    bench_lagger_t *lagger, bench_load_progress_fn *progress,
                    uint64_t progress_every, void *arg,
                    bench_load_result_t *result, char *errbuf,
                    size_t errlen);

//  Incident id in the reply to the last OPEN answered, or 0
int64_t
    bench_load_last_incident (bench_load_t *self);

//  --------------------------------------------------------------------
//  bench_report - the table of figures at the end

#define BENCH_TARGET_EVENTS_PER_S  50000    //  Durable events a second
#define BENCH_TARGET_RSS_MB        200      //  Broker peak resident memory
#define BENCH_LAGGING_GROUP        "bench-lagging"

//  Everything one run measured
typedef struct {
    size_t event_size;                      //  Bytes of one stored OPEN event
    bench_baseline_t baseline;              //  RocksDB and fdatasync
    size_t inflight;                        //  Phase a: OPENs unanswered
    size_t connections;                     //  Phase a: DEALER sockets
    bench_ids_t ids;                        //  How request ids looked
    bench_load_result_t throughput;         //  Phase a
    uint64_t events_written;                //  Phase a, from STATUS
    uint64_t entries;                       //  Raft entries phase a made
    double client_cpu_s;                    //  This program's CPU, phase a
    bench_load_result_t latency;            //  Phase b
    bench_memory_t memory_before;           //  After phases a and b
    bench_memory_t memory;                  //  After phase c
    uint64_t total_events;                  //  last_seq at the end
    bench_status_t lagging;                 //  The lagging group at the end
    uint64_t lagger_delivered;              //  DELIVERs it received
    uint64_t lagger_acked;                  //  ACKs it sent
} bench_figures_t;

//  Prints the side-by-side table with the targets to stream
void
    bench_report_print (const bench_figures_t *figures, FILE *stream);

#endif
