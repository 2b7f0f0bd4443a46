/*  imw_sla - the SLA timer role: starts, stops and breaches SLA clocks

    Armed clocks live in imw_timers, keyed by incident and the clock's
    index in im_clock_from_name's table, ordered by due time: a tick
    fires only what is due, and imw_sla_next tells the worker when to
    wake for the next one, so a million running clocks cost about 40
    bytes each and fire within milliseconds (docs/benchmarks.md). A
    clock whose breach was sent stays armed but fired until the broker
    answers, so the tick does not send it again.

    Events arm clocks on the instance that handled them; when several
    SLA timers share the group and one dies, the clocks it armed would
    be lost with it. So every SWEEP_MS each instance also asks the broker
    which clocks are past due (SLA-CLOCKS reads an index by due time) and
    arms them: two instances breaching the same clock send the same
    request id, and the broker records the breach once.

    The auto-close of a resolved incident is a third clock, "close",
    kept the same way: when it is due the timer sends CLOSE naming the
    deadline, and the broker refuses it if the incident was reopened.
    A declared major incident's next update is a fourth, "update": when
    it is due the timer sends MAJOR remind, which the broker records
    (major.update_due, for the notifier to tell the commander) with the
    next due time, which arms the clock again. Each SLA clock's next
    warning is a clock too, "warn-response" or "warn-resolution"
    (imw_sla_warn.c); pauses and resumes are imw_sla_hold.c's; the
    escalation steps and the acknowledgement timeout imw_sla_escalate.c's.

    Deadlines and warnings are computed in the calendar the policy names
    for the target (imw_calendars).
*/
#include "imw_classes.h"

#define SWEEP_MS            2000        //  Between asks for past-due clocks
#define FIRE_MAX            4096        //  Clocks fired by one tick

//  A clock's kind is its index in im_clock_from_name's table
static_assert (IM_CLOCKS <= UINT8_MAX, "clock kinds fit imw_timer_t.kind");

struct _imw_sla_t {
    const im_policy_t *policy;          //  SLA targets, borrowed
    imw_timers_t *clocks;               //  Armed clocks; a fired one was
                                        //  sent and waits for its answer
    imw_calendars_t *calendars;         //  The policy's, opened when used
    im_client_t *query;                 //  For sweeps, borrowed; NULL
                                        //  until started
    uint64_t swept_ms;                  //  When the last sweep ran
};

imw_sla_t *
imw_sla_new (const im_policy_t *policy)
{
    assert (policy);
    imw_sla_t *self = (imw_sla_t *) calloc (1, sizeof (imw_sla_t));
    if (!self)
        return NULL;
    self->policy = policy;
    self->clocks = imw_timers_new ();
    self->calendars = imw_calendars_new (policy);
    if (!self->clocks || !self->calendars)
        imw_sla_destroy (&self);
    return self;
}

void
imw_sla_destroy (imw_sla_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_sla_t *self = *self_p;
        imw_calendars_destroy (&self->calendars);
        imw_timers_destroy (&self->clocks);
        free (self);
        *self_p = NULL;
    }
}

int
imw_sla_arm (imw_sla_t *self, uint64_t incident, const char *clock,
             uint64_t due_ms, int priority)
{
    return imw_sla_arm_warning (self, incident, clock, due_ms, priority, 0);
}

int
imw_sla_arm_warning (imw_sla_t *self, uint64_t incident, const char *clock,
                     uint64_t due_ms, int priority, int fraction)
{
    assert (self && clock);
    int kind = im_clock_from_name (clock);
    if (kind < 0 || due_ms == 0 || incident == 0)
        return IM_EINVAL;
    if (fraction < 0 || fraction > UINT8_MAX
    ||  priority < INT16_MIN || priority > INT16_MAX)
        return IM_EINVAL;
    const imw_timer_t *armed = imw_timers_lookup (self->clocks, incident,
                                                  kind);
    if (armed && armed->due_ms == due_ms && armed->fraction == fraction)
        return 0;                   //  A repeat: keep whether it was sent
    imw_timer_t timer = {
        .incident = incident, .due_ms = due_ms, .kind = (uint8_t) kind,
        .fraction = (uint8_t) fraction, .priority = (int16_t) priority };
    return imw_timers_arm (self->clocks, &timer);
}

void
imw_sla_disarm (imw_sla_t *self, uint64_t incident, const char *clock)
{
    assert (self && clock);
    int kind = im_clock_from_name (clock);
    if (kind >= 0)
        imw_timers_disarm (self->clocks, incident, kind);
}

uint64_t
imw_sla_due (imw_sla_t *self, uint64_t incident, const char *clock)
{
    assert (self && clock);
    int kind = im_clock_from_name (clock);
    const imw_timer_t *timer = kind >= 0
        ? imw_timers_lookup (self->clocks, incident, kind) : NULL;
    return timer ? timer->due_ms : 0;
}

size_t
imw_sla_armed (imw_sla_t *self)
{
    assert (self);
    return imw_timers_size (self->clocks);
}

uint64_t
imw_sla_next (imw_sla_t *self)
{
    assert (self);
    uint64_t next = UINT64_MAX;
    if (imw_timers_scheduled (self->clocks)) {
        uint64_t due = imw_timers_next (self->clocks);
        next = due > UINT64_MAX - IMW_SLA_GRACE_MS
             ? UINT64_MAX : due + IMW_SLA_GRACE_MS;
    }
    if (self->query && self->swept_ms + SWEEP_MS < next)
        next = self->swept_ms + SWEEP_MS;
    return next;
}

//  Appends SLA-STOP for clock at at_ms, with the working time it ran
//  when the event tells enough to measure it
static int
s_stop (imw_sla_t *self, const im_event_t *event, const char *clock,
        imw_output_t *out)
{
    uint64_t business = 0;
    bool measured = imw_sla_business (self, event, clock, &business) == 0;
    char action [32];
    snprintf (action, sizeof action, "sla-stop-%s", clock);
    im_fields_t *args = imw_output_add (out, "SLA-STOP", event->incident,
                                        action);
    if (!args
    ||  im_fields_set_str (args, IM_KEY_CLOCK, clock)
    ||  im_fields_set_int (args, IM_KEY_AT_MS, (int64_t) event->ts_ms)
    ||  (measured && im_fields_set_int (args, IM_KEY_BUSINESS_MS,
                                        (int64_t) business)))
        return IM_ENOMEM;
    return 0;
}

imw_calendars_t *
imw_sla_calendars (imw_sla_t *self)
{
    assert (self);
    return self->calendars;
}

const im_policy_t *
imw_sla_policy (imw_sla_t *self)
{
    assert (self);
    return self->policy;
}

static int
s_on_classified (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    int64_t priority = im_fields_int_or (event->payload, IM_KEY_PRIORITY, 0);
    if (priority < 1 || priority > IM_PRIORITIES)
        return IM_EINVAL;
    //  Requests have their own SLA policy, one target for every priority
    const char *type = im_fields_str_or (event->payload, IM_KEY_TYPE,
                                         "incident");
    bool request = streq (type, "request");
    uint64_t response_ms = request ? self->policy->request_response_ms
                                   : self->policy->response_ms [priority - 1];
    uint64_t resolution_ms = request
        ? self->policy->request_resolution_ms
        : self->policy->resolution_ms [priority - 1];
    //  Deadlines in the target's calendar, from the leader's stamp, and
    //  recorded: a replay never needs the calendar again
    im_policy_subject_t subject = {
        request, (int) priority,
        im_fields_str (event->payload, IM_KEY_SERVICE),
        im_fields_str (event->payload, IM_KEY_CUSTOMER_GROUP) };
    const char *calendar =
        im_policy_calendar_for (self->policy, &subject, false);
    uint64_t response_due = 0, resolution_due = 0;
    if (imw_calendars_add (self->calendars, calendar, event->ts_ms,
                           response_ms, &response_due)
    ||  imw_calendars_add (self->calendars, calendar, event->ts_ms,
                           resolution_ms, &resolution_due)) {
        zsys_error ("sla: incident %" PRIu64 ": no deadline in calendar "
                    "'%s'", event->incident, calendar);
        return IM_EINVAL;
    }
    //  And the instants of the warnings, at the policy's fractions of
    //  each target in the same calendar
    int percents [IM_POLICY_WARN_MAX];
    size_t count = 0;
    for (; count < self->policy->warn_at_n && count < IM_POLICY_WARN_MAX;
         count++)
        percents [count] = (int) self->policy->warn_at [count];
    char response_warnings [IM_WARNINGS_TEXT];
    char resolution_warnings [IM_WARNINGS_TEXT];
    if (imw_sla_warnings (self, calendar, event->ts_ms, response_ms,
                          response_ms, percents, count, response_warnings,
                          sizeof response_warnings)
    ||  imw_sla_warnings (self, calendar, event->ts_ms, resolution_ms,
                          resolution_ms, percents, count,
                          resolution_warnings, sizeof resolution_warnings))
        return IM_EINVAL;
    im_fields_t *args = imw_output_add (out, "SLA-START", event->incident,
                                        "sla-start");
    if (!args
    ||  im_fields_set_int (args, IM_KEY_PRIORITY, priority)
    ||  im_fields_set_str (args, IM_KEY_TYPE, request ? "request" : "incident")
    ||  im_fields_set_str (args, IM_KEY_CALENDAR, calendar)
    ||  im_fields_set_int (args, IM_KEY_RESPONSE_DUE_MS, (int64_t) response_due)
    ||  im_fields_set_int (args, IM_KEY_RESOLUTION_DUE_MS,
                           (int64_t) resolution_due)
    ||  im_fields_set_int (args, IM_KEY_RESPONSE_TARGET_MS,
                           (int64_t) response_ms)
    ||  im_fields_set_int (args, IM_KEY_RESOLUTION_TARGET_MS,
                           (int64_t) resolution_ms)
    ||  im_fields_set_str (args, IM_KEY_RESPONSE_WARNINGS, response_warnings)
    ||  im_fields_set_str (args, IM_KEY_RESOLUTION_WARNINGS,
                           resolution_warnings))
        return IM_ENOMEM;
    int rc = imw_sla_arm (self, event->incident, IMW_SLA_RESPONSE,
                          response_due, (int) priority);
    if (rc == 0)
        rc = imw_sla_arm (self, event->incident, IMW_SLA_RESOLUTION,
                          resolution_due, (int) priority);
    if (rc == 0)
        rc = imw_sla_arm_next (self, event->incident, IMW_SLA_RESPONSE,
                               response_warnings);
    if (rc == 0)
        rc = imw_sla_arm_next (self, event->incident, IMW_SLA_RESOLUTION,
                               resolution_warnings);
    return rc;
}

static int
s_on_started (imw_sla_t *self, const im_event_t *event)
{
    int priority = (int) im_fields_int_or (event->payload, IM_KEY_PRIORITY, 0);
    int64_t response_due =
        im_fields_int_or (event->payload, IM_KEY_RESPONSE_DUE_MS, 0);
    int64_t resolution_due =
        im_fields_int_or (event->payload, IM_KEY_RESOLUTION_DUE_MS, 0);
    if (response_due <= 0 || resolution_due <= 0)
        return IM_EINVAL;
    int rc = imw_sla_arm (self, event->incident, IMW_SLA_RESPONSE,
                          (uint64_t) response_due, priority);
    if (rc == 0)
        rc = imw_sla_arm (self, event->incident, IMW_SLA_RESOLUTION,
                          (uint64_t) resolution_due, priority);
    if (rc == 0)
        rc = imw_sla_arm_next (self, event->incident, IMW_SLA_RESPONSE,
                               im_fields_str (event->payload,
                                              IM_KEY_RESPONSE_WARNINGS));
    if (rc == 0)
        rc = imw_sla_arm_next (self, event->incident, IMW_SLA_RESOLUTION,
                               im_fields_str (event->payload,
                                              IM_KEY_RESOLUTION_WARNINGS));
    return rc;
}

static int
s_on_resolved (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    //  When this instance runs the resolution clock but not the response
    //  clock, the response clock already stopped or breached. Otherwise
    //  it may run here or on another instance: ask, and a 409 says no.
    //  The event names a response clock that still needs its stop (one
    //  breached, not yet stopped, among them) by its facts.
    bool response_ended =
        imw_sla_due (self, event->incident, IMW_SLA_RESOLUTION)
        && !imw_sla_due (self, event->incident, IMW_SLA_RESPONSE)
        && !im_fields_has (event->payload, IM_KEY_SLA_RESPONSE_DUE_MS);
    int rc = 0;
    if (!response_ended)
        rc = s_stop (self, event, IMW_SLA_RESPONSE, out);
    if (rc == 0)
        rc = s_stop (self, event, IMW_SLA_RESOLUTION, out);
    imw_sla_disarm (self, event->incident, IMW_SLA_RESPONSE);
    imw_sla_disarm (self, event->incident, IMW_SLA_RESOLUTION);
    imw_sla_disarm (self, event->incident, IMW_SLA_UPDATE);
    imw_sla_disarm (self, event->incident, IMW_SLA_WARN_RESPONSE);
    imw_sla_disarm (self, event->incident, IMW_SLA_WARN_RESOLUTION);
    int64_t close_due = im_fields_int_or (event->payload, IM_KEY_CLOSE_DUE_MS,
                                          0);
    if (rc == 0 && close_due > 0)
        rc = imw_sla_arm (self, event->incident, IMW_SLA_CLOSE,
                          (uint64_t) close_due, 0);
    return rc;
}

int
imw_sla_handle (imw_sla_t *self, const im_event_t *event, imw_output_t *out)
{
    assert (self && event && out);
    if (!event->payload)
        return IM_EINVAL;
    const char *clock = im_fields_str_or (event->payload, IM_KEY_CLOCK, "");
    int rc = imw_sla_escalate_handle (self, event);
    if (rc)
        return rc;
    switch (event->type) {
        case IM_EV_CLASSIFIED:
            return s_on_classified (self, event, out);
        case IM_EV_SLA_STARTED:
            return s_on_started (self, event);
        case IM_EV_ACKNOWLEDGED:
            imw_sla_disarm (self, event->incident, IMW_SLA_RESPONSE);
            imw_sla_disarm (self, event->incident, IMW_SLA_WARN_RESPONSE);
            return s_stop (self, event, IMW_SLA_RESPONSE, out);
        case IM_EV_RESOLVED:
            return s_on_resolved (self, event, out);
        case IM_EV_SLA_STOPPED:
        case IM_EV_SLA_BREACHED:
            imw_sla_disarm (self, event->incident, clock);
            imw_sla_arm_next (self, event->incident, clock, NULL);
            return 0;
        case IM_EV_SLA_WARNING:
            return imw_sla_arm_next (self, event->incident, clock,
                                     im_fields_str (event->payload,
                                                    IM_KEY_WARNINGS));
        case IM_EV_CLOSED:
        case IM_EV_CANCELLED:
            imw_sla_disarm (self, event->incident, IMW_SLA_RESPONSE);
            imw_sla_disarm (self, event->incident, IMW_SLA_RESOLUTION);
            imw_sla_disarm (self, event->incident, IMW_SLA_WARN_RESPONSE);
            imw_sla_disarm (self, event->incident, IMW_SLA_WARN_RESOLUTION);
            imw_sla_disarm (self, event->incident, IMW_SLA_CLOSE);
            imw_sla_disarm (self, event->incident, IMW_SLA_UPDATE);
            return 0;
        case IM_EV_MAJOR_DECLARED:
        case IM_EV_MAJOR_UPDATED:
        case IM_EV_UPDATE_DUE:
        case IM_EV_UPDATE_SCHEDULED: {
            //  A major incident's next update, in its calendar
            uint64_t due = 0;
            rc = imw_sla_update_due (self, event, out, &due);
            if (rc == 0 && due)
                rc = imw_sla_arm (self, event->incident, IMW_SLA_UPDATE, due,
                                  0);
            else
            if (rc == 0)
                imw_sla_disarm (self, event->incident, IMW_SLA_UPDATE);
            return rc;
        }
        case IM_EV_REOPENED:
            imw_sla_disarm (self, event->incident, IMW_SLA_CLOSE);
            return 0;
        case IM_EV_PENDING:
        case IM_EV_RESUMED:
        case IM_EV_SLA_PAUSED:
        case IM_EV_SLA_RESUMED:
            return imw_sla_hold (self, event, out);
        default:
            return 0;
    }
}

//  Arms every clock the broker says is past due (see the file header)
static void
s_sweep (imw_sla_t *self, uint64_t now_ms)
{
    self->swept_ms = now_ms;
    im_fields_t *body = im_fields_new ();
    if (!body
    ||  im_fields_set_int (body, IM_KEY_DUE_BEFORE,
                           (int64_t) (now_ms - IMW_SLA_GRACE_MS))) {
        im_fields_destroy (&body);
        return;
    }
    im_reply_t *reply = im_client_call (self->query, "SLA-CLOCKS", NULL, body,
                                        false);
    im_fields_destroy (&body);
    if (reply && reply->status == IM_PROTO_OK)
        imw_sla_restore (self, reply->items);
    else
        zsys_warning ("sla: sweep: %s", reply ? "refused"
                                              : im_client_errmsg (self->query));
    im_reply_destroy (&reply);
}

int
imw_sla_tick (imw_sla_t *self, uint64_t now_ms, imw_output_t *out)
{
    assert (self && out);
    if (self->query && now_ms - self->swept_ms >= SWEEP_MS)
        s_sweep (self, now_ms);
    if (now_ms < IMW_SLA_GRACE_MS)
        return 0;
    for (size_t fired = 0; fired < FIRE_MAX; fired++) {
        const imw_timer_t *due = imw_timers_fire (self->clocks,
                                                  now_ms - IMW_SLA_GRACE_MS);
        if (!due)
            break;
        imw_timer_t timer = *due;       //  Fired: armed, not sent again
        if (imw_sla_fire (&timer, out)) {
            imw_timers_arm (self->clocks, &timer);  //  Next tick, again
            return IM_ENOMEM;
        }
    }
    return 0;
}

void
imw_sla_answered (imw_sla_t *self, const char *request_id, int status)
{
    assert (self && request_id);
    uint64_t incident = 0, due_ms = 0;
    char clock [16] = "";
    char action [16] = "";
    if (sscanf (request_id, "sla:%15[a-z]:%" SCNu64 ":%15[a-z-]:%" SCNu64,
                action, &incident, clock, &due_ms) != 4)
        return;                     //  A handler's request: nothing armed
    (void) status;                  //  Any definitive answer ends it
    //  A clock re-armed with another deadline meanwhile stays armed
    if (imw_sla_due (self, incident, clock) == due_ms)
        imw_sla_disarm (self, incident, clock);
}

int
imw_sla_start (imw_sla_t *self, im_client_t *query)
{
    assert (self && query);
    self->query = query;
    self->swept_ms = im_now_ms ();
    return imw_sla_load (self, query);
}

//  Role table adapters: the skeleton holds the state as void *

static void *
s_new (const im_config_t *config, const im_policy_t *policy)
{
    (void) config;                  //  Rules only: no node setting
    return imw_sla_new (policy);
}

static void
s_destroy (void **state_p)
{
    imw_sla_t *self = (imw_sla_t *) *state_p;
    imw_sla_destroy (&self);
    *state_p = NULL;
}

static int
s_start (void *state, im_client_t *query)
{
    return imw_sla_start ((imw_sla_t *) state, query);
}

static int
s_handle (void *state, const im_event_t *event, imw_output_t *out)
{
    return imw_sla_handle ((imw_sla_t *) state, event, out);
}

static int
s_tick (void *state, uint64_t now_ms, imw_output_t *out)
{
    return imw_sla_tick ((imw_sla_t *) state, now_ms, out);
}

static uint64_t
s_next (void *state)
{
    return imw_sla_next ((imw_sla_t *) state);
}

static void
s_answered (void *state, const char *request_id, int status)
{
    imw_sla_answered ((imw_sla_t *) state, request_id, status);
}

const imw_role_t *
imw_sla_role (void)
{
    static const imw_role_t role = {
        .name = "sla",
        .group = "sla",
        .program = "imq-sla-timer",
        .new_fn = s_new,
        .destroy_fn = s_destroy,
        .start_fn = s_start,
        .handle_fn = s_handle,
        .tick_fn = s_tick,
        .answered_fn = s_answered,
        .next_fn = s_next,
    };
    return &role;
}
