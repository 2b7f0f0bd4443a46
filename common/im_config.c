/*  im_config - placeholder until the module lands */
#include "im_classes.h"
typedef int im_config_placeholder_t;
