/*  imb_http_ingest - JSON from HTTP clients, turned into imq commands

    Monitoring tools send what they send: Grafana adds keys to
    Alertmanager's payload, summaries run longer than an incident title.
    So unknown keys of the two receivers are ignored and long texts are
    cut (at a UTF-8 character boundary) to what the state machine takes,
    the whole text going to the description. What the meaning depends
    on (an alert's status and fingerprint, an event's action and dedup
    key) is checked strictly, and a fault names the field.

    Alertmanager in HA mode delivers one notification from each peer,
    and sends a firing alert again every repeat_interval (and whenever
    its group changes). An alert's request id is made from its
    fingerprint, status and startsAt, so every copy of a notification is
    one command to the state machine, which answers the copies with the
    first result. A firing alert answered so (a repeat) is then said to
    still fire: an ALERT heartbeat, whose request id names the window it
    arrived in (http.alert_copies_window, a minute by default), so that
    the copies that arrive together are one heartbeat and a re-send
    minutes later another (docs/protocol.md section 3.3).
*/
#include "imb_classes.h"
#include "imb_http_ingest.h"

#define S_TITLE_MAX         256     //  OPEN's title
#define S_TEXT_MAX          8192    //  OPEN's description
#define S_NAME_MAX          63      //  reporter, actor
#define S_SERVICE_MAX       128     //  service
#define S_SEVERITY_MAX      16      //  severity
#define S_KEY_MAX           255     //  dedup key
#define S_SUMMARY_MAX       1024    //  PagerDuty's summary
#define S_ALERTS_MAX        10000   //  Alerts in one notification

static int
s_fault (imb_http_fault_t *fault, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  The field and the text come from the body and are cut to fit: at a
//  character boundary, since the error document can hold only UTF-8
static int
s_fault (imb_http_fault_t *fault, const char *field, const char *format, ...)
{
    im_strlcpy (fault->field, field, sizeof fault->field);
    im_utf8_trim (fault->field);
    va_list args;
    va_start (args, format);
    vsnprintf (fault->text, sizeof fault->text, format, args);
    va_end (args);
    im_utf8_trim (fault->text);
    return IM_EINVAL;
}

//  Cuts text to at most max octets without splitting a UTF-8 character
static void
s_cut (char *text, size_t max)
{
    size_t length = strlen (text);
    if (length <= max)
        return;
    while (max > 0 && ((unsigned char) text [max] & 0xC0) == 0x80)
        max--;
    text [max] = 0;
}

//  Sets key in body to text cut to max octets
static void
s_set_cut (im_fields_t *body, const char *key, const char *text, size_t max)
{
    char *copy = strdup (text);
    assert (copy);
    s_cut (copy, max);
    //  text may itself be a cut (snprintf into a full buffer), which
    //  would leave a character incomplete and the value unset
    im_utf8_trim (copy);
    im_fields_set_str (body, key, copy);
    free (copy);
}

//  Returns the string under key of object, or NULL if absent or not one
static const char *
s_str (const json_t *object, const char *key)
{
    return json_string_value (json_object_get (object, key));
}

//  Reads a string member that must be there (when required) and be a
//  string of 1..max octets (0..max when not required: Alertmanager
//  sends an empty generatorURL). Returns 0 with *value set (NULL when
//  absent and not required), or IM_EINVAL.
static int
s_member (const json_t *object, const char *key, const char *path,
          bool required, size_t max, const char **value,
          imb_http_fault_t *fault)
{
    char field [IMB_HTTP_FIELD_MAX];
    snprintf (field, sizeof field, "%s%s", path, key);
    const json_t *member = json_object_get (object, key);
    *value = NULL;
    if (!member || json_is_null (member)) {
        if (required)
            return s_fault (fault, field, "missing field '%s'", field);
        return 0;
    }
    if (!json_is_string (member))
        return s_fault (fault, field, "field '%s' must be a string", field);
    size_t length = json_string_length (member);
    if ((required && length == 0) || length > max)
        return s_fault (fault, field, "field '%s' must be %d to %zu bytes "
                        "long", field, required ? 1 : 0, max);
    *value = json_string_value (member);
    return 0;
}

//  Urgency from a severity: critical and error (and none) are high,
//  warning and info low, anything else medium
static int
s_urgency (const char *severity)
{
    if (!severity || streq (severity, "critical") || streq (severity, "error"))
        return 1;
    if (streq (severity, "warning") || streq (severity, "info"))
        return 3;
    return 2;
}

void
imb_http_batch_clear (imb_http_batch_t *batch)
{
    assert (batch);
    for (size_t index = 0; index < batch->count; index++)
        im_fields_destroy (&batch->commands [index].body);
    free (batch->commands);
    batch->commands = NULL;
    batch->count = 0;
}

//  Makes room for count commands, each with an empty body
static void
s_batch_make (imb_http_batch_t *batch, size_t count)
{
    imb_http_batch_clear (batch);
    batch->commands = (imb_http_command_t *) calloc (count ? count : 1,
                                                     sizeof *batch->commands);
    assert (batch->commands);
    batch->count = count;
    for (size_t index = 0; index < count; index++) {
        batch->commands [index].body = im_fields_new ();
        batch->commands [index].repeat_of = -1;
        assert (batch->commands [index].body);
    }
}

//  --------------------------------------------------------------------
//  POST /v1/incidents

static const struct {
    const char *key;                //  Field
    bool is_int;                    //  Integer, else string
} s_incident_fields [] = {
    { IM_KEY_TITLE, false },
    { IM_KEY_REPORTER, false },
    { IM_KEY_DESCRIPTION, false },
    { IM_KEY_SERVICE, false },
    { IM_KEY_CUSTOMER_GROUP, false },
    { IM_KEY_IMPACT, true },
    { IM_KEY_URGENCY, true },
    { IM_KEY_TYPE, false }, { IM_KEY_CHANNEL, false }, { IM_KEY_ACTOR, false },
};
#define S_INCIDENT_FIELDS \
    (sizeof s_incident_fields / sizeof s_incident_fields [0])

int
imb_http_ingest_incident (const json_t *root, im_fields_t *body,
                          imb_http_fault_t *fault)
{
    assert (root && body && fault);
    if (!json_is_object (root))
        return s_fault (fault, "", "the body must be a JSON object");
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *) root, key, value) {
        size_t known = 0;
        while (known < S_INCIDENT_FIELDS
           &&  !streq (s_incident_fields [known].key, key))
            known++;
        if (known == S_INCIDENT_FIELDS)
            return s_fault (fault, key, "unknown field '%s'", key);
        if (s_incident_fields [known].is_int) {
            if (!json_is_integer (value))
                return s_fault (fault, key, "field '%s' must be an integer",
                                key);
            im_fields_set_int (body, key,
                               (int64_t) json_integer_value (value));
        }
        else {
            if (!json_is_string (value))
                return s_fault (fault, key, "field '%s' must be a string",
                                key);
            if (im_fields_set_str (body, key, json_string_value (value)))
                return s_fault (fault, key, "field '%s' is too long", key);
        }
    }
    if (!im_fields_has (body, IM_KEY_TITLE))
        return s_fault (fault, "title", "missing field 'title'");
    if (!im_fields_has (body, IM_KEY_REPORTER))
        return s_fault (fault, "reporter", "missing field 'reporter'");
    if (!im_fields_has (body, IM_KEY_CHANNEL))
        im_fields_set_str (body, IM_KEY_CHANNEL, "http");
    return 0;
}

//  --------------------------------------------------------------------
//  POST /v1/alerts/alertmanager

//  Makes a request id from an alert's identity and, for a heartbeat,
//  the window it arrived in (0 for none); one longer than a request id
//  may be is replaced by a hash of it
static void
s_alert_request_id (char *id, size_t size, const char *fingerprint,
                    const char *status, const char *starts_at,
                    uint64_t window)
{
    char minute [24] = "";
    if (window)
        snprintf (minute, sizeof minute, "%" PRIu64, window);
    int length = snprintf (id, size, "am:%s:%s:%s%s%s", fingerprint, status,
                           starts_at, window ? ":" : "", minute);
    if (length >= 0 && (size_t) length < size)
        return;
    uint64_t hash = 14695981039346656037ull;     //  FNV-1a, 64 bits
    const char *parts [4] = { fingerprint, status, starts_at, minute };
    for (int part = 0; part < 4; part++) {
        for (const char *cursor = parts [part]; *cursor; cursor++) {
            hash ^= (unsigned char) *cursor;
            hash *= 1099511628211ull;
        }
        hash ^= ':';
        hash *= 1099511628211ull;
    }
    snprintf (id, size, "am:%016" PRIx64, hash);
}

//  Writes "key=value, ..." of a labels object into buffer
static void
s_labels_text (const json_t *labels, char *buffer, size_t size)
{
    buffer [0] = 0;
    const char *key;
    const json_t *value;
    size_t used = 0;
    json_object_foreach ((json_t *) labels, key, value) {
        const char *text = json_string_value (value);
        if (!text || used >= size)
            continue;
        int wrote = snprintf (buffer + used, size - used, "%s%s=%s",
                              used ? ", " : "", key, text);
        if (wrote > 0)
            used += (size_t) wrote;
    }
    im_utf8_trim (buffer);          //  The labels go on in the text
}

//  Reads alert index of a notification into command
static int
s_alert (const json_t *alert, size_t index, bool auto_resolve,
         imb_http_command_t *command, imb_http_fault_t *fault)
{
    char path [32];
    snprintf (path, sizeof path, "alerts[%zu].", index);
    if (!json_is_object (alert)) {
        path [strlen (path) - 1] = 0;
        return s_fault (fault, path, "%s must be an object", path);
    }
    const char *status, *fingerprint, *starts_at, *generator;
    int rc = s_member (alert, "status", path, true, 16, &status, fault);
    if (rc == 0)
        rc = s_member (alert, "fingerprint", path, true, 64, &fingerprint,
                       fault);
    if (rc == 0)
        rc = s_member (alert, "startsAt", path, false, 64, &starts_at, fault);
    if (rc == 0)
        rc = s_member (alert, "generatorURL", path, false, 2048, &generator,
                       fault);
    if (rc)
        return rc;
    char field [IMB_HTTP_FIELD_MAX];
    if (!streq (status, "firing") && !streq (status, "resolved")) {
        snprintf (field, sizeof field, "%sstatus", path);
        return s_fault (fault, field, "field '%s' is '%s', must be firing or "
                        "resolved", field, status);
    }
    const json_t *labels = json_object_get (alert, "labels");
    const json_t *annotations = json_object_get (alert, "annotations");
    if (!json_is_object (labels)) {
        snprintf (field, sizeof field, "%slabels", path);
        return s_fault (fault, field, "field '%s' must be an object", field);
    }
    if (annotations && !json_is_object (annotations)
    &&  !json_is_null (annotations)) {
        snprintf (field, sizeof field, "%sannotations", path);
        return s_fault (fault, field, "field '%s' must be an object", field);
    }
    bool firing = streq (status, "firing");
    s_alert_request_id (command->request_id, sizeof command->request_id,
                        fingerprint, status, starts_at ? starts_at : "", 0);
    im_strlcpy (command->label, fingerprint, sizeof command->label);

    im_fields_t *body = command->body;
    if (firing && starts_at && *starts_at)
        im_fields_set_str (body, IM_KEY_OCCURRENCE, starts_at);
    char text [S_TEXT_MAX + 1];
    snprintf (text, sizeof text, "alertmanager/%s", fingerprint);
    im_fields_set_str (body, IM_KEY_DEDUP_KEY, text);
    im_fields_set_str (body, IM_KEY_ACTION, streq (status, "firing") ? "trigger"
                                     : auto_resolve ? "resolve" : "clear");
    im_fields_set_str (body, IM_KEY_ACTOR, "alertmanager");
    im_fields_set_str (body, IM_KEY_REPORTER, "alertmanager");
    im_fields_set_str (body, IM_KEY_CHANNEL, "alertmanager");
    //  The title is the summary, else what the labels name
    const char *summary = s_str (annotations, "summary");
    const char *name = s_str (labels, "alertname");
    const char *instance = s_str (labels, "instance");
    if (summary && *summary)
        snprintf (text, sizeof text, "%s", summary);
    else
        snprintf (text, sizeof text, "%s%s%s%s",
                  name && *name ? name : "alert",
                  instance ? " (" : "", instance ? instance : "",
                  instance ? ")" : "");
    s_set_cut (body, IM_KEY_TITLE, text, S_TITLE_MAX);
    char labels_text [4096];
    s_labels_text (labels, labels_text, sizeof labels_text);
    const char *description = s_str (annotations, "description");
    snprintf (text, sizeof text, "%s%s%s\nlabels: %s%s%s",
              summary ? summary : "", description ? "\n" : "",
              description ? description : "", labels_text,
              generator && *generator ? "\nsource: " : "",
              generator ? generator : "");
    s_set_cut (body, IM_KEY_DESCRIPTION, text, S_TEXT_MAX);
    const char *service = s_str (labels, "service");
    if (!service)
        service = s_str (labels, "job");
    if (service)
        s_set_cut (body, IM_KEY_SERVICE, service, S_SERVICE_MAX);
    const char *severity = s_str (labels, "severity");
    if (severity)
        s_set_cut (body, IM_KEY_SEVERITY, severity, S_SEVERITY_MAX);
    im_fields_set_int (body, IM_KEY_IMPACT, 2);
    im_fields_set_int (body, IM_KEY_URGENCY, s_urgency (severity));
    return 0;
}

int
imb_http_ingest_alertmanager (const json_t *root, bool auto_resolve,
                              imb_http_batch_t *batch,
                              imb_http_fault_t *fault)
{
    assert (root && batch && fault);
    if (!json_is_object (root))
        return s_fault (fault, "", "the body must be a JSON object");
    const json_t *alerts = json_object_get (root, "alerts");
    if (!json_is_array (alerts))
        return s_fault (fault, "alerts", alerts
                        ? "field 'alerts' must be an array"
                        : "missing field 'alerts'");
    size_t count = json_array_size (alerts);
    if (count > S_ALERTS_MAX)
        return s_fault (fault, "alerts", "more than %d alerts",
                        S_ALERTS_MAX);
    s_batch_make (batch, count);
    for (size_t index = 0; index < count; index++) {
        imb_http_command_t *command = &batch->commands [index];
        int rc = s_alert (json_array_get (alerts, index), index,
                          auto_resolve, command, fault);
        if (rc) {
            imb_http_batch_clear (batch);
            return rc;
        }
        //  The same alert twice in one notification is one command
        for (size_t earlier = 0; earlier < index; earlier++)
            if (streq (batch->commands [earlier].request_id,
                       command->request_id)) {
                command->repeat_of = (int) earlier;
                break;
            }
    }
    return 0;
}

size_t
imb_http_ingest_heartbeats (const imb_http_batch_t *batch,
                            const im_reply_t *const *replies, uint64_t window,
                            imb_http_batch_t *heartbeats, size_t *positions)
{
    assert (batch && replies && heartbeats && positions);
    size_t count = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        //  Counted first, then made
        if (pass == 1)
            s_batch_make (heartbeats, count);
        size_t made = 0;
        for (size_t index = 0; index < batch->count; index++) {
            const imb_http_command_t *command = &batch->commands [index];
            const im_reply_t *reply = replies [index];
            const char *occurrence = im_fields_str (command->body,
                                                    IM_KEY_OCCURRENCE);
            if (command->repeat_of >= 0 || !occurrence || !reply
            ||  reply->status != IM_PROTO_OK || !im_fields_has (reply->body,
                                                        IM_KEY_REPEAT))
                continue;
            if (pass == 0) {
                count++;
                continue;
            }
            imb_http_command_t *heartbeat = &heartbeats->commands [made];
            positions [made++] = index;
            im_fields_merge (heartbeat->body, command->body);
            im_fields_set_str (heartbeat->body, IM_KEY_ACTION, "heartbeat");
            im_strlcpy (heartbeat->label, command->label,
                        sizeof heartbeat->label);
            s_alert_request_id (heartbeat->request_id,
                                sizeof heartbeat->request_id, command->label,
                                "seen", occurrence, window ? window : 1);
        }
    }
    return count;
}

//  --------------------------------------------------------------------
//  POST /v1/events

int
imb_http_ingest_event (const json_t *root, const char *request_id,
                       bool scoped, imb_http_batch_t *batch, imb_http_fault_t *fault)
{
    assert (root && batch && fault);
    if (!json_is_object (root))
        return s_fault (fault, "", "the body must be a JSON object");
    const char *routing_key, *action, *dedup_key;
    int rc = s_member (root, "routing_key", "", true, S_KEY_MAX, &routing_key,
                       fault);
    if (rc == 0)
        rc = s_member (root, "event_action", "", true, 16, &action, fault);
    if (rc == 0)
        rc = s_member (root, "dedup_key", "", false, S_KEY_MAX, &dedup_key,
                       fault);
    if (rc)
        return rc;
    if (dedup_key && !*dedup_key)
        dedup_key = NULL;           //  An empty key is none (docs/http.md)
    bool trigger = streq (action, "trigger");
    if (!trigger && !streq (action, "acknowledge")
    &&  !streq (action, "resolve"))
        return s_fault (fault, "event_action", "field 'event_action' is '%s', "
                        "must be trigger, acknowledge or resolve", action);
    if (!trigger && !dedup_key)
        return s_fault (fault, "dedup_key", "missing field 'dedup_key' (an "
                        "%s names the alert it is for)", action);
    const json_t *payload = json_object_get (root, "payload");
    if (payload && !json_is_object (payload) && !json_is_null (payload))
        return s_fault (fault, "payload", "field 'payload' must be an object");
    if (trigger && !json_is_object (payload))
        return s_fault (fault, "payload", "missing field 'payload'");
    const char *summary = NULL, *source = NULL, *severity = NULL;
    const char *extra [4] = { "timestamp", "component", "group", "class" };
    const char *extras [4] = { NULL, NULL, NULL, NULL };
    if (json_is_object (payload)) {
        rc = s_member (payload, "summary", "payload.", trigger, S_SUMMARY_MAX,
                       &summary, fault);
        if (rc == 0)
            rc = s_member (payload, "source", "payload.", trigger, S_KEY_MAX,
                           &source, fault);
        if (rc == 0)
            rc = s_member (payload, "severity", "payload.", trigger,
                           S_SEVERITY_MAX, &severity, fault);
        for (int index = 0; index < 4 && rc == 0; index++)
            rc = s_member (payload, extra [index], "payload.", false,
                           S_KEY_MAX, &extras [index], fault);
        if (rc)
            return rc;
        if (severity && !streq (severity, "critical")
        &&  !streq (severity, "error") && !streq (severity, "warning")
        &&  !streq (severity, "info"))
            return s_fault (fault, "payload.severity", "field "
                            "'payload.severity' is '%s', must be critical, "
                            "error, warning or info", severity);
    }
    s_batch_make (batch, 1);
    imb_http_command_t *command = &batch->commands [0];
    if (request_id)
        im_strlcpy (command->request_id, request_id,
                    sizeof command->request_id);
    else
        im_client_new_request_id (command->request_id,
                                  sizeof command->request_id);
    if (dedup_key)
        im_strlcpy (command->label, dedup_key, sizeof command->label);
    else
        im_client_new_request_id (command->label, sizeof command->label);
    im_fields_t *body = command->body;
    im_fields_set_str (body, IM_KEY_DEDUP_KEY, dedup_key ? dedup_key
                                                    : command->label);
    im_fields_set_str (body, IM_KEY_ACTION, trigger ? "trigger" : action);
    im_fields_set_str (body, IM_KEY_ACTOR, "events-api");
    if (scoped)
        im_fields_set_str (body, IM_KEY_DEDUP_SCOPE, "principal");
    im_fields_set_str (body, IM_KEY_CHANNEL, "events");
    if (source)
        s_set_cut (body, IM_KEY_REPORTER, source, S_NAME_MAX);
    if (!trigger)
        return 0;
    s_set_cut (body, IM_KEY_TITLE, summary, S_TITLE_MAX);
    char text [S_TEXT_MAX + 1];
    size_t used = (size_t) snprintf (text, sizeof text, "%s\nsource: %s",
                                     summary, source);
    for (int index = 0; index < 4 && used < sizeof text; index++)
        if (extras [index])
            used += (size_t) snprintf (text + used, sizeof text - used,
                                       "\n%s: %s", extra [index],
                                       extras [index]);
    const json_t *details = json_object_get (payload, "custom_details");
    char *dumped = details ? json_dumps (details, JSON_COMPACT | JSON_SORT_KEYS)
                           : NULL;
    if (dumped && used < sizeof text)
        snprintf (text + used, sizeof text - used, "\ncustom_details: %s",
                  dumped);
    free (dumped);
    s_set_cut (body, IM_KEY_DESCRIPTION, text, S_TEXT_MAX);
    s_set_cut (body, IM_KEY_SERVICE, extras [1] ? extras [1] : source,
               S_SERVICE_MAX);
    im_fields_set_str (body, IM_KEY_SEVERITY, severity);
    im_fields_set_int (body, IM_KEY_IMPACT, 2);
    im_fields_set_int (body, IM_KEY_URGENCY, s_urgency (severity));
    return 0;
}
