/*  imw_calendars - the policy's calendars, opened when first used

    A lookup compares the cached calendar's definition with the policy's
    (a few kilobytes, once per deadline computed): cheaper than opening
    ICU again, and right however the policy changed.
*/
#include "imw_classes.h"
#include "imw_calendars.h"

struct _imw_calendars_t {
    const im_policy_t *policy;          //  Calendars' definitions, borrowed
    zhashx_t *opened;                   //  Name -> im_calendar_t, owned
};

static void
s_calendar_destroy (void **item_p)
{
    im_calendar_t *calendar = (im_calendar_t *) *item_p;
    im_calendar_destroy (&calendar);
    *item_p = NULL;
}

imw_calendars_t *
imw_calendars_new (const im_policy_t *policy)
{
    assert (policy);
    imw_calendars_t *self =
        (imw_calendars_t *) calloc (1, sizeof (imw_calendars_t));
    if (!self)
        return NULL;
    self->policy = policy;
    self->opened = zhashx_new ();
    if (!self->opened) {
        imw_calendars_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->opened, s_calendar_destroy);
    return self;
}

void
imw_calendars_destroy (imw_calendars_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_calendars_t *self = *self_p;
        zhashx_destroy (&self->opened);
        free (self);
        *self_p = NULL;
    }
}

//  Returns the calendar named name under the policy in force, or NULL
//  when the policy has no such calendar or ICU cannot open it; borrowed
static im_calendar_t *
s_calendar (imw_calendars_t *self, const char *name)
{
    const im_calendar_def_t *def = im_policy_calendar (self->policy, name);
    if (!def)
        return NULL;
    im_calendar_t *calendar =
        (im_calendar_t *) zhashx_lookup (self->opened, name);
    if (calendar && memcmp (im_calendar_def (calendar), def, sizeof *def))
        calendar = NULL;            //  The policy changed it
    if (!calendar) {
        char reason [256] = "";
        calendar = im_calendar_new (def, reason, sizeof reason);
        if (!calendar) {
            zsys_error ("sla: calendar '%s': %s", name, reason);
            return NULL;
        }
        zhashx_update (self->opened, name, calendar);
    }
    return calendar;
}

int
imw_calendars_add (imw_calendars_t *self, const char *name,
                   uint64_t start_ms, uint64_t duration_ms, uint64_t *due_ms)
{
    assert (self && name && due_ms);
    im_calendar_t *calendar = s_calendar (self, name);
    int64_t deadline = 0;
    if (!calendar
    ||  im_calendar_add (calendar, (int64_t) start_ms, (int64_t) duration_ms,
                         &deadline)
    ||  deadline <= 0)
        return IM_EINVAL;
    *due_ms = (uint64_t) deadline;
    return 0;
}

int
imw_calendars_elapsed (imw_calendars_t *self, const char *name,
                       uint64_t from_ms, uint64_t to_ms, uint64_t *elapsed_ms)
{
    assert (self && name && elapsed_ms);
    im_calendar_t *calendar = s_calendar (self, name);
    int64_t elapsed = 0;
    if (!calendar
    ||  im_calendar_elapsed (calendar, (int64_t) from_ms, (int64_t) to_ms,
                             &elapsed))
        return IM_EINVAL;
    *elapsed_ms = elapsed > 0 ? (uint64_t) elapsed : 0;
    return 0;
}
