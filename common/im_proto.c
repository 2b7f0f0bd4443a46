/*  im_proto - placeholder until the module lands */
#include "im_classes.h"
typedef int im_proto_placeholder_t;
