/* link_key.h: the Zigbee link key (the bridge's "encryption_key") made from a claim code's secret. */
#ifndef SIRIUS_LINK_KEY_H
#define SIRIUS_LINK_KEY_H

#include <stdint.h>

#include "error.h"

/* Bytes in a key, and a buffer for its base64 (24 characters) with the NUL. */
#define LINK_KEY_SIZE 16
#define LINK_KEY_BASE64_SIZE 25

/*
 * The link key of a 40-bit secret: the Matyas-Meyer-Oseas hash (AES-128 from
 * OpenSSL) of a fixed salt followed by the secret's 5 little-endian bytes
 * (PROTOCOL.md section 5). Returns 0, or -1 when the secret has more than 40
 * bits or libcrypto fails; key is then zeroed.
 */
int link_key_from_secret(uint64_t secret, uint8_t key[LINK_KEY_SIZE]);

/* link_key_from_secret with the reason for a -1 in err. */
int link_key_derive(uint64_t secret, uint8_t key[LINK_KEY_SIZE], struct sirius_error *err);

/*
 * The key as the bridge command carries it: standard padded base64 with no
 * trailing newline. Returns 0, or -1 as link_key_from_secret (out is then "").
 */
int link_key_base64(uint64_t secret, char out[LINK_KEY_BASE64_SIZE]);

#endif
