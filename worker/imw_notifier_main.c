/*  imw_notifier_main - imq-notifier: tells assignees, reporters and the
    on-call list what happened to their incidents

    The program is the shared worker skeleton with the notifier role.
*/
#include "imw_classes.h"

int
main (int argc, char *argv [])
{
    return imw_worker_main (argc, argv, imw_notifier_role ());
}
