/*  e2e_node_disk - a full disk, seen from HTTP and imqctl

    One broker with its data on a small tmpfs, filled to the last byte;
    opens go in over HTTP, one at a time, until one is not answered 201.
    That one's outcome is not known (its entry may be in the log): the
    answer must be 504 with the request id, never a 500, and imqctl,
    asked to open while the node cannot, must name the request id to
    send again. Once the disk has room and the node is back, both are
    sent again with the same ids: each is then applied exactly once,
    and a second retry answers the same incident.

    Needs root to mount the tmpfs: without it the program says why and
    exits 77, which ctest counts as skipped.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "im_harness.h"
#include "imf_disk.h"

#define DISK_MB     64              //  The node's tmpfs
#define BUFFER_MB   4               //  node.write_buffer_mb: flushes soon
#define PADDING     4096            //  Octets of description in each open
#define OPENS_MAX   20000           //  Bound on the opens tried
#define WAIT_MS     30000
#define SKIP        77

//  The node's data directory, on the tmpfs
static const char *
s_data (imh_t *h, char *path, size_t size)
{
    snprintf (path, size, "%s/data", imh_dir (h));
    return path;
}

//  The broker goes first, then its file system, then the harness
static int
s_teardown (void **state)
{
    imh_t *h = (imh_t *) *state;
    if (h)
        imh_kill_all (h);
    char data [IMH_PATH_MAX];
    if (h)
        imf_disk_umount (s_data (h, data, sizeof data));
    return imh_teardown (state);
}

static int
s_setup (void **state)
{
    imh_options_t options;
    imh_options_default (&options);
    options.write_buffer_mb = BUFFER_MB;
    imh_t *h = imh_new ("nodedisk", &options);
    *state = h;
    char data [IMH_PATH_MAX];
    int rc = h ? imf_disk_mount (s_data (h, data, sizeof data), DISK_MB)
               : -1;
    if (rc == 0 && imh_start_broker (h) < 0)
        rc = -1;
    if (rc)
        s_teardown (state);         //  Nothing stays mounted
    return rc;
}

//  The JSON of open n, with its padding
static char *
s_open_json (int n)
{
    char *padding = (char *) malloc (PADDING + 1);
    assert_non_null (padding);
    memset (padding, 'p', PADDING);
    padding [PADDING] = 0;
    char title [32];
    snprintf (title, sizeof title, "disk %d", n);
    json_t *json = json_pack ("{s:s,s:s,s:s}", "title", title, "reporter",
                              "e2e", "description", padding);
    free (padding);
    char *text = json_dumps (json, JSON_COMPACT);
    json_decref (json);
    assert_non_null (text);
    return text;
}

//  Incidents titled title, read from the node
static int
s_titled (imh_t *h, const char *title)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, "limit", 10000);
    im_reply_t *reply = imh_call (h, "LIST", body, false);
    im_fields_destroy (&body);
    assert_non_null (reply);
    assert_int_equal (reply->status, 200);
    int count = 0;
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        count += streq (im_fields_str_or (item, "title", ""), title);
    im_reply_destroy (&reply);
    return count;
}

//  Opens n over HTTP with the key (NULL: none); returns the reply
static imh_http_reply_t
s_post (imh_t *h, int n, const char *key)
{
    char *json = s_open_json (n);
    char header [200] = "";
    if (key)
        snprintf (header, sizeof header, "Idempotency-Key: %s", key);
    imh_http_reply_t reply;
    imh_http (h, "POST", "/v1/incidents", json, strlen (json),
              key ? header : NULL, &reply);
    free (json);
    return reply;
}

//  The request id imqctl's hint names ("--request-id ID:"), or ""
static void
s_hinted_id (const char *text, char *id, size_t size)
{
    id [0] = 0;
    const char *hint = text ? strstr (text, "--request-id ") : NULL;
    if (hint) {
        hint += strlen ("--request-id ");
        size_t length = strcspn (hint, ": \n");
        if (length < size) {
            memcpy (id, hint, length);
            id [length] = 0;
        }
    }
}

static void
test_full_disk_answers_unknown_then_applies_once (void **state)
{
    imh_t *h = (imh_t *) *state;
    char data [IMH_PATH_MAX];
    //  The HTTP token is made through the log: before the disk is full
    assert_non_null (imh_http_token (h));
    assert_true (imf_disk_fill (s_data (h, data, sizeof data)) >= 0);

    //  Opens until one is not done; every one before it was
    int last = -1;
    imh_http_reply_t reply = { 0 };
    for (int n = 0; n < OPENS_MAX; n++) {
        imh_http_clear (&reply);
        reply = s_post (h, n, NULL);
        if (reply.status != 201) {
            last = n;
            break;
        }
    }
    assert_true (last >= 0);
    printf ("open %d answered %d: %s\n", last, reply.status,
            reply.body ? reply.body : "");
    assert_int_equal (reply.status, 504);
    char retry [8];
    assert_non_null (imh_http_header (&reply, "Retry-After", retry,
                                      sizeof retry));
    char key [128];
    im_strlcpy (key, imh_json_str (reply.json, "request_id"), sizeof key);
    assert_true (strlen (key) > 0);
    imh_http_clear (&reply);

    //  imqctl, while the node cannot take it: told what to send again
    imh_run_t run;
    int status = imh_ctl (h, &run, "--timeout", "3000", "open", "--title",
                          "disk ctl", "--reporter", "e2e", NULL);
    char id [128];
    s_hinted_id (run.err, id, sizeof id);
    printf ("imqctl exited %d: %s", status, run.err);
    imh_run_clear (&run);
    assert_true (status != 0);
    assert_true (strlen (id) > 0);

    //  Room again, the node back: each sent again with its id
    assert_int_equal (imf_disk_free (data), 0);
    int slot = imh_slot (h, "broker");
    if (imh_running (h, slot))
        assert_int_equal (imh_kill (h, slot), 0);
    assert_int_equal (imh_restart (h, slot), 0);
    int64_t incident = 0;
    for (int round = 0; round < 2; round++) {
        reply = s_post (h, last, key);
        assert_true (reply.status == 201 || reply.status == 200);
        int64_t got = imh_json_int (reply.json, "incident");
        assert_true (got > 0);
        assert_true (!incident || got == incident);
        incident = got;
        imh_http_clear (&reply);
    }
    char title [32];
    snprintf (title, sizeof title, "disk %d", last);
    assert_int_equal (s_titled (h, title), 1);

    for (int round = 0; round < 2; round++) {
        status = imh_ctl (h, NULL, "--request-id", id, "open", "--title",
                          "disk ctl", "--reporter", "e2e", NULL);
        assert_int_equal (status, 0);
    }
    assert_int_equal (s_titled (h, "disk ctl"), 1);
    imh_passed (h);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    if (geteuid () != 0) {
        fprintf (stderr, "e2e_node_disk: SKIPPED: mounting a tmpfs needs "
                 "root\n");
        return SKIP;
    }
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_full_disk_answers_unknown_then_applies_once, s_setup,
            s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
