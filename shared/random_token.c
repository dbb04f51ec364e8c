/* random_token.c: uniform random text from RAND_bytes by rejection sampling. */
#include "random_token.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

int random_token(char *out, size_t length, const char *alphabet, struct sirius_error *err)
{
	unsigned char pool[64];
	size_t n, limit, made = 0, used = sizeof(pool);

	if (out)
		out[0] = '\0';
	if (!out || !alphabet)
		return error_set(err, "random_token: no buffer or alphabet");
	n = strlen(alphabet);
	if (n < 2 || n > 256)
		return error_set(err, "random_token: the alphabet has %zu characters, not 2..256", n);
	if (length > RANDOM_TOKEN_MAX)
		return error_set(err, "random_token: %zu characters asked, at most %d", length,
				 RANDOM_TOKEN_MAX);
	/* The largest multiple of n not above 256: bytes below it map evenly onto the alphabet. */
	limit = 256 - 256 % n;
	while (made < length) {
		if (used == sizeof(pool)) {
			if (RAND_bytes(pool, (int)sizeof(pool)) != 1) {
				OPENSSL_cleanse(pool, sizeof(pool));
				out[0] = '\0';
				return error_set(err, "RAND_bytes failed");
			}
			used = 0;
		}
		if (pool[used] < limit)
			out[made++] = alphabet[pool[used] % n];
		used++;
	}
	out[made] = '\0';
	OPENSSL_cleanse(pool, sizeof(pool));
	return 0;
}

int random_token_hex(char *out, size_t length, struct sirius_error *err)
{
	return random_token(out, length, RANDOM_TOKEN_HEX, err);
}

int random_token_alnum(char *out, size_t length, struct sirius_error *err)
{
	return random_token(out, length, RANDOM_TOKEN_ALNUM, err);
}
