/*  imqctl_cmd_status - imqctl status: the node and its consumer groups

    The first thing to look at when something is slow or stuck: is this
    node the leader, is it applying what it commits, and are the workers
    keeping up (a growing LAG or INFLIGHT names the group that is not).
*/
#include "imqctl.h"

static const imqctl_flag_t s_flags [] = {
    { NULL, NULL, IMQCTL_STR, false, 0, 0, NULL }
};

//  Prints the node's figures as "label  value" lines; the label is the
//  key with '_' shown as ' ', so new figures need no change here
static void
s_print_node (const im_fields_t *body)
{
    size_t count = im_fields_size (body);
    int pad = 0;
    for (size_t index = 0; index < count; index++) {
        size_t length = strlen (im_fields_key_at (body, index));
        if ((int) length > pad)
            pad = (int) length;
    }
    for (size_t index = 0; index < count; index++) {
        char label [IM_FIELDS_KEY_MAX + 1];
        im_strlcpy (label, im_fields_key_at (body, index), sizeof label);
        for (char *cursor = label; *cursor; cursor++)
            if (*cursor == '_')
                *cursor = ' ';
        char value [256];
        imqctl_text_at (body, index, value, sizeof value);
        printf ("%-*s  %s\n", pad, label, value);
    }
}

//  Prints one row per consumer group
static int
s_print_groups (zlist_t *items)
{
    const char *headers [] = {
        "GROUP", "INSTANCES", "OFFSET", "LAG", "INFLIGHT"
    };
    const char *keys [] = { "group", "instances", "offset", "lag", "inflight" };
    imqctl_table_t *table = imqctl_table_new (headers, 5);
    int rc = table? 0: IM_ENOMEM;
    const im_fields_t *group = items?
        (const im_fields_t *) zlist_first (items): NULL;
    if (!group && rc == 0)
        printf ("\nno consumer groups\n");
    while (group && rc == 0) {
        char cells [5][80];
        const char *row [5];
        for (size_t column = 0; column < 5; column++) {
            imqctl_text (group, keys [column], cells [column], 80);
            row [column] = cells [column];
        }
        rc = imqctl_table_add (table, row);
        group = (const im_fields_t *) zlist_next (items);
        if (!group && rc == 0) {
            printf ("\n");
            imqctl_table_print (table, stdout, IMQCTL_WIDTH);
        }
    }
    imqctl_table_destroy (&table);
    return rc;
}

static int
s_run_status (imqctl_t *self)
{
    im_reply_t *reply = NULL;
    int rc = imqctl_call (self, self->flags, false, &reply);
    if (rc)
        return rc;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, "workers");
        imqctl_json_print (&json);
    }
    else {
        if (reply->body)
            s_print_node (reply->body);
        if (s_print_groups (reply->items)) {
            fprintf (stderr, "imqctl: status: out of memory\n");
            rc = IMQCTL_EXIT_BROKER;
        }
    }
    im_reply_destroy (&reply);
    return rc;
}

const imqctl_verb_t imqctl_verb_status = {
    "status", "STATUS", NULL, 0, 0, s_flags,
    "show the node's raft state and its consumer groups", s_run_status
};
