/* check_password.c: unit tests of password hashing and random tokens. */
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "random_token.h"
#include "test_util.h"

START_TEST(test_hash_and_verify)
{
	char hash[PASSWORD_HASH_SIZE], again[PASSWORD_HASH_SIZE];
	struct sirius_error err = { "" };

	password_set_cost(PASSWORD_COST_MINIMUM);
	ck_assert_int_eq(password_hash("correct horse", hash, &err), 0);
	ck_assert_ptr_nonnull(strstr(hash, "$argon2id$"));
	ck_assert(password_verify(hash, "correct horse"));
	ck_assert(!password_verify(hash, "correct horsE"));
	ck_assert(!password_verify(hash, ""));
	ck_assert(!password_verify("not a hash", "correct horse"));
	ck_assert(!password_verify(NULL, "correct horse"));
	/* A random salt: the same password hashes differently. */
	ck_assert_int_eq(password_hash("correct horse", again, &err), 0);
	ck_assert_str_ne(hash, again);
	ck_assert(password_verify(again, "correct horse"));
	ck_assert_int_eq(password_verify_nothing("x"), 0);
}
END_TEST

START_TEST(test_refuses_bad_passwords)
{
	char hash[PASSWORD_HASH_SIZE];
	char *huge = malloc(PASSWORD_MAX_LEN + 2);
	struct sirius_error err = { "" };

	password_set_cost(PASSWORD_COST_MINIMUM);
	ck_assert_int_eq(password_hash("", hash, &err), -1);
	ck_assert_str_eq(hash, "");
	ck_assert_int_eq(password_hash(NULL, hash, &err), -1);
	memset(huge, 'p', PASSWORD_MAX_LEN + 1);
	huge[PASSWORD_MAX_LEN + 1] = '\0';
	ck_assert_int_eq(password_hash(huge, hash, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "longer"));
	huge[PASSWORD_MAX_LEN] = '\0';
	ck_assert_int_eq(password_hash(huge, hash, &err), 0);
	ck_assert(password_verify(hash, huge));
	free(huge);
}
END_TEST

START_TEST(test_needs_rehash)
{
	char cheap[PASSWORD_HASH_SIZE], full[PASSWORD_HASH_SIZE];
	struct sirius_error err = { "" };

	password_set_cost(PASSWORD_COST_MINIMUM);
	ck_assert_int_eq(password_hash("pw", cheap, &err), 0);
	ck_assert(!password_needs_rehash(cheap));
	password_set_cost(PASSWORD_COST_INTERACTIVE);
	ck_assert(password_needs_rehash(cheap));
	ck_assert_int_eq(password_hash("pw", full, &err), 0);
	ck_assert(!password_needs_rehash(full));
	ck_assert(password_verify(full, "pw"));
	ck_assert(password_needs_rehash("garbage"));
}
END_TEST

START_TEST(test_cost_from_environment)
{
	char hash[PASSWORD_HASH_SIZE];
	struct sirius_error err = { "" };

	/* Nothing chose a cost in this (forked) process yet: the environment decides. */
	if (getenv("CK_FORK") && strcmp(getenv("CK_FORK"), "no") == 0)
		return;
	setenv("SIRIUS_PASSWORD_COST", "minimum", 1);
	ck_assert_int_eq(password_hash("pw", hash, &err), 0);
	ck_assert_ptr_nonnull(strstr(hash, "m=8,t=1"));
}
END_TEST

START_TEST(test_tokens)
{
	char token[RANDOM_TOKEN_MAX + 1], other[41];
	struct sirius_error err = { "" };
	size_t i;

	ck_assert_int_eq(random_token_alnum(token, 20, &err), 0);
	ck_assert_uint_eq(strlen(token), 20);
	for (i = 0; i < 20; i++)
		ck_assert(strchr(RANDOM_TOKEN_ALNUM, token[i]) != NULL);
	ck_assert_int_eq(random_token_hex(token, 40, &err), 0);
	ck_assert_int_eq(random_token_hex(other, 40, &err), 0);
	ck_assert_uint_eq(strspn(token, RANDOM_TOKEN_HEX), 40);
	ck_assert_str_ne(token, other);
	ck_assert_int_eq(random_token(token, 0, "ab", &err), 0);
	ck_assert_str_eq(token, "");
	ck_assert_int_eq(random_token(token, 5, "a", &err), -1);
	ck_assert_int_eq(random_token(token, RANDOM_TOKEN_MAX + 1, "ab", &err), -1);
	ck_assert_int_eq(random_token(token, RANDOM_TOKEN_MAX, "ab", &err), 0);
	ck_assert_uint_eq(strlen(token), RANDOM_TOKEN_MAX);
}
END_TEST

START_TEST(test_tokens_uniform)
{
	/*
	 * 36 characters: a modulo without rejection would draw the first 4
	 * (256 % 36 = 4) with probability 8/256 instead of 7/256, 14% too often.
	 * Over 360,000 draws each character is expected 10,000 times (sd ~ 99).
	 */
	static char buf[RANDOM_TOKEN_MAX + 1];
	long counts[36] = { 0 };
	struct sirius_error err = { "" };
	int round, i;

	for (round = 0; round < 360; round++) {
		ck_assert_int_eq(random_token_alnum(buf, 1000, &err), 0);
		for (i = 0; i < 1000; i++)
			counts[strchr(RANDOM_TOKEN_ALNUM, buf[i]) - RANDOM_TOKEN_ALNUM]++;
	}
	for (i = 0; i < 36; i++)
		ck_assert_msg(counts[i] > 9500 && counts[i] < 10500, "character %c drawn %ld times",
			      RANDOM_TOKEN_ALNUM[i], counts[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("password");
	TCase *pw = tcase_create("password");
	TCase *tokens = tcase_create("random tokens");

	tcase_add_test(pw, test_hash_and_verify);
	tcase_add_test(pw, test_refuses_bad_passwords);
	tcase_add_test(pw, test_needs_rehash);
	tcase_add_test(pw, test_cost_from_environment);
	tcase_set_timeout(pw, 60);
	tcase_add_test(tokens, test_tokens);
	tcase_add_test(tokens, test_tokens_uniform);
	suite_add_tcase(s, pw);
	suite_add_tcase(s, tokens);
	return run_suite(s);
}
