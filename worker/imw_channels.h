/*  imw_channels - the notifier's channels, made from the policy, and
    whom each notification goes through

    The file channel (named "file", in notifier.sink) always exists; the
    others are made from notifier.channels when the policy changes. A
    webhook's secret is read from the notifier's environment,
    IMQ_SECRET_<NAME> (the secret's name upper-cased, '-' as '_'): the
    replicated policy is in the log every analyst reads, so it names
    secrets and never holds them. A channel that cannot be made (no
    secret) is missing: whoever is told through it is not told, and the
    notification is tried again on the next delivery of the event.
*/
#ifndef IMW_CHANNELS_H_INCLUDED
#define IMW_CHANNELS_H_INCLUDED

#include "im_event.h"
#include "im_policy.h"
#include "imw_channel.h"
#include "imw_output.h"

typedef struct _imw_channels_t imw_channels_t;

//  Creates the set with the file channel writing into sink_dir. Returns
//  NULL with the reason logged.
imw_channels_t *
    imw_channels_new (const char *sink_dir);

void
    imw_channels_destroy (imw_channels_t **self_p);

//  Makes the channels of policy unless they were made from this
//  policy's version already. Returns 0 or IM_ENOMEM; a channel that
//  cannot be made is logged and left out.
int
    imw_channels_sync (imw_channels_t *self, const im_policy_t *policy);

//  The channel named name, or NULL; borrowed
imw_channel_t *
    imw_channels_get (imw_channels_t *self, const char *name);

//  Fills names with the channels that tell recipient of a notification
//  of urgency high (or, for a service request, always low) at ts_ms:
//  the person's list for the urgency, only "file" in their quiet hours
//  for low urgency, "file" for anyone the policy does not list or who
//  lists no channel for the urgency. *person_p gets the person's rules
//  (borrowed from policy) or NULL.
void
    imw_channels_pick (const im_policy_t *policy, const char *recipient,
                       bool high, int64_t ts_ms, im_notify_names_t *names,
                       const im_notify_person_t **person_p);

//  True when reason, about an incident at priority (0: not known), is
//  high urgency: pages (breaches, escalations, major incidents) and
//  news of P1 and P2. A service request is never high.
bool
    imw_channels_urgent (const char *reason, int priority, bool request);

//  Sends notification (its request and delivery ids are filled here,
//  from event's seq and action) through the channel named channel_name
//  and, only when it was delivered, appends its NOTIFY under action to
//  out. Returns 0; IM_EIO when it was not delivered or the channel is
//  not there (logged with the reason); IM_ENOMEM.
int
    imw_channels_deliver (imw_channels_t *self, const im_event_t *event,
                          const char *action, const char *channel_name,
                          imw_notification_t *notification,
                          imw_output_t *out);

#endif
