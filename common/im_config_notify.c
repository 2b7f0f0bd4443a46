/*  im_config_notify - checks notifier.channels and notifier.people

    The schema reads each channel and person into the policy; what one
    value means for another (a webhook needs a URL and a secret's name,
    a person's channels must exist, an email channel needs the person's
    address, quiet hours need a zone ICU knows) is checked here once
    the whole text is read, and reported at the entry at fault, with
    its file, line and column.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_util.h"
#include "im_calendar.h"
#include "im_config.h"
#include "im_config_private.h"

//  Returns the node of notifier.key in the text at root, or NULL
static struct fy_node *
s_list (struct fy_node *root, const char *key)
{
    struct fy_node *section = root && fy_node_is_mapping (root)
        ? fy_node_mapping_lookup_by_string (root, "notifier", FY_NT) : NULL;
    struct fy_node *list = section && fy_node_is_mapping (section)
        ? fy_node_mapping_lookup_by_string (section, key, FY_NT) : NULL;
    return list && fy_node_is_sequence (list) ? list : NULL;
}

static bool
s_prefix (const char *text, const char *prefix)
{
    return strncmp (text, prefix, strlen (prefix)) == 0;
}

static void
s_check_channel (struct fy_diag *diag, struct fy_node *item, size_t index,
                 const im_notify_channel_t *channel)
{
    const char *type = channel->type;
    if (!streq (type, "webhook") && !streq (type, "chat")
    &&  !streq (type, "email") && !streq (type, "file")) {
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: type must "
                              "be webhook, chat, email or file, found '%s'",
                              index, type);
        return;
    }
    if (streq (channel->name, IM_NOTIFY_FILE) != streq (type, "file"))
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: the one "
                              "file channel is named 'file' (notifier.sink)",
                              index);
    bool web = streq (type, "webhook") || streq (type, "chat");
    if (web && !s_prefix (channel->url, "http://")
    &&  !s_prefix (channel->url, "https://"))
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: a %s "
                              "channel needs url: http(s)://...", index,
                              type);
    if (streq (type, "webhook") && !*channel->secret)
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: a webhook "
                              "needs secret: the name of the secret the "
                              "notifier reads from IMQ_SECRET_<NAME>", index);
    if (s_prefix (channel->secret, "whsec_"))
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: secret "
                              "names the secret, it must not be the "
                              "secret: the policy is in the log for "
                              "every analyst to read", index);
    if (streq (type, "email")
    &&  ((!s_prefix (channel->url, "smtp://")
          && !s_prefix (channel->url, "smtps://")) || !*channel->from))
        im_config_yaml_error (diag, item, "notifier.channels[%zu]: an email "
                              "channel needs url: smtp(s)://host:port and "
                              "from: an address", index);
}

static void
s_check_names (struct fy_diag *diag, struct fy_node *item, size_t index,
               const im_notify_person_t *person,
               const im_notify_names_t *names, const char *which,
               const im_notify_rules_t *rules)
{
    for (size_t at = 0; at < names->names_n; at++) {
        const char *name = names->names [at];
        const im_notify_channel_t *channel =
            im_notify_rules_channel (rules, name);
        if (!channel && !streq (name, IM_NOTIFY_FILE))
            im_config_yaml_error (diag, item, "notifier.people[%zu].%s: no "
                                  "channel named '%s'", index, which, name);
        else
        if (channel && streq (channel->type, "email") && !*person->email)
            im_config_yaml_error (diag, item, "notifier.people[%zu].%s: "
                                  "channel '%s' sends email, and '%s' has "
                                  "no email", index, which, name,
                                  person->name);
    }
}

static void
s_check_person (struct fy_diag *diag, struct fy_node *item, size_t index,
                const im_notify_person_t *person,
                const im_notify_rules_t *rules)
{
    s_check_names (diag, item, index, person, &person->high, "high", rules);
    s_check_names (diag, item, index, person, &person->low, "low", rules);
    if (!*person->quiet)
        return;
    char errbuf [160];
    int start, end;
    if (im_notify_rules_parse_quiet (person->quiet, &start, &end, errbuf,
                                     sizeof errbuf)) {
        im_config_yaml_error (diag, item, "notifier.people[%zu].quiet: %s",
                              index, errbuf);
        return;
    }
    im_calendar_def_t *def =
        (im_calendar_def_t *) calloc (1, sizeof (im_calendar_def_t));
    if (!def)
        return;
    im_strlcpy (def->zone, *person->zone ? person->zone : "UTC",
                sizeof def->zone);
    def->week [0].spans_n = 1;
    def->week [0].spans [0].start = 0;
    def->week [0].spans [0].end = IM_CALENDAR_DAY_MIN;
    im_calendar_t *calendar = im_calendar_new (def, errbuf, sizeof errbuf);
    if (!calendar)
        im_config_yaml_error (diag, item, "notifier.people[%zu].zone: %s",
                              index, errbuf);
    im_calendar_destroy (&calendar);
    free (def);
}

void
im_config_check_notify (struct fy_diag *diag, struct fy_node *root,
                        const im_policy_t *policy)
{
    const im_notify_rules_t *rules = &policy->notify;
    struct fy_node *list = s_list (root, "channels");
    void *iterator = NULL;
    struct fy_node *item;
    for (size_t index = 0; list && index < rules->channels_n
         && (item = fy_node_sequence_iterate (list, &iterator)); index++)
        s_check_channel (diag, item, index, &rules->channels [index]);
    list = s_list (root, "people");
    iterator = NULL;
    for (size_t index = 0; list && index < rules->people_n
         && (item = fy_node_sequence_iterate (list, &iterator)); index++)
        s_check_person (diag, item, index, &rules->people [index], rules);
}
