/*  imqctl_cmd_timeline - imqctl timeline: an incident's events in order

    The timeline is what a post-incident review starts from: every event
    of one incident, who caused it and what it changed. The broker sends
    the events as stored (msgpack EVENTs), so they are decoded here with
    the same checked decoder the broker and workers use.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_VIEW, "V", IMQCTL_STR, false, 0, 0, "own|merged" },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Adds one event as a table row
static int
s_add_row (imqctl_table_t *table, const im_event_t *event, uint64_t shown)
{
    //  SEQ is "seq" or, for an event of another incident (a merged
    //  view), "seq #incident"
    char seq [48], time [40];
    if (event->incident == shown)
        snprintf (seq, sizeof seq, "%" PRIu64, event->seq);
    else
        snprintf (seq, sizeof seq, "%" PRIu64 " #%" PRIu64, event->seq,
                  event->incident);
    im_format_time (event->ts_ms, time, sizeof time);
    const char *type = im_event_type_name (event->type);
    char *changes = imqctl_text_pairs (event->payload);
    if (!changes)
        return IM_ENOMEM;
    const char *cells [] = {
        seq, time, event->actor, type? type: "?", changes
    };
    int rc = imqctl_table_add (table, cells);
    free (changes);
    return rc;
}

//  Decodes every raw item into an event and hands it to the table or
//  the JSON array. Returns 0, or the exit code after saying why.
static int
s_collect (const imqctl_t *self, const im_reply_t *reply,
           imqctl_table_t *table, json_t *array)
{
    im_event_t *event = im_event_new ();
    if (!event) {
        fprintf (stderr, "imqctl: timeline: out of memory\n");
        return IMQCTL_EXIT_BROKER;
    }
    int rc = 0;
    size_t position = 0;
    zframe_t *frame = reply->raw_items?
        (zframe_t *) zlist_first (reply->raw_items): NULL;
    while (frame && rc == 0) {
        char errbuf [200] = "";
        position++;
        if (im_event_decode (event, zframe_data (frame), zframe_size (frame),
                             errbuf, sizeof errbuf)) {
            fprintf (stderr, "imqctl: %s: event %zu of the reply: %s\n",
                     self->verb->name, position, errbuf);
            rc = IMQCTL_EXIT_BROKER;
        }
        else
        if (array) {
            json_t *json = im_event_to_json (event);
            if (!json || json_array_append_new (array, json))
                rc = IMQCTL_EXIT_BROKER;
        }
        else
        if (s_add_row (table, event, (uint64_t) im_fields_int_or (
                reply->body, IM_KEY_INCIDENT, 0)))
            rc = IMQCTL_EXIT_BROKER;
        frame = (zframe_t *) zlist_next (reply->raw_items);
    }
    im_event_destroy (&event);
    return rc;
}

//  Where the configuration's events go: the table, or the JSON array
typedef struct {
    imqctl_table_t *table;          //  Rows, or NULL
    json_t *array;                  //  Events, or NULL
} s_config_t;

static int
s_config_event (const im_event_t *event, void *arg)
{
    s_config_t *config = (s_config_t *) arg;
    if (config->array) {
        json_t *json = im_event_to_json (event);
        return !json || json_array_append_new (config->array, json)
             ? IMQCTL_EXIT_BROKER : IMQCTL_EXIT_OK;
    }
    return s_add_row (config->table, event, 0) ? IMQCTL_EXIT_BROKER
                                                : IMQCTL_EXIT_OK;
}

//  timeline 0: the events of no incident (policies applied, members,
//  principals), read with EVENTS {incident: 0} page by page; the node
//  leaves out the principals' token hashes
static int
s_run_config (imqctl_t *self)
{
    if (im_fields_has (self->flags, IM_KEY_VIEW))
        return imqctl_args_fail (self, "timeline 0 has no --view");
    const char *headers [] = { "SEQ", "TIME", "ACTOR", "TYPE", "CHANGES" };
    s_config_t config = { NULL, NULL };
    if (self->json)
        config.array = json_array ();
    else
        config.table = imqctl_table_new (headers, 5);
    im_fields_t *body = im_fields_new ();
    int rc = body && (config.array || config.table)
           && im_fields_set_int (body, IM_KEY_INCIDENT, 0) == 0
           ? imqctl_events_read (self, body, false, 0, s_config_event,
                                 &config)
           : imqctl_args_fail (self, "out of memory");
    if (rc == IMQCTL_EXIT_OK && config.array) {
        json_t *json = json_pack ("{s:I,s:I,s:O}", IM_KEY_INCIDENT,
                                  (json_int_t) 0, IM_KEY_COUNT,
                                  (json_int_t) json_array_size (config.array),
                                  "events", config.array);
        imqctl_json_print (&json);
    }
    else
    if (rc == IMQCTL_EXIT_OK)
        imqctl_table_print (config.table, stdout, 0);
    json_decref (config.array);
    imqctl_table_destroy (&config.table);
    im_fields_destroy (&body);
    return rc;
}

static int
s_run_timeline (imqctl_t *self)
{
    if (streq (self->args [0], "0"))
        return s_run_config (self);
    //  merged: a parent's view, with its children's and merged
    //  duplicates' events among its own
    int64_t incident = 0;
    int rc = imqctl_args_id (self, 0, &incident);
    if (rc)
        return rc;
    im_fields_t *body = im_fields_new ();
    bool merged = streq (im_fields_str_or (self->flags, IM_KEY_VIEW, "own"),
                         "merged");
    if (!body || im_fields_set_int (body, IM_KEY_INCIDENT, incident)
    ||  (merged && im_fields_set_int (body, IM_KEY_MERGED, 1))) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "out of memory");
    }
    im_reply_t *reply = NULL;
    rc = imqctl_call (self, body, true, &reply);
    im_fields_destroy (&body);
    if (rc)
        return rc;

    const char *headers [] = { "SEQ", "TIME", "ACTOR", "TYPE", "CHANGES" };
    imqctl_table_t *table = NULL;
    json_t *json = NULL;
    json_t *array = NULL;
    if (self->json) {
        json = im_reply_to_json (reply, NULL);
        array = json_array ();
    }
    else
        table = imqctl_table_new (headers, 5);
    if ((self->json && (!json || !array)) || (!self->json && !table)) {
        fprintf (stderr, "imqctl: timeline: out of memory\n");
        rc = IMQCTL_EXIT_BROKER;
    }
    else
        rc = s_collect (self, reply, table, array);
    if (rc == 0 && json) {
        json_object_set (json, "events", array);
        imqctl_json_print (&json);
    }
    else
    if (rc == 0)
        imqctl_table_print (table, stdout, 0);
    json_decref (array);
    json_decref (json);
    imqctl_table_destroy (&table);
    im_reply_destroy (&reply);
    return rc;
}

const imqctl_verb_t imqctl_verb_timeline = {
    "timeline", "TIMELINE", "ID", 1, 1, s_flags,
    "show an incident's events, oldest first, and what each changed "
    "(--view merged: with its children's and duplicates'; 0: the "
    "configuration's)",
    s_run_timeline
};
