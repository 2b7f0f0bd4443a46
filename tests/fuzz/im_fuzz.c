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

void
im_fuzz_quiet (void)
{
    zsys_handler_set (NULL);       //  libFuzzer handles the signals
    zsys_init ();
    zsys_set_logstream (NULL);
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
