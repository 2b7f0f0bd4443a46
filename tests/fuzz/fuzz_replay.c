/*  fuzz_replay - runs a fuzz target over kept inputs, without libFuzzer

    Linked with one fuzz_<target>.c when the project is built without
    libFuzzer: each argument is a file, or a directory whose files are
    run in name order, fed whole to LLVMFuzzerTestOneInput. ctest runs
    each target this way over its seed corpus and its regressions, so
    every input that once crashed stays tested in the plain and the
    sanitizer builds. A crash shows as the test failing, after the name
    of the input that caused it.
*/
#include "im_classes.h"
#include "im_fuzz.h"
#include <dirent.h>
#include <sys/stat.h>

//  Reads path whole into a new buffer (the caller's); NULL on failure
static uint8_t *
s_read (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    uint8_t *data = NULL;
    size_t used = 0, room = 0;
    while (true) {
        if (used == room) {
            room = room ? room * 2 : 4096;
            uint8_t *bigger = (uint8_t *) realloc (data, room);
            if (!bigger)
                break;
            data = bigger;
        }
        size_t got = fread (data + used, 1, room - used, file);
        used += got;
        if (got == 0)
            break;
    }
    bool failed = ferror (file) || used > room;
    fclose (file);
    if (failed) {
        free (data);
        return NULL;
    }
    *size = used;
    return data;
}

//  Runs one file; returns 0 or -1 when it cannot be read
static int
s_run_file (const char *path)
{
    size_t size = 0;
    uint8_t *data = s_read (path, &size);
    if (!data) {
        fprintf (stderr, "fuzz_replay: cannot read %s\n", path);
        return -1;
    }
    fprintf (stderr, "fuzz_replay: %s (%zu bytes)\n", path, size);
    //  A copy of exactly size bytes, so that ASan sees a read past it
    uint8_t *exact = (uint8_t *) malloc (size ? size : 1);
    assert (exact);
    memcpy (exact, data, size);
    free (data);
    LLVMFuzzerTestOneInput (exact, size);
    free (exact);
    return 0;
}

static int
s_compare_names (void *a, void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

//  Runs every file of a directory in name order; returns how many, or
//  -1 when something cannot be read
static int
s_run_dir (const char *path)
{
    DIR *dir = opendir (path);
    if (!dir) {
        fprintf (stderr, "fuzz_replay: cannot open %s\n", path);
        return -1;
    }
    zlist_t *names = zlist_new ();
    assert (names);
    zlist_autofree (names);
    struct dirent *entry;
    while ((entry = readdir (dir)))
        if (entry->d_name [0] != '.')
            zlist_append (names, entry->d_name);
    closedir (dir);
    zlist_sort (names, s_compare_names);
    int count = 0;
    for (char *name = (char *) zlist_first (names); name && count >= 0;
         name = (char *) zlist_next (names)) {
        char file [4096];
        snprintf (file, sizeof file, "%s/%s", path, name);
        count = s_run_file (file) ? -1 : count + 1;
    }
    zlist_destroy (&names);
    return count;
}

int
main (int argc, char *argv [])
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s FILE|DIR...\n", argv [0]);
        return 2;
    }
    int total = 0;
    for (int arg = 1; arg < argc; arg++) {
        struct stat info;
        if (stat (argv [arg], &info)) {
            fprintf (stderr, "fuzz_replay: no %s\n", argv [arg]);
            return 1;
        }
        int count = S_ISDIR (info.st_mode) ? s_run_dir (argv [arg])
                  : s_run_file (argv [arg]) ? -1 : 1;
        if (count < 0)
            return 1;
        total += count;
    }
    printf ("fuzz_replay: %d input(s) ran\n", total);
    return 0;
}
