/*  im_fuzz - what the fuzz targets share

    Each target, fuzz_<target>.c, is one libFuzzer entry point over one
    parser of untrusted bytes. Built with clang and -fsanitize=fuzzer
    (tools/imq-fuzz), libFuzzer drives it; built with the project's
    compiler, fuzz_replay.c drives it over the kept inputs (the seed
    corpus and every input that once crashed), which is how ctest runs
    them in the plain and sanitizer builds.

    A target that finds its input's answer wrong, rather than crashing,
    calls im_fuzz_fail: an abort with the reason, which libFuzzer keeps
    as a crash input like any other.
*/
#ifndef IM_FUZZ_H_INCLUDED
#define IM_FUZZ_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Separates the parts of one input (frames of a message, entries of a
//  log): 0xc1 is the one byte msgpack never uses and UTF-8 never holds,
//  so no valid frame or payload contains it
#define IM_FUZZ_SEPARATOR 0xc1

//  libFuzzer's entry point: runs one input, returns 0
int
    LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One part of an input, borrowed from it
typedef struct {
    const uint8_t *data;                //  First byte
    size_t size;                        //  Bytes
} im_fuzz_part_t;

//  Splits data at each IM_FUZZ_SEPARATOR into at most max parts (the
//  last one takes the rest). Returns how many.
size_t
    im_fuzz_split (const uint8_t *data, size_t size, im_fuzz_part_t *parts,
                   size_t max);

//  Frames payload as the leader frames a Raft entry (magic, length,
//  zero padding to 8): returns a new buffer of *size bytes, the caller's
uint8_t *
    im_fuzz_entry (const uint8_t *payload, size_t payload_size,
                   size_t *size);

//  Quiets czmq's log (what a refusal logs would flood the fuzzer's
//  output and slow it down); every target calls it first, the process's
//  first call does it
void
    im_fuzz_quiet (void);

//  Aborts with the reason: the input got a wrong answer
void
    im_fuzz_fail (const char *format, ...)
    __attribute__ ((format (printf, 1, 2), noreturn));

#endif
