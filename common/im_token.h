/*  im_token - HTTP bearer tokens: how one is made, and what is kept of it

    A token is `imq_` + 16 hex digits (its id, 64 random bits: which
    token, shown in listings and named to revoke it) + `_` + 64 hex
    digits (256 random bits: the secret). Only its BLAKE2b-256 hash
    goes anywhere: the administrator's imqctl makes the token, prints it
    once and sends the id and the hash through the log (PRINCIPAL token);
    a node's HTTP thread hashes what a caller presents and hands the
    node the id and the hash, never the token (docs/security.md).
*/
#ifndef IM_TOKEN_H_INCLUDED
#define IM_TOKEN_H_INCLUDED

#include <stddef.h>

#define IM_TOKEN_TEXT       86      //  A token, with its NUL
#define IM_TOKEN_ID_TEXT    17      //  Its id (16 hex digits), with NUL
#define IM_TOKEN_HASH_TEXT  65      //  Its hash (64 hex digits), with NUL
//  What HTTP hands the node: "<id>:<hash>", with its NUL
#define IM_TOKEN_CRED_TEXT  (IM_TOKEN_ID_TEXT + IM_TOKEN_HASH_TEXT)

//  Makes a new token (random) into token, its id into id and its hash
//  into hash (buffers of IM_TOKEN_TEXT, _ID_TEXT, _HASH_TEXT). Returns
//  0 or -1 (libsodium could not start).
int
    im_token_make (char *token, char *id, char *hash);

//  Checks that token is one (imq_<16 hex>_<64 hex>) and writes what the
//  node is handed, "<id>:<hash>", into credential (IM_TOKEN_CRED_TEXT).
//  Returns 0, or -1 when token is not a token.
int
    im_token_credential (const char *token, char *credential);

//  True when text is n lowercase hex digits and nothing more
int
    im_token_is_hex (const char *text, size_t n);

#endif
