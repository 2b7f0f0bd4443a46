/*  im_config_yaml - reads a node's file or a policy with libfyaml

    An operator who fixes one error only to be shown the next one soon
    stops trusting the tool, so the whole file is checked and every error
    is reported at once, as "file:line:col: error: text" lines that
    editors can jump to. Nothing is applied unless the whole file is
    right: we fill a copy and hand it over at the end. A node's file
    gives an im_config_t and its workers' starting im_policy_t; a
    replicated policy (im_policy_parse) an im_policy_t alone.

    libfyaml reports syntax errors itself (parsing stops at the first of
    those). Our own checks go into the same diagnostic object through
    fy_diag_node_report, which stamps them with the node's position, so
    both kinds come out of one list. The keys are in im_config_schema.c.

    Aliases are not resolved, and a value that is an alias is an error:
    libfyaml expands them without any limit, so a few nested aliases in
    a small file ("billion laughs") would take all the memory there is.
*/
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_config.h"
#include "im_config_private.h"

#define S_FILE_MAX      (1024 * 1024)   //  Larger is not a config file

static void
    s_print (char *errbuf, size_t errlen, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Formats into errbuf when there is one
static void
s_print (char *errbuf, size_t errlen, const char *format, ...)
{
    if (!errbuf || !errlen)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (errbuf, errlen, format, args);
    va_end (args);
    im_utf8_trim (errbuf);
}


//  --------------------------------------------------------------------
//  Value readers shared with im_config_schema.c (im_config_private.h)

void
im_config_yaml_error (struct fy_diag *diag, struct fy_node *node,
                      const char *format, ...)
{
    assert (node);
    char text [512];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    im_utf8_trim (text);            //  It may quote the file, cut anywhere
    fy_diag_node_report (diag, node, FYET_ERROR, "%s", text);
}

bool
im_config_yaml_null (struct fy_node *node)
{
    if (!node)
        return true;
    if (!fy_node_is_scalar (node) || fy_node_get_style (node) != FYNS_PLAIN)
        return false;
    size_t length = 0;
    const char *text = fy_node_get_scalar (node, &length);
    if (!text || length == 0)
        return true;
    const char *nulls [] = { "~", "null", "Null", "NULL" };
    for (size_t index = 0; index < sizeof nulls / sizeof nulls [0]; index++)
        if (length == strlen (nulls [index])
        &&  memcmp (text, nulls [index], length) == 0)
            return true;
    return false;
}

const char *
im_config_yaml_kind (struct fy_node *node)
{
    return fy_node_is_mapping (node)  ? "a mapping"
         : fy_node_is_sequence (node) ? "a sequence"
         : fy_node_is_alias (node)    ? "an alias (not supported here)"
         :                              "a single value";
}

bool
im_config_yaml_scalar (struct fy_diag *diag, const char *name,
                       struct fy_node *key, struct fy_node *value,
                       char *buffer, size_t size)
{
    size_t length = 0;
    const char *text = NULL;
    bool present = !im_config_yaml_null (value);
    if (present && (!fy_node_is_scalar (value) || fy_node_is_alias (value)))
        im_config_yaml_error (diag, value, "%s: expected a single value, "
                              "found %s", name, im_config_yaml_kind (value));
    else
    if (present && (text = fy_node_get_scalar (value, &length)) && length) {
        if (length >= size)
            im_config_yaml_error (diag, value, "%s: too long (at most %zu "
                                  "characters)", name, size - 1);
        else
        if (memchr (text, 0, length))
            im_config_yaml_error (diag, value, "%s: contains a NUL character",
                                  name);
        else {
            memcpy (buffer, text, length);
            buffer [length] = 0;
            return true;
        }
    }
    else
        im_config_yaml_error (diag, present ? value : key,
                              "%s: missing value", name);
    return false;
}

bool
im_config_yaml_number (struct fy_diag *diag, const char *name,
                       struct fy_node *key, struct fy_node *value,
                       uint64_t min, uint64_t max, uint64_t *result)
{
    char text [IM_CONFIG_PATH_MAX];
    if (!im_config_yaml_scalar (diag, name, key, value, text, sizeof text))
        return false;
    uint64_t number = 0;
    bool overflow = false;
    for (const char *cursor = text; *cursor; cursor++) {
        if (!isdigit ((unsigned char) *cursor)) {
            im_config_yaml_error (diag, value, "%s: expected a whole number, "
                                  "found '%s'", name, text);
            return false;
        }
        uint64_t digit = (uint64_t) (*cursor - '0');
        if (number > (UINT64_MAX - digit) / 10)
            overflow = true;
        else
            number = number * 10 + digit;
    }
    if (overflow || number < min || number > max) {
        im_config_yaml_error (diag, value, "%s: %s is out of range %" PRIu64
                              "..%" PRIu64, name, text, min, max);
        return false;
    }
    *result = number;
    return true;
}

bool
im_config_yaml_duration (struct fy_diag *diag, const char *name,
                         struct fy_node *key, struct fy_node *value,
                         uint64_t min, uint64_t max, uint64_t *ms)
{
    char text [IM_CONFIG_PATH_MAX];
    if (!im_config_yaml_scalar (diag, name, key, value, text, sizeof text))
        return false;
    if (im_config_parse_duration (text, ms)) {
        im_config_yaml_error (diag, value, "%s: '%s' is not a duration (a "
                              "whole number above 0 followed by ms, s, m, h "
                              "or d)", name, text);
        return false;
    }
    if (*ms > max) {
        im_config_yaml_error (diag, value, "%s: '%s' is too long", name,
                              text);
        return false;
    }
    if (*ms < min) {
        im_config_yaml_error (diag, value, "%s: '%s' is too short (at least "
                              "%" PRIu64 "ms)", name, text, min);
        return false;
    }
    return true;
}


//  --------------------------------------------------------------------
//  Loading

//  Returns the offset of the first byte that is NUL or not UTF-8, or
//  size when there is none; libfyaml stops at a NUL without a word, and
//  says nothing of some bad bytes either
static size_t
s_bad_byte (const char *text, size_t size)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t at = 0;
    while (at < size) {
        unsigned char lead = bytes [at];
        size_t follow = lead < 0x80 ? 0
                      : lead >= 0xc2 && lead < 0xe0 ? 1
                      : lead >= 0xe0 && lead < 0xf0 ? 2
                      : lead >= 0xf0 && lead < 0xf5 ? 3 : 4;
        if (lead == 0 || follow == 4 || (follow && at + follow >= size))
            return at;
        for (size_t next = 1; next <= follow; next++)
            if ((bytes [at + next] & 0xc0) != 0x80)
                return at;
        at += follow + 1;
    }
    return size;
}

//  Computes the 1-based line and column (in characters) of offset
static void
s_position (const char *text, size_t offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t at = 0; at < offset; at++)
        if (text [at] == '\n') {
            (*line)++;
            *column = 1;
        }
        else
        if (((unsigned char) text [at] & 0xc0) != 0x80)
            (*column)++;                //  Not a continuation byte
}

//  True when text holds nothing but blank lines and comments
static bool
s_blank (const char *text)
{
    bool comment = false;
    for (const char *cursor = text; *cursor; cursor++) {
        if (*cursor == '\n')
            comment = false;
        else
        if (*cursor == '#')
            comment = true;
        else
        if (!comment && !isspace ((unsigned char) *cursor))
            return false;
    }
    return true;
}

//  Reads the whole file into a new NUL-terminated buffer. Returns 0,
//  IM_ENOTFOUND if it cannot be read, IM_ECONFIG if it is too large.
static int
s_read_file (const char *path, char **text_p, size_t *size_p,
             char *errbuf, size_t errlen)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        s_print (errbuf, errlen, "%s: cannot read: %s", path,
                 strerror (errno));
        return IM_ENOTFOUND;
    }
    char *text = (char *) malloc (S_FILE_MAX + 1);
    if (!text) {
        fclose (file);
        s_print (errbuf, errlen, "%s: out of memory", path);
        return IM_ENOMEM;
    }
    size_t size = fread (text, 1, S_FILE_MAX + 1, file);
    int error = ferror (file) ? errno : 0;
    fclose (file);
    int rc = 0;
    if (error) {
        s_print (errbuf, errlen, "%s: cannot read: %s", path,
                 strerror (error));
        rc = IM_ENOTFOUND;
    }
    else
    if (size > S_FILE_MAX) {
        s_print (errbuf, errlen, "%s:1:1: error: larger than %d octets",
                 path, S_FILE_MAX);
        rc = IM_ECONFIG;
    }
    if (rc) {
        free (text);
        return rc;
    }
    text [size] = 0;
    *text_p = text;
    *size_p = size;
    return 0;
}

//  Writes every collected error into errbuf, one per line; returns how
//  many there were
static size_t
s_report (struct fy_diag *diag, const char *path, char *errbuf,
          size_t errlen)
{
    size_t errors = 0, used = 0;
    void *iterator = NULL;
    struct fy_diag_error *error;
    while ((error = fy_diag_errors_iterate (diag, &iterator))) {
        if (error->type < FYET_ERROR)
            continue;
        if (errbuf && used < errlen) {
            int length = snprintf (errbuf + used, errlen - used,
                                   "%s%s:%d:%d: error: %s",
                                   errors ? "\n" : "", path,
                                   error->line > 0 ? error->line : 1,
                                   error->column > 0 ? error->column : 1,
                                   error->msg ? error->msg : "?");
            used += length > 0 ? (size_t) length : 0;
        }
        errors++;
    }
    //  Errors quote the file: a cut must not end inside a character,
    //  since they go back to clients in replies, which hold only UTF-8
    if (errbuf && errlen)
        im_utf8_trim (errbuf);
    return errors;
}

//  Diagnostics are collected, never printed
static void
s_diag_quiet (struct fy_diag *diag, void *user, const char *buffer,
              size_t length)
{
    (void) diag;
    (void) user;
    (void) buffer;
    (void) length;
}

//  Parses text into file or (file NULL) policy, reporting into diag.
//  Returns 0, or when the bytes are bad or libfyaml gave up without
//  saying why, IM_ECONFIG with our reason in errbuf.
static int
s_parse (struct fy_diag *diag, const char *path, const char *text,
         size_t size, im_config_file_t *file, im_policy_t *policy,
         char *errbuf, size_t errlen)
{
    size_t bad = s_bad_byte (text, size);
    if (bad < size) {
        int line = 1, column = 1;
        s_position (text, bad, &line, &column);
        s_print (errbuf, errlen, "%s:%d:%d: error: %s", path, line, column,
                 text [bad] ? "not valid UTF-8" : "NUL character");
        return IM_ECONFIG;
    }
    struct fy_parse_cfg parse_cfg = {
        NULL, FYPCF_QUIET, NULL, diag
    };
    struct fy_document *document =
        fy_document_build_from_string (&parse_cfg, text, size);
    if (document) {
        im_config_schema_apply (diag, fy_document_root (document), file,
                                policy);
        fy_document_destroy (document);
        return 0;
    }
    //  No document and no error: the file is empty (comments at most),
    //  or libfyaml gave up without a word
    void *iterator = NULL;
    if (fy_diag_errors_iterate (diag, &iterator) || s_blank (text))
        return 0;
    s_print (errbuf, errlen, "%s:1:1: error: not a YAML document", path);
    return IM_ECONFIG;
}

int
im_config_yaml_parse (const char *name, const char *text, size_t size,
                      im_config_file_t *file, im_policy_t *policy,
                      char *errbuf, size_t errlen)
{
    assert (name && text);
    assert (file || policy);
    if (file) {
        im_config_default (&file->config);
        im_policy_defaults (&file->policy);
    }
    else
        im_policy_defaults (policy);
    s_print (errbuf, errlen, "%s", "");
    if (size > S_FILE_MAX) {
        s_print (errbuf, errlen, "%s:1:1: error: larger than %d octets",
                 name, S_FILE_MAX);
        return IM_ECONFIG;
    }
    struct fy_diag_cfg diag_cfg;
    fy_diag_cfg_default (&diag_cfg);
    diag_cfg.fp = NULL;
    diag_cfg.output_fn = s_diag_quiet;
    diag_cfg.colorize = false;
    struct fy_diag *diag = fy_diag_create (&diag_cfg);
    if (!diag) {
        s_print (errbuf, errlen, "%s: out of memory", name);
        return IM_ENOMEM;
    }
    fy_diag_set_collect_errors (diag, true);
    int rc = s_parse (diag, name, text, size, file, policy, errbuf, errlen);
    if (rc == 0 && s_report (diag, name, errbuf, errlen))
        rc = IM_ECONFIG;
    fy_diag_destroy (diag);
    return rc;
}

int
im_config_parse (im_config_t *config, im_policy_t *policy, const char *name,
                 const char *text, size_t size, char *errbuf, size_t errlen)
{
    assert (config);
    assert (name && text);
    im_config_default (config);
    if (policy)
        im_policy_defaults (policy);
    //  Filled on the heap: the pair is large, and config and policy
    //  must keep the defaults unless every key checks out
    im_config_file_t *loaded =
        (im_config_file_t *) malloc (sizeof (im_config_file_t));
    if (!loaded) {
        s_print (errbuf, errlen, "%s: out of memory", name);
        return IM_ENOMEM;
    }
    int rc = im_config_yaml_parse (name, text, size, loaded, NULL, errbuf,
                                   errlen);
    if (rc == 0) {
        *config = loaded->config;
        if (policy)
            memcpy (policy, &loaded->policy, sizeof *policy);
    }
    free (loaded);
    return rc;
}

int
im_config_load (im_config_t *config, im_policy_t *policy, const char *path,
                char *errbuf, size_t errlen)
{
    assert (config);
    assert (path);
    im_config_default (config);
    if (policy)
        im_policy_defaults (policy);
    s_print (errbuf, errlen, "%s", "");
    char *text = NULL;
    size_t size = 0;
    int rc = s_read_file (path, &text, &size, errbuf, errlen);
    if (rc)
        return rc;
    rc = im_config_parse (config, policy, path, text, size, errbuf, errlen);
    free (text);
    return rc;
}
