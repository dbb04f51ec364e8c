/* check_bridge_command.c: unit tests of the JSON of server-to-bridge commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_command.h"
#include "test_util.h"

START_TEST(test_seed_add_key)
{
	cJSON *v = vector_json("seed/device_commands.json");
	cJSON *cmd = cJSON_GetObjectItemCaseSensitive(v, "add_device_encryption_key");
	cJSON *expected = cJSON_GetObjectItemCaseSensitive(cmd, "expected");
	const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(expected, "json_payload"), "params"),
		"encryption_key"));
	char *json;
	cJSON *mine;

	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(key, "F7D9bmztHV32+WJScGZR0g==");
	json = bridge_command_add_key_json(
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "bridge_address")),
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "device_address")),
		(uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cmd, "command_id")), key);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_null(strchr(json, '\n'));
	mine = cJSON_Parse(json);
	ck_assert_ptr_nonnull(mine);
	ck_assert(cJSON_Compare(mine, expected, 1));
	/* The timestamp is the string "0", the command id a number. */
	ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mine, "timestamp")));
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(mine, "command_id")));
	cJSON_Delete(mine);
	free(json);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_real_add_key_without_newline)
{
	cJSON *v = vector_json("real/bridge_command_add_key.json");
	cJSON *params = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "json_payload"), "params");
	cJSON *key_item = cJSON_GetObjectItemCaseSensitive(params, "encryption_key");
	char key[64];
	char *json;
	cJSON *mine;
	size_t n;

	/* The server of the day sent the key with a stray "\n"; that key is refused, the clean one used. */
	ck_assert_ptr_nonnull(cJSON_GetStringValue(key_item));
	snprintf(key, sizeof(key), "%s", cJSON_GetStringValue(key_item));
	n = strlen(key);
	ck_assert_uint_gt(n, 2);
	ck_assert_str_eq(key + n - 2, "\\n");
	ck_assert_ptr_null(bridge_command_add_key_json("b0e38dc177e66000", "11cc0f6aaeb07dad", 54068, key));
	key[n - 2] = '\0';
	ck_assert_str_eq(key, "d0M4Ab2eyBNdnNl0NoSLGQ==");
	json = bridge_command_add_key_json(
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "bridge_address")),
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "device_address")),
		(uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "command_id")), key);
	ck_assert_ptr_nonnull(json);
	mine = cJSON_Parse(json);
	ck_assert_ptr_nonnull(mine);
	ck_assert(cJSON_Compare(mine, v, 1) == 0);
	cJSON_SetValuestring(key_item, key);
	ck_assert(cJSON_Compare(mine, v, 1));
	cJSON_Delete(mine);
	free(json);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_device_command)
{
	static const uint8_t payload[] = { 1, 0, 1, 0, 0xff };
	char *json = bridge_command_device_json("b0e38dc177e66000", "11cc0f6aaeb07dad", 4000000000u, "AQABAP8=");
	char *again = bridge_command_device_json_bytes("b0e38dc177e66000", "11cc0f6aaeb07dad", 4000000000u, payload,
						       sizeof(payload));
	cJSON *mine, *want;

	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(again);
	ck_assert_str_eq(json, again);
	mine = cJSON_Parse(json);
	want = cJSON_Parse("{\"type\": \"DeviceCommand\", \"bridge_address\": \"b0e38dc177e66000\", "
			   "\"device_address\": \"11cc0f6aaeb07dad\", \"command_id\": 4000000000, "
			   "\"timestamp\": \"0\", \"binary_payload\": \"AQABAP8=\"}");
	ck_assert_ptr_nonnull(mine);
	ck_assert_ptr_nonnull(want);
	ck_assert(cJSON_Compare(mine, want, 1));
	ck_assert(strstr(json, "4000000000") != NULL);
	cJSON_Delete(mine);
	cJSON_Delete(want);
	free(json);
	free(again);
}
END_TEST

START_TEST(test_refusals)
{
	static const char *const bad_keys[] = {
		NULL, "", "F7D9bmztHV32+WJScGZR0g", "F7D9bmztHV32+WJScGZR0g==\n", "F7D9bmztHV32+WJScGZR",
		"F7D9bmztHV32+WJScGZR0g0=AAAA", "F7D9bmztHV32+WJScGZR0!==",
	};
	char long_address[BRIDGE_COMMAND_MAX_ADDRESS + 2];
	size_t i;

	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
		ck_assert_msg(bridge_command_add_key_json("b", "d", 1, bad_keys[i]) == NULL, "key %zu accepted", i);
	memset(long_address, 'a', sizeof(long_address) - 1);
	long_address[sizeof(long_address) - 1] = '\0';
	ck_assert_ptr_null(bridge_command_add_key_json(long_address, "d", 1, "F7D9bmztHV32+WJScGZR0g=="));
	long_address[BRIDGE_COMMAND_MAX_ADDRESS] = '\0';
	free(bridge_command_add_key_json(long_address, "d", 1, "F7D9bmztHV32+WJScGZR0g=="));
	ck_assert_ptr_null(bridge_command_add_key_json("b", "d", 0, "F7D9bmztHV32+WJScGZR0g=="));
	ck_assert_ptr_null(bridge_command_add_key_json(NULL, "d", 1, "F7D9bmztHV32+WJScGZR0g=="));
	ck_assert_ptr_null(bridge_command_add_key_json("b", "", 1, "F7D9bmztHV32+WJScGZR0g=="));
	ck_assert_ptr_null(bridge_command_add_key_json("b\n", "d", 1, "F7D9bmztHV32+WJScGZR0g=="));
	ck_assert_ptr_null(bridge_command_device_json("b", "d", 1, ""));
	ck_assert_ptr_null(bridge_command_device_json("b", "d", 1, "AQAB AP8="));
	ck_assert_ptr_null(bridge_command_device_json("b", "d", 1, NULL));
	ck_assert_ptr_null(bridge_command_device_json("b", "d", 0, "AQABAP8="));
	ck_assert_ptr_null(bridge_command_device_json("b", NULL, 1, "AQABAP8="));
	ck_assert_ptr_null(bridge_command_device_json_bytes("b", "d", 1, NULL, 0));
}
END_TEST

START_TEST(test_escaping)
{
	/* Quotes and backslashes in an address stay inside the string. */
	char *json = bridge_command_device_json("a\"b\\c", "d", 1, "AQABAP8=");
	cJSON *mine;

	ck_assert_ptr_nonnull(json);
	mine = cJSON_Parse(json);
	ck_assert_ptr_nonnull(mine);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(mine, "bridge_address")), "a\"b\\c");
	ck_assert_int_eq(cJSON_GetArraySize(mine), 6);
	cJSON_Delete(mine);
	free(json);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bridge_command");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_seed_add_key);
	tcase_add_test(tc, test_real_add_key_without_newline);
	tcase_add_test(tc, test_device_command);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
