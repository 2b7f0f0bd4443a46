/*  imc_roles - who may do what: one list of roles, one table of verbs

    A principal's roles are one list: its own (its certificate in a
    node's keys directory, or the log's PRINCIPAL grants) together with
    what the replicated policy says of its name (its `agents:` roles,
    and `agent` when a group lists it). One table (imc_roles.c) says,
    for every verb and role, how far the role reaches: nowhere, the
    incidents the actor reported, the incidents of its groups, or every
    incident. A principal holding no service-desk role at all is a
    reporter.

    The node checks the verb before it proposes anything
    (imc_roles_reach). The state machine checks it again when it
    decides, with the incident (imc_roles_reaches), from the roles the
    leader stamped on the command (im_command_t roles, the principal's
    own) and the policy in force at that point of the log, so that the
    decision is a function of the log alone (docs/security.md section 2).
*/
#ifndef IMC_ROLES_H_INCLUDED
#define IMC_ROLES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "im_fields.h"
#include "im_policy.h"

#define IMC_ROLES_MAX       512     //  A merged list, with its NUL

//  How far a set of roles lets a verb reach (bits)
#define IMC_REACH_OWN       1u      //  Incidents the actor reported
#define IMC_REACH_GROUP     2u      //  Incidents of the actor's groups,
                                    //  assigned to it, or to nobody
#define IMC_REACH_ALL       4u      //  Every incident (a verb of no
                                    //  incident: allowed)

//  Writes into roles (size bytes) the roles of the principal name: own
//  (comma-separated, may be NULL) with the policy's for that name (its
//  agents: roles, and agent when a group lists it). The policy never
//  gives the role node. Duplicates go; what does not fit is left out.
void
    imc_roles_merge (char *roles, size_t size, const char *own,
                     const im_policy_t *policy, const char *name);

//  How far roles (a merged list) let verb reach; action is MAJOR's
//  action (NULL for other verbs, or when absent). A list holding no
//  service-desk role is taken as a reporter's; role node may do
//  anything. Returns the IMC_REACH_* bits, 0 when refused.
unsigned
    imc_roles_reach (const char *roles, const char *verb, const char *action);

//  The least of the roles that would let verb (with action) reach
//  anywhere, a static name for counters ("agent", "administrator"...)
const char *
    imc_roles_needs (const char *verb, const char *action);

//  Writes into text why principal may not send verb at all:
//  "ACK needs the role agent, ... or administrator, which rita does
//  not hold"
void
    imc_roles_refusal (char *text, size_t size, const char *verb,
                       const char *action, const char *principal);

//  True when reach lets actor act on incident (its projection) under
//  policy: any incident with IMC_REACH_ALL; with IMC_REACH_OWN one whose
//  reporter (or a merged duplicate's) is actor; with IMC_REACH_GROUP
//  one assigned to actor, to a group of the policy that lists actor, or
//  to nobody (no group, no agent)
bool
    imc_roles_reaches (unsigned reach, const char *actor,
                       const im_fields_t *incident, const im_policy_t *policy);

#endif
