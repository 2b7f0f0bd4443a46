/*  im_command - placeholder until the module lands */
#include "im_classes.h"
typedef int im_command_placeholder_t;
