/*  imw_classifier_main - imq-classifier: sets priority and category of
    every new incident

    The program is the shared worker skeleton with the classifier role.
*/
#include "imw_classes.h"

int
main (int argc, char *argv [])
{
    return imw_worker_main (argc, argv, imw_classifier_role ());
}
