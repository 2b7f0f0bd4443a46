/*  test_im_keys - the table of field keys against the docs

    The keys table (common/im_keys.h) is the one list of the keys an
    incident's projection holds; docs/storage.md section 2.3 is the list
    readers go by. Each key of the table's incident list must be in that
    section's table, and each key the section names must be in the
    incident list. Every key of the message list must be documented in
    docs/protocol.md or docs/http.md (inside `code`). The same check runs
    on doctored copies of the docs, a key taken out and one put in, to
    show it can fail.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"

#ifndef IM_DOCS_DIR
#   error "IM_DOCS_DIR: where docs/ is"
#endif

#define S_NAMES_MAX     256     //  Keys one section may name

//  Reads a whole file; the caller frees it
static char *
s_read (const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", IM_DOCS_DIR, name);
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    assert_int_equal (fseek (file, 0, SEEK_END), 0);
    long size = ftell (file);
    assert_true (size > 0);
    rewind (file);
    char *text = (char *) calloc (1, (size_t) size + 1);
    assert_non_null (text);
    assert_int_equal (fread (text, 1, (size_t) size, file), (size_t) size);
    fclose (file);
    return text;
}

//  Appends to report, which stays a string
static void
s_report (char *report, size_t size, const char *format, ...)
{
    size_t used = strlen (report);
    va_list args;
    va_start (args, format);
    vsnprintf (report + used, size - used, format, args);
    va_end (args);
}

//  Stores in names (copies, the caller frees them) the keys the first
//  column of the table in storage's section 2.3 names in `code`, and
//  returns how many
static size_t
s_projection_keys (const char *storage, char **names)
{
    const char *start = strstr (storage, "\n### 2.3 ");
    assert_non_null (start);
    const char *end = strstr (start + 1, "\n#");
    if (!end)
        end = start + strlen (start);
    size_t count = 0;
    for (const char *line = start + 1; line && line < end;
         line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        if (line [0] != '|')
            continue;
        const char *cell_end = strchr (line + 1, '|');
        assert_non_null (cell_end);
        const char *tick = line;
        while ((tick = memchr (tick, '`', (size_t) (cell_end - tick)))) {
            const char *close = memchr (tick + 1, '`',
                                        (size_t) (cell_end - tick - 1));
            assert_non_null (close);
            assert_true (count < S_NAMES_MAX);
            names [count++] = strndup (tick + 1, (size_t) (close - tick - 1));
            tick = close + 1;
        }
    }
    return count;
}

static bool
s_word_char (char c)
{
    return isalnum ((unsigned char) c) || c == '_' || c == '-';
}

//  True when key is a whole word inside some `code` span of text (one
//  line's pairs of backticks; fenced blocks are skipped)
static bool
s_documented (const char *text, const char *key)
{
    size_t length = strlen (key);
    bool fenced = false;
    for (const char *line = text; line && *line;
         line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        const char *line_end = strchr (line, '\n');
        if (!line_end)
            line_end = line + strlen (line);
        if (strncmp (line, "```", 3) == 0) {
            fenced = !fenced;
            continue;
        }
        const char *tick = line;
        while (!fenced
           &&  (tick = memchr (tick, '`', (size_t) (line_end - tick)))) {
            const char *close = memchr (tick + 1, '`',
                                        (size_t) (line_end - tick - 1));
            if (!close)
                break;
            for (const char *at = tick + 1; at + length <= close; at++)
                if (memcmp (at, key, length) == 0
                &&  !s_word_char (at [-1]) && !s_word_char (at [length]))
                    return true;
            tick = close + 1;
        }
    }
    return false;
}

//  Checks the table against the docs' texts; returns the number of
//  disagreements, each named in report
static int
s_check (const char *storage, const char *protocol, char *report,
         size_t size)
{
    report [0] = 0;
    int wrong = 0;
    char *names [S_NAMES_MAX];
    size_t count = s_projection_keys (storage, names);
    //  Every documented projection key is in the incident list
    for (size_t name = 0; name < count; name++) {
        bool found = false;
        im_keys_list_t list;
        const char *key;
        for (size_t index = 0; (key = im_keys_at (index, &list)); index++)
            if (list == IM_KEYS_OF_INCIDENT && streq (key, names [name]))
                found = true;
        if (!found) {
            s_report (report, size, "storage.md 2.3 names '%s', which "
                      "im_keys.h's incident list lacks\n", names [name]);
            wrong++;
        }
    }
    //  Every key of the incident list is documented there; every key
    //  of the message list in the protocol
    im_keys_list_t list;
    const char *key;
    for (size_t index = 0; (key = im_keys_at (index, &list)); index++) {
        if (list == IM_KEYS_OF_INCIDENT) {
            bool found = false;
            for (size_t name = 0; name < count; name++)
                if (streq (key, names [name]))
                    found = true;
            if (!found) {
                s_report (report, size, "'%s' is in im_keys.h's incident "
                          "list but not in storage.md 2.3\n", key);
                wrong++;
            }
        }
        else
        if (list == IM_KEYS_OF_MESSAGE && !s_documented (protocol, key)) {
            s_report (report, size, "'%s' is in im_keys.h's message list "
                      "but not in protocol.md or http.md\n", key);
            wrong++;
        }
    }
    for (size_t name = 0; name < count; name++)
        free (names [name]);
    return wrong;
}

typedef struct {
    char *storage;                  //  docs/storage.md
    char *protocol;                 //  docs/protocol.md then docs/http.md
    char report [4096];             //  What s_check found
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    f->storage = s_read ("storage.md");
    char *protocol = s_read ("protocol.md");
    char *http = s_read ("http.md");
    f->protocol = (char *) malloc (strlen (protocol) + strlen (http) + 2);
    sprintf (f->protocol, "%s\n%s", protocol, http);
    free (protocol);
    free (http);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    free (f->storage);
    free (f->protocol);
    free (f);
    return 0;
}

//  Replaces the first "from" in text with "to"; returns a new string
static char *
s_doctor (const char *text, const char *from, const char *to)
{
    const char *at = strstr (text, from);
    assert_non_null (at);
    size_t size = strlen (text) - strlen (from) + strlen (to) + 1;
    char *copy = (char *) malloc (size);
    snprintf (copy, size, "%.*s%s%s", (int) (at - text), text, to,
              at + strlen (from));
    return copy;
}

static void
test_the_table_and_the_docs_agree (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    int wrong = s_check (f->storage, f->protocol, f->report,
                         sizeof f->report);
    if (wrong)
        fprintf (stderr, "%s", f->report);
    assert_int_equal (wrong, 0);
}

static void
test_a_projection_key_the_docs_lack_is_found (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *doctored = s_doctor (f->storage, "| `cancel_reason` |", "| |");
    assert_int_equal (s_check (doctored, f->protocol, f->report,
                               sizeof f->report), 1);
    assert_non_null (strstr (f->report, "'cancel_reason' is in im_keys.h"));
    free (doctored);
}

static void
test_a_documented_key_the_table_lacks_is_found (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char *doctored = s_doctor (f->storage, "| `last_seq` |",
                               "| `last_sequence` | int | nothing |\n"
                               "| `last_seq` |");
    assert_int_equal (s_check (doctored, f->protocol, f->report,
                               sizeof f->report), 1);
    assert_non_null (strstr (f->report, "names 'last_sequence'"));
    free (doctored);
}

static void
test_a_message_key_the_protocol_lacks_is_found (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    //  Every mention of leader_address spelt otherwise
    char *doctored = strdup (f->protocol);
    for (char *at = doctored; (at = strstr (at, "leader_address")); at++)
        at [0] = 'L';
    assert_int_equal (s_check (f->storage, doctored, f->report,
                               sizeof f->report), 1);
    assert_non_null (strstr (f->report, "'leader_address' is in im_keys.h's "
                                        "message list"));
    free (doctored);
}

//  Keys are distinct and each fits a fields map
static void
test_the_keys_are_distinct_and_fit (void **state)
{
    (void) state;
    assert_true (im_keys_size () > 100);
    const char *key;
    for (size_t index = 0; (key = im_keys_at (index, NULL)); index++) {
        assert_true (strlen (key) > 0);
        assert_true (strlen (key) <= IM_FIELDS_KEY_MAX);
        for (size_t other = 0; other < index; other++)
            assert_string_not_equal (key, im_keys_at (other, NULL));
    }
    assert_null (im_keys_at (im_keys_size (), NULL));
    assert_string_equal (IM_KEY_REPORTER, "reporter");
    assert_string_equal (IM_KEY_KEY_FILE, "key-file");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_the_table_and_the_docs_agree,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_projection_key_the_docs_lack_is_found, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_documented_key_the_table_lacks_is_found, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown (
            test_a_message_key_the_protocol_lacks_is_found, s_setup,
            s_teardown),
        cmocka_unit_test (test_the_keys_are_distinct_and_fit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
