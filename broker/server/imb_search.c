/*  imb_search - how similar incidents were fixed

    SEARCH answers which resolved or closed incidents say, in their
    resolution notes, root cause or review summary, every word of the
    text asked for (in any case), newest first. It scans the incident
    projections, as LIST does: linear in the number of incidents, fine
    for a desk's history of thousands and the place for a word index
    when it is not.
*/
#include "imb_classes.h"
#include "imb_search.h"

#define S_WORDS_MAX     16          //  Words of one query

//  The fields searched, and those each match returns
static const char *s_searched [] = {
    IM_KEY_RESOLUTION, IM_KEY_ROOT_CAUSE, IM_KEY_REVIEW_SUMMARY };
static const char *s_returned [] = {
    IM_KEY_ID, IM_KEY_TITLE, IM_KEY_STATUS, IM_KEY_TYPE, IM_KEY_CATEGORY,
    IM_KEY_RESOLUTION_CODE,
    IM_KEY_RESOLUTION, IM_KEY_ROOT_CAUSE, IM_KEY_REVIEW_SUMMARY,
    IM_KEY_RESOLVED_MS };

typedef struct {
    char words [S_WORDS_MAX][64];   //  Lowercase words, all wanted
    size_t words_n;                 //  How many
    zlist_t *items;                 //  Matches, newest first, owned
    size_t limit;                   //  Matches wanted
    int rc;                         //  Error while scanning
} s_search_t;

//  True when haystack holds needle (lowercase), in any case
static bool
s_contains (const char *haystack, const char *needle)
{
    size_t length = strlen (needle);
    for (const char *at = haystack; *at; at++)
        if (strncasecmp (at, needle, length) == 0)
            return true;
    return false;
}

static void
s_item_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

static int
s_search_one (uint64_t id, const void *data, size_t size, void *arg)
{
    s_search_t *search = (s_search_t *) arg;
    im_fields_t *incident = im_fields_new ();
    if (!incident)
        return IM_ENOMEM;
    if (im_fields_decode (incident, data, size, NULL, 0)) {
        zsys_error ("imb_search: projection of incident %" PRIu64
                    " does not decode", id);
        im_fields_destroy (&incident);
        return 0;
    }
    im_status_t status = im_incident_status (incident);
    bool match = status == IM_STATUS_RESOLVED || status == IM_STATUS_CLOSED;
    for (size_t word = 0; match && word < search->words_n; word++) {
        bool found = false;
        for (size_t field = 0; !found && field < sizeof s_searched
                                               / sizeof s_searched [0];
             field++)
            found = s_contains (im_fields_str_or (incident,
                                                  s_searched [field], ""),
                                search->words [word]);
        match = found;
    }
    if (match) {
        im_fields_t *item = im_fields_new ();
        for (size_t key = 0; item && key < sizeof s_returned
                                           / sizeof s_returned [0]; key++) {
            size_t index = 0;
            while (index < im_fields_size (incident)
               &&  !streq (im_fields_key_at (incident, index),
                           s_returned [key]))
                index++;
            if (index < im_fields_size (incident))
                im_fields_append_from (item, incident, index);
        }
        if (!item) {
            im_fields_destroy (&incident);
            return IM_ENOMEM;
        }
        //  Newest first: ids grow with time. The list owns each item
        //  through its free function, so zlist_remove destroys the one
        //  it drops: nothing here may free it again
        zlist_push (search->items, item);
        zlist_freefn (search->items, item, s_item_free, false);
        if (zlist_size (search->items) > search->limit)
            zlist_remove (search->items, zlist_last (search->items));
    }
    im_fields_destroy (&incident);
    return 0;
}

//  Splits text into lowercase words; returns false when it has none or
//  too many
static bool
s_words (s_search_t *search, const char *text)
{
    search->words_n = 0;
    const char *at = text;
    while (*at) {
        while (*at && isspace ((unsigned char) *at))
            at++;
        size_t length = 0;
        while (at [length] && !isspace ((unsigned char) at [length]))
            length++;
        if (length == 0)
            break;
        if (search->words_n == S_WORDS_MAX || length >= 64)
            return false;
        char *word = search->words [search->words_n++];
        for (size_t index = 0; index < length; index++)
            word [index] = (char) tolower ((unsigned char) at [index]);
        word [length] = 0;
        at += length;
    }
    return search->words_n > 0;
}

zmsg_t *
imb_search_answer (const im_request_t *request, imc_store_t *store)
{
    const char *text = im_fields_str_or (request->body, IM_KEY_TEXT, "");
    int64_t limit = im_fields_int_or (request->body, IM_KEY_LIMIT, 20);
    s_search_t *search = (s_search_t *) calloc (1, sizeof (s_search_t));
    if (!search)
        return im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                      "out of memory");
    if (limit < 1 || limit > IM_PROTO_ITEMS_MAX || !s_words (search, text)) {
        free (search);
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST, request->request_id,
                                      "SEARCH needs 'text' of 1 to 16 words "
                                      "(each under 64 bytes) and a 'limit' "
                                      "of 1..10000");
    }
    search->limit = (size_t) limit;
    search->items = zlist_new ();
    int rc = imc_store_incidents_scan (store, 1, s_search_one, search);
    zmsg_t *reply = imb_query_list_reply (request->request_id, rc,
                                          search->items, "the incidents");
    zlist_destroy (&search->items);
    free (search);
    return reply;
}
