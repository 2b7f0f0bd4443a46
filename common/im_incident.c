/*  im_incident - placeholder until the module lands */
#include "im_classes.h"
typedef int im_incident_placeholder_t;
