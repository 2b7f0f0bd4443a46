/*  imqctl_cmd_sla - imqctl sla report: how the desk kept its SLA targets

        sla report --since T [--until T] [--by priority|category|group|
                   service] [--csv] [--json]

    Asks the broker for SLA-REPORT (docs/protocol.md section 3.9): the
    SLA clocks that ended in [since, until) (until defaults to now),
    how many met and missed their target, and how long they ran in
    working time, on average and at worst, per group and in total. T is
    a duration back from now ("7d"), ms since the epoch or an RFC 3339
    UTC time. Prints a table, or the same figures as JSON (--json) or
    CSV (--csv, RFC 4180: a header line, one line per group, then the
    total). Needs the role analyst, a manager's or administrator.
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { IM_KEY_SINCE, "T", IMQCTL_STR, true, 0, 0, NULL },
    { IM_KEY_UNTIL, "T", IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_BY, "WHAT", IMQCTL_STR, false, 0, 0,
      "priority|category|group|service" },
    { IM_KEY_CSV, NULL, IMQCTL_BOOL, false, 0, 0, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

static const char *s_clocks [2] = { "response", "resolution" };
static const char *s_stats [5] = {
    "met", "missed", "timed", "avg_ms", "worst_ms"
};

//  The figure <clock>_<stat> of a group
static int64_t
s_stat (const im_fields_t *group, int clock, int stat)
{
    char key [48];
    snprintf (key, sizeof key, "%s_%s", s_clocks [clock], s_stats [stat]);
    return im_fields_int_or (group, key, 0);
}

//  Writes the share of clocks that met, in percent with one decimal
//  rounded half up ("83.3"), or "-" when there is no clock
static void
s_percent (const im_fields_t *group, char *buffer, size_t size)
{
    int64_t clocks = im_fields_int_or (group, IM_KEY_CLOCKS, 0);
    int64_t met = im_fields_int_or (group, IM_KEY_MET, 0);
    if (clocks <= 0) {
        snprintf (buffer, size, "-");
        return;
    }
    int64_t tenths = (met * 1000 + clocks / 2) / clocks;
    snprintf (buffer, size, "%" PRId64 ".%" PRId64, tenths / 10,
              tenths % 10);
}

//  Writes a working time for a person: "42.5s", "7m05s", "3h20m",
//  "4d06h"; "-" when no clock of the kind had a time
static void
s_duration (const im_fields_t *group, int clock, int stat, char *buffer,
            size_t size)
{
    if (s_stat (group, clock, 2) == 0) {
        snprintf (buffer, size, "-");
        return;
    }
    uint64_t ms = (uint64_t) s_stat (group, clock, stat);
    uint64_t seconds = ms / 1000;
    if (seconds < 60)
        snprintf (buffer, size, "%" PRIu64 ".%" PRIu64 "s", seconds,
                  ms % 1000 / 100);
    else
    if (seconds < 3600)
        snprintf (buffer, size, "%" PRIu64 "m%02" PRIu64 "s", seconds / 60,
                  seconds % 60);
    else
    if (seconds < 86400)
        snprintf (buffer, size, "%" PRIu64 "h%02" PRIu64 "m",
                  seconds / 3600, seconds % 3600 / 60);
    else
        snprintf (buffer, size, "%" PRIu64 "d%02" PRIu64 "h",
                  seconds / 86400, seconds % 86400 / 3600);
}

static void
s_table_row (imqctl_table_t *table, const im_fields_t *group,
             const char *name)
{
    char clocks [24], met [24], missed [24], percent [16];
    char times [4][24];
    imqctl_text (group, IM_KEY_CLOCKS, clocks, sizeof clocks);
    imqctl_text (group, IM_KEY_MET, met, sizeof met);
    imqctl_text (group, IM_KEY_MISSED, missed, sizeof missed);
    s_percent (group, percent, sizeof percent);
    for (int index = 0; index < 4; index++)
        s_duration (group, index / 2, 3 + index % 2, times [index],
                    sizeof times [index]);
    const char *cells [] = {
        name, clocks, met, missed, percent,
        times [0], times [1], times [2], times [3]
    };
    imqctl_table_add (table, cells);
}

static void
s_print_table (const im_reply_t *reply)
{
    const char *headers [] = {
        "GROUP", "CLOCKS", "MET", "MISSED", "MET%", "RESPOND-AVG",
        "RESPOND-WORST", "RESOLVE-AVG", "RESOLVE-WORST"
    };
    imqctl_table_t *table = imqctl_table_new (headers, 9);
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; table && item;
         item = (const im_fields_t *) zlist_next (reply->items))
        s_table_row (table, item, im_fields_str_or (item, IM_KEY_KEY, "-"));
    if (table)
        s_table_row (table, reply->body, "TOTAL");
    if (table)
        imqctl_table_print (table, stdout, 0);
    imqctl_table_destroy (&table);
    int64_t untimed = 0;
    for (int clock = 0; clock < 2; clock++)
        untimed += s_stat (reply->body, clock, 0) + s_stat (reply->body,
                                                             clock, 1)
                 - s_stat (reply->body, clock, 2);
    char since [64], until [64];
    im_format_time ((uint64_t) im_fields_int_or (reply->body,
                                                 IM_KEY_SINCE_MS, 0),
                    since, sizeof since);
    im_format_time ((uint64_t) im_fields_int_or (reply->body,
                                                 IM_KEY_UNTIL_MS, 0),
                    until, sizeof until);
    printf ("clocks that ended from %s to %s; times are working time\n",
            since, until);
    if (untimed > 0)
        printf ("%" PRId64 " clock(s) without a measured time are counted "
                "but not timed\n", untimed);
}

//  One group's figures as a JSON object
static json_t *
s_group_json (const im_fields_t *group)
{
    json_t *object = json_object ();
    const char *key = im_fields_str (group, IM_KEY_KEY);
    if (key)
        json_object_set_new (object, "group", json_string (key));
    int64_t clocks = im_fields_int_or (group, IM_KEY_CLOCKS, 0);
    int64_t met = im_fields_int_or (group, IM_KEY_MET, 0);
    json_object_set_new (object, "clocks", json_integer (clocks));
    json_object_set_new (object, "met", json_integer (met));
    json_object_set_new (object, "missed",
                         json_integer (im_fields_int_or (group,
                                                         IM_KEY_MISSED, 0)));
    if (clocks > 0)
        json_object_set_new (object, "met_pct", json_real (
            (double) ((met * 1000 + clocks / 2) / clocks) / 10.0));
    else
        json_object_set_new (object, "met_pct", json_null ());
    for (int clock = 0; clock < 2; clock++) {
        json_t *figures = json_object ();
        for (int stat = 0; stat < 5; stat++)
            json_object_set_new (figures, s_stats [stat],
                                 json_integer (s_stat (group, clock, stat)));
        json_object_set_new (object, s_clocks [clock], figures);
    }
    return object;
}

static void
s_print_json (const im_reply_t *reply)
{
    json_t *json = json_object ();
    json_object_set_new (json, "since_ms", json_integer (
        im_fields_int_or (reply->body, IM_KEY_SINCE_MS, 0)));
    json_object_set_new (json, "until_ms", json_integer (
        im_fields_int_or (reply->body, IM_KEY_UNTIL_MS, 0)));
    json_object_set_new (json, "by", json_string (
        im_fields_str_or (reply->body, IM_KEY_BY, "none")));
    json_t *groups = json_array ();
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        json_array_append_new (groups, s_group_json (item));
    json_object_set_new (json, "groups", groups);
    json_object_set_new (json, "total", s_group_json (reply->body));
    imqctl_json_print (&json);
}

static void
s_csv_row (const im_fields_t *group, const char *name)
{
    char cells [15][64];
    im_strlcpy (cells [0], name, sizeof cells [0]);
    imqctl_text (group, IM_KEY_CLOCKS, cells [1], sizeof cells [1]);
    imqctl_text (group, IM_KEY_MET, cells [2], sizeof cells [2]);
    imqctl_text (group, IM_KEY_MISSED, cells [3], sizeof cells [3]);
    s_percent (group, cells [4], sizeof cells [4]);
    if (streq (cells [4], "-"))
        cells [4][0] = 0;
    for (int clock = 0; clock < 2; clock++)
        for (int stat = 0; stat < 5; stat++)
            snprintf (cells [5 + clock * 5 + stat], sizeof cells [0],
                      "%" PRId64, s_stat (group, clock, stat));
    const char *row [15];
    for (int index = 0; index < 15; index++)
        row [index] = cells [index];
    imqctl_csv_row (stdout, row, 15);
}

static void
s_print_csv (const im_reply_t *reply)
{
    const char *header [15] = {
        "group", "clocks", "met", "missed", "met_pct"
    };
    char names [10][32];
    for (int clock = 0; clock < 2; clock++)
        for (int stat = 0; stat < 5; stat++) {
            snprintf (names [clock * 5 + stat], sizeof names [0], "%s_%s",
                      s_clocks [clock], s_stats [stat]);
            header [5 + clock * 5 + stat] = names [clock * 5 + stat];
        }
    imqctl_csv_row (stdout, header, 15);
    const im_fields_t *item = reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item; item = (const im_fields_t *) zlist_next (reply->items))
        s_csv_row (item, im_fields_str_or (item, IM_KEY_KEY, ""));
    s_csv_row (reply->body, "(total)");
}

static int
s_run (imqctl_t *self)
{
    if (!streq (self->args [0], "report"))
        return imqctl_args_fail (self, "what to do: 'report'");
    if (self->json && im_fields_has (self->flags, IM_KEY_CSV))
        return imqctl_args_fail (self, "--json and --csv: choose one");
    int64_t since = 0, until = (int64_t) im_now_ms ();
    const char *names [2] = { IM_KEY_SINCE, IM_KEY_UNTIL };
    int64_t *values [2] = { &since, &until };
    for (int index = 0; index < 2; index++) {
        const char *text = im_fields_str (self->flags, names [index]);
        if (text && imqctl_args_time (text, values [index]))
            return imqctl_args_fail (self, "--%s '%s' is not a duration "
                                     "(15m), ms since the epoch or an RFC "
                                     "3339 UTC time", names [index], text);
    }
    if (since > until)
        return imqctl_args_fail (self, "--since is after --until");
    im_fields_t *body = im_fields_new ();
    if (!body
    ||  im_fields_set_int (body, IM_KEY_SINCE_MS, since)
    ||  im_fields_set_int (body, IM_KEY_UNTIL_MS, until)
    ||  im_fields_set_str (body, IM_KEY_BY,
                           im_fields_str_or (self->flags, IM_KEY_BY,
                                             "none"))) {
        im_fields_destroy (&body);
        return imqctl_args_fail (self, "out of memory");
    }
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, body, false, &reply);
    im_fields_destroy (&body);
    if (rc)
        return rc;
    if (self->json)
        s_print_json (reply);
    else
    if (im_fields_has (self->flags, IM_KEY_CSV))
        s_print_csv (reply);
    else
        s_print_table (reply);
    im_reply_destroy (&reply);
    return IMQCTL_EXIT_OK;
}

const imqctl_verb_t imqctl_verb_sla = {
    "sla", "SLA-REPORT", "report", 1, 1, s_flags,
    "SLA compliance: clocks met and missed, working time to respond and "
    "resolve",
    s_run
};
