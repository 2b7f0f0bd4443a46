/*  imb_http_pool - the threads that answer HTTP requests

    Answering a request means asking the broker and waiting for it (up
    to 10 s while a notification of many alerts goes through its queue),
    so each request in progress needs a thread; a connection that only
    waits for its client's octets does not, and costs the I/O thread a
    file descriptor and a few hundred bytes. The pool starts threads as
    the jobs out need them, up to its maximum, and keeps them until the
    server stops. Jobs go to the threads through a pipe of pointers that
    the idle threads read (each pointer written whole, so each is read
    by exactly one), and come back through the I/O thread's pipe.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <unistd.h>

struct _imb_http_pool_t {
    imb_http_t *http;               //  The server the routes answer for
    size_t threads_max;             //  Most threads
    int jobs [2];                   //  Pipe of job pointers, owned
    int done;                       //  Where answered jobs go (borrowed)
    pthread_t *threads;             //  Started so far, owned array
    size_t threads_n;               //  How many
    size_t out;                     //  Jobs given and not yet back
                                    //  (the I/O thread's count)
    atomic_bool stopping;           //  Stop routing: the server stops
};

//  Writes the pointer job to fd, whole
static int
s_send (int fd, imb_http_job_t *job)
{
    ssize_t sent;
    do
        sent = write (fd, &job, sizeof job);
    while (sent == -1 && errno == EINTR);
    return sent == (ssize_t) sizeof job ? 0 : -1;
}

//  Answers one job: what the routes say for its request
static void
s_answer (imb_http_t *http, imb_http_job_t *job)
{
    imb_http_request_t request = {
        http, job->message, imb_http_message_method (job->message),
        imb_http_message_path (job->message),
        imb_http_message_body (job->message),
        imb_http_message_size (job->message), &job->answer, ""
    };
    imb_http_route (&request);
}

static void *
s_thread (void *arg)
{
    imb_http_pool_t *self = (imb_http_pool_t *) arg;
    im_thread_name ("imq-http-pool");
    while (true) {
        imb_http_job_t *job = NULL;
        ssize_t got = read (self->jobs [0], &job, sizeof job);
        if (got == -1 && errno == EINTR)
            continue;
        if (got != (ssize_t) sizeof job)
            break;                  //  The pipe is closed: stop
        if (atomic_load (&self->stopping))
            imb_http_answer_refusal (&job->answer, IM_PROTO_UNAVAILABLE,
                                     "the node is "
                                     "stopping");
        else
            s_answer (self->http, job);
        //  The pipe holds every job out (the pool's maximum, a few
        //  thousand pointers at most): this write does not wait
        if (s_send (self->done, job))
            zsys_error ("http: cannot hand an answer back: %s",
                        strerror (errno));
    }
    return NULL;
}

imb_http_pool_t *
imb_http_pool_new (imb_http_t *http, size_t threads_max, int done)
{
    assert (http && threads_max);
    imb_http_pool_t *self = (imb_http_pool_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->http = http;
    self->threads_max = threads_max;
    self->done = done;
    self->jobs [0] = self->jobs [1] = -1;
    atomic_init (&self->stopping, false);
    self->threads = (pthread_t *) calloc (threads_max, sizeof (pthread_t));
    if (!self->threads || imb_http_pipe (self->jobs)) {
        imb_http_pool_destroy (&self);
        return NULL;
    }
    return self;
}

void
imb_http_pool_destroy (imb_http_pool_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_pool_t *self = *self_p;
        atomic_store (&self->stopping, true);
        if (self->jobs [1] != -1)
            close (self->jobs [1]);     //  The threads read to the end
        for (size_t index = 0; index < self->threads_n; index++)
            pthread_join (self->threads [index], NULL);
        if (self->jobs [0] != -1)
            close (self->jobs [0]);
        free (self->threads);
        free (self);
        *self_p = NULL;
    }
}

int
imb_http_pipe (int fds [2])
{
    if (pipe (fds))
        return -1;
    if (fcntl (fds [0], F_SETFD, FD_CLOEXEC) == 0
    &&  fcntl (fds [1], F_SETFD, FD_CLOEXEC) == 0)
        return 0;
    close (fds [0]);
    close (fds [1]);
    fds [0] = fds [1] = -1;
    return -1;
}

int
imb_http_pool_submit (imb_http_pool_t *self, imb_http_job_t *job)
{
    assert (self && job);
    //  Each job out has a thread: one more is started when all those
    //  there are are busy (the I/O thread gives at most threads_max
    //  jobs at once, so this never passes the maximum)
    if (self->out >= self->threads_n && self->threads_n < self->threads_max) {
        if (pthread_create (&self->threads [self->threads_n], NULL,
                            s_thread, self) == 0)
            self->threads_n++;
        else
        if (!self->threads_n)
            return -1;
    }
    if (s_send (self->jobs [1], job))
        return -1;
    self->out++;
    return 0;
}

void
imb_http_pool_back (imb_http_pool_t *self)
{
    assert (self && self->out > 0);
    self->out--;
}
