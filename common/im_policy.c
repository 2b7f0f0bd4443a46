/*  im_policy - the service-desk rules the state machine applies

    The defaults, and the policy read from a replicated configuration:
    the YAML schema and its checks are im_config's, so a policy file and
    a node's imq.yaml say the same thing the same way. The values are
    used where they are applied (common/core/imc_decide.c).
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_policy.h"
#include "im_config.h"

void
im_policy_defaults (im_policy_t *policy)
{
    assert (policy);
    memset (policy, 0, sizeof *policy);
    policy->reopen_window_ms = IM_POLICY_REOPEN_WINDOW_MS;
    policy->auto_close_ms = IM_POLICY_AUTO_CLOSE_MS;
    policy->request_retention_ms = IM_POLICY_REQUEST_RETENTION_MS;
    policy->request_results_max = IM_POLICY_REQUEST_RESULTS_MAX;
    policy->alert_heartbeat_ms = IM_POLICY_ALERT_HEARTBEAT_MS;
}

void
im_policy_from_config (im_policy_t *policy, const im_config_t *config,
                       uint64_t version)
{
    assert (policy && config);
    policy->version = version;
    policy->reopen_window_ms = (int64_t) config->reopen_window_ms;
    policy->auto_close_ms = (int64_t) config->auto_close_ms;
    policy->request_retention_ms = config->request_retention_ms;
    policy->request_results_max = config->request_results_max;
    policy->alert_heartbeat_ms = (int64_t) config->alert_heartbeat_ms;
    policy->agents_n = config->agents_n;
    memcpy (policy->agents, config->agents, sizeof policy->agents);
    policy->groups_n = config->groups_n;
    memcpy (policy->groups, config->groups, sizeof policy->groups);
    policy->categories_n = config->categories_n;
    memcpy (policy->categories, config->categories,
            sizeof policy->categories);
    memcpy (policy->default_category, config->default_category,
            sizeof policy->default_category);
}

int
im_policy_check_category (const im_policy_t *policy, const char *category,
                          const char *subcategory, char *errbuf,
                          size_t errlen)
{
    assert (policy && category);
    if (policy->version == 0)
        return 0;
    const im_policy_category_t *known = NULL;
    for (size_t index = 0; index < policy->categories_n; index++)
        if (streq (policy->categories [index].name, category))
            known = &policy->categories [index];
    if (!known && !streq (category, policy->default_category)) {
        im_errbuf_set (errbuf, errlen, "no category '%s' in the policy "
                       "(version %" PRIu64 ")", category, policy->version);
        return IM_EINVAL;
    }
    if (!subcategory || !known || known->subcategories_n == 0)
        return 0;
    for (size_t index = 0; index < known->subcategories_n; index++)
        if (streq (known->subcategories [index], subcategory))
            return 0;
    im_errbuf_set (errbuf, errlen, "no subcategory '%s' under '%s' in the "
                   "policy", subcategory, category);
    return IM_EINVAL;
}

bool
im_policy_has_role (const im_policy_t *policy, const char *actor,
                    const char *role)
{
    assert (policy);
    for (size_t index = 0; actor && role && index < policy->agents_n;
         index++) {
        const im_policy_agent_t *agent = &policy->agents [index];
        if (!streq (agent->name, actor))
            continue;
        for (size_t held = 0; held < agent->roles_n; held++)
            if (streq (agent->roles [held], role))
                return true;
    }
    return false;
}

const im_policy_group_t *
im_policy_group (const im_policy_t *policy, const char *name)
{
    assert (policy);
    for (size_t index = 0; name && index < policy->groups_n; index++)
        if (streq (policy->groups [index].name, name))
            return &policy->groups [index];
    return NULL;
}

int
im_policy_parse (im_policy_t *policy, const char *name, const char *text,
                 uint64_t version, char *errbuf, size_t errlen)
{
    assert (policy && name && text);
    im_config_t *config = (im_config_t *) malloc (sizeof (im_config_t));
    if (!config)
        return IM_ENOMEM;
    int rc = im_config_parse (config, name, text, strlen (text), true,
                              errbuf, errlen);
    if (rc == 0)
        im_policy_from_config (policy, config, version);
    free (config);
    return rc;
}
