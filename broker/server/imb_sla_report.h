/*  imb_sla_report - SLA compliance over a time range (SLA-REPORT)

    Answers SLA-REPORT from the incident projections of this node's
    store, through the core's fold (imc_sla_report): docs/protocol.md
    sections 3.2 and 3.9.
*/
#ifndef IMB_SLA_REPORT_H_INCLUDED
#define IMB_SLA_REPORT_H_INCLUDED

#include "im_proto.h"
#include "imc_store.h"

//  Answers an SLA-REPORT request {since_ms, until_ms, by (default none)}:
//  400 for wrong arguments, else {count, since_ms, until_ms, by} and the
//  total's figures (imc_sla_group_fields), and one item per group in
//  the order of their keys. Returns the reply.
zmsg_t *
    imb_sla_report_answer (const im_request_t *request, imc_store_t *store);

#endif
