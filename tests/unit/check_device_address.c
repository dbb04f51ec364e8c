/* check_device_address.c: unit tests of device address validation and the hardware xor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_address.h"
#include "test_util.h"

/* Checks every {device_address, hardware_xor} object of a JSON array; returns how many. */
static int check_xor_list(const cJSON *list)
{
	const cJSON *item;
	int count = 0;

	ck_assert(cJSON_IsArray(list));
	cJSON_ArrayForEach(item, list) {
		const char *address = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "device_address"));
		const cJSON *expected = cJSON_GetObjectItemCaseSensitive(item, "hardware_xor");
		uint32_t xor_value = 0xdeadbeef;

		ck_assert_ptr_nonnull(address);
		ck_assert(cJSON_IsNumber(expected));
		ck_assert_msg(device_address_valid(address), "%s refused", address);
		ck_assert_int_eq(device_address_hardware_xor(address, &xor_value), 0);
		ck_assert_msg(xor_value == (uint32_t)expected->valuedouble,
			      "%s: xor %u, expected %.0f", address, (unsigned)xor_value, expected->valuedouble);
		count++;
	}
	return count;
}

START_TEST(test_seed_hardware_xor)
{
	cJSON *json = vector_json("seed/claim_codes.json");

	ck_assert_int_eq(check_xor_list(cJSON_GetObjectItemCaseSensitive(json, "hardware_xor")), 3);
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_generated_hardware_xor)
{
	cJSON *json = vector_json("generated/hardware_xor.json");

	ck_assert_int_eq(check_xor_list(json), 40);
	cJSON_Delete(json);
}
END_TEST

/* The real printer file: its address gives the xor written beside it. */
START_TEST(test_real_printer)
{
	size_t len;
	char *text = (char *)vector_read("real/11cc0f6aaeb07dad.printer", &len);
	char address[32] = "", *line;
	unsigned long file_xor = 0;
	uint32_t xor_value = 0;

	line = strstr(text, "address:");
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(sscanf(line, "address: %31s", address), 1);
	line = strstr(text, "xor:");
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(sscanf(line, "xor: %lu", &file_xor), 1);
	ck_assert_str_eq(address, "11cc0f6aaeb07dad");
	ck_assert_int_eq(device_address_hardware_xor(address, &xor_value), 0);
	ck_assert_uint_eq(xor_value, file_xor);
	ck_assert_uint_eq(xor_value, 13311906);
	free(text);
}
END_TEST

START_TEST(test_validity)
{
	static const char *const good[] = {
		"000d6f000273ce0b", "0123456789abcdef", "ffffffffffffffff", "0000000000000000",
	};
	static const char *const bad[] = {
		"", "000d6f000273ce0", "000d6f000273ce0b0", "000D6F000273CE0B", "000d6f000273ce0g",
		"000d6f000273ce0b\n", " 000d6f000273ce0", "000d6f00-273ce0b", "0x0d6f000273ce0b",
		"000d6f000273ce0\xc3", "0000000000000000 ",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(device_address_valid(good[i]) == 1, "refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(device_address_valid(bad[i]) == 0, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(device_address_valid(NULL), 0);
}
END_TEST

/* An address without its NUL where one is due is refused without reading past byte 17. */
START_TEST(test_reads_no_further)
{
	char *buffer = malloc(DEVICE_ADDRESS_LEN + 1);

	ck_assert_ptr_nonnull(buffer);
	memset(buffer, 'a', DEVICE_ADDRESS_LEN + 1);
	ck_assert_int_eq(device_address_valid(buffer), 0);
	buffer[DEVICE_ADDRESS_LEN] = '\0';
	ck_assert_int_eq(device_address_valid(buffer), 1);
	free(buffer);
}
END_TEST

START_TEST(test_invalid_address_has_no_xor)
{
	uint32_t xor_value = 42;

	ck_assert_int_eq(device_address_hardware_xor("000D6F000273CE0B", &xor_value), -1);
	ck_assert_int_eq(device_address_hardware_xor("", &xor_value), -1);
	ck_assert_int_eq(device_address_hardware_xor(NULL, &xor_value), -1);
	ck_assert_uint_eq(xor_value, 42);
}
END_TEST

START_TEST(test_parse)
{
	static const uint8_t expected[DEVICE_ADDRESS_BYTES] = { 0x00, 0x0d, 0x6f, 0x00, 0x02, 0x73, 0xce, 0x0b };
	uint8_t bytes[DEVICE_ADDRESS_BYTES];
	struct sirius_error err = { "" };

	ck_assert_int_eq(device_address_parse("000d6f000273ce0b", bytes, &err), 0);
	ck_assert_mem_eq(bytes, expected, sizeof(expected));
	ck_assert_int_eq(device_address_parse("000d6f000273ce0", bytes, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "16 lower-case hex digits"));
	ck_assert_int_eq(device_address_parse("nope", bytes, NULL), -1);
}
END_TEST

/* The xor formula itself, one byte at a time: each byte lands in its documented lane. */
START_TEST(test_xor_lanes)
{
	/* Written big-endian: written byte i is b[7 - i]. */
	static const struct {
		const char *address; /* a device address */
		uint32_t xor_value;  /* its hardware xor */
	} cases[] = {
		{ "0000000000000001", 0x000001 }, /* b0 -> low byte */
		{ "0000000000000100", 0x000100 }, /* b1 -> middle */
		{ "0000000000010000", 0x010000 }, /* b2 -> high */
		{ "0000000001000000", 0x000100 }, /* b3 -> middle */
		{ "0000000100000000", 0x010000 }, /* b4 -> high */
		{ "0000010000000000", 0x000001 }, /* b5 -> low */
		{ "0001000000000000", 0x000100 }, /* b6 -> middle */
		{ "0100000000000000", 0x010000 }, /* b7 -> high */
		{ "ffffffffffffffff", 0xffff00 }, /* three equal bytes stay, two cancel */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t xor_value = 0;

		ck_assert_int_eq(device_address_hardware_xor(cases[i].address, &xor_value), 0);
		ck_assert_msg(xor_value == cases[i].xor_value, "%s: %06x", cases[i].address, (unsigned)xor_value);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device_address");
	TCase *tc = tcase_create("address");

	tcase_add_test(tc, test_seed_hardware_xor);
	tcase_add_test(tc, test_generated_hardware_xor);
	tcase_add_test(tc, test_real_printer);
	tcase_add_test(tc, test_validity);
	tcase_add_test(tc, test_reads_no_further);
	tcase_add_test(tc, test_invalid_address_has_no_xor);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_xor_lanes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
