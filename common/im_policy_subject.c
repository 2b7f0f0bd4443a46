/*  im_policy_subject - the SLA rules of one incident, overrides applied

    The sla section gives each priority its calendar, its escalation
    policy and its acknowledgement timeout; sla.overrides may change any
    of them for the incidents of one service or of one customer group.
    A service is the more specific of the two (a customer's incident on
    a shared service is still that service's), so the first override
    naming the incident's service is taken before the first naming its
    customer group. Within the override taken, a key it does not give
    falls back on the sla section, key by key.

    Every process asks these (the state machine for the escalation plan,
    the SLA timer for deadlines in calendars), so they are here, beside
    the policy.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "im_util.h"
#include "im_policy.h"

//  Returns the override for subject, or NULL
static const im_policy_override_t *
s_override (const im_policy_t *policy, const im_policy_subject_t *subject)
{
    const char *service = subject->service;
    const char *customer = subject->customer_group;
    for (size_t index = 0; service && *service
         && index < policy->overrides_n; index++)
        if (streq (policy->overrides [index].service, service))
            return &policy->overrides [index];
    for (size_t index = 0; customer && *customer
         && index < policy->overrides_n; index++)
        if (streq (policy->overrides [index].customer_group, customer))
            return &policy->overrides [index];
    return NULL;
}

static bool
s_priority_ok (const im_policy_subject_t *subject)
{
    return subject->priority >= 1 && subject->priority <= IM_PRIORITIES;
}

const char *
im_policy_calendar_for (const im_policy_t *policy,
                        const im_policy_subject_t *subject, bool update)
{
    assert (policy && subject);
    const im_policy_override_t *over = s_override (policy, subject);
    int at = s_priority_ok (subject) ? subject->priority - 1 : -1;
    //  The update cadence's own keys first, most specific first
    if (update) {
        if (over && at >= 0 && *over->update_calendars [at])
            return over->update_calendars [at];
        if (over && *over->update_calendar)
            return over->update_calendar;
        if (at >= 0 && *policy->update_calendars [at])
            return policy->update_calendars [at];
        if (*policy->update_calendar)
            return policy->update_calendar;
        //  A major incident is worked round the clock, and so it was
        //  before the cadence had a calendar
        return IM_POLICY_CALENDAR_24X7;
    }
    if (over && !subject->request && at >= 0 && *over->calendars [at])
        return over->calendars [at];
    if (over && *over->calendar)
        return over->calendar;
    return im_policy_sla_calendar (policy, subject->request,
                                   subject->priority);
}

const im_policy_escalation_t *
im_policy_escalation_for (const im_policy_t *policy,
                          const im_policy_subject_t *subject)
{
    assert (policy && subject);
    if (subject->request || !s_priority_ok (subject))
        return NULL;
    const im_policy_override_t *over = s_override (policy, subject);
    int at = subject->priority - 1;
    const char *name = over && *over->escalation [at]
                     ? over->escalation [at] : policy->escalation [at];
    return *name ? im_policy_escalation (policy, name) : NULL;
}

uint64_t
im_policy_ack_timeout_for (const im_policy_t *policy,
                           const im_policy_subject_t *subject)
{
    assert (policy && subject);
    if (subject->request || !s_priority_ok (subject))
        return 0;
    const im_policy_override_t *over = s_override (policy, subject);
    int at = subject->priority - 1;
    return over && over->ack_timeout_ms [at] ? over->ack_timeout_ms [at]
                                             : policy->ack_timeout_ms [at];
}

const im_policy_escalation_t *
im_policy_escalation (const im_policy_t *policy, const char *name)
{
    assert (policy);
    for (size_t index = 0; name && index < policy->escalations_n; index++)
        if (streq (policy->escalations [index].name, name))
            return &policy->escalations [index];
    return NULL;
}
