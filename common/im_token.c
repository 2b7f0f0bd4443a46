/*  im_token - HTTP bearer tokens: how one is made, and what is kept of it

    BLAKE2b (crypto_generichash), unkeyed: a token holds 256 random bits,
    so a fast hash is enough (no password stretching: nothing to guess),
    and a node can hash every request's token in well under a
    microsecond. The hash is of the whole token text.
*/
#include <sodium.h>
#include <string.h>

#include "im_token.h"

#define S_PREFIX    "imq_"

int
im_token_is_hex (const char *text, size_t n)
{
    size_t index = 0;
    for (; index < n; index++)
        if (!text [index] || !strchr ("0123456789abcdef", text [index]))
            return 0;
    return text [index] == 0;
}

//  Writes the hex of size bytes into text (2 * size + 1 bytes)
static void
s_hex (const unsigned char *bytes, size_t size, char *text)
{
    sodium_bin2hex (text, 2 * size + 1, bytes, size);
}

//  Writes the hash of token into hash (IM_TOKEN_HASH_TEXT)
static void
s_hash (const char *token, char *hash)
{
    unsigned char digest [32];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) token,
                        strlen (token), NULL, 0);
    s_hex (digest, sizeof digest, hash);
    sodium_memzero (digest, sizeof digest);
}

int
im_token_make (char *token, char *id, char *hash)
{
    if (sodium_init () < 0)
        return -1;
    unsigned char random [8 + 32];
    randombytes_buf (random, sizeof random);
    char secret [65];
    s_hex (random, 8, id);
    s_hex (random + 8, 32, secret);
    memcpy (token, S_PREFIX, 4);
    memcpy (token + 4, id, 16);
    token [20] = '_';
    memcpy (token + 21, secret, 65);
    sodium_memzero (random, sizeof random);
    sodium_memzero (secret, sizeof secret);
    s_hash (token, hash);
    return 0;
}

int
im_token_credential (const char *token, char *credential)
{
    if (sodium_init () < 0)
        return -1;
    if (strncmp (token, S_PREFIX, 4) != 0 || strlen (token) != 85
    ||  token [20] != '_' || !im_token_is_hex (token + 21, 64))
        return -1;
    char id [IM_TOKEN_ID_TEXT];
    memcpy (id, token + 4, 16);
    id [16] = 0;
    if (!im_token_is_hex (id, 16))
        return -1;
    memcpy (credential, id, 16);
    credential [16] = ':';
    s_hash (token, credential + 17);
    return 0;
}
