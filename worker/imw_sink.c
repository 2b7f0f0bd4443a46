/*  imw_sink - the notifier's file channel: one log file per recipient

    The scan-before-append makes file output idempotent per (seq,
    recipient) without any state of our own: the file is the record.
    Files hold one short line per notification, so reading one whole
    is cheap at service-desk rates. A POSIX record lock covers the scan
    and the append, so two processes cannot both decide to write.
*/
#include "imw_classes.h"

#define IMW_SINK_NAME_KEEP  80          //  Recipient bytes kept when cut

struct _imw_sink_t {
    char dir [IM_CONFIG_PATH_MAX];      //  Directory of the files
};

imw_sink_t *
imw_sink_new (const char *dir)
{
    assert (dir);
    if (!*dir || strlen (dir) >= IM_CONFIG_PATH_MAX) {
        zsys_error ("notifier: sink directory '%s' is empty or too long",
                    dir);
        return NULL;
    }
    if (zsys_dir_create ("%s", dir)) {
        zsys_error ("notifier: cannot create '%s': %s", dir,
                    strerror (errno));
        return NULL;
    }
    imw_sink_t *self = (imw_sink_t *) calloc (1, sizeof (imw_sink_t));
    if (self)
        im_strlcpy (self->dir, dir, sizeof self->dir);
    return self;
}

void
imw_sink_destroy (imw_sink_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

uint64_t
imw_sink_hash (const char *text)
{
    assert (text);
    uint64_t hash = 0xcbf29ce484222325ull;
    for (; *text; text++) {
        hash ^= (unsigned char) *text;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

void
imw_sink_filename (const char *recipient, char *name, size_t size)
{
    assert (recipient && name && size >= IMW_SINK_NAME_MAX);
    size_t length = strlen (recipient);
    bool cut = length > IMW_SINK_NAME_MAX - 8;
    if (cut)
        length = IMW_SINK_NAME_KEEP;
    size_t index = 0;
    for (; index < length; index++) {
        char c = recipient [index];
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                 || (c >= '0' && c <= '9') || c == '.' || c == '_'
                 || c == '-';
        name [index] = keep ? c : '_';
    }
    if (cut)
        snprintf (name + index, size - index, "-%016" PRIx64 ".log",
                  imw_sink_hash (recipient));
    else
        snprintf (name + index, size - index, ".log");
}

//  Returns a new quoted copy of text: \" \\ and \xHH for control bytes
static char *
s_quote (const char *text)
{
    char *quoted = (char *) malloc (strlen (text) * 4 + 1);
    if (!quoted)
        return NULL;
    char *out = quoted;
    for (; *text; text++) {
        unsigned char c = (unsigned char) *text;
        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char) c;
        }
        else
        if (c < 0x20 || c == 0x7f)
            out += sprintf (out, "\\x%02x", c);
        else
            *out++ = (char) c;
    }
    *out = 0;
    return quoted;
}

//  Scans file for a complete line holding key right after its first
//  " seq=" (fields before seq never contain one). *ends_clean is false
//  when the file ends in a partial line. Returns 1 found, 0 not, or
//  IM_EIO.
static int
s_scan (FILE *file, const char *key, bool *ends_clean)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    size_t key_length = strlen (key);
    int found = 0;
    *ends_clean = true;
    rewind (file);
    while ((length = getline (&line, &capacity, file)) > 0) {
        *ends_clean = line [length - 1] == '\n';
        const char *at = strstr (line, " seq=");
        if (*ends_clean && at && strncmp (at + 1, key, key_length) == 0)
            found = 1;
    }
    int rc = ferror (file) ? IM_EIO : found;
    free (line);
    return rc;
}

//  Locks, scans and appends on an open file; returns 0 or IM_EIO
static int
s_append_once (FILE *file, const char *key, const char *line, bool *written)
{
    struct flock lock;
    memset (&lock, 0, sizeof lock);
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    int rc;
    while ((rc = fcntl (fileno (file), F_SETLKW, &lock)) == -1
           && errno == EINTR)
        ;
    if (rc == -1)
        return IM_EIO;
    bool ends_clean = true;
    int found = s_scan (file, key, &ends_clean);
    if (found != 0)
        return found < 0 ? found : 0;
    //  A partial line left by a crash stays partial, never glued to ours
    if (fseek (file, 0, SEEK_END)
    ||  fprintf (file, "%s%s", ends_clean ? "" : "\n", line) < 0
    ||  fflush (file)
    ||  fsync (fileno (file)))
        return IM_EIO;
    *written = true;
    return 0;                       //  fclose releases the lock
}

int
imw_sink_write (imw_sink_t *self, const char *recipient, uint64_t incident,
                const char *reason, uint64_t seq, const char *title,
                char *path, size_t path_size, bool *written)
{
    assert (self && recipient && reason && title && path && written);
    *written = false;
    char name [IMW_SINK_NAME_MAX];
    imw_sink_filename (recipient, name, sizeof name);
    int length = snprintf (path, path_size, "%s/%s", self->dir, name);
    if (length < 0 || (size_t) length >= path_size)
        return IM_EINVAL;

    char *quoted_recipient = s_quote (recipient);
    char *quoted_title = s_quote (title);
    char *key = NULL;
    char *line = NULL;
    int rc = IM_ENOMEM;
    if (!quoted_recipient || !quoted_title)
        goto cleanup;
    char stamp [32];
    im_format_time (im_now_ms (), stamp, sizeof stamp);
    size_t key_size = strlen (quoted_recipient) + 48;
    size_t line_size = key_size + strlen (quoted_title) + 128;
    key = (char *) malloc (key_size);
    line = (char *) malloc (line_size);
    if (!key || !line)
        goto cleanup;
    snprintf (key, key_size, "seq=%" PRIu64 " recipient=\"%s\" ", seq,
              quoted_recipient);
    snprintf (line, line_size,
              "%s incident=%" PRIu64 " reason=%s %stitle=\"%s\"\n",
              stamp, incident, reason, key, quoted_title);

    rc = IM_EIO;
    int fd = open (path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    FILE *file = fd >= 0 ? fdopen (fd, "a+") : NULL;
    if (file) {
        rc = s_append_once (file, key, line, written);
        if (fclose (file) && rc == 0)
            rc = IM_EIO;
    }
    else
    if (fd >= 0)
        close (fd);
    if (rc)
        zsys_error ("notifier: cannot write '%s': %s", path,
                    strerror (errno));
cleanup:
    free (line);
    free (key);
    free (quoted_title);
    free (quoted_recipient);
    return rc;
}
