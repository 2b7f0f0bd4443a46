/*  imb_checkpoint - serves checkpoints of this node's store

    A checkpoint is named by a number that grows (the time it was taken,
    in ms) and lives in <data_dir>/checkpoints/<name> until newer ones
    push it out (IMB_CHECKPOINT_KEEP are kept, so a slow reader of one
    is not cut off by the next request). Its table files are hard links:
    keeping one costs little disk until compaction drops the originals.
    Names of checkpoints and files come from the network: a checkpoint
    name is digits only, a file name has no '/' and does not start with
    '.', so a request can only ever read inside a checkpoint.
*/
#include "imb_classes.h"
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

struct _imb_checkpoint_t {
    imc_store_t *store;             //  Checkpointed, borrowed
    char dir [IM_CONFIG_PATH_MAX + 16];  //  <data_dir>/checkpoints
    uint64_t last;                  //  Name of the last one taken
};

imb_checkpoint_t *
imb_checkpoint_new (imc_store_t *store, const char *data_dir)
{
    assert (store && data_dir);
    imb_checkpoint_t *self = (imb_checkpoint_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    snprintf (self->dir, sizeof self->dir, "%s/checkpoints", data_dir);
    if (sodium_init () < 0)
        imb_checkpoint_destroy (&self);
    return self;
}

void
imb_checkpoint_destroy (imb_checkpoint_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

bool
imb_checkpoint_is_verb (const char *verb)
{
    im_query_type_t type = im_query_type_from_name (verb);
    return type == IM_QUERY_CHECKPOINT || type == IM_QUERY_CHECKPOINT_READ;
}

//  True for a name of digits only
static bool
s_digits (const char *name)
{
    return name && *name && strspn (name, "0123456789") == strlen (name)
        && strlen (name) < 24;
}

//  Removes every checkpoint but the newest keep ones
static void
s_prune (imb_checkpoint_t *self, size_t keep)
{
    DIR *dir = opendir (self->dir);
    if (!dir)
        return;
    uint64_t names [64];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)) && count < 64)
        if (s_digits (entry->d_name))
            names [count++] = strtoull (entry->d_name, NULL, 10);
    closedir (dir);
    //  The newest keep stay: drop every name with keep newer ones
    for (size_t index = 0; index < count; index++) {
        size_t newer = 0;
        for (size_t other = 0; other < count; other++)
            newer += names [other] > names [index];
        if (newer >= keep) {
            char path [sizeof self->dir + 32];
            snprintf (path, sizeof path, "%s/%" PRIu64, self->dir,
                      names [index]);
            im_remove_tree (path);  //  Never follows a link out
        }
    }
}

static void
s_fields_free (void *item)
{
    im_fields_t *fields = (im_fields_t *) item;
    im_fields_destroy (&fields);
}

//  CHECKPOINT: takes one now, lists its files
static zmsg_t *
s_take (imb_checkpoint_t *self, const im_request_t *request)
{
    uint64_t applied = 0;
    imc_store_meta_get (self->store, IM_META_APPLIED, &applied);
    uint64_t name = im_now_ms ();
    if (name <= self->last)
        name = self->last + 1;
    self->last = name;
    char path [sizeof self->dir + 32], errbuf [512] = "";
    snprintf (path, sizeof path, "%s/%" PRIu64, self->dir, name);
    s_prune (self, IMB_CHECKPOINT_KEEP - 1);
    if (zsys_dir_create ("%s", self->dir)
    ||  imc_store_checkpoint (self->store, path, errbuf, sizeof errbuf)) {
        zsys_error ("imb_checkpoint: %s", *errbuf ? errbuf : strerror (errno));
        return im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                      "cannot take a checkpoint");
    }
    zlist_t *items = zlist_new ();
    DIR *dir = opendir (path);
    struct dirent *entry;
    while (dir && (entry = readdir (dir))) {
        char file [sizeof path + 256];
        struct stat info;
        snprintf (file, sizeof file, "%s/%s", path, entry->d_name);
        if (entry->d_name [0] == '.' || stat (file, &info)
        ||  !S_ISREG (info.st_mode))
            continue;
        im_fields_t *item = im_fields_new ();
        im_fields_set_str (item, IM_KEY_NAME, entry->d_name);
        im_fields_set_int (item, IM_KEY_SIZE, (int64_t) info.st_size);
        zlist_append (items, item);
        zlist_freefn (items, item, s_fields_free, true);
    }
    if (dir)
        closedir (dir);
    zsys_info ("checkpoint %" PRIu64 " taken at applied index %" PRIu64
               " (%zu files) for a node catching up", name, applied,
               zlist_size (items));
    char text [24];
    snprintf (text, sizeof text, "%" PRIu64, name);
    im_fields_t *body = im_fields_new ();
    im_fields_set_str (body, IM_KEY_CHECKPOINT, text);
    im_fields_set_int (body, IM_KEY_APPLIED_INDEX, (int64_t) applied);
    im_fields_set_int (body, IM_KEY_FILES, (int64_t) zlist_size (items));
    zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request->request_id, body,
                                     items,
                                     NULL);
    im_fields_destroy (&body);
    zlist_destroy (&items);
    return reply;
}

//  CHECKPOINT-READ: one chunk of one file, and its hash
static zmsg_t *
s_read (imb_checkpoint_t *self, const im_request_t *request)
{
    const char *name = im_fields_str (request->body, IM_KEY_CHECKPOINT);
    const char *file = im_fields_str (request->body, IM_KEY_FILE);
    int64_t offset = im_fields_int_or (request->body, IM_KEY_OFFSET, -1);
    if (!s_digits (name) || !file || !*file || file [0] == '.'
    ||  strchr (file, '/') || strlen (file) > 200 || offset < 0)
        return im_reply_encode_error (IM_PROTO_BAD_REQUEST,
                                      request->request_id, "needs "
                                      "'checkpoint' (digits), 'file' (a "
                                      "name in it) and 'offset' >= 0");
    char path [sizeof self->dir + 256];
    snprintf (path, sizeof path, "%s/%s/%s", self->dir, name, file);
    int fd = open (path, O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat (fd, &info)) {
        if (fd >= 0)
            close (fd);
        return im_reply_encode_error (IM_PROTO_NOT_FOUND, request->request_id,
                                      "no such "
                                      "checkpoint file (pruned? take a new "
                                      "checkpoint)");
    }
    uint8_t *chunk = (uint8_t *) malloc (IMB_CHECKPOINT_CHUNK);
    assert (chunk);
    ssize_t size = 0;
    if (offset < info.st_size)
        size = pread (fd, chunk, IMB_CHECKPOINT_CHUNK, (off_t) offset);
    close (fd);
    if (size < 0) {
        free (chunk);
        return im_reply_encode_error (IM_PROTO_INTERNAL, request->request_id,
                                      "cannot "
                                      "read the checkpoint file");
    }
    uint8_t hash [IMB_CHECKPOINT_HASH];
    crypto_generichash (hash, sizeof hash, chunk, (size_t) size, NULL, 0);
    char hex [2 * IMB_CHECKPOINT_HASH + 1];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    im_fields_t *body = im_fields_new ();
    im_fields_set_int (body, IM_KEY_OFFSET, offset);
    im_fields_set_int (body, IM_KEY_SIZE, (int64_t) size);
    im_fields_set_int (body, IM_KEY_FILE_SIZE, (int64_t) info.st_size);
    im_fields_set_str (body, IM_KEY_HASH, hex);
    zlist_t *raw = zlist_new ();
    zframe_t *frame = zframe_new (chunk, (size_t) size);
    free (chunk);
    zlist_append (raw, frame);
    zmsg_t *reply = im_reply_encode (IM_PROTO_OK, request->request_id, body,
                                     NULL,
                                     raw);
    zframe_destroy (&frame);
    zlist_destroy (&raw);
    im_fields_destroy (&body);
    return reply;
}

zmsg_t *
imb_checkpoint_answer (imb_checkpoint_t *self, const im_request_t *request)
{
    assert (self && request);
    return im_query_type_from_name (request->verb) == IM_QUERY_CHECKPOINT
         ? s_take (self, request) : s_read (self, request);
}
