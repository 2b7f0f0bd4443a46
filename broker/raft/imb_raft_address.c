/*  imb_raft_address - the Raft port stays on a private network

    A name is resolved here, once, as libraft will resolve it; a name
    with any public address is refused, since libraft may bind or dial
    that one.
*/
#include "imb_classes.h"
#include "imb_raft_address.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

//  True for an IPv4 address (host order) that the Internet does not
//  route (IANA's special-purpose registry, "globally reachable: false"):
//  loopback, RFC 1918, link-local, shared (RFC 6598) and benchmarking
//  (RFC 2544, which the fault suite's namespaces use)
static bool
s_private_v4 (uint32_t address)
{
    return (address >> 24) == 127                   //  127.0.0.0/8
        || (address >> 24) == 10                    //  10.0.0.0/8
        || (address >> 20) == (172u << 4 | 1)       //  172.16.0.0/12
        || (address >> 16) == (192u << 8 | 168)     //  192.168.0.0/16
        || (address >> 16) == (169u << 8 | 254)     //  169.254.0.0/16
        || (address >> 22) == (100u << 2 | 1)       //  100.64.0.0/10
        || (address >> 17) == (198u << 7 | 9);      //  198.18.0.0/15
}

//  True for ::1, a unique local (fc00::/7) or link-local (fe80::/10)
//  IPv6 address, or an IPv4-mapped private one
static bool
s_private_v6 (const struct in6_addr *address)
{
    const uint8_t *bytes = address->s6_addr;
    if (IN6_IS_ADDR_LOOPBACK (address))
        return true;
    if ((bytes [0] & 0xfe) == 0xfc)
        return true;
    if (bytes [0] == 0xfe && (bytes [1] & 0xc0) == 0x80)
        return true;
    if (IN6_IS_ADDR_V4MAPPED (address)) {
        uint32_t v4 = (uint32_t) bytes [12] << 24 | (uint32_t) bytes [13] << 16
                    | (uint32_t) bytes [14] << 8 | bytes [15];
        return s_private_v4 (v4);
    }
    return false;
}

int
imb_raft_address_check (const char *address, bool allow_public,
                        char *errbuf, size_t errlen)
{
    assert (address);
    if (allow_public)
        return 0;
    char host [256];
    const char *colon = strrchr (address, ':');
    size_t length = colon ? (size_t) (colon - address) : strlen (address);
    if (length == 0 || length >= sizeof host) {
        snprintf (errbuf, errlen, "raft address '%s' names no host", address);
        return -1;
    }
    memcpy (host, address, length);
    host [length] = 0;
    if (host [0] == '[' && length > 2 && host [length - 1] == ']') {
        memmove (host, host + 1, length - 2);
        host [length - 2] = 0;
    }
    struct addrinfo hints, *list = NULL;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo (host, NULL, &hints, &list);
    if (rc) {
        snprintf (errbuf, errlen, "raft address '%s': %s", address,
                  gai_strerror (rc));
        return -1;
    }
    const char *why = NULL;
    for (struct addrinfo *item = list; item && !why; item = item->ai_next) {
        if (item->ai_family == AF_INET) {
            uint32_t v4 = ntohl (((struct sockaddr_in *) item->ai_addr)
                                 ->sin_addr.s_addr);
            if (v4 == 0)
                why = "the wildcard address";
            else
            if (!s_private_v4 (v4))
                why = "a public address";
        }
        else
        if (item->ai_family == AF_INET6) {
            const struct in6_addr *v6 =
                &((struct sockaddr_in6 *) item->ai_addr)->sin6_addr;
            if (IN6_IS_ADDR_UNSPECIFIED (v6))
                why = "the wildcard address";
            else
            if (!s_private_v6 (v6))
                why = "a public address";
        }
    }
    freeaddrinfo (list);
    if (why) {
        snprintf (errbuf, errlen, "raft address '%s' is %s: libraft's "
                  "transport has no authentication, so anyone who reaches "
                  "it can write this node's log; use a loopback or private "
                  "address, or set security.raft_public: true to accept "
                  "that (docs/security.md)", address, why);
        return -1;
    }
    return 0;
}
