/*  im_harness_query - direct questions to the broker under test

    Waiting for the system to settle means asking the broker the same
    question every few ms; running imqctl for each poll would spend the
    test's time in process start-up. So the harness keeps one client of
    its own (the same im_client the programs use) for STATUS and
    TIMELINE, and leaves imqctl to the checks of what operators see.
*/
#include "im_harness_private.h"

im_client_t *
imh_client (imh_t *self)
{
    assert (self);
    if (!self->client)
        self->client = im_client_new (self->client_endpoint, IMH_CALL_MS);
    return self->client;
}

im_reply_t *
imh_call (imh_t *self, const char *verb, const im_fields_t *body,
          bool raw_items)
{
    assert (self && verb);
    im_client_t *client = imh_client (self);
    if (!client)
        return NULL;
    im_fields_t *copy = im_fields_new ();
    if (!copy || (body && im_fields_merge (copy, body)))
        im_fields_destroy (&copy);
    //  A cluster's figures (consumer groups, what is settled) are the
    //  leader's: a linearizable query is answered there
    if (copy && self->nodes_n > 0
    &&  im_query_type_from_name (verb) != IM_QUERY_NONE)
        im_fields_set_int (copy, "linearizable", 1);
    im_reply_t *reply = copy ? im_client_call (client, verb, NULL, copy,
                                               raw_items)
                             : NULL;
    im_fields_destroy (&copy);
    return reply;
}

int
imh_last_seq (imh_t *self, uint64_t *last_seq)
{
    assert (self && last_seq);
    im_reply_t *reply = imh_call (self, "STATUS", NULL, false);
    int64_t value = -1;
    if (reply && reply->status == 200 && reply->body)
        value = im_fields_int_or (reply->body, "last_seq", -1);
    im_reply_destroy (&reply);
    if (value < 0)
        return -1;
    *last_seq = (uint64_t) value;
    return 0;
}

//  Finds group among the items of a STATUS reply; borrowed or NULL
static const im_fields_t *
s_find_group (im_reply_t *reply, const char *group)
{
    if (!reply || reply->status != 200 || !reply->items)
        return NULL;
    const im_fields_t *item = (const im_fields_t *) zlist_first (reply->items);
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        if (streq (im_fields_str_or (item, "group", ""), group))
            return item;
    return NULL;
}

int
imh_group (imh_t *self, const char *group, int64_t *instances, int64_t *lag)
{
    assert (self && group);
    im_reply_t *reply = imh_call (self, "STATUS", NULL, false);
    const im_fields_t *item = s_find_group (reply, group);
    if (item && instances)
        *instances = im_fields_int_or (item, "instances", -1);
    if (item && lag)
        *lag = im_fields_int_or (item, "lag", -1);
    im_reply_destroy (&reply);
    return item ? 0 : -1;
}

static bool
s_settled (void *arg)
{
    imh_t *self = (imh_t *) arg;
    static const char *groups [] = { "classifier", "sla", "notifier" };
    //  Linearizable: a broker just restarted replays the Raft log into
    //  its store (which keeps no WAL), and every point of the replay
    //  may show the groups at lag 0; the read's barrier waits for the
    //  replay to end
    im_fields_t *body = im_fields_new ();
    assert (body);
    im_fields_set_int (body, "linearizable", 1);
    im_reply_t *reply = imh_call (self, "STATUS", body, false);
    im_fields_destroy (&body);
    bool settled = reply != NULL;
    for (size_t index = 0; settled && index < 3; index++) {
        const im_fields_t *item = s_find_group (reply, groups [index]);
        settled = item && im_fields_int_or (item, "lag", -1) == 0;
    }
    im_reply_destroy (&reply);
    return settled;
}

bool
imh_wait_settled (imh_t *self, int deadline_ms)
{
    assert (self);
    return imh_wait_for (s_settled, self, deadline_ms);
}

typedef struct {
    imh_t *harness;                 //  Who to ask
    const char *group;              //  Consumer group
    int64_t instances;              //  Instances wanted
} s_instances_t;

static bool
s_has_instances (void *arg)
{
    s_instances_t *wait = (s_instances_t *) arg;
    int64_t instances = -1;
    return imh_group (wait->harness, wait->group, &instances, NULL) == 0
        && instances == wait->instances;
}

bool
imh_wait_instances (imh_t *self, const char *group, int64_t instances,
                    int deadline_ms)
{
    assert (self && group);
    s_instances_t wait = { self, group, instances };
    return imh_wait_for (s_has_instances, &wait, deadline_ms);
}

static void
s_event_free (void *item)
{
    im_event_t *event = (im_event_t *) item;
    im_event_destroy (&event);
}

//  The events of a TIMELINE reply for incident, decoded; NULL when the
//  reply is not a 200 or an event does not decode (printed). Destroys
//  the reply.
static zlist_t *
s_timeline_events (im_reply_t **reply_p, uint64_t incident)
{
    im_reply_t *reply = *reply_p;
    if (!reply || reply->status != 200) {
        im_reply_destroy (reply_p);
        return NULL;
    }
    zlist_t *events = zlist_new ();
    zframe_t *frame = reply->raw_items
                    ? (zframe_t *) zlist_first (reply->raw_items) : NULL;
    for (; frame && events;
         frame = (zframe_t *) zlist_next (reply->raw_items)) {
        im_event_t *event = im_event_new ();
        char errbuf [200] = "";
        if (im_event_decode (event, zframe_data (frame), zframe_size (frame),
                             errbuf, sizeof errbuf)) {
            fprintf (stderr, "im_harness: incident %" PRIu64 ": event does "
                     "not decode: %s\n", incident, errbuf);
            im_event_destroy (&event);
            imh_events_destroy (&events);
            break;
        }
        zlist_append (events, event);
        zlist_freefn (events, event, s_event_free, true);
    }
    im_reply_destroy (reply_p);
    return events;
}

zlist_t *
imh_timeline (imh_t *self, uint64_t incident)
{
    assert (self);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "incident", (int64_t) incident);
    im_reply_t *reply = imh_call (self, "TIMELINE", body, true);
    im_fields_destroy (&body);
    return s_timeline_events (&reply, incident);
}

zlist_t *
imh_node_timeline (imh_t *self, int node, uint64_t incident)
{
    assert (self);
    im_client_t *client = im_client_new (imh_node_endpoint (self, node),
                                         IMH_CALL_MS);
    im_fields_t *body = im_fields_new ();
    im_reply_t *reply = NULL;
    if (client && body
    &&  im_fields_set_int (body, "incident", (int64_t) incident) == 0)
        reply = im_client_call (client, "TIMELINE", NULL, body, true);
    im_fields_destroy (&body);
    im_client_destroy (&client);
    return s_timeline_events (&reply, incident);
}

void
imh_events_destroy (zlist_t **events_p)
{
    assert (events_p);
    zlist_destroy (events_p);
}

//  True when event is of type wanted and, when key is not NULL, its
//  payload has key = value (integers in decimal)
static bool
s_event_matches (const im_event_t *event, im_event_type_t wanted,
                 const char *key, const char *value)
{
    if (event->type != wanted)
        return false;
    if (!key)
        return true;
    char text [32] = "";
    const char *found = im_fields_str (event->payload, key);
    int64_t number;
    if (!found && im_fields_int (event->payload, key, &number) == 0) {
        snprintf (text, sizeof text, "%" PRId64, number);
        found = text;
    }
    return found && streq (found, value);
}

bool
imh_find_event (imh_t *self, uint64_t incident, const char *type,
                const char *key, const char *value, im_event_t *found)
{
    assert (self && type && found);
    im_event_type_t wanted = im_event_type_from_name (type);
    assert (wanted != IM_EV_NONE);
    zlist_t *events = imh_timeline (self, incident);
    bool seen = false;
    im_event_t *event = events ? (im_event_t *) zlist_first (events) : NULL;
    for (; event && !seen; event = (im_event_t *) zlist_next (events)) {
        if (!s_event_matches (event, wanted, key, value))
            continue;
        found->seq = event->seq;
        found->ts_ms = event->ts_ms;
        found->type = event->type;
        im_fields_clear (found->payload);
        im_fields_merge (found->payload, event->payload);
        seen = true;
    }
    imh_events_destroy (&events);
    return seen;
}

int
imh_count_events (imh_t *self, uint64_t incident, const char *type,
                  const char *key, const char *value)
{
    assert (self && type);
    zlist_t *events = imh_timeline (self, incident);
    if (!events)
        return -1;
    im_event_type_t wanted = im_event_type_from_name (type);
    assert (wanted != IM_EV_NONE);
    int count = 0;
    im_event_t *event = (im_event_t *) zlist_first (events);
    for (; event; event = (im_event_t *) zlist_next (events))
        if (s_event_matches (event, wanted, key, value))
            count++;
    imh_events_destroy (&events);
    return count;
}

typedef struct {
    imh_t *harness;                 //  Who to ask
    uint64_t incident;              //  Whose timeline
    const char *type;               //  Event type
    const char *key;                //  Payload key, or NULL
    const char *value;              //  Its value
    int count;                      //  Events wanted
} s_events_t;

static bool
s_has_events (void *arg)
{
    s_events_t *wait = (s_events_t *) arg;
    return imh_count_events (wait->harness, wait->incident, wait->type,
                             wait->key, wait->value) >= wait->count;
}

bool
imh_wait_events (imh_t *self, uint64_t incident, const char *type,
                 const char *key, const char *value, int count,
                 int deadline_ms)
{
    assert (self);
    s_events_t wait = { self, incident, type, key, value, count };
    return imh_wait_for (s_has_events, &wait, deadline_ms);
}

uint64_t
imh_open (imh_t *self, const char *title, const char *reporter,
          int impact, int urgency)
{
    assert (self && title && reporter);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", title);
    im_fields_set_str (body, "reporter", reporter);
    im_fields_set_int (body, "impact", impact);
    im_fields_set_int (body, "urgency", urgency);
    im_reply_t *reply = imh_call (self, "OPEN", body, false);
    im_fields_destroy (&body);
    int64_t incident = 0;
    if (reply && reply->status == 200 && reply->body)
        incident = im_fields_int_or (reply->body, "incident", 0);
    im_reply_destroy (&reply);
    return incident > 0 ? (uint64_t) incident : 0;
}

char *
imh_read_file (const char *path)
{
    assert (path);
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    size_t capacity = 4096, size = 0;
    char *text = (char *) malloc (capacity);
    while (text) {
        size += fread (text + size, 1, capacity - size - 1, file);
        if (size < capacity - 1)
            break;
        capacity *= 2;
        char *grown = (char *) realloc (text, capacity);
        if (!grown)
            free (text);
        text = grown;
    }
    if (text)
        text [size] = 0;
    fclose (file);
    return text;
}

int
imh_count_lines (const char *text, ...)
{
    if (!text)
        return 0;
    int count = 0;
    const char *line = text;
    while (*line) {
        const char *end = strchr (line, '\n');
        size_t length = end ? (size_t) (end - line) : strlen (line);
        bool all = true;
        va_list list;
        va_start (list, text);
        const char *needle = va_arg (list, const char *);
        for (; needle && all; needle = va_arg (list, const char *)) {
            //  Look for needle within this line only
            size_t needle_length = strlen (needle);
            bool found = false;
            for (size_t at = 0; !found && at + needle_length <= length; at++)
                found = memcmp (line + at, needle, needle_length) == 0;
            all = found;
        }
        va_end (list);
        count += all ? 1 : 0;
        line = end ? end + 1 : line + length;
    }
    return count;
}
