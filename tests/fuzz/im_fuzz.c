/*  im_fuzz - what the fuzz targets share

    Splitting an input into parts and failing loudly: see im_fuzz.h.
*/
#include "im_classes.h"
#include "im_fuzz.h"

size_t
im_fuzz_split (const uint8_t *data, size_t size, im_fuzz_part_t *parts,
               size_t max)
{
    assert (parts && max > 0);
    size_t count = 0;
    size_t start = 0;
    for (size_t at = 0; at < size && count + 1 < max; at++)
        if (data [at] == IM_FUZZ_SEPARATOR) {
            parts [count].data = data + start;
            parts [count].size = at - start;
            count++;
            start = at + 1;
        }
    parts [count].data = data + start;
    parts [count].size = size - start;
    return count + 1;
}

uint8_t *
im_fuzz_entry (const uint8_t *payload, size_t payload_size, size_t *size)
{
    *size = (8 + payload_size + 7) & ~(size_t) 7;
    uint8_t *entry = (uint8_t *) calloc (1, *size);
    assert (entry);
    uint32_t magic = IM_ENTRY_MAGIC;
    for (int byte = 0; byte < 4; byte++) {
        entry [byte] = (uint8_t) (magic >> (24 - 8 * byte));
        entry [4 + byte] = (uint8_t) (payload_size >> (24 - 8 * byte));
    }
    if (payload_size)
        memcpy (entry + 8, payload, payload_size);
    return entry;
}

void
im_fuzz_quiet (void)
{
    //  libFuzzer's entry point has no context: a flag of the process
    static bool quiet = false;
    if (!quiet) {
        zsys_handler_set (NULL);    //  libFuzzer handles the signals
        zsys_init ();
        zsys_set_logstream (NULL);
        im_log_set_stream (NULL);
        quiet = true;
    }
}

void
im_fuzz_fail (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (stderr, "im_fuzz: wrong answer: ");
    vfprintf (stderr, format, args);
    fprintf (stderr, "\n");
    va_end (args);
    abort ();
}
