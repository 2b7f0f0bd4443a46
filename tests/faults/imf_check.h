/*  imf_check - the history checker of the fault suite

    A fault run leaves three records: what the load generator sent and
    which of it was acknowledged (request id and the incident the answer
    named), every node's event log, and the notifier's sink files. The
    checker holds them and says what the promises of docs/protocol.md
    make wrong in them:

    - lost: an acknowledged request that some node's log lacks;
    - duplicated: one request id opened more than one incident on a node;
    - divergent: two nodes hold different events at the same seq, or one
      has a hole where the other has an event;
    - misanswered: the log holds the request under another incident than
      the one its answer named;
    - unacknowledged-but-present: sent, never answered, yet in the log
      (allowed: the answer was lost, not the write; counted);
    - workers: each incident the load opened was classified exactly once
      and its SLA started exactly once, and no notification was sent for
      an event that is not in the log (a sink line naming a seq the log
      lacks, or a seq that the log gives to another incident).

    The checker is pure: it reads nothing but what it is fed (and, for
    convenience, sink files by path), so its unit test feeds it histories
    with known faults.
*/
#ifndef IMF_CHECK_H_INCLUDED
#define IMF_CHECK_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IMF_NODES_MAX       5       //  Nodes one history may hold
#define IMF_TYPE_MAX        40      //  Bytes of an event type name
#define IMF_ID_MAX          128     //  Bytes of a request id

//  One event as the checker sees it; a plain value type
typedef struct {
    uint64_t seq;                   //  Global sequence number, from 1
    uint64_t incident;              //  Incident id, or 0
    uint64_t digest;                //  Hash of the whole EVENT's bytes
    char type [IMF_TYPE_MAX];       //  "incident.opened" ...
    char request_id [IMF_ID_MAX];   //  Request id, "" when none
} imf_event_t;

//  What a check found; a plain value type
typedef struct {
    size_t nodes;                   //  Node logs compared
    size_t sent;                    //  Distinct load requests sent
    size_t acknowledged;            //  Of them, answered 200
    size_t lost;                    //  Acknowledged, missing on a node
    size_t duplicated;              //  Opened more than once on a node
    size_t divergent;               //  Seqs where two nodes differ
    size_t misanswered;             //  Under another incident than its
                                    //  answer named
    size_t unacked_present;         //  Never answered, yet in the log
    size_t classified_wrong;        //  Load incidents not classified
                                    //  exactly once (workers checked)
    size_t sla_wrong;               //  Load incidents whose SLA did not
                                    //  start exactly once
    size_t phantom;                 //  Notifications about an event that
                                    //  is not in the log
    size_t notifications;           //  Notification lines read
} imf_result_t;

typedef struct _imf_check_t imf_check_t;

//  A checker for a load whose request ids start with prefix ("<prefix>-")
imf_check_t *
    imf_check_new (const char *prefix);

void
    imf_check_destroy (imf_check_t **self_p);

//  Records that the load sent request_id (any number of times)
void
    imf_check_sent (imf_check_t *self, const char *request_id);

//  Records that request_id was answered 200 naming incident
void
    imf_check_acked (imf_check_t *self, const char *request_id,
                     uint64_t incident);

//  Adds one event of node's log (1 .. IMF_NODES_MAX); events may come
//  in any order. Returns 0, or -1 for a node out of range, seq 0 or a
//  seq given twice for the node (printed).
int
    imf_check_event (imf_check_t *self, int node, const imf_event_t *event);

//  Records one notification about the event seq of incident
void
    imf_check_notification (imf_check_t *self, uint64_t incident,
                            uint64_t seq);

//  Reads one sink line ("TIME incident=ID reason=R seq=SEQ ...") into
//  a notification; returns 0, or -1 when the line is not one
int
    imf_check_sink_line (imf_check_t *self, const char *line);

//  Reads every *.log file of a notifier's sink directory; returns the
//  number of notification lines read, or -1 when dir cannot be read
int
    imf_check_sink_dir (imf_check_t *self, const char *dir);

//  Whether the workers' results are checked (default true)
void
    imf_check_set_workers (imf_check_t *self, bool workers);

//  Compares everything fed so far; fills result and prints up to a few
//  examples of each problem to report (may be NULL). Returns the number
//  of problems (unacked_present is not one).
size_t
    imf_check_run (imf_check_t *self, imf_result_t *result, FILE *report);

//  Problems in a result: every count but the informative ones
size_t
    imf_result_problems (const imf_result_t *result);

#endif
