/*  imw_sla_restore - the SLA timer arms the clocks the broker lists

    At start and at every sweep the timer asks the broker which clocks
    run (SLA-CLOCKS reads the deadlines index): what another instance
    armed, or this one before it restarted. Each item is armed as the
    events would have armed it, through imw_sla_arm_warning, so a clock
    already armed with the same due time keeps whether it was sent.
    Every kind of clock comes back this way: the SLA clocks and their
    warnings, close, update, escalate and ack-timeout.
*/
#include "imw_classes.h"

size_t
imw_sla_restore (imw_sla_t *self, zlist_t *items)
{
    assert (self);
    size_t armed = 0;
    if (!items)
        return 0;
    im_fields_t *item = (im_fields_t *) zlist_first (items);
    for (; item; item = (im_fields_t *) zlist_next (items)) {
        int64_t incident = im_fields_int_or (item, IM_KEY_INCIDENT, 0);
        int64_t due_ms = im_fields_int_or (item, IM_KEY_DUE_MS, 0);
        const char *clock = im_fields_str_or (item, IM_KEY_CLOCK, "");
        int priority = (int) im_fields_int_or (item, IM_KEY_PRIORITY, 0);
        int fraction = (int) im_fields_int_or (item, IM_KEY_FRACTION, 0);
        bool warning = streq (clock, IMW_SLA_WARN_RESPONSE)
                    || streq (clock, IMW_SLA_WARN_RESOLUTION);
        if (incident > 0 && due_ms > 0 && warning == (fraction > 0)
        &&  imw_sla_arm_warning (self, (uint64_t) incident, clock,
                                 (uint64_t) due_ms, priority, fraction) == 0)
            armed++;
        else
            zsys_warning ("sla: SLA-CLOCKS item skipped (incident %" PRId64
                          " clock '%s')", incident, clock);
    }
    return armed;
}
