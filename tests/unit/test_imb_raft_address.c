/*  test_imb_raft_address - the Raft port only on a private address

    Literal addresses of every range, both families, the wildcard, a
    name (localhost), and the operator's override. No name that needs a
    resolver beyond /etc/hosts is used.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "imb_classes.h"
#include "imb_raft_address.h"

static void
s_expect (const char *address, bool allowed, const char *reason)
{
    char errbuf [512] = "";
    int rc = imb_raft_address_check (address, false, errbuf, sizeof errbuf);
    if ((rc == 0) != allowed || (reason && !strstr (errbuf, reason)))
        fail_msg ("%s: expected %s%s%s, got %d '%s'", address,
                  allowed ? "allowed" : "refused", reason ? " naming " : "",
                  reason ? reason : "", rc, errbuf);
}

static void
test_private_addresses_are_accepted (void **state)
{
    (void) state;
    s_expect ("127.0.0.1:7702", true, NULL);
    s_expect ("127.255.0.9:7702", true, NULL);
    s_expect ("10.1.2.3:7702", true, NULL);
    s_expect ("172.16.0.1:7702", true, NULL);
    s_expect ("172.31.255.254:7702", true, NULL);
    s_expect ("192.168.10.20:7702", true, NULL);
    s_expect ("169.254.1.1:7702", true, NULL);
    s_expect ("100.64.0.1:7702", true, NULL);
    s_expect ("100.127.255.254:7702", true, NULL);
    s_expect ("198.18.0.1:7702", true, NULL);
    s_expect ("198.19.255.1:7702", true, NULL);
    s_expect ("[::1]:7702", true, NULL);
    s_expect ("[fd12:3456::1]:7702", true, NULL);
    s_expect ("[fe80::1]:7702", true, NULL);
    s_expect ("localhost:7702", true, NULL);
}

static void
test_public_and_wildcard_addresses_are_refused (void **state)
{
    (void) state;
    s_expect ("0.0.0.0:7702", false, "wildcard");
    s_expect ("[::]:7702", false, "wildcard");
    s_expect ("8.8.8.8:7702", false, "public");
    s_expect ("172.32.0.1:7702", false, "public");
    s_expect ("172.15.255.255:7702", false, "public");
    s_expect ("192.169.0.1:7702", false, "public");
    s_expect ("11.0.0.1:7702", false, "public");
    s_expect ("100.128.0.1:7702", false, "public");
    s_expect ("100.63.255.255:7702", false, "public");
    s_expect ("198.20.0.1:7702", false, "public");
    s_expect ("198.17.255.255:7702", false, "public");
    s_expect ("[2001:db8::1]:7702", false, "public");
    s_expect ("[::ffff:8.8.8.8]:7702", false, "public");
    s_expect (":7702", false, "no host");
    s_expect ("no such host.invalid:7702", false, NULL);
}

static void
test_the_operator_may_allow_a_public_address (void **state)
{
    (void) state;
    char errbuf [256] = "";
    assert_int_equal (imb_raft_address_check ("8.8.8.8:7702", true, errbuf,
                                              sizeof errbuf), 0);
    assert_int_equal (imb_raft_address_check ("0.0.0.0:7702", true, errbuf,
                                              sizeof errbuf), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_private_addresses_are_accepted),
        cmocka_unit_test (test_public_and_wildcard_addresses_are_refused),
        cmocka_unit_test (test_the_operator_may_allow_a_public_address),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
