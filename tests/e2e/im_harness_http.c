/*  im_harness_http - HTTP requests to the broker, through curl

    The HTTP API is tested as its users reach it: with curl, the tool
    docs/http.md shows. Each request writes its body to a file in the
    test's directory, runs curl with the headers dumped to another, and
    hands back the status, the headers and the body (parsed when it is
    JSON), so a test can check all three.
*/
#include "im_harness_private.h"
#include <strings.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define IMH_CURL_MS     30000       //  Bound on one curl run

//  Reads a whole file into a new NUL-ended string, "" when unreadable
static char *
s_slurp (const char *path)
{
    FILE *file = fopen (path, "rb");
    char *text = NULL;
    size_t size = 0;
    if (file) {
        fseek (file, 0, SEEK_END);
        long length = ftell (file);
        fseek (file, 0, SEEK_SET);
        if (length > 0) {
            text = (char *) malloc ((size_t) length + 1);
            if (text)
                size = fread (text, 1, (size_t) length, file);
        }
        fclose (file);
    }
    if (!text)
        text = (char *) calloc (1, 1);
    else
        text [size] = 0;
    return text;
}

int
imh_http (imh_t *self, const char *method, const char *path,
          const char *body, size_t size, const char *header,
          imh_http_reply_t *reply)
{
    assert (self && path);
    char url [IMH_PATH_MAX];
    snprintf (url, sizeof url, "http://%s%s", self->http_address, path);
    return imh_http_url (self, method, url, body, size, header, reply);
}

//  Sends one PRINCIPAL with action for principal and the extra string
//  arguments (name, value pairs, NULL-ended); returns 0 or -1
static int
s_principal (imh_t *self, const char *action, const char *principal, ...)
{
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, "action", action);
    im_fields_set_str (body, "name", principal);
    va_list args;
    va_start (args, principal);
    const char *name;
    while ((name = va_arg (args, const char *)))
        im_fields_set_str (body, name, va_arg (args, const char *));
    va_end (args);
    im_reply_t *reply = imh_call (self, "PRINCIPAL", body, false);
    int rc = reply && reply->status == 200 ? 0 : -1;
    if (rc)
        fprintf (stderr, "im_harness: PRINCIPAL %s %s: %s\n", action,
                 principal, reply ? im_fields_str_or (reply->body, "error",
                                                      "?") : "no answer");
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return rc;
}

int
imh_token (imh_t *self, const char *principal, const char *roles,
           char *token, char *id)
{
    assert (self && principal && token);
    char made_id [IM_TOKEN_ID_TEXT], hash [IM_TOKEN_HASH_TEXT];
    if (im_token_make (token, made_id, hash)
    ||  (roles && s_principal (self, "add", principal, "roles", roles,
                               NULL))
    ||  s_principal (self, "token", principal, "token_id", made_id,
                     "token_hash", hash, NULL))
        return -1;
    if (id)
        memcpy (id, made_id, IM_TOKEN_ID_TEXT);
    return self->nodes_n > 0 && !imh_cluster_converged (self, 10000) ? -1 : 0;
}

const char *
imh_http_token (imh_t *self)
{
    assert (self);
    if (!*self->http_token
    &&  imh_token (self, "admin", "administrator", self->http_token, NULL))
        self->http_token [0] = 0;
    return *self->http_token ? self->http_token : NULL;
}

//  True when the path of url is one the broker answers without a token
static bool
s_open_path (const char *url)
{
    const char *path = strstr (url, "://");
    path = path ? strchr (path + 3, '/') : url;
    if (!path)
        return true;
    size_t length = strcspn (path, "?");
    return (length == 8 && strncmp (path, "/healthz", 8) == 0)
        || (length == 7 && strncmp (path, "/readyz", 7) == 0)
        || (length == 8 && strncmp (path, "/metrics", 8) == 0);
}

int
imh_http_url (imh_t *self, const char *method, const char *url,
              const char *body, size_t size, const char *header,
              imh_http_reply_t *reply)
{
    assert (self && method && url && reply);
    memset (reply, 0, sizeof *reply);
    char body_path [IMH_PATH_MAX], headers_path [IMH_PATH_MAX];
    char data [IMH_PATH_MAX + 2];
    snprintf (body_path, sizeof body_path, "%s/http-body", self->dir);
    snprintf (headers_path, sizeof headers_path, "%s/http-headers",
              self->dir);
    snprintf (data, sizeof data, "@%s", body_path);
    if (body) {
        FILE *file = fopen (body_path, "wb");
        if (!file || fwrite (body, 1, size, file) != size) {
            if (file)
                fclose (file);
            return -1;
        }
        fclose (file);
    }
    const char *argv [20] = {
        "/usr/bin/curl", "-s", "-S", "-X", method, "-D", headers_path,
        "-w", "\n%{http_code}", "-H", "Content-Type: application/json"
    };
    size_t count = 11;
    char authorization [IM_TOKEN_TEXT + 32];
    if ((!header || strncasecmp (header, "Authorization:", 14) != 0)
    &&  !s_open_path (url) && imh_http_token (self)) {
        snprintf (authorization, sizeof authorization,
                  "Authorization: Bearer %s", imh_http_token (self));
        argv [count++] = "-H";
        argv [count++] = authorization;
    }
    if (header) {
        argv [count++] = "-H";
        argv [count++] = header;
    }
    if (body) {
        argv [count++] = "--data-binary";
        argv [count++] = data;
    }
    argv [count++] = url;
    argv [count] = NULL;
    imh_run_t run;
    if (imh_run (argv, IMH_CURL_MS, &run))
        return -1;
    //  The last line is the status curl wrote after the body
    char *last = strrchr (run.out, '\n');
    if (run.status == 0 && last) {
        reply->status = atoi (last + 1);
        *last = 0;
        reply->body = strdup (run.out);
        reply->headers = s_slurp (headers_path);
        reply->json = json_loads (reply->body, 0, NULL);
    }
    else
    if (run.status != 7)            //  7: nothing listens there (yet)
        fprintf (stderr, "im_harness: curl %s %s failed (%d): %s\n", method,
                 url, run.status, run.err);
    imh_run_clear (&run);
    return reply->status ? 0 : -1;
}

const char *
imh_http_header (const imh_http_reply_t *reply, const char *name,
                 char *value, size_t size)
{
    assert (reply && name && value);
    value [0] = 0;
    const char *line = reply->headers;
    size_t length = strlen (name);
    while (line && *line) {
        if (strncasecmp (line, name, length) == 0 && line [length] == ':') {
            const char *start = line + length + 1;
            while (*start == ' ')
                start++;
            size_t used = strcspn (start, "\r\n");
            if (used >= size)
                used = size - 1;
            memcpy (value, start, used);
            value [used] = 0;
            return value;
        }
        line = strchr (line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

void
imh_http_clear (imh_http_reply_t *reply)
{
    assert (reply);
    free (reply->body);
    free (reply->headers);
    json_decref (reply->json);
    memset (reply, 0, sizeof *reply);
}

int
imh_http_setup (void **state)
{
    static const imh_http_node_t plain = { "http", false, 0, 64, 0 };
    const imh_http_node_t *node = *state ? (const imh_http_node_t *) *state
                                         : &plain;
    imh_options_t options;
    imh_options_default (&options);
    if (!node->queue_max)
        options.http_body_max = IMH_HTTP_BODY_MAX;
    options.alert_record = node->record;
    options.queue_max = node->queue_max;
    options.http_inflight_max = node->inflight_max;
    options.copies_window_ms = node->copies_window_ms;
    *state = imh_new_node (node->name, &options, false, NULL);
    //  The token the requests carry, made before the test measures the
    //  log
    return *state && imh_http_token ((imh_t *) *state) ? 0 : -1;
}

imh_http_reply_t
imh_http_expect (imh_t *self, const char *method, const char *path,
                 const char *body, const char *header, int status)
{
    imh_http_reply_t reply;
    assert_int_equal (imh_http (self, method, path, body,
                                body ? strlen (body) : 0, header, &reply), 0);
    if (reply.status != status)
        fail_msg ("%s %s: expected %d, got %d: %s", method, path, status,
                  reply.status, reply.body);
    return reply;
}

long
imh_http_sample (const char *text, const char *name)
{
    char line [256];
    snprintf (line, sizeof line, "\n%s ", name);
    const char *found = strstr (text, line);
    return found ? strtol (found + strlen (line), NULL, 10) : -1;
}
