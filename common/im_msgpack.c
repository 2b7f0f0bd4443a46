/*  im_msgpack - placeholder until the module lands */
#include "im_classes.h"
typedef int im_msgpack_placeholder_t;
