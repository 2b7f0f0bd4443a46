/*  test_imb_http_ingest - JSON of the HTTP writes turned into commands

    What each receiver makes of its JSON, without a server: the ALERT
    arguments and request ids of an Alertmanager notification, the
    PagerDuty event mapping, the incident fields, long texts cut at a
    character boundary, and each fault naming its field.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imb_http_ingest.h"

typedef struct {
    imb_http_batch_t batch;         //  What a call made
    imb_http_fault_t fault;         //  What a call refused
    im_fields_t *body;              //  Incident fields
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (f);
    f->body = im_fields_new ();
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    imb_http_batch_clear (&f->batch);
    im_fields_destroy (&f->body);
    free (f);
    return 0;
}

//  Parses text, which must be valid JSON (the caller's reference)
static json_t *
s_json (const char *text)
{
    json_error_t error;
    json_t *json = json_loads (text, JSON_DECODE_ANY, &error);
    if (!json)
        fail_msg ("test JSON: %s at %d", error.text, error.position);
    return json;
}

static int
s_alertmanager (fixture_t *f, const char *text, bool auto_resolve)
{
    json_t *json = s_json (text);
    int rc = imb_http_ingest_alertmanager (json, auto_resolve, &f->batch,
                                           &f->fault);
    json_decref (json);
    return rc;
}

static int
s_event (fixture_t *f, const char *text, const char *request_id)
{
    json_t *json = s_json (text);
    int rc = imb_http_ingest_event (json, request_id, false, &f->batch,
                                    &f->fault);
    json_decref (json);
    return rc;
}

static const char *
s_arg (fixture_t *f, size_t index, const char *key)
{
    assert_true (index < f->batch.count);
    const char *value = im_fields_str (f->batch.commands [index].body, key);
    return value ? value : "(none)";
}

static void
test_each_alert_is_one_command_named_by_its_fingerprint (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_alertmanager (f,
        "{\"version\": \"4\", \"orgId\": 1, \"alerts\": ["
        "{\"status\": \"firing\", \"fingerprint\": \"aa\", \"startsAt\": "
        "\"2026-11-28T02:17:46Z\", \"generatorURL\": \"\", \"labels\": "
        "{\"alertname\": \"DiskFull\", \"instance\": \"db1\", \"severity\": "
        "\"critical\", \"job\": \"node\"}, \"annotations\": {\"summary\": "
        "\"disk full on db1\", \"description\": \"95%\"}},"
        "{\"status\": \"resolved\", \"fingerprint\": \"bb\", \"labels\": "
        "{\"alertname\": \"DiskFull\", \"instance\": \"db2\", \"severity\": "
        "\"warning\"}},"
        "{\"status\": \"firing\", \"fingerprint\": \"aa\", \"startsAt\": "
        "\"2026-11-28T02:17:46Z\", \"labels\": {}}]}", true), 0);
    assert_int_equal (f->batch.count, 3);
    assert_string_equal (s_arg (f, 0, "dedup_key"), "alertmanager/aa");
    assert_string_equal (s_arg (f, 0, "action"), "trigger");
    assert_string_equal (s_arg (f, 0, "title"), "disk full on db1");
    assert_string_equal (s_arg (f, 0, "service"), "node");
    assert_string_equal (s_arg (f, 0, "severity"), "critical");
    assert_string_equal (s_arg (f, 0, "actor"), "alertmanager");
    assert_non_null (strstr (s_arg (f, 0, "description"),
                             "instance=db1"));
    assert_int_equal (im_fields_int_or (f->batch.commands [0].body,
                                        "urgency", 0), 1);
    assert_string_equal (f->batch.commands [0].request_id,
                         "am:aa:firing:2026-11-28T02:17:46Z");
    assert_string_equal (s_arg (f, 0, "occurrence"),
                         "2026-11-28T02:17:46Z");
    assert_string_equal (f->batch.commands [0].label, "aa");
    //  No summary: the labels name it; warning is low urgency
    assert_string_equal (s_arg (f, 1, "title"), "DiskFull (db2)");
    assert_string_equal (s_arg (f, 1, "action"), "resolve");
    //  A resolution has no occurrence
    assert_string_equal (f->batch.commands [1].request_id,
                         "am:bb:resolved:");
    assert_null (im_fields_str (f->batch.commands [1].body, "occurrence"));
    assert_int_equal (im_fields_int_or (f->batch.commands [1].body,
                                        "urgency", 0), 3);
    //  The same alert twice in one notification is sent once
    assert_int_equal (f->batch.commands [0].repeat_of, -1);
    assert_int_equal (f->batch.commands [2].repeat_of, 0);

    //  Under the record policy a resolved alert only clears
    assert_int_equal (s_alertmanager (f,
        "{\"alerts\": [{\"status\": \"resolved\", \"fingerprint\": \"bb\", "
        "\"labels\": {}}]}", false), 0);
    assert_string_equal (s_arg (f, 0, "action"), "clear");
    assert_string_equal (s_arg (f, 0, "title"), "alert");

    //  An empty alertname names nothing either: the title is never empty
    assert_int_equal (s_alertmanager (f,
        "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": \"cc\", "
        "\"labels\": {\"alertname\": \"\"}}]}", true), 0);
    assert_string_equal (s_arg (f, 0, "title"), "alert");
}

static void
test_long_texts_are_cut_at_a_character_boundary (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  255 ASCII octets then "é" (2 octets): 257 do not fit in 256
    char summary [300];
    memset (summary, 'x', 255);
    strcpy (summary + 255, "\xc3\xa9");
    char starts [80];
    memset (starts, '9', 64);
    starts [64] = 0;
    char text [1024];
    snprintf (text, sizeof text,
              "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": "
              "\"0123456789abcdef0123456789abcdef0123456789abcdef"
              "0123456789abcdef\", "
              "\"startsAt\": \"%s\", \"labels\": {}, \"annotations\": "
              "{\"summary\": \"%s\"}}]}", starts, summary);
    assert_int_equal (s_alertmanager (f, text, true), 0);
    assert_int_equal (strlen (s_arg (f, 0, "title")), 255);
    //  An id longer than a request id may be is a hash of the identity
    const char *id = f->batch.commands [0].request_id;
    assert_int_equal (strlen (id), 3 + 16);
    assert_memory_equal (id, "am:", 3);

    //  Texts longer than a description, of two-octet characters, at
    //  both alignments: the description is kept, cut short, in UTF-8
    for (int lead = 0; lead < 2; lead++) {
        char *body = (char *) malloc (30000);
        assert_non_null (body);
        char *long_text = (char *) malloc (20001);
        assert_non_null (long_text);
        long_text [0] = 0;
        for (int index = 0; index < 5000; index++)
            strcat (long_text, "\xc3\xa9");
        snprintf (body, 30000, "{\"alerts\": [{\"status\": \"firing\", "
                  "\"fingerprint\": \"f1\", \"labels\": {\"alertname\": "
                  "\"A\", \"x\": \"%.6000s\"}, \"annotations\": {\"summary\": "
                  "\"%s\", \"description\": \"%s\"}}]}",
                  long_text, lead ? "st" : "s", long_text);
        assert_int_equal (s_alertmanager (f, body, true), 0);
        const char *description = s_arg (f, 0, "description");
        assert_true (strlen (description) >= 8190);
        assert_true (im_msgpack_utf8_valid (description,
                                            strlen (description)));
        snprintf (body, 30000, "{\"routing_key\": \"r\", \"event_action\": "
                  "\"trigger\", \"payload\": {\"summary\": \"%s\", "
                  "\"source\": \"h\", \"severity\": \"info\", "
                  "\"custom_details\": {\"a\": \"%s\"}}}",
                  lead ? "st" : "s", long_text);
        assert_int_equal (s_event (f, body, NULL), 0);
        description = s_arg (f, 0, "description");
        assert_true (strlen (description) >= 8190);
        assert_true (im_msgpack_utf8_valid (description,
                                            strlen (description)));
        free (long_text);
        free (body);
    }
}

static void
test_alertmanager_faults_name_the_field (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_alertmanager (f, "[]", true), IM_EINVAL);
    assert_string_equal (f->fault.field, "");
    assert_int_equal (s_alertmanager (f, "{\"alerts\": 3}", true), IM_EINVAL);
    assert_string_equal (f->fault.field, "alerts");
    assert_int_equal (s_alertmanager (f,
        "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": \"a\", "
        "\"labels\": {}}, {\"status\": \"firing\", \"labels\": {}}]}",
        true), IM_EINVAL);
    assert_string_equal (f->fault.field, "alerts[1].fingerprint");
    assert_int_equal (f->batch.count, 0);   //  Nothing half-made is kept
    assert_int_equal (s_alertmanager (f,
        "{\"alerts\": [{\"status\": \"firing\", \"fingerprint\": \"a\", "
        "\"labels\": []}]}", true), IM_EINVAL);
    assert_string_equal (f->fault.field, "alerts[0].labels");
    assert_int_equal (s_alertmanager (f,
        "{\"alerts\": [{\"status\": 1, \"fingerprint\": \"a\"}]}", true),
        IM_EINVAL);
    assert_string_equal (f->fault.field, "alerts[0].status");
    assert_non_null (strstr (f->fault.text, "must be a string"));
    assert_int_equal (s_alertmanager (f, "{\"alerts\": [7]}", true),
                      IM_EINVAL);
    assert_string_equal (f->fault.field, "alerts[0]");
}

static void
test_events_map_to_alert_commands (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    assert_int_equal (s_event (f,
        "{\"routing_key\": \"r\", \"event_action\": \"trigger\", "
        "\"dedup_key\": \"web1/cpu\", \"images\": [], \"payload\": "
        "{\"summary\": \"CPU high\", \"source\": \"web1\", \"severity\": "
        "\"warning\", \"group\": \"web\", \"custom_details\": "
        "{\"cpu\": 97}}}", "key-1"), 0);
    assert_int_equal (f->batch.count, 1);
    assert_string_equal (f->batch.commands [0].request_id, "key-1");
    assert_string_equal (f->batch.commands [0].label, "web1/cpu");
    assert_string_equal (s_arg (f, 0, "dedup_key"), "web1/cpu");
    assert_string_equal (s_arg (f, 0, "action"), "trigger");
    assert_string_equal (s_arg (f, 0, "reporter"), "web1");
    assert_string_equal (s_arg (f, 0, "service"), "web1");
    assert_non_null (strstr (s_arg (f, 0, "description"),
                             "custom_details: {\"cpu\":97}"));
    assert_non_null (strstr (s_arg (f, 0, "description"), "group: web"));
    assert_int_equal (im_fields_int_or (f->batch.commands [0].body,
                                        "urgency", 0), 3);
    //  A trigger without a key gets a fresh one; an id is made too
    assert_int_equal (s_event (f,
        "{\"routing_key\": \"r\", \"event_action\": \"trigger\", "
        "\"payload\": {\"summary\": \"s\", \"source\": \"h\", "
        "\"severity\": \"critical\"}}", NULL), 0);
    assert_int_equal (strlen (s_arg (f, 0, "dedup_key")), 32);
    assert_int_equal (strlen (f->batch.commands [0].request_id), 32);
    assert_int_equal (im_fields_int_or (f->batch.commands [0].body,
                                        "urgency", 0), 1);
    //  An acknowledge needs only its key
    assert_int_equal (s_event (f,
        "{\"routing_key\": \"r\", \"event_action\": \"acknowledge\", "
        "\"dedup_key\": \"web1/cpu\"}", NULL), 0);
    assert_string_equal (s_arg (f, 0, "action"), "acknowledge");
    assert_false (im_fields_has (f->batch.commands [0].body, "title"));
    //  The answer names a key of PagerDuty's longest, 255 octets, whole
    char key [256], text [400];
    memset (key, 'k', 255);
    key [255] = 0;
    snprintf (text, sizeof text, "{\"routing_key\": \"r\", "
              "\"event_action\": \"resolve\", \"dedup_key\": \"%s\"}", key);
    assert_int_equal (s_event (f, text, NULL), 0);
    assert_string_equal (f->batch.commands [0].label, key);
    assert_string_equal (s_arg (f, 0, "dedup_key"), key);
    //  An empty key is none: a trigger gets a fresh one, an acknowledge
    //  is refused naming the field
    assert_int_equal (s_event (f,
        "{\"routing_key\": \"r\", \"event_action\": \"trigger\", "
        "\"dedup_key\": \"\", \"payload\": {\"summary\": \"s\", "
        "\"source\": \"h\", \"severity\": \"critical\"}}", NULL), 0);
    assert_int_equal (strlen (s_arg (f, 0, "dedup_key")), 32);
    assert_string_equal (f->batch.commands [0].label,
                         s_arg (f, 0, "dedup_key"));
    assert_int_equal (s_event (f,
        "{\"routing_key\": \"r\", \"event_action\": \"acknowledge\", "
        "\"dedup_key\": \"\"}", NULL), IM_EINVAL);
    assert_string_equal (f->fault.field, "dedup_key");
}

static void
test_event_faults_name_the_field (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    static const char *bad [][2] = {
        { "{\"event_action\": \"trigger\"}", "routing_key" },
        { "{\"routing_key\": \"r\", \"event_action\": \"snooze\"}",
          "event_action" },
        { "{\"routing_key\": \"r\", \"event_action\": \"resolve\"}",
          "dedup_key" },
        { "{\"routing_key\": \"r\", \"event_action\": \"trigger\"}",
          "payload" },
        { "{\"routing_key\": \"r\", \"event_action\": \"trigger\", "
          "\"payload\": {\"summary\": \"s\", \"severity\": \"info\"}}",
          "payload.source" },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        assert_int_equal (s_event (f, bad [index][0], NULL), IM_EINVAL);
        assert_string_equal (f->fault.field, bad [index][1]);
    }
    char key [300];
    memset (key, 'k', 256);
    key [256] = 0;
    char text [512];
    snprintf (text, sizeof text, "{\"routing_key\": \"r\", \"event_action\":"
              " \"resolve\", \"dedup_key\": \"%s\"}", key);
    assert_int_equal (s_event (f, text, NULL), IM_EINVAL);
    assert_string_equal (f->fault.field, "dedup_key");
    assert_non_null (strstr (f->fault.text, "255"));
}

static void
test_incident_fields_are_checked (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    json_t *json = s_json ("{\"title\": \"t\", \"reporter\": \"r\", "
                           "\"impact\": 1}");
    assert_int_equal (imb_http_ingest_incident (json, f->body, &f->fault), 0);
    json_decref (json);
    assert_string_equal (im_fields_str (f->body, "channel"), "http");
    assert_int_equal (im_fields_int_or (f->body, "impact", 0), 1);
    static const char *bad [][2] = {
        { "{\"title\": \"t\", \"reporter\": \"r\", \"impact\": \"1\"}",
          "impact" },
        { "{\"title\": 5, \"reporter\": \"r\"}", "title" },
        { "{\"reporter\": \"r\"}", "title" },
        { "{\"title\": \"t\"}", "reporter" },
        { "{\"title\": \"t\", \"reporter\": \"r\", \"x\": 1}", "x" },
        { "\"text\"", "" },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        im_fields_clear (f->body);
        json = s_json (bad [index][0]);
        assert_int_equal (imb_http_ingest_incident (json, f->body, &f->fault),
                          IM_EINVAL);
        assert_string_equal (f->fault.field, bad [index][1]);
        json_decref (json);
    }
}

static void
test_a_long_unknown_field_is_named_in_utf8 (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Keys of two-byte characters, longer than a field path and than
    //  the text has room for: without the lead "x" the field path ends
    //  inside a character, with it the text does
    for (int lead = 0; lead < 2; lead++) {
        char text [512] = "{\"";
        if (lead)
            strcat (text, "x");
        for (int index = 0; index < 150; index++)
            strcat (text, "\xc3\xa9");
        strcat (text, "\": 1, \"title\": \"t\", \"reporter\": \"r\"}");
        json_t *json = s_json (text);
        assert_int_equal (imb_http_ingest_incident (json, f->body,
                                                    &f->fault), IM_EINVAL);
        json_decref (json);
        assert_true (im_msgpack_utf8_valid (f->fault.field,
                                            strlen (f->fault.field)));
        assert_true (im_msgpack_utf8_valid (f->fault.text,
                                            strlen (f->fault.text)));
        assert_true (strlen (f->fault.field) >= IMB_HTTP_FIELD_MAX - 2);
        assert_true (strlen (f->fault.text) >= sizeof f->fault.text - 2);
        assert_non_null (strstr (f->fault.text, "unknown field '"));
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
        T (test_each_alert_is_one_command_named_by_its_fingerprint),
        T (test_long_texts_are_cut_at_a_character_boundary),
        T (test_alertmanager_faults_name_the_field),
        T (test_events_map_to_alert_commands),
        T (test_event_faults_name_the_field),
        T (test_incident_fields_are_checked),
        T (test_a_long_unknown_field_is_named_in_utf8),
#undef T
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
