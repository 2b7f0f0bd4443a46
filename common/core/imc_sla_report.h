/*  imc_sla_report - SLA compliance over a time range, from projections

    An analyst asks how the desk kept its SLA targets between two
    instants: how many clocks ended in the range, how many met their
    target and how many missed it, and how long they ran in working time
    (the calendar's, pauses excluded), on average and at worst, per
    priority, category, assignment group or service. The figures come
    from facts the log recorded (docs/protocol.md section 3.9): each
    clock's end and the working time the SLA timer measured, so a report
    is the same after a replay and after the calendars changed.

    A clock counts in [since_ms, until_ms) when it ended there: when it
    stopped (sla.stopped at_ms), or, for a breached clock that has not
    stopped yet, when it breached. Running and paused clocks do not
    count. A clock's working time is its sla.stopped business_ms; a
    clock stopped before business_ms existed is measured from its
    target, deadline and stop when its calendar is 24x7 (working time is
    then wall time) and is otherwise counted without a time ("untimed"),
    as is a breached clock still running.
*/
#ifndef IMC_SLA_REPORT_H_INCLUDED
#define IMC_SLA_REPORT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include "im_fields.h"

#define IMC_SLA_REPORT_GROUPS_MAX   10000       //  Groups a report keeps,
                                                //  (other) included
#define IMC_SLA_REPORT_KEY_MAX      128         //  Octets of a group's key
#define IMC_SLA_REPORT_RANGE_MAX    (INT64_C (3660) * 86400000)
                                                //  Longest range: ~10 y
#define IMC_SLA_REPORT_OTHER        "(other)"   //  Groups past the cap
#define IMC_SLA_REPORT_NONE         "(none)"    //  No value to group by

typedef struct _imc_sla_report_t imc_sla_report_t;

//  One kind of clock (response or resolution) of one group, a plain value
typedef struct {
    uint64_t met;                   //  Clocks that met their target
    uint64_t missed;                //  Clocks that breached it
    uint64_t timed;                 //  Of those, with a working time
    uint64_t sum_ms;                //  Their working times added up
    uint64_t worst_ms;              //  The longest of them
} imc_sla_tally_t;

//  One group of a report, a plain value
typedef struct {
    char key [IMC_SLA_REPORT_KEY_MAX];  //  "P1", a category...; "" total
    imc_sla_tally_t clock [2];      //  [0] response, [1] resolution
} imc_sla_group_t;

//  Creates an empty report of the clocks that ended in [since_ms,
//  until_ms), grouped by by: "priority" (the priority the clocks
//  started with, "P1".."P5"), "category", "group" (the assignment
//  group), "service", or "none" (the total only). Returns NULL when the
//  arguments are wrong (negative, since after until, a range longer than
//  IMC_SLA_REPORT_RANGE_MAX, another by), with the reason in errbuf.
imc_sla_report_t *
    imc_sla_report_new (int64_t since_ms, int64_t until_ms, const char *by,
                        char *errbuf, size_t errlen);

void
    imc_sla_report_destroy (imc_sla_report_t **self_p);

//  Counts the SLA clocks of one incident projection (borrowed). Once
//  IMC_SLA_REPORT_GROUPS_MAX - 1 groups are made, the clocks of any new
//  one go into IMC_SLA_REPORT_OTHER.
//  Returns 0 or IM_ENOMEM.
int
    imc_sla_report_add (imc_sla_report_t *self, const im_fields_t *incident);

//  Number of groups, those with at least one clock
size_t
    imc_sla_report_size (imc_sla_report_t *self);

//  Group index (0 .. size - 1), in the order of their keys (priorities
//  P1 first), borrowed
const imc_sla_group_t *
    imc_sla_report_group (imc_sla_report_t *self, size_t index);

//  Every clock counted, borrowed
const imc_sla_group_t *
    imc_sla_report_total (imc_sla_report_t *self);

//  Writes a group's figures into fields (docs/protocol.md 3.2 SLA-REPORT):
//  key (unless empty), clocks, met, missed, and per clock kind
//  <clock>_met, <clock>_missed, <clock>_timed, <clock>_avg_ms (rounded
//  to the nearest ms), <clock>_worst_ms. Returns 0 or IM_ENOMEM.
int
    imc_sla_group_fields (const imc_sla_group_t *group, im_fields_t *fields);

#endif
