/*  test_imc_fsm_golden - the bytes the state machine stores, held still

    A fixed script of commands (golden/store_script.txt: every verb, the
    lifecycle, alerts with heartbeats, links, a policy, repeats and
    rejections) is applied to a fresh store, and every column family is
    dumped, key and value in hex, beside the results the commands got.
    The dump must equal golden/store.dump byte for byte: code may move
    and change shape, but what a node writes (docs/storage.md) changes
    only on purpose, with the dump and the document in the same commit.
    IM_GOLDEN_WRITE=1 writes the dump instead of comparing.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_classes.h"
#include "imc_store.h"
#include "imc_fsm.h"

#ifndef IM_GOLDEN_DIR
#   error "IM_GOLDEN_DIR: where golden/ is"
#endif

typedef struct {
    char dir [256];                 //  Temp directory
    imc_store_t *store;             //  Store under test
    imc_fsm_t *fsm;                 //  Fills it
    uint64_t index;                 //  Last Raft index used
    FILE *dump;                     //  What the run wrote
    char *text;                     //  Its bytes, owned
    size_t size;                    //  How many
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = (fixture_t *) calloc (1, sizeof (fixture_t));
    const char *base = getenv ("IM_TEST_TMPDIR");
    if (base)
        zsys_dir_create ("%s", base);
    snprintf (f->dir, sizeof f->dir, "%s/imb-golden-XXXXXX",
              base ? base : "/tmp");
    assert_non_null (mkdtemp (f->dir));
    char path [300];
    snprintf (path, sizeof path, "%s/store", f->dir);
    char errbuf [256];
    f->store = imc_store_new (path, NULL, errbuf, sizeof errbuf);
    assert_non_null (f->store);
    f->fsm = imc_fsm_new (f->store);
    assert_non_null (f->fsm);
    f->dump = open_memstream (&f->text, &f->size);
    assert_non_null (f->dump);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    if (f->dump)
        fclose (f->dump);
    free (f->text);
    imc_fsm_destroy (&f->fsm);
    imc_store_destroy (&f->store);
    im_remove_tree (f->dir);
    free (f);
    return 0;
}

//  Turns the two characters "\n" of a script value into a newline
static void
s_unescape (char *text)
{
    char *to = text;
    for (const char *from = text; *from; from++) {
        if (from [0] == '\\' && from [1] == 'n') {
            *to++ = '\n';
            from++;
        }
        else
            *to++ = *from;
    }
    *to = 0;
}

//  Parses one script line into a command (the caller's); the arguments
//  run "key=s:text" or "key=i:number", each value to the next " key="
static im_command_t *
s_parse (char *line)
{
    im_command_t *command = im_command_new ();
    char verb [32], request_id [IM_REQUEST_ID_MAX];
    unsigned long long ts, incident;
    int used = 0;
    if (sscanf (line, "%llu %31s %llu %127s %n", &ts, verb, &incident,
                request_id, &used) < 4)
        fail_msg ("bad script line: %s", line);
    command->type = im_command_type_from_name (verb);
    if (command->type == IM_CMD_NONE)
        fail_msg ("unknown verb in script: %s", verb);
    command->ts_ms = ts;
    command->incident = incident;
    snprintf (command->actor, sizeof command->actor, "operator");
    if (!streq (request_id, "-"))
        snprintf (command->request_id, sizeof command->request_id, "%s",
                  request_id);
    char *at = line + used;
    while (*at) {
        char *equals = strchr (at, '=');
        if (!equals || equals [1] == 0 || equals [2] != ':')
            fail_msg ("bad argument in script: %s", at);
        *equals = 0;
        const char *key = at;
        char kind = equals [1];
        char *value = equals + 3;
        //  The value ends where " name=" starts the next argument
        char *end = value, *next = NULL;
        while ((end = strchr (end, ' '))) {
            char *name = end + 1;
            size_t length = strspn (name, "abcdefghijklmnopqrstuvwxyz_");
            if (length && name [length] == '=') {
                next = name;
                break;
            }
            end++;
        }
        if (next)
            next [-1] = 0;
        s_unescape (value);
        if (streq (key, "actor"))
            snprintf (command->actor, sizeof command->actor, "%s", value);
        else
        if (kind == 'i')
            im_fields_set_int (command->args, key,
                               strtoll (value, NULL, 10));
        else
            im_fields_set_str (command->args, key, value);
        at = next ? next : value + strlen (value);
    }
    return command;
}

//  Applies the commands of one entry and writes their results
static void
s_apply (fixture_t *f, im_command_t **commands, size_t count)
{
    void *data;
    size_t size;
    assert_int_equal (im_entry_encode (commands, count, malloc, &data,
                                       &size), 0);
    assert_int_equal (imc_fsm_apply (f->fsm, ++f->index, data, size), 0);
    free (data);
    size_t results = 0;
    const imc_fsm_result_t *result = imc_fsm_results (f->fsm, &results);
    for (size_t index = 0; index < results; index++) {
        char *body = NULL;
        size_t body_size = 0;
        assert_int_equal (im_fields_encode (result [index].body, &body,
                                            &body_size), 0);
        fprintf (f->dump, "result %" PRIu64 ".%zu %d ", f->index, index,
                 result [index].status);
        for (size_t octet = 0; octet < body_size; octet++)
            fprintf (f->dump, "%02x", (unsigned char) body [octet]);
        fprintf (f->dump, "\n");
        free (body);
    }
    for (size_t cmd = 0; cmd < count; cmd++)
        im_command_destroy (&commands [cmd]);
}

static int
s_dump_one (const void *key, size_t key_size, const void *value,
            size_t value_size, void *arg)
{
    FILE *dump = (FILE *) arg;
    for (size_t octet = 0; octet < key_size; octet++)
        fprintf (dump, "%02x", ((const unsigned char *) key) [octet]);
    fprintf (dump, " ");
    for (size_t octet = 0; octet < value_size; octet++)
        fprintf (dump, "%02x", ((const unsigned char *) value) [octet]);
    fprintf (dump, "\n");
    return 0;
}

static void
test_the_script_stores_the_golden_bytes (void **state)
{
    fixture_t *f = (fixture_t *) *state;
    char path [512];
    snprintf (path, sizeof path, "%s/store_script.txt", IM_GOLDEN_DIR);
    FILE *script = fopen (path, "r");
    assert_non_null (script);
    im_command_t *entry [16];
    size_t count = 0;
    char line [8192];
    while (fgets (line, sizeof line, script)) {
        line [strcspn (line, "\n")] = 0;
        if (line [0] == '#' || line [0] == 0)
            continue;
        bool joined = line [0] == '+';
        if (!joined && count) {
            s_apply (f, entry, count);
            count = 0;
        }
        assert_true (count < 16);
        entry [count++] = s_parse (line + joined);
    }
    if (count)
        s_apply (f, entry, count);
    fclose (script);

    static const char *families [] = {
        "events", "incidents", "requests", "offsets", "meta", "deadlines",
        "dedup", "request_times" };
    for (size_t family = 0; family < sizeof families / sizeof families [0];
         family++) {
        fprintf (f->dump, "family %s\n", families [family]);
        assert_int_equal (imc_store_cf_scan (f->store, families [family],
                                             s_dump_one, f->dump), 0);
    }
    fclose (f->dump);
    f->dump = NULL;

    snprintf (path, sizeof path, "%s/store.dump", IM_GOLDEN_DIR);
    if (getenv ("IM_GOLDEN_WRITE")) {
        FILE *golden = fopen (path, "w");
        assert_non_null (golden);
        assert_int_equal (fwrite (f->text, 1, f->size, golden), f->size);
        assert_int_equal (fclose (golden), 0);
        return;
    }
    zchunk_t *golden = zchunk_slurp (path, 0);
    assert_non_null (golden);
    if (zchunk_size (golden) != f->size
    ||  memcmp (zchunk_data (golden), f->text, f->size)) {
        //  Where they part, for whoever reads the failure
        size_t at = 0, line_no = 1;
        const char *expected = (const char *) zchunk_data (golden);
        while (at < f->size && at < zchunk_size (golden)
        &&     expected [at] == f->text [at]) {
            line_no += f->text [at] == '\n';
            at++;
        }
        zchunk_destroy (&golden);
        fail_msg ("the store differs from %s at line %zu (set "
                  "IM_GOLDEN_WRITE=1 to rewrite it, and say why in "
                  "docs/storage.md)", path, line_no);
    }
    zchunk_destroy (&golden);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (
            test_the_script_stores_the_golden_bytes, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
