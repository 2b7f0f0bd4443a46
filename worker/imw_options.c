/*  imw_options - command line and configuration of a worker program

    Flags are parsed by hand ("--flag value" and "--flag=value") so the
    programs need nothing beyond POSIX; every error names the flag.
*/
#include "imw_classes.h"

#define IMW_DEFAULT_CONFIG  "imq.yaml"

static void
s_usage (const imw_role_t *role, FILE *out)
{
    fprintf (out,
        "usage: %s [options]\n"
        "  -c, --config FILE   YAML configuration (default ./%s if present)\n"
        "  --endpoint EP[,EP]  client endpoints (default: cluster.members,\n"
        "                      else node.client)\n"
        "  --workers EP[,EP]   worker endpoints (default: cluster.members,\n"
        "                      else node.workers)\n"
        "  --instance NAME     instance name (default %s-<pid>)\n"
        "  --credit N          deliveries held at once, 1..%d (default %d)\n"
        "  -v, --verbose       log every delivery and reply\n"
        "  -h, --help          print this help\n",
        role->program, IMW_DEFAULT_CONFIG, role->name,
        IM_PROTO_CREDIT_MAX, IMW_CREDIT_DEFAULT);
}

//  Matches argv [*index] against a flag that takes a value; on a match
//  stores the value (NULL when it is missing) and returns true
static bool
s_flag_value (int argc, char *argv [], int *index, const char *short_flag,
              const char *long_flag, const char **value)
{
    const char *arg = argv [*index];
    size_t length = strlen (long_flag);
    if (strncmp (arg, long_flag, length) == 0 && arg [length] == '=') {
        *value = arg + length + 1;
        return true;
    }
    if (streq (arg, long_flag) || (short_flag && streq (arg, short_flag))) {
        *value = *index + 1 < argc ? argv [++*index] : NULL;
        return true;
    }
    return false;
}

static int
s_load_config (imw_options_t *self, bool explicit_path, FILE *err)
{
    im_config_default (&self->config);
    im_policy_defaults (&self->policy);
    if (!explicit_path) {
        if (access (IMW_DEFAULT_CONFIG, R_OK) != 0)
            return 0;               //  No file: the built-in defaults
        im_strlcpy (self->config_path, IMW_DEFAULT_CONFIG,
                    sizeof self->config_path);
    }
    char errbuf [8192] = "";
    int rc = im_config_load (&self->config, &self->policy, self->config_path,
                             errbuf, sizeof errbuf);
    if (rc == IM_ENOTFOUND)
        fprintf (err, "%s: cannot read\n", self->config_path);
    else
    if (rc)
        fprintf (err, "%s%s", errbuf,
                 *errbuf && errbuf [strlen (errbuf) - 1] != '\n' ? "\n" : "");
    return rc;
}

static int
s_set_string (char *dst, size_t size, const char *flag, const char *value,
              FILE *err)
{
    if (!value || !*value) {
        fprintf (err, "%s: needs a value\n", flag);
        return IM_EINVAL;
    }
    if (im_strlcpy (dst, value, size)) {
        fprintf (err, "%s: value longer than %zu bytes\n", flag, size - 1);
        return IM_EINVAL;
    }
    return 0;
}

int
imw_options_parse (imw_options_t *self, const imw_role_t *role,
                   int argc, char *argv [], FILE *err)
{
    assert (self && role && err);
    memset (self, 0, sizeof *self);
    self->credit = IMW_CREDIT_DEFAULT;
    snprintf (self->instance, sizeof self->instance, "%s-%ld",
              role->name, (long) getpid ());
    const char *client = NULL;
    const char *workers = NULL;
    bool explicit_config = false;
    int rc = 0;

    for (int index = 1; index < argc && rc == 0; index++) {
        const char *arg = argv [index];
        const char *value = NULL;
        if (streq (arg, "-h") || streq (arg, "--help")) {
            s_usage (role, stdout);
            return IMW_HELP;
        }
        else
        if (streq (arg, "-v") || streq (arg, "--verbose"))
            self->verbose = true;
        else
        if (s_flag_value (argc, argv, &index, "-c", "--config", &value)) {
            rc = s_set_string (self->config_path, sizeof self->config_path,
                               "--config", value, err);
            explicit_config = true;
        }
        else
        if (s_flag_value (argc, argv, &index, NULL, "--endpoint", &value)) {
            client = value;
            rc = s_set_string (self->client_endpoint,
                               sizeof self->client_endpoint,
                               "--endpoint", value, err);
        }
        else
        if (s_flag_value (argc, argv, &index, NULL, "--workers", &value)) {
            workers = value;
            rc = s_set_string (self->worker_endpoint,
                               sizeof self->worker_endpoint,
                               "--workers", value, err);
        }
        else
        if (s_flag_value (argc, argv, &index, NULL, "--instance", &value))
            rc = s_set_string (self->instance, sizeof self->instance,
                               "--instance", value, err);
        else
        if (s_flag_value (argc, argv, &index, NULL, "--credit", &value)) {
            char *end = NULL;
            long credit = value ? strtol (value, &end, 10) : 0;
            if (!value || !*value || *end
            ||  credit < 1 || credit > IM_PROTO_CREDIT_MAX) {
                fprintf (err, "--credit: want 1..%d, got '%s'\n",
                         IM_PROTO_CREDIT_MAX, value ? value : "");
                rc = IM_EINVAL;
            }
            else
                self->credit = (uint32_t) credit;
        }
        else {
            fprintf (err, "%s: unknown option (try --help)\n", arg);
            rc = IM_EINVAL;
        }
    }
    if (rc == 0)
        rc = s_load_config (self, explicit_config, err);
    //  A cluster's members are every node a worker may fail over to
    if (rc == 0 && !client
    &&  im_config_member_endpoints (&self->config, false,
                                    self->client_endpoint,
                                    sizeof self->client_endpoint))
        im_strlcpy (self->client_endpoint, self->config.client_endpoint,
                    sizeof self->client_endpoint);
    if (rc == 0 && !workers
    &&  im_config_member_endpoints (&self->config, true,
                                    self->worker_endpoint,
                                    sizeof self->worker_endpoint))
        im_strlcpy (self->worker_endpoint, self->config.worker_endpoint,
                    sizeof self->worker_endpoint);
    return rc;
}
