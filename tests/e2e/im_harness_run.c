/*  im_harness_run - programs run to completion: imqctl and bad starts

    A test that runs imqctl checks what an operator would see: the exit
    code, what went to stdout (a table or JSON) and what went to stderr
    (the reason for a refusal). So both streams are captured through
    pipes, read with poll until the program closes them, and the
    program is killed if it outlives its deadline, so a hang fails the
    test instead of stalling the suite.
*/
#include "im_harness_private.h"

#define IMH_CTL_ARGS_MAX    48      //  Arguments of one imqctl run

//  A growing capture buffer
typedef struct {
    char *data;                     //  Bytes read, NUL-ended, owned
    size_t size;                    //  Bytes used
    size_t capacity;                //  Bytes allocated
} s_buffer_t;

//  Reads what is available from fd into buffer. Returns false at end
//  of file (or on an error), true while the pipe stays open.
static bool
s_drain (int fd, s_buffer_t *buffer)
{
    if (buffer->capacity - buffer->size < 4096) {
        size_t capacity = buffer->capacity * 2 + 8192;
        char *data = (char *) realloc (buffer->data, capacity);
        if (!data)
            return false;
        buffer->data = data;
        buffer->capacity = capacity;
        buffer->data [buffer->size] = 0;    //  Text even if nothing comes
    }
    ssize_t got = read (fd, buffer->data + buffer->size,
                        buffer->capacity - buffer->size - 1);
    if (got < 0 && errno == EINTR)
        return true;
    if (got <= 0)
        return false;
    buffer->size += (size_t) got;
    buffer->data [buffer->size] = 0;
    return true;
}

//  Makes a pipe whose ends are not inherited by later children (the
//  child's copies are made by dup2, which clears the flag)
static int
s_pipe (int fds [2])
{
    if (pipe (fds))
        return -1;
    fcntl (fds [0], F_SETFD, FD_CLOEXEC);
    fcntl (fds [1], F_SETFD, FD_CLOEXEC);
    return 0;
}

//  Returns a buffer's text, owned by the caller, "" when nothing came
static char *
s_take (s_buffer_t *buffer)
{
    char *text = buffer->data ? buffer->data : strdup ("");
    buffer->data = NULL;
    return text;
}

int
imh_run (const char *const *argv, int deadline_ms, imh_run_t *result)
{
    assert (argv && argv [0] && result);
    memset (result, 0, sizeof *result);
    result->status = -1;
    int out [2], err [2];
    if (s_pipe (out))
        return -1;
    if (s_pipe (err)) {
        close (out [0]);
        close (out [1]);
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2 (&actions, out [1], 1);
    posix_spawn_file_actions_adddup2 (&actions, err [1], 2);
    pid_t pid = 0;
    int rc = posix_spawn (&pid, argv [0], &actions, NULL,
                          (char *const *) argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    close (out [1]);
    close (err [1]);
    if (rc) {
        fprintf (stderr, "im_harness: cannot run %s: %s\n", argv [0],
                 strerror (rc));
        close (out [0]);
        close (err [0]);
        return -1;
    }
    s_buffer_t buffers [2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    struct pollfd fds [2] = { { out [0], POLLIN, 0 }, { err [0], POLLIN, 0 } };
    uint64_t deadline = im_mono_ms () + (uint64_t) deadline_ms;
    bool killed = false;
    while (fds [0].fd >= 0 || fds [1].fd >= 0) {
        uint64_t now = im_mono_ms ();
        if (now >= deadline) {
            fprintf (stderr, "im_harness: %s ran over %d ms, killed\n",
                     argv [0], deadline_ms);
            kill (pid, SIGKILL);
            killed = true;
            break;
        }
        if (poll (fds, 2, (int) (deadline - now)) < 0 && errno != EINTR)
            break;
        for (size_t index = 0; index < 2; index++)
            if (fds [index].fd >= 0 && fds [index].revents
            &&  !s_drain (fds [index].fd, &buffers [index])) {
                close (fds [index].fd);
                fds [index].fd = -1;
            }
    }
    for (size_t index = 0; index < 2; index++)
        if (fds [index].fd >= 0)
            close (fds [index].fd);
    int status = 0;
    while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
        ;
    if (!killed && WIFEXITED (status))
        result->status = WEXITSTATUS (status);
    result->out = s_take (&buffers [0]);
    result->err = s_take (&buffers [1]);
    return 0;
}

void
imh_run_clear (imh_run_t *result)
{
    assert (result);
    free (result->out);
    free (result->err);
    result->out = NULL;
    result->err = NULL;
}

//  Runs imqctl with the harness's endpoint, json when asked, then the
//  arguments of list
static int
s_ctl (imh_t *self, bool json, va_list list, imh_run_t *result)
{
    const char *argv [IMH_CTL_ARGS_MAX + 1];
    size_t argc = 0;
    argv [argc++] = IMH_IMQCTL_PATH;
    argv [argc++] = "-e";
    argv [argc++] = self->client_endpoint;
    if (json)
        argv [argc++] = "--json";
    const char *arg = va_arg (list, const char *);
    char cert [IMH_PATH_MAX + 80];
    while (arg && argc < IMH_CTL_ARGS_MAX) {
        if (streq (arg, "--as")) {
            //  --as NAME: talk as principal NAME (its certificate, made
            //  without roles on first use)
            const char *name = va_arg (list, const char *);
            if (!name || imh_cert (self, name, "", cert, sizeof cert))
                return -1;
            argv [argc++] = "--cert";
            argv [argc++] = cert;
        }
        else
            argv [argc++] = arg;
        arg = va_arg (list, const char *);
    }
    argv [argc] = NULL;
    assert (!arg);                  //  Too many arguments: a test bug
    if (imh_run (argv, IMH_CTL_MS, result))
        return -1;
    return result->status;
}

const char *
imh_ctl_path (void)
{
    return IMH_IMQCTL_PATH;
}

int
imh_ctl (imh_t *self, imh_run_t *result, ...)
{
    assert (self);
    imh_run_t local;
    va_list list;
    va_start (list, result);
    int status = s_ctl (self, false, list, result ? result : &local);
    va_end (list);
    if (!result)
        imh_run_clear (&local);
    return status;
}

json_t *
imh_ctl_json (imh_t *self, ...)
{
    assert (self);
    imh_run_t run;
    va_list list;
    va_start (list, self);
    int status = s_ctl (self, true, list, &run);
    va_end (list);
    if (status < 0 && !run.out)
        return NULL;
    json_error_t error;
    json_t *json = status == 0
                 ? json_loads (run.out, JSON_REJECT_DUPLICATES, &error)
                 : NULL;
    if (!json)
        fprintf (stderr, "im_harness: imqctl exited %d; stdout:\n%s\n"
                 "stderr:\n%s\n", status, run.out, run.err);
    imh_run_clear (&run);
    return json;
}

int64_t
imh_json_int (const json_t *object, const char *key)
{
    json_t *value = json_object_get (object, key);
    return json_is_integer (value) ? (int64_t) json_integer_value (value)
                                   : -1;
}

const char *
imh_json_str (const json_t *object, const char *key)
{
    json_t *value = json_object_get (object, key);
    return json_is_string (value) ? json_string_value (value) : "";
}

//  True when a payload's member key reads as value (integers in decimal)
static bool
s_payload_is (const json_t *payload, const char *key, const char *value)
{
    json_t *member = json_object_get (payload, key);
    if (json_is_string (member))
        return streq (json_string_value (member), value);
    if (json_is_integer (member)) {
        char text [32];
        snprintf (text, sizeof text, "%" JSON_INTEGER_FORMAT,
                  json_integer_value (member));
        return streq (text, value);
    }
    return false;
}

int
imh_json_events (const json_t *timeline, const char *type, const char *key,
                 const char *value, json_t **first_p)
{
    assert (type);
    json_t *events = json_object_get (timeline, "events");
    int count = 0;
    if (first_p)
        *first_p = NULL;
    size_t index;
    json_t *event;
    json_array_foreach (events, index, event) {
        if (!streq (imh_json_str (event, "type"), type))
            continue;
        if (key && !s_payload_is (json_object_get (event, "payload"), key,
                                  value))
            continue;
        if (first_p && !*first_p)
            *first_p = event;
        count++;
    }
    return count;
}

bool
imh_json_has_id (const json_t *array, int64_t id)
{
    size_t index;
    json_t *item;
    json_array_foreach (array, index, item)
        if (imh_json_int (item, "id") == id)
            return true;
    return false;
}
