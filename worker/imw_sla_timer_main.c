/*  imw_sla_timer_main - imq-sla-timer: runs the SLA clocks of every
    classified incident and reports breaches

    The program is the shared worker skeleton with the SLA role.
*/
#include "imw_classes.h"

int
main (int argc, char *argv [])
{
    return imw_worker_main (argc, argv, imw_sla_role ());
}
