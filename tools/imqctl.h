/*  imqctl - private header of the operators' CLI

    imqctl turns one command line into one request to a broker and prints
    the reply, as a table for people or as JSON for scripts. Each verb is
    described by a table entry (imqctl_verb_t): its flags, how many
    positional arguments it takes and the function that runs it, so the
    parser, the usage text and the dispatch all read one definition.
*/
#ifndef IMQCTL_H_INCLUDED
#define IMQCTL_H_INCLUDED

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <jansson.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_proto.h"
#include "im_client.h"
#include "im_config.h"
#include "im_util.h"
#include "im_csv.h"

//  Exit codes
#define IMQCTL_EXIT_OK          0   //  Done
#define IMQCTL_EXIT_BROKER      1   //  The broker answered with an error
#define IMQCTL_EXIT_USAGE       2   //  Invalid arguments
#define IMQCTL_EXIT_NOANSWER    3   //  No answer within the timeout

#define IMQCTL_ARGS_MAX         64  //  Positional arguments after the verb
#define IMQCTL_WIDTH            120 //  Columns a table is fitted to

typedef enum {
    IMQCTL_STR = 1,                 //  Any text
    IMQCTL_INT = 2,                 //  A decimal integer in [min, max]
    IMQCTL_BOOL = 3                 //  No value: given or not (1 or absent)
} imqctl_type_t;

//  One flag of a verb. Its value goes into the request body under the
//  flag's name.
typedef struct {
    const char *name;               //  Long flag and body key, NULL ends
    const char *meta;               //  Placeholder in the usage ("T")
    imqctl_type_t type;             //  Kind of value
    bool required;                  //  Must be given
    int64_t min;                    //  Smallest integer value
    int64_t max;                    //  Largest integer value
    const char *choices;            //  "a|b|c" allowed strings, or NULL
} imqctl_flag_t;

typedef struct _imqctl_verb_t imqctl_verb_t;

//  What one invocation asked for; argv strings are borrowed
typedef struct {
    const char *endpoint;           //  Broker endpoint list
    int timeout_ms;                 //  Bound on the call
    const char *actor;              //  Who asks
    bool actor_given;               //  --actor was given
    bool json;                      //  JSON instead of human output
    bool linearizable;              //  Reads go through the leader
    const char *request_id;         //  --request-id, or NULL: a fresh one
    const char *cert;               //  --cert, or NULL: $IMQ_CERT, else
                                    //  the default (imqctl_identity.c)
    const char *keys;               //  --keys, or NULL: $IMQ_KEYS, else
                                    //  the default
    bool no_curve;                  //  --no-curve: talk without CURVE
    char keys_dir [PATH_MAX];       //  The keys directory in use
    char cert_path [PATH_MAX];      //  The certificate in use, or ""
    im_curve_t *curve;              //  Its identity, owned, or NULL
    bool help;                      //  --help given
    const imqctl_verb_t *verb;      //  The verb to run
    im_fields_t *flags;             //  Verb flags given, by name, owned
    const char *args [IMQCTL_ARGS_MAX];  //  Positional arguments
    size_t args_n;                  //  How many
} imqctl_t;

//  Runs a verb; returns the process exit code
typedef int (imqctl_run_fn) (imqctl_t *self);

struct _imqctl_verb_t {
    const char *name;               //  As typed: "open"
    const char *wire;               //  Protocol verb: "OPEN"
    const char *args;               //  Positional synopsis, or NULL
    size_t args_min;                //  Fewest positional arguments
    size_t args_max;                //  Most positional arguments
    const imqctl_flag_t *flags;     //  Verb flags, ending with {NULL}
    const char *summary;            //  One line for the usage
    imqctl_run_fn *run;             //  Does the work
};

//  The verbs, one per command file
extern const imqctl_verb_t imqctl_verb_open;
extern const imqctl_verb_t imqctl_verb_ack;
extern const imqctl_verb_t imqctl_verb_assign;
extern const imqctl_verb_t imqctl_verb_escalate;
extern const imqctl_verb_t imqctl_verb_comment;
extern const imqctl_verb_t imqctl_verb_pend;
extern const imqctl_verb_t imqctl_verb_resume;
extern const imqctl_verb_t imqctl_verb_cancel;
extern const imqctl_verb_t imqctl_verb_resolve;
extern const imqctl_verb_t imqctl_verb_close;
extern const imqctl_verb_t imqctl_verb_reopen;
extern const imqctl_verb_t imqctl_verb_list;
extern const imqctl_verb_t imqctl_verb_show;
extern const imqctl_verb_t imqctl_verb_timeline;
extern const imqctl_verb_t imqctl_verb_status;
extern const imqctl_verb_t imqctl_verb_config;
extern const imqctl_verb_t imqctl_verb_convert;
extern const imqctl_verb_t imqctl_verb_categorize;
extern const imqctl_verb_t imqctl_verb_prioritize;
extern const imqctl_verb_t imqctl_verb_link;
extern const imqctl_verb_t imqctl_verb_unlink;
extern const imqctl_verb_t imqctl_verb_major;
extern const imqctl_verb_t imqctl_verb_review;
extern const imqctl_verb_t imqctl_verb_search;
extern const imqctl_verb_t imqctl_verb_cluster;
extern const imqctl_verb_t imqctl_verb_keygen;
extern const imqctl_verb_t imqctl_verb_principal;
extern const imqctl_verb_t imqctl_verb_principals;
extern const imqctl_verb_t imqctl_verb_audit;
extern const imqctl_verb_t imqctl_verb_sla;
extern const imqctl_verb_t imqctl_verb_events;

//  ---------------------------------------------------------------------
//  imqctl_args: the command line

//  Parses argv into self (cleared first), looking verbs up in verbs
//  (NULL-terminated). Returns IMQCTL_EXIT_OK, or IMQCTL_EXIT_USAGE after
//  printing the problem and a short usage on stderr.
int
    imqctl_args_parse (imqctl_t *self, int argc, char *argv [],
                       const imqctl_verb_t *const *verbs);

//  Frees what parsing allocated
void
    imqctl_args_clear (imqctl_t *self);

//  Prints a verb's usage and flags to out
void
    imqctl_args_usage (const imqctl_verb_t *verb, FILE *out);

//  Prints the general usage: every verb, the global flags
void
    imqctl_args_usage_all (const imqctl_verb_t *const *verbs, FILE *out);

//  Prints "imqctl: VERB: <message>" and the verb's synopsis on stderr;
//  returns IMQCTL_EXIT_USAGE
int
    imqctl_args_fail (const imqctl_t *self, const char *format, ...)
    CHECK_PRINTF (2);

//  Turns text into ms since the epoch: a duration back from now ("15m",
//  "2h", "7d"), ms since the epoch, or an RFC 3339 UTC time
//  ("2026-12-07T23:00:00Z"). Returns 0 or -1 when it is none of those.
int
    imqctl_args_time (const char *text, int64_t *ms);

//  Parses positional argument index as an incident id into *id.
//  Returns IMQCTL_EXIT_OK or, after saying why, IMQCTL_EXIT_USAGE.
int
    imqctl_args_id (const imqctl_t *self, size_t index, int64_t *id);

//  ---------------------------------------------------------------------
//  imqctl_identity: the certificate imqctl proves itself with

//  Finds the keys directory and the certificate (flags, then the
//  environment, then the defaults) and, unless --no-curve, loads it.
//  Returns IMQCTL_EXIT_OK or, after saying why, IMQCTL_EXIT_USAGE.
int
    imqctl_identity (imqctl_t *self);

//  The actor a request names: with CURVE the broker records the
//  certificate's principal, so only an --actor given is sent (recorded
//  as whom the principal acts for); without CURVE, --actor or $USER.
//  NULL: send none.
const char *
    imqctl_actor (const imqctl_t *self);

//  A client of endpoint as this identity; NULL after saying why
im_client_t *
    imqctl_client_new (const imqctl_t *self, const char *endpoint,
                       int timeout_ms);

//  ---------------------------------------------------------------------
//  imqctl_call: one request to the broker

//  Sends wire verb with body and waits for the reply. Returns
//  IMQCTL_EXIT_OK with *reply_p set (the caller owns it), or the exit
//  code after printing the failure: no answer, or an error reply.
int
    imqctl_call (const imqctl_t *self, const im_fields_t *body,
                 bool raw_items, im_reply_t **reply_p);

//  Same, with the wire verb given (for imqctl verbs that send more than
//  one kind of request)
int
    imqctl_call_wire (const imqctl_t *self, const char *wire,
                      const im_fields_t *body, bool raw_items,
                      im_reply_t **reply_p);

//  Same, through client (borrowed), which a verb that sends many
//  requests keeps
int
    imqctl_call_with (const imqctl_t *self, im_client_t *client,
                      const char *wire, const im_fields_t *body,
                      bool raw_items, im_reply_t **reply_p);

//  Runs a command verb whose only positional argument is the incident
//  id, as imqctl_command does
int
    imqctl_command_on_id (const imqctl_t *self, const char *done);

//  Sends the verb with body {incident: the first positional id} and
//  waits for the reply, as imqctl_call does (GET, TIMELINE)
int
    imqctl_call_incident (const imqctl_t *self, bool raw_items,
                          im_reply_t **reply_p);

//  Runs a command verb: body is self->flags plus incident (when > 0)
//  and actor, extra (may be NULL) merged on top. Prints
//  "<done> incident N (seq S)" (or, when the reply names another
//  incident, that it was opened as a follow-up) or the reply JSON.
//  Returns the exit code.
int
    imqctl_command (const imqctl_t *self, int64_t incident,
                    const im_fields_t *extra, const char *done);

//  ---------------------------------------------------------------------
//  imqctl_output: tables, key/value views and JSON

typedef struct _imqctl_table_t imqctl_table_t;

//  A table of columns cells; headers are borrowed
imqctl_table_t *
    imqctl_table_new (const char *const *headers, size_t columns);
void
    imqctl_table_destroy (imqctl_table_t **self_p);

//  Adds a row of columns cells (copied)
int
    imqctl_table_add (imqctl_table_t *self, const char *const *cells);

//  Prints the table, cutting the last column so a line fits width
//  (0: never cut)
void
    imqctl_table_print (imqctl_table_t *self, FILE *out, size_t width);

#define IMQCTL_CELL_TEXT    1400    //  Room for one cell of a list row
#define IMQCTL_COLUMNS_MAX  16      //  Columns of a list

//  Writes the cells of item's row, each a buffer of IMQCTL_CELL_TEXT
typedef void (imqctl_row_fn) (const im_fields_t *item, char **cells);

//  Prints a list reply and destroys it: with --json the reply as JSON,
//  its items under json_key; else a table of headers (columns of them),
//  a row per item written by row, or the line none when it has no item.
//  Returns IMQCTL_EXIT_OK, or IMQCTL_EXIT_BROKER when out of memory.
int
    imqctl_print_list (imqctl_t *self, im_reply_t **reply_p,
                       const char *json_key, const char *const *headers,
                       size_t columns, imqctl_row_fn *row, const char *none);
//  Prints one CSV record of columns cells to out (RFC 4180, im_csv): a
//  cell that holds a comma, a double quote, CR or LF is quoted, its
//  quotes doubled; the record ends with CRLF. Returns IMQCTL_EXIT_OK, or
//  IMQCTL_EXIT_BROKER when out of memory.
int
    imqctl_csv_row (FILE *out, const char *const *cells, size_t columns);

//  Prints json with two-space indentation and a newline; takes the
//  reference
void
    imqctl_json_print (json_t **json_p);

//  Writes the value of key as text into buffer: a string as it is, an
//  integer in decimal, "-" when absent or empty
void
    imqctl_text (const im_fields_t *fields, const char *key,
                 char *buffer, size_t size);

//  Writes entry index of fields as text for a person: *_ms times as
//  RFC 3339 plus how long ago (or ahead), priority as P1..P5, an empty
//  string as "-"
void
    imqctl_text_at (const im_fields_t *fields, size_t index,
                    char *buffer, size_t size);

//  Writes "P1".."P5", or "-" when priority is unset
void
    imqctl_text_priority (const im_fields_t *fields, char *buffer,
                          size_t size);

//  Writes a duration in ms as "42s", "5m", "3h", "2d"
void
    imqctl_text_duration (uint64_t ms, char *buffer, size_t size);

//  Writes key=value for entry index; strings that are empty or hold
//  spaces, quotes or control characters are quoted and escaped
void
    imqctl_text_pair (const im_fields_t *fields, size_t index,
                      char *buffer, size_t size);

//  Returns the fields as "key=value key=value" (imqctl_text_pair each),
//  or NULL when out of memory; the caller frees it
char *
    imqctl_text_pairs (const im_fields_t *payload);

//  ---------------------------------------------------------------------
//  imqctl_cmd_events: the log read a page at a time

//  Takes one event read; non-zero stops the reading with that exit code
typedef int (imqctl_events_fn) (const im_event_t *event, void *arg);

//  Sends EVENTS with body (its after, the cursor, is set here), page
//  after page, and hands every event to fn in seq order, until the
//  range is read or, when follow, until interrupted (SIGINT, SIGTERM:
//  exit 0), waiting interval_ms between polls that found the log read.
//  Returns the exit code.
int
    imqctl_events_read (const imqctl_t *self, im_fields_t *body,
                        bool follow, int interval_ms,
                        imqctl_events_fn *fn, void *arg);

#endif
