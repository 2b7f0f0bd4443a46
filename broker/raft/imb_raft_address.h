/*  imb_raft_address - the Raft port stays on a private network

    libraft's TCP transport has no authentication and no encryption: any
    process that reaches a node's Raft port can append entries to its log
    as a leader would. So a node listens for Raft only on an address the
    Internet does not route (loopback, RFC 1918, RFC 6598, RFC 2544,
    RFC 4193, link-local), never on a public or wildcard one, unless its
    operator says security.raft_public: true (docs/security.md).
*/
#ifndef IMB_RAFT_ADDRESS_H_INCLUDED
#define IMB_RAFT_ADDRESS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  Checks the Raft address host:port (a name is resolved, and every
//  address it has must be private). Returns 0, or -1 with the reason in
//  errbuf.
int
    imb_raft_address_check (const char *address, bool allow_public,
                            char *errbuf, size_t errlen);

#endif
