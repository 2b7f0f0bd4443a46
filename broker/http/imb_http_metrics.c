/*  imb_http_metrics - GET /metrics in the Prometheus text format

    What is said about the log comes from the state machine's counters
    (the COUNTERS query), so it is the same on every node and after a
    restart; what is said about the node (Raft, queue, workers) from
    STATUS; the HTTP answers are this process's own count. The names
    are listed in docs/http.md.
*/
#include "imb_classes.h"
#include "imb_http_private.h"

//  Writes value as a label value: backslash, quote and newline escaped
static void
s_label (FILE *out, const char *value)
{
    for (const char *cursor = value; *cursor; cursor++) {
        if (*cursor == '\\' || *cursor == '"')
            fprintf (out, "\\%c", *cursor);
        else
        if (*cursor == '\n')
            fputs ("\\n", out);
        else
            fputc (*cursor, out);
    }
}

static void
s_family (FILE *out, const char *name, const char *type, const char *help)
{
    fprintf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

//  Writes the counters whose names start with prefix ("events/"):
//  name{label="rest of the name"} value
static void
s_counters (FILE *out, const im_fields_t *counters, const char *prefix,
            const char *metric, const char *label)
{
    size_t length = strlen (prefix);
    for (size_t index = 0; index < im_fields_size (counters); index++) {
        const char *key = im_fields_key_at (counters, index);
        if (strncmp (key, prefix, length) || strstr (key, "/none")
        ||  strstr (key, "/NONE"))
            continue;
        fprintf (out, "%s{%s=\"", metric, label);
        s_label (out, key + length);
        fprintf (out, "\"} %" PRId64 "\n", im_fields_int_at (counters, index));
    }
}

//  Writes the log's counters: the COUNTERS reply's items, one per
//  family (events/, commands/ with rejected/, incidents/)
static void
s_log_metrics (FILE *out, zlist_t *items)
{
    const im_fields_t *events = (const im_fields_t *) zlist_first (items);
    const im_fields_t *commands = (const im_fields_t *) zlist_next (items);
    const im_fields_t *incidents = (const im_fields_t *) zlist_next (items);
    assert (events && commands && incidents);
    const im_fields_t *counters = events;
    s_family (out, "imq_events_total", "counter",
              "Events in the log, by type.");
    s_counters (out, counters, "events/", "imq_events_total", "type");
    s_family (out, "imq_commands_total", "counter",
              "Commands the state machine applied, by verb and result.");
    counters = commands;
    for (int rejected = 0; rejected < 2; rejected++)
        for (size_t index = 0; index < im_fields_size (counters); index++) {
            const char *key = im_fields_key_at (counters, index);
            const char *prefix = rejected ? "rejected/" : "commands/";
            if (strncmp (key, prefix, strlen (prefix))
            ||  streq (key + strlen (prefix), "NONE"))
                continue;
            fprintf (out, "imq_commands_total{verb=\"%s\",result=\"%s\"} %"
                     PRId64 "\n", key + strlen (prefix),
                     rejected ? "rejected" : "accepted",
                     im_fields_int_at (counters, index));
        }
    s_family (out, "imq_incidents", "gauge",
              "Incidents by status and priority (0: not classified yet).");
    counters = incidents;
    for (size_t index = 0; index < im_fields_size (counters); index++) {
        const char *key = im_fields_key_at (counters, index);
        char status [32];
        unsigned priority;
        if (sscanf (key, "incidents/%31[a-z_]/%u", status, &priority) == 2
        &&  !streq (status, "none"))
            fprintf (out, "imq_incidents{status=\"%s\",priority=\"%u\"} %"
                     PRId64 "\n", status, priority,
                     im_fields_int_at (counters, index));
    }
    s_family (out, "imq_sla_breaches_total", "counter",
              "SLA clocks breached (sla.breached events).");
    counters = events;
    fprintf (out, "imq_sla_breaches_total %" PRId64 "\n",
             im_fields_int_or (counters, "events/sla.breached", 0));
    s_family (out, "imq_notifications_total", "counter",
              "Notifications by outcome (notification.sent events).");
    fprintf (out, "imq_notifications_total{outcome=\"sent\"} %" PRId64 "\n",
             im_fields_int_or (counters, "events/notification.sent", 0));
}

//  Writes the node's denials (STATUS denied/<verb>/<needs>, denials/*)
static void
s_denial_metrics (FILE *out, const im_fields_t *body)
{
    s_family (out, "imq_denials_total", "counter",
              "Requests this node refused an authenticated principal, by "
              "verb and by the role (or what else) it lacked.");
    for (size_t index = 0; index < im_fields_size (body); index++) {
        const char *key = im_fields_key_at (body, index);
        const char *needs = strncmp (key, "denied/", 7) ? NULL
                          : strchr (key + 7, '/');
        if (!needs)
            continue;
        fprintf (out, "imq_denials_total{verb=\"%.*s\",needs=\"",
                 (int) (needs - key - 7), key + 7);
        s_label (out, needs + 1);
        fprintf (out, "\"} %" PRId64 "\n", im_fields_int_at (body, index));
    }
    static const char *counts [3][3] = {
        { "denials/recorded", "imq_denials_recorded_total",
          "Denials this node had recorded in the log (access.denied)." },
        { "denials/suppressed", "imq_denials_suppressed_total",
          "Denials held back by the limit, counted in a recorded one's "
          "suppressed." },
        { "denials/unrecorded", "imq_denials_unrecorded_total",
          "Denials neither recorded nor counted in a record (a full "
          "table or queue, or a leader that refused the record)." },
    };
    for (size_t index = 0; index < 3; index++) {
        s_family (out, counts [index][1], "counter", counts [index][2]);
        fprintf (out, "%s %" PRId64 "\n", counts [index][1],
                 im_fields_int_or (body, counts [index][0], 0));
    }
}

//  Writes what STATUS says of the node and its consumer groups
static void
s_node_metrics (FILE *out, const im_reply_t *status)
{
    static const struct {
        const char *key, *metric, *help;
    } gauges [] = {
        { IM_KEY_TERM, "imq_raft_term", "Current Raft term." },
        { IM_KEY_COMMIT_INDEX, "imq_raft_commit_index", "Raft commit index." },
        { IM_KEY_APPLIED_INDEX, "imq_raft_applied_index",
          "Last Raft index applied to the store." },
        { IM_KEY_LAST_SEQ, "imq_last_seq", "Seq of the last event." },
        { IM_KEY_QUEUE, "imq_queue_commands",
          "Commands waiting for a Raft entry." },
        { IM_KEY_LOG_REPAIR_TO, "imq_raft_log_repair_to",
          "Raft index this node's log must reach again before it votes, "
          "after its disk lost entries (0: it votes)." },
    };
    for (size_t index = 0; index < sizeof gauges / sizeof gauges [0];
         index++) {
        s_family (out, gauges [index].metric, "gauge", gauges [index].help);
        fprintf (out, "%s %" PRId64 "\n", gauges [index].metric,
                 im_fields_int_or (status->body, gauges [index].key, 0));
    }
    s_family (out, "imq_refused_messages_total", "counter",
              "ZeroMQ messages this node refused before they reached the "
              "state machine, by kind.");
    s_counters (out, status->body, "refused/", "imq_refused_messages_total",
                "kind");
    s_denial_metrics (out, status->body);
    s_family (out, "imq_raft_leader", "gauge",
              "1 when this node is the Raft leader.");
    fprintf (out, "imq_raft_leader %d\n",
             streq (im_fields_str_or (status->body, IM_KEY_RAFT_STATE, ""),
                    "leader"));
    static const char *groups [3][3] = {
        { IM_KEY_LAG, "imq_worker_lag", "Committed events a consumer group has "
          "not acknowledged." },
        { IM_KEY_INFLIGHT, "imq_worker_inflight", "Events delivered to a "
          "consumer group and not acknowledged." },
        { IM_KEY_INSTANCES, "imq_worker_instances", "Live instances of a "
          "consumer group." },
    };
    for (int metric = 0; metric < 3; metric++) {
        s_family (out, groups [metric][1], "gauge", groups [metric][2]);
        const im_fields_t *group = status->items
            ? (const im_fields_t *) zlist_first (status->items) : NULL;
        while (group) {
            fprintf (out, "%s{group=\"", groups [metric][1]);
            s_label (out, im_fields_str_or (group, IM_KEY_GROUP, ""));
            fprintf (out, "\"} %" PRId64 "\n",
                     im_fields_int_or (group, groups [metric][0], 0));
            group = (const im_fields_t *) zlist_next (status->items);
        }
    }
}

int
imb_http_metrics (const imb_http_request_t *request)
{
    im_reply_t *status = imb_http_call (request, "STATUS", NULL, NULL,
                                        false, 0);
    im_reply_t *counters = imb_http_call (request, "COUNTERS", NULL,
                                          NULL, false, 0);
    int rc;
    if (!status || status->status != IM_PROTO_OK || !counters
    ||  counters->status != IM_PROTO_OK || !counters->items
    ||  zlist_size (counters->items) != 3)
        rc = imb_http_error (request, IM_PROTO_UNAVAILABLE,
                             "the broker did not answer",
                             NULL);
    else {
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream (&text, &size);
        assert (out);
        s_log_metrics (out, counters->items);
        s_node_metrics (out, status);
        s_family (out, "imq_http_requests_total", "counter",
                  "HTTP requests answered by this node, by status code.");
        for (unsigned code = 100; code < 600; code++) {
            uint64_t count = imb_http_answers (request->http, code);
            if (count)
                fprintf (out, "imq_http_requests_total{code=\"%u\"} %"
                         PRIu64 "\n", code, count);
        }
        fclose (out);
        rc = imb_http_answer_text (request, IM_PROTO_OK, &text,
                                   "text/plain; version=0.0.4");
    }
    im_reply_destroy (&status);
    im_reply_destroy (&counters);
    return rc;
}
