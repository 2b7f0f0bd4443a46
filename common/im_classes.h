/*  im_classes - private header of common/: system and library headers
    once, then every class of the library
*/
#ifndef IM_CLASSES_H_INCLUDED
#define IM_CLASSES_H_INCLUDED

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <jansson.h>
#include <msgpack.h>

#include "im_error.h"
#include "im_msgpack.h"
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
#include "im_csv.h"
#include "im_log.h"
#include "im_client.h"
#include "im_outbox.h"
#include "im_log_limit.h"
#include "im_token.h"

#endif
