/*  imb_audit - the audit queries: denials recorded in the log
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

#endif
