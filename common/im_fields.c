/*  im_fields - placeholder until the module lands */
#include "im_classes.h"
typedef int im_fields_placeholder_t;
