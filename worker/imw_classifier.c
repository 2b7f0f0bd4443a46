/*  imw_classifier - the classifier role: priority and category of new
    incidents

    Classification is a pure function of the opened event and the
    policy, so a redelivered event yields the same command with
    the same request id, and the broker applies it once.
*/
#include "imw_classes.h"

struct _imw_classifier_t {
    const im_policy_t *policy;          //  Matrix and categories, borrowed
};

imw_classifier_t *
imw_classifier_new (const im_policy_t *policy)
{
    assert (policy);
    imw_classifier_t *self =
        (imw_classifier_t *) calloc (1, sizeof (imw_classifier_t));
    if (self)
        self->policy = policy;
    return self;
}

void
imw_classifier_destroy (imw_classifier_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

//  Reads a 1..3 scale from the payload; 3 when missing or out of range
static int
s_scale (const im_fields_t *payload, const char *key)
{
    int64_t value = im_fields_int_or (payload, key, 3);
    return value >= 1 && value <= 3 ? (int) value : 3;
}

//  The record's type: "type" of incident.opened, "to" of
//  incident.converted
static const char *
s_type (const im_fields_t *payload)
{
    const char *type = im_fields_str (payload, IM_KEY_TYPE);
    return type ? type : im_fields_str_or (payload, IM_KEY_TO, "incident");
}

int
imw_classifier_priority (const im_policy_t *policy,
                         const im_fields_t *payload)
{
    assert (policy && payload);
    int priority = im_policy_priority (policy, s_scale (payload, "impact"),
                                       s_scale (payload, "urgency"));
    if (priority < 1 || priority > IM_PRIORITIES)
        priority = 3;               //  Only a broken matrix gets here
    if (streq (s_type (payload), "request")
    &&  priority < (int) policy->request_priority)
        priority = (int) policy->request_priority;
    return priority;
}

const char *
imw_classifier_category (const im_policy_t *policy,
                         const im_fields_t *payload)
{
    assert (policy && payload);
    const char *title = im_fields_str_or (payload, IM_KEY_TITLE, "");
    const char *description = im_fields_str_or (payload, IM_KEY_DESCRIPTION,
                                                "");
    size_t size = strlen (title) + strlen (description) + 2;
    char *text = (char *) malloc (size);
    if (!text)
        return im_policy_categorize (policy, title);
    snprintf (text, size, "%s %s", title, description);
    const char *category = im_policy_categorize (policy, text);
    free (text);
    return category;
}

int
imw_classifier_handle (imw_classifier_t *self, const im_event_t *event,
                       imw_output_t *out)
{
    assert (self && event && out);
    if ((event->type != IM_EV_OPENED && event->type != IM_EV_CONVERTED)
    ||  !event->payload)
        return 0;
    im_fields_t *args = imw_output_add (out, "CLASSIFY", event->incident,
                                        "classify");
    if (!args
    ||  im_fields_set_int (args, IM_KEY_PRIORITY,
                           imw_classifier_priority (self->policy,
                                                    event->payload))
    ||  im_fields_set_str (args, IM_KEY_CATEGORY,
                           imw_classifier_category (self->policy,
                                                    event->payload))
    ||  im_fields_set_str (args, IM_KEY_TYPE, s_type (event->payload)))
        return IM_ENOMEM;
    //  Routing: a new incident of a category the policy routes goes to
    //  that group, unless someone assigned it first
    const char *group = im_policy_route (self->policy,
                                         im_fields_str (args, IM_KEY_CATEGORY));
    if (event->type == IM_EV_OPENED && group) {
        args = imw_output_add (out, "ASSIGN", event->incident, "route");
        if (!args
        ||  im_fields_set_str (args, IM_KEY_GROUP, group)
        ||  im_fields_set_int (args, IM_KEY_UNASSIGNED_ONLY, 1))
            return IM_ENOMEM;
    }
    return 0;
}

//  Role table adapters: the skeleton holds the state as void *

static void *
s_new (const im_config_t *config, const im_policy_t *policy)
{
    (void) config;                  //  Rules only: no node setting
    return imw_classifier_new (policy);
}

static void
s_destroy (void **state_p)
{
    imw_classifier_t *self = (imw_classifier_t *) *state_p;
    imw_classifier_destroy (&self);
    *state_p = NULL;
}

static int
s_handle (void *state, const im_event_t *event, imw_output_t *out)
{
    return imw_classifier_handle ((imw_classifier_t *) state, event, out);
}

const imw_role_t *
imw_classifier_role (void)
{
    static const imw_role_t role = {
        .name = "classifier",
        .group = "classifier",
        .program = "imq-classifier",
        .new_fn = s_new,
        .destroy_fn = s_destroy,
        .handle_fn = s_handle,
    };
    return &role;
}
