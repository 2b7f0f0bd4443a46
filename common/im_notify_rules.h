/*  im_notify_rules - the notifier's channels and each person's rules

    A channel is a named way out: an outbound webhook (Standard Webhooks
    1.0), a chat incoming webhook (Slack, Mattermost), email over SMTP,
    or the file sink. A person names, per urgency, the channels that
    reach them, their email address, and quiet hours in their own IANA
    zone: in quiet hours a low-urgency notification (and any about a
    service request) goes to the file sink only. Someone the policy
    does not list is told through the file sink, as before channels.

    Secrets stay out of the replicated policy, which every analyst can
    read in the log: a webhook channel names its secret (secret: NAME)
    and the notifier reads the whsec_ value from its own environment,
    IMQ_SECRET_<NAME> (upper case, '-' as '_'), when it starts.

    Plain values inside im_policy_t; parsed by im_config_notify.c.
*/
#ifndef IM_NOTIFY_RULES_H_INCLUDED
#define IM_NOTIFY_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IM_NOTIFY_NAME_MAX      64      //  Names, with the NUL
#define IM_NOTIFY_URL_MAX       256     //  URLs, addresses, with the NUL
#define IM_NOTIFY_CHANNELS_MAX  8       //  Channels of a policy
#define IM_NOTIFY_PEOPLE_MAX    32      //  People with rules
#define IM_NOTIFY_CONNECT_MS    5000    //  Default connect timeout
#define IM_NOTIFY_TIMEOUT_MS    10000   //  Default whole-call timeout
#define IM_NOTIFY_FILE          "file"  //  The built-in file channel

//  A list of channel names
typedef struct {
    size_t names_n;                                     //  How many
    char names [IM_NOTIFY_CHANNELS_MAX][IM_NOTIFY_NAME_MAX];
                                                        //  Channel names
} im_notify_names_t;

//  One channel
typedef struct {
    char name [IM_NOTIFY_NAME_MAX];     //  As people name it
    char type [IM_NOTIFY_NAME_MAX];     //  webhook, chat, email or file
    char url [IM_NOTIFY_URL_MAX];       //  http(s):// or smtp(s)://
    char secret [IM_NOTIFY_NAME_MAX];   //  webhook: the secret's name
    char from [IM_NOTIFY_URL_MAX];      //  email: the sender address
    uint32_t connect_timeout_ms;        //  0: IM_NOTIFY_CONNECT_MS
    uint32_t timeout_ms;                //  0: IM_NOTIFY_TIMEOUT_MS
} im_notify_channel_t;

//  One person's rules
typedef struct {
    char name [IM_NOTIFY_NAME_MAX];     //  Actor name, as events name it
    char email [IM_NOTIFY_URL_MAX];     //  For email channels, or ""
    im_notify_names_t high;             //  Channels for high urgency
    im_notify_names_t low;              //  Channels for low urgency
    char quiet [IM_NOTIFY_NAME_MAX];    //  "22:00-07:00", or "": none
    char zone [IM_NOTIFY_NAME_MAX];     //  IANA zone of quiet, "": UTC
} im_notify_person_t;

typedef struct {
    size_t channels_n;                  //  How many
    im_notify_channel_t channels [IM_NOTIFY_CHANNELS_MAX];
                                        //  notifier.channels
    size_t people_n;                    //  How many
    im_notify_person_t people [IM_NOTIFY_PEOPLE_MAX];
                                        //  notifier.people
} im_notify_rules_t;

//  The channel named name, or NULL; borrowed
const im_notify_channel_t *
    im_notify_rules_channel (const im_notify_rules_t *self, const char *name);

//  The rules of the person named name, or NULL; borrowed
const im_notify_person_t *
    im_notify_rules_person (const im_notify_rules_t *self, const char *name);

//  Parses quiet hours "HH:MM-HH:MM" into minutes after midnight; start
//  equal to end is refused. Returns 0, or IM_EINVAL with the reason.
int
    im_notify_rules_parse_quiet (const char *text, int *start, int *end,
                                 char *errbuf, size_t errlen);

#endif
