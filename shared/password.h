/* password.h: password hashing for user accounts (argon2id through libsodium). */
#ifndef SIRIUS_PASSWORD_H
#define SIRIUS_PASSWORD_H

#include "error.h"

/* Room for a hash string (libsodium's crypto_pwhash_STRBYTES), NUL included. */
#define PASSWORD_HASH_SIZE 128

/* The shortest password a new account (or a new password) may have, in bytes. */
#define PASSWORD_MIN_LEN 8

/* The longest password accepted, in bytes; longer ones are refused, not cut. */
#define PASSWORD_MAX_LEN 1024

/* How much work a new hash costs. */
enum password_cost {
	PASSWORD_COST_INTERACTIVE = 0, /* libsodium's interactive limits: the default */
	PASSWORD_COST_MINIMUM          /* libsodium's minimum limits: only for tests */
};

/*
 * Chooses the cost of hashes made from now on in this process (and what
 * password_needs_rehash compares with). The environment variable
 * SIRIUS_PASSWORD_COST=minimum selects the minimum cost at the first use, so
 * that test scripts can run programs quickly; anything else is interactive.
 */
void password_set_cost(enum password_cost cost);

/*
 * Hashes password (1..PASSWORD_MAX_LEN bytes) into out with a random salt.
 * Returns 0, or -1 with a reason in err (empty or too long password, libsodium
 * failing to initialise, out of memory).
 */
int password_hash(const char *password, char out[PASSWORD_HASH_SIZE], struct sirius_error *err);

/* 1 when password matches hash, 0 when it does not or the hash is malformed. */
int password_verify(const char *hash, const char *password);

/*
 * Spends the time of one verification without a stored hash, so that a login
 * with an unknown name takes as long as one with a wrong password. Returns 0.
 */
int password_verify_nothing(const char *password);

/* 1 when hash was made with other limits than the current cost (hash it again at the next login). */
int password_needs_rehash(const char *hash);

#endif
