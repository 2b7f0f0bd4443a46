/*  im_config_private - what the two halves of the YAML loader share

    im_config_yaml.c reads the file, runs libfyaml and reports errors;
    im_config_schema.c knows every key and where its value goes. Both
    read values through the helpers below, which report what is wrong
    into the diagnostic object of the load, at the node's position.
*/
#ifndef IM_CONFIG_PRIVATE_H_INCLUDED
#define IM_CONFIG_PRIVATE_H_INCLUDED

#include <libfyaml.h>

#define IM_CONFIG_WHERE_MAX 128         //  Dotted key names in messages

//  Reports an error at node, which must not be NULL
void
    im_config_yaml_error (struct fy_diag *diag, struct fy_node *node,
                          const char *format, ...) CHECK_PRINTF (3);

//  True when node is absent or a YAML null (empty, ~, null, Null, NULL
//  written plain); "null" in quotes is a string
bool
    im_config_yaml_null (struct fy_node *node);

//  Returns what node is ("a mapping", "a sequence", ...), static
const char *
    im_config_yaml_kind (struct fy_node *node);

//  Copies the text of the scalar value of key name into buffer. Returns
//  false after reporting a missing, empty, non-scalar or too long value
//  (at value, or at key when the value is empty).
bool
    im_config_yaml_scalar (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           char *buffer, size_t size);

//  Reads a whole number in min..max; false after reporting
bool
    im_config_yaml_number (struct fy_diag *diag, const char *name,
                           struct fy_node *key, struct fy_node *value,
                           uint64_t min, uint64_t max, uint64_t *result);

//  Reads a duration of at most max ms; false after reporting
bool
    im_config_yaml_duration (struct fy_diag *diag, const char *name,
                             struct fy_node *key, struct fy_node *value,
                             uint64_t max, uint64_t *ms);

//  Reads the document root (NULL: an empty file) into config, then
//  checks what involves more than one key. policy: only the sections a
//  replicated policy may hold.
void
    im_config_schema_apply (struct fy_diag *diag, struct fy_node *root,
                            bool policy, im_config_t *config);

#endif
