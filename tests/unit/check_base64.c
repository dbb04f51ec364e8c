/* check_base64.c: unit tests of the strict base64 codec. */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "test_util.h"

START_TEST(test_rfc4648_examples)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char *enc = base64_encode_alloc((const uint8_t *)plain[i], strlen(plain[i]));
		size_t len = 99;
		uint8_t *dec = base64_decode_alloc(coded[i], strlen(coded[i]), &len);

		ck_assert_str_eq(enc, coded[i]);
		ck_assert_ptr_nonnull(dec);
		ck_assert_uint_eq(len, strlen(plain[i]));
		ck_assert(memcmp(dec, plain[i], len) == 0);
		free(enc);
		free(dec);
	}
}
END_TEST

START_TEST(test_refuses_non_canonical)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v\n", " Zm9v", "Zm=v", "Zm9v!A==", "Zg==Zg==", "=Zg=",
	};
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(base64_decode_alloc(bad[i], strlen(bad[i]), &len) == NULL,
			      "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_binary_round_trip)
{
	uint8_t data[1000];
	size_t n, len;

	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(n * 7 + 3);
	for (n = 0; n <= sizeof(data); n += 37) {
		char *enc = base64_encode_alloc(data, n);
		uint8_t *dec = base64_decode_alloc(enc, strlen(enc), &len);

		ck_assert_uint_eq(strlen(enc) + 1, base64_encoded_size(n));
		ck_assert_uint_eq(len, n);
		ck_assert(memcmp(dec, data, n) == 0);
		free(enc);
		free(dec);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("base64");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_rfc4648_examples);
	tcase_add_test(tc, test_refuses_non_canonical);
	tcase_add_test(tc, test_binary_round_trip);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
