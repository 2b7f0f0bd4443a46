/*  e2e_http_auth - who may use the HTTP API, and who the log says did

    Bearer tokens live in the log (PRINCIPAL token and untoken), so every
    node takes and refuses the same ones. These tests speak real HTTP
    (curl) to real brokers: no token is 401 with WWW-Authenticate, a
    reporter's token cannot override a priority (403, audited as an
    access.denied event and nothing else), the token's
    principal is the actor and a body actor only whom it acted for, the
    Alertmanager receiver takes its key in the URL or a header, one
    PagerDuty integration cannot touch another's incident, a revoked
    token is refused on all three nodes of a cluster within 2 s, and
    the token itself is stored nowhere.
*/
#include "im_harness_private.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define S_REVOKE_MS     2000        //  A revoked token refused within

//  Sends method path with the token (NULL: with none) to node's HTTP
//  address (NULL: the harness's); returns the status, with the reply
//  in *reply when reply is not NULL (the caller clears it)
static int
s_send (imh_t *h, const char *address, const char *method, const char *path,
        const char *body, const char *token, imh_http_reply_t *reply)
{
    char url [IMH_PATH_MAX], header [IM_TOKEN_TEXT + 64];
    snprintf (url, sizeof url, "http://%s%s",
              address ? address : imh_http_address (h), path);
    snprintf (header, sizeof header, "Authorization:%s%s",
              token ? " Bearer " : "", token ? token : "");
    imh_http_reply_t own;
    if (!reply)
        reply = &own;
    if (imh_http_url (h, method, url, body, body ? strlen (body) : 0,
                      header, reply))
        return -1;
    int status = reply->status;
    if (reply == &own)
        imh_http_clear (&own);
    return status;
}

//  A denial imqctl audit denials should list
typedef struct {
    imh_t *h;                       //  The node
    const char *principal;          //  Refused
    const char *verb;               //  What it was refused
} s_denied_t;

//  True once the administrator's audit lists a denial of verb to
//  principal
static bool
s_denial_listed (void *arg)
{
    s_denied_t *denied = (s_denied_t *) arg;
    json_t *listed = imh_ctl_json (denied->h, "audit", "denials",
                                   "--principal", denied->principal, NULL);
    json_t *denials = listed ? json_object_get (listed, "denials") : NULL;
    bool found = false;
    for (size_t index = 0; index < json_array_size (denials); index++)
        if (streq (imh_json_str (json_array_get (denials, index), "verb"),
                   denied->verb))
            found = true;
    json_decref (listed);
    return found;
}

static void
test_no_token_is_401_and_a_reporter_cannot_prioritize (void **state)
{
    imh_t *h = (imh_t *) *state;
    const char *open = "{\"title\": \"Printer on fire\", \"reporter\": "
                       "\"rita\"}";
    uint64_t before = 0, after = 0;
    assert_non_null (imh_http_token (h));
    assert_int_equal (imh_last_seq (h, &before), 0);

    //  No token, a token of no imq shape, a well-made unknown one
    imh_http_reply_t reply;
    assert_int_equal (s_send (h, NULL, "POST", "/v1/incidents", open, NULL,
                              &reply), 401);
    char value [128];
    assert_non_null (imh_http_header (&reply, "WWW-Authenticate", value,
                                      sizeof value));
    assert_int_equal (strncmp (value, "Bearer", 6), 0);
    assert_non_null (strstr (imh_json_str (reply.json, "error"), "token"));
    imh_http_clear (&reply);
    assert_int_equal (s_send (h, NULL, "GET", "/v1/incidents", NULL, NULL,
                              NULL), 401);
    assert_int_equal (s_send (h, NULL, "GET", "/v1/incidents", NULL,
                              "letmein", NULL), 401);
    char unknown [IM_TOKEN_TEXT], id [IM_TOKEN_ID_TEXT];
    char hash [IM_TOKEN_HASH_TEXT];
    assert_int_equal (im_token_make (unknown, id, hash), 0);
    assert_int_equal (s_send (h, NULL, "POST", "/v1/incidents", open,
                              unknown, &reply), 401);
    assert_string_equal (imh_json_str (reply.json, "error"),
                         "unknown or revoked token");
    imh_http_clear (&reply);
    //  The probes and the metrics stay open
    assert_int_equal (s_send (h, NULL, "GET", "/healthz", NULL, NULL, NULL),
                      200);
    assert_int_equal (s_send (h, NULL, "GET", "/readyz", NULL, NULL, NULL),
                      200);
    assert_int_equal (s_send (h, NULL, "GET", "/metrics", NULL, NULL, NULL),
                      200);
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);

    //  A reporter opens, but may not override a priority: 403, nothing
    //  written
    char rita [IM_TOKEN_TEXT];
    assert_int_equal (imh_token (h, "rita", "reporter", rita, NULL), 0);
    assert_int_equal (s_send (h, NULL, "POST", "/v1/incidents", open, rita,
                              &reply), 201);
    int64_t incident = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    char path [64];
    snprintf (path, sizeof path, "/v1/incidents/%" PRId64 "/prioritize",
              incident);
    assert_int_equal (imh_last_seq (h, &before), 0);
    assert_int_equal (s_send (h, NULL, "POST", path, "{\"priority\": 1, "
                              "\"reason\": \"the whole floor\"}", rita,
                              &reply), 403);
    assert_non_null (strstr (imh_json_str (reply.json, "error"),
                             "incident_manager"));
    imh_http_clear (&reply);
    //  The refusal is audited (docs/security.md section 7): one
    //  access.denied event naming rita and PRIORITIZE, recorded after
    //  the answer; the incident itself is untouched
    s_denied_t denied = { h, "rita", "PRIORITIZE" };
    assert_true (imh_wait_for (s_denial_listed, &denied, 10000));
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before + 1);
    char shown_id [24];
    snprintf (shown_id, sizeof shown_id, "%" PRId64, incident);
    json_t *shown = imh_ctl_json (h, "show", shown_id, NULL);
    assert_non_null (shown);
    assert_string_equal (imh_json_str (shown, "title"), "Printer on fire");
    assert_true (json_object_get (shown, "priority_override") == NULL
                 || json_is_false (json_object_get (shown,
                                                    "priority_override")));
    assert_null (json_object_get (shown, "priority_reason"));
    json_decref (shown);
    imh_passed (h);
}

//  True when the size bytes at bytes hold needle
static bool
s_holds (const char *bytes, size_t size, const char *needle)
{
    size_t length = strlen (needle);
    for (size_t at = 0; at + length <= size; at++)
        if (bytes [at] == needle [0] && memcmp (bytes + at, needle, length) == 0)
            return true;
    return false;
}

//  How many files under dir (symbolic links not followed) hold needle
static int
s_files_holding (const char *dir, const char *needle)
{
    DIR *handle = opendir (dir);
    assert_non_null (handle);
    int found = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        if (streq (entry->d_name, ".") || streq (entry->d_name, ".."))
            continue;
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        struct stat info;
        if (lstat (path, &info))
            continue;
        if (S_ISDIR (info.st_mode)) {
            found += s_files_holding (path, needle);
            continue;
        }
        FILE *file = S_ISREG (info.st_mode) ? fopen (path, "rb") : NULL;
        if (!file)
            continue;
        char *bytes = (char *) malloc ((size_t) info.st_size + 1);
        size_t size = bytes ? fread (bytes, 1, (size_t) info.st_size, file)
                            : 0;
        fclose (file);
        if (bytes && s_holds (bytes, size, needle))
            found++;
        free (bytes);
    }
    closedir (handle);
    return found;
}

static void
test_the_token_names_the_actor_and_is_stored_only_hashed (void **state)
{
    imh_t *h = (imh_t *) *state;
    //  imqctl makes the token and prints it once
    assert_int_equal (imh_ctl (h, NULL, "principal", "add", "portal",
                               "--roles", "integration", NULL), 0);
    imh_run_t run;
    assert_int_equal (imh_ctl (h, &run, "principal", "token", "portal",
                               "--label", "ticket portal", NULL), 0);
    char token [IM_TOKEN_TEXT] = "";
    sscanf (run.out, "%85s", token);
    imh_run_clear (&run);
    char credential [IM_TOKEN_CRED_TEXT];
    assert_int_equal (im_token_credential (token, credential), 0);

    //  The portal opens a ticket for ann: portal did it, for ann
    imh_http_reply_t reply;
    assert_int_equal (s_send (h, NULL, "POST", "/v1/incidents",
                              "{\"title\": \"VPN down\", \"reporter\": "
                              "\"ann\", \"actor\": \"ann\"}", token,
                              &reply), 201);
    uint64_t incident = (uint64_t) imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    zlist_t *events = imh_timeline (h, incident);
    assert_non_null (events);
    im_event_t *opened = (im_event_t *) zlist_first (events);
    assert_non_null (opened);
    assert_string_equal (opened->actor, "portal");
    assert_string_equal (im_fields_str_or (opened->payload, "on_behalf_of",
                                           ""), "ann");
    imh_events_destroy (&events);
    //  An integration holds no desk role: a reporter, whose own tickets
    //  are those naming it as reporter, not its callers'
    char path [64];
    snprintf (path, sizeof path, "/v1/incidents/%" PRIu64 "/comment",
              incident);
    assert_int_equal (s_send (h, NULL, "POST", path, "{\"text\": \"on it\"}",
                              token, NULL), 403);
    //  Without a body actor it acts for nobody but itself; reads work
    //  with any principal's token
    assert_int_equal (s_send (h, NULL, "POST", "/v1/incidents",
                              "{\"title\": \"Portal slow\", \"reporter\": "
                              "\"portal\"}", token, &reply), 201);
    uint64_t own = (uint64_t) imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    snprintf (path, sizeof path, "/v1/incidents/%" PRIu64 "/comment", own);
    assert_int_equal (s_send (h, NULL, "POST", path, "{\"text\": \"on it\"}",
                              token, NULL), 200);
    events = imh_timeline (h, own);
    im_event_t *last = (im_event_t *) zlist_last (events);
    assert_string_equal (last->actor, "portal");
    assert_false (im_fields_has (last->payload, "on_behalf_of"));
    imh_events_destroy (&events);
    snprintf (path, sizeof path, "/v1/incidents/%" PRIu64, incident);
    assert_int_equal (s_send (h, NULL, "GET", path, NULL, token, NULL), 200);

    //  Nothing under the node's directory (the store, the Raft log, the
    //  logs, the keys) holds the token; the log holds its hash (which
    //  shows that the scan reads where the log is)
    assert_int_equal (s_files_holding (imh_dir (h), token), 0);
    assert_int_equal (s_files_holding (imh_dir (h), token + 21), 0);
    assert_true (s_files_holding (imh_dir (h), credential + 17) > 0);

    //  Revoked: refused at once, the rest of the principal's tokens work
    char id [IM_TOKEN_ID_TEXT];
    memcpy (id, credential, 16);
    id [16] = 0;
    char other [IM_TOKEN_TEXT];
    assert_int_equal (imh_token (h, "portal", NULL, other, NULL), 0);
    //  imqctl principals shows both tokens by id and label, never a hash
    json_t *listed = imh_ctl_json (h, "principals", "portal", NULL);
    assert_non_null (listed);
    json_t *principals = json_object_get (listed, "principals");
    assert_int_equal (json_array_size (principals), 1);
    json_t *portal = json_array_get (principals, 0);
    assert_string_equal (imh_json_str (portal, "name"), "portal");
    assert_string_equal (imh_json_str (portal, "roles"), "integration");
    const char *tokens = imh_json_str (portal, "tokens");
    char shown [64];
    snprintf (shown, sizeof shown, "%s (ticket portal), ", id);
    assert_non_null (strstr (tokens, shown));
    assert_null (strstr (tokens, credential + 17));
    assert_int_equal (strlen (tokens), 2 * 16 + strlen (" (ticket portal), ")
                                       + strlen (" ()"));
    json_decref (listed);
    assert_int_equal (imh_ctl (h, NULL, "principal", "untoken", "portal", id,
                               NULL), 0);
    listed = imh_ctl_json (h, "principals", "portal", NULL);
    portal = json_array_get (json_object_get (listed, "principals"), 0);
    assert_null (strstr (imh_json_str (portal, "tokens"), id));
    assert_int_equal (strlen (imh_json_str (portal, "tokens")), 16 + 3);
    json_decref (listed);
    assert_int_equal (s_send (h, NULL, "GET", path, NULL, token, NULL), 401);
    assert_int_equal (s_send (h, NULL, "GET", path, NULL, other, NULL), 200);
    imh_passed (h);
}

//  Posts a PagerDuty event of action for dedup_key with routing_key;
//  returns the status, the answer in *reply
static int
s_event (imh_t *h, const char *routing_key, const char *action,
         const char *dedup_key, imh_http_reply_t *reply)
{
    char body [512];
    snprintf (body, sizeof body, "{\"routing_key\": \"%s\", "
              "\"event_action\": \"%s\", \"dedup_key\": \"%s\", "
              "\"payload\": {\"summary\": \"Disk full on db1\", "
              "\"source\": \"db1\", \"severity\": \"critical\"}}",
              routing_key, action, dedup_key);
    return s_send (h, NULL, "POST", "/v1/events", body, NULL, reply);
}

//  The status of incident id, as GET answers it
static const char *
s_status (imh_t *h, int64_t id, char *status, size_t size)
{
    char path [64];
    snprintf (path, sizeof path, "/v1/incidents/%" PRId64, id);
    imh_http_reply_t reply;
    assert_int_equal (s_send (h, NULL, "GET", path, NULL,
                              imh_http_token (h), &reply), 200);
    im_strlcpy (status, imh_json_str (reply.json, "status"), size);
    imh_http_clear (&reply);
    return status;
}

static void
test_integration_keys_for_alertmanager_and_pagerduty (void **state)
{
    imh_t *h = (imh_t *) *state;
    char key [IM_TOKEN_TEXT], wrong [IM_TOKEN_TEXT];
    char id [IM_TOKEN_ID_TEXT], hash [IM_TOKEN_HASH_TEXT];
    assert_int_equal (imh_token (h, "prometheus", "integration", key, NULL),
                      0);
    assert_int_equal (im_token_make (wrong, id, hash), 0);
    const char *alerts = "{\"version\": \"4\", \"status\": \"firing\", "
        "\"alerts\": [{\"status\": \"firing\", \"fingerprint\": \"f1\", "
        "\"labels\": {\"alertname\": \"DiskFull\"}, \"annotations\": "
        "{\"summary\": \"disk full\"}, \"startsAt\": "
        "\"2026-12-01T00:00:00Z\"}]}";
    //  The key in the receiver's URL, as a query, in a header
    char path [256];
    snprintf (path, sizeof path, "/v1/alerts/alertmanager/%s", key);
    imh_http_reply_t reply;
    assert_int_equal (s_send (h, NULL, "POST", path, alerts, NULL, &reply),
                      200);
    assert_int_equal (imh_json_int (reply.json, "opened"), 1);
    imh_http_clear (&reply);
    snprintf (path, sizeof path, "/v1/alerts/alertmanager?key=%s", key);
    assert_int_equal (s_send (h, NULL, "POST", path, alerts, NULL, NULL),
                      200);
    assert_int_equal (s_send (h, NULL, "POST", "/v1/alerts/alertmanager",
                              alerts, key, NULL), 200);
    //  The alert's actor is the integration
    json_t *incident = imh_ctl_json (h, "timeline", "1", NULL);
    assert_non_null (incident);
    json_t *first = NULL;
    assert_int_equal (imh_json_events (incident, "incident.opened", NULL,
                                       NULL, &first), 1);
    assert_string_equal (imh_json_str (first, "actor"), "prometheus");
    json_decref (incident);
    //  A wrong key, wherever it is: 401, nothing written
    uint64_t before = 0, after = 0;
    assert_int_equal (imh_last_seq (h, &before), 0);
    snprintf (path, sizeof path, "/v1/alerts/alertmanager/%s", wrong);
    assert_int_equal (s_send (h, NULL, "POST", path, alerts, NULL, NULL),
                      401);
    assert_int_equal (s_send (h, NULL, "POST", "/v1/alerts/alertmanager",
                              alerts, wrong, NULL), 401);
    assert_int_equal (s_send (h, NULL, "POST", "/v1/alerts/alertmanager",
                              alerts, NULL, NULL), 401);
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);

    //  PagerDuty: two integrations, one dedup key
    char a [IM_TOKEN_TEXT], b [IM_TOKEN_TEXT];
    assert_int_equal (imh_token (h, "monitor-a", "integration", a, NULL), 0);
    assert_int_equal (imh_token (h, "monitor-b", "integration", b, NULL), 0);
    assert_int_equal (s_event (h, a, "trigger", "db1/disk", &reply), 202);
    assert_string_equal (imh_json_str (reply.json, "outcome"), "opened");
    int64_t of_a = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    //  b resolves "its" db1/disk: it has none, a's stays open, nothing
    //  is written
    assert_int_equal (imh_last_seq (h, &before), 0);
    assert_int_equal (s_event (h, b, "resolve", "db1/disk", &reply), 202);
    assert_string_equal (imh_json_str (reply.json, "status"), "dropped");
    imh_http_clear (&reply);
    assert_int_equal (s_event (h, b, "acknowledge", "db1/disk", NULL), 202);
    assert_int_equal (imh_last_seq (h, &after), 0);
    assert_int_equal (after, before);
    char status [32];
    assert_string_equal (s_status (h, of_a, status, sizeof status), "new");
    //  b's trigger of the same key is b's own incident
    assert_int_equal (s_event (h, b, "trigger", "db1/disk", &reply), 202);
    assert_string_equal (imh_json_str (reply.json, "outcome"), "opened");
    int64_t of_b = imh_json_int (reply.json, "incident");
    imh_http_clear (&reply);
    assert_true (of_b != of_a);
    //  a resolves its own
    assert_int_equal (s_event (h, a, "resolve", "db1/disk", &reply), 202);
    assert_int_equal (imh_json_int (reply.json, "incident"), of_a);
    imh_http_clear (&reply);
    assert_string_equal (s_status (h, of_a, status, sizeof status),
                         "resolved");
    assert_string_equal (s_status (h, of_b, status, sizeof status), "new");
    //  A routing key that is no key of the desk: 401
    assert_int_equal (s_event (h, "0123456789abcdef0123456789abcdef",
                               "trigger", "x", NULL), 401);
    assert_int_equal (s_event (h, wrong, "trigger", "x", NULL), 401);
    imh_passed (h);
}

//  What the revocation test waits on: each node's answer to the token
typedef struct {
    imh_t *h;                       //  The cluster
    const char *token;              //  The revoked token
    uint64_t start;                 //  When the revocation was answered
    int64_t took [4];               //  Per node: ms until refused, or -1
} s_revoke_t;

static bool
s_all_refuse (void *arg)
{
    s_revoke_t *revoke = (s_revoke_t *) arg;
    bool all = true;
    for (int node = 1; node <= 3; node++) {
        if (revoke->took [node] >= 0)
            continue;
        int status = s_send (revoke->h, imh_node_http (revoke->h, node),
                             "GET", "/v1/incidents?limit=1", NULL,
                             revoke->token, NULL);
        if (status == 401)
            revoke->took [node] = (int64_t) (im_mono_ms () - revoke->start);
        else
            all = false;
    }
    return all;
}

static void
test_a_revoked_token_is_refused_on_every_node (void **state)
{
    (void) state;
    imh_t *h = imh_new_cluster ("http-auth-cluster", NULL, 3);
    assert_non_null (h);
    *state = h;
    char token [IM_TOKEN_TEXT], id [IM_TOKEN_ID_TEXT];
    assert_int_equal (imh_token (h, "ops", NULL, token, id), 0);
    for (int node = 1; node <= 3; node++)
        assert_int_equal (s_send (h, imh_node_http (h, node), "GET",
                                  "/v1/incidents?limit=1", NULL, token, NULL),
                          200);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "action", "untoken");
    im_fields_set_str (body, "name", "ops");
    im_fields_set_str (body, "token_id", id);
    im_reply_t *reply = imh_call (h, "PRINCIPAL", body, false);
    s_revoke_t revoke = { h, token, im_mono_ms (), { -1, -1, -1, -1 } };
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    assert_true (imh_wait_for (s_all_refuse, &revoke, S_REVOKE_MS));
    printf ("e2e_http_auth: the revoked token was refused by node 1 after "
            "%" PRId64 " ms, node 2 after %" PRId64 " ms, node 3 after %"
            PRId64 " ms (counted from the revocation's answer)\n",
            revoke.took [1], revoke.took [2], revoke.took [3]);
    for (int node = 1; node <= 3; node++)
        assert_true (revoke.took [node] >= 0
                  && revoke.took [node] < S_REVOKE_MS);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
#define T(name) cmocka_unit_test_setup_teardown (name, imh_http_setup, \
                                                 imh_teardown)
        T (test_no_token_is_401_and_a_reporter_cannot_prioritize),
        T (test_the_token_names_the_actor_and_is_stored_only_hashed),
        T (test_integration_keys_for_alertmanager_and_pagerduty),
#undef T
        cmocka_unit_test_teardown (
            test_a_revoked_token_is_refused_on_every_node, imh_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
