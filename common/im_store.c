/*  im_store - placeholder until the module lands */
#include "im_classes.h"
typedef int im_store_placeholder_t;
