/* password.c: argon2id password hashes with libsodium's crypto_pwhash_str. */
#include "password.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The cost chosen by password_set_cost or the environment; -1 until decided. */
static int current_cost = -1;

void password_set_cost(enum password_cost cost)
{
	current_cost = (int)cost;
}

/* The cost in effect, read from SIRIUS_PASSWORD_COST on the first call. */
static enum password_cost cost_now(void)
{
	if (current_cost < 0) {
		const char *env = getenv("SIRIUS_PASSWORD_COST");

		current_cost = env && strcmp(env, "minimum") == 0 ? PASSWORD_COST_MINIMUM
								 : PASSWORD_COST_INTERACTIVE;
	}
	return (enum password_cost)current_cost;
}

static unsigned long long ops_limit(void)
{
	return cost_now() == PASSWORD_COST_MINIMUM ? crypto_pwhash_argon2id_OPSLIMIT_MIN
						   : crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
}

static size_t mem_limit(void)
{
	return cost_now() == PASSWORD_COST_MINIMUM ? crypto_pwhash_argon2id_MEMLIMIT_MIN
						   : crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
}

/* 0 when libsodium is ready (sodium_init may be called any number of times), else -1. */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int password_hash(const char *password, char out[PASSWORD_HASH_SIZE], struct sirius_error *err)
{
	size_t len;

	_Static_assert(PASSWORD_HASH_SIZE >= crypto_pwhash_STRBYTES, "hash buffer too small");
	out[0] = '\0';
	if (!password || !password[0])
		return error_set(err, "the password is empty");
	len = strnlen(password, PASSWORD_MAX_LEN + 1);
	if (len > PASSWORD_MAX_LEN)
		return error_set(err, "the password is longer than %d bytes", PASSWORD_MAX_LEN);
	if (sodium_ready() < 0)
		return error_set(err, "libsodium could not be initialised");
	if (crypto_pwhash_str_alg(out, password, len, ops_limit(), mem_limit(),
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		out[0] = '\0';
		return error_set(err, "hashing the password ran out of memory");
	}
	return 0;
}

int password_verify(const char *hash, const char *password)
{
	size_t len;

	if (!hash || !password || sodium_ready() < 0)
		return 0;
	if (strnlen(hash, PASSWORD_HASH_SIZE) >= PASSWORD_HASH_SIZE)
		return 0;
	len = strnlen(password, PASSWORD_MAX_LEN + 1);
	if (len > PASSWORD_MAX_LEN)
		return 0;
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

int password_verify_nothing(const char *password)
{
	char hash[PASSWORD_HASH_SIZE];

	/* Hashing costs what verifying does: both run argon2id once with the same limits. */
	if (password_hash(password && password[0] ? password : "-", hash, NULL) == 0)
		sodium_memzero(hash, sizeof(hash));
	return 0;
}

int password_needs_rehash(const char *hash)
{
	if (!hash || sodium_ready() < 0 || strnlen(hash, PASSWORD_HASH_SIZE) >= PASSWORD_HASH_SIZE)
		return 1;
	return crypto_pwhash_str_needs_rehash(hash, ops_limit(), mem_limit()) != 0;
}
