/*  imw_options - command line and configuration of a worker program

    The three worker programs take the same flags; parsing them here
    keeps each main a few lines long and the flags identical.

        -c, --config FILE   YAML configuration (default ./imq.yaml if
                            readable, else built-in defaults)
        --endpoint EP       client endpoint (default node.client)
        --workers EP        worker endpoint (default node.workers)
        --instance NAME     instance name (default <role>-<pid>)
        --credit N          deliveries held at once, 1..10000 (64)
        -v, --verbose       log every delivery and reply
        -h, --help          print usage

    imw_options_t is a plain value type; it is large (it holds the whole
    configuration), so allocate it rather than putting it on the stack.
*/
#ifndef IMW_OPTIONS_H_INCLUDED
#define IMW_OPTIONS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "im_config.h"
#include "im_policy.h"
#include "im_proto.h"
#include "im_curve.h"
#include "imw_role.h"

#define IMW_CREDIT_DEFAULT  64
#define IMW_HELP            1           //  Parse printed usage: exit 0

typedef struct {
    im_config_t config;                         //  Node settings loaded
    im_policy_t policy;                         //  The file's policy
                                                //  sections: the starting
                                                //  policy (version 0)
    char config_path [IM_CONFIG_PATH_MAX];      //  File read, "" for none
    char client_endpoint [IM_CONFIG_PATH_MAX];  //  Commands go here
    char worker_endpoint [IM_CONFIG_PATH_MAX];  //  The stream comes here
    char instance [IM_PROTO_GROUP_MAX];         //  This process, in STATUS
    uint32_t credit;                            //  Deliveries held at once
    bool verbose;                               //  Debug logging
    const im_curve_t *curve;                    //  CURVE identity, not
                                                //  owned, or NULL: none
} imw_options_t;

//  Fills self from argv for role and loads the configuration. Returns
//  0; IMW_HELP when usage was printed; IM_EINVAL for a bad flag or
//  IM_ECONFIG / IM_ENOTFOUND for a bad or unreadable configuration,
//  with every reason printed on err.
int
    imw_options_parse (imw_options_t *self, const imw_role_t *role,
                       int argc, char *argv [], FILE *err);

#endif
