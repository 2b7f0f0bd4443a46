/*  imqctl_cmd_events - imqctl events: the log, exported or tailed

        events [--since SEQ|T] [--until SEQ|T] [--type TYPE]
               [--incident ID] [--follow] [--csv] [--output FILE]

    An analyst exports a range of the log (every incident's events, the
    configuration's, the denials) or watches it as it grows. SEQ is an
    event's seq; T a duration back from now ("15m"), or an RFC 3339 UTC
    time ("2026-12-07T23:00:00Z"): a bare integer is a seq. The node
    answers EVENTS a page at a time with the seq to go on after
    (docs/protocol.md 3.2), so any range is read whole, each event once
    and in order; --follow asks again every --interval ms (500) once
    the log is read, until SIGINT or SIGTERM, which end it with 0.

    Output, one event a line: for people, seq, time, incident, type,
    actor and what changed; --json, NDJSON (im_event_to_json's keys);
    --csv, RFC 4180 records under a header of the columns seq, ts_ms,
    time, incident, type, actor, on_behalf_of, payload (JSON text).
    Needs the role analyst, service_desk_manager, incident_manager or
    administrator.
*/
#include "imqctl.h"

#define S_INTERVAL_MS   500         //  Between polls of a caught-up tail
#define S_NAP_MS        50          //  Steps of the wait, for SIGINT

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_SINCE, "SEQ|T", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_UNTIL, "SEQ|T", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_TYPE, "TYPE", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_INCIDENT, "ID", IMQCTL_INT, false, 0, INT64_MAX, NULL },
    { IM_KEY_FOLLOW, NULL, IMQCTL_BOOL, false, 0, 0, NULL },
    { IM_KEY_CSV, NULL, IMQCTL_BOOL, false, 0, 0, NULL },
    { IM_KEY_OUTPUT, "FILE", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_LIMIT, "N", IMQCTL_INT, false, 1, 1000, NULL },
    { IM_KEY_INTERVAL, "MS", IMQCTL_INT, false, 10, 60000, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Where and how the events are written
typedef struct {
    FILE *out;                      //  stdout or --output, borrowed
    bool json;                      //  NDJSON
    bool csv;                       //  RFC 4180 CSV
} s_writer_t;

//  Waits ms, or less when interrupted
static void
s_nap (int ms)
{
    for (int waited = 0; waited < ms && !zsys_interrupted;
         waited += S_NAP_MS)
        zclock_sleep (S_NAP_MS);
}

int
imqctl_events_read (const imqctl_t *self, im_fields_t *body, bool follow,
                    int interval_ms, imqctl_events_fn *fn, void *arg)
{
    assert (self && body && fn);
    //  One client for every page: one connection, one handshake
    im_client_t *client = imqctl_client_new (self, self->endpoint,
                                             self->timeout_ms);
    if (!client)
        return IMQCTL_EXIT_USAGE;
    im_event_t *event = im_event_new ();
    if (!event) {
        fprintf (stderr, "imqctl: %s: out of memory\n", self->verb->name);
        im_client_destroy (&client);
        return IMQCTL_EXIT_BROKER;
    }
    int rc = IMQCTL_EXIT_OK;
    bool done = false;
    while (rc == IMQCTL_EXIT_OK && !done && !zsys_interrupted) {
        im_reply_t *reply = NULL;
        rc = imqctl_call_with (self, client, "EVENTS", body, true, &reply);
        if (rc)
            break;
        zframe_t *frame = reply->raw_items
            ? (zframe_t *) zlist_first (reply->raw_items) : NULL;
        for (; frame && rc == IMQCTL_EXIT_OK;
             frame = (zframe_t *) zlist_next (reply->raw_items)) {
            char errbuf [200] = "";
            if (im_event_decode (event, zframe_data (frame),
                                 zframe_size (frame), errbuf,
                                 sizeof errbuf)) {
                fprintf (stderr, "imqctl: %s: an event of the reply: %s\n",
                         self->verb->name, errbuf);
                rc = IMQCTL_EXIT_BROKER;
            }
            else
                rc = fn (event, arg);
        }
        int64_t after = im_fields_int_or (reply->body, IM_KEY_AFTER, -1);
        bool more = im_fields_int_or (reply->body, IM_KEY_MORE, 0) != 0;
        im_reply_destroy (&reply);
        if (rc == IMQCTL_EXIT_OK && after < 0) {
            fprintf (stderr, "imqctl: %s: the reply has no cursor\n",
                     self->verb->name);
            rc = IMQCTL_EXIT_BROKER;
        }
        if (rc == IMQCTL_EXIT_OK
        &&  im_fields_set_int (body, IM_KEY_AFTER, after))
            rc = IMQCTL_EXIT_BROKER;
        if (rc == IMQCTL_EXIT_OK && !more) {
            if (follow)
                s_nap (interval_ms);
            else
                done = true;
        }
    }
    im_event_destroy (&event);
    im_client_destroy (&client);
    //  An interrupted tail has done what it was asked
    return follow && zsys_interrupted ? IMQCTL_EXIT_OK : rc;
}

//  Writes event as one CSV record
static int
s_write_csv (FILE *out, const im_event_t *event)
{
    char seq [24], ts [24], time [40], incident [24];
    snprintf (seq, sizeof seq, "%" PRIu64, event->seq);
    snprintf (ts, sizeof ts, "%" PRIu64, event->ts_ms);
    im_format_time (event->ts_ms, time, sizeof time);
    snprintf (incident, sizeof incident, "%" PRIu64, event->incident);
    const char *type = im_event_type_name (event->type);
    json_t *payload = im_fields_to_json (event->payload);
    char *text = payload ? json_dumps (payload, JSON_COMPACT | JSON_SORT_KEYS
                                                | JSON_ENSURE_ASCII)
                         : NULL;
    json_decref (payload);
    if (!text)
        return IMQCTL_EXIT_BROKER;
    const char *fields [] = {
        seq, ts, time, incident, type ? type : "", event->actor,
        im_fields_str_or (event->payload, IM_KEY_ON_BEHALF_OF, ""), text
    };
    int rc = imqctl_csv_row (out, fields, 8);
    free (text);
    return rc;
}

//  Writes event as one line for people
static int
s_write_line (FILE *out, const im_event_t *event)
{
    char time [40], incident [24];
    im_format_time (event->ts_ms, time, sizeof time);
    if (event->incident)
        snprintf (incident, sizeof incident, "#%" PRIu64, event->incident);
    else
        snprintf (incident, sizeof incident, "-");
    const char *type = im_event_type_name (event->type);
    char *changes = imqctl_text_pairs (event->payload);
    if (!changes)
        return IMQCTL_EXIT_BROKER;
    fprintf (out, "%-7" PRIu64 " %s %-7s %-22s %-16s %s\n", event->seq, time,
             incident, type ? type : "?", event->actor, changes);
    free (changes);
    return IMQCTL_EXIT_OK;
}

static int
s_write (const im_event_t *event, void *arg)
{
    s_writer_t *writer = (s_writer_t *) arg;
    int rc = IMQCTL_EXIT_OK;
    if (writer->csv)
        rc = s_write_csv (writer->out, event);
    else
    if (writer->json) {
        json_t *json = im_event_to_json (event);
        if (!json || json_dumpf (json, writer->out,
                                 JSON_COMPACT | JSON_PRESERVE_ORDER))
            rc = IMQCTL_EXIT_BROKER;
        else
            fputc ('\n', writer->out);
        json_decref (json);
    }
    else
        rc = s_write_line (writer->out, event);
    if (rc)
        fprintf (stderr, "imqctl: events: out of memory\n");
    //  A tail is read as it comes: each event leaves at once
    else
    if (fflush (writer->out)) {
        fprintf (stderr, "imqctl: events: cannot write: %s\n",
                 strerror (errno));
        rc = IMQCTL_EXIT_BROKER;
    }
    return rc;
}

//  Reads flag name (SEQ or T) into body as a seq (seq_key) or a time
//  (time_key); a seq is moved by shift (-1: since SEQ is after SEQ - 1).
//  *seq gets the seq, or -1. Returns 0 or the exit code after saying why.
static int
s_bound (const imqctl_t *self, const char *name, im_fields_t *body,
         const char *seq_key, const char *time_key, int64_t shift,
         int64_t *seq)
{
    *seq = -1;
    const char *text = im_fields_str (self->flags, name);
    if (!text)
        return IMQCTL_EXIT_OK;
    char *end = NULL;
    errno = 0;
    long long value = strtoll (text, &end, 10);
    if (*text && *end == 0 && errno == 0) {
        if (value < 1)
            return imqctl_args_fail (self, "--%s %s: a seq is 1 or more",
                                     name, text);
        *seq = value;
        return im_fields_set_int (body, seq_key, value + shift)
             ? IMQCTL_EXIT_BROKER : IMQCTL_EXIT_OK;
    }
    int64_t ms = 0;
    //  A bare integer was a seq: here a duration or an RFC 3339 time
    if (imqctl_args_time (text, &ms))
        return imqctl_args_fail (self, "--%s '%s' is not a seq, a "
                                 "duration (15m) or an RFC 3339 UTC time",
                                 name, text);
    return im_fields_set_int (body, time_key, ms)
         ? IMQCTL_EXIT_BROKER : IMQCTL_EXIT_OK;
}

static int
s_run (imqctl_t *self)
{
    const im_fields_t *flags = self->flags;
    bool follow = im_fields_has (flags, IM_KEY_FOLLOW);
    s_writer_t writer = { stdout, self->json, im_fields_has (flags,
                                                             IM_KEY_CSV) };
    const char *type = im_fields_str (flags, IM_KEY_TYPE);
    if (writer.json && writer.csv)
        return imqctl_args_fail (self, "--json or --csv: not both");
    if (follow && im_fields_has (flags, IM_KEY_UNTIL))
        return imqctl_args_fail (self, "--follow reads on without end: "
                                 "not with --until");
    if (type && im_event_type_from_name (type) == IM_EV_NONE)
        return imqctl_args_fail (self, "--type '%s' is not an event type "
                                 "(docs/protocol.md 6.2)", type);
    im_fields_t *body = im_fields_new ();
    if (!body)
        return imqctl_args_fail (self, "out of memory");
    int64_t since = -1, until = -1;
    int rc = s_bound (self, IM_KEY_SINCE, body, IM_KEY_AFTER, IM_KEY_SINCE,
                      -1, &since);
    if (rc == 0)
        rc = s_bound (self, IM_KEY_UNTIL, body, IM_KEY_UNTIL_SEQ,
                      IM_KEY_UNTIL, 0, &until);
    if (rc == 0 && ((since > 0 && until > 0 && since > until)
    ||  im_fields_int_or (body, IM_KEY_SINCE, -1)
        > im_fields_int_or (body, IM_KEY_UNTIL, INT64_MAX)))
        rc = imqctl_args_fail (self, "--since is after --until");
    if (rc == 0 && type)
        rc = im_fields_set_str (body, IM_KEY_TYPE, type);
    if (rc == 0 && im_fields_has (flags, IM_KEY_INCIDENT))
        rc = im_fields_set_int (body, IM_KEY_INCIDENT,
                                im_fields_int_or (flags, IM_KEY_INCIDENT, 0));
    if (rc == 0 && im_fields_has (flags, IM_KEY_LIMIT))
        rc = im_fields_set_int (body, IM_KEY_LIMIT,
                                im_fields_int_or (flags, IM_KEY_LIMIT, 1000));
    const char *path = im_fields_str (flags, IM_KEY_OUTPUT);
    FILE *file = rc == 0 && path ? fopen (path, "w") : NULL;
    if (rc == 0 && path && !file)
        rc = imqctl_args_fail (self, "--output '%s': %s", path,
                               strerror (errno));
    if (file)
        writer.out = file;
    zsys_init ();                   //  SIGINT and SIGTERM end a tail
    if (rc == 0 && writer.csv)
        fputs ("seq,ts_ms,time,incident,type,actor,on_behalf_of,payload\r\n",
               writer.out);
    if (rc == 0)
        rc = imqctl_events_read (self, body, follow,
                                 (int) im_fields_int_or (flags,
                                                         IM_KEY_INTERVAL,
                                                         S_INTERVAL_MS),
                                 s_write, &writer);
    if (file && fclose (file) && rc == 0) {
        fprintf (stderr, "imqctl: events: cannot write '%s': %s\n", path,
                 strerror (errno));
        rc = IMQCTL_EXIT_BROKER;
    }
    im_fields_destroy (&body);
    return rc;
}

const imqctl_verb_t imqctl_verb_events = {
    "events", "EVENTS", NULL, 0, 0, s_flags,
    "read the log in seq order, or tail it (--follow); --json: NDJSON, "
    "--csv: CSV",
    s_run
};
