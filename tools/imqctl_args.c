/*  imqctl_args - the command line: global flags, the verb, its flags

    Operators put global flags before or after the verb and mix flags
    with positional arguments (`imqctl show 5 --json`), and that must
    work the same under a strict POSIX getopt, which stops at the first
    non-option. So getopt_long runs in "+" mode and this loop steps over
    each positional argument itself. Values are checked here, against
    the verb's flag table, so a bad command line never reaches a broker.
*/
#define _GNU_SOURCE             //  strptime, timegm
#include "imqctl.h"
#include <getopt.h>
#include <stdarg.h>

#define IMQCTL_FLAGS_MAX        24      //  Flags of one verb
#define IMQCTL_ACTOR_MAX        63      //  Bytes in an actor
#define IMQCTL_TIMEOUT_MAX      3600000 //  An hour, in ms
#define IMQCTL_DEFAULT_ENDPOINT "tcp://127.0.0.1:7700"

//  getopt_long values of the global flags; a verb flag's value is
//  IMQCTL_OPT_VERB + its index
enum {
    IMQCTL_OPT_JSON = 256,
    IMQCTL_OPT_TIMEOUT,
    IMQCTL_OPT_ACTOR,
    IMQCTL_OPT_LINEARIZABLE,
    IMQCTL_OPT_REQUEST_ID,
    IMQCTL_OPT_CERT,
    IMQCTL_OPT_KEYS,
    IMQCTL_OPT_NO_CURVE,
    IMQCTL_OPT_VERB = 512
};

static const char *s_global_usage =
    "global flags (before or after the verb):\n"
    "  -e, --endpoint ENDPOINT  broker endpoints, comma-separated\n"
    "                           (default $IMQ_ENDPOINTS, else "
    IMQCTL_DEFAULT_ENDPOINT ")\n"
    "      --json               print JSON instead of tables\n"
    "      --timeout MS         wait at most MS for an answer (default 5000)\n"
    "      --actor NAME         who asks, where the broker runs without\n"
    "                           CURVE (default $USER, else anonymous); with\n"
    "                           CURVE the certificate's principal is who asks\n"
    "      --cert FILE          this user's certificate (default $IMQ_CERT,\n"
    "                           else KEYS/$USER.key_secret, else\n"
    "                           KEYS/admin.key_secret)\n"
    "      --keys DIR           the nodes' public certificates (default\n"
    "                           $IMQ_KEYS, else ./imq-keys when it exists,\n"
    "                           else ~/.config/imq/keys)\n"
    "      --no-curve           talk to a broker that runs without CURVE\n"
    "      --linearizable       read through the leader, after every write\n"
    "                           acknowledged before (default: any node)\n"
    "      --request-id ID      the command's request id (default: a new\n"
    "                           one); the same id again applies it at most\n"
    "                           once and answers its result\n"
    "  -h, --help               show this help, or a verb's with VERB --help\n"
    "exit status: 0 done, 1 the broker answered with an error, 2 invalid\n"
    "arguments, 3 no answer within the timeout\n";

//  Parses a whole decimal integer. Returns true when text is one.
static bool
s_parse_int (const char *text, int64_t *value)
{
    if (!*text || isspace ((unsigned char) *text))
        return false;
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll (text, &end, 10);
    if (errno || *end)
        return false;
    *value = (int64_t) parsed;
    return true;
}

//  Returns true when value is one of the '|'-separated choices
static bool
s_is_choice (const char *choices, const char *value)
{
    size_t length = strlen (value);
    const char *cursor = choices;
    while (*cursor) {
        const char *bar = strchr (cursor, '|');
        size_t span = bar? (size_t) (bar - cursor): strlen (cursor);
        if (span == length && strncmp (cursor, value, span) == 0)
            return true;
        cursor += bar? span + 1: span;
    }
    return false;
}

//  Writes the verb's synopsis: "open --title T [--service S] ..."
static void
s_synopsis (const imqctl_verb_t *verb, FILE *out)
{
    fprintf (out, "usage: imqctl %s", verb->name);
    if (verb->args)
        fprintf (out, " %s", verb->args);
    for (const imqctl_flag_t *flag = verb->flags; flag->name; flag++)
        if (flag->type == IMQCTL_BOOL)
            fprintf (out, " [--%s]", flag->name);
        else
            fprintf (out, flag->required? " --%s %s": " [--%s %s]",
                     flag->name, flag->meta);
    fprintf (out, verb->wire? " [--json]\n": "\n");
}

void
imqctl_args_usage (const imqctl_verb_t *verb, FILE *out)
{
    assert (verb);
    s_synopsis (verb, out);
    fprintf (out, "%s\n\n%s", verb->summary, s_global_usage);
}

void
imqctl_args_usage_all (const imqctl_verb_t *const *verbs, FILE *out)
{
    fprintf (out, "usage: imqctl [global flags] VERB [arguments] [flags]\n"
                  "\nverbs:\n");
    for (size_t index = 0; verbs [index]; index++)
        fprintf (out, "  %-10s %s\n", verbs [index]->name,
                 verbs [index]->summary);
    fprintf (out, "\n%s", s_global_usage);
}

int
imqctl_args_fail (const imqctl_t *self, const char *format, ...)
{
    char message [512];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    if (self->verb) {
        fprintf (stderr, "imqctl: %s: %s\n", self->verb->name, message);
        s_synopsis (self->verb, stderr);
        fprintf (stderr, "run 'imqctl %s --help' for details\n",
                 self->verb->name);
    }
    else
        fprintf (stderr, "imqctl: %s\nrun 'imqctl help' for the verbs\n",
                 message);
    return IMQCTL_EXIT_USAGE;
}

int
imqctl_args_time (const char *text, int64_t *since)
{
    uint64_t ago = 0;
    char *end = NULL;
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    if (im_config_parse_duration (text, &ago) == 0) {
        uint64_t now = im_now_ms ();
        *since = (int64_t) (now > ago ? now - ago : 0);
        return 0;
    }
    errno = 0;
    long long value = strtoll (text, &end, 10);
    if (*text && end && *end == 0 && errno == 0 && value >= 0) {
        *since = value;
        return 0;
    }
    end = strptime (text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end && *end == 0) {
        *since = (int64_t) timegm (&tm) * 1000;
        return 0;
    }
    return -1;
}

int
imqctl_args_id (const imqctl_t *self, size_t index, int64_t *id)
{
    assert (index < self->args_n);
    const char *text = self->args [index];
    if (!s_parse_int (text, id) || *id < 1)
        return imqctl_args_fail (self,
            "'%s' is not an incident id (a positive integer)", text);
    return IMQCTL_EXIT_OK;
}

//  Returns the index in argv of the verb: the first argument that is
//  neither a flag nor the value of a global flag; 0 when there is none
static int
s_find_verb (int argc, char *argv [])
{
    for (int index = 1; index < argc; index++) {
        const char *arg = argv [index];
        if (streq (arg, "--"))
            return index + 1 < argc? index + 1: 0;
        if (arg [0] != '-' || arg [1] == 0)
            return index;
        if (streq (arg, "-e") || streq (arg, "--endpoint")
        ||  streq (arg, "--timeout") || streq (arg, "--actor")
        ||  streq (arg, "--request-id") || streq (arg, "--cert")
        ||  streq (arg, "--keys"))
            index++;                //  Skip the flag's value
    }
    return 0;
}

//  Checks one verb flag's value and stores it in self->flags
static int
s_take_flag (imqctl_t *self, const imqctl_flag_t *flag, const char *value)
{
    int rc = 0;
    if (flag->type == IMQCTL_BOOL)
        rc = im_fields_set_int (self->flags, flag->name, 1);
    else
    if (flag->type == IMQCTL_INT) {
        int64_t number = 0;
        if (!s_parse_int (value, &number) || number < flag->min
        ||  number > flag->max)
            return imqctl_args_fail (self,
                "--%s needs an integer from %" PRId64 " to %" PRId64
                ", got '%s'", flag->name, flag->min, flag->max, value);
        rc = im_fields_set_int (self->flags, flag->name, number);
    }
    else {
        if (flag->choices && !s_is_choice (flag->choices, value))
            return imqctl_args_fail (self, "--%s must be one of %s, got '%s'",
                                     flag->name, flag->choices, value);
        rc = im_fields_set_str (self->flags, flag->name, value);
    }
    if (rc)
        return imqctl_args_fail (self, "--%s: %s", flag->name,
                                 im_strerror (rc));
    return IMQCTL_EXIT_OK;
}

//  Handles one getopt_long result; returns an exit code
static int
s_take_option (imqctl_t *self, int option, char *argv [])
{
    int64_t number = 0;
    const char *arg = argv [optind - 1];
    switch (option) {
        case 'e':
            self->endpoint = optarg;
            break;
        case 'h':
            self->help = true;
            break;
        case IMQCTL_OPT_JSON:
            self->json = true;
            break;
        case IMQCTL_OPT_LINEARIZABLE:
            self->linearizable = true;
            break;
        case IMQCTL_OPT_CERT:
            self->cert = optarg;
            break;
        case IMQCTL_OPT_KEYS:
            self->keys = optarg;
            break;
        case IMQCTL_OPT_NO_CURVE:
            self->no_curve = true;
            break;
        case IMQCTL_OPT_TIMEOUT:
            if (!s_parse_int (optarg, &number) || number < 1
            ||  number > IMQCTL_TIMEOUT_MAX)
                return imqctl_args_fail (self,
                    "--timeout needs a number of ms from 1 to %d, got '%s'",
                    IMQCTL_TIMEOUT_MAX, optarg);
            self->timeout_ms = (int) number;
            break;
        case IMQCTL_OPT_REQUEST_ID:
            if (!*optarg || strlen (optarg) >= IM_REQUEST_ID_MAX)
                return imqctl_args_fail (self,
                    "--request-id needs an id of 1 to %d bytes",
                    IM_REQUEST_ID_MAX - 1);
            self->request_id = optarg;
            break;
        case IMQCTL_OPT_ACTOR:
            self->actor_given = true;
            if (!*optarg || strlen (optarg) > IMQCTL_ACTOR_MAX)
                return imqctl_args_fail (self,
                    "--actor needs a name of 1 to %d bytes",
                    IMQCTL_ACTOR_MAX);
            self->actor = optarg;
            break;
        case ':':
            return imqctl_args_fail (self, "flag '%s' needs a value", arg);
        case '?':
            if (optopt > 0 && optopt < 256 && strncmp (arg, "--", 2) != 0)
                return imqctl_args_fail (self, "unknown flag '-%c'", optopt);
            return imqctl_args_fail (self, "unknown or malformed flag '%s'",
                                     arg);
        default:
            assert (option >= IMQCTL_OPT_VERB);
            return s_take_flag (self,
                &self->verb->flags [option - IMQCTL_OPT_VERB], optarg);
    }
    return IMQCTL_EXIT_OK;
}

//  Builds the getopt_long table: global flags, then the verb's
static void
s_build_options (const imqctl_verb_t *verb, struct option *options)
{
    const struct option globals [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "help",     no_argument,       NULL, 'h' },
        { "json",     no_argument,       NULL, IMQCTL_OPT_JSON },
        { "timeout",  required_argument, NULL, IMQCTL_OPT_TIMEOUT },
        { "actor",    required_argument, NULL, IMQCTL_OPT_ACTOR },
        { "linearizable", no_argument,   NULL, IMQCTL_OPT_LINEARIZABLE },
        { "request-id", required_argument, NULL, IMQCTL_OPT_REQUEST_ID },
        { "cert",     required_argument, NULL, IMQCTL_OPT_CERT },
        { "keys",     required_argument, NULL, IMQCTL_OPT_KEYS },
        { "no-curve", no_argument,       NULL, IMQCTL_OPT_NO_CURVE },
    };
    size_t count = sizeof globals / sizeof globals [0];
    memcpy (options, globals, sizeof globals);
    for (size_t index = 0; verb && verb->flags [index].name; index++) {
        assert (index < IMQCTL_FLAGS_MAX);
        options [count++] = (struct option) {
            verb->flags [index].name,
            verb->flags [index].type == IMQCTL_BOOL ? no_argument
                                                    : required_argument,
            NULL,
            IMQCTL_OPT_VERB + (int) index
        };
    }
    options [count] = (struct option) { NULL, 0, NULL, 0 };
}

//  Checks positional count and required flags once everything is read
static int
s_check_complete (imqctl_t *self)
{
    const imqctl_verb_t *verb = self->verb;
    if (self->args_n < verb->args_min)
        return imqctl_args_fail (self, "missing argument: expects %s",
                                 verb->args);
    if (self->args_n > verb->args_max)
        return imqctl_args_fail (self, "unexpected argument '%s'",
                                 self->args [verb->args_max]);
    for (const imqctl_flag_t *flag = verb->flags; flag->name; flag++)
        if (flag->required && !im_fields_has (self->flags, flag->name))
            return imqctl_args_fail (self, "missing required flag --%s %s",
                                     flag->name, flag->meta);
    return IMQCTL_EXIT_OK;
}

int
imqctl_args_parse (imqctl_t *self, int argc, char *argv [],
                   const imqctl_verb_t *const *verbs)
{
    assert (self);
    memset (self, 0, sizeof (imqctl_t));
    const char *env = getenv ("IMQ_ENDPOINTS");
    self->endpoint = env && *env? env: IMQCTL_DEFAULT_ENDPOINT;
    self->timeout_ms = 5000;
    env = getenv ("USER");
    self->actor = env && *env && strlen (env) <= IMQCTL_ACTOR_MAX?
                  env: "anonymous";
    self->flags = im_fields_new ();
    if (!self->flags)
        return imqctl_args_fail (self, "out of memory");

    int verb_at = s_find_verb (argc, argv);
    if (verb_at) {
        for (size_t index = 0; verbs [index] && !self->verb; index++)
            if (streq (verbs [index]->name, argv [verb_at]))
                self->verb = verbs [index];
        if (!self->verb)
            return imqctl_args_fail (self, "unknown verb '%s'",
                                     argv [verb_at]);
    }
    struct option options [10 + IMQCTL_FLAGS_MAX + 1];
    s_build_options (self->verb, options);

    optind = 1;
    opterr = 0;
    bool only_args = false;         //  After "--": all positional
    while (optind < argc) {
        const char *arg = argv [optind];
        if (!only_args && streq (arg, "--")) {
            only_args = true;
            optind++;
        }
        else
        if (only_args || arg [0] != '-' || arg [1] == 0) {
            if (optind != verb_at) {
                if (self->args_n == IMQCTL_ARGS_MAX)
                    return imqctl_args_fail (self, "too many arguments");
                self->args [self->args_n++] = arg;
            }
            optind++;
        }
        else {
            int option = getopt_long (argc, argv, "+:e:h", options, NULL);
            if (option == -1)
                break;
            int rc = s_take_option (self, option, argv);
            if (rc)
                return rc;
        }
    }
    if (!self->verb) {
        if (self->help)
            return IMQCTL_EXIT_OK;
        fprintf (stderr, "imqctl: no verb given\n");
        imqctl_args_usage_all (verbs, stderr);
        return IMQCTL_EXIT_USAGE;
    }
    if (self->help)
        return IMQCTL_EXIT_OK;
    return s_check_complete (self);
}

void
imqctl_args_clear (imqctl_t *self)
{
    assert (self);
    im_fields_destroy (&self->flags);
    im_curve_destroy (&self->curve);
}
