/*  test_imb_raft_tcp - libraft's connections made through the wrapper:
    bounded, and every outcome handed to libraft's callback with its own
    request

    Real libuv loop, libraft's real TCP transports on 127.0.0.1: one
    listens as a peer would, the other connects through the wrapper. A
    peer behind a cut link is a listening socket whose accept queue is
    full: the kernel drops the SYNs that come to it.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imb_raft_tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#ifndef TCP_RTO_MAX_MS
#   define TCP_RTO_MAX_MS 44
#endif

#define RTO_MAX_MS  1000
#define CONNECT_MS  300
#define WAIT_MS     5000

typedef struct {
    struct raft_uv_transport client;    //  Connects, wrapped; first
    struct raft_uv_transport server;    //  Listens, plain
    imb_raft_tcp_t *tcp;
    uv_loop_t loop;
    struct raft_uv_connect req;     //  libraft's request
    int called;                     //  libraft's callback calls
    struct raft_uv_connect *got_req;    //  The request it got
    int status;                     //  Their status
    int rto_max_ms;                 //  Read back from the socket, or -1
    int accepted;                   //  Connections the server took
    int closed;                     //  Transports closed
    char address [64];              //  The server's
} fixture_t;

//  A port on 127.0.0.1 free now (the kernel's pick for port 0), or 0
static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET };
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (fd >= 0
    &&  bind (fd, (struct sockaddr *) &address, sizeof address) == 0
    &&  getsockname (fd, (struct sockaddr *) &address, &length) == 0)
        port = ntohs (address.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

static int
s_connect (struct raft_uv_transport *transport, struct raft_uv_connect *req,
           raft_id id, const char *address, raft_uv_connect_cb cb)
{
    fixture_t *fixture = (fixture_t *) transport;
    return imb_raft_tcp_connect (fixture->tcp, transport, req, id, address,
                                 cb);
}

static void
s_connected (struct raft_uv_connect *req, struct uv_stream_s *stream,
             int status)
{
    fixture_t *fixture = (fixture_t *) req->data;
    fixture->called++;
    fixture->got_req = req;
    fixture->status = status;
    fixture->rto_max_ms = -1;
    if (stream) {
        uv_os_fd_t fd;
        int value = 0;
        socklen_t size = sizeof value;
        if (uv_fileno ((uv_handle_t *) stream, &fd) == 0
        &&  getsockopt (fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &value, &size) == 0)
            fixture->rto_max_ms = value;
        uv_close ((uv_handle_t *) stream, (uv_close_cb) raft_free);
    }
}

static void
s_accepted (struct raft_uv_transport *transport, raft_id id,
            const char *address, struct uv_stream_s *stream)
{
    (void) id;
    (void) address;
    fixture_t *fixture = (fixture_t *) transport->data;
    fixture->accepted++;
    uv_close ((uv_handle_t *) stream, (uv_close_cb) raft_free);
}

static void
s_transport_closed (struct raft_uv_transport *transport)
{
    fixture_t *fixture = (fixture_t *) transport->data;
    fixture->closed++;
}

//  Runs the loop until *counter reaches value or WAIT_MS passed
static void
s_run_until (fixture_t *fixture, int *counter, int value)
{
    uint64_t deadline = im_mono_ms () + WAIT_MS;
    while (*counter < value && im_mono_ms () < deadline)
        uv_run (&fixture->loop, UV_RUN_ONCE);
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    assert_int_equal (uv_loop_init (&fixture->loop), 0);
    assert_int_equal (raft_uv_tcp_init (&fixture->client, &fixture->loop), 0);
    assert_int_equal (raft_uv_tcp_init (&fixture->server, &fixture->loop), 0);
    fixture->client.data = fixture;
    fixture->server.data = fixture;
    int port = s_free_port ();
    assert_true (port > 0);
    snprintf (fixture->address, sizeof fixture->address, "127.0.0.1:%d",
              port);
    assert_int_equal (fixture->server.init (&fixture->server, 2,
                                            fixture->address), 0);
    assert_int_equal (fixture->server.listen (&fixture->server,
                                              s_accepted), 0);
    assert_int_equal (fixture->client.init (&fixture->client, 1,
                                            "127.0.0.1:1"), 0);
    fixture->tcp = imb_raft_tcp_new (&fixture->client, &fixture->loop,
                                     RTO_MAX_MS, CONNECT_MS);
    assert_non_null (fixture->tcp);
    imb_raft_tcp_install (fixture->tcp, s_connect);
    fixture->req.data = fixture;
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fixture->client.close (&fixture->client, s_transport_closed);
    fixture->server.close (&fixture->server, s_transport_closed);
    s_run_until (fixture, &fixture->closed, 2);
    assert_int_equal (fixture->closed, 2);
    uv_run (&fixture->loop, UV_RUN_NOWAIT);
    raft_uv_tcp_close (&fixture->client);
    raft_uv_tcp_close (&fixture->server);
    imb_raft_tcp_destroy (&fixture->tcp);
    assert_null (fixture->tcp);
    assert_int_equal (uv_loop_close (&fixture->loop), 0);
    free (fixture);
    return 0;
}

//  True when this kernel takes TCP_RTO_MAX_MS on a socket
static bool
s_kernel_bounds (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    int value = RTO_MAX_MS;
    bool bounds = fd >= 0
               && setsockopt (fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &value,
                              sizeof value) == 0;
    if (fd >= 0)
        close (fd);
    return bounds;
}

static void
test_connection_is_bounded (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (fixture->client.connect (&fixture->client,
                                               &fixture->req, 2,
                                               fixture->address,
                                               s_connected), 0);
    s_run_until (fixture, &fixture->called, 1);
    assert_int_equal (fixture->called, 1);
    assert_ptr_equal (fixture->got_req, &fixture->req);
    assert_int_equal (fixture->status, 0);
    if (s_kernel_bounds ())
        assert_int_equal (fixture->rto_max_ms, RTO_MAX_MS);
    else
        printf ("this kernel has no TCP_RTO_MAX_MS: the bound was not "
                "checked, only that the connection is handed on\n");
    s_run_until (fixture, &fixture->accepted, 1);
    assert_int_equal (fixture->accepted, 1);
}

static void
test_refused_connection_reaches_libraft (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char address [64];
    snprintf (address, sizeof address, "127.0.0.1:%d", s_free_port ());
    assert_int_equal (fixture->client.connect (&fixture->client,
                                               &fixture->req, 3, address,
                                               s_connected), 0);
    s_run_until (fixture, &fixture->called, 1);
    assert_int_equal (fixture->called, 1);
    assert_ptr_equal (fixture->got_req, &fixture->req);
    assert_int_equal (fixture->status, RAFT_NOCONNECTION);
}

static void
test_bad_address_fails_at_once (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_not_equal (fixture->client.connect (&fixture->client,
                                                   &fixture->req, 3,
                                                   "not an address",
                                                   s_connected), 0);
    uv_run (&fixture->loop, UV_RUN_NOWAIT);
    assert_int_equal (fixture->called, 0);
}

//  Listens on 127.0.0.1 with an accept queue that one connection (made
//  here, *filler) fills; returns the listening socket, its port in *port
static int
s_silent_peer (int *port, int *filler)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET };
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    assert_int_equal (bind (fd, (struct sockaddr *) &address,
                            sizeof address), 0);
    assert_int_equal (listen (fd, 0), 0);
    assert_int_equal (getsockname (fd, (struct sockaddr *) &address,
                                   &length), 0);
    *port = ntohs (address.sin_port);
    *filler = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (*filler >= 0);
    assert_int_equal (connect (*filler, (struct sockaddr *) &address,
                               sizeof address), 0);
    return fd;
}

static void
test_silent_connect_is_given_up (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int port = 0, filler = -1;
    int peer = s_silent_peer (&port, &filler);
    char address [64];
    snprintf (address, sizeof address, "127.0.0.1:%d", port);
    uint64_t started = im_mono_ms ();
    assert_int_equal (fixture->client.connect (&fixture->client,
                                               &fixture->req, 3, address,
                                               s_connected), 0);
    s_run_until (fixture, &fixture->called, 1);
    uint64_t elapsed = im_mono_ms () - started;
    assert_int_equal (fixture->called, 1);
    assert_ptr_equal (fixture->got_req, &fixture->req);
    assert_int_equal (fixture->status, RAFT_NOCONNECTION);
    assert_true (elapsed >= CONNECT_MS - 20);
    //  The attempt given up is still the transport's: closing it at
    //  teardown ends it, and nothing more reaches libraft
    close (filler);
    close (peer);
    uv_run (&fixture->loop, UV_RUN_NOWAIT);
    assert_int_equal (fixture->called, 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_connection_is_bounded,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_refused_connection_reaches_libraft, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_address_fails_at_once,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_silent_connect_is_given_up,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
