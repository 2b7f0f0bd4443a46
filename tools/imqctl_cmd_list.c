/*  imqctl_cmd_list - imqctl list and show: the incident projections

    The two ways an operator looks at the desk: a table of many
    incidents to pick from, and everything known about one of them.
    Both read projections (queries, no Raft), so they are cheap to run
    as often as anyone likes.
*/
#include "imqctl.h"

//  ---------------------------------------------------------------------
//  list [--status S] [--priority N] [--assignee A] [--limit N] [--after ID]

static const imqctl_flag_t s_list_flags [] = {
    { IM_KEY_STATUS,   "STATUS", IMQCTL_STR, false, 0, 0,
                  "new|assigned|in_progress|pending|resolved|closed"
                  "|cancelled" },
    { IM_KEY_PRIORITY, "1-5",    IMQCTL_INT, false, 1, 5, NULL },
    { IM_KEY_ASSIGNEE, "A",      IMQCTL_STR, false, 0, 0, NULL },
    { IM_KEY_LIMIT,    "N",      IMQCTL_INT, false, 1, 10000, NULL },
    { IM_KEY_AFTER,    "ID",     IMQCTL_INT, false, 0, INT64_MAX, NULL },
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Adds one projection as a table row
static int
s_add_row (imqctl_table_t *table, const im_fields_t *incident,
           uint64_t now)
{
    char id [24], priority [8], status [32], type [16], category [64];
    char group [64], agent [64], age [16];
    imqctl_text (incident, IM_KEY_ID, id, sizeof id);
    imqctl_text_priority (incident, priority, sizeof priority);
    imqctl_text (incident, IM_KEY_STATUS, status, sizeof status);
    imqctl_text (incident, IM_KEY_TYPE, type, sizeof type);
    imqctl_text (incident, IM_KEY_CATEGORY, category, sizeof category);
    imqctl_text (incident, IM_KEY_GROUP, group, sizeof group);
    imqctl_text (incident, IM_KEY_AGENT, agent, sizeof agent);
    int64_t created = im_fields_int_or (incident, IM_KEY_CREATED_MS, 0);
    if (created > 0 && (uint64_t) created <= now)
        imqctl_text_duration (now - (uint64_t) created, age, sizeof age);
    else
        snprintf (age, sizeof age, "-");
    const char *title = im_fields_str_or (incident, IM_KEY_TITLE, "");
    const char *cells [] = {
        id, priority, status, type, category, group, agent, age, title
    };
    return imqctl_table_add (table, cells);
}

static int
s_run_list (imqctl_t *self)
{
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, self->flags, false, &reply);
    if (rc)
        return rc;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, "incidents");
        imqctl_json_print (&json);
        im_reply_destroy (&reply);
        return IMQCTL_EXIT_OK;
    }
    const char *headers [] = {
        "ID", "PRI", "STATUS", "TYPE", "CATEGORY", "GROUP", "AGENT", "AGE",
        "TITLE"
    };
    imqctl_table_t *table = imqctl_table_new (headers, 9);
    uint64_t now = im_now_ms ();
    size_t rows = 0;
    if (table && reply->items) {
        const im_fields_t *incident = (const im_fields_t *)
            zlist_first (reply->items);
        while (incident && rc == 0) {
            rc = s_add_row (table, incident, now);
            rows++;
            incident = (const im_fields_t *) zlist_next (reply->items);
        }
    }
    if (!table || rc) {
        fprintf (stderr, "imqctl: list: out of memory\n");
        rc = IMQCTL_EXIT_BROKER;
    }
    else
    if (rows == 0)
        printf ("no incidents\n");
    else
        imqctl_table_print (table, stdout, IMQCTL_WIDTH);
    imqctl_table_destroy (&table);
    im_reply_destroy (&reply);
    return rc;
}

const imqctl_verb_t imqctl_verb_list = {
    "list", "LIST", NULL, 0, 0, s_list_flags,
    "list incidents, optionally by status, priority or assignee",
    s_run_list
};

//  ---------------------------------------------------------------------
//  show ID

static const imqctl_flag_t s_show_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Prints the projection as "key  value" lines, keys aligned; the
//  continuation lines of a multi-line value are indented to the values
static void
s_print_fields (const im_fields_t *fields, char *buffer, size_t size)
{
    size_t count = im_fields_size (fields);
    int pad = 0;
    for (size_t index = 0; index < count; index++) {
        size_t length = strlen (im_fields_key_at (fields, index));
        if ((int) length > pad)
            pad = (int) length;
    }
    for (size_t index = 0; index < count; index++) {
        imqctl_text_at (fields, index, buffer, size);
        printf ("%-*s  ", pad, im_fields_key_at (fields, index));
        for (const char *cursor = buffer; *cursor; cursor++) {
            putchar (*cursor);
            if (*cursor == '\n')
                printf ("%*s  ", pad, "");
        }
        putchar ('\n');
    }
}

static int
s_run_show (imqctl_t *self)
{
    im_reply_t *reply = NULL;
    int rc = imqctl_call_incident (self, false, &reply);
    if (rc)
        return rc;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, NULL);
        imqctl_json_print (&json);
    }
    else {
        //  Large enough for the longest string value a map may hold
        size_t size = IM_FIELDS_VALUE_MAX + 128;
        char *buffer = (char *) malloc (size);
        if (buffer && reply->body)
            s_print_fields (reply->body, buffer, size);
        free (buffer);
    }
    im_reply_destroy (&reply);
    return IMQCTL_EXIT_OK;
}

const imqctl_verb_t imqctl_verb_show = {
    "show", "GET", "ID", 1, 1, s_show_flags,
    "show everything known about one incident", s_run_show
};
