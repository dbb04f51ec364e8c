/* check_crc16.c: unit tests of CRC-16/CCITT-FALSE. */
#include <string.h>

#include "crc16.h"
#include "test_util.h"

/* The catalogue's check value, and values from an independent implementation (Python's binascii.crc_hqx). */
START_TEST(test_known_values)
{
	static const uint8_t zeros[8] = { 0 };
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t counting[256];
	size_t i;

	for (i = 0; i < sizeof(counting); i++)
		counting[i] = (uint8_t)i;
	ck_assert_uint_eq(crc16_ccitt((const uint8_t *)"123456789", 9), 0x29B1);
	ck_assert_uint_eq(crc16_ccitt((const uint8_t *)"A", 1), 0xB915);
	ck_assert_uint_eq(crc16_ccitt(zeros, sizeof(zeros)), 0x313E);
	ck_assert_uint_eq(crc16_ccitt(ones, sizeof(ones)), 0x97DF);
	ck_assert_uint_eq(crc16_ccitt((const uint8_t *)fox, strlen(fox)), 0x8FDD);
	ck_assert_uint_eq(crc16_ccitt(counting, sizeof(counting)), 0x3FBD);
}
END_TEST

/* No bytes leave the initial register untouched (no final xor). */
START_TEST(test_empty)
{
	ck_assert_uint_eq(crc16_ccitt(NULL, 0), 0xFFFF);
	ck_assert_uint_eq(crc16_ccitt((const uint8_t *)"x", 0), 0xFFFF);
	ck_assert_uint_eq(crc16_ccitt_update(0x1234, NULL, 0), 0x1234);
}
END_TEST

/* Feeding a message in two pieces at every split gives the one-shot value. */
START_TEST(test_update_in_pieces)
{
	static const char text[] = "123456789";
	size_t split;

	for (split = 0; split <= 9; split++) {
		uint16_t crc = crc16_ccitt_update(CRC16_CCITT_INIT, (const uint8_t *)text, split);

		crc = crc16_ccitt_update(crc, (const uint8_t *)text + split, 9 - split);
		ck_assert_uint_eq(crc, 0x29B1);
	}
}
END_TEST

/* Every single-bit change of an 8-byte message changes the CRC. */
START_TEST(test_detects_single_bit_errors)
{
	uint8_t data[8] = { 0x45, 0x23, 0x01, 0xef, 0xcd, 0xab, 0x89, 0x67 };
	uint16_t good = crc16_ccitt(data, sizeof(data));
	size_t bit;

	for (bit = 0; bit < 64; bit++) {
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_uint_ne(crc16_ccitt(data, sizeof(data)), good);
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert_uint_eq(crc16_ccitt(data, sizeof(data)), good);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crc16");
	TCase *tc = tcase_create("ccitt");

	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_update_in_pieces);
	tcase_add_test(tc, test_detects_single_bit_errors);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
