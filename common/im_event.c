/*  im_event - placeholder until the module lands */
#include "im_classes.h"
typedef int im_event_placeholder_t;
