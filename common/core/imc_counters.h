/*  imc_counters - the state machine's counters, and their names

    What /metrics says about the log (events by type, commands by verb,
    commands refused, incidents by status and priority) is counted by
    the state machine as it applies entries and stored in meta in the
    same batch (docs/storage.md section 2.7), so every node says the
    same, and a restart or a replay says it again. This file numbers the
    counters and names their meta keys; imc_fsm counts and imb_query
    reads them (the COUNTERS query).
*/
#ifndef IMC_COUNTERS_H_INCLUDED
#define IMC_COUNTERS_H_INCLUDED

#include <stddef.h>
#include "im_command.h"
#include "im_event.h"
#include "im_incident.h"

#define IMC_COUNTERS_PREFIX "count/"    //  Of every counter's meta key
#define IMC_COUNTER_NAME_MAX 48         //  Octets in a name, with NUL

//  How many counters there are
size_t
    imc_counters_size (void);

//  Writes counter index's name ("events/incident.opened",
//  "commands/OPEN", "rejected/OPEN", "incidents/new/0") into name; its
//  meta key is IMC_COUNTERS_PREFIX followed by the name
void
    imc_counters_name (size_t index, char *name, size_t size);

//  The counter of events of type
size_t
    imc_counter_event (im_event_type_t type);

//  The counter of commands of type applied, or refused when rejected
size_t
    imc_counter_command (im_command_type_t type, bool rejected);

//  The counter of incidents in status with priority (0: not classified)
size_t
    imc_counter_incidents (im_status_t status, int priority);

#endif
