/*  fuzz_msgpack - the msgpack gate and the decoders behind it

    Every msgpack imq reads from a peer or a disk goes through
    im_msgpack_check and is then read in place (im_msgpack_read) or,
    in a few places, unpacked by msgpack-c. Each input is given to all
    of them as a fields map, an EVENT, a command and a Raft entry (as
    its raw bytes and as the payload of a well-framed entry), and their
    answers are checked against each other, not only for crashes:

    - what the check accepts, msgpack-c unpacks whole, and the in-place
      reader walks to the same values (so the check is never the only
      thing between a bomb and msgpack-c's allocator);
    - the in-place and the msgpack-c decoders of a fields map or a
      command accept the same inputs, with the same result;
    - whatever a decoder accepts encodes again, and the encoding decodes
      to the same thing (a record read from the wire can be stored and
      read back).
*/
#include "im_classes.h"
#include "im_fuzz.h"

//  Compares msgpack-c's object with what im_msgpack_read reads at
//  *offset of the same bytes, recursively; fails on any difference
static void
s_same (const msgpack_object *object, const uint8_t *data, size_t size,
        size_t *offset)
{
    msgpack_object read;
    size_t at = *offset;
    if (!im_msgpack_read (data, size, offset, &read))
        im_fuzz_fail ("im_msgpack_read stops at offset %zu", at);
    if (read.type != object->type)
        im_fuzz_fail ("offset %zu: type %d read, msgpack-c says %d", at,
                      read.type, object->type);
    switch (object->type) {
        case MSGPACK_OBJECT_NIL:
            break;
        case MSGPACK_OBJECT_BOOLEAN:
            if (read.via.boolean != object->via.boolean)
                im_fuzz_fail ("offset %zu: boolean differs", at);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            if (read.via.u64 != object->via.u64)
                im_fuzz_fail ("offset %zu: integer differs", at);
            break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            if (memcmp (&read.via.f64, &object->via.f64, sizeof (double)))
                im_fuzz_fail ("offset %zu: float differs", at);
            break;
        case MSGPACK_OBJECT_STR:
        case MSGPACK_OBJECT_BIN:
            //  An empty str may have no pointer
            if (read.via.str.size != object->via.str.size
            ||  (read.via.str.size
                 && memcmp (read.via.str.ptr, object->via.str.ptr,
                            read.via.str.size)))
                im_fuzz_fail ("offset %zu: str or bin differs", at);
            break;
        case MSGPACK_OBJECT_EXT:
            if (read.via.ext.type != object->via.ext.type
            ||  read.via.ext.size != object->via.ext.size
            ||  (read.via.ext.size
                 && memcmp (read.via.ext.ptr, object->via.ext.ptr,
                            read.via.ext.size)))
                im_fuzz_fail ("offset %zu: ext differs", at);
            break;
        case MSGPACK_OBJECT_ARRAY:
            if (read.via.array.size != object->via.array.size)
                im_fuzz_fail ("offset %zu: array size differs", at);
            for (uint32_t index = 0; index < object->via.array.size; index++)
                s_same (&object->via.array.ptr [index], data, size, offset);
            break;
        case MSGPACK_OBJECT_MAP:
            if (read.via.map.size != object->via.map.size)
                im_fuzz_fail ("offset %zu: map size differs", at);
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                s_same (&object->via.map.ptr [index].key, data, size, offset);
                s_same (&object->via.map.ptr [index].val, data, size, offset);
            }
            break;
        default:
            im_fuzz_fail ("offset %zu: msgpack-c type %d", at, object->type);
    }
}

//  Encodes fields, decodes the encoding and checks it is the same map
static void
s_fields_round_trip (const im_fields_t *fields)
{
    char *data = NULL;
    size_t size = 0;
    if (im_fields_encode (fields, &data, &size))
        im_fuzz_fail ("fields accepted by decode do not encode");
    if (size != im_fields_packed_size (fields)
    ||  size > im_fields_packed_max (fields))
        im_fuzz_fail ("fields encode to %zu bytes, packed_size says %zu, "
                      "packed_max %zu", size, im_fields_packed_size (fields),
                      im_fields_packed_max (fields));
    im_fields_t *again = im_fields_new ();
    char reason [256];
    if (im_fields_decode (again, data, size, reason, sizeof reason))
        im_fuzz_fail ("encoded fields do not decode: %s", reason);
    if (!im_fields_equal (fields, again))
        im_fuzz_fail ("fields differ after a round trip");
    json_t *json = im_fields_to_json (fields);
    if (!json)
        im_fuzz_fail ("decoded fields do not convert to JSON");
    json_decref (json);
    im_fields_destroy (&again);
    free (data);
}

//  The fields decoders: in place, and through msgpack-c when unpacked
//  is not NULL; both must agree
static void
s_fields (const uint8_t *data, size_t size, const msgpack_object *unpacked)
{
    im_fields_t *fields = im_fields_new ();
    char reason [256];
    int rc = im_fields_decode (fields, data, size, reason, sizeof reason);
    if (rc == 0)
        s_fields_round_trip (fields);
    else
    if (im_fields_size (fields) != 0)
        im_fuzz_fail ("a refused fields map is not left empty");
    if (unpacked) {
        im_fields_t *other = im_fields_new ();
        int other_rc = im_fields_unpack (other, unpacked, reason,
                                         sizeof reason);
        if ((rc == 0) != (other_rc == 0))
            im_fuzz_fail ("fields: decode says %d, unpack says %d", rc,
                          other_rc);
        if (rc == 0 && !im_fields_equal (fields, other))
            im_fuzz_fail ("fields: decode and unpack differ");
        im_fields_destroy (&other);
    }
    im_fields_destroy (&fields);
}

//  The EVENT decoder: what it accepts encodes to bytes that decode to
//  the same event
static void
s_event (const uint8_t *data, size_t size)
{
    im_event_t *event = im_event_new ();
    char reason [256];
    if (im_event_decode (event, data, size, reason, sizeof reason) == 0) {
        char *encoded = NULL, *again_encoded = NULL;
        size_t encoded_size = 0, again_size = 0;
        if (im_event_encode (event, &encoded, &encoded_size))
            im_fuzz_fail ("a decoded event does not encode");
        im_event_t *again = im_event_new ();
        if (im_event_decode (again, encoded, encoded_size, reason,
                             sizeof reason))
            im_fuzz_fail ("an encoded event does not decode: %s", reason);
        if (im_event_encode (again, &again_encoded, &again_size)
        ||  again_size != encoded_size
        ||  memcmp (encoded, again_encoded, encoded_size))
            im_fuzz_fail ("an event differs after a round trip");
        //  Peek may refuse what imq never writes (a uint as a signed
        //  int); what it reads must be what decode reads
        uint64_t incident = 0;
        if (im_event_peek_incident (data, size, &incident) == 0
        &&  incident != event->incident)
            im_fuzz_fail ("peek reads another incident than decode");
        json_t *json = im_event_to_json (event);
        if (!json)
            im_fuzz_fail ("a decoded event does not convert to JSON");
        json_decref (json);
        free (again_encoded);
        im_event_destroy (&again);
        free (encoded);
    }
    im_event_destroy (&event);
}

//  Encodes commands as an entry (malloc'ed, the caller's)
static void *
s_entry (im_command_t **commands, size_t count, size_t *size)
{
    void *entry = NULL;
    if (im_entry_encode (commands, count, malloc, &entry, size))
        im_fuzz_fail ("decoded commands do not encode");
    return entry;
}

//  The entry decoder over data as it is; what it accepts encodes to an
//  entry that decodes to the same commands
static void
s_entry_decode (const uint8_t *data, size_t size)
{
    im_command_t **commands = NULL;
    size_t count = 0;
    char reason [256];
    if (im_entry_decode (data, size, &commands, &count, reason,
                         sizeof reason) == 0) {
        size_t encoded_size = 0, again_size = 0;
        void *encoded = s_entry (commands, count, &encoded_size);
        im_command_t **again = NULL;
        size_t again_count = 0;
        if (im_entry_decode (encoded, encoded_size, &again, &again_count,
                             reason, sizeof reason))
            im_fuzz_fail ("an encoded entry does not decode: %s", reason);
        void *again_encoded = s_entry (again, again_count, &again_size);
        if (again_count != count || again_size != encoded_size
        ||  memcmp (encoded, again_encoded, encoded_size))
            im_fuzz_fail ("an entry differs after a round trip");
        free (again_encoded);
        im_entry_free (&again, again_count);
        free (encoded);
        im_entry_free (&commands, count);
    }
    else
    if (commands || count)
        im_fuzz_fail ("a refused entry left commands behind");
}

//  data as the payload of a well-framed entry
static void
s_entry_framed (const uint8_t *data, size_t size)
{
    size_t framed = 0;
    uint8_t *entry = im_fuzz_entry (data, size, &framed);
    s_entry_decode (entry, framed);
    free (entry);
}

//  A command unpacked by msgpack-c must be what the entry decoder,
//  reading in place, makes of the same bytes
static void
s_command (const uint8_t *data, size_t size, const msgpack_object *unpacked)
{
    im_command_t *command = im_command_new ();
    char reason [256];
    int rc = im_command_unpack (command, unpacked, reason, sizeof reason);

    //  The same bytes as the only command of an entry
    uint8_t *payload = (uint8_t *) malloc (size + 1);
    assert (payload);
    payload [0] = 0x91;
    memcpy (payload + 1, data, size);
    size_t framed = 0;
    uint8_t *entry = im_fuzz_entry (payload, size + 1, &framed);
    im_command_t **commands = NULL;
    size_t count = 0;
    int entry_rc = im_entry_decode (entry, framed, &commands, &count,
                                    reason, sizeof reason);
    if ((rc == 0) != (entry_rc == 0))
        im_fuzz_fail ("command: unpack says %d, the entry decoder %d", rc,
                      entry_rc);
    if (rc == 0) {
        size_t one_size = 0, other_size = 0;
        void *one = s_entry (&command, 1, &one_size);
        void *other = s_entry (commands, count, &other_size);
        if (count != 1 || one_size != other_size
        ||  memcmp (one, other, one_size))
            im_fuzz_fail ("command: unpack and the entry decoder differ");
        free (one);
        free (other);
    }
    im_entry_free (&commands, count);
    free (entry);
    free (payload);
    im_command_destroy (&command);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    im_fuzz_quiet ();
    char reason [256];
    int checked = im_msgpack_check (data, size, reason, sizeof reason);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    bool whole = false;
    if (checked == 0) {
        //  Safe to hand to msgpack-c now: it must take it whole
        size_t offset = 0;
        if (msgpack_unpack_next (&unpacked, (const char *) data, size,
                                 &offset) != MSGPACK_UNPACK_SUCCESS
        ||  offset != size)
            im_fuzz_fail ("the check accepts what msgpack-c refuses");
        size_t walked = 0;
        s_same (&unpacked.data, data, size, &walked);
        if (walked != size)
            im_fuzz_fail ("im_msgpack_read walks %zu of %zu bytes", walked,
                          size);
        whole = true;
    }
    s_fields (data, size, whole ? &unpacked.data : NULL);
    s_event (data, size);
    if (whole)
        s_command (data, size, &unpacked.data);
    s_entry_decode (data, size);
    s_entry_framed (data, size);
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}
