/*  imb_raft_ctl - requests to Raft itself rather than to the log:
    barriers (linearizable reads) and membership changes

    The main thread asks for one with imb_raft_control; the Raft thread
    starts it with imb_raft_ctl_start and, when libraft is done, reports
    its outcome as a status (the client dialog's codes) through the
    done function, which carries it back under the request's token like
    the result of a command.
*/
#ifndef IMB_RAFT_CTL_H_INCLUDED
#define IMB_RAFT_CTL_H_INCLUDED

#include <stdint.h>
#include <raft.h>

//  What is asked
typedef enum {
    IMB_RAFT_BARRIER = 1,           //  Everything committed is applied
    IMB_RAFT_ADD,                   //  Add a node, then make it a voter
    IMB_RAFT_REMOVE,                //  Remove a node
    IMB_RAFT_TRANSFER,              //  Hand leadership to a node (0: any)
    IMB_RAFT_ADD_CHECK              //  Only check that a node may be added
} imb_raft_ctl_kind_t;

//  Reports the outcome of the request under token: status 200 when it
//  was done, else 421 (not the leader), 404, 409 or 503 with a reason
typedef void (imb_raft_ctl_done_fn) (void *arg, uint64_t token, int status,
                                     const char *text);

typedef struct _imb_raft_ctl_t imb_raft_ctl_t;

//  Makes a request; address (copied) is for IMB_RAFT_ADD and
//  IMB_RAFT_ADD_CHECK only
imb_raft_ctl_t *
    imb_raft_ctl_new (imb_raft_ctl_kind_t kind, uint64_t token,
                      uint64_t node_id, const char *address);

void
    imb_raft_ctl_destroy (imb_raft_ctl_t **self_p);

//  Starts the request on raft (Raft thread only) and takes it over:
//  done is called once, now or later, and the request frees itself
void
    imb_raft_ctl_start (imb_raft_ctl_t **self_p, struct raft *raft,
                        imb_raft_ctl_done_fn *done, void *arg);

#endif
