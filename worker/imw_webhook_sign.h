/*  imw_webhook_sign - the Standard Webhooks 1.0 signature

    A receiver checks that a delivery came from imq and was not changed
    on the way by computing, with the secret both sides hold,

        webhook-signature: v1,<base64 (HMAC-SHA256 (key, id.timestamp.body))>

    where the key is the base64 text after "whsec_" decoded, id the
    webhook-id header, timestamp the webhook-timestamp header (seconds)
    and body the raw bytes of the request body. The format is the one
    every Standard Webhooks library verifies (standardwebhooks.com).
*/
#ifndef IMW_WEBHOOK_SIGN_H_INCLUDED
#define IMW_WEBHOOK_SIGN_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define IMW_WEBHOOK_SIGNATURE_MAX   64  //  "v1," + 44 base64 + NUL

//  Writes the webhook-signature value for (id, timestamp, body) keyed
//  with secret ("whsec_" then base64; the prefix may be left out) into
//  signature (IMW_WEBHOOK_SIGNATURE_MAX bytes). Returns 0, or IM_EINVAL
//  when the secret is not valid base64 or is empty, or IM_ENOMEM.
int
    imw_webhook_sign (const char *secret, const char *id, int64_t timestamp,
                      const void *body, size_t size, char *signature);

#endif
