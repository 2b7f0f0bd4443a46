/*  test_imc_principals - the fold of principal.changed events

    Each rule of imc_principals.h, applied in order, and every argument
    check of a PRINCIPAL command.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "im_error.h"
#include "im_util.h"
#include "im_fields.h"
#include "imc_principals.h"

#define KEY_A "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define KEY_B "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

//  A payload of action and name, with roles and key when not NULL
static im_fields_t *
s_change (const char *action, const char *name, const char *roles,
          const char *key)
{
    im_fields_t *fields = im_fields_new ();
    assert_non_null (fields);
    im_fields_set_str (fields, "action", action);
    im_fields_set_str (fields, "name", name);
    if (roles)
        im_fields_set_str (fields, "roles", roles);
    if (key)
        im_fields_set_str (fields, "key", key);
    return fields;
}

static void
s_apply (imc_principals_t *principals, const char *action, const char *name,
         const char *roles, const char *key)
{
    im_fields_t *change = s_change (action, name, roles, key);
    assert_int_equal (imc_principals_apply (principals, change), 0);
    im_fields_destroy (&change);
}

static void
test_the_rules_in_log_order (void **state)
{
    (void) state;
    imc_principals_t *principals = imc_principals_new ();
    assert_non_null (principals);
    s_apply (principals, "add", "ann", "agent", KEY_A);
    const imc_principal_t *ann = imc_principals_find (principals, "ann");
    assert_non_null (ann);
    assert_string_equal (ann->roles, "agent");
    assert_int_equal (ann->keys_n, 1);
    assert_string_equal (ann->keys [0], KEY_A);
    //  Roles are a set: granting one held changes nothing
    s_apply (principals, "grant", "ann", "incident_manager,agent", NULL);
    ann = imc_principals_find (principals, "ann");
    assert_string_equal (ann->roles, "agent,incident_manager");
    s_apply (principals, "revoke", "ann", "agent", NULL);
    ann = imc_principals_find (principals, "ann");
    assert_string_equal (ann->roles, "incident_manager");
    //  A second key, then the first one withdrawn
    s_apply (principals, "key", "ann", NULL, KEY_B);
    s_apply (principals, "key", "ann", NULL, KEY_B);
    ann = imc_principals_find (principals, "ann");
    assert_int_equal (ann->keys_n, 2);
    s_apply (principals, "unkey", "ann", NULL, KEY_A);
    ann = imc_principals_find (principals, "ann");
    assert_int_equal (ann->keys_n, 1);
    assert_string_equal (ann->keys [0], KEY_B);
    //  Changes to someone unknown: a grant names them into being, a
    //  revoke or a removal does nothing
    s_apply (principals, "revoke", "bob", "agent", NULL);
    s_apply (principals, "remove", "carl", NULL, NULL);
    assert_null (imc_principals_find (principals, "bob"));
    s_apply (principals, "grant", "bob", "analyst", NULL);
    assert_int_equal (imc_principals_size (principals), 2);
    //  Removed: gone with every key
    s_apply (principals, "remove", "ann", NULL, NULL);
    assert_null (imc_principals_find (principals, "ann"));
    assert_int_equal (imc_principals_size (principals), 1);
    assert_string_equal (imc_principals_at (principals, 0)->name, "bob");
    imc_principals_destroy (&principals);
    assert_null (principals);
}

static void
test_keys_are_bounded (void **state)
{
    (void) state;
    imc_principals_t *principals = imc_principals_new ();
    char key [41];
    for (int index = 0; index < IMC_PRINCIPAL_KEYS_MAX + 2; index++) {
        snprintf (key, sizeof key, "%040d", index);
        s_apply (principals, "key", "svc", NULL, key);
    }
    const imc_principal_t *svc = imc_principals_find (principals, "svc");
    assert_int_equal (svc->keys_n, IMC_PRINCIPAL_KEYS_MAX);
    snprintf (key, sizeof key, "%040d", 2);     //  The two oldest went
    assert_string_equal (svc->keys [0], key);
    imc_principals_destroy (&principals);
}

static void
test_bad_arguments_are_named (void **state)
{
    (void) state;
    struct {
        const char *action, *name, *roles, *key, *wrong;
    } cases [] = {
        { "frob", "ann", NULL, NULL, "'action'" },
        { "add", "", NULL, NULL, "'name'" },
        { "add", ".ann", NULL, NULL, "'name'" },
        { "add", "ann smith", NULL, NULL, "'name'" },
        { "add", "ann", "agent;drop", NULL, "'roles'" },
        { "add", "ann", NULL, "short", "'key'" },
        { "add", "ann", NULL, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\"",
          "'key'" },
        { "grant", "ann", NULL, NULL, "need argument 'roles'" },
        { "revoke", "ann", "", NULL, "need argument 'roles'" },
        { "key", "ann", NULL, NULL, "need argument 'key'" },
        { "remove", "ann", "agent", NULL, "remove takes no" },
    };
    imc_principals_t *principals = imc_principals_new ();
    for (size_t index = 0; index < sizeof cases / sizeof cases [0];
         index++) {
        im_fields_t *change = s_change (cases [index].action,
                                        cases [index].name,
                                        cases [index].roles,
                                        cases [index].key);
        const char *wrong = imc_principals_check (change);
        if (!wrong || !strstr (wrong, cases [index].wrong))
            fail_msg ("case %zu: expected '%s', got '%s'", index,
                      cases [index].wrong, wrong ? wrong : "(accepted)");
        //  Never folded either
        assert_int_equal (imc_principals_apply (principals, change), 0);
        im_fields_destroy (&change);
    }
    assert_int_equal (imc_principals_size (principals), 0);
    im_fields_t *good = s_change ("add", "svc.portal_2", "agent,reporter",
                                  KEY_A);
    assert_null (imc_principals_check (good));
    im_fields_destroy (&good);
    imc_principals_destroy (&principals);
}

//  A token change: action token or untoken of name, with id, hash and
//  label when not NULL
static im_fields_t *
s_token (const char *action, const char *name, const char *id,
         const char *hash, const char *label)
{
    im_fields_t *fields = s_change (action, name, NULL, NULL);
    if (id)
        im_fields_set_str (fields, "token_id", id);
    if (hash)
        im_fields_set_str (fields, "token_hash", hash);
    if (label)
        im_fields_set_str (fields, "label", label);
    return fields;
}

#define HASH_A "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define HASH_B "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"

static void
test_tokens_are_added_replaced_bounded_and_revoked (void **state)
{
    (void) state;
    imc_principals_t *principals = imc_principals_new ();
    //  A token names its principal into being, with no role
    im_fields_t *change = s_token ("token", "portal", "0123456789abcdef",
                                   HASH_A, "ticket portal");
    assert_null (imc_principals_check (change));
    assert_int_equal (imc_principals_apply (principals, change), 0);
    im_fields_destroy (&change);
    const imc_principal_t *portal = imc_principals_find (principals,
                                                         "portal");
    assert_non_null (portal);
    assert_string_equal (portal->roles, "");
    assert_int_equal (portal->tokens_n, 1);
    assert_string_equal (portal->tokens [0].id, "0123456789abcdef");
    assert_string_equal (portal->tokens [0].hash, HASH_A);
    assert_string_equal (portal->tokens [0].label, "ticket portal");
    //  The same id again replaces it
    change = s_token ("token", "portal", "0123456789abcdef", HASH_B, NULL);
    imc_principals_apply (principals, change);
    im_fields_destroy (&change);
    portal = imc_principals_find (principals, "portal");
    assert_int_equal (portal->tokens_n, 1);
    assert_string_equal (portal->tokens [0].hash, HASH_B);
    assert_string_equal (portal->tokens [0].label, "");
    //  At most IMC_PRINCIPAL_TOKENS_MAX: the oldest go
    char id [IMC_TOKEN_ID_TEXT];
    for (int index = 0; index < IMC_PRINCIPAL_TOKENS_MAX + 1; index++) {
        snprintf (id, sizeof id, "%016x", index + 1);
        change = s_token ("token", "portal", id, HASH_A, NULL);
        imc_principals_apply (principals, change);
        im_fields_destroy (&change);
    }
    portal = imc_principals_find (principals, "portal");
    assert_int_equal (portal->tokens_n, IMC_PRINCIPAL_TOKENS_MAX);
    snprintf (id, sizeof id, "%016x", 2);
    assert_string_equal (portal->tokens [0].id, id);
    //  untoken removes one; remove removes them all
    change = s_token ("untoken", "portal", id, NULL, NULL);
    assert_null (imc_principals_check (change));
    imc_principals_apply (principals, change);
    im_fields_destroy (&change);
    portal = imc_principals_find (principals, "portal");
    assert_int_equal (portal->tokens_n, IMC_PRINCIPAL_TOKENS_MAX - 1);
    assert_false (streq (portal->tokens [0].id, id));
    s_apply (principals, "remove", "portal", NULL, NULL);
    assert_null (imc_principals_find (principals, "portal"));
    imc_principals_destroy (&principals);
}

static void
test_bad_token_arguments_are_named (void **state)
{
    (void) state;
    struct {
        const char *action, *id, *hash, *label, *wrong;
    } cases [] = {
        { "token", NULL, HASH_A, NULL, "need argument 'token_id'" },
        { "token", "0123456789abcdef", NULL, NULL, "'token_hash'" },
        { "token", "0123456789ABCDEF", HASH_A, NULL, "'token_id'" },
        { "token", "0123", HASH_A, NULL, "'token_id'" },
        { "token", "0123456789abcdef", "abc", NULL, "'token_hash'" },
        { "token", "0123456789abcdef", HASH_A, "bad\nlabel", "'label'" },
        { "untoken", NULL, NULL, NULL, "need argument 'token_id'" },
        { "untoken", "0123456789abcdef", HASH_A, NULL, "only token_id" },
        { "grant", "0123456789abcdef", NULL, NULL, "only token and untoken" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0];
         index++) {
        im_fields_t *change = s_token (cases [index].action, "portal",
                                       cases [index].id, cases [index].hash,
                                       cases [index].label);
        if (streq (cases [index].action, "grant"))
            im_fields_set_str (change, "roles", "agent");
        const char *wrong = imc_principals_check (change);
        if (!wrong || !strstr (wrong, cases [index].wrong))
            fail_msg ("case %zu: expected '%s', got '%s'", index,
                      cases [index].wrong, wrong ? wrong : "(accepted)");
        im_fields_destroy (&change);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_the_rules_in_log_order),
        cmocka_unit_test (test_keys_are_bounded),
        cmocka_unit_test (test_bad_arguments_are_named),
        cmocka_unit_test (test_tokens_are_added_replaced_bounded_and_revoked),
        cmocka_unit_test (test_bad_token_arguments_are_named),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
