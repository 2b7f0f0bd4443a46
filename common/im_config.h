/*  im_config - the YAML configuration every imq process reads

    One file (by default imq.yaml) configures a node and the policies its
    workers apply: the broker reads "node", the classifier "classifier",
    the SLA timer "sla" and the notifier "notifier". A replicated policy
    (imqctl config apply) is parsed with the same schema: the policy
    sections, plus "lifecycle", "agents" and "groups", which only a
    replicated policy holds. Every key has a default, so an empty file
    (or none) gives the embedded single-node setup. Errors are reported
    as "file:line:col: error: text", all of them, not just the first,
    and nothing is applied when there is one.

    Durations are written as an integer followed by ms, s, m, h or d
    ("15m", "4h", "500ms").

    im_config_t is a plain value type: copy it freely.
*/
#ifndef IM_CONFIG_H_INCLUDED
#define IM_CONFIG_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define IM_CONFIG_PATH_MAX       256
#define IM_CONFIG_NAME_MAX       64
#define IM_CONFIG_CATEGORIES_MAX 64
#define IM_CONFIG_KEYWORDS_MAX   32
#define IM_CONFIG_SUBCATEGORIES_MAX 16
#define IM_CONFIG_RECIPIENTS_MAX 16
#define IM_CONFIG_NODES_MAX      9      //  Members of a cluster
#define IM_CONFIG_ELECTION_TIMEOUT_MS 600   //  cluster.election_timeout
#define IM_CONFIG_HEARTBEAT_MS   100    //  cluster.heartbeat
#define IM_PRIORITIES            5      //  P1..P5
#define IM_CONFIG_AGENTS_MAX     64
#define IM_CONFIG_ROLES_MAX      8
#define IM_CONFIG_GROUPS_MAX     32
#define IM_CONFIG_MEMBERS_MAX    32

typedef struct {
    char name [IM_CONFIG_NAME_MAX];                     //  Category
    size_t keywords_n;                                  //  How many
    char keywords [IM_CONFIG_KEYWORDS_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Lowercase words
    size_t subcategories_n;                             //  How many
    char subcategories [IM_CONFIG_SUBCATEGORIES_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Allowed under it
} im_config_category_t;

//  An agent of the service desk and the roles it holds (replicated
//  policy). Roles name what the state machine lets an actor of that
//  name do; they are not authentication (docs/protocol.md section 9).
typedef struct {
    char name [IM_CONFIG_NAME_MAX];                     //  Actor name
    size_t roles_n;                                     //  How many
    char roles [IM_CONFIG_ROLES_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Role names
} im_config_agent_t;

//  An assignment group: its tier and its agents (replicated policy)
typedef struct {
    char name [IM_CONFIG_NAME_MAX];                     //  Group name
    uint64_t tier;                                      //  1..3 (I..III)
    size_t agents_n;                                    //  How many
    char agents [IM_CONFIG_MEMBERS_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Agent names
    size_t routes_n;                                    //  How many
    char routes [IM_CONFIG_MEMBERS_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Categories routed
                                                        //  to the group
} im_config_group_t;
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

    //  classifier
    int matrix [3][3];                                  //  [impact-1][urgency-1] -> 1..5
    size_t categories_n;                                //  How many
    im_config_category_t categories [IM_CONFIG_CATEGORIES_MAX];
    char default_category [IM_CONFIG_NAME_MAX];         //  "general"
    uint64_t request_priority;                          //  Requests: 4 (P4)

    //  sla: per priority P1..P5 (index 0..4), in ms
    uint64_t response_ms [IM_PRIORITIES];
    uint64_t resolution_ms [IM_PRIORITIES];
    uint64_t request_response_ms;                       //  Requests: 1d
    uint64_t request_resolution_ms;                     //  Requests: 5d

    //  lifecycle (replicated policy only): the state machine's windows
    uint64_t reopen_window_ms;                          //  7d
    uint64_t auto_close_ms;                             //  3d
    uint64_t request_retention_ms;                      //  7d, 0: by count
    uint64_t request_results_max;                       //  5M, 0: by age
    uint64_t alert_heartbeat_ms;                        //  5m

    //  desk (replicated policy only): agents, groups
    size_t agents_n;                                    //  How many
    im_config_agent_t agents [IM_CONFIG_AGENTS_MAX];
    size_t groups_n;                                    //  How many
    im_config_group_t groups [IM_CONFIG_GROUPS_MAX];

    //  notifier
    uint64_t hours_start_ms;                            //  Business hours,
    uint64_t hours_end_ms;                              //  UTC, Mon-Fri:
                                                        //  8h..18h
    char broadcast [IM_CONFIG_NAME_MAX];                //  Whole organisation:
                                                        //  "all-staff"
    char sink_dir [IM_CONFIG_PATH_MAX];                 //  "<data_dir>/notifications"
    size_t breach_recipients_n;                         //  How many
    char breach_recipients [IM_CONFIG_RECIPIENTS_MAX][IM_CONFIG_NAME_MAX];
                                                        //  Told of every breach
} im_config_t;

//  Fills config with the defaults (the ITIL matrix, ServiceNow-like SLA
//  targets, a few keyword categories)
void
    im_config_default (im_config_t *config);

//  Loads path over the defaults. Returns 0, or IM_ECONFIG with every
//  error as "path:line:col: error: text" lines in errbuf (config then
//  holds the defaults), or IM_ENOTFOUND if the file cannot be read.
int
    im_config_load (im_config_t *config, const char *path,
                    char *errbuf, size_t errlen);

//  Parses text (size octets, YAML) named name in messages over the
//  defaults, as im_config_load does a file. With policy true only the
//  policy sections are accepted (classifier, sla, lifecycle, notifier
//  without sink): a replicated policy must not carry one node's
//  settings. Deterministic: every node parsing the same text gets the
//  same config. Returns 0 or IM_ECONFIG with every error as
//  "name:line:col: error: text" lines in errbuf (config keeps the
//  defaults), or IM_ENOMEM.
int
    im_config_parse (im_config_t *config, const char *name, const char *text,
                     size_t size, bool policy, char *errbuf, size_t errlen);
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

//  Returns the priority (1..5) for impact and urgency (1..3), or 0 if
//  either is out of range
int
    im_config_priority (const im_config_t *config, int impact, int urgency);

//  True when ts_ms (UTC) falls in business hours: Monday to Friday,
//  from hours_start_ms to hours_end_ms after midnight
bool
    im_config_business_hours (const im_config_t *config, uint64_t ts_ms);

//  Returns the group (the first in the policy's list) that new
//  incidents of category are routed to, or NULL; borrowed from config
const char *
    im_config_route (const im_config_t *config, const char *category);

//  Returns the category whose keywords match text (case-insensitive,
//  whole words), else the default category. Borrowed from config.
const char *
    im_config_categorize (const im_config_t *config, const char *text);

#endif
