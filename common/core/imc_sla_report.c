/*  imc_sla_report - SLA compliance over a time range, from projections

    The report is a fold over incident projections: each ended clock
    adds to one group's tally. It lives in the core, beside the fold
    that writes the facts it reads, so that the broker's SLA-REPORT and
    any offline tool count alike and a unit test can hold every rule
    without a network. Groups are kept in a sorted array: a desk has a
    handful of priorities and at most thousands of categories, groups
    or services, and a report is built once and read once.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_keys.h"
#include "im_policy.h"
#include "imc_sla_report.h"

//  What to group by
typedef enum {
    S_BY_NONE, S_BY_PRIORITY, S_BY_CATEGORY, S_BY_GROUP, S_BY_SERVICE
} s_by_t;

static const char *s_by_names [] = {
    "none", "priority", "category", "group", "service"
};

struct _imc_sla_report_t {
    int64_t since_ms;               //  Clocks that ended at or after
    int64_t until_ms;               //  and before this
    s_by_t by;                      //  What groups them
    imc_sla_group_t *groups;        //  Sorted by key, owned
    size_t size;                    //  Groups in use
    size_t capacity;                //  Groups allocated
    imc_sla_group_t total;          //  Every clock
};

//  The projection keys of one clock
static const struct {
    const char *name;               //  Clock name, for stat keys
    const char *state;              //  running, paused, met, breached
    const char *due;                //  Its deadline
    const char *target;             //  Its target, working time
    const char *stopped;            //  sla.stopped at_ms
    const char *business;           //  sla.stopped business_ms
    const char *breached;           //  sla.breached's time
    const char *stopper;            //  When the event that stops it was
} s_clocks [2] = {
    { "response", IM_KEY_SLA_RESPONSE, IM_KEY_SLA_RESPONSE_DUE_MS,
      IM_KEY_SLA_RESPONSE_TARGET_MS, IM_KEY_SLA_RESPONSE_STOPPED_MS,
      IM_KEY_SLA_RESPONSE_BUSINESS_MS, IM_KEY_SLA_RESPONSE_BREACHED_MS,
      IM_KEY_ACKNOWLEDGED_MS },
    { "resolution", IM_KEY_SLA_RESOLUTION, IM_KEY_SLA_RESOLUTION_DUE_MS,
      IM_KEY_SLA_RESOLUTION_TARGET_MS, IM_KEY_SLA_RESOLUTION_STOPPED_MS,
      IM_KEY_SLA_RESOLUTION_BUSINESS_MS, IM_KEY_SLA_RESOLUTION_BREACHED_MS,
      IM_KEY_RESOLVED_MS }
};

imc_sla_report_t *
imc_sla_report_new (int64_t since_ms, int64_t until_ms, const char *by,
                    char *errbuf, size_t errlen)
{
    assert (errbuf && errlen);
    int found = -1;
    for (size_t index = 0; by && index < sizeof s_by_names
                                         / sizeof s_by_names [0]; index++)
        if (streq (by, s_by_names [index]))
            found = (int) index;
    if (found < 0) {
        snprintf (errbuf, errlen, "'by' is '%s', must be priority, "
                  "category, group, service or none", by ? by : "");
        return NULL;
    }
    if (since_ms < 0 || until_ms < since_ms) {
        snprintf (errbuf, errlen, "the range [%" PRId64 ", %" PRId64 ") is "
                  "not one: since and until must be ms since the epoch, "
                  "since at or before until", since_ms, until_ms);
        return NULL;
    }
    if (until_ms - since_ms > IMC_SLA_REPORT_RANGE_MAX) {
        snprintf (errbuf, errlen, "the range is longer than %" PRId64
                  " days", IMC_SLA_REPORT_RANGE_MAX / 86400000);
        return NULL;
    }
    imc_sla_report_t *self =
        (imc_sla_report_t *) calloc (1, sizeof (imc_sla_report_t));
    if (!self) {
        snprintf (errbuf, errlen, "out of memory");
        return NULL;
    }
    self->since_ms = since_ms;
    self->until_ms = until_ms;
    self->by = (s_by_t) found;
    return self;
}

void
imc_sla_report_destroy (imc_sla_report_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imc_sla_report_t *self = *self_p;
        free (self->groups);
        free (self);
        *self_p = NULL;
    }
}

//  Writes the group key of incident into key
static void
s_key (imc_sla_report_t *self, const im_fields_t *incident, char *key,
       size_t size)
{
    const char *text = NULL;
    if (self->by == S_BY_PRIORITY) {
        int64_t priority = im_fields_int_or (incident, IM_KEY_SLA_PRIORITY,
                               im_fields_int_or (incident, IM_KEY_PRIORITY,
                                                 0));
        if (priority >= 1 && priority <= IM_PRIORITIES) {
            snprintf (key, size, "P%" PRId64, priority);
            return;
        }
    }
    else
    if (self->by == S_BY_CATEGORY)
        text = im_fields_str (incident, IM_KEY_CATEGORY);
    else
    if (self->by == S_BY_GROUP)
        text = im_fields_str (incident, IM_KEY_GROUP);
    else
    if (self->by == S_BY_SERVICE)
        text = im_fields_str (incident, IM_KEY_SERVICE);
    im_strlcpy (key, text && *text ? text : IMC_SLA_REPORT_NONE, size);
}

//  The group of key, made when new (IMC_SLA_REPORT_OTHER past the cap);
//  NULL when out of memory
static imc_sla_group_t *
s_group (imc_sla_report_t *self, const char *key)
{
    size_t low = 0, high = self->size;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp (self->groups [middle].key, key);
        if (order == 0)
            return &self->groups [middle];
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    //  The last place is kept for the groups past the cap, so a reply
    //  holds every group within its item limit
    if (self->size + 1 >= IMC_SLA_REPORT_GROUPS_MAX
    &&  !streq (key, IMC_SLA_REPORT_OTHER))
        return s_group (self, IMC_SLA_REPORT_OTHER);
    if (self->size == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 16;
        imc_sla_group_t *groups = (imc_sla_group_t *) realloc (
            self->groups, capacity * sizeof (imc_sla_group_t));
        if (!groups)
            return NULL;
        self->groups = groups;
        self->capacity = capacity;
    }
    memmove (&self->groups [low + 1], &self->groups [low],
             (self->size - low) * sizeof (imc_sla_group_t));
    self->size++;
    imc_sla_group_t *group = &self->groups [low];
    memset (group, 0, sizeof *group);
    im_strlcpy (group->key, key, sizeof group->key);
    return group;
}

static void
s_tally (imc_sla_tally_t *tally, bool met, bool timed, uint64_t ms)
{
    if (met)
        tally->met++;
    else
        tally->missed++;
    if (timed) {
        tally->timed++;
        tally->sum_ms += ms;
        if (ms > tally->worst_ms)
            tally->worst_ms = ms;
    }
}

//  Whether clock index of incident ended in the range; if so sets *met,
//  and *timed with *ms its working time when known
static bool
s_ended (imc_sla_report_t *self, const im_fields_t *incident, int index,
         bool *met, bool *timed, uint64_t *ms)
{
    const char *state = im_fields_str_or (incident, s_clocks [index].state,
                                          "");
    *met = streq (state, "met");
    if (!*met && !streq (state, "breached"))
        return false;               //  Running, paused or never started
    int64_t due = im_fields_int_or (incident, s_clocks [index].due, 0);
    int64_t end = im_fields_int_or (incident, s_clocks [index].stopped, -1);
    bool stopped = end >= 0;
    if (!stopped) {
        //  Recorded before stops were kept: the event that stopped it,
        //  when it ended the clock (a met clock, or after the deadline)
        int64_t stopper = im_fields_int_or (incident,
                                            s_clocks [index].stopper, -1);
        if (stopper >= 0 && (*met || stopper >= due)) {
            end = stopper;
            stopped = true;
        }
    }
    if (!stopped)                   //  Breached and still running
        end = im_fields_int_or (incident, s_clocks [index].breached, due);
    if (end < self->since_ms || end >= self->until_ms)
        return false;
    int64_t business = -1;
    if (stopped
    &&  im_fields_int (incident, s_clocks [index].business, &business)) {
        //  Not measured: in the 24x7 calendar working time is wall time,
        //  and the target less what was left at the end is what ran
        //  (after pauses too, which moved the deadline). Elsewhere only
        //  the calendar knows, and the report does not open calendars.
        business = -1;
        const char *calendar = im_fields_str_or (incident,
                                                 IM_KEY_SLA_CALENDAR,
                                                 IM_POLICY_CALENDAR_24X7);
        int64_t target = im_fields_int_or (incident, s_clocks [index].target,
                                           0);
        if (streq (calendar, IM_POLICY_CALENDAR_24X7) && target > 0
        &&  due > 0) {
            business = target - (due - end);
            if (business < 0)
                business = 0;
        }
    }
    *timed = business >= 0;
    *ms = *timed ? (uint64_t) business : 0;
    return true;
}

int
imc_sla_report_add (imc_sla_report_t *self, const im_fields_t *incident)
{
    assert (self && incident);
    imc_sla_group_t *group = NULL;
    for (int index = 0; index < 2; index++) {
        bool met = false, timed = false;
        uint64_t ms = 0;
        if (!s_ended (self, incident, index, &met, &timed, &ms))
            continue;
        if (!group) {
            char key [IMC_SLA_REPORT_KEY_MAX];
            s_key (self, incident, key, sizeof key);
            group = s_group (self, key);
            if (!group)
                return IM_ENOMEM;
        }
        s_tally (&group->clock [index], met, timed, ms);
        s_tally (&self->total.clock [index], met, timed, ms);
    }
    return 0;
}

size_t
imc_sla_report_size (imc_sla_report_t *self)
{
    assert (self);
    return self->by == S_BY_NONE ? 0 : self->size;
}

const imc_sla_group_t *
imc_sla_report_group (imc_sla_report_t *self, size_t index)
{
    assert (self && index < imc_sla_report_size (self));
    return &self->groups [index];
}

const imc_sla_group_t *
imc_sla_report_total (imc_sla_report_t *self)
{
    assert (self);
    return &self->total;
}

int
imc_sla_group_fields (const imc_sla_group_t *group, im_fields_t *fields)
{
    assert (group && fields);
    uint64_t met = group->clock [0].met + group->clock [1].met;
    uint64_t missed = group->clock [0].missed + group->clock [1].missed;
    int rc = 0;
    if (*group->key)
        rc = im_fields_set_str (fields, IM_KEY_KEY, group->key);
    if (rc == 0)
        rc = im_fields_set_int (fields, IM_KEY_CLOCKS,
                                (int64_t) (met + missed));
    if (rc == 0)
        rc = im_fields_set_int (fields, IM_KEY_MET, (int64_t) met);
    if (rc == 0)
        rc = im_fields_set_int (fields, IM_KEY_MISSED, (int64_t) missed);
    for (int index = 0; rc == 0 && index < 2; index++) {
        const imc_sla_tally_t *tally = &group->clock [index];
        const char *stats [5] = { "met", "missed", "timed", "avg_ms",
                                  "worst_ms" };
        uint64_t values [5] = {
            tally->met, tally->missed, tally->timed,
            tally->timed ? (tally->sum_ms + tally->timed / 2) / tally->timed
                         : 0,
            tally->worst_ms
        };
        for (int stat = 0; rc == 0 && stat < 5; stat++) {
            char key [48];
            snprintf (key, sizeof key, "%s_%s", s_clocks [index].name,
                      stats [stat]);
            rc = im_fields_set_int (fields, key, (int64_t) values [stat]);
        }
    }
    return rc ? IM_ENOMEM : 0;
}
