/* random_token.h: random secrets as text (session tokens, API keys, device keys) from OpenSSL's RAND_bytes. */
#ifndef SIRIUS_RANDOM_TOKEN_H
#define SIRIUS_RANDOM_TOKEN_H

#include <stddef.h>

#include "error.h"

/* The alphabets of the tokens below. */
#define RANDOM_TOKEN_HEX "0123456789abcdef"
#define RANDOM_TOKEN_ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"

/* The longest token made at once, in characters. */
#define RANDOM_TOKEN_MAX 1024

/*
 * Writes length characters drawn uniformly (no modulo bias: bytes that would
 * favour some characters are thrown away and drawn again) from alphabet, which
 * has 2..256 distinct characters, into out, then a NUL; out holds length + 1
 * bytes. Returns 0, or -1 with a reason in err (bad arguments, RAND_bytes
 * failing); out is then "".
 */
int random_token(char *out, size_t length, const char *alphabet, struct sirius_error *err);

/* random_token over lower-case hex digits. */
int random_token_hex(char *out, size_t length, struct sirius_error *err);

/* random_token over [a-z0-9] (device keys are 20 of these). */
int random_token_alnum(char *out, size_t length, struct sirius_error *err);

#endif
