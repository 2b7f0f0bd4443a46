/*  fuzz_proto - IMQ01, IMQ02 and IMQW01 messages, frame by frame

    An input is one multipart message, its frames separated by
    IM_FUZZ_SEPARATOR. The same frames are decoded as a client REQUEST
    (what the broker's client socket does with them), as a REPLY (what
    imqctl and the HTTP threads do with the broker's answer, with items
    decoded and kept raw) and as a worker-dialog message (both sides of
    the worker socket). Beyond crashes, two promises are checked:

    - a refused request is answered: the error reply the broker builds
      from the decoder's reason encodes, and a client decodes it to the
      same status, request id and a readable reason;
    - an accepted command request becomes a command (or a clear error
      reply) whose encoding, as a Raft entry, decodes to the same bytes.
*/
#include "im_classes.h"
#include "imb_classes.h"
#include "im_fuzz.h"

#define S_FRAMES_MAX    (IM_PROTO_ITEMS_MAX + 8)

//  Builds the message of count parts
static zmsg_t *
s_message (const im_fuzz_part_t *parts, size_t count)
{
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    for (size_t index = 0; index < count; index++)
        if (zmsg_addmem (msg, parts [index].data, parts [index].size))
            im_fuzz_fail ("zmsg_addmem");
    return msg;
}

//  Checks that reply (taken) is an error a client reads back with
//  status and request_id
static void
s_check_error_reply (zmsg_t **reply_p, int status, const char *request_id)
{
    if (!*reply_p)
        im_fuzz_fail ("no error reply (status %d, request id '%s')", status,
                      request_id);
    im_reply_t *reply = im_reply_new (0);
    char reason [256];
    if (im_reply_decode (reply, reply_p, false, reason, sizeof reason))
        im_fuzz_fail ("an error reply does not decode: %s", reason);
    const char *text = im_fields_str (reply->body, "error");
    if (reply->status != status || !streq (reply->request_id, request_id)
    ||  !text || !*text)
        im_fuzz_fail ("an error reply reads %d '%s' '%s', not %d '%s'",
                      reply->status, reply->request_id, text ? text : "",
                      status, request_id);
    im_reply_destroy (&reply);
}

//  A command that decoded goes into a Raft entry and comes out the same
static void
s_command_round_trip (im_command_t *command)
{
    void *entry = NULL, *again_entry = NULL;
    size_t size = 0, again_size = 0;
    if (im_entry_encode (&command, 1, malloc, &entry, &size))
        im_fuzz_fail ("an accepted request makes a command that does not "
                      "encode");
    im_command_t **commands = NULL;
    size_t count = 0;
    char reason [256];
    if (im_entry_decode (entry, size, &commands, &count, reason,
                         sizeof reason) || count != 1)
        im_fuzz_fail ("a command's entry does not decode: %s", reason);
    if (im_entry_encode (commands, count, malloc, &again_entry, &again_size)
    ||  again_size != size || memcmp (entry, again_entry, size))
        im_fuzz_fail ("a command differs after a round trip");
    im_entry_free (&commands, count);
    free (again_entry);
    free (entry);
}

//  As the broker's client socket: decode, then answer or make a command
static void
s_request (const im_fuzz_part_t *parts, size_t count)
{
    zmsg_t *msg = s_message (parts, count);
    im_request_t *request = im_request_new ();
    char reason [256] = "";
    int rc = im_request_decode (request, &msg, reason, sizeof reason);
    if (msg)
        im_fuzz_fail ("im_request_decode leaves the message");
    if (rc) {
        if (!*reason)
            im_fuzz_fail ("a request is refused (%d) without a reason", rc);
        zmsg_t *reply = im_reply_encode_error (im_error_status (rc),
                                               request->request_id, reason);
        //  Answered in the form it was asked in, as the broker does
        if (reply && request->one_frame && im_reply_to_one_frame (&reply))
            im_fuzz_fail ("an error reply does not fit in one frame");
        s_check_error_reply (&reply, im_error_status (rc),
                             request->request_id);
    }
    else
    if (im_command_type_from_name (request->verb) != IM_CMD_NONE) {
        im_command_t *command = NULL;
        zmsg_t *reply = imb_command_from (request, NULL, NULL, &command);
        if (reply)
            s_check_error_reply (&reply, 400, request->request_id);
        else
        if (!command)
            im_fuzz_fail ("no command and no error for %s", request->verb);
        else {
            s_command_round_trip (command);
            im_command_destroy (&command);
        }
    }
    else
    if (im_query_type_from_name (request->verb) == IM_QUERY_NONE)
        im_fuzz_fail ("verb '%s' accepted, neither command nor query",
                      request->verb);
    im_request_destroy (&request);
}

//  As a client reading the broker's answer
static void
s_reply (const im_fuzz_part_t *parts, size_t count, bool raw)
{
    zmsg_t *msg = s_message (parts, count);
    im_reply_t *reply = im_reply_new (0);
    char reason [256];
    int rc = im_reply_decode (reply, &msg, raw, reason, sizeof reason);
    if (rc == 0) {
        if (reply->status < 100 || reply->status > 599)
            im_fuzz_fail ("reply status %d accepted", reply->status);
        //  What imqctl --json and the HTTP API print; NULL is allowed
        //  (an item that is not an EVENT), a crash is not
        json_t *json = im_reply_to_json (reply, "items");
        json_decref (json);
        //  Encoded again, it decodes
        zmsg_t *again = im_reply_encode (reply->status, reply->request_id,
                                         reply->body, reply->items,
                                         reply->raw_items);
        if (!again)
            im_fuzz_fail ("an accepted reply does not encode again");
        im_reply_t *copy = im_reply_new (0);
        if (im_reply_decode (copy, &again, raw, reason, sizeof reason)
        ||  copy->status != reply->status
        ||  !im_fields_equal (copy->body, reply->body))
            im_fuzz_fail ("a reply differs after a round trip");
        im_reply_destroy (&copy);
    }
    im_reply_destroy (&reply);
}

//  As either side of the worker socket
static void
s_worker (const im_fuzz_part_t *parts, size_t count)
{
    zmsg_t *msg = s_message (parts, count);
    im_wmsg_t *wmsg = im_wmsg_new ();
    char reason [256] = "";
    int rc = im_wmsg_decode (wmsg, &msg, reason, sizeof reason);
    if (rc && !*reason)
        im_fuzz_fail ("a worker message is refused without a reason");
    if (rc == 0 && wmsg->type == IM_WMSG_DELIVER) {
        //  The worker decodes the event it was given
        im_event_t *event = im_event_new ();
        im_event_decode (event, zframe_data (wmsg->event),
                         zframe_size (wmsg->event), NULL, 0);
        im_event_destroy (&event);
    }
    im_wmsg_destroy (&wmsg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    im_fuzz_quiet ();
    im_fuzz_part_t *parts = (im_fuzz_part_t *) calloc (S_FRAMES_MAX,
                                                       sizeof *parts);
    assert (parts);
    size_t count = im_fuzz_split (data, size, parts, S_FRAMES_MAX);
    //  An empty input is a message of no frames, which ZeroMQ never
    //  delivers; the decoders still refuse it
    if (size == 0)
        count = 0;
    s_request (parts, count);
    s_reply (parts, count, false);
    s_reply (parts, count, true);
    s_worker (parts, count);
    free (parts);
    return 0;
}
