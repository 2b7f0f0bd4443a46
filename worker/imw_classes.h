/*  imw_classes - private header of worker/: system and library headers
    once, then every class of the worker library

    The worker library depends on common/ only; the three programs and
    the unit tests include this one header.
*/
#ifndef IMW_CLASSES_H_INCLUDED
#define IMW_CLASSES_H_INCLUDED

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "im_error.h"
#include "im_fields.h"
#include "im_keys.h"
#include "im_event.h"
#include "im_command.h"
#include "im_policy.h"
#include "im_incident.h"
#include "im_warnings.h"
#include "im_proto.h"
#include "im_config.h"
#include "im_util.h"
#include "im_log.h"
#include "im_client.h"

#include "imw_output.h"
#include "imw_role.h"
#include "imw_tracker.h"
#include "imw_stream.h"
#include "imw_options.h"
#include "imw_policy.h"
#include "imw_calendars.h"
#include "imw_timers.h"
#include "imw_clock.h"
#include "imw_worker.h"
#include "imw_sink.h"
#include "imw_channel.h"
#include "imw_webhook_sign.h"
#include "imw_mail.h"
#include "imw_quiet.h"
#include "imw_channels.h"
#include "imw_classifier.h"
#include "imw_sla.h"
#include "imw_notifier.h"

#endif
