/*  imqctl_output - tables, key/value text and JSON for imqctl

    People read the tables; scripts read the JSON. The tables are fitted
    to a terminal: columns as wide as their widest cell, the last one
    (a title, a list of changes) cut to the width. JSON is the reply
    itself, body keys first, items under one array key, two-space
    indentation, so `jq` sees the same names as docs/protocol.md.
*/
#include "imqctl.h"

#define S_CELL_WIDTH        24      //  Columns a cell may use (not last)

struct _imqctl_table_t {
    const char *const *headers;     //  Column titles, borrowed
    size_t columns;                 //  How many
    zlistx_t *rows;                 //  char ** rows, NULL-ended, owned
};

//  Frees a row: each cell, then the array
static void
s_row_destroy (void **item)
{
    char **row = (char **) *item;
    for (size_t index = 0; row [index]; index++)
        free (row [index]);
    free (row);
    *item = NULL;
}

imqctl_table_t *
imqctl_table_new (const char *const *headers, size_t columns)
{
    assert (headers);
    assert (columns > 0 && columns <= IMQCTL_COLUMNS_MAX);
    imqctl_table_t *self = (imqctl_table_t *) calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->headers = headers;
    self->columns = columns;
    self->rows = zlistx_new ();
    if (!self->rows) {
        imqctl_table_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->rows, s_row_destroy);
    return self;
}

void
imqctl_table_destroy (imqctl_table_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imqctl_table_t *self = *self_p;
        zlistx_destroy (&self->rows);
        free (self);
        *self_p = NULL;
    }
}

int
imqctl_table_add (imqctl_table_t *self, const char *const *cells)
{
    assert (self);
    char **row = (char **) calloc (self->columns + 1, sizeof (char *));
    if (!row)
        return IM_ENOMEM;
    void *item = row;
    for (size_t index = 0; index < self->columns; index++) {
        row [index] = strdup (cells [index]? cells [index]: "");
        if (!row [index]) {
            s_row_destroy (&item);
            return IM_ENOMEM;
        }
    }
    if (!zlistx_add_end (self->rows, row)) {
        s_row_destroy (&item);
        return IM_ENOMEM;
    }
    return 0;
}

//  Returns how many columns text uses: its UTF-8 code points
static size_t
s_width (const char *text)
{
    size_t width = 0;
    for (; *text; text++)
        if (((unsigned char) *text & 0xC0) != 0x80)
            width++;
    return width;
}

//  Prints text in a column of width (0: as it is, no padding), cutting
//  it with "..." when it is wider; control characters print as spaces
static void
s_print_cell (FILE *out, const char *text, size_t width, bool pad)
{
    size_t text_width = s_width (text);
    size_t keep = text_width;       //  Code points to print
    bool cut = width > 0 && text_width > width;
    if (cut)
        keep = width > 3? width - 3: 0;
    size_t printed = 0;
    for (const char *cursor = text; *cursor; cursor++) {
        unsigned char byte = (unsigned char) *cursor;
        if ((byte & 0xC0) != 0x80 && printed++ == keep)
            break;
        fputc (byte < 0x20 || byte == 0x7F? ' ': byte, out);
    }
    if (cut)
        fputs (width > 3? "...": "", out);
    if (pad && width > 0)
        for (size_t column = cut? width: text_width; column < width; column++)
            fputc (' ', out);
}

void
imqctl_table_print (imqctl_table_t *self, FILE *out, size_t width)
{
    assert (self);
    size_t last = self->columns - 1;
    size_t widths [IMQCTL_COLUMNS_MAX] = { 0 };
    for (size_t column = 0; column < self->columns; column++)
        widths [column] = s_width (self->headers [column]);
    char **row = (char **) zlistx_first (self->rows);
    for (; row; row = (char **) zlistx_next (self->rows))
        for (size_t column = 0; column < last; column++) {
            size_t cell = s_width (row [column]);
            if (width > 0 && cell > S_CELL_WIDTH)
                cell = S_CELL_WIDTH;
            if (cell > widths [column])
                widths [column] = cell;
        }
    //  The last column gets what is left of the line, at least 10
    size_t used = 0;
    for (size_t column = 0; column < last; column++)
        used += widths [column] + 2;
    widths [last] = width == 0? 0: used + 10 < width? width - used: 10;

    for (size_t column = 0; column < self->columns; column++) {
        s_print_cell (out, self->headers [column], widths [column],
                      column < last);
        fputs (column < last? "  ": "\n", out);
    }
    row = (char **) zlistx_first (self->rows);
    for (; row; row = (char **) zlistx_next (self->rows))
        for (size_t column = 0; column < self->columns; column++) {
            s_print_cell (out, row [column], widths [column], column < last);
            fputs (column < last? "  ": "\n", out);
        }
}

void
imqctl_json_print (json_t **json_p)
{
    assert (json_p);
    if (*json_p) {
        //  Reals (a percentage) with the digits they were made with:
        //  66.7, not 66.700000000000003
        json_dumpf (*json_p, stdout, JSON_INDENT (2)
                                     | JSON_REAL_PRECISION (15));
        fputc ('\n', stdout);
        json_decref (*json_p);
        *json_p = NULL;
    }
}

void
imqctl_text (const im_fields_t *fields, const char *key,
             char *buffer, size_t size)
{
    assert (buffer);
    int64_t number = 0;
    const char *text = fields? im_fields_str (fields, key): NULL;
    if (text && *text)
        im_strlcpy (buffer, text, size);
    else
    if (fields && im_fields_int (fields, key, &number) == 0)
        snprintf (buffer, size, "%" PRId64, number);
    else
        im_strlcpy (buffer, "-", size);
}

void
imqctl_text_priority (const im_fields_t *fields, char *buffer, size_t size)
{
    int64_t priority = fields? im_fields_int_or (fields, IM_KEY_PRIORITY, 0): 0;
    if (priority >= 1 && priority <= 5)
        snprintf (buffer, size, "P%d", (int) priority);
    else
        im_strlcpy (buffer, "-", size);
}

void
imqctl_text_duration (uint64_t ms, char *buffer, size_t size)
{
    uint64_t seconds = ms / 1000;
    if (seconds < 60)
        snprintf (buffer, size, "%" PRIu64 "s", seconds);
    else
    if (seconds < 3600)
        snprintf (buffer, size, "%" PRIu64 "m", seconds / 60);
    else
    if (seconds < 48 * 3600)
        snprintf (buffer, size, "%" PRIu64 "h", seconds / 3600);
    else
        snprintf (buffer, size, "%" PRIu64 "d", seconds / 86400);
}

//  True when key names a time in ms since the epoch ("created_ms")
static bool
s_is_time_key (const char *key)
{
    size_t length = strlen (key);
    return length > 3 && streq (key + length - 3, "_ms");
}

//  True when key ends with suffix
static bool
s_ends_with (const char *key, const char *suffix)
{
    size_t length = strlen (key), tail = strlen (suffix);
    return length > tail && streq (key + length - tail, suffix);
}

//  An SLA clock's pauses, "from-to,from-to" in ms, as one line each:
//  "<from> - <to> (<length>)"
static void
s_text_pauses (const char *text, char *buffer, size_t size)
{
    *buffer = 0;
    size_t used = 0;
    while (*text && used + 1 < size) {
        uint64_t from = 0, to = 0;
        int consumed = 0;
        if (sscanf (text, "%" SCNu64 "-%" SCNu64 "%n", &from, &to,
                    &consumed) != 2 || to < from) {
            im_strlcpy (buffer, text, size);
            return;
        }
        char start [40], end [40], span [16];
        im_format_time (from, start, sizeof start);
        im_format_time (to, end, sizeof end);
        imqctl_text_duration (to - from, span, sizeof span);
        int written = snprintf (buffer + used, size - used, "%s%s - %s (%s)",
                                used ? "\n" : "", start, end, span);
        if (written < 0 || (size_t) written >= size - used)
            return;
        used += (size_t) written;
        text += consumed;
        if (*text == ',')
            text++;
    }
}

//  An SLA clock's warnings still to come, "percent:ms,percent:ms", as
//  one line each: "<percent>% at <time>"
static void
s_text_warnings (const char *text, char *buffer, size_t size)
{
    *buffer = 0;
    size_t used = 0;
    while (*text && used + 1 < size) {
        unsigned percent = 0;
        uint64_t at = 0;
        int consumed = 0;
        if (sscanf (text, "%u:%" SCNu64 "%n", &percent, &at,
                    &consumed) != 2) {
            im_strlcpy (buffer, text, size);
            return;
        }
        char time [40];
        im_format_time (at, time, sizeof time);
        int written = snprintf (buffer + used, size - used, "%s%u%% at %s",
                                used ? "\n" : "", percent, time);
        if (written < 0 || (size_t) written >= size - used)
            return;
        used += (size_t) written;
        text += consumed;
        if (*text == ',')
            text++;
    }
}

void
imqctl_text_at (const im_fields_t *fields, size_t index,
                char *buffer, size_t size)
{
    assert (fields);
    const char *key = im_fields_key_at (fields, index);
    if (im_fields_type_at (fields, index) == IM_FIELD_STR) {
        const char *text = im_fields_str_at (fields, index);
        if (s_ends_with (key, "_pauses") && *text)
            s_text_pauses (text, buffer, size);
        else
        if (s_ends_with (key, "_warnings") && *text)
            s_text_warnings (text, buffer, size);
        else
            im_strlcpy (buffer, *text? text: "-", size);
        return;
    }
    int64_t value = im_fields_int_at (fields, index);
    if (streq (key, "priority"))
        imqctl_text_priority (fields, buffer, size);
    else
    if ((s_ends_with (key, "_paused_ms") || s_ends_with (key, "_remaining_ms")
         || s_ends_with (key, "_target_ms")
         || s_ends_with (key, "_business_ms")
         || s_ends_with (key, "_timeout_ms"))
    &&  value >= 0) {
        //  Lengths of time, not instants
        char span [16];
        imqctl_text_duration ((uint64_t) value, span, sizeof span);
        snprintf (buffer, size, "%s (%" PRId64 " ms)", span, value);
    }
    else
    if (s_is_time_key (key) && value > 0) {
        char time [40], span [16];
        im_format_time ((uint64_t) value, time, sizeof time);
        uint64_t now = im_now_ms ();
        uint64_t then = (uint64_t) value;
        imqctl_text_duration (now > then? now - then: then - now,
                              span, sizeof span);
        snprintf (buffer, size, now >= then? "%s (%s ago)": "%s (in %s)",
                  time, span);
    }
    else
        snprintf (buffer, size, "%" PRId64, value);
}

//  True when a string value must be quoted to read back as one value
static bool
s_needs_quotes (const char *text)
{
    if (!*text)
        return true;
    for (; *text; text++) {
        unsigned char byte = (unsigned char) *text;
        if (byte <= 0x20 || byte == 0x7F || byte == '"' || byte == '\\'
        ||  byte == '=')
            return true;
    }
    return false;
}

void
imqctl_text_pair (const im_fields_t *fields, size_t index,
                  char *buffer, size_t size)
{
    assert (fields);
    assert (size > 0);
    const char *key = im_fields_key_at (fields, index);
    if (im_fields_type_at (fields, index) == IM_FIELD_INT) {
        snprintf (buffer, size, "%s=%" PRId64, key,
                  im_fields_int_at (fields, index));
        return;
    }
    const char *text = im_fields_str_at (fields, index);
    if (!s_needs_quotes (text)) {
        snprintf (buffer, size, "%s=%s", key, text);
        return;
    }
    int written = snprintf (buffer, size, "%s=\"", key);
    size_t length = written > 0? (size_t) written: 0;
    for (; *text && length + 6 < size; text++) {
        unsigned char byte = (unsigned char) *text;
        const char *escape = byte == '"'? "\\\"": byte == '\\'? "\\\\":
                             byte == '\n'? "\\n": byte == '\t'? "\\t": NULL;
        if (escape)
            length += (size_t) snprintf (buffer + length, size - length,
                                         "%s", escape);
        else
        if (byte < 0x20 || byte == 0x7F)
            length += (size_t) snprintf (buffer + length, size - length,
                                         "\\x%02x", byte);
        else
            buffer [length++] = (char) byte;
    }
    if (length + 1 < size)
        buffer [length++] = '"';
    buffer [length < size? length: size - 1] = 0;
}

int
imqctl_print_list (imqctl_t *self, im_reply_t **reply_p,
                   const char *json_key, const char *const *headers,
                   size_t columns, imqctl_row_fn *row, const char *none)
{
    assert (self && reply_p && *reply_p && headers && row);
    assert (columns > 0 && columns <= IMQCTL_COLUMNS_MAX);
    im_reply_t *reply = *reply_p;
    if (self->json) {
        json_t *json = im_reply_to_json (reply, json_key);
        imqctl_json_print (&json);
        im_reply_destroy (reply_p);
        return IMQCTL_EXIT_OK;
    }
    imqctl_table_t *table = imqctl_table_new (headers, columns);
    char *cells [IMQCTL_COLUMNS_MAX];
    bool ready = table != NULL;
    for (size_t index = 0; index < columns; index++) {
        cells [index] = (char *) malloc (IMQCTL_CELL_TEXT);
        ready = ready && cells [index];
    }
    const im_fields_t *item = ready && reply->items
        ? (const im_fields_t *) zlist_first (reply->items) : NULL;
    for (; item; item = (const im_fields_t *) zlist_next (reply->items)) {
        row (item, cells);
        ready = ready && imqctl_table_add (table,
                                           (const char *const *) cells) == 0;
    }
    if (ready && im_fields_int_or (reply->body, IM_KEY_COUNT, 0) > 0)
        imqctl_table_print (table, stdout, IMQCTL_WIDTH);
    else
    if (ready)
        printf ("%s\n", none);
    for (size_t index = 0; index < columns; index++)
        free (cells [index]);
    imqctl_table_destroy (&table);
    im_reply_destroy (reply_p);
    if (!ready)
        fprintf (stderr, "imqctl: out of memory\n");
    return ready ? IMQCTL_EXIT_OK : IMQCTL_EXIT_BROKER;
}

int
imqctl_csv_row (FILE *out, const char *const *cells, size_t columns)
{
    assert (out && cells);
    for (size_t column = 0; column < columns; column++) {
        const char *cell = cells [column] ? cells [column] : "";
        size_t size = im_csv_field (cell, NULL, 0) + 1;
        char *field = (char *) malloc (size);
        if (!field)
            return IMQCTL_EXIT_BROKER;
        im_csv_field (cell, field, size);
        fputs (field, out);
        fputs (column + 1 < columns ? "," : "\r\n", out);
        free (field);
    }
    return IMQCTL_EXIT_OK;
}

char *
imqctl_text_pairs (const im_fields_t *payload)
{
    size_t count = im_fields_size (payload);
    size_t size = 8;                //  Room for the last escape
    for (size_t index = 0; index < count; index++) {
        const char *value = im_fields_str_at (payload, index);
        //  Worst case: every byte of a string escaped as \xNN, quoted
        size_t value_size = value? 4 * strlen (value) + 2: 24;
        size += strlen (im_fields_key_at (payload, index)) + value_size + 2;
    }
    char *text = (char *) malloc (size);
    if (!text)
        return NULL;
    size_t length = 0;
    text [0] = 0;
    for (size_t index = 0; index < count; index++) {
        if (index > 0)
            text [length++] = ' ';
        imqctl_text_pair (payload, index, text + length, size - length);
        length += strlen (text + length);
    }
    return text;
}
