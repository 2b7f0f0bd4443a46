/*  imw_notifier - the notifier role: tells people what happened

        incident.assigned   the new agent, else "group:<group>"
        sla.breached        the assignee (agent, else group) if known,
                            and every notifier.breach_recipients entry
        incident.resolved   the reporter

    Each notification goes through the recipient's channels for its
    urgency and the hour (imw_channels: notifier.people, else the file
    channel, a line in notifier.sink_dir), and each delivery is then
    recorded with NOTIFY {recipient, channel, reason, about_seq, target,
    result} and action "notify:<recipient>" for the file channel,
    "notify:<recipient>/<channel>" for the others (a hash when long). A
    channel that did not deliver records nothing, and the event is
    handled again (docs/notifications.md).

    Who is assigned and who reported comes from a small cache fed by
    incident.opened and incident.assigned; on a miss (a restart, or
    events handled by another instance) the incident projection is
    fetched with a GET query. Consumer group "notifier", program
    imq-notifier.
*/
#ifndef IMW_NOTIFIER_H_INCLUDED
#define IMW_NOTIFIER_H_INCLUDED

#include "im_client.h"
#include "im_config.h"
#include "im_policy.h"
#include "im_event.h"
#include "imw_output.h"
#include "imw_role.h"

#define IMW_NOTIFIER_CACHE_MAX  10000   //  Incidents remembered

typedef struct _imw_notifier_t imw_notifier_t;

//  The role table of imq-notifier
const imw_role_t *
    imw_notifier_role (void);

//  Creates the role's state and the sink directory config->sink_dir;
//  config and policy are borrowed. Returns NULL with the reason logged.
imw_notifier_t *
    imw_notifier_new (const im_config_t *config, const im_policy_t *policy);

void
    imw_notifier_destroy (imw_notifier_t **self_p);

//  Keeps query (borrowed) for GET on a cache miss; without it a miss
//  notifies only whom the event itself names. Returns 0.
int
    imw_notifier_start (imw_notifier_t *self, im_client_t *query);

//  Handles one event as in the table above. Returns 0; IM_EIO when a
//  channel did not deliver (every channel was tried), or IM_ETIMEOUT /
//  IM_EBUSY when the projection could not be fetched (call again
//  later); IM_ENOMEM.
int
    imw_notifier_handle (imw_notifier_t *self, const im_event_t *event,
                         imw_output_t *out);

#endif
