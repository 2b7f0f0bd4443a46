/*  imw_notifier - the notifier role: tells people what happened

    Who is told: the assignee of an assigned incident; the assignee
    and the breach recipients (a page) of an SLA breach; the breach
    recipients (management) of a hierarchical escalation; the reporter
    of a resolved incident and the reporters of the duplicates merged
    into it; the whole organisation (notifier.broadcast) when a major
    incident is declared and when it is resolved, its commander when
    it is declared and when an update is due. A service request pages
    nobody outside business hours (notifier.business_hours, Monday to
    Friday, UTC).

    Notifications are side effects outside the log. Each goes through
    the recipient's channels (imw_channels) and is recorded with a
    command whose request id is derived from the event, only after the
    channel delivered, so the log never gets a second entry on
    redelivery. The file channel scans before it appends; the others
    send a delivery id derived from the same request id (webhook-id,
    Message-ID) so their receivers can drop a copy sent again.
*/
#include "imw_classes.h"

#define IMW_NOTIFIER_ACTION_MAX 80      //  Recipient bytes in an action

typedef struct {
    char *reporter;                     //  Who opened it, owned, or ""
    char *title;                        //  Its title, owned, or ""
    char *group;                        //  Assigned group, owned, or ""
    char *agent;                        //  Assigned agent, owned, or ""
    bool major;                         //  A declared major incident
    char *reporters;                    //  Reporters of merged duplicates,
                                        //  comma-separated, owned, or ""
    bool request;                       //  A service request
    int priority;                       //  1..5, 0 not known yet
    bool known;                         //  Filled from opened or GET
} s_incident_t;

struct _imw_notifier_t {
    const im_policy_t *policy;          //  Recipients and hours, borrowed
    imw_channels_t *channels;           //  File and policy channels, owned
    im_client_t *query;                 //  For GET, borrowed, or NULL
    zhashx_t *incidents;                //  "id" -> s_incident_t, owned
    bool undelivered;                   //  A channel failed in this
                                        //  event: handle it again
};

static void
s_incident_destroy (void **item_p)
{
    s_incident_t *entry = (s_incident_t *) *item_p;
    if (entry) {
        free (entry->reporter);
        free (entry->title);
        free (entry->group);
        free (entry->agent);
        free (entry->reporters);
        free (entry);
        *item_p = NULL;
    }
}

//  Replaces *field with a copy of value (NULL counts as "")
static int
s_set (char **field, const char *value)
{
    char *copy = strdup (value ? value : "");
    if (!copy)
        return IM_ENOMEM;
    free (*field);
    *field = copy;
    return 0;
}

imw_notifier_t *
imw_notifier_new (const im_config_t *config, const im_policy_t *policy)
{
    assert (config && policy);
    imw_notifier_t *self =
        (imw_notifier_t *) calloc (1, sizeof (imw_notifier_t));
    if (!self)
        return NULL;
    self->policy = policy;
    self->channels = imw_channels_new (config->sink_dir);
    self->incidents = zhashx_new ();
    if (!self->channels || !self->incidents) {
        imw_notifier_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->incidents, s_incident_destroy);
    return self;
}

void
imw_notifier_destroy (imw_notifier_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imw_notifier_t *self = *self_p;
        zhashx_destroy (&self->incidents);
        imw_channels_destroy (&self->channels);
        free (self);
        *self_p = NULL;
    }
}

int
imw_notifier_start (imw_notifier_t *self, im_client_t *query)
{
    assert (self);
    self->query = query;
    return 0;
}

//  Returns the cache entry of incident, creating an empty one; NULL
//  when out of memory
static s_incident_t *
s_entry (imw_notifier_t *self, uint64_t incident)
{
    char key [24];
    snprintf (key, sizeof key, "%" PRIu64, incident);
    s_incident_t *entry = (s_incident_t *) zhashx_lookup (self->incidents,
                                                          key);
    if (entry)
        return entry;
    //  Forgetting is always safe: a miss is fetched again
    if (zhashx_size (self->incidents) >= IMW_NOTIFIER_CACHE_MAX)
        zhashx_purge (self->incidents);
    entry = (s_incident_t *) calloc (1, sizeof (s_incident_t));
    if (!entry)
        return NULL;
    if (s_set (&entry->reporter, "") || s_set (&entry->title, "")
    ||  s_set (&entry->group, "") || s_set (&entry->agent, "")) {
        void *item = entry;
        s_incident_destroy (&item);
        return NULL;
    }
    zhashx_insert (self->incidents, key, entry);
    return entry;
}

//  Fills entry from the incident projection. Returns 0, IM_ETIMEOUT or
//  IM_EBUSY to try again later, IM_ENOMEM.
static int
s_fetch (imw_notifier_t *self, uint64_t incident, s_incident_t *entry)
{
    im_fields_t *body = im_fields_new ();
    if (!body || im_fields_set_int (body, IM_KEY_INCIDENT,
                                    (int64_t) incident)) {
        im_fields_destroy (&body);
        return IM_ENOMEM;
    }
    im_reply_t *reply = im_client_call (self->query, "GET", NULL, body,
                                        false);
    im_fields_destroy (&body);
    if (!reply) {
        zsys_warning ("notifier: GET %" PRIu64 ": %s", incident,
                      im_client_errmsg (self->query));
        return IM_ETIMEOUT;
    }
    int rc = 0;
    if (reply->status == IM_PROTO_NOT_LEADER || reply->status >= 500)
        rc = IM_EBUSY;
    else
    if (reply->status == IM_PROTO_OK && reply->body) {
        const im_fields_t *incident_fields = reply->body;
        if (s_set (&entry->reporter,
                   im_fields_str (incident_fields, IM_KEY_REPORTER))
        ||  s_set (&entry->title, im_fields_str (incident_fields, IM_KEY_TITLE))
        ||  s_set (&entry->group, im_fields_str (incident_fields, IM_KEY_GROUP))
        ||  s_set (&entry->agent, im_fields_str (incident_fields, IM_KEY_AGENT))
        ||  s_set (&entry->reporters,
                   im_fields_str (incident_fields, IM_KEY_REPORTERS)))
            rc = IM_ENOMEM;
        entry->request = streq (im_fields_str_or (incident_fields, IM_KEY_TYPE,
                                                  ""), "request");
        entry->major = streq (im_fields_str_or (incident_fields, IM_KEY_MAJOR,
                                                ""), "declared");
        entry->priority = (int) im_fields_int_or (incident_fields,
                                                  IM_KEY_PRIORITY, 0);
    }
    else                            //  404 and the like: nobody to tell
        zsys_warning ("notifier: GET %" PRIu64 " answered %d", incident,
                      reply->status);
    if (rc == 0)
        entry->known = true;
    im_reply_destroy (&reply);
    return rc;
}

//  Finds what is known of incident, fetching it when the cache has not
//  seen it open and a query client is there
static int
s_lookup (imw_notifier_t *self, uint64_t incident, s_incident_t **entry_p)
{
    s_incident_t *entry = s_entry (self, incident);
    *entry_p = entry;
    if (!entry)
        return IM_ENOMEM;
    if (entry->known || !self->query)
        return 0;
    return s_fetch (self, incident, entry);
}

//  Tells recipient through each of their channels for the urgency and
//  the hour, and appends a NOTIFY for each delivery; a recipient and
//  channel already told about this event in this output is skipped.
//  A channel that fails sets self->undelivered and the others are still
//  tried, so one receiver that is down delays nobody else's news.
static int
s_notify (imw_notifier_t *self, const im_event_t *event,
          const char *recipient, const char *reason,
          const s_incident_t *entry, imw_output_t *out)
{
    if (!recipient || !*recipient)
        return 0;
    int rc = imw_channels_sync (self->channels, self->policy);
    if (rc)
        return rc;
    bool request = entry && entry->request;
    int priority = entry ? entry->priority : 0;
    bool high = imw_channels_urgent (reason, priority, request);
    im_notify_names_t names;
    const im_notify_person_t *person = NULL;
    imw_channels_pick (self->policy, recipient, high, (int64_t) event->ts_ms,
                       &names, &person);
    imw_notification_t notification = {
        .recipient = recipient,
        .address = person ? person->email : "",
        .incident = event->incident,
        .priority = priority,
        .request = request,
        .title = entry && entry->title ? entry->title : "",
        .reason = reason,
        .about_seq = event->seq,
        .ts_ms = (int64_t) event->ts_ms,
        .high = high,
    };
    for (size_t index = 0; rc == 0 && index < names.names_n; index++) {
        const char *channel = names.names [index];
        //  The file channel keeps the action it always had, so a log
        //  written before channels existed deduplicates the same way
        char *key = streq (channel, IM_NOTIFY_FILE)
                  ? strdup (recipient)
                  : zsys_sprintf ("%s/%s", recipient, channel);
        if (!key)
            return IM_ENOMEM;
        char action [IMW_NOTIFIER_ACTION_MAX + 8];
        if (strlen (key) <= IMW_NOTIFIER_ACTION_MAX)
            snprintf (action, sizeof action, "notify:%.80s", key);
        else
            snprintf (action, sizeof action, "notify:#%016" PRIx64,
                      imw_sink_hash (key));
        free (key);
        if (imw_output_find (out, action) >= 0)
            continue;
        int sent = imw_channels_deliver (self->channels, event, action,
                                         channel, &notification, out);
        if (sent == IM_EIO)
            self->undelivered = true;
        else
            rc = sent;
    }
    return rc;
}

//  Notifies the assignee: the agent, else the group
static int
s_notify_assignee (imw_notifier_t *self, const im_event_t *event,
                   const s_incident_t *entry, const char *reason,
                   imw_output_t *out)
{
    if (*entry->agent)
        return s_notify (self, event, entry->agent, reason, entry, out);
    if (!*entry->group)
        return 0;
    size_t size = strlen (entry->group) + 7;
    char *recipient = (char *) malloc (size);
    if (!recipient)
        return IM_ENOMEM;
    snprintf (recipient, size, "group:%s", entry->group);
    int rc = s_notify (self, event, recipient, reason, entry, out);
    free (recipient);
    return rc;
}

int
imw_notifier_handle (imw_notifier_t *self, const im_event_t *event,
                     imw_output_t *out)
{
    assert (self && event && out);
    const im_fields_t *payload = event->payload;
    s_incident_t *entry = NULL;
    int rc = 0;
    if (!payload)
        return IM_EINVAL;
    self->undelivered = false;
    if (event->type == IM_EV_OPENED) {
        entry = s_entry (self, event->incident);
        if (!entry
        ||  s_set (&entry->reporter, im_fields_str (payload, IM_KEY_REPORTER))
        ||  s_set (&entry->title, im_fields_str (payload, IM_KEY_TITLE)))
            return IM_ENOMEM;
        entry->request = streq (im_fields_str_or (payload, IM_KEY_TYPE, ""),
                                "request");
        entry->priority = (int) im_fields_int_or (payload, IM_KEY_PRIORITY,
                                                  0);
        entry->known = true;
    }
    else
    if (event->type == IM_EV_CLASSIFIED || event->type == IM_EV_PRIORITIZED) {
        //  Only a cached incident learns it: a miss fetches it when told
        char key [24];
        snprintf (key, sizeof key, "%" PRIu64, event->incident);
        entry = (s_incident_t *) zhashx_lookup (self->incidents, key);
        if (entry)
            entry->priority = (int) im_fields_int_or (payload, IM_KEY_PRIORITY,
                                                      entry->priority);
    }
    else
    if (event->type == IM_EV_CONVERTED) {
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0)
            entry->request = streq (im_fields_str_or (payload, IM_KEY_TO, ""),
                                    "request");
    }
    else
    if (event->type == IM_EV_ASSIGNED) {
        //  The lookup is for the title; the assignee is the event's
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0
        &&  (s_set (&entry->group, im_fields_str (payload, IM_KEY_GROUP))
        ||   s_set (&entry->agent, im_fields_str (payload, IM_KEY_AGENT))))
            rc = IM_ENOMEM;
        if (rc == 0)
            rc = s_notify_assignee (self, event, entry, "assigned", out);
    }
    else
    if (event->type == IM_EV_SLA_BREACHED) {
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0)
            rc = s_notify_assignee (self, event, entry, "breached", out);
        //  Telling the breach recipients is paging them: a request never
        //  pages anyone out of business hours
        bool page = rc == 0
                 && (!entry->request
                     || im_policy_business_hours (self->policy,
                                                  event->ts_ms));
        for (size_t index = 0;
             page && rc == 0 && index < self->policy->breach_recipients_n;
             index++)
            rc = s_notify (self, event, self->policy->breach_recipients [index],
                           "breached", entry, out);
    }
    else
    if (event->type == IM_EV_ESCALATED
    &&  streq (im_fields_str_or (payload, IM_KEY_KIND, ""), "hierarchical")) {
        //  Management hears of it; who works on it does not change
        rc = s_lookup (self, event->incident, &entry);
        for (size_t index = 0;
             rc == 0 && index < self->policy->breach_recipients_n; index++)
            rc = s_notify (self, event, self->policy->breach_recipients [index],
                           "escalated", entry, out);
    }
    else
    if (event->type == IM_EV_LINKED
    &&  streq (im_fields_str_or (payload, IM_KEY_LINK, ""), "duplicate")) {
        //  A merged duplicate's reporters hear of the survivor's outcome
        rc = s_lookup (self, event->incident, &entry);
        const char *more = im_fields_str_or (payload, IM_KEY_REPORTERS, "");
        if (rc == 0 && *more) {
            size_t size = strlen (entry->reporters ? entry->reporters : "")
                        + strlen (more) + 2;
            char *joined = (char *) malloc (size);
            if (!joined)
                return IM_ENOMEM;
            snprintf (joined, size, "%s%s%s",
                      entry->reporters ? entry->reporters : "",
                      entry->reporters && *entry->reporters ? "," : "", more);
            free (entry->reporters);
            entry->reporters = joined;
        }
    }
    else
    if (event->type == IM_EV_MAJOR_DECLARED) {
        //  The whole organisation hears of a major incident
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0) {
            entry->major = true;
            rc = s_notify (self, event, self->policy->broadcast,
                           "major-declared", entry, out);
        }
        if (rc == 0)
            rc = s_notify (self, event,
                           im_fields_str_or (payload, IM_KEY_COMMANDER, ""),
                           "commander", entry, out);
    }
    else
    if (event->type == IM_EV_UPDATE_DUE) {
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0)
            rc = s_notify (self, event,
                           im_fields_str_or (payload, IM_KEY_COMMANDER, ""),
                           "update-due", entry, out);
    }
    else
    if (event->type == IM_EV_RESOLVED) {
        rc = s_lookup (self, event->incident, &entry);
        if (rc == 0 && (entry->major || im_fields_int_or (payload, IM_KEY_MAJOR,
                                                          0)))
            rc = s_notify (self, event, self->policy->broadcast,
                           "major-resolved", entry, out);
        if (rc == 0)
            rc = s_notify (self, event, entry->reporter, "resolved",
                           entry, out);
        const char *next = entry && entry->reporters ? entry->reporters : "";
        while (rc == 0 && *next) {
            const char *comma = strchr (next, ',');
            size_t size = comma ? (size_t) (comma - next) : strlen (next);
            char name [IM_ACTOR_MAX];
            if (size > 0 && size < sizeof name) {
                memcpy (name, next, size);
                name [size] = 0;
                rc = s_notify (self, event, name, "resolved", entry,
                               out);
            }
            next = comma ? comma + 1 : "";
        }
    }
    else
    if (event->type == IM_EV_CLOSED) {
        char key [24];
        snprintf (key, sizeof key, "%" PRIu64, event->incident);
        zhashx_delete (self->incidents, key);
    }
    //  What was delivered is recorded when the event comes again
    if (rc == 0 && self->undelivered)
        rc = IM_EIO;
    return rc;
}

//  Role table adapters: the skeleton holds the state as void *

static void *
s_new (const im_config_t *config, const im_policy_t *policy)
{
    return imw_notifier_new (config, policy);
}

static void
s_destroy (void **state_p)
{
    imw_notifier_t *self = (imw_notifier_t *) *state_p;
    imw_notifier_destroy (&self);
    *state_p = NULL;
}

static int
s_start (void *state, im_client_t *query)
{
    return imw_notifier_start ((imw_notifier_t *) state, query);
}

static int
s_handle (void *state, const im_event_t *event, imw_output_t *out)
{
    return imw_notifier_handle ((imw_notifier_t *) state, event, out);
}

const imw_role_t *
imw_notifier_role (void)
{
    static const imw_role_t role = {
        .name = "notifier",
        .group = "notifier",
        .program = "imq-notifier",
        .new_fn = s_new,
        .destroy_fn = s_destroy,
        .start_fn = s_start,
        .handle_fn = s_handle,
    };
    return &role;
}
