/*  im_config_check - the rules of imq.yaml that involve more than one key

    A key's own range is checked where it is read (im_config_schema.c);
    what one value means for another (an expiry longer than the
    heartbeat, a response target within the resolution target) can only
    be checked once the whole file is read, and is reported where the
    file sets the value at fault. The default notifier sink, derived from
    the data directory, is filled in here for the same reason.
*/
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_config.h"
#include "im_config_private.h"

//  Returns where section.key was written (its value, else its key), or
//  NULL when the file does not set it
static struct fy_node *
s_find (struct fy_node *root, const char *section, const char *key)
{
    struct fy_node *mapping = root && fy_node_is_mapping (root)
        ? fy_node_mapping_lookup_by_string (root, section, FY_NT) : NULL;
    struct fy_node_pair *pair = mapping && fy_node_is_mapping (mapping)
        ? fy_node_mapping_lookup_pair_by_string (mapping, key, FY_NT) : NULL;
    if (!pair)
        return NULL;
    struct fy_node *value = fy_node_pair_value (pair);
    return value ? value : fy_node_pair_key (pair);
}

//  Checks what involves more than one node setting
static void
s_check_node (struct fy_diag *diag, struct fy_node *root,
              const im_config_t *config)
{
    struct fy_node *at = s_find (root, "node", "worker_expiry");
    if (!at)
        at = s_find (root, "node", "worker_heartbeat");
    if (at && config->worker_expiry_ms <= config->worker_heartbeat_ms)
        im_config_yaml_error (diag, at, "node.worker_expiry: must be longer "
                              "than node.worker_heartbeat");
    //  libraft draws each election timer between the timeout and twice
    //  it: followers must hear several heartbeats within the shortest
    at = s_find (root, "cluster", "election_timeout");
    if (!at)
        at = s_find (root, "cluster", "heartbeat");
    if (at && config->election_timeout_ms < 3 * config->heartbeat_ms)
        im_config_yaml_error (diag, at, "cluster.election_timeout: must be "
                              "at least 3 times cluster.heartbeat");
    at = s_find (root, "node", "queue_max");
    if (!at)
        at = s_find (root, "node", "batch_max");
    if (at && config->queue_max < config->batch_max)
        im_config_yaml_error (diag, at, "node.queue_max: must be at least "
                              "node.batch_max");

    at = s_find (root, "http", "connections_per_client");
    if (!at)
        at = s_find (root, "http", "connections_max");
    if (at && config->http_connections_per_client
              > config->http_connections_max)
        im_config_yaml_error (diag, at, "http.connections_per_client: must "
                              "be at most http.connections_max");

    at = s_find (root, "http", "alert_resolve");
    if (at && !streq (config->alert_resolve, "auto")
    &&  !streq (config->alert_resolve, "record"))
        im_config_yaml_error (diag, at, "http.alert_resolve: '%s' is not "
                              "auto or record", config->alert_resolve);
}

//  Checks what involves more than one key of the policy
static void
s_check_policy (struct fy_diag *diag, struct fy_node *root,
                const im_policy_t *policy)
{
    struct fy_node *at;
    for (size_t index = 0; index < IM_PRIORITIES; index++) {
        char priority [4];
        snprintf (priority, sizeof priority, "P%zu", index + 1);
        at = s_find (root, "sla", priority);
        if (at && policy->response_ms [index] > policy->resolution_ms [index])
            im_config_yaml_error (diag, at, "sla.%s: the response target "
                                  "must not be longer than the resolution "
                                  "target", priority);
    }
    at = s_find (root, "sla", "request");
    if (at && policy->request_response_ms > policy->request_resolution_ms)
        im_config_yaml_error (diag, at, "sla.request: the response target "
                              "must not be longer than the resolution "
                              "target");
    im_config_check_sla (diag, root, policy);
    im_config_check_escalations (diag, root, policy);
    im_config_check_notify (diag, root, policy);
    at = s_find (root, "notifier", "business_hours");
    if (at && (policy->hours_start_ms >= policy->hours_end_ms
               || policy->hours_end_ms > 86400000))
        im_config_yaml_error (diag, at, "notifier.business_hours: start must "
                              "come before end, within one day");
}

//  Derives the default notifier sink from the data directory
static void
s_check_sink (struct fy_diag *diag, struct fy_node *root,
              im_config_t *config)
{
    struct fy_node *at;
    if (!s_find (root, "notifier", "sink")) {
        //  Two copies rather than one snprintf, whose possible cut GCC
        //  refuses at -O2 and above even though it is checked
        int rc = im_strlcpy (config->sink_dir, config->data_dir,
                             sizeof config->sink_dir);
        size_t length = strlen (config->sink_dir);
        if (rc == 0)
            rc = im_strlcpy (config->sink_dir + length, "/notifications",
                             sizeof config->sink_dir - length);
        at = s_find (root, "node", "data");
        if (at && rc != 0)
            im_config_yaml_error (diag, at, "node.data: too long to add "
                                  "/notifications; set notifier.sink");
    }
}

void
im_config_check (struct fy_diag *diag, struct fy_node *root,
                 im_config_t *config, const im_policy_t *policy)
{
    if (config)
        s_check_node (diag, root, config);
    s_check_policy (diag, root, policy);
    if (config)
        s_check_sink (diag, root, config);
}
