/*  imb_audit - the audit queries: denials recorded in the log, and the
    principals the log holds
*/
#ifndef IMB_AUDIT_H_INCLUDED
#define IMB_AUDIT_H_INCLUDED

#include <czmq.h>
#include "im_proto.h"
#include "imc_store.h"

//  Answers DENIALS {since, principal, limit} (docs/protocol.md 3.2) from
//  the audit chain of store; the reply is the caller's
zmsg_t *
    imb_audit_denials (const im_request_t *request, imc_store_t *store);

//  Answers PRINCIPALS {name} (docs/protocol.md 3.2): the principals of
//  store's log, in the order they were first named (only name's, when
//  given); the reply is the caller's
zmsg_t *
    imb_audit_principals (const im_request_t *request, imc_store_t *store);

#endif
