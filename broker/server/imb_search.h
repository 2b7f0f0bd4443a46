/*  imb_search - how similar incidents were fixed (SEARCH)

    Full-text search, word by word and in any case, over the resolution
    notes, root causes and review summaries of resolved and closed
    incidents (docs/protocol.md section 3.2).
*/
#ifndef IMB_SEARCH_H_INCLUDED
#define IMB_SEARCH_H_INCLUDED

#include "im_proto.h"
#include "imc_store.h"

//  Answers a SEARCH request {text, limit (default 20)} from store's
//  projections: {count} and one item per match, newest first, with id,
//  title, status, type, category, resolution_code, resolution,
//  root_cause, review_summary, resolved_ms. Returns the reply.
zmsg_t *
    imb_search_answer (const im_request_t *request, imc_store_t *store);

#endif
