/*  im_client_private - what the parts of a client share

    im_client.c sends requests and reads their answers; im_client_link.c
    keeps the socket connected to the right nodes: every node of the
    list, or the leader alone after a redirect, and a new socket after a
    node refused the handshake. Private to the client.
*/
#ifndef IM_CLIENT_PRIVATE_H_INCLUDED
#define IM_CLIENT_PRIVATE_H_INCLUDED

#define IM_CLIENT_RESEND_MS     1000    //  Resend interval of a call
#define IM_CLIENT_RETRY_MS      100     //  Ask again after a 503, a 504
                                        //  or a 421 naming no leader: an
                                        //  election ends about then, and
                                        //  the answer comes at once
#define IM_CLIENT_FAILOVER_MS   1000    //  Async: silence before moving on
#define IM_CLIENT_AGAIN_MS      50      //  Second send after a redirect
#define IM_CLIENT_HWM           10000   //  Messages queued either way
#define IM_CLIENT_NODES_MAX     16      //  Endpoints in a list

struct _im_client_t {
    zsock_t *dealer;                //  Connected to the nodes, owned
    const im_curve_t *curve;        //  CURVE identity, or NULL
    im_curve_t *curve_env;          //  The environment's, owned, or NULL
    bool lent;                      //  The socket was handed out
                                    //  (im_client_sock): never replaced
    zsock_t *monitor;               //  PAIR hearing of the dealer's
                                    //  refused handshakes, owned, or NULL
    unsigned monitors;              //  Monitors started, for endpoints
    char *endpoint;                 //  Endpoint list as given, owned
    char *nodes [IM_CLIENT_NODES_MAX];  //  The list's endpoints, owned
    size_t nodes_n;                 //  How many
    bool connected [IM_CLIENT_NODES_MAX];  //  Which nodes are connected
    char extra [IM_PROTO_ENDPOINT_MAX];  //  A leader not in the list, or ""
    bool spread;                    //  Connected to every node
    char leader [IM_PROTO_ENDPOINT_MAX];  //  Else to this one alone
    uint64_t unanswered_ms;         //  Async: first send since a reply
    int timeout_ms;                 //  Bound on each synchronous call
    bool frames;                    //  A broker refused IMQ02: requests
                                    //  go in IMQ01's four frames
    char errmsg [256];              //  Detail of the last failure
};

//  Connects the dealer to endpoint alone (NULL: to every node of the
//  list). Returns 0, or -1 with the reason in errmsg.
int
    im_client_link_only (im_client_t *self, const char *endpoint);

//  Connects to every node of the list, unless it is already. Returns 0,
//  or -1 with the reason in errmsg.
int
    im_client_link_spread (im_client_t *self);

//  Follows a 421 that names the leader; true when it did (or already
//  talks to that leader alone)
bool
    im_client_link_follow (im_client_t *self, const im_reply_t *reply);

//  Splits the comma-separated list into nodes and connects to each.
//  Returns 0, or -1 with the reason in errmsg.
int
    im_client_link_all (im_client_t *self, const char *list);

//  A DEALER set up as every client's is, not connected
zsock_t *
    im_client_link_dealer_new (void);

//  Starts (stops) hearing of the dealer's refused handshakes
void
    im_client_link_monitor_start (im_client_t *self);
void
    im_client_link_monitor_stop (im_client_t *self);

//  True when a node refused a handshake since the last look
bool
    im_client_link_refused (im_client_t *self);

//  A new socket and new handshakes, after a refusal. Returns 0, or -1
//  with the reason in errmsg.
int
    im_client_link_renew (im_client_t *self);

#endif
