/*  imb_raft_results - the message that carries an entry's results from
    the Raft thread to the main thread

    A flat binary frame rather than one frame per result: an entry holds
    up to batch_max commands, and one frame per entry keeps the pipe
    cheap at tens of thousands of results per second.
*/
#include "imb_classes.h"
#include "imb_raft_results.h"

static void
s_put_u64 (zchunk_t *chunk, uint64_t value)
{
    unsigned char bytes [8];
    im_put_u64 (bytes, value);
    zchunk_extend (chunk, bytes, 8);
}

static void
s_put_u32 (zchunk_t *chunk, uint32_t value)
{
    unsigned char bytes [4] = {
        (unsigned char) (value >> 24), (unsigned char) (value >> 16),
        (unsigned char) (value >> 8), (unsigned char) value };
    zchunk_extend (chunk, bytes, 4);
}

//  msgpack write callback: appends to the zchunk in data
static int
s_chunk_write (void *data, const char *bytes, size_t size)
{
    zchunk_t *chunk = (zchunk_t *) data;
    size_t before = zchunk_size (chunk);
    return zchunk_extend (chunk, bytes, size) == before + size ? 0 : -1;
}

static uint32_t
s_get_u32 (const unsigned char *bytes)
{
    return (uint32_t) bytes [0] << 24 | (uint32_t) bytes [1] << 16
         | (uint32_t) bytes [2] << 8 | bytes [3];
}

void
imb_raft_results_begin (zchunk_t *chunk, uint64_t last_seq, uint32_t count)
{
    zchunk_set (chunk, NULL, 0);
    s_put_u64 (chunk, last_seq);
    s_put_u32 (chunk, count);
}

void
imb_raft_results_add (zchunk_t *chunk, uint64_t token, int status,
                      const im_fields_t *body)
{
    s_put_u64 (chunk, token);
    unsigned char code [2] = { (unsigned char) (status >> 8),
                               (unsigned char) status };
    zchunk_extend (chunk, code, 2);
    //  The body is packed straight into the chunk, its length after it
    size_t at = zchunk_size (chunk);
    s_put_u32 (chunk, 0);
    msgpack_packer packer;
    msgpack_packer_init (&packer, chunk, s_chunk_write);
    if (im_fields_pack (body, &packer))
        zchunk_set (chunk, NULL, at + 4);   //  Out of memory: empty body
    size_t size = zchunk_size (chunk) - at - 4;
    unsigned char *length = zchunk_data (chunk) + at;
    length [0] = (unsigned char) (size >> 24);
    length [1] = (unsigned char) (size >> 16);
    length [2] = (unsigned char) (size >> 8);
    length [3] = (unsigned char) size;
}

int
imb_raft_results_header (zframe_t *frame, uint64_t *last_seq,
                         uint32_t *count, size_t *offset)
{
    const unsigned char *data = zframe_data (frame);
    if (zframe_size (frame) < 12)
        return IM_EPROTO;
    *last_seq = im_get_u64 (data);
    *count = s_get_u32 (data + 8);
    *offset = 12;
    return 0;
}

int
imb_raft_results_next (zframe_t *frame, size_t *offset, uint64_t *token,
                       int *status, const void **body, size_t *size)
{
    if (*offset > zframe_size (frame))
        return IM_EPROTO;
    const unsigned char *data = zframe_data (frame) + *offset;
    size_t left = zframe_size (frame) - *offset;
    if (left < 14)
        return IM_EPROTO;
    *token = im_get_u64 (data);
    *status = data [8] << 8 | data [9];
    *size = s_get_u32 (data + 10);
    if (left - 14 < *size)
        return IM_EPROTO;
    *body = data + 14;
    *offset += 14 + *size;
    return 0;
}
