/*  test_imw_channel - the pieces of the notifier's channels that need
    no server: the webhook signature against the Standard Webhooks
    specification's published vector, the MIME message and its encoded
    subject, quiet hours across a DST change, the webhook body, and the
    policy's channels and people with their errors.

    The channels' conversations with real HTTP and SMTP servers are in
    tests/e2e/e2e_channels.c.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <jansson.h>

#include "imw_classes.h"

//  The specification's vector (standard-webhooks, spec/standard-webhooks.md)
static void
test_sign_vector (void **state)
{
    (void) state;
    const char *body = "{\"test\": 2432232314}";
    char signature [IMW_WEBHOOK_SIGNATURE_MAX];
    assert_int_equal (imw_webhook_sign (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen (body),
        signature), 0);
    assert_string_equal (signature,
                         "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    //  One byte more in the body, one second later: another signature
    assert_int_equal (imw_webhook_sign (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen (body),
        signature), 0);
    assert_string_not_equal (signature,
                             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assert_int_equal (imw_webhook_sign ("whsec_not base64!", "id", 1, body,
                                        strlen (body), signature), IM_EINVAL);
    assert_int_equal (imw_webhook_sign ("whsec_", "id", 1, body,
                                        strlen (body), signature), IM_EINVAL);
}

//  Decodes the encoded words of a folded subject back into text
static void
s_decode_subject (const char *value, char *text, size_t size)
{
    size_t used = 0;
    const char *at = value;
    while (*at) {
        assert_memory_equal (at, "=?UTF-8?B?", 10);
        const char *end = strstr (at, "?=");
        assert_non_null (end);
        size_t word = (size_t) (end + 2 - at);
        assert_true (word <= 75);           //  RFC 2047 section 2
        size_t bytes = 0;
        assert_int_equal (sodium_base642bin (
            (unsigned char *) text + used, size - used - 1, at + 10,
            (size_t) (end - at - 10), NULL, &bytes, NULL,
            sodium_base64_VARIANT_ORIGINAL), 0);
        //  A word never starts inside a character
        assert_true (((unsigned char) text [used] & 0xc0) != 0x80);
        used += bytes;
        at = end + 2;
        if (*at) {                          //  Folded: CRLF and a space
            assert_memory_equal (at, "\r\n ", 3);
            at += 3;
        }
    }
    text [used] = 0;
}

static void
test_mail_subject (void **state)
{
    (void) state;
    char *plain = imw_mail_subject ("[imq] P1 #42 db down");
    assert_string_equal (plain, "[imq] P1 #42 db down");
    free (plain);
    //  Long enough to need several words, with multibyte characters
    //  that would be cut at a naive 45-byte boundary
    const char *text = "[imq] P1 #42 Ölförrådet är tomt på "
                       "lördag — 東京のデータセンターが停止 — assigned";
    char *value = imw_mail_subject (text);
    assert_non_null (value);
    assert_non_null (strstr (value, "\r\n "));
    char decoded [512];
    s_decode_subject (value, decoded, sizeof decoded);
    assert_string_equal (decoded, text);
    free (value);
}

static void
test_mail_message (void **state)
{
    (void) state;
    imw_notification_t notification = {
        .recipient = "alice", .address = "alice@example.org",
        .incident = 42, .priority = 1, .title = "db down",
        .reason = "assigned", .about_seq = 17, .ts_ms = 1796000000000,
        .request_id = "notifier:17:notify:alice/mail",
        .delivery_id = "imq-17-00000000deadbeef", .high = true,
    };
    //  2026-11-30 is a Monday
    char *message = imw_mail_build (&notification, "imq@example.org",
                                    1796009146000);
    assert_non_null (message);
    assert_non_null (strstr (message, "\r\nMessage-ID: "
                                      "<imq-17-00000000deadbeef@imq>\r\n"));
    assert_non_null (strstr (message, "From: <imq@example.org>\r\n"));
    assert_non_null (strstr (message, "\r\nTo: <alice@example.org>\r\n"));
    assert_true (strncmp (message, "Date: Mon, 30 Nov 2026 03:25:46 +0000\r\n",
                          39) == 0);
    assert_non_null (strstr (message, "Content-Type: text/plain; "
                                      "charset=UTF-8\r\n"));
    //  The subject names priority, incident, title and what happened
    const char *subject = strstr (message, "\r\nSubject: ") + 11;
    const char *end = strstr (subject, "\r\nMessage-ID");
    char value [512];
    memcpy (value, subject, (size_t) (end - subject));
    value [end - subject] = 0;
    char decoded [512];
    s_decode_subject (value, decoded, sizeof decoded);
    assert_string_equal (decoded, "[imq] P1 #42 db down \xe2\x80\x94 "
                                  "assigned");
    //  The body is base64 lines; decoded, it names the incident
    const char *body = strstr (message, "\r\n\r\n") + 4;
    char joined [2048] = "";
    for (const char *line = body; *line; ) {
        const char *eol = strstr (line, "\r\n");
        assert_non_null (eol);
        assert_true (eol - line <= 76);
        strncat (joined, line, (size_t) (eol - line));
        line = eol + 2;
    }
    unsigned char text [2048];
    size_t bytes = 0;
    assert_int_equal (sodium_base642bin (text, sizeof text - 1, joined,
                                         strlen (joined), NULL, &bytes, NULL,
                                         sodium_base64_VARIANT_ORIGINAL), 0);
    text [bytes] = 0;
    assert_non_null (strstr ((char *) text, "Incident:       #42"));
    assert_non_null (strstr ((char *) text, "What happened:  assigned"));
    free (message);
    //  An address that would add a header is refused
    notification.address = "alice@example.org\r\nBcc: eve@example.org";
    assert_null (imw_mail_build (&notification, "imq@example.org", 0));
}

//  Europe/Berlin moves from CET (+1) to CEST (+2) on 29 March 2026
static void
test_quiet_dst (void **state)
{
    (void) state;
    im_notify_person_t person = { .name = "alice", .quiet = "22:00-07:00",
                                  .zone = "Europe/Berlin" };
    //  05:30 UTC: 06:30 in Berlin on Saturday, quiet; 07:30 on Sunday
    int64_t saturday = 1774675800000;       //  2026-03-28T05:30:00Z
    int64_t sunday = 1774762200000;         //  2026-03-29T05:30:00Z
    assert_true (imw_quiet_now (&person, saturday));
    assert_false (imw_quiet_now (&person, sunday));
    //  20:30 UTC: 21:30 CET on Saturday, awake; 22:30 CEST on Sunday
    assert_false (imw_quiet_now (&person, saturday + 15 * 3600000ll));
    assert_true (imw_quiet_now (&person, sunday + 15 * 3600000ll));
    //  A span inside one day
    im_notify_person_t night = { .name = "bob", .quiet = "01:00-05:00",
                                 .zone = "UTC" };
    assert_true (imw_quiet_now (&night, saturday - 2 * 3600000ll));
    assert_false (imw_quiet_now (&night, saturday));
    im_notify_person_t none = { .name = "carol" };
    assert_false (imw_quiet_now (&none, saturday));
}

static void
test_webhook_body (void **state)
{
    (void) state;
    imw_notification_t notification = {
        .recipient = "alice", .incident = 42, .priority = 2,
        .title = "db \"down\"", .reason = "breached", .about_seq = 17,
        .ts_ms = 1796000000000, .request_id = "notifier:17:notify:alice/hook",
        .delivery_id = "imq-17-1", .high = true,
    };
    char *body = imw_channel_webhook_body (&notification);
    assert_non_null (body);
    json_error_t error;
    json_t *root = json_loads (body, 0, &error);
    assert_non_null (root);
    assert_string_equal (json_string_value (json_object_get (root, "type")),
                         "incident.notification");
    json_t *data = json_object_get (root, "data");
    assert_int_equal (json_integer_value (json_object_get (data, "incident")),
                      42);
    assert_int_equal (json_integer_value (json_object_get (data, "priority")),
                      2);
    assert_string_equal (json_string_value (json_object_get (data, "title")),
                         "db \"down\"");
    assert_string_equal (json_string_value (json_object_get (data, "urgency")),
                         "high");
    assert_string_equal (json_string_value (json_object_get (data,
                                                             "request_id")),
                         "notifier:17:notify:alice/hook");
    json_decref (root);
    free (body);
}

static const char *s_rules =
    "notifier:\n"
    "  channels:\n"
    "    - name: hook\n"
    "      type: webhook\n"
    "      url: http://127.0.0.1:9/hook\n"
    "      secret: ops-hook\n"
    "      timeout: 2s\n"
    "    - name: mail\n"
    "      type: email\n"
    "      url: smtp://127.0.0.1:25\n"
    "      from: imq@example.org\n"
    "  people:\n"
    "    - name: alice\n"
    "      email: alice@example.org\n"
    "      high: [hook, mail]\n"
    "      low: [mail]\n"
    "      quiet: \"22:00-07:00\"\n"
    "      zone: Europe/Berlin\n";

static void
test_policy_rules (void **state)
{
    (void) state;
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    im_policy_defaults (policy);
    char errbuf [2048] = "";
    assert_int_equal (im_policy_parse (policy, "p.yaml", s_rules, 3, errbuf,
                                       sizeof errbuf), 0);
    const im_notify_channel_t *hook =
        im_notify_rules_channel (&policy->notify, "hook");
    assert_non_null (hook);
    assert_string_equal (hook->secret, "ops-hook");
    assert_int_equal (hook->timeout_ms, 2000);
    const im_notify_person_t *alice =
        im_notify_rules_person (&policy->notify, "alice");
    assert_non_null (alice);
    assert_int_equal (alice->high.names_n, 2);
    //  Alice at 06:30 in Berlin: low urgency waits in the file, high
    //  urgency goes through her channels
    im_notify_names_t names;
    const im_notify_person_t *person;
    imw_channels_pick (policy, "alice", false, 1774675800000, &names,
                       &person);
    assert_int_equal (names.names_n, 1);
    assert_string_equal (names.names [0], "file");
    imw_channels_pick (policy, "alice", true, 1774675800000, &names,
                       &person);
    assert_int_equal (names.names_n, 2);
    assert_string_equal (names.names [1], "mail");
    imw_channels_pick (policy, "alice", false, 1774762200000, &names,
                       &person);
    assert_string_equal (names.names [0], "mail");
    imw_channels_pick (policy, "bob", true, 1774762200000, &names, &person);
    assert_null (person);
    assert_string_equal (names.names [0], "file");
    free (policy);
    //  Urgency: pages and P1/P2 news are high, a request never is
    assert_true (imw_channels_urgent ("assigned", 2, false));
    assert_false (imw_channels_urgent ("assigned", 3, false));
    assert_false (imw_channels_urgent ("assigned", 0, false));
    assert_true (imw_channels_urgent ("breached", 4, false));
    assert_true (imw_channels_urgent ("major-declared", 0, false));
    assert_false (imw_channels_urgent ("breached", 1, true));
}

//  Parses text and checks that it fails with every needle in errbuf
static void
s_refused (const char *text, const char *needle, const char *more)
{
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    im_policy_defaults (policy);
    char errbuf [2048] = "";
    assert_int_equal (im_policy_parse (policy, "p.yaml", text, 3, errbuf,
                                       sizeof errbuf), IM_ECONFIG);
    if (!strstr (errbuf, needle) || (more && !strstr (errbuf, more)))
        fail_msg ("'%s' not in: %s", needle, errbuf);
    free (policy);
}

static void
test_policy_errors (void **state)
{
    (void) state;
    s_refused ("notifier:\n  channels:\n    - name: hook\n      type: webhook\n"
               "      url: http://h/\n      secret: whsec_MfKQ9r8GKYqrTwjUP\n",
               "p.yaml:3:", "must not be the secret");
    s_refused ("notifier:\n  channels:\n    - name: hook\n      type: pager\n",
               "p.yaml:3:", "type must be webhook, chat, email or file");
    s_refused ("notifier:\n  channels:\n    - name: hook\n      type: webhook\n"
               "      url: ftp://h/\n      secret: s\n",
               "p.yaml:3:", "needs url: http(s)");
    s_refused ("notifier:\n  people:\n    - name: alice\n      high: [pager]\n",
               "p.yaml:3:", "no channel named 'pager'");
    s_refused ("notifier:\n  people:\n    - name: alice\n      quiet: 22-7\n",
               "p.yaml:3:", "HH:MM-HH:MM");
    s_refused ("notifier:\n  people:\n    - name: alice\n"
               "      quiet: \"22:00-07:00\"\n      zone: Mars/Olympus\n",
               "p.yaml:3:", "people[0].zone");
    s_refused ("notifier:\n  channels:\n    - name: mail\n      type: email\n"
               "      url: smtp://h:25\n      from: a@b\n"
               "  people:\n    - name: alice\n      high: [mail]\n",
               "p.yaml:8:", "has no email");
    s_refused ("notifier:\n  people:\n    - name: alice\n      pager: x\n",
               "p.yaml:4:", "unknown key 'pager'");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_sign_vector),
        cmocka_unit_test (test_mail_subject),
        cmocka_unit_test (test_mail_message),
        cmocka_unit_test (test_quiet_dst),
        cmocka_unit_test (test_webhook_body),
        cmocka_unit_test (test_policy_rules),
        cmocka_unit_test (test_policy_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
