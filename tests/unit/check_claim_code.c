/* check_claim_code.c: unit tests of reading, writing and checking claim codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_code.h"
#include "device_address.h"
#include "test_util.h"

/* A 10-hex-digit secret of the vectors as a number; fails the test on anything else. */
static uint64_t secret_from_hex(const char *hex)
{
	char *end = NULL;
	unsigned long long value;

	ck_assert_ptr_nonnull(hex);
	ck_assert_uint_eq(strlen(hex), 10);
	value = strtoull(hex, &end, 16);
	ck_assert(end && *end == '\0');
	return (uint64_t)value;
}

/* A string field of a vector object; fails the test when it is missing. */
static const char *string_field(const cJSON *item, const char *name)
{
	const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, name));

	ck_assert_msg(value != NULL, "vector without \"%s\"", name);
	return value;
}

/* A number field of a vector object as a uint32; fails the test when it is missing. */
static uint32_t xor_field(const cJSON *item)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "hardware_xor");

	ck_assert(cJSON_IsNumber(value));
	ck_assert(value->valuedouble >= 0 && value->valuedouble <= CLAIM_CODE_XOR_MAX);
	return (uint32_t)value->valuedouble;
}

/* text without its dashes, in a static buffer (tests only). */
static const char *without_dashes(const char *text)
{
	static char out[256];
	size_t o = 0;

	for (; *text && o + 1 < sizeof(out); text++) {
		if (*text != '-')
			out[o++] = *text;
	}
	out[o] = '\0';
	return out;
}

/* Asserts text decodes to xor and secret with canonical digits, and encodes back to formatted. */
static void check_code(const char *text, const char *formatted, uint32_t xor_value, uint64_t secret)
{
	struct claim_code code, encoded;
	char shown[CLAIM_CODE_FORMATTED_SIZE];
	enum claim_code_error result = claim_code_decode(text, &code);

	ck_assert_msg(result == CLAIM_CODE_OK, "%s: %s", text, claim_code_error_message(result));
	ck_assert_msg(code.hardware_xor == xor_value, "%s: xor %u", text, (unsigned)code.hardware_xor);
	ck_assert_msg(code.secret == secret, "%s: secret %010llx", text, (unsigned long long)code.secret);
	ck_assert_str_eq(code.digits, without_dashes(formatted));
	claim_code_format(&code, shown);
	ck_assert_str_eq(shown, formatted);

	ck_assert_int_eq(claim_code_encode(xor_value, secret, &encoded), 0);
	ck_assert_str_eq(encoded.digits, code.digits);
	ck_assert_uint_eq(encoded.hardware_xor, xor_value);
	ck_assert_uint_eq(encoded.secret, secret);
	claim_code_format(&encoded, shown);
	ck_assert_str_eq(shown, formatted);
}

START_TEST(test_seed_codes)
{
	cJSON *json = vector_json("seed/claim_codes.json");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "claim_codes")) {
		check_code(string_field(item, "claim_code"), string_field(item, "claim_code"),
			   xor_field(item), secret_from_hex(string_field(item, "secret")));
		count++;
	}
	ck_assert_int_eq(count, 5);
	cJSON_Delete(json);
}
END_TEST

/* The seed's note: n5ry-p6x6-kth7-7hc4 belongs to the printer 000d6f000273ce0b. */
START_TEST(test_seed_code_meets_its_printer)
{
	struct claim_code code;
	uint32_t xor_value = 0;

	ck_assert_int_eq(claim_code_decode("n5ry-p6x6-kth7-7hc4", &code), CLAIM_CODE_OK);
	ck_assert_int_eq(device_address_hardware_xor("000d6f000273ce0b", &xor_value), 0);
	ck_assert_uint_eq(code.hardware_xor, xor_value);
	ck_assert_uint_eq(code.hardware_xor, 0x73c164);
}
END_TEST

START_TEST(test_seed_invalid)
{
	cJSON *json = vector_json("seed/claim_codes.json");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(json, "invalid");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, list) {
		struct claim_code code;

		ck_assert_ptr_nonnull(cJSON_GetStringValue(item));
		ck_assert_int_ne(claim_code_decode(cJSON_GetStringValue(item), &code), CLAIM_CODE_OK);
		ck_assert_str_eq(code.digits, "");
		count++;
	}
	ck_assert_int_eq(count, 3);
	/* The kinds, with the length checked before the characters. */
	ck_assert_int_eq(claim_code_decode("invalid", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("6xwh-441j-8115-zyrA", NULL), CLAIM_CODE_BAD_CHARACTER);
	ck_assert_int_eq(claim_code_decode("6xwh-441j-8115-zyr", NULL), CLAIM_CODE_BAD_LENGTH);
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_generated_codes)
{
	cJSON *json = vector_json("generated/claim_codes.json");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, json) {
		const char *formatted = string_field(item, "claim_code");
		uint32_t xor_value = xor_field(item);
		uint64_t secret = secret_from_hex(string_field(item, "secret"));

		check_code(formatted, formatted, xor_value, secret);
		check_code(string_field(item, "typed"), formatted, xor_value, secret);
		count++;
	}
	ck_assert_int_eq(count, 40);
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_generated_invalid)
{
	cJSON *json = vector_json("generated/claim_codes_invalid.json");
	const cJSON *item;
	int seen[4] = { 0, 0, 0, 0 };

	cJSON_ArrayForEach(item, json) {
		const char *text = string_field(item, "claim_code");
		const char *kind = string_field(item, "kind");
		enum claim_code_error expected, result;

		if (strcmp(kind, "crc") == 0)
			expected = CLAIM_CODE_BAD_CRC;
		else if (strcmp(kind, "len") == 0)
			expected = CLAIM_CODE_BAD_LENGTH;
		else if (strcmp(kind, "char") == 0)
			expected = CLAIM_CODE_BAD_CHARACTER;
		else
			ck_abort_msg("unknown kind %s", kind);
		result = claim_code_decode(text, NULL);
		ck_assert_msg(result == expected, "%s: got %d, expected %s", text, (int)result, kind);
		seen[expected]++;
	}
	ck_assert_int_eq(seen[CLAIM_CODE_BAD_CRC], 3);
	ck_assert_int_eq(seen[CLAIM_CODE_BAD_LENGTH], 3);
	ck_assert_int_eq(seen[CLAIM_CODE_BAD_CHARACTER], 4);
	cJSON_Delete(json);
}
END_TEST

/* The real printer file: its code carries its secret and the xor of its address. */
START_TEST(test_real_printer)
{
	size_t len;
	char *text = (char *)vector_read("real/11cc0f6aaeb07dad.printer", &len);
	char address[32] = "", secret_hex[32] = "", formatted[32] = "", *line;
	unsigned long file_xor = 0;
	uint32_t address_xor = 0;

	ck_assert_ptr_nonnull(line = strstr(text, "address:"));
	ck_assert_int_eq(sscanf(line, "address: %31s", address), 1);
	ck_assert_ptr_nonnull(line = strstr(text, "secret:"));
	ck_assert_int_eq(sscanf(line, "secret: %31s", secret_hex), 1);
	ck_assert_ptr_nonnull(line = strstr(text, "xor:"));
	ck_assert_int_eq(sscanf(line, "xor: %lu", &file_xor), 1);
	ck_assert_ptr_nonnull(line = strstr(text, "claim code:"));
	ck_assert_int_eq(sscanf(line, "claim code: %31s", formatted), 1);

	ck_assert_str_eq(formatted, "jwm0-6xd9-jeqd-p7x2");
	ck_assert_int_eq(device_address_hardware_xor(address, &address_xor), 0);
	ck_assert_uint_eq(address_xor, file_xor);
	check_code(formatted, formatted, (uint32_t)file_xor, secret_from_hex(secret_hex));
	free(text);
}
END_TEST

/* Dashes anywhere, any number of them, or none. */
START_TEST(test_dash_variants)
{
	static const char *const variants[] = {
		"c1zpg2ecsqqh28t5", "c1zp-g2ec-sqqh-28t5", "-c1zp-g2ec-sqqh-28t5-",
		"c-1-z-p-g-2-e-c-s-q-q-h-2-8-t-5", "-c-1-z-p-g-2-e-c-s-q-q-h-2-8-t-5-",
		"c1zpg2ec--------sqqh28t5", "c1zp-g2ecsqqh-28t5", "c1-zp-g2-ec-sq-qh-28-t5",
		"c--1--z--p--g--2--e--c--s--q--q--h--2--8--t--5",
	};
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		check_code(variants[i], "c1zp-g2ec-sqqh-28t5", 74565, 0x6789abcdefull);
}
END_TEST

/* Upper case and the look-alike letters I, L (for 1) and U (for V), in either case. */
START_TEST(test_case_and_aliases)
{
	static const char *const variants[] = {
		"W1JQ-02ET-0FE6-V98J", "wIjq-02et-0fe6-v98j", "wijq-02et-0fe6-u98j",
		"wLjq02et0fe6U98j", "wljq-02ET-0Fe6-U98j", "w1Jq-02eT-0fE6-v98J",
	};
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		check_code(variants[i], "w1jq-02et-0fe6-v98j", 7185681, 0x7009ba039aull);
}
END_TEST

/* Nothing to read, only dashes, or far too much: all are the wrong length. */
START_TEST(test_length_edges)
{
	char long_text[4096];
	struct claim_code code;

	ck_assert_int_eq(claim_code_decode("", &code), CLAIM_CODE_BAD_LENGTH);
	ck_assert_str_eq(code.digits, "");
	ck_assert_uint_eq(code.secret, 0);
	ck_assert_int_eq(claim_code_decode(NULL, &code), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("-", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("----", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("----------------", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("----------------------------------", NULL),
			 CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("c1zp-g2ec-sqqh-28t", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("c1zp-g2ec-sqqh-28t55", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("c1zpg2ecsqqh28t5c1zpg2ecsqqh28t5", NULL), CLAIM_CODE_BAD_LENGTH);

	/* A valid code padded with dashes to the limit is read; one more byte is too long. */
	memset(long_text, '-', CLAIM_CODE_MAX_INPUT);
	memcpy(long_text + 8, "c1zpg2ecsqqh28t5", 16);
	long_text[CLAIM_CODE_MAX_INPUT] = '\0';
	ck_assert_int_eq(claim_code_decode(long_text, &code), CLAIM_CODE_OK);
	ck_assert_str_eq(code.digits, "c1zpg2ecsqqh28t5");
	long_text[CLAIM_CODE_MAX_INPUT] = '-';
	long_text[CLAIM_CODE_MAX_INPUT + 1] = '\0';
	ck_assert_int_eq(claim_code_decode(long_text, &code), CLAIM_CODE_BAD_LENGTH);

	memset(long_text, '-', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	ck_assert_int_eq(claim_code_decode(long_text, NULL), CLAIM_CODE_BAD_LENGTH);
	memset(long_text, '0', sizeof(long_text) - 1);
	ck_assert_int_eq(claim_code_decode(long_text, NULL), CLAIM_CODE_BAD_LENGTH);
}
END_TEST

/* A text with no NUL within the limit is refused without reading past the limit (ASan checks). */
START_TEST(test_reads_no_further_than_the_limit)
{
	char *text = malloc(CLAIM_CODE_MAX_INPUT + 1);

	ck_assert_ptr_nonnull(text);
	memset(text, '-', CLAIM_CODE_MAX_INPUT + 1);
	ck_assert_int_eq(claim_code_decode(text, NULL), CLAIM_CODE_BAD_LENGTH);
	memset(text, '0', CLAIM_CODE_MAX_INPUT + 1);
	ck_assert_int_eq(claim_code_decode(text, NULL), CLAIM_CODE_BAD_LENGTH);
	free(text);
}
END_TEST

/* Characters outside the alphabet, at the right length. */
START_TEST(test_bad_characters)
{
	static const char *const bad[] = {
		"a1zp-g2ec-sqqh-28t5", "A1zp-g2ec-sqqh-28t5", "c1zp-g2ec-sqqh-28ta",
		"c1zp g2ec sqqh 2", "c1zp-g2ec-sqqh-28t ", " 1zp-g2ec-sqqh-28t5",
		"c1zp_g2ec_sqqh_2", "c1zp-g2ec-sqqh-28t\xc3", "c1zp-g2ec-sqqh-28t\t",
		"c1zp+g2ec+sqqh+2", "c1zp-g2ec-sqqh-2.t5", "c1zp-g2ec-sqqh-28t\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(claim_code_decode(bad[i], NULL) == CLAIM_CODE_BAD_CHARACTER,
			      "\"%s\" not a bad character", bad[i]);
}
END_TEST

/* Which error wins: the length, then the characters, then the checksum. */
START_TEST(test_error_precedence)
{
	/* Wrong length and a bad character: the length. */
	ck_assert_int_eq(claim_code_decode("a1zp-g2ec-sqqh-28t", NULL), CLAIM_CODE_BAD_LENGTH);
	ck_assert_int_eq(claim_code_decode("c1zp-g2ec-sqqh-28t5 ", NULL), CLAIM_CODE_BAD_LENGTH);
	/* A bad character that also spoils the checksum: the character. */
	ck_assert_int_eq(claim_code_decode("c1zp-g2ec-sqqh-28a5", NULL), CLAIM_CODE_BAD_CHARACTER);
	/* Sixteen good digits with a wrong checksum. */
	ck_assert_int_eq(claim_code_decode("c1zp-g2ec-sqqh-28t6", NULL), CLAIM_CODE_BAD_CRC);
	ck_assert_int_eq(claim_code_decode("0000-0000-0000-0000", NULL), CLAIM_CODE_BAD_CRC);
}
END_TEST

/* Every single mistyped digit and every swap of two neighbours of every vector code is caught. */
START_TEST(test_checksum_catches_typing_errors)
{
	static const char alphabet[] = "0123456789bcdefghjkmnopqrstvwxyz";
	cJSON *json = vector_json("generated/claim_codes.json");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, json) {
		char digits[CLAIM_CODE_DIGITS + 1];
		size_t i, j;
		const char *canonical = without_dashes(string_field(item, "claim_code"));

		ck_assert_uint_eq(strlen(canonical), CLAIM_CODE_DIGITS);
		memcpy(digits, canonical, sizeof(digits));
		ck_assert_int_eq(claim_code_decode(digits, NULL), CLAIM_CODE_OK);
		for (i = 0; i < CLAIM_CODE_DIGITS; i++) {
			char kept = digits[i];

			for (j = 0; j < 32; j++) {
				if (alphabet[j] == kept)
					continue;
				digits[i] = alphabet[j];
				ck_assert_msg(claim_code_decode(digits, NULL) == CLAIM_CODE_BAD_CRC,
					      "%s accepted", digits);
				count++;
			}
			digits[i] = kept;
			if (i + 1 < CLAIM_CODE_DIGITS && digits[i] != digits[i + 1]) {
				digits[i] = digits[i + 1];
				digits[i + 1] = kept;
				ck_assert_msg(claim_code_decode(digits, NULL) == CLAIM_CODE_BAD_CRC,
					      "%s accepted", digits);
				digits[i + 1] = digits[i];
				digits[i] = kept;
			}
		}
	}
	ck_assert_int_eq(count, 40 * 16 * 31);
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_encode_limits)
{
	struct claim_code code;

	memset(&code, 0x55, sizeof(code));
	ck_assert_int_eq(claim_code_encode(0x1000000, 0, &code), -1);
	ck_assert_int_eq(claim_code_encode(0, 0x10000000000ull, &code), -1);
	ck_assert_int_eq(claim_code_encode(UINT32_MAX, UINT64_MAX, &code), -1);
	ck_assert_uint_eq(code.hardware_xor, 0x55555555u);
	ck_assert_int_eq(claim_code_encode(CLAIM_CODE_XOR_MAX, CLAIM_CODE_SECRET_MAX, &code), 0);
	ck_assert_str_eq(code.digits, "kzgzzzzzzzzzzzzz");
	ck_assert_int_eq(claim_code_encode(0, 0, &code), 0);
	ck_assert_str_eq(code.digits, "64z0000000000000");
}
END_TEST

/* xorshift64*: a fixed sequence of test values. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1Dull;
}

/* Encoding then decoding (canonical, shown and upper-case forms) gives the values back. */
START_TEST(test_random_round_trip)
{
	uint64_t state = 0x9E3779B97F4A7C15ull;
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t r = next_random(&state);
		uint32_t xor_value = (uint32_t)(r & CLAIM_CODE_XOR_MAX);
		uint64_t secret = (r >> 24) & CLAIM_CODE_SECRET_MAX;
		struct claim_code encoded, decoded;
		char shown[CLAIM_CODE_FORMATTED_SIZE];
		size_t k;

		if (i % 4 == 1)
			secret = next_random(&state) & CLAIM_CODE_SECRET_MAX;
		ck_assert_int_eq(claim_code_encode(xor_value, secret, &encoded), 0);
		ck_assert_uint_eq(strlen(encoded.digits), CLAIM_CODE_DIGITS);
		ck_assert_int_eq(claim_code_decode(encoded.digits, &decoded), CLAIM_CODE_OK);
		ck_assert_uint_eq(decoded.hardware_xor, xor_value);
		ck_assert_uint_eq(decoded.secret, secret);
		ck_assert_str_eq(decoded.digits, encoded.digits);

		claim_code_format(&encoded, shown);
		ck_assert_uint_eq(strlen(shown), CLAIM_CODE_FORMATTED_SIZE - 1);
		ck_assert(shown[4] == '-' && shown[9] == '-' && shown[14] == '-');
		for (k = 0; shown[k]; k++) {
			if (shown[k] >= 'a' && shown[k] <= 'z')
				shown[k] = (char)(shown[k] - 'a' + 'A');
		}
		ck_assert_int_eq(claim_code_decode(shown, &decoded), CLAIM_CODE_OK);
		ck_assert_uint_eq(decoded.hardware_xor, xor_value);
		ck_assert_uint_eq(decoded.secret, secret);
		ck_assert_str_eq(decoded.digits, encoded.digits);
	}
}
END_TEST

/* Each error has its own sentence, and claim_code_parse passes it on without the period. */
START_TEST(test_messages)
{
	static const enum claim_code_error errors[] = {
		CLAIM_CODE_OK, CLAIM_CODE_BAD_LENGTH, CLAIM_CODE_BAD_CHARACTER, CLAIM_CODE_BAD_CRC,
	};
	struct sirius_error err = { "" };
	struct claim_code code;
	size_t i, j;

	for (i = 0; i < 4; i++) {
		const char *message = claim_code_error_message(errors[i]);

		ck_assert_ptr_nonnull(message);
		ck_assert_uint_gt(strlen(message), 10);
		ck_assert_int_eq(message[strlen(message) - 1], '.');
		for (j = 0; j < i; j++)
			ck_assert_str_ne(message, claim_code_error_message(errors[j]));
	}
	ck_assert_ptr_nonnull(strstr(claim_code_error_message(CLAIM_CODE_BAD_LENGTH), "16"));
	ck_assert_ptr_nonnull(claim_code_error_message((enum claim_code_error)99));

	ck_assert_int_eq(claim_code_parse("c1zp-g2ec-sqqh-28t5", &code, &err), 0);
	ck_assert_uint_eq(code.secret, 0x6789abcdefull);
	ck_assert_int_eq(claim_code_parse("c1zp-g2ec-sqqh-28t6", &code, &err), -1);
	ck_assert_uint_eq(strlen(err.message) + 1,
			  strlen(claim_code_error_message(CLAIM_CODE_BAD_CRC)));
	ck_assert(strncmp(err.message, claim_code_error_message(CLAIM_CODE_BAD_CRC),
			  strlen(err.message)) == 0);
	ck_assert_int_eq(claim_code_parse("", NULL, NULL), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("claim_code");
	TCase *vectors = tcase_create("vectors");
	TCase *reading = tcase_create("reading");
	TCase *writing = tcase_create("writing");

	tcase_add_test(vectors, test_seed_codes);
	tcase_add_test(vectors, test_seed_code_meets_its_printer);
	tcase_add_test(vectors, test_seed_invalid);
	tcase_add_test(vectors, test_generated_codes);
	tcase_add_test(vectors, test_generated_invalid);
	tcase_add_test(vectors, test_real_printer);
	suite_add_tcase(s, vectors);

	tcase_add_test(reading, test_dash_variants);
	tcase_add_test(reading, test_case_and_aliases);
	tcase_add_test(reading, test_length_edges);
	tcase_add_test(reading, test_reads_no_further_than_the_limit);
	tcase_add_test(reading, test_bad_characters);
	tcase_add_test(reading, test_error_precedence);
	tcase_add_test(reading, test_checksum_catches_typing_errors);
	suite_add_tcase(s, reading);

	tcase_add_test(writing, test_encode_limits);
	tcase_add_test(writing, test_random_round_trip);
	tcase_add_test(writing, test_messages);
	suite_add_tcase(s, writing);
	return run_suite(s);
}
