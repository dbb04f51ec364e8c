/* check_link_key.c: unit tests of the link key made from a claim code's secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "claim_code.h"
#include "link_key.h"
#include "test_util.h"

/* The secret of a claim code from the vectors; fails the test when it does not decode. */
static uint64_t secret_of(const char *text)
{
	struct claim_code code;

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(claim_code_decode(text, &code) == CLAIM_CODE_OK, "%s does not decode", text);
	return code.secret;
}

/* Asserts the key of secret, as base64 and as bytes, is expected (base64). */
static void check_key(uint64_t secret, const char *expected)
{
	char text[LINK_KEY_BASE64_SIZE];
	uint8_t key[LINK_KEY_SIZE];
	size_t len = 0;
	uint8_t *expected_bytes = base64_decode_alloc(expected, strlen(expected), &len);

	ck_assert_int_eq(link_key_base64(secret, text), 0);
	ck_assert_msg(strcmp(text, expected) == 0, "secret %010llx: key %s, expected %s",
		      (unsigned long long)secret, text, expected);
	ck_assert_ptr_nonnull(expected_bytes);
	ck_assert_uint_eq(len, LINK_KEY_SIZE);
	ck_assert_int_eq(link_key_from_secret(secret, key), 0);
	ck_assert_mem_eq(key, expected_bytes, LINK_KEY_SIZE);
	free(expected_bytes);
}

START_TEST(test_seed_keys)
{
	cJSON *json = vector_json("seed/claim_codes.json");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "encryption_keys")) {
		check_key(secret_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "claim_code"))),
			  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "encryption_key")));
		count++;
	}
	ck_assert_int_eq(count, 1);
	check_key(secret_of("6xwh-441j-8115-zyrh"), "F7D9bmztHV32+WJScGZR0g==");
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_generated_keys)
{
	cJSON *json = vector_json("generated/claim_codes.json");
	const cJSON *item;
	int count = 0;

	cJSON_ArrayForEach(item, json) {
		const char *secret_hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "secret"));
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "encryption_key"));
		uint64_t secret = secret_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "claim_code")));

		ck_assert_ptr_nonnull(secret_hex);
		ck_assert_ptr_nonnull(key);
		ck_assert_uint_eq(secret, strtoull(secret_hex, NULL, 16));
		check_key(secret, key);
		count++;
	}
	ck_assert_int_eq(count, 40);
	cJSON_Delete(json);
}
END_TEST

/*
 * The real printer and the key command sent for it: the key of its secret (and
 * of its claim code) is the captured key without the stray "\n" the server of
 * the day appended (captured as the two characters backslash and n).
 */
START_TEST(test_real_printer_key_command)
{
	size_t len;
	char *printer = (char *)vector_read("real/11cc0f6aaeb07dad.printer", &len);
	cJSON *command = vector_json("real/bridge_command_add_key.json");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(command, "json_payload"), "params");
	const char *captured = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "encryption_key"));
	const char *device = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "device_address"));
	char address[32] = "", secret_hex[32] = "", formatted[32] = "", expected[64], *line;
	char ours[LINK_KEY_BASE64_SIZE];
	size_t captured_len;

	ck_assert_ptr_nonnull(line = strstr(printer, "address:"));
	ck_assert_int_eq(sscanf(line, "address: %31s", address), 1);
	ck_assert_ptr_nonnull(line = strstr(printer, "secret:"));
	ck_assert_int_eq(sscanf(line, "secret: %31s", secret_hex), 1);
	ck_assert_ptr_nonnull(line = strstr(printer, "claim code:"));
	ck_assert_int_eq(sscanf(line, "claim code: %31s", formatted), 1);

	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(command, "json_payload"), "name")),
			 "add_device_encryption_key");
	ck_assert_ptr_nonnull(device);
	ck_assert_str_eq(device, address);
	ck_assert_ptr_nonnull(captured);

	/* Drop the stray newline, whether captured escaped ("\\n") or as a real one. */
	captured_len = strlen(captured);
	ck_assert_uint_lt(captured_len, sizeof(expected));
	if (captured_len >= 2 && strcmp(captured + captured_len - 2, "\\n") == 0)
		captured_len -= 2;
	else if (captured_len >= 1 && captured[captured_len - 1] == '\n')
		captured_len -= 1;
	else
		ck_abort_msg("captured key %s has no stray newline", captured);
	memcpy(expected, captured, captured_len);
	expected[captured_len] = '\0';
	ck_assert_str_eq(expected, "d0M4Ab2eyBNdnNl0NoSLGQ==");

	check_key(strtoull(secret_hex, NULL, 16), expected);
	check_key(secret_of(formatted), expected);
	ck_assert_int_eq(link_key_base64(secret_of(formatted), ours), 0);
	ck_assert_ptr_null(strchr(ours, '\n'));
	ck_assert_ptr_null(strchr(ours, '\\'));
	ck_assert_uint_eq(strlen(ours), LINK_KEY_BASE64_SIZE - 1);
	cJSON_Delete(command);
	free(printer);
}
END_TEST

/* Secrets wider than 40 bits are refused with a reason and a zeroed key. */
START_TEST(test_refuses_wide_secret)
{
	uint8_t key[LINK_KEY_SIZE];
	static const uint8_t zeros[LINK_KEY_SIZE] = { 0 };
	char text[LINK_KEY_BASE64_SIZE] = "unchanged";
	struct sirius_error err = { "" };

	memset(key, 0xaa, sizeof(key));
	ck_assert_int_eq(link_key_from_secret(CLAIM_CODE_SECRET_MAX + 1, key), -1);
	ck_assert_mem_eq(key, zeros, LINK_KEY_SIZE);
	ck_assert_int_eq(link_key_derive(UINT64_MAX, key, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "40 bits"));
	ck_assert_int_eq(link_key_base64(UINT64_MAX, text), -1);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(link_key_derive(CLAIM_CODE_SECRET_MAX, key, &err), 0);
	ck_assert(memcmp(key, zeros, LINK_KEY_SIZE) != 0);
}
END_TEST

/* Keys are deterministic, and nearby secrets give unrelated keys. */
START_TEST(test_keys_differ)
{
	uint8_t first[LINK_KEY_SIZE], again[LINK_KEY_SIZE], other[LINK_KEY_SIZE];
	uint64_t secret;
	int bit;

	for (secret = 0; secret < 50; secret++) {
		ck_assert_int_eq(link_key_from_secret(secret, first), 0);
		ck_assert_int_eq(link_key_from_secret(secret, again), 0);
		ck_assert_mem_eq(first, again, LINK_KEY_SIZE);
		for (bit = 0; bit < 40; bit += 13) {
			ck_assert_int_eq(link_key_from_secret(secret ^ (1ull << bit), other), 0);
			ck_assert(memcmp(first, other, LINK_KEY_SIZE) != 0);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("link_key");
	TCase *tc = tcase_create("mmo");

	tcase_add_test(tc, test_seed_keys);
	tcase_add_test(tc, test_generated_keys);
	tcase_add_test(tc, test_real_printer_key_command);
	tcase_add_test(tc, test_refuses_wide_secret);
	tcase_add_test(tc, test_keys_differ);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
