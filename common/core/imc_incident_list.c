/*  imc_incident_list - the lists of incident ids a projection holds

    Children, related incidents and the like are kept in the projection
    as one string of comma-separated ids, so that the projection stays a
    flat fields map that encodes and turns into JSON like any other.
    These add, remove and find an id (or, for reporters, a name) in one.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_error.h"
#include "im_fields.h"
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
