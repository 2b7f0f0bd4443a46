/*  fuzz_http - the JSON bodies of the HTTP writes

    An input is a request body. It is parsed as the routes parse it and
    read by each of the three receivers: POST /v1/incidents, the
    Alertmanager webhook (with alerts resolving and only recording), and
    the PagerDuty Events API. Beyond crashes:

    - a refusal names what was wrong in text the error document can
      carry (UTF-8: JSON cannot hold anything else);
    - what a receiver accepts becomes requests the broker accepts: each
      encodes as IMQ01, decodes on the broker's side and makes a command
      (an incident's own "actor" may still be refused, by name), and
      an alert the receiver took is one the state machine takes: a
      trigger opens an incident;
    - the name the answer gives an alert (its fingerprint or dedup key)
      is the key the command carries, and a trigger keeps its text (the
      description).
*/
#include "im_classes.h"
#include "imb_classes.h"
#include "imc_decide.h"
#include "imb_http_ingest.h"
#include "im_fuzz.h"

//  The decider's view of other incidents: there are none
static const im_fields_t *
s_no_incident (void *arg, uint64_t id)
{
    (void) arg;
    (void) id;
    return NULL;
}

//  A fault must fit in the error document
static void
s_check_fault (const imb_http_fault_t *fault)
{
    if (!*fault->text)
        im_fuzz_fail ("a refusal without a reason");
    json_t *json = json_pack ("{s:s}", "error", fault->text);
    if (!json)
        im_fuzz_fail ("a refusal's text is not UTF-8: '%s'", fault->text);
    json_t *field = json_string (fault->field);
    if (!field)
        im_fuzz_fail ("a refusal's field is not UTF-8: '%s'", fault->field);
    json_decref (field);
    json_decref (json);
}

//  body sent as verb with request_id: the broker must take it. Returns
//  the command (the caller's), or NULL when the broker refused it with
//  a clear error, which only may_refuse allows.
static im_command_t *
s_send (const char *verb, const char *request_id, const im_fields_t *body,
        bool may_refuse)
{
    zmsg_t *msg = im_request_encode (verb, request_id, body);
    if (!msg)
        im_fuzz_fail ("a %s made from JSON does not encode", verb);
    im_request_t *request = im_request_new ();
    char reason [256];
    if (im_request_decode (request, &msg, reason, sizeof reason))
        im_fuzz_fail ("a %s made from JSON is refused: %s", verb, reason);
    im_command_t *command = NULL;
    zmsg_t *reply = imb_command_from (request, NULL, NULL, &command);
    if (reply && !may_refuse)
        im_fuzz_fail ("a %s made from JSON gets an error reply", verb);
    zmsg_destroy (&reply);
    im_request_destroy (&request);
    return command;
}

static void
s_incident (const json_t *root)
{
    im_fields_t *body = im_fields_new ();
    imb_http_fault_t fault;
    int rc = imb_http_ingest_incident (root, body, &fault);
    if (rc)
        s_check_fault (&fault);
    else {
        im_command_t *command = s_send ("OPEN", "fuzz-1", body, true);
        im_command_destroy (&command);
    }
    im_fields_destroy (&body);
}

//  Sends every command of batch; a trigger must open an incident
static void
s_batch (const imb_http_batch_t *batch, bool events)
{
    im_policy_t *policy = (im_policy_t *) malloc (sizeof (im_policy_t));
    assert (policy);
    im_policy_defaults (policy);
    imc_decision_t decision;
    memset (&decision, 0, sizeof decision);
    for (size_t index = 0; index < batch->count; index++) {
        const imb_http_command_t *command = &batch->commands [index];
        const char *key = im_fields_str (command->body, "dedup_key");
        if (!key || !im_msgpack_utf8_valid (command->label,
                                            strlen (command->label)))
            im_fuzz_fail ("alert %zu: no dedup key, or a label not UTF-8",
                          index);
        if (events && !streq (key, command->label))
            im_fuzz_fail ("event: the answer names '%s', the command '%s'",
                          command->label, key);
        if (!*command->request_id)
            im_fuzz_fail ("alert %zu: no request id", index);
        im_command_t *alert = s_send ("ALERT", command->request_id,
                                      command->body, false);
        imc_decide (alert, NULL, 1, policy, s_no_incident, NULL, &decision);
        const char *action = im_fields_str_or (command->body, "action", "");
        if (streq (action, "trigger") && decision.rc)
            im_fuzz_fail ("alert %zu: a trigger is refused: %s", index,
                          decision.error);
        //  Every trigger carries the text it came with: a description
        //  that could not be set (not UTF-8) would be lost without a word
        if (streq (action, "trigger")
        &&  !im_fields_has (command->body, "description"))
            im_fuzz_fail ("alert %zu: a trigger without its description",
                          index);
        imc_decision_reset (&decision);
        im_command_destroy (&alert);
    }
    imc_decision_destroy_events (&decision);
    free (policy);
}

static void
s_alertmanager (const json_t *root, bool auto_resolve)
{
    imb_http_batch_t batch = { 0, NULL };
    imb_http_fault_t fault;
    if (imb_http_ingest_alertmanager (root, auto_resolve, &batch, &fault))
        s_check_fault (&fault);
    else
        s_batch (&batch, false);
    imb_http_batch_clear (&batch);
}

static void
s_event (const json_t *root, const char *key)
{
    imb_http_batch_t batch = { 0, NULL };
    imb_http_fault_t fault;
    if (imb_http_ingest_event (root, key, false, &batch, &fault))
        s_check_fault (&fault);
    else {
        if (batch.count != 1)
            im_fuzz_fail ("an event makes %zu commands", batch.count);
        s_batch (&batch, true);
    }
    imb_http_batch_clear (&batch);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    im_fuzz_quiet ();
    json_error_t error;
    json_t *root = json_loadb ((const char *) data, size,
                               JSON_REJECT_DUPLICATES, &error);
    if (!root)
        return 0;
    s_incident (root);
    s_alertmanager (root, true);
    s_alertmanager (root, false);
    s_event (root, NULL);
    s_event (root, "fuzz-key-1");
    json_decref (root);
    return 0;
}
