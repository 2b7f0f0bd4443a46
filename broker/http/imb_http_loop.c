/*  imb_http_loop - the HTTP server's I/O thread: connections and limits

    One thread owns the listening socket and every connection, in one
    epoll set, so that a connection that sends nothing costs a file
    descriptor and no thread, and a flood of them cannot take the
    threads that answer. It enforces the limits of docs/http.md section
    5, each refusal answered in JSON naming its limit: connections from
    one client address (http.connections_per_client, 429 at accept),
    connections in all (http.connections_max, 503 at accept), the
    deadlines of a head and a body (http.header_timeout and
    http.body_timeout, 408), the octets of bodies being received (503),
    and requests being answered at once (http.inflight_max, 429 once
    the request is complete, so that a slow client holds no slot).
    /healthz without a body is answered here at once, and /readyz by a
    pool of its own: neither waits behind requests that wait for the
    broker. Requests go to the pools and come back through a pipe of
    pointers; nothing is shared but what travels in them. Which
    connection does what is in imb_http_loop_client.c.
*/
#include "imb_classes.h"
#include "imb_http_private.h"
#include "imb_http_loop_private.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_TICK_MS       100         //  Deadlines are checked this often
#define S_PAUSE_MS      100         //  Accepting waits, out of descriptors
#define S_ACCEPT_MAX    64          //  Connections accepted at one wake
#define S_EVENTS        64          //  epoll events at one wake

//  Starts serving a connection just accepted, or refuses it
static void
s_admit (imb_http_loop_t *self, int fd, const char *address)
{
    imb_http_client_t *client =
        (imb_http_client_t *) calloc (1, sizeof *client);
    uint64_t now = im_mono_ms ();
    if (client)
        client->conn = imb_http_conn_new (fd, address, &self->limits, now);
    else
        close (fd);
    if (!client || !client->conn) {
        free (client);
        return;
    }
    char text [160] = "";
    unsigned status = imb_http_gate_enter (self->gate, address, text,
                                           sizeof text);
    client->counted = !status;
    client->handle = zlistx_add_end (self->clients, client);
    client->events = EPOLLIN;
    struct epoll_event event = { EPOLLIN, { .ptr = client } };
    epoll_ctl (self->epoll, EPOLL_CTL_ADD, fd, &event);
    if (status) {
        imb_http_loop_refuse (self, client, status, text, true);
        imb_http_loop_serve (self, client);
        //  Past the budget of connections closing, no lingering
        if (!imb_http_gate_may_linger (self->gate))
            imb_http_loop_close (self, client);
    }
}

//  Accepts what connections wait, a few at a time
static void
s_accept (imb_http_loop_t *self)
{
    for (size_t count = 0; count < S_ACCEPT_MAX; count++) {
        struct sockaddr_in peer;
        socklen_t length = sizeof peer;
        int fd = accept (self->listener, (struct sockaddr *) &peer, &length);
        if (fd != -1 && (fcntl (fd, F_SETFL, O_NONBLOCK) == -1
                         || fcntl (fd, F_SETFD, FD_CLOEXEC) == -1)) {
            close (fd);
            continue;
        }
        if (fd == -1 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd == -1 && (errno == EMFILE || errno == ENFILE
                         || errno == ENOBUFS || errno == ENOMEM)) {
            //  Nothing can be answered without a descriptor: wait a
            //  little rather than spin on the listening socket
            uint64_t now = im_mono_ms ();
            if (now - self->warned > 10000 || !self->warned) {
                zsys_warning ("http: cannot accept a connection: %s (%zu "
                              "open)", strerror (errno),
                              imb_http_gate_open (self->gate));
                self->warned = now;
            }
            self->paused_until = now + S_PAUSE_MS;
            struct epoll_event event = { 0, { .ptr = &self->listener } };
            epoll_ctl (self->epoll, EPOLL_CTL_MOD, self->listener, &event);
            return;
        }
        if (fd == -1)
            return;
        int one = 1;
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char address [INET_ADDRSTRLEN] = "?";
        inet_ntop (AF_INET, &peer.sin_addr, address, sizeof address);
        s_admit (self, fd, address);
    }
}

//  Takes the answered jobs back and answers their connections
static void
s_collect (imb_http_loop_t *self)
{
    imb_http_job_t *jobs [64];
    ssize_t got;
    while ((got = read (self->done [0], jobs, sizeof jobs)) > 0) {
        for (size_t index = 0; index < (size_t) got / sizeof jobs [0];
             index++) {
            imb_http_job_t *job = jobs [index];
            imb_http_client_t *client = (imb_http_client_t *) job->origin;
            imb_http_pool_back (client->slot == IMB_HTTP_SLOT_PROBE
                                ? self->probes : self->requests);
            client->working = false;
            if (client->dead)
                imb_http_loop_release (self, client);   //  Closed meanwhile
            else {
                imb_http_loop_answer (self, client, &job->answer, false);
                imb_http_loop_serve (self, client);
            }
            imb_http_answer_clear (&job->answer);
            imb_http_message_destroy (&job->message);
            free (job);
        }
    }
}

//  Answers or closes the connections whose deadline has passed
static void
s_sweep (imb_http_loop_t *self)
{
    uint64_t now = im_mono_ms ();
    char text [160];
    imb_http_client_t *client =
        (imb_http_client_t *) zlistx_first (self->clients);
    while (client) {
        imb_http_conn_event_t event = client->dead
            ? IMB_HTTP_CONN_NONE : imb_http_conn_expire (client->conn, now);
        bool head = event == IMB_HTTP_CONN_HEAD_LATE;
        if (head || event == IMB_HTTP_CONN_BODY_LATE) {
            uint32_t ms = head ? self->limits.header_ms
                               : self->limits.body_ms;
            snprintf (text, sizeof text, "the request %s did not arrive "
                      "within %" PRIu32 " ms (http.%s_timeout)",
                      head ? "head" : "body", ms, head ? "header" : "body");
            imb_http_loop_refuse (self, client, IMB_HTTP_TIMEOUT, text, true);
            imb_http_loop_serve (self, client);
        }
        else
        if (event == IMB_HTTP_CONN_GONE)
            imb_http_loop_close (self, client);
        client = (imb_http_client_t *) zlistx_next (self->clients);
    }
}

//  Handles what epoll said of one connection
static void
s_on_client (imb_http_loop_t *self, imb_http_client_t *client,
             uint32_t events)
{
    if (client->dead)
        return;
    //  While its answer is made, a connection waits for no event: what
    //  comes is the client leaving
    if (imb_http_conn_state (client->conn) == IMB_HTTP_CONN_WORK
    &&  (events & (EPOLLERR | EPOLLHUP)))
        imb_http_loop_close (self, client);
    else
        imb_http_loop_serve (self, client);
}

static void *
s_run (void *arg)
{
    imb_http_loop_t *self = (imb_http_loop_t *) arg;
    im_thread_name ("imq-http");
    struct epoll_event events [S_EVENTS];
    uint64_t swept = im_mono_ms ();
    bool running = true;
    while (running) {
        int timeout = zlistx_size (self->again) ? 0 : S_TICK_MS;
        int count = epoll_wait (self->epoll, events, S_EVENTS, timeout);
        //  Those served again first: what they hold was read before
        for (size_t left = zlistx_size (self->again); left; left--) {
            imb_http_client_t *client =
                (imb_http_client_t *) zlistx_detach (self->again, NULL);
            client->again = NULL;
            imb_http_loop_serve (self, client);
        }
        for (int index = 0; index < count; index++) {
            void *origin = events [index].data.ptr;
            if (origin == &self->wake)
                running = false;
            else
            if (origin == &self->listener)
                s_accept (self);
            else
            if (origin == &self->done)
                s_collect (self);
            else
                s_on_client (self, (imb_http_client_t *) origin,
                             events [index].events);
        }
        uint64_t now = im_mono_ms ();
        if (now - swept >= S_TICK_MS) {
            s_sweep (self);
            swept = now;
        }
        if (self->paused_until && now >= self->paused_until) {
            self->paused_until = 0;
            struct epoll_event event = { EPOLLIN, { .ptr = &self->listener } };
            epoll_ctl (self->epoll, EPOLL_CTL_MOD, self->listener, &event);
        }
        imb_http_loop_bury (self);
    }
    return NULL;
}

//  Adds fd to the epoll set, reporting readiness with origin
static int
s_add (imb_http_loop_t *self, int fd, void *origin)
{
    struct epoll_event event = { EPOLLIN, { .ptr = origin } };
    return epoll_ctl (self->epoll, EPOLL_CTL_ADD, fd, &event);
}

imb_http_loop_t *
imb_http_loop_new (imb_http_t *http, int listener,
                   const imb_http_limits_t *limits, char *errbuf,
                   size_t errlen)
{
    assert (http && limits);
    imb_http_loop_t *self = (imb_http_loop_t *) calloc (1, sizeof *self);
    if (!self) {
        close (listener);
        snprintf (errbuf, errlen, "out of memory");
        return NULL;
    }
    self->http = http;
    self->limits = *limits;
    self->listener = listener;
    self->wake [0] = self->wake [1] = self->done [0] = self->done [1] = -1;
    self->epoll = epoll_create1 (EPOLL_CLOEXEC);
    self->clients = zlistx_new ();
    self->again = zlistx_new ();
    self->gate = imb_http_gate_new (limits);
    if (self->epoll == -1 || imb_http_pipe (self->wake)
    ||  imb_http_pipe (self->done)
    ||  fcntl (self->done [0], F_SETFL, O_NONBLOCK) == -1
    ||  !self->clients || !self->again || !self->gate
    ||  s_add (self, self->listener, &self->listener)
    ||  s_add (self, self->wake [0], &self->wake)
    ||  s_add (self, self->done [0], &self->done)) {
        snprintf (errbuf, errlen, "cannot start the HTTP server: %s",
                  strerror (errno));
        imb_http_loop_destroy (&self);
        return NULL;
    }
    self->requests = imb_http_pool_new (http, limits->inflight_max,
                                        self->done [1]);
    self->probes = imb_http_pool_new (http, IMB_HTTP_PROBES_MAX,
                                      self->done [1]);
    if (!self->requests || !self->probes
    ||  pthread_create (&self->thread, NULL, s_run, self)) {
        snprintf (errbuf, errlen, "cannot start the HTTP threads: %s",
                  strerror (errno));
        imb_http_loop_destroy (&self);
        return NULL;
    }
    self->started = true;
    return self;
}

void
imb_http_loop_destroy (imb_http_loop_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imb_http_loop_t *self = *self_p;
        if (self->started) {
            char stop = 1;
            if (write (self->wake [1], &stop, 1) != 1)
                zsys_error ("http: cannot stop the I/O thread");
            pthread_join (self->thread, NULL);
        }
        //  The pools hand back every job out, answered or not; the
        //  pipe holds them all (a few thousand pointers at most)
        imb_http_pool_destroy (&self->requests);
        imb_http_pool_destroy (&self->probes);
        imb_http_job_t *job;
        while (self->done [0] != -1
           &&  read (self->done [0], &job, sizeof job) == sizeof job) {
            imb_http_answer_clear (&job->answer);
            imb_http_message_destroy (&job->message);
            free (job);
        }
        imb_http_client_t *client;
        while (self->clients
           &&  (client = (imb_http_client_t *)
                         zlistx_detach (self->clients, NULL))) {
            imb_http_conn_destroy (&client->conn);
            free (client);
        }
        zlistx_destroy (&self->clients);
        zlistx_destroy (&self->again);
        imb_http_gate_destroy (&self->gate);
        int fds [] = { self->listener, self->epoll, self->wake [0],
                       self->wake [1], self->done [0], self->done [1] };
        for (size_t index = 0; index < sizeof fds / sizeof fds [0]; index++)
            if (fds [index] != -1)
                close (fds [index]);
        free (self);
        *self_p = NULL;
    }
}
