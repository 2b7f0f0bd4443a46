/*  imb_classes - private header of broker/: system and library headers
    once, then every class of the broker
*/
#ifndef IMB_CLASSES_H_INCLUDED
#define IMB_CLASSES_H_INCLUDED

#include "im_classes.h"
#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include "imc_store.h"
#include "imc_fsm.h"
#include "imb_raft.h"
#include "imb_dispatch.h"
#include "imb_query.h"
#include "imb_search.h"
#include "imb_sla_report.h"
#include "imb_server.h"
#include "imb_raft_queue.h"
#include "imb_raft_results.h"
#include "imb_raft_ctl.h"
#include "imb_cluster.h"
#include "imb_checkpoint.h"
#include "imb_install.h"
#include "imb_store_repair.h"
#include "imb_applier.h"
#include "imb_dispatch_group.h"
#include "imb_command_from.h"
#include "imc_counters.h"
#include "imb_http.h"
#include "imb_keys.h"
#include "imb_raft_address.h"
#include "imb_node_keys.h"
#include "imb_deny_limit.h"
#include "imb_denials.h"
#include "imb_audit.h"
#include "imb_events.h"

#endif
