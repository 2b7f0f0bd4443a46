/*  im_config - a node's own settings, and the YAML file that holds them

    One file (by default imq.yaml) configures a node: the broker reads
    "node", "cluster", "http" and "security", the notifier the sink
    directory ("notifier.sink"). The same file may hold the policy
    sections ("classifier", "sla", "notifier"): they are not the node's
    but the starting policy of its workers (im_policy_t), read by the
    same loader into the policy it is given. A replicated policy
    (imqctl config apply) holds only policy sections and is parsed by
    im_policy_parse with the same schema. Every key has a default, so an
    empty file (or none) gives the embedded single-node setup. Errors
    are reported as "file:line:col: error: text", all of them, not just
    the first, and nothing is applied when there is one.

    Durations are written as an integer followed by ms, s, m, h or d
    ("15m", "4h", "500ms").

    im_config_t is a plain value type: copy it freely.
*/
#ifndef IM_CONFIG_H_INCLUDED
#define IM_CONFIG_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "im_policy.h"

#define IM_CONFIG_PATH_MAX       256
#define IM_CONFIG_NAME_MAX       IM_POLICY_NAME_MAX
#define IM_CONFIG_NODES_MAX      9      //  Members of a cluster
#define IM_CONFIG_ELECTION_TIMEOUT_MS 600   //  cluster.election_timeout
#define IM_CONFIG_HEARTBEAT_MS   100    //  cluster.heartbeat

//  One member of a cluster, as every node and client is told of it
typedef struct {
    uint64_t id;                                        //  Raft id, >= 1
    char raft [IM_CONFIG_PATH_MAX];                     //  Raft host:port
    char client [IM_CONFIG_PATH_MAX];                   //  Client endpoint
    char workers [IM_CONFIG_PATH_MAX];                  //  Worker endpoint
    char http [IM_CONFIG_PATH_MAX];                     //  HTTP host:port,
                                                        //  or "" (optional)
} im_config_member_t;

typedef struct {
    //  node: the broker
    uint64_t node_id;                                   //  default 1
    char data_dir [IM_CONFIG_PATH_MAX];                 //  "imq-data"
    char client_endpoint [IM_CONFIG_PATH_MAX];          //  tcp://127.0.0.1:7700
    char worker_endpoint [IM_CONFIG_PATH_MAX];          //  tcp://127.0.0.1:7701
    char raft_address [IM_CONFIG_PATH_MAX];             //  127.0.0.1:7702
    size_t batch_max;                                   //  Commands per entry, 4096
    size_t queue_max;                                   //  Commands waiting, 65536
    size_t inflight_entries_max;                        //  Raft entries in flight, 2
    size_t block_cache_mb;                              //  32
    size_t write_buffer_mb;                             //  64
    uint32_t worker_heartbeat_ms;                       //  1000
    uint32_t worker_expiry_ms;                          //  3000
    uint32_t offset_commit_ms;                          //  100
    unsigned snapshot_threshold;                        //  Most entries, 8192
    unsigned snapshot_trailing;                         //  Most kept, 1024
    bool join;                                          //  Not in YAML: the
                                                        //  broker's --join

    //  cluster: the members the cluster starts with (none: one node)
    uint32_t election_timeout_ms;                       //  Raft, 600
    uint32_t heartbeat_ms;                              //  Raft, 100
    size_t members_n;                                   //  How many
    im_config_member_t members [IM_CONFIG_NODES_MAX];   //  In file order

    //  http: the HTTP ingest and API of the broker
    char http_listen [IM_CONFIG_PATH_MAX];              //  127.0.0.1:7780
    size_t http_body_max;                               //  Octets, 1 MiB
    size_t http_inflight_max;                           //  Requests, 64
    size_t http_connections_max;                        //  Open, 1024
    size_t http_connections_per_client;                 //  Per address, 64
    uint32_t http_header_timeout_ms;                    //  Head, 10 s
    uint32_t http_body_timeout_ms;                      //  Body, 30 s
    char alert_resolve [IM_CONFIG_NAME_MAX];            //  auto | record
    uint32_t http_alert_copies_window_ms;               //  1m
    bool http_readyz_open;                              //  /readyz without
                                                        //  a token, true
    bool http_metrics_open;                             //  /metrics without
                                                        //  a token, true

    //  security: who may talk to the node (docs/security.md)
    bool curve;                                         //  CURVE on the
                                                        //  client and worker
                                                        //  endpoints, true
    char keys_dir [IM_CONFIG_PATH_MAX];                 //  Certificates,
                                                        //  "imq-keys"
    char cert [IM_CONFIG_PATH_MAX];                     //  This process's
                                                        //  secret certificate,
                                                        //  "": by its kind
    bool raft_public;                                   //  Raft may listen on
                                                        //  a public or
                                                        //  wildcard address

    //  notifier: where this node's notifier writes
    char sink_dir [IM_CONFIG_PATH_MAX];                 //  "<data_dir>/notifications"
} im_config_t;

//  Fills config with the defaults: the embedded single-node setup
void
    im_config_default (im_config_t *config);

//  Loads path over the defaults: the node settings into config, the
//  policy sections into policy (over im_policy_defaults, version 0: the
//  starting policy of the node's workers), which may be NULL for a
//  program that applies no policy (the file is checked all the same).
//  Returns 0, or IM_ECONFIG with every error as "path:line:col: error:
//  text" lines in errbuf (config and policy then hold the defaults), or
//  IM_ENOTFOUND if the file cannot be read.
int
    im_config_load (im_config_t *config, im_policy_t *policy,
                    const char *path, char *errbuf, size_t errlen);

//  Parses text (size octets, YAML) named name in messages as
//  im_config_load does a file. Returns 0 or IM_ECONFIG with every error
//  as "name:line:col: error: text" lines in errbuf (config and policy
//  keep the defaults), or IM_ENOMEM.
int
    im_config_parse (im_config_t *config, im_policy_t *policy,
                     const char *name, const char *text, size_t size,
                     char *errbuf, size_t errlen);

//  Returns the member with id, or NULL (borrowed from config)
const im_config_member_t *
    im_config_member (const im_config_t *config, uint64_t id);

//  Writes the endpoints of every member (workers: the worker endpoints,
//  else the client endpoints) as a comma-separated list into buffer.
//  Returns 0, or IM_EINVAL when there are no members or it does not fit.
int
    im_config_member_endpoints (const im_config_t *config, bool workers,
                                char *buffer, size_t size);

//  Parses a duration ("15m"); returns 0 or IM_EINVAL
int
    im_config_parse_duration (const char *text, uint64_t *ms);

#endif
