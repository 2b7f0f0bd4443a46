/*  imqctl_cmd_config - imqctl config apply FILE, imqctl config show

    The service-desk policy (priority matrix, categories, SLA targets,
    reopen and auto-close windows, breach recipients) is one YAML file
    applied to the whole cluster: it goes through the log as a CONFIG
    command, every node applies it at the same position, and each
    application is a new version. The file is checked here first, with
    every error listed as file:line:col, so that a bad file is refused
    before anything is sent; the broker checks it again, since not every
    client is imqctl.
*/
#include "imqctl.h"

#define S_POLICY_MAX    65536       //  Octets in a policy (a str value)

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_VERSION, "N", IMQCTL_INT, false, 1, INT64_MAX, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Reads path into a new string (caller frees); NULL after saying why
static char *
s_read (const imqctl_t *self, const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        fprintf (stderr, "imqctl: config: %s: cannot read: %s\n", path,
                 strerror (errno));
        return NULL;
    }
    char *text = (char *) malloc (S_POLICY_MAX + 1);
    size_t size = text ? fread (text, 1, S_POLICY_MAX + 1, file) : 0;
    bool failed = !text || ferror (file);
    fclose (file);
    if (failed || size > S_POLICY_MAX) {
        fprintf (stderr, "imqctl: config: %s:1:1: error: %s\n", path,
                 failed ? "cannot read" : "larger than 65536 octets");
        free (text);
        return NULL;
    }
    text [size] = 0;
    if (strlen (text) != size) {
        fprintf (stderr, "imqctl: config: %s: error: holds a NUL character\n",
                 path);
        free (text);
        return NULL;
    }
    (void) self;
    return text;
}

//  Prints every error (one per line in errors) on stderr and, with
//  --json, {"errors": [...]} on stdout
static void
s_print_errors (const imqctl_t *self, const char *errors)
{
    json_t *list = json_array ();
    const char *line = errors;
    while (line && *line) {
        const char *end = strchr (line, '\n');
        size_t size = end ? (size_t) (end - line) : strlen (line);
        fprintf (stderr, "%.*s\n", (int) size, line);
        json_array_append_new (list, json_stringn (line, size));
        line = end ? end + 1 : NULL;
    }
    if (self->json) {
        json_t *json = json_pack ("{s:o}", "errors", list);
        imqctl_json_print (&json);
    }
    else
        json_decref (list);
}

//  config apply FILE
static int
s_apply (imqctl_t *self)
{
    if (self->args_n != 2)
        return imqctl_args_fail (self, "config apply takes one FILE");
    const char *path = self->args [1];
    char *text = s_read (self, path);
    if (!text)
        return IMQCTL_EXIT_USAGE;
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    char errors [8192];
    int rc = policy ? im_policy_parse (policy, path, text, 0, errors,
                                       sizeof errors)
                    : IM_ENOMEM;
    free (policy);
    if (rc) {
        s_print_errors (self, rc == IM_ENOMEM ? "out of memory" : errors);
        free (text);
        return IMQCTL_EXIT_USAGE;
    }
    im_fields_t *body = im_fields_new ();
    rc = body ? 0 : IM_ENOMEM;
    if (rc == 0)
        rc = im_fields_set_str (body, IM_KEY_TEXT, text);
    if (rc == 0)
        rc = im_fields_set_str (body, IM_KEY_SOURCE, path);
    if (rc == 0)
        rc = imqctl_actor (self)
           ? im_fields_set_str (body, IM_KEY_ACTOR, imqctl_actor (self)) : 0;
    free (text);
    if (rc) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "%s", im_strerror (rc));
    }
    im_reply_t *reply = NULL;
    rc = imqctl_call_wire (self, "CONFIG", body, false, &reply);
    if (rc == IMQCTL_EXIT_OK) {
        if (self->json) {
            json_t *json = im_reply_to_json (reply, NULL);
            imqctl_json_print (&json);
        }
        else {
            char version [32], seq [32];
            imqctl_text (reply->body, IM_KEY_VERSION, version, sizeof version);
            imqctl_text (reply->body, IM_KEY_SEQ, seq, sizeof seq);
            printf ("applied configuration version %s (seq %s)\n", version,
                    seq);
        }
    }
    im_reply_destroy (&reply);
    im_fields_destroy (&body);
    return rc;
}

//  config show [--version N]
static int
s_show (imqctl_t *self)
{
    if (self->args_n != 1)
        return imqctl_args_fail (self, "config show takes no FILE");
    im_reply_t *reply = NULL;
    int rc = imqctl_call_wire (self, "CONFIG-GET", self->flags, false,
                               &reply);
    if (rc != IMQCTL_EXIT_OK)
        return rc;
    const im_fields_t *body = reply->body;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, NULL);
        imqctl_json_print (&json);
    }
    else
    if (im_fields_int_or (body, IM_KEY_VERSION, 0) == 0)
        printf ("version 0: no configuration applied, the built-in "
                "defaults are in force\n");
    else {
        char version [32], seq [32], at [96], actor [80], source [300];
        imqctl_text (body, IM_KEY_VERSION, version, sizeof version);
        imqctl_text (body, IM_KEY_SEQ, seq, sizeof seq);
        imqctl_text (body, IM_KEY_ACTOR, actor, sizeof actor);
        imqctl_text (body, IM_KEY_SOURCE, source, sizeof source);
        size_t index = 0;
        while (index < im_fields_size (body)
           &&  !streq (im_fields_key_at (body, index), IM_KEY_TS_MS))
            index++;
        if (index < im_fields_size (body))
            imqctl_text_at (body, index, at, sizeof at);
        else
            im_strlcpy (at, "-", sizeof at);
        printf ("version %s, applied %s by %s from %s (seq %s)\n\n%s",
                version, at, actor, source, seq,
                im_fields_str_or (body, IM_KEY_TEXT, ""));
    }
    im_reply_destroy (&reply);
    return IMQCTL_EXIT_OK;
}

static int
s_run (imqctl_t *self)
{
    const char *action = self->args [0];
    if (streq (action, "apply")) {
        if (im_fields_has (self->flags, IM_KEY_VERSION))
            return imqctl_args_fail (self, "--version goes with show");
        return s_apply (self);
    }
    if (streq (action, "show"))
        return s_show (self);
    return imqctl_args_fail (self, "unknown action '%s' (apply or show)",
                             action);
}

const imqctl_verb_t imqctl_verb_config = {
    "config", "CONFIG", "apply FILE | show", 1, 2, s_flags,
    "apply the service-desk policy to the cluster, or show the one in force",
    s_run
};
