/*  im_client - placeholder until the module lands */
#include "im_classes.h"
typedef int im_client_placeholder_t;
