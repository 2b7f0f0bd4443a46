/*  imc_incident_list - the lists of incident ids a projection holds

    Children, related incidents and the like are kept in the projection
    as one string of comma-separated ids, so that the projection stays a
    flat fields map that encodes and turns into JSON like any other.
    These add, remove and find an id (or, for reporters, a name) in one,
    and fold the events that change them: links and notes.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_incident.h"
#include "imc_incident.h"
#include "imc_incident_private.h"

//  Finds item in list; returns where its text starts, or NULL
static const char *
s_list_find_text (const char *list, const char *item)
{
    size_t length = strlen (item);
    for (const char *at = list; at && *at; ) {
        const char *comma = strchr (at, ',');
        size_t size = comma ? (size_t) (comma - at) : strlen (at);
        if (size == length && memcmp (at, item, size) == 0)
            return at;
        at = comma ? comma + 1 : NULL;
    }
    return NULL;
}

static const char *
s_list_find (const char *list, int64_t id)
{
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    return s_list_find_text (list, text);
}

bool
imc_incident_list_has (const im_fields_t *incident, const char *key,
                       int64_t id)
{
    assert (incident && key);
    return s_list_find (im_fields_str (incident, key), id) != NULL;
}

//  Adds item (no comma in it) to the list under key unless it is there
int
imc_incident_list_add_text (im_fields_t *incident, const char *key,
                            const char *item)
{
    const char *list = im_fields_str_or (incident, key, "");
    if (!*item || s_list_find_text (list, item))
        return 0;
    size_t size = strlen (list) + strlen (item) + 2;
    char *grown = (char *) malloc (size);
    if (!grown)
        return IM_ENOMEM;
    snprintf (grown, size, "%s%s%s", list, *list ? "," : "", item);
    int rc = im_fields_set_str (incident, key, grown);
    free (grown);
    return rc;
}

int
imc_incident_list_add (im_fields_t *incident, const char *key, int64_t id)
{
    assert (incident && key);
    char text [24];
    snprintf (text, sizeof text, "%" PRId64, id);
    return imc_incident_list_add_text (incident, key, text);
}

void
imc_incident_list_remove (im_fields_t *incident, const char *key, int64_t id)
{
    assert (incident && key);
    const char *list = im_fields_str (incident, key);
    const char *at = s_list_find (list, id);
    if (!at)
        return;
    char *copy = strdup (list);
    if (!copy)
        return;
    char *start = copy + (at - list);
    char *comma = strchr (start, ',');
    if (comma)
        memmove (start, comma + 1, strlen (comma + 1) + 1);
    else
    if (start > copy)
        start [-1] = 0;             //  The last one: drop its comma too
    else
        *start = 0;
    if (*copy)
        im_fields_set_str (incident, key, copy);
    else
        im_fields_remove (incident, key);
    free (copy);
}

//  Appends a line to the incident's notes (its comments, and those of
//  duplicates merged into it), keeping the last IM_INCIDENT_NOTES_MAX
//  bytes from a line's start: the projection stays bounded, and the
//  timeline keeps every comment
void
imc_incident_note (im_fields_t *incident, const char *line)
{
    if (!line || !*line)
        return;
    const char *notes = im_fields_str_or (incident, IM_KEY_NOTES, "");
    size_t size = strlen (notes) + strlen (line) + 2;
    char *joined = (char *) malloc (size);
    if (!joined)
        return;
    snprintf (joined, size, "%s%s%s", notes, *notes ? "\n" : "", line);
    const char *kept = joined;
    while (strlen (kept) > IM_INCIDENT_NOTES_MAX) {
        const char *newline = strchr (kept, '\n');
        kept = newline ? newline + 1 : kept + strlen (kept)
                                     - IM_INCIDENT_NOTES_MAX;
    }
    im_fields_set_str (incident, IM_KEY_NOTES, kept);
    free (joined);
}

//  Where each kind of link goes in the projection: an int for the one
//  incident it names (parent, duplicate_of), else a list of ids
static const struct {
    const char *link;               //  incident.linked "link"
    const char *key;                //  Projection key
    bool list;                      //  A list of ids, else one id
} s_links [] = {
    { "parent", IM_KEY_PARENT, false }, { "child", IM_KEY_CHILDREN, true },
    { "related", IM_KEY_RELATED, true },
    { "duplicate_of", IM_KEY_DUPLICATE_OF, false },
    { "duplicate", IM_KEY_DUPLICATES, true },
    { "follow_up", IM_KEY_FOLLOW_UPS, true },
};

//  Records a link (or removes it for action "unlink"); a duplicate
//  merged in brings its reporters
void
imc_incident_link (im_fields_t *incident, const im_fields_t *payload)
{
    const char *link = im_fields_str_or (payload, IM_KEY_LINK, "");
    int64_t other = im_fields_int_or (payload, IM_KEY_OTHER, 0);
    bool unlink = streq (im_fields_str_or (payload, IM_KEY_ACTION, "link"),
                         "unlink");
    size_t index = 0;
    while (index < sizeof s_links / sizeof s_links [0]
       &&  !streq (s_links [index].link, link))
        index++;
    if (other <= 0 || index == sizeof s_links / sizeof s_links [0])
        return;
    const char *key = s_links [index].key;
    if (!s_links [index].list) {
        if (unlink)
            im_fields_remove (incident, key);
        else
            im_fields_set_int (incident, key, other);
    }
    else
    if (unlink)
        imc_incident_list_remove (incident, key, other);
    else
        imc_incident_list_add (incident, key, other);
    //  A merged duplicate's notes are the survivor's now
    if (!unlink)
        imc_incident_note (incident, im_fields_str (payload, IM_KEY_NOTES));
    //  Reporters come as a comma-separated list of names
    const char *reporters = im_fields_str (payload, IM_KEY_REPORTERS);
    while (!unlink && reporters && *reporters) {
        const char *comma = strchr (reporters, ',');
        size_t size = comma ? (size_t) (comma - reporters)
                            : strlen (reporters);
        char name [IM_ACTOR_MAX];
        if (size < sizeof name) {
            memcpy (name, reporters, size);
            name [size] = 0;
            if (!streq (name, im_fields_str_or (incident, IM_KEY_REPORTER, "")))
                imc_incident_list_add_text (incident, IM_KEY_REPORTERS, name);
        }
        reporters = comma ? comma + 1 : NULL;
    }
}
