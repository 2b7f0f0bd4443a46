/*  im_config_read - readers of the values that are more than one scalar

    Most keys of imq.yaml hold one number, duration or name, read by the
    helpers of im_config_yaml.c. The rest are read here: addresses and
    endpoints, lists of names or keywords, the priority matrix, and lists
    of items or of named mappings (categories, members, agents, groups).
    Each reports what is wrong at the node where it is written, and goes
    on, so that one load names every mistake in the file.
*/
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "im_util.h"
#include "im_config.h"
#include "im_config_private.h"

//  Reads a ZeroMQ endpoint ("transport://address") or a Raft host:port
void
im_config_read_address (struct fy_diag *diag, const char *name,
                        struct fy_node *key, struct fy_node *value,
                        bool endpoint, char *target)
{
    char text [IM_CONFIG_PATH_MAX];
    if (!im_config_yaml_scalar (diag, name, key, value, text, sizeof text))
        return;
    const char *scheme = strstr (text, "://");
    const char *colon = strrchr (text, ':');
    bool valid = endpoint ? scheme && scheme > text && scheme [3]
                          : !scheme && colon && colon > text && colon [1]
                            && strspn (colon + 1, "0123456789")
                               == strlen (colon + 1);
    if (valid)
        im_strlcpy (target, text, IM_CONFIG_PATH_MAX);
    else
    if (endpoint)
        im_config_yaml_error (diag, value, "%s: '%s' is not a ZeroMQ "
                              "endpoint (like tcp://host:port)", name, text);
    else
        im_config_yaml_error (diag, value, "%s: '%s' is not a host:port "
                              "address", name, text);
}

//  Checks that a keyword is one word as im_policy_categorize splits text,
//  and stores it in lowercase
static void
s_keyword (struct fy_diag *diag, const char *name, struct fy_node *value,
           char *keyword)
{
    for (char *cursor = keyword; *cursor; cursor++) {
        if (!isalnum ((unsigned char) *cursor)
        &&  (unsigned char) *cursor < 128) {
            im_config_yaml_error (diag, value, "%s: '%s' is not one word "
                                  "(letters and digits only)", name, keyword);
            return;
        }
        *cursor = (char) tolower ((unsigned char) *cursor);
    }
}

//  True when value is a list of at most max items (what: their name in
//  messages); says why not otherwise
static bool
s_sequence (struct fy_diag *diag, const char *name, struct fy_node *key,
            struct fy_node *value, size_t max, const char *what)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key,
                              "%s: expected a list", name);
        return false;
    }
    if ((size_t) fy_node_sequence_item_count (value) > max) {
        im_config_yaml_error (diag, value, "%s: more than %zu %s",
                              name, max, what);
        return false;
    }
    return true;
}

//  Reads a list of at most max names into names [], setting *count;
//  keywords are also checked and lowercased
void
im_config_read_names (struct fy_diag *diag, const char *name,
                      struct fy_node *key, struct fy_node *value,
                      char (*names) [IM_CONFIG_NAME_MAX], size_t max,
                      size_t *count, bool keywords)
{
    if (!s_sequence (diag, name, key, value, max, "entries"))
        return;
    *count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, *count);
        char *target = names [(*count)++];
        if (im_config_yaml_scalar (diag, item_name, value, item, target,
                                   IM_CONFIG_NAME_MAX)
        &&  keywords)
            s_keyword (diag, item_name, item, target);
    }
}

//  Reads the 3 x 3 priority matrix: rows are impact, columns urgency
void
im_config_read_matrix (struct fy_diag *diag, const char *name,
                       struct fy_node *key, struct fy_node *value,
                       im_policy_t *policy)
{
    if (!value || !fy_node_is_sequence (value)
    ||  fy_node_sequence_item_count (value) != 3) {
        im_config_yaml_error (diag, value ? value : key, "%s: expected 3 "
                              "rows, one per impact 1..3", name);
        return;
    }
    void *rows = NULL;
    struct fy_node *row;
    for (int impact = 1; (row = fy_node_sequence_iterate (value, &rows));
         impact++) {
        if (!fy_node_is_sequence (row)
        ||  fy_node_sequence_item_count (row) != 3) {
            im_config_yaml_error (diag, row, "%s: impact %d: expected 3 "
                                  "values, one per urgency 1..3",
                                  name, impact);
            continue;
        }
        void *cells = NULL;
        struct fy_node *cell;
        for (int urgency = 1; (cell = fy_node_sequence_iterate (row, &cells));
             urgency++) {
            char cell_name [IM_CONFIG_WHERE_MAX + 48];
            snprintf (cell_name, sizeof cell_name,
                      "%s: impact %d, urgency %d", name, impact, urgency);
            uint64_t priority = 0;
            if (im_config_yaml_number (diag, cell_name, row, cell, 1,
                                       IM_PRIORITIES, &priority))
                policy->matrix [impact - 1][urgency - 1] = (int) priority;
        }
    }
}

//  Reads a list of at most max items (what: their name in messages),
//  calling fn for each and counting them in *count
void
im_config_read_list (struct fy_diag *diag, const char *name,
                     struct fy_node *key, struct fy_node *value, size_t max,
                     const char *what, size_t *count, im_config_item_fn *fn,
                     void *target)
{
    if (!s_sequence (diag, name, key, value, max, what))
        return;
    *count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, *count);
        fn (diag, item_name, item, target, (*count)++);
    }
}

//  Reads a list of at most max mappings (agents, groups) into items,
//  each of size bytes and described by fields; every one needs a name,
//  no name twice. Returns how many were read.
size_t
im_config_read_entries (struct fy_diag *diag, const char *name,
                        struct fy_node *key, struct fy_node *value,
                        const im_config_field_t *fields, void *items,
                        size_t size, size_t max)
{
    if (!value || !fy_node_is_sequence (value)) {
        im_config_yaml_error (diag, value ? value : key,
                              "%s: expected a list", name);
        return 0;
    }
    if ((size_t) fy_node_sequence_item_count (value) > max) {
        im_config_yaml_error (diag, value, "%s: more than %zu entries",
                              name, max);
        return 0;
    }
    memset (items, 0, size * max);
    size_t count = 0;
    void *iterator = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate (value, &iterator))) {
        char item_name [IM_CONFIG_WHERE_MAX + 24];
        snprintf (item_name, sizeof item_name, "%s[%zu]", name, count);
        char *entry = (char *) items + count * size;
        count++;
        if (!fy_node_is_mapping (item)) {
            im_config_yaml_error (diag, item, "%s: expected a mapping with "
                                  "a name", item_name);
            continue;
        }
        im_config_schema_walk (diag, item_name, item, fields, entry);
        //  The name is the first member of every entry type
        if (!fy_node_mapping_lookup_pair_by_string (item, "name", FY_NT))
            im_config_yaml_error (diag, item, "%s: missing name", item_name);
        for (const char *other = (const char *) items; other < entry;
             other += size)
            if (*entry && streq (other, entry))
                im_config_yaml_error (diag, item, "%s: '%s' is listed twice",
                                      item_name, entry);
    }
    return count;
}
