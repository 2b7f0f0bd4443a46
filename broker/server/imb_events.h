/*  imb_events - EVENTS: any range of the log, a page at a time
*/
#ifndef IMB_EVENTS_H_INCLUDED
#define IMB_EVENTS_H_INCLUDED

#include <czmq.h>
#include "im_proto.h"
#include "imc_store.h"

//  Answers EVENTS {after, since, until_seq, until, type, incident, limit}
//  (docs/protocol.md 3.2) from store: at most a page of events in seq
//  order, as stored (without a principal change's token hash), with
//  {count, after, more, last_seq}. The reply is the caller's.
zmsg_t *
    imb_events_answer (const im_request_t *request, imc_store_t *store);

#endif
