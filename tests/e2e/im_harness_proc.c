/*  im_harness_proc - the long-running children: broker and workers

    Children are started with posix_spawn, their stdout and stderr
    appended to one log file each, and are always reaped by pid. A slot
    remembers how its child was started, so a test can kill it and
    start it again on the same data with the same log.
*/
#include "im_harness_private.h"

//  Spawns the child of slot with its log file as stdout and stderr
static int
s_spawn (imh_t *self, int slot)
{
    imh_proc_t *proc = &self->procs [slot];
    const char *argv [IMH_ARGS_MAX + 1];
    for (size_t index = 0; index < proc->args_n; index++)
        argv [index] = proc->args [index];
    argv [proc->args_n] = NULL;
    proc->pid = imh_spawn (argv, proc->log_path, false, false);
    if (proc->pid < 0) {
        fprintf (stderr, "im_harness: cannot start %s: %s\n", argv [0],
                 strerror (errno));
        proc->pid = 0;
        return -1;
    }
    return 0;
}

//  Appends one argument to the slot's argument list
static void
s_arg (imh_proc_t *proc, const char *arg)
{
    assert (proc->args_n < IMH_ARGS_MAX);
    proc->args [proc->args_n] = strdup (arg);
    assert (proc->args [proc->args_n]);
    proc->args_n++;
}

//  Takes the next slot for a child named name, its log <dir>/name.log;
//  returns it, or NULL when every slot is taken
static imh_proc_t *
s_proc_new (imh_t *self, const char *name)
{
    if (self->procs_n == IMH_PROCS_MAX)
        return NULL;
    imh_proc_t *proc = &self->procs [self->procs_n++];
    im_strlcpy (proc->name, name, sizeof proc->name);
    //  Built aside: the directory and the path both live in self, which
    //  gcc's -Wrestrict cannot tell apart
    char path [sizeof proc->log_path];
    snprintf (path, sizeof path, "%s/%s.log", self->dir, name);
    memcpy (proc->log_path, path, sizeof path);
    return proc;
}

int
imh_start_command (imh_t *self, const char *name, const char *const *argv)
{
    assert (self && name && argv && argv [0]);
    imh_proc_t *proc = s_proc_new (self, name);
    if (!proc)
        return -1;
    for (size_t index = 0; argv [index]; index++)
        s_arg (proc, argv [index]);
    int slot = (int) (proc - self->procs);
    return s_spawn (self, slot) ? -1 : slot;
}

int
imh_start (imh_t *self, imh_program_t program, const char *name,
           const char *const *extra)
{
    assert (self && name && program < IMH_PROGRAMS);
    imh_proc_t *proc = s_proc_new (self, name);
    if (!proc)
        return -1;
    int slot = (int) (proc - self->procs);
    s_arg (proc, imh_program_path (program));
    s_arg (proc, "-c");
    s_arg (proc, self->config_path);
    if (program != IMH_BROKER) {
        s_arg (proc, "--instance");
        s_arg (proc, name);
    }
    for (size_t index = 0; extra && extra [index]; index++)
        s_arg (proc, extra [index]);
    return s_spawn (self, slot) ? -1 : slot;
}

//  True when the broker of the harness answers STATUS as leader
static bool
s_broker_ready (void *arg)
{
    imh_t *self = (imh_t *) arg;
    if (!imh_running (self, self->broker))
        return true;                //  Dead: stop waiting, say why below
    im_reply_t *reply = imh_call (self, "STATUS", NULL, false);
    bool ready = reply && reply->status == 200 && reply->body
              && streq (im_fields_str_or (reply->body, "raft_state", ""),
                        "leader");
    im_reply_destroy (&reply);
    return ready;
}

int
imh_start_broker (imh_t *self)
{
    assert (self);
    int slot = imh_start (self, IMH_BROKER, "broker", NULL);
    if (slot < 0)
        return -1;
    self->broker = slot;
    if (!imh_wait_for (s_broker_ready, self, IMH_READY_MS)
    ||  !imh_running (self, slot)) {
        fprintf (stderr, "im_harness: the broker did not come up\n");
        return -1;
    }
    return slot;
}

int
imh_start_workers (imh_t *self, int *slots, const char *const *extra)
{
    assert (self);
    static const imh_program_t programs [3] = {
        IMH_CLASSIFIER, IMH_SLA_TIMER, IMH_NOTIFIER
    };
    static const char *names [3] = { "classifier-1", "sla-1", "notifier-1" };
    static const char *groups [3] = { "classifier", "sla", "notifier" };
    for (size_t index = 0; index < 3; index++) {
        int slot = imh_start (self, programs [index], names [index], extra);
        if (slot < 0)
            return -1;
        if (slots)
            slots [index] = slot;
    }
    for (size_t index = 0; index < 3; index++)
        if (!imh_wait_instances (self, groups [index], 1, IMH_READY_MS)) {
            fprintf (stderr, "im_harness: no %s joined\n", groups [index]);
            return -1;
        }
    return 0;
}

imh_t *
imh_new_node (const char *name, const imh_options_t *options, bool workers,
              const char *const *extra)
{
    imh_t *self = imh_new (name, options);
    if (self
    &&  (imh_start_broker (self) < 0
         || (workers && imh_start_workers (self, NULL, extra))))
        imh_destroy (&self);
    return self;
}

int
imh_slot (imh_t *self, const char *name)
{
    assert (self && name);
    for (int slot = 0; slot < self->procs_n; slot++)
        if (streq (self->procs [slot].name, name))
            return slot;
    return -1;
}

int
imh_restart (imh_t *self, int slot)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    if (imh_running (self, slot))
        return -1;
    self->procs [slot].signal = 0;
    if (s_spawn (self, slot))
        return -1;
    if (slot == self->broker
    &&  (!imh_wait_for (s_broker_ready, self, IMH_READY_MS)
         || !imh_running (self, slot)))
        return -1;
    return 0;
}

int
imh_end_signal (imh_t *self, int slot)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    imh_running (self, slot);       //  Reaps it if it ended
    return self->procs [slot].pid ? 0 : self->procs [slot].signal;
}

int
imh_kill (imh_t *self, int slot)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    imh_proc_t *proc = &self->procs [slot];
    if (proc->pid <= 0)
        return 0;
    int rc = kill (proc->pid, SIGKILL);
    int status = 0;
    while (waitpid (proc->pid, &status, 0) == -1 && errno == EINTR)
        ;
    //  A child that had ended by itself before keeps its signal
    proc->signal = WIFSIGNALED (status) && WTERMSIG (status) != SIGKILL
                 ? WTERMSIG (status) : 0;
    proc->pid = 0;
    return rc;
}

void
imh_kill_all (imh_t *self)
{
    assert (self);
    for (int slot = 0; slot < self->procs_n; slot++)
        imh_kill (self, slot);
}

//  True when the child of arg (an imh_proc_t) has exited; reaps it
static bool
s_exited (void *arg)
{
    imh_proc_t *proc = (imh_proc_t *) arg;
    int status = 0;
    if (waitpid (proc->pid, &status, WNOHANG) != proc->pid)
        return false;
    proc->status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    proc->signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0;
    proc->pid = 0;
    return true;
}

int
imh_stop (imh_t *self, int slot, int deadline_ms)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    imh_proc_t *proc = &self->procs [slot];
    if (proc->pid <= 0)
        return -1;
    kill (proc->pid, SIGTERM);
    if (imh_wait_for (s_exited, proc, deadline_ms))
        return proc->status;
    fprintf (stderr, "im_harness: %s ignored SIGTERM for %d ms\n",
             proc->name, deadline_ms);
    imh_kill (self, slot);
    return -1;
}

int
imh_wait_exit (imh_t *self, int slot, int deadline_ms)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    imh_proc_t *proc = &self->procs [slot];
    if (proc->pid > 0 && !imh_wait_for (s_exited, proc, deadline_ms))
        return -2;
    return proc->status;
}

bool
imh_running (imh_t *self, int slot)
{
    assert (self);
    if (slot < 0 || slot >= self->procs_n)
        return false;
    imh_proc_t *proc = &self->procs [slot];
    return proc->pid > 0 && !s_exited (proc);
}

void
imh_print_log (imh_t *self, int slot)
{
    assert (self && slot >= 0 && slot < self->procs_n);
    imh_proc_t *proc = &self->procs [slot];
    char *text = imh_read_file (proc->log_path);
    //  A verbose worker logs every delivery: its end says the most
    size_t length = text ? strlen (text) : 0;
    const char *tail = text && length > IMH_LOG_TAIL
                     ? text + length - IMH_LOG_TAIL : text;
    fprintf (stderr, "----- %s (%s)%s -----\n%s----- end of %s -----\n",
             proc->name, proc->log_path, tail != text ? ", its end" : "",
             tail ? tail : "(no log)\n", proc->name);
    free (text);
}

const char *
imh_program_path (imh_program_t program)
{
    switch (program) {
        case IMH_BROKER:     return IMH_BROKER_PATH;
        case IMH_CLASSIFIER: return IMH_CLASSIFIER_PATH;
        case IMH_SLA_TIMER:  return IMH_SLA_TIMER_PATH;
        case IMH_NOTIFIER:   return IMH_NOTIFIER_PATH;
        default:             return "";
    }
}

long
imh_log_size (imh_t *self, const char *name)
{
    assert (self && name);
    char path [IMH_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.log", self->dir, name);
    struct stat info;
    return stat (path, &info) == 0 ? (long) info.st_size : -1;
}

int
imh_log_lines (imh_t *self, const char *name, const char *needle)
{
    assert (self && name && needle);
    char path [IMH_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.log", self->dir, name);
    char *text = imh_read_file (path);
    int count = imh_count_lines (text, needle, NULL);
    free (text);
    return count;
}

bool
imh_logs_clean (imh_t *self)
{
    assert (self);
    static const char *reports [] = {
        "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"
    };
    bool clean = true;
    for (int slot = 0; slot < self->procs_n; slot++) {
        char *text = imh_read_file (self->procs [slot].log_path);
        bool found = false;
        for (size_t index = 0; text && index < 3 && !found; index++)
            found = strstr (text, reports [index]) != NULL;
        free (text);
        if (found) {
            fprintf (stderr, "im_harness: %s has a sanitizer report\n",
                     self->procs [slot].name);
            imh_print_log (self, slot);
            clean = false;
        }
    }
    return clean;
}
