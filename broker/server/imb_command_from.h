/*  imb_command_from - a client's request turned into a command
*/
#ifndef IMB_COMMAND_FROM_H_INCLUDED
#define IMB_COMMAND_FROM_H_INCLUDED

//  Builds a command from request, stamped with the current time, in
//  *command_p (the caller's to destroy). An authenticated principal is
//  its actor, and its own roles (roles, comma-separated) are stamped on
//  it for the state machine (imc_roles); both NULL for the node's own.
//  On a bad request returns the error reply instead, and NULL in
//  *command_p.
zmsg_t *
    imb_command_from (im_request_t *request, const char *principal,
                      const char *roles, im_command_t **command_p);

#endif
