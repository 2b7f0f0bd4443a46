/*  imb_server - one broker node: its sockets, its Raft thread, its
    dispatcher, and the main loop that ties them together
*/
#ifndef IMB_SERVER_H_INCLUDED
#define IMB_SERVER_H_INCLUDED

#include "im_config.h"

typedef struct _imb_server_t imb_server_t;

//  Starts Raft (waiting until this node leads, for a single node), binds
//  the client and worker endpoints. Returns NULL with the reason in
//  errbuf.
imb_server_t *
    imb_server_new (const im_config_t *config, char *errbuf, size_t errlen);

void
    imb_server_destroy (imb_server_t **self_p);

//  Serves until interrupted (0), until the node cannot go on (-1, the
//  reason logged; IMB_SERVER_LOG_FAILED when its Raft log could not be
//  written: libraft is then stuck, and cannot even close), or until its
//  store must be replaced by a checkpoint (1: imb_install_run, then a
//  new server)
#define IMB_SERVER_LOG_FAILED   -2
int
    imb_server_run (imb_server_t *self);

#endif
