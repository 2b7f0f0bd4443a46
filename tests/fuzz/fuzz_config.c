/*  fuzz_config - the YAML of node configurations and replicated policies

    An input is a YAML text, parsed as a node's configuration file and
    as a replicated policy (what CONFIG carries, which every node parses
    in its state machine into the policy it applies). Beyond crashes:

    - a refusal says why, in UTF-8 text: a policy's errors travel back
      to the client in a reply's error field, which holds nothing else;
    - what is accepted is within its bounds: every name ends within its
      buffer, every list within its array.

    A configuration is large (~380 KB, on the heap) and every parse
    makes a few, so one parse of each kind is what an input costs.
*/
#include "im_classes.h"
#include "im_fuzz.h"

#define S_ERRORS_MAX    256         //  Room for errors: a decision's

//  True when text ends within size
static bool
s_ends (const char *text, size_t size)
{
    return strnlen (text, size) < size;
}

//  Checks the policy a parse accepted
static void
s_check_policy (const im_policy_t *policy)
{
    if (policy->categories_n > IM_POLICY_CATEGORIES_MAX
    ||  policy->agents_n > IM_POLICY_AGENTS_MAX
    ||  policy->groups_n > IM_POLICY_GROUPS_MAX
    ||  policy->breach_recipients_n > IM_POLICY_RECIPIENTS_MAX)
        im_fuzz_fail ("a list longer than its array");
    for (size_t index = 0; index < policy->categories_n; index++) {
        const im_policy_category_t *category = &policy->categories [index];
        if (!s_ends (category->name, sizeof category->name)
        ||  category->keywords_n > IM_POLICY_KEYWORDS_MAX
        ||  category->subcategories_n > IM_POLICY_SUBCATEGORIES_MAX)
            im_fuzz_fail ("category %zu out of bounds", index);
    }
    for (size_t index = 0; index < policy->agents_n; index++)
        if (!s_ends (policy->agents [index].name, IM_POLICY_NAME_MAX)
        ||  policy->agents [index].roles_n > IM_POLICY_ROLES_MAX)
            im_fuzz_fail ("agent %zu out of bounds", index);
    for (size_t index = 0; index < policy->groups_n; index++)
        if (!s_ends (policy->groups [index].name, IM_POLICY_NAME_MAX)
        ||  policy->groups [index].agents_n > IM_POLICY_MEMBERS_MAX
        ||  policy->groups [index].routes_n > IM_POLICY_MEMBERS_MAX)
            im_fuzz_fail ("group %zu out of bounds", index);
    if (!s_ends (policy->default_category, sizeof policy->default_category)
    ||  !s_ends (policy->broadcast, sizeof policy->broadcast))
        im_fuzz_fail ("a name does not end in its buffer");
    for (int impact = 1; impact <= 3; impact++)
        for (int urgency = 1; urgency <= 3; urgency++) {
            int priority = im_policy_priority (policy, impact, urgency);
            if (priority < 1 || priority > IM_PRIORITIES)
                im_fuzz_fail ("priority %d in the matrix", priority);
        }
    //  What the classifier does with it on every incident
    im_policy_categorize (policy, "the vpn is down, disk full on db1");
}

//  Checks the node settings a parse accepted
static void
s_check_config (const im_config_t *config)
{
    if (config->members_n > IM_CONFIG_NODES_MAX)
        im_fuzz_fail ("a list longer than its array");
    if (!s_ends (config->data_dir, sizeof config->data_dir)
    ||  !s_ends (config->sink_dir, sizeof config->sink_dir)
    ||  !s_ends (config->alert_resolve, sizeof config->alert_resolve))
        im_fuzz_fail ("a name does not end in its buffer");
}

//  Parses text as a node's configuration file
static void
s_parse (const char *text, size_t size)
{
    im_config_t *config = (im_config_t *) malloc (sizeof (im_config_t));
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    assert (config && policy);
    char errors [S_ERRORS_MAX];
    int rc = im_config_parse (config, policy, "fuzz.yaml", text, size,
                              errors, sizeof errors);
    if (rc != 0 && rc != IM_ECONFIG && rc != IM_ENOMEM)
        im_fuzz_fail ("im_config_parse returns %d", rc);
    if (rc && !*errors)
        im_fuzz_fail ("a refused configuration without a reason");
    if (!im_msgpack_utf8_valid (errors, strlen (errors)))
        im_fuzz_fail ("errors are not UTF-8: %s", errors);
    if (rc == 0) {
        s_check_config (config);
        s_check_policy (policy);
    }
    free (policy);
    free (config);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    im_fuzz_quiet ();
    //  The text as CONFIG carries it: a string, so NUL-terminated
    char *text = (char *) malloc (size + 1);
    assert (text);
    memcpy (text, data, size);
    text [size] = 0;
    s_parse (text, size);
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    assert (policy);
    char errors [S_ERRORS_MAX];
    if (im_policy_parse (policy, "policy", text, 7, errors, sizeof errors)
        == 0) {
        s_check_policy (policy);
        char reason [256];
        im_policy_check_category (policy, "network", "vpn", reason,
                                  sizeof reason);
        im_policy_has_role (policy, "alice", IM_ROLE_INCIDENT_MANAGER);
    }
    else
    if (!im_msgpack_utf8_valid (errors, strlen (errors)))
        im_fuzz_fail ("policy errors are not UTF-8: %s", errors);
    free (policy);
    free (text);
    return 0;
}
