/*  imc_counters - the state machine's counters, and their names

    The counters are one array: events by type, then commands by verb,
    then refused commands by verb, then incidents by status and
    priority. Numbering them here keeps the writer (imc_fsm) and the
    reader (imb_query) on one list.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>

#include "im_event.h"
#include "im_command.h"
#include "im_incident.h"
#include "imc_counters.h"

#define S_EVENTS        ((size_t) IM_EV_MAX)
#define S_COMMANDS      ((size_t) IM_CMD_MAX)
#define S_PRIORITIES    6               //  0 (none) and 1..5
#define S_STATUSES      ((size_t) IM_STATUS_MAX)

size_t
imc_counters_size (void)
{
    return S_EVENTS + 2 * S_COMMANDS + S_STATUSES * S_PRIORITIES;
}

size_t
imc_counter_event (im_event_type_t type)
{
    return (size_t) type < S_EVENTS ? (size_t) type : 0;
}

size_t
imc_counter_command (im_command_type_t type, bool rejected)
{
    size_t verb = (size_t) type < S_COMMANDS ? (size_t) type : 0;
    return S_EVENTS + (rejected ? S_COMMANDS : 0) + verb;
}

size_t
imc_counter_incidents (im_status_t status, int priority)
{
    size_t row = (size_t) status < S_STATUSES ? (size_t) status : 0;
    size_t column = priority >= 1 && priority <= 5 ? (size_t) priority : 0;
    return S_EVENTS + 2 * S_COMMANDS + row * S_PRIORITIES + column;
}

void
imc_counters_name (size_t index, char *name, size_t size)
{
    assert (index < imc_counters_size ());
    const char *what = NULL;
    if (index < S_EVENTS) {
        what = im_event_type_name ((im_event_type_t) index);
        snprintf (name, size, "events/%s", what ? what : "none");
        return;
    }
    index -= S_EVENTS;
    if (index < 2 * S_COMMANDS) {
        what = im_command_type_name ((im_command_type_t) (index % S_COMMANDS));
        snprintf (name, size, "%s/%s", index < S_COMMANDS ? "commands"
                                                          : "rejected",
                  what ? what : "NONE");
        return;
    }
    index -= 2 * S_COMMANDS;
    what = im_status_name ((im_status_t) (index / S_PRIORITIES));
    snprintf (name, size, "incidents/%s/%zu", what ? what : "none",
              index % S_PRIORITIES);
}
