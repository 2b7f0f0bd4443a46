/*  imb_raft_results - the message that carries an entry's results from
    the Raft thread to the main thread

    One frame: last_seq u64 | n u32 | n times
        token u64 | status u16 | body length u32 | body (fields)
    all big-endian. Both ends are in this process; the decoder still
    checks every length, as any decoder in imq does.
*/
#ifndef IMB_RAFT_RESULTS_H_INCLUDED
#define IMB_RAFT_RESULTS_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include <czmq.h>
#include "im_fields.h"

//  Starts a results message in chunk (emptied first)
void
    imb_raft_results_begin (zchunk_t *chunk, uint64_t last_seq,
                            uint32_t count);

//  Appends one result
void
    imb_raft_results_add (zchunk_t *chunk, uint64_t token, int status,
                          const im_fields_t *body);

//  Reads the header; *offset is then where the first result starts.
//  Returns 0 or IM_EPROTO.
int
    imb_raft_results_header (zframe_t *frame, uint64_t *last_seq,
                             uint32_t *count, size_t *offset);

//  Reads the result at *offset and moves past it; body is borrowed from
//  frame. Returns 0 or IM_EPROTO.
int
    imb_raft_results_next (zframe_t *frame, size_t *offset, uint64_t *token,
                           int *status, const void **body, size_t *size);

#endif
