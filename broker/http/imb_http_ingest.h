/*  imb_http_ingest - JSON from HTTP clients, turned into imq commands

    The HTTP API takes three kinds of write: an incident as imqctl opens
    it, an Alertmanager webhook notification (payload version 4) and a
    PagerDuty Events API v2 event. Each becomes one or more commands for
    the broker's client endpoint (OPEN, or ALERT with a dedup key). This
    is where their JSON is checked: a fault is answered with the path of
    the field at fault ("alerts[2].fingerprint"), and nothing is sent.
*/
#ifndef IMB_HTTP_INGEST_H_INCLUDED
#define IMB_HTTP_INGEST_H_INCLUDED

#include <stdbool.h>
#include <jansson.h>
#include "im_event.h"
#include "im_fields.h"
#include "im_proto.h"

#define IMB_HTTP_FIELD_MAX 128      //  Octets in a field path, with NUL
#define IMB_HTTP_LABEL_MAX 256      //  Octets in an alert's name, with NUL:
                                    //  a dedup key takes up to 255

//  What was wrong with a request body
typedef struct {
    char field [IMB_HTTP_FIELD_MAX];    //  Path of the field at fault, or ""
    char text [256];                    //  What was wrong
} imb_http_fault_t;

//  One command to send
typedef struct {
    char request_id [IM_REQUEST_ID_MAX];    //  Idempotency key
    char label [IMB_HTTP_LABEL_MAX];        //  What the answer calls it
                                            //  (fingerprint, dedup key)
    int repeat_of;                          //  Index of an earlier command
                                            //  of the batch with the same
                                            //  request id, or -1
    im_fields_t *body;                      //  Request body, owned
} imb_http_command_t;

//  Commands made from one request body
typedef struct {
    size_t count;                       //  How many
    imb_http_command_t *commands;       //  count of them, owned
} imb_http_batch_t;

//  Frees what batch holds and zeroes it
void
    imb_http_batch_clear (imb_http_batch_t *batch);

//  Reads an incident to open (the OPEN arguments and "actor") from
//  root into body. Returns 0, or IM_EINVAL with fault filled.
int
    imb_http_ingest_incident (const json_t *root, im_fields_t *body,
                              imb_http_fault_t *fault);

//  Reads an Alertmanager webhook notification into one ALERT per alert
//  (action resolve, or clear when auto_resolve is false, for resolved
//  alerts; a firing one carries its occurrence, its startsAt). Returns
//  0, or IM_EINVAL with fault filled.
int
    imb_http_ingest_alertmanager (const json_t *root, bool auto_resolve,
                                  imb_http_batch_t *batch,
                                  imb_http_fault_t *fault);

//  Makes, into heartbeats, an ALERT heartbeat for each firing alert of
//  batch that replies (one per command, borrowed) answered as a repeat:
//  the alert was sent again and still fires. Its request id names
//  window, the number of the copies window it arrived in, so copies
//  within one window are one heartbeat. positions [k] gets the index in
//  batch of heartbeat k (room for batch->count). Returns how many.
size_t
    imb_http_ingest_heartbeats (const imb_http_batch_t *batch,
                                const im_reply_t *const *replies,
                                uint64_t window, imb_http_batch_t *heartbeats,
                                size_t *positions);

//  Reads a PagerDuty Events API v2 event into one ALERT. request_id is
//  the client's Idempotency-Key, or NULL for a fresh one; a trigger
//  without dedup_key gets a fresh one, which the answer returns. When
//  scoped (the routing key is a token), the ALERT asks the node to make
//  its dedup key the token's principal's own (dedup_scope, docs/http.md
//  section 4). Returns 0, or IM_EINVAL with fault filled.
int
    imb_http_ingest_event (const json_t *root, const char *request_id,
                           bool scoped,
                           imb_http_batch_t *batch, imb_http_fault_t *fault);

#endif
