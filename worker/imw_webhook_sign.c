/*  imw_webhook_sign - the Standard Webhooks 1.0 signature

    libsodium's HMAC-SHA256 over "id.timestamp." and then the body, fed
    in pieces so the body is never copied.
*/
#include "imw_classes.h"
#include <sodium.h>

#define S_KEY_MAX   256                 //  Decoded secret bytes

int
imw_webhook_sign (const char *secret, const char *id, int64_t timestamp,
                  const void *body, size_t size, char *signature)
{
    assert (secret && id && (body || size == 0) && signature);
    if (sodium_init () < 0)
        return IM_ENOMEM;
    if (strncmp (secret, "whsec_", 6) == 0)
        secret += 6;
    unsigned char key [S_KEY_MAX];
    size_t key_size = 0;
    if (sodium_base642bin (key, sizeof key, secret, strlen (secret), NULL,
                           &key_size, NULL, sodium_base64_VARIANT_ORIGINAL)
    ||  key_size == 0)
        return IM_EINVAL;
    char prefix [IMW_CHANNEL_ID_MAX + 32];
    int length = snprintf (prefix, sizeof prefix, "%s.%" PRId64 ".", id,
                           timestamp);
    if (length < 0 || (size_t) length >= sizeof prefix)
        return IM_EINVAL;
    crypto_auth_hmacsha256_state state;
    unsigned char mac [crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&state, key, key_size);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) prefix,
                                   (unsigned long long) length);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) body,
                                   (unsigned long long) size);
    crypto_auth_hmacsha256_final (&state, mac);
    sodium_memzero (key, sizeof key);
    memcpy (signature, "v1,", 3);
    sodium_bin2base64 (signature + 3, IMW_WEBHOOK_SIGNATURE_MAX - 3, mac,
                       sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}
