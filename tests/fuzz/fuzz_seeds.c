/*  fuzz_seeds - writes the seed corpora of the fuzz targets

    The seeds in tests/fuzz/corpus/<target>/ are what each target's
    fuzzing starts from: valid messages made by imq's own encoders (so
    they follow the protocol as it is), every prefix of a valid command,
    and the hostile shapes the decoders must refuse (msgpack bombs that
    declare more than they hold, nesting past the limit). Run it after a
    protocol change and commit what it writes:

        build/tests/fuzz/imq-fuzz-seeds tests/fuzz/corpus

    The HTTP and YAML seeds are files of their own in the corpus (real
    Alertmanager and PagerDuty payloads, the shipped configurations);
    this program writes only what is binary.
*/
#include "im_classes.h"
#include "im_fuzz.h"

typedef struct {
    const char *root;               //  Corpus directory
    const char *target;             //  Current target
    size_t written;                 //  Files written
} s_out_t;

//  Stops when an encoder refused a seed (a seed here is out of date)
static void
s_must (bool done, const char *what)
{
    if (!done) {
        fprintf (stderr, "imq-fuzz-seeds: cannot make %s\n", what);
        exit (1);
    }
}

//  Writes one seed
static void
s_write (s_out_t *out, const char *name, const void *data, size_t size)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", out->root, out->target);
    zsys_dir_create ("%s", path);
    snprintf (path, sizeof path, "%s/%s/%s", out->root, out->target, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size || fclose (file)) {
        fprintf (stderr, "imq-fuzz-seeds: cannot write %s\n", path);
        exit (1);
    }
    out->written++;
}

//  Writes every proper prefix of data, name-NNNN
static void
s_write_prefixes (s_out_t *out, const char *name, const void *data,
                  size_t size)
{
    for (size_t length = 0; length < size; length++) {
        char file [64];
        snprintf (file, sizeof file, "%s-%04zu", name, length);
        s_write (out, file, data, length);
    }
}

//  A command: verb, incident, request id, then key/value pairs ("key",
//  "s:text" or "i:123"), NULL-terminated
static im_command_t *
s_command (const char *verb, uint64_t incident, const char *request_id, ...)
{
    im_command_t *command = im_command_new ();
    s_must (command != NULL, verb);
    command->type = im_command_type_from_name (verb);
    s_must (command->type != IM_CMD_NONE, verb);
    command->incident = incident;
    command->ts_ms = 1764296266000 + incident * 60000;
    im_strlcpy (command->actor, "ann", sizeof command->actor);
    im_strlcpy (command->request_id, request_id ? request_id : "",
                sizeof command->request_id);
    va_list args;
    va_start (args, request_id);
    const char *key;
    while ((key = va_arg (args, const char *))) {
        const char *value = va_arg (args, const char *);
        s_must ((value [0] == 'i'
                 ? im_fields_set_int (command->args, key,
                                      strtoll (value + 2, NULL, 10))
                 : im_fields_set_str (command->args, key, value + 2)) == 0,
                key);
    }
    va_end (args);
    return command;
}

//  Packs a command alone (its msgpack array), into buffer
static void
s_pack (im_command_t *command, msgpack_sbuffer *buffer)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    s_must (im_command_pack (command, &packer) == 0, "a command");
}

//  Encodes commands (taken) as an entry's payload (its array) into a
//  new chunk
static zchunk_t *
s_payload (im_command_t **commands, size_t count)
{
    void *entry = NULL;
    size_t size = 0;
    s_must (im_entry_encode (commands, count, malloc, &entry, &size) == 0,
            "an entry");
    const uint8_t *bytes = (const uint8_t *) entry;
    size_t length = (size_t) bytes [4] << 24 | (size_t) bytes [5] << 16
                  | (size_t) bytes [6] << 8 | bytes [7];
    zchunk_t *chunk = zchunk_new (bytes + 8, length);
    free (entry);
    for (size_t index = 0; index < count; index++)
        im_command_destroy (&commands [index]);
    return chunk;
}

//  Appends a part to an input, after a separator unless it is the first
static void
s_part (zchunk_t *input, const void *data, size_t size)
{
    if (zchunk_size (input)) {
        uint8_t separator = IM_FUZZ_SEPARATOR;
        zchunk_extend (input, &separator, 1);
    }
    zchunk_extend (input, data, size);
}

//  Appends an entry of the commands given (NULL-terminated; taken)
static void
s_entry (zchunk_t *input, ...)
{
    im_command_t *commands [32];
    size_t count = 0;
    va_list args;
    va_start (args, input);
    im_command_t *command;
    while ((command = va_arg (args, im_command_t *)))
        commands [count++] = command;
    va_end (args);
    zchunk_t *payload = s_payload (commands, count);
    s_part (input, zchunk_data (payload), zchunk_size (payload));
    zchunk_destroy (&payload);
}

//  Appends a query "?VERB body", body from key/value pairs as s_command
static void
s_query (zchunk_t *input, const char *verb, ...)
{
    im_fields_t *body = im_fields_new ();
    va_list args;
    va_start (args, verb);
    const char *key;
    while ((key = va_arg (args, const char *))) {
        const char *value = va_arg (args, const char *);
        if (value [0] == 'i')
            im_fields_set_int (body, key, strtoll (value + 2, NULL, 10));
        else
            im_fields_set_str (body, key, value + 2);
    }
    va_end (args);
    char *data;
    size_t size;
    im_fields_encode (body, &data, &size);
    zchunk_t *part = zchunk_new (NULL, 0);
    zchunk_extend (part, "?", 1);
    zchunk_extend (part, verb, strlen (verb));
    zchunk_extend (part, " ", 1);
    zchunk_extend (part, data, size);
    s_part (input, zchunk_data (part), zchunk_size (part));
    zchunk_destroy (&part);
    free (data);
    im_fields_destroy (&body);
}

//  Writes an input and destroys it
static void
s_write_input (s_out_t *out, const char *name, zchunk_t **input_p)
{
    s_write (out, name, zchunk_data (*input_p), zchunk_size (*input_p));
    zchunk_destroy (input_p);
}

//  Joins the frames of msg (taken) into one input
static zchunk_t *
s_frames (zmsg_t **msg_p)
{
    s_must (*msg_p != NULL, "a message");
    zchunk_t *input = zchunk_new (NULL, 0);
    bool first = true;
    for (zframe_t *frame = zmsg_first (*msg_p); frame;
         frame = zmsg_next (*msg_p)) {
        //  An empty first frame still needs its separator after it
        if (!first) {
            uint8_t separator = IM_FUZZ_SEPARATOR;
            zchunk_extend (input, &separator, 1);
        }
        first = false;
        zchunk_extend (input, zframe_data (frame), zframe_size (frame));
    }
    zmsg_destroy (msg_p);
    return input;
}

//  The hostile msgpack shapes: bombs and nesting
static const struct {
    const char *name;               //  Seed name
    const char *bytes;              //  Its bytes
    size_t size;                    //  How many
} s_hostile [] = {
    { "bomb-array32", "\xdd\xff\xff\xff\xff", 5 },
    { "bomb-map16", "\xde\xff\xff", 3 },
    { "bomb-map32", "\xdf\xff\xff\xff\xff", 5 },
    { "bomb-bin32", "\xc6\xff\xff\xff\xff", 5 },
    { "bomb-str32", "\xdb\xff\xff\xff\xff", 5 },
    { "bomb-array16", "\xdc\xff\xff", 3 },
    { "bomb-ext32", "\xc9\xff\xff\xff\xff\x01", 6 },
    { "bomb-map-in-map", "\x81\xa1k\xdf\xff\xff\xff\xff", 8 },
    { "deep-array-8", "\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 9 },
    { "deep-array-9", "\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 10 },
    { "deep-map-9", "\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k"
                    "\x81\xa1k\x81\xa1k\x81\xa1k\x01", 28 },
    { "reserved-c1", "\xc1", 1 },
    { "str-not-utf8", "\x81\xa1k\xa2\xc3\x28", 6 },
    { "str-overlong", "\x81\xa1k\xa2\xc0\xaf", 6 },
    { "str-surrogate", "\x81\xa1k\xa3\xed\xa0\x80", 7 },
    { "key-nul", "\x81\xa2k\x00\x01", 5 },
    { "key-duplicate", "\x82\xa1k\x01\xa1k\x02", 7 },
    { "uint64-max", "\x81\xa1k\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 12 },
    { "int64-min", "\x81\xa1k\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 12 },
    { "float-value", "\x81\xa1k\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", 12 },
    { "trailing", "\x80\x80", 2 },
};
#define S_HOSTILE (sizeof s_hostile / sizeof s_hostile [0])

static void
s_msgpack (s_out_t *out)
{
    out->target = "msgpack";
    for (size_t index = 0; index < S_HOSTILE; index++)
        s_write (out, s_hostile [index].name, s_hostile [index].bytes,
                 s_hostile [index].size);
    //  A map at the limits: a 64-byte key, ints of every width
    im_fields_t *fields = im_fields_new ();
    char key [IM_FIELDS_KEY_MAX + 1];
    memset (key, 'k', IM_FIELDS_KEY_MAX);
    key [IM_FIELDS_KEY_MAX] = 0;
    im_fields_set_str (fields, key, "at the key limit");
    im_fields_set_str (fields, "title", "disk full on db1 \xe2\x80\x94 ok");
    im_fields_set_int (fields, "small", 7);
    im_fields_set_int (fields, "negative", -33);
    im_fields_set_int (fields, "wide", 70000);
    im_fields_set_int (fields, "max", INT64_MAX);
    im_fields_set_int (fields, "min", INT64_MIN);
    char *data;
    size_t size;
    im_fields_encode (fields, &data, &size);
    s_write (out, "fields", data, size);
    free (data);
    im_fields_destroy (&fields);

    //  An event as the store and DELIVER carry it
    im_event_t *event = im_event_new ();
    event->seq = 42;
    event->ts_ms = 1764296266621;
    event->incident = 7;
    event->type = IM_EV_OPENED;
    im_strlcpy (event->actor, "alertmanager", sizeof event->actor);
    im_strlcpy (event->request_id, "am:e94c744ae3d44df8", sizeof
                event->request_id);
    im_fields_set_str (event->payload, "title", "disk full on db1");
    im_fields_set_int (event->payload, "priority", 1);
    im_event_encode (event, &data, &size);
    s_write (out, "event", data, size);
    free (data);
    im_event_destroy (&event);

    //  A command alone, every prefix of it, and as an entry
    im_command_t *command = s_command ("OPEN", 0, "req-1", "title",
                                       "s:VPN down", "reporter", "s:ann",
                                       "impact", "i:1", "urgency", "i:2",
                                       NULL);
    msgpack_sbuffer buffer;
    s_pack (command, &buffer);
    s_write (out, "command", buffer.data, buffer.size);
    s_write_prefixes (out, "command-prefix", buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    void *entry;
    im_entry_encode (&command, 1, malloc, &entry, &size);
    s_write (out, "entry", entry, size);
    free (entry);
    im_command_destroy (&command);
}

static void
s_proto (s_out_t *out)
{
    out->target = "proto";
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "title", "VPN down");
    im_fields_set_str (body, "reporter", "ann");
    im_fields_set_int (body, "impact", 1);
    zmsg_t *msg = im_request_encode ("OPEN", "req-1", body);
    zchunk_t *input = s_frames (&msg);
    s_write_prefixes (out, "open-prefix", zchunk_data (input),
                      zchunk_size (input));
    s_write_input (out, "open", &input);
    //  The same in one frame (IMQ02), and every cut of it
    msg = im_request_encode_one ("OPEN", "req-1", body);
    input = s_frames (&msg);
    s_write_prefixes (out, "one-frame-prefix", zchunk_data (input),
                      zchunk_size (input));
    s_write_input (out, "one-frame-open", &input);

    //  Each command and query verb, with a body that names an incident
    im_fields_clear (body);
    im_fields_set_int (body, "incident", 1);
    im_fields_set_str (body, "actor", "ann");
    for (int type = IM_CMD_NONE + 1; type < IM_CMD_MAX; type++) {
        const char *verb = im_command_type_name ((im_command_type_t) type);
        msg = im_request_encode (verb, "req-2", body);
        input = s_frames (&msg);
        char name [64];
        snprintf (name, sizeof name, "command-%s", verb);
        s_write_input (out, name, &input);
    }
    for (int type = IM_QUERY_NONE + 1; type < IM_QUERY_MAX; type++) {
        const char *verb = im_query_type_name ((im_query_type_t) type);
        msg = im_request_encode (verb, "", body);
        input = s_frames (&msg);
        char name [64];
        snprintf (name, sizeof name, "query-%s", verb);
        s_write_input (out, name, &input);
    }
    //  Hostile bodies in a well-formed envelope
    for (size_t index = 0; index < S_HOSTILE; index++) {
        msg = zmsg_new ();
        zmsg_addstr (msg, IM_PROTO_CLIENT_SIG);
        zmsg_addstr (msg, "OPEN");
        zmsg_addstr (msg, "req-3");
        zmsg_addmem (msg, s_hostile [index].bytes, s_hostile [index].size);
        input = s_frames (&msg);
        char name [64];
        snprintf (name, sizeof name, "body-%s", s_hostile [index].name);
        s_write_input (out, name, &input);
    }
    msg = im_request_encode ("DESTROY-ALL", "req-4", body);
    input = s_frames (&msg);
    s_write_input (out, "unknown-verb", &input);

    //  Replies: with items, and a TIMELINE's raw events
    zlist_t *items = zlist_new ();
    zlist_append (items, body);
    msg = im_reply_encode (200, "req-5", body, items, NULL);
    input = s_frames (&msg);
    s_write_input (out, "reply-items", &input);
    msg = im_reply_encode (200, "req-5", body, items, NULL);
    im_reply_to_one_frame (&msg);
    input = s_frames (&msg);
    s_write_input (out, "one-frame-reply-items", &input);
    zlist_destroy (&items);
    msg = im_reply_encode_error (404, "req-6", "no incident 9");
    input = s_frames (&msg);
    s_write_input (out, "reply-error", &input);
    im_event_t *event = im_event_new ();
    event->seq = 3;
    event->ts_ms = 1764296266621;
    event->incident = 1;
    event->type = IM_EV_ACKNOWLEDGED;
    im_strlcpy (event->actor, "ann", sizeof event->actor);
    char *data;
    size_t size;
    im_event_encode (event, &data, &size);
    zlist_t *raw = zlist_new ();
    zframe_t *frame = zframe_new (data, size);
    zlist_append (raw, frame);
    msg = im_reply_encode (200, "req-7", NULL, NULL, raw);
    input = s_frames (&msg);
    s_write_input (out, "reply-timeline", &input);
    zframe_destroy (&frame);
    zlist_destroy (&raw);

    //  The worker dialog
    msg = im_wmsg_encode_ready ("classifier", "classifier-1", 100);
    input = s_frames (&msg);
    s_write_prefixes (out, "ready-prefix", zchunk_data (input),
                      zchunk_size (input));
    s_write_input (out, "ready", &input);
    msg = im_wmsg_encode_deliver (3, data, size);
    input = s_frames (&msg);
    s_write_input (out, "deliver", &input);
    free (data);
    im_event_destroy (&event);
    msg = im_wmsg_encode_ack (3);
    input = s_frames (&msg);
    s_write_input (out, "ack", &input);
    msg = im_wmsg_encode_simple (IM_WMSG_PING);
    input = s_frames (&msg);
    s_write_input (out, "ping", &input);
    msg = im_wmsg_encode_simple (IM_WMSG_DISCONNECT);
    input = s_frames (&msg);
    s_write_input (out, "disconnect", &input);
    msg = im_wmsg_encode_redirect ("tcp://10.0.0.2:7701");
    input = s_frames (&msg);
    s_write_input (out, "redirect", &input);
    msg = im_wmsg_encode_error (400, "frame 4: credit '0' is not a number "
                                "from 1 to 10000");
    input = s_frames (&msg);
    s_write_input (out, "error", &input);
    im_fields_destroy (&body);
}

//  The replicated policy the state machine seeds carry
static const char *s_policy =
    "agents:\n"
    "  - {name: ann, roles: [incident_manager, service_desk_manager]}\n"
    "  - {name: bob, roles: []}\n"
    "groups:\n"
    "  - {name: desk, tier: 1, agents: [bob], categories: [email]}\n"
    "  - {name: network, tier: 2, agents: [ann], categories: [network]}\n"
    "lifecycle:\n  reopen_window: 1d\n  auto_close: 2d\n"
    "classifier:\n  categories:\n"
    "    - {name: network, keywords: [vpn], subcategories: [vpn, wifi]}\n"
    "    - {name: email, keywords: [mail]}\n";

static void
s_fsm (s_out_t *out)
{
    out->target = "fsm";
    //  Every prefix of an entry of one OPEN
    zchunk_t *input = zchunk_new (NULL, 0);
    s_entry (input, s_command ("OPEN", 0, "r1", "title", "s:VPN down",
                               "reporter", "s:bob", NULL), NULL);
    s_write_prefixes (out, "open-prefix", zchunk_data (input),
                      zchunk_size (input));
    s_write_input (out, "open", &input);

    //  A whole life in one entry, then read back
    input = zchunk_new (NULL, 0);
    s_entry (input,
             s_command ("OPEN", 0, "r1", "title", "s:mail down", "reporter",
                        "s:bob", "impact", "i:2", "urgency", "i:1", NULL),
             s_command ("ACK", 1, "r2", "note", "s:looking", NULL),
             s_command ("ASSIGN", 1, NULL, "group", "s:desk", "agent",
                        "s:bob", NULL),
             s_command ("COMMENT", 1, NULL, "text", "s:queue stuck", NULL),
             s_command ("PEND", 1, NULL, "reason", "s:awaiting_vendor",
                        NULL),
             s_command ("RESUME", 1, NULL, NULL),
             s_command ("RESOLVE", 1, "r3", "notes", "s:cleaned the disk "
                        "logs", "code", "s:fixed", NULL),
             s_command ("CLOSE", 1, NULL, NULL),
             s_command ("REOPEN", 1, NULL, "reason", "s:again", NULL),
             NULL);
    s_query (input, "GET", "incident", "i:1", NULL);
    s_query (input, "TIMELINE", "incident", "i:1", NULL);
    s_query (input, "LIST", NULL);
    s_query (input, "COUNTERS", NULL);
    s_write_input (out, "lifecycle", &input);

    //  The same, one entry per command, and repeats answered the same
    input = zchunk_new (NULL, 0);
    s_entry (input, s_command ("OPEN", 0, "r1", "title", "s:printer jams",
                               "reporter", "s:bob", "type", "s:request",
                               NULL), NULL);
    s_entry (input, s_command ("OPEN", 0, "r1", "title", "s:printer jams",
                               "reporter", "s:bob", NULL), NULL);
    s_entry (input, s_command ("CLASSIFY", 1, NULL, "priority", "i:3",
                               "category", "s:hardware", NULL), NULL);
    s_entry (input, s_command ("SLA-START", 1, NULL, "priority", "i:3",
                               "response_due_ms", "i:1764300000000",
                               "resolution_due_ms", "i:1764400000000",
                               NULL), NULL);
    s_entry (input, s_command ("SLA-BREACH", 1, NULL, "clock", "s:response",
                               "due_ms", "i:1764300000000", NULL), NULL);
    s_entry (input, s_command ("NOTIFY", 1, NULL, "recipient", "s:bob",
                               "channel", "s:email", "reason",
                               "s:breach", "about_seq", "i:4", NULL), NULL);
    s_entry (input, s_command ("SLA-STOP", 1, NULL, "clock", "s:response",
                               "at_ms", "i:1764310000000", NULL), NULL);
    s_entry (input, s_command ("CONVERT", 1, NULL, "type", "s:incident",
                               "reason", "s:affects all", NULL), NULL);
    s_entry (input, s_command ("CATEGORIZE", 1, NULL, "category",
                               "s:network", "subcategory", "s:vpn", NULL),
             NULL);
    s_entry (input, s_command ("PRIORITIZE", 1, NULL, "priority", "i:1",
                               "reason", "s:whole floor", NULL), NULL);
    s_entry (input, s_command ("ESCALATE", 1, NULL, "kind", "s:functional",
                               "reason", "s:tier 2", "group", "s:network",
                               NULL), NULL);
    s_entry (input, s_command ("CANCEL", 1, NULL, "reason", "s:dup", NULL),
             NULL);
    s_query (input, "SLA-CLOCKS", NULL);
    s_write_input (out, "one-per-entry", &input);

    //  Alerts: a trigger, its repeat, an acknowledge, a resolve
    input = zchunk_new (NULL, 0);
    s_entry (input,
             s_command ("ALERT", 0, "am:1", "dedup_key", "s:am/e94c",
                        "action", "s:trigger", "title", "s:disk full",
                        "reporter", "s:alertmanager", "severity",
                        "s:critical", NULL),
             s_command ("ALERT", 0, "am:2", "dedup_key", "s:am/e94c",
                        "action", "s:trigger", "title", "s:disk full",
                        NULL), NULL);
    s_entry (input, s_command ("ALERT", 0, "am:3", "dedup_key", "s:am/e94c",
                               "action", "s:acknowledge", NULL), NULL);
    s_entry (input, s_command ("ALERT", 0, "am:4", "dedup_key", "s:am/e94c",
                               "action", "s:resolve", NULL),
             s_command ("ALERT", 0, "am:5", "dedup_key", "s:am/e94c",
                        "action", "s:clear", NULL), NULL);
    s_write_input (out, "alerts", &input);

    //  A policy, then what it governs: links, a major incident, review
    input = zchunk_new (NULL, 0);
    char text [1024];
    snprintf (text, sizeof text, "s:%s", s_policy);
    s_entry (input, s_command ("CONFIG", 0, "c1", "text", text, "source",
                               "s:desk.yaml", NULL), NULL);
    s_entry (input,
             s_command ("OPEN", 0, NULL, "title", "s:vpn down", "reporter",
                        "s:bob", NULL),
             s_command ("OPEN", 0, NULL, "title", "s:vpn slow", "reporter",
                        "s:ann", NULL),
             s_command ("OPEN", 0, NULL, "title", "s:no vpn", "reporter",
                        "s:ann", NULL), NULL);
    s_entry (input,
             s_command ("LINK", 2, NULL, "link", "s:parent", "other", "i:1",
                        NULL),
             s_command ("LINK", 3, NULL, "link", "s:related", "other",
                        "i:1", NULL),
             s_command ("LINK", 3, NULL, "link", "s:duplicate_of", "other",
                        "i:1", NULL),
             s_command ("UNLINK", 2, NULL, "other", "i:1", NULL), NULL);
    s_entry (input,
             s_command ("MAJOR", 1, NULL, "action", "s:propose", "reason",
                        "s:whole company", NULL),
             s_command ("MAJOR", 1, NULL, "action", "s:accept", "commander",
                        "s:ann", "cadence_ms", "i:1800000", NULL),
             s_command ("MAJOR", 1, NULL, "action", "s:update", "text",
                        "s:failing over", NULL), NULL);
    s_entry (input,
             s_command ("RESOLVE", 1, NULL, "notes", "s:replaced the vpn "
                        "disk", "code", "s:fixed", NULL),
             s_command ("REVIEW", 1, NULL, "summary", "s:disk wore out",
                        "root_cause", "s:disk", "actions", "s:monitor",
                        NULL), NULL);
    s_query (input, "CONFIG-GET", NULL);
    s_query (input, "TIMELINE", "incident", "i:0", NULL);
    s_query (input, "SEARCH", "text", "s:disk", "limit", "i:1", NULL);
    s_write_input (out, "policy", &input);

    //  Resolved incidents that share a word, searched with a low limit
    input = zchunk_new (NULL, 0);
    for (int incident = 1; incident <= 4; incident++) {
        char id [16];
        snprintf (id, sizeof id, "o%d", incident);
        s_entry (input, s_command ("OPEN", 0, id, "title", "s:disk full",
                                   "reporter", "s:bob", NULL),
                 s_command ("RESOLVE", (uint64_t) incident, NULL, "notes",
                            "s:cleaned the disk logs", "code", "s:fixed",
                            NULL), NULL);
    }
    s_query (input, "SEARCH", "text", "s:disk", "limit", "i:2", NULL);
    s_write_input (out, "search", &input);

    //  SLA clocks that end, measured, then reported by priority
    input = zchunk_new (NULL, 0);
    for (int incident = 1; incident <= 3; incident++) {
        char id [16];
        snprintf (id, sizeof id, "s%d", incident);
        s_entry (input, s_command ("OPEN", 0, id, "title", "s:vpn down",
                                   "reporter", "s:bob", NULL),
                 s_command ("SLA-START", (uint64_t) incident, NULL,
                            "priority", "i:2",
                            "response_due_ms", "i:1764296700000",
                            "resolution_due_ms", "i:1764400000000",
                            "response_target_ms", "i:600000",
                            "resolution_target_ms", "i:3600000", NULL),
                 s_command ("SLA-STOP", (uint64_t) incident, NULL, "clock",
                            "s:response", "at_ms", "i:1764296500000",
                            "business_ms", "i:400000", NULL), NULL);
    }
    s_query (input, "SLA-REPORT", "since_ms", "i:0", "until_ms",
             "i:1764400000000", "by", "s:priority", NULL);
    s_write_input (out, "sla-report", &input);

    //  The broker's own commands
    input = zchunk_new (NULL, 0);
    s_entry (input,
             s_command ("OFFSET", 0, NULL, "group", "s:classifier", "seq",
                        "i:5", NULL),
             s_command ("MEMBER", 0, "add-4", "node", "i:4", "raft",
                        "s:127.0.0.1:7712", "client", "s:tcp://127.0.0.1:7710",
                        NULL), NULL);
    s_write_input (out, "internal", &input);
}

int
main (int argc, char *argv [])
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s CORPUS-DIR\n", argv [0]);
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    im_log_set_stream (NULL);
    s_out_t out = { argv [1], NULL, 0 };
    s_msgpack (&out);
    s_proto (&out);
    s_fsm (&out);
    printf ("imq-fuzz-seeds: %zu seeds written in %s\n", out.written,
            out.root);
    return 0;
}
