/*  im_harness_raw - HTTP over raw sockets, for what curl would not send

    curl sends well-formed requests, and reads answers as HTTP says to;
    a test of what the server does with a malformed request, a trickle,
    or a connection that sends nothing needs its own socket, and must
    see every octet that comes back: how many status lines, which
    Content-Type, whether the body is JSON, whether the server closed.
    The connection may come from any local address (127.0.0.2 is
    loopback too on Linux), so a test can be two clients at once.
*/
#include "im_harness_private.h"
#include <netinet/tcp.h>
#include <strings.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

int
imh_raw_connect (imh_t *self, const char *from)
{
    assert (self);
    char host [64];
    im_strlcpy (host, self->http_address, sizeof host);
    char *colon = strrchr (host, ':');
    assert (colon);
    *colon = 0;
    struct sockaddr_in server = { 0 };
    server.sin_family = AF_INET;
    server.sin_port = htons ((uint16_t) atoi (colon + 1));
    inet_pton (AF_INET, host, &server.sin_addr);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd == -1)
        return -1;
    if (from) {
        struct sockaddr_in local = { 0 };
        local.sin_family = AF_INET;
        inet_pton (AF_INET, from, &local.sin_addr);
        if (bind (fd, (struct sockaddr *) &local, sizeof local)) {
            close (fd);
            return -1;
        }
    }
    if (connect (fd, (struct sockaddr *) &server, sizeof server)) {
        close (fd);
        return -1;
    }
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int
imh_raw_send (int fd, const char *bytes, size_t size)
{
    while (size) {
        ssize_t sent = send (fd, bytes, size, MSG_NOSIGNAL);
        if (sent == -1 && errno == EINTR)
            continue;
        if (sent <= 0)
            return -1;
        bytes += sent;
        size -= (size_t) sent;
    }
    return 0;
}

//  How many whole answers text holds (each a head and Content-Length
//  octets of body); the first one's status, type and body go to reply
static int
s_answers (imh_raw_reply_t *reply)
{
    int complete = 0;
    const char *at = reply->text;
    const char *end = reply->text + reply->size;
    while (at < end) {
        const char *head_end = strstr (at, "\r\n\r\n");
        if (!head_end)
            break;
        const char *body = head_end + 4;
        size_t length = 0;
        const char *field = at;
        char type [64] = "";
        while (field && field < head_end) {
            field = strstr (field, "\r\n");
            if (!field || field >= head_end)
                break;
            field += 2;
            if (strncasecmp (field, "Content-Length:", 15) == 0)
                length = (size_t) strtoul (field + 15, NULL, 10);
            if (strncasecmp (field, "Content-Type:", 13) == 0) {
                const char *value = field + 13 + strspn (field + 13, " ");
                size_t used = strcspn (value, "\r");
                snprintf (type, sizeof type, "%.*s", (int) used, value);
            }
        }
        int status = strncmp (at, "HTTP/1.", 7) == 0 ? atoi (at + 9) : 0;
        if (status == 100) {        //  Not an answer: 100 Continue
            at = body;
            continue;
        }
        if ((size_t) (end - body) < length)
            break;
        if (complete < IMH_RAW_ANSWERS)
            reply->statuses [complete] = status;
        if (!complete) {
            reply->status = status;
            im_strlcpy (reply->type, type, sizeof reply->type);
            json_decref (reply->json);
            reply->json = json_loadb (body, length, 0, NULL);
        }
        complete++;
        at = body + length;
    }
    return complete;
}

//  Counts the status lines of text ("HTTP/1.x NNN ", not 100) wherever
//  they are: a second one glued to a body is still a second answer
static int
s_status_lines (const char *text)
{
    int count = 0;
    for (const char *at = strstr (text, "HTTP/1."); at;
         at = strstr (at + 1, "HTTP/1.")) {
        bool line = (at [7] == '0' || at [7] == '1') && at [8] == ' '
                 && isdigit ((unsigned char) at [9])
                 && isdigit ((unsigned char) at [10])
                 && isdigit ((unsigned char) at [11]) && at [12] == ' ';
        if (line && strncmp (at + 9, "100", 3))
            count++;
    }
    return count;
}

int
imh_raw_read (int fd, int answers, int timeout_ms, imh_raw_reply_t *reply)
{
    assert (reply);
    uint64_t start = im_mono_ms ();
    uint64_t deadline = start + (uint64_t) timeout_ms;
    while (true) {
        if (answers > 0 && s_answers (reply) >= answers)
            break;
        uint64_t now = im_mono_ms ();
        if (now >= deadline)
            break;
        struct pollfd item = { fd, POLLIN, 0 };
        if (poll (&item, 1, (int) (deadline - now)) <= 0)
            continue;
        char buffer [8192];
        ssize_t got = recv (fd, buffer, sizeof buffer, 0);
        if (got <= 0) {
            reply->closed = true;
            break;
        }
        if (!reply->size)
            reply->first_ms = (int) (im_mono_ms () - start);
        char *text = (char *) realloc (reply->text,
                                       reply->size + (size_t) got + 1);
        assert (text);
        memcpy (text + reply->size, buffer, (size_t) got);
        reply->text = text;
        reply->size += (size_t) got;
        reply->text [reply->size] = 0;
    }
    if (!reply->text)
        reply->text = (char *) calloc (1, 1);
    reply->complete = s_answers (reply);
    reply->answers = s_status_lines (reply->text);
    return 0;
}

int
imh_raw (imh_t *self, const char *from, const char *bytes, size_t size,
         int timeout_ms, imh_raw_reply_t *reply)
{
    assert (self && reply);
    memset (reply, 0, sizeof *reply);
    int fd = imh_raw_connect (self, from);
    if (fd == -1)
        return -1;
    int rc = imh_raw_send (fd, bytes, size);
    if (rc == 0)
        rc = imh_raw_read (fd, 0, timeout_ms, reply);
    close (fd);
    return rc;
}

void
imh_raw_abort (int fd)
{
    //  SO_LINGER 0: a reset, so that no end keeps the port in TIME_WAIT
    struct linger linger = { 1, 0 };
    setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    close (fd);
}

void
imh_raw_clear (imh_raw_reply_t *reply)
{
    assert (reply);
    free (reply->text);
    json_decref (reply->json);
    memset (reply, 0, sizeof *reply);
}

void
imh_raw_expect_error (const imh_raw_reply_t *reply, int status,
                      const char *needle)
{
    assert (reply);
    if (reply->answers != 1 || reply->complete != 1
    ||  reply->status != status || !streq (reply->type, "application/json")
    ||  !reply->json)
        fail_msg ("expected one %d answer in JSON, got %d status lines "
                  "(%d whole), status %d, type '%s':\n%s", status,
                  reply->answers, reply->complete, reply->status,
                  reply->type, reply->text);
    const char *error = json_string_value (json_object_get (reply->json,
                                                            "error"));
    if (!error || !strstr (error, needle))
        fail_msg ("the error of the %d answer does not say '%s': %s",
                  status, needle, reply->text);
}
