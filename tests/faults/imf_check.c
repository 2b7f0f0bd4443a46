/*  imf_check - the history checker of the fault suite

    Each node's log is kept as an array by seq, since seqs are dense
    from 1: comparing logs is then a walk over seqs, and a hole is an
    empty slot below a node's last seq. Request ids are looked up in
    hashes, one for what the load sent and one per node for the opens
    its log holds.
*/
#include <czmq.h>
#include <dirent.h>
#include <inttypes.h>

#include "imf_check.h"

#define IMF_EXAMPLES        5       //  Examples printed per problem

//  What the load did with one request id
typedef struct {
    bool acked;                     //  Answered 200
    uint64_t incident;              //  The incident its answer named
} s_request_t;

//  One node's log
typedef struct {
    imf_event_t *events;            //  By seq - 1, owned
    bool *present;                  //  Whether slot seq - 1 holds one
    uint64_t capacity;              //  Slots
    uint64_t last;                  //  Highest seq held
    size_t count;                   //  Events held
} s_log_t;

//  Where a request id was opened in one node's log
typedef struct {
    size_t opens;                   //  incident.opened events with it
    uint64_t incident;              //  The first one's incident
} s_open_t;

//  One notification line
typedef struct {
    uint64_t incident;              //  The incident it names
    uint64_t seq;                   //  The event it is about
} s_note_t;

struct _imf_check_t {
    char prefix [IMF_ID_MAX];       //  "<prefix>-" of the load's ids
    zhashx_t *requests;             //  request id -> s_request_t, owned
    s_log_t logs [IMF_NODES_MAX];   //  Node n's log at n - 1
    s_note_t *notes;                //  Notifications, owned
    size_t notes_n;                 //  How many
    size_t notes_max;               //  Room for
    bool workers;                   //  Check the workers' results
};

static void
s_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

imf_check_t *
imf_check_new (const char *prefix)
{
    assert (prefix);
    imf_check_t *self = (imf_check_t *) calloc (1, sizeof (imf_check_t));
    if (!self)
        return NULL;
    snprintf (self->prefix, sizeof self->prefix, "%s-", prefix);
    self->workers = true;
    self->requests = zhashx_new ();
    if (!self->requests) {
        imf_check_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->requests, s_free);
    return self;
}

void
imf_check_destroy (imf_check_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        imf_check_t *self = *self_p;
        for (size_t node = 0; node < IMF_NODES_MAX; node++) {
            free (self->logs [node].events);
            free (self->logs [node].present);
        }
        free (self->notes);
        zhashx_destroy (&self->requests);
        free (self);
        *self_p = NULL;
    }
}

//  The record of request_id, made when it is new
static s_request_t *
s_request (imf_check_t *self, const char *request_id)
{
    s_request_t *request = (s_request_t *) zhashx_lookup (self->requests,
                                                          request_id);
    if (!request) {
        request = (s_request_t *) calloc (1, sizeof (s_request_t));
        assert (request);
        zhashx_insert (self->requests, request_id, request);
    }
    return request;
}

void
imf_check_sent (imf_check_t *self, const char *request_id)
{
    assert (self && request_id);
    s_request (self, request_id);
}

void
imf_check_acked (imf_check_t *self, const char *request_id,
                 uint64_t incident)
{
    assert (self && request_id);
    s_request_t *request = s_request (self, request_id);
    request->acked = true;
    request->incident = incident;
}

int
imf_check_event (imf_check_t *self, int node, const imf_event_t *event)
{
    assert (self && event);
    if (node < 1 || node > IMF_NODES_MAX || event->seq == 0) {
        fprintf (stderr, "imf_check: node %d seq %" PRIu64 " out of "
                 "range\n", node, event->seq);
        return -1;
    }
    s_log_t *log = &self->logs [node - 1];
    if (event->seq > log->capacity) {
        uint64_t capacity = log->capacity ? log->capacity : 1024;
        while (capacity < event->seq)
            capacity *= 2;
        log->events = (imf_event_t *) realloc (log->events,
                                               capacity * sizeof *log->events);
        log->present = (bool *) realloc (log->present,
                                         capacity * sizeof *log->present);
        assert (log->events && log->present);
        memset (log->present + log->capacity, 0,
                (capacity - log->capacity) * sizeof *log->present);
        log->capacity = capacity;
    }
    if (log->present [event->seq - 1]) {
        fprintf (stderr, "imf_check: node %d seq %" PRIu64 " given twice\n",
                 node, event->seq);
        return -1;
    }
    log->events [event->seq - 1] = *event;
    log->present [event->seq - 1] = true;
    log->count++;
    if (event->seq > log->last)
        log->last = event->seq;
    return 0;
}

void
imf_check_notification (imf_check_t *self, uint64_t incident, uint64_t seq)
{
    assert (self);
    if (self->notes_n == self->notes_max) {
        self->notes_max = self->notes_max ? self->notes_max * 2 : 256;
        self->notes = (s_note_t *) realloc (self->notes, self->notes_max
                                                       * sizeof *self->notes);
        assert (self->notes);
    }
    self->notes [self->notes_n].incident = incident;
    self->notes [self->notes_n].seq = seq;
    self->notes_n++;
}

//  Reads the number after " key=" in line into *value; true when found
static bool
s_field (const char *line, const char *key, uint64_t *value)
{
    char needle [32];
    snprintf (needle, sizeof needle, " %s=", key);
    const char *at = strstr (line, needle);
    if (!at)
        return false;
    char *end = NULL;
    errno = 0;
    *value = strtoull (at + strlen (needle), &end, 10);
    return errno == 0 && end != at + strlen (needle)
        && (*end == ' ' || *end == '\n' || *end == 0);
}

int
imf_check_sink_line (imf_check_t *self, const char *line)
{
    assert (self && line);
    uint64_t incident = 0, seq = 0;
    if (!s_field (line, "incident", &incident) || !s_field (line, "seq", &seq)
    ||  seq == 0)
        return -1;
    imf_check_notification (self, incident, seq);
    return 0;
}

int
imf_check_sink_dir (imf_check_t *self, const char *dir)
{
    assert (self && dir);
    DIR *handle = opendir (dir);
    if (!handle)
        return -1;
    int lines = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length < 5 || strcmp (entry->d_name + length - 4, ".log"))
            continue;
        char path [1024];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        FILE *file = fopen (path, "r");
        char *line = NULL;
        size_t capacity = 0;
        while (file && getline (&line, &capacity, file) > 0)
            lines += imf_check_sink_line (self, line) == 0;
        free (line);
        if (file)
            fclose (file);
    }
    closedir (handle);
    return lines;
}

void
imf_check_set_workers (imf_check_t *self, bool workers)
{
    assert (self);
    self->workers = workers;
}

//  The event at seq of log, or NULL
static const imf_event_t *
s_at (const s_log_t *log, uint64_t seq)
{
    return seq >= 1 && seq <= log->capacity && log->present [seq - 1]
         ? &log->events [seq - 1] : NULL;
}

//  True when two logs disagree at seq: different events, or a hole in
//  one below the other's last seq... and below its own last
static bool
s_differ (const s_log_t *one, const s_log_t *two, uint64_t seq)
{
    const imf_event_t *a = s_at (one, seq), *b = s_at (two, seq);
    if (a && b)
        return a->digest != b->digest || a->incident != b->incident
            || strcmp (a->type, b->type)
            || strcmp (a->request_id, b->request_id);
    if (!a && !b)
        return false;
    //  One has it: a hole in the other only when that one goes past it
    return a ? seq < two->last : seq < one->last;
}

//  Maps each load request id of log to where it was opened; returns a
//  hash (caller destroys it)
static zhashx_t *
s_opens (imf_check_t *self, const s_log_t *log)
{
    zhashx_t *opens = zhashx_new ();
    assert (opens);
    zhashx_set_destructor (opens, s_free);
    size_t length = strlen (self->prefix);
    for (uint64_t seq = 1; seq <= log->last; seq++) {
        const imf_event_t *event = s_at (log, seq);
        if (!event || strcmp (event->type, "incident.opened")
        ||  strncmp (event->request_id, self->prefix, length))
            continue;
        s_open_t *open = (s_open_t *) zhashx_lookup (opens,
                                                     event->request_id);
        if (!open) {
            open = (s_open_t *) calloc (1, sizeof (s_open_t));
            assert (open);
            open->incident = event->incident;
            zhashx_insert (opens, event->request_id, open);
        }
        open->opens++;
    }
    return opens;
}

//  Prints an example of a problem while fewer than IMF_EXAMPLES were
static void
s_example (FILE *report, size_t count, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_example (FILE *report, size_t count, const char *format, ...)
{
    if (!report || count > IMF_EXAMPLES)
        return;
    va_list args;
    va_start (args, format);
    fprintf (report, "    ");
    vfprintf (report, format, args);
    fprintf (report, "\n");
    va_end (args);
}

//  Lost, duplicated, misanswered and unacknowledged-but-present
static void
s_check_requests (imf_check_t *self, imf_result_t *result, int reference,
                  FILE *report)
{
    zhashx_t *opens [IMF_NODES_MAX] = { NULL };
    for (int node = 0; node < IMF_NODES_MAX; node++)
        if (self->logs [node].count)
            opens [node] = s_opens (self, &self->logs [node]);
    result->sent = zhashx_size (self->requests);
    for (s_request_t *request = (s_request_t *) zhashx_first (self->requests);
         request; request = (s_request_t *) zhashx_next (self->requests)) {
        const char *id = (const char *) zhashx_cursor (self->requests);
        bool lost = false, duplicated = false, misanswered = false;
        for (int node = 0; node < IMF_NODES_MAX; node++) {
            if (!opens [node])
                continue;
            s_open_t *open = (s_open_t *) zhashx_lookup (opens [node], id);
            if (request->acked && !open && !lost) {
                lost = true;
                s_example (report, ++result->lost, "lost: %s (incident %"
                           PRIu64 ") missing on node %d", id,
                           request->incident, node + 1);
            }
            if (open && open->opens > 1 && !duplicated) {
                duplicated = true;
                s_example (report, ++result->duplicated, "duplicated: %s "
                           "opened %zu times on node %d", id, open->opens,
                           node + 1);
            }
            if (open && request->acked && open->incident != request->incident
            &&  !misanswered) {
                misanswered = true;
                s_example (report, ++result->misanswered, "misanswered: %s "
                           "is incident %" PRIu64 " on node %d, its answer "
                           "said %" PRIu64, id, open->incident, node + 1,
                           request->incident);
            }
        }
        result->acknowledged += request->acked;
        if (!request->acked && opens [reference - 1]
        &&  zhashx_lookup (opens [reference - 1], id))
            result->unacked_present++;
    }
    for (int node = 0; node < IMF_NODES_MAX; node++)
        zhashx_destroy (&opens [node]);
}

//  Each load incident classified and SLA-started exactly once, in the
//  reference log
static void
s_check_workers (imf_check_t *self, imf_result_t *result, const s_log_t *log,
                 FILE *report)
{
    //  Per incident: [0] opened by the load, [1] classified, [2] started
    uint64_t top = 0;
    for (uint64_t seq = 1; seq <= log->last; seq++) {
        const imf_event_t *event = s_at (log, seq);
        if (event && event->incident > top)
            top = event->incident;
    }
    uint32_t (*counts) [3] = calloc (top + 1, sizeof *counts);
    assert (counts);
    size_t length = strlen (self->prefix);
    for (uint64_t seq = 1; seq <= log->last; seq++) {
        const imf_event_t *event = s_at (log, seq);
        if (!event)
            continue;
        if (streq (event->type, "incident.opened"))
            counts [event->incident][0] +=
                strncmp (event->request_id, self->prefix, length) == 0;
        else
        if (streq (event->type, "incident.classified"))
            counts [event->incident][1]++;
        else
        if (streq (event->type, "sla.started"))
            counts [event->incident][2]++;
    }
    for (uint64_t incident = 1; incident <= top; incident++) {
        if (!counts [incident][0])
            continue;
        if (counts [incident][1] != 1)
            s_example (report, ++result->classified_wrong, "incident %"
                       PRIu64 " classified %" PRIu32 " times", incident,
                       counts [incident][1]);
        if (counts [incident][2] != 1)
            s_example (report, ++result->sla_wrong, "incident %" PRIu64
                       " SLA started %" PRIu32 " times", incident,
                       counts [incident][2]);
    }
    free (counts);
}

size_t
imf_check_run (imf_check_t *self, imf_result_t *result, FILE *report)
{
    assert (self && result);
    memset (result, 0, sizeof *result);
    int reference = 0;
    uint64_t last = 0;
    for (int node = 1; node <= IMF_NODES_MAX; node++) {
        const s_log_t *log = &self->logs [node - 1];
        if (!log->count)
            continue;
        result->nodes++;
        if (!reference || log->last > last) {
            reference = node;
            last = log->last;
        }
    }
    if (!reference) {
        //  No log at all: everything acknowledged is lost
        for (s_request_t *request =
                 (s_request_t *) zhashx_first (self->requests);
             request; request = (s_request_t *) zhashx_next (self->requests))
            result->lost += request->acked;
        result->acknowledged = result->lost;
        result->sent = zhashx_size (self->requests);
        return imf_result_problems (result);
    }
    const s_log_t *ref = &self->logs [reference - 1];
    for (uint64_t seq = 1; seq <= last; seq++)
        for (int node = 1; node <= IMF_NODES_MAX; node++) {
            const s_log_t *log = &self->logs [node - 1];
            if (node == reference || !log->count || !s_differ (ref, log, seq))
                continue;
            const imf_event_t *a = s_at (ref, seq), *b = s_at (log, seq);
            s_example (report, ++result->divergent, "divergent at seq %"
                       PRIu64 ": node %d has %s %s, node %d has %s %s", seq,
                       reference, a ? a->type : "nothing",
                       a ? a->request_id : "", node,
                       b ? b->type : "nothing", b ? b->request_id : "");
            break;                  //  One count per seq
        }
    s_check_requests (self, result, reference, report);
    if (self->workers) {
        s_check_workers (self, result, ref, report);
        for (size_t index = 0; index < self->notes_n; index++) {
            const s_note_t *note = &self->notes [index];
            const imf_event_t *event = s_at (ref, note->seq);
            if (!event || event->incident != note->incident)
                s_example (report, ++result->phantom, "notification about "
                           "seq %" PRIu64 " of incident %" PRIu64 ": the log "
                           "has %s", note->seq, note->incident,
                           event ? event->type : "no such event");
        }
        result->notifications = self->notes_n;
    }
    return imf_result_problems (result);
}

size_t
imf_result_problems (const imf_result_t *result)
{
    assert (result);
    return result->lost + result->duplicated + result->divergent
         + result->misanswered + result->classified_wrong
         + result->sla_wrong + result->phantom;
}
