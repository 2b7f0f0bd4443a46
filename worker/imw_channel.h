/*  imw_channel - one way of telling a person: the channels' interface

    Every channel (the file sink, an outbound webhook, a chat incoming
    webhook, email over SMTP) sits behind the same two calls: send a
    notification, say what came of it. The notifier decides who is told
    of what and through which channels; a channel only delivers, and
    reports a failure with its reason rather than hiding it, so that a
    notification is recorded as sent only when a receiver said yes (a
    2xx HTTP status, an SMTP server that took the message, a line on
    disk).

    Every network call has a connect timeout and a whole-call timeout,
    so a receiver that hangs costs the worker a bounded wait.

    A notification carries a delivery id derived from the request id of
    the NOTIFY that records it; it is the webhook-id and the Message-ID
    of every copy, so a copy sent again after a crash can be dropped by
    its receiver.
*/
#ifndef IMW_CHANNEL_H_INCLUDED
#define IMW_CHANNEL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMW_CHANNEL_REASON_MAX  256     //  Bytes of a result's reason
#define IMW_CHANNEL_TARGET_MAX  512     //  Bytes of a result's target
#define IMW_CHANNEL_ID_MAX      64      //  Bytes of a delivery id

//  What to tell, all borrowed from the caller
typedef struct {
    const char *recipient;              //  Who, as events name them
    const char *address;                //  Email address, or ""
    uint64_t incident;                  //  Incident id
    int priority;                       //  1..5, 0 when unknown
    bool request;                       //  A service request
    const char *title;                  //  Incident title, or ""
    const char *reason;                 //  What happened: "assigned"...
    uint64_t about_seq;                 //  Seq of the event told of
    int64_t ts_ms;                      //  When it happened, UTC ms
    const char *request_id;             //  Of the NOTIFY recording it
    const char *delivery_id;            //  Stable id of every copy
    bool high;                          //  High urgency
} imw_notification_t;

//  What came of a send
typedef struct {
    bool delivered;                     //  The receiver took it
    bool retryable;                     //  A later try may succeed
    int status;                         //  HTTP status or SMTP code, or 0
    char reason [IMW_CHANNEL_REASON_MAX];
                                        //  Why not, or the reply line
    char target [IMW_CHANNEL_TARGET_MAX];
                                        //  Where it went (path, URL)
} imw_channel_result_t;

//  A channel's implementation
typedef struct {
    const char *type;                   //  "webhook", "chat"...
    //  Sends notification; fills result. Returns 0 (look at result),
    //  or IM_ENOMEM.
    int (*send_fn) (void *state, const imw_notification_t *notification,
                    imw_channel_result_t *result);
    void (*destroy_fn) (void **state_p);
} imw_channel_ops_t;

typedef struct _imw_channel_t imw_channel_t;

//  Wraps state (ownership taken, nulled) under name and ops. Returns
//  NULL when out of memory, after destroying the state.
imw_channel_t *
    imw_channel_new (const char *name, const imw_channel_ops_t *ops,
                     void **state_p);

void
    imw_channel_destroy (imw_channel_t **self_p);

//  The channel's name and type, borrowed
const char *
    imw_channel_name (const imw_channel_t *self);
const char *
    imw_channel_type (const imw_channel_t *self);

//  Sends notification; result is cleared first. Returns 0 (look at
//  result->delivered), or IM_ENOMEM.
int
    imw_channel_send (imw_channel_t *self,
                      const imw_notification_t *notification,
                      imw_channel_result_t *result);

//  The channels, each in its own file. Each returns NULL with the reason
//  logged when it cannot be made.

//  The file sink (imw_sink) in dir
imw_channel_t *
    imw_channel_file_new (const char *name, const char *dir);

//  An outbound Standard Webhooks 1.0 webhook to url, signed with secret
//  ("whsec_" and base64)
imw_channel_t *
    imw_channel_webhook_new (const char *name, const char *url,
                             const char *secret, uint32_t connect_ms,
                             uint32_t timeout_ms);

//  The JSON body a webhook POSTs for notification (docs/
//  notifications.md); the caller frees it. NULL when out of memory.
char *
    imw_channel_webhook_body (const imw_notification_t *notification);

//  A Slack or Mattermost incoming webhook at url
imw_channel_t *
    imw_channel_chat_new (const char *name, const char *url,
                          uint32_t connect_ms, uint32_t timeout_ms);

//  Email through the SMTP server at url (smtp:// or smtps://) from from
imw_channel_t *
    imw_channel_email_new (const char *name, const char *url,
                           const char *from, uint32_t connect_ms,
                           uint32_t timeout_ms);

//  What every network channel holds (imw_channel_net.c)
typedef struct {
    char *url;                          //  Receiver or SMTP server, owned
    char *extra;                        //  Webhook: the secret; email: the
                                        //  sender; chat: NULL. Owned,
                                        //  wiped before it is freed
    uint32_t connect_ms;                //  Connect timeout
    uint32_t timeout_ms;                //  Whole-call timeout
} imw_channel_net_t;

//  Makes a network channel of ops with an imw_channel_net_t state
//  holding copies of url and extra (may be NULL); ops->destroy_fn must
//  be imw_channel_net_destroy. Returns NULL when out of memory or when
//  libcurl cannot start.
imw_channel_t *
    imw_channel_net_new (const char *name, const imw_channel_ops_t *ops,
                         const char *url, const char *extra,
                         uint32_t connect_ms, uint32_t timeout_ms);

//  Destroys an imw_channel_net_t state (a destroy_fn)
void
    imw_channel_net_destroy (void **state_p);

//  POSTs size bytes of JSON body to url with headers (NULL-terminated
//  "Name: value" lines), within connect_ms to connect and timeout_ms in
//  all, and fills result: delivered on a 2xx answer only; a 5xx, 408,
//  429, a timeout or a refused connection is retryable. Shared by the
//  webhook and chat channels (imw_channel_http.c). Returns 0 or
//  IM_ENOMEM.
int
    imw_channel_http_post (const char *url, const char *const *headers,
                           const char *body, size_t size,
                           uint32_t connect_ms, uint32_t timeout_ms,
                           imw_channel_result_t *result);

//  Writes the one-line text of notification, as chat and email show it:
//  "[imq] P1 #42 db down — assigned" (no priority when unknown)
void
    imw_channel_headline (const imw_notification_t *notification,
                          char *text, size_t size);

#endif
