/* check_rle.c: unit tests of the printer's run-length code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rle.h"
#include "test_util.h"

/* Parses hex text (no separators) into out; returns the number of bytes. */
static size_t from_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;

	ck_assert_uint_le(n, max);
	for (i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Checks that a run of run pixels codes to exactly the bytes of hex. */
static void check_run(size_t run, const char *hex)
{
	uint8_t want[64], got[64];
	size_t n = from_hex(hex, want, sizeof(want));

	ck_assert_uint_eq(rle_run_size(run), n);
	ck_assert_uint_eq(rle_put_run(got, run), n);
	ck_assert_msg(memcmp(got, want, n) == 0, "run %zu codes wrongly", run);
}

START_TEST(test_run_bytes)
{
	check_run(0, "00");
	check_run(1, "01");
	check_run(250, "fa");
	check_run(251, "fb");
	check_run(252, "fb0001");
	check_run(383, "fb0084");
	check_run(384, "fc");
	check_run(385, "fc0001");
	check_run(502, "fc0076");
	check_run(635, "fc00fb");
	check_run(768, "fd");
	check_run(1148, "fd00fb0081");
	check_run(1152, "fe");
	check_run(1536, "ff");
	check_run(1537, "ff0001");
	check_run(1787, "ff00fb");
	check_run(1915, "ff00fb0080");
	check_run(3000, "ff00fe00fb003d");
	check_run(3072, "ff00ff");
}
END_TEST

/*
 * Codes a white run of white pixels then a black run of black pixels (in
 * stream order: a one-row bitmap read from its right end), checks the bytes
 * and decodes back.
 */
static void check_two_runs(size_t white, size_t black, const char *hex)
{
	size_t n = white + black, len, count, x;
	struct bitmap *bm = bitmap_new((int)n, 1), *back;
	uint8_t *code, want[64];
	size_t want_len = from_hex(hex, want, sizeof(want));

	ck_assert_ptr_nonnull(bm);
	for (x = 0; x < black; x++)
		bitmap_set(bm, (int)x, 0, 1);
	ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
	ck_assert_uint_eq(len, want_len);
	ck_assert_msg(memcmp(code, want, len) == 0, "runs %zu/%zu code wrongly", white, black);
	ck_assert_int_eq(rle_pixel_count(code, len, n, &count, NULL), 0);
	ck_assert_uint_eq(count, n);
	back = rle_decode_bitmap(code, len, (int)n, n, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	bitmap_free(back);
	bitmap_free(bm);
	free(code);
}

/*
 * The code of bm the slow way, pixel by pixel from the bottom right, with
 * rle_put_run: what the word-at-a-time encoder must match byte for byte.
 */
static uint8_t *reference_code(const struct bitmap *bm, size_t *len)
{
	size_t n = (size_t)bm->width * (size_t)bm->height, i = 0, pos = 0;
	uint8_t *out = malloc(n + 1);
	uint8_t colour = 0;

	ck_assert_ptr_nonnull(out);
	while (i < n) {
		size_t j = i;

		while (j < n && bitmap_get(bm, (int)((n - 1 - j) % (size_t)bm->width),
					   (int)((n - 1 - j) / (size_t)bm->width)) == colour)
			j++;
		pos += rle_put_run(out + pos, j - i);
		colour ^= 1;
		i = j;
	}
	*len = pos;
	return out;
}

START_TEST(test_long_runs_round_trip)
{
	check_two_runs(252, 384, "fb0001fc");
	check_two_runs(384, 252, "fcfb0001");
	check_two_runs(1536, 1537, "ffff0001");
	check_two_runs(1537, 3000, "ff0001ff00fe00fb003d");
	check_two_runs(3000, 1, "ff00fe00fb003d01");
	check_two_runs(251, 251, "fbfb");
	check_two_runs(0, 252, "00fb0001");
	check_two_runs(0, 3000, "00ff00fe00fb003d");
}
END_TEST

/* Checks an all-black or all-white 384 x 10000 bitmap: its exact code and the way back. */
static void check_full_page(int black)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS), *back;
	size_t n = (size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS, len, i, pos = 0;
	uint8_t *code;

	ck_assert_ptr_nonnull(bm);
	memset(bm->bits, black ? 0xff : 0, bm->stride * (size_t)bm->height);
	ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
	/* 3,840,000 pixels are exactly 2500 chunks of 1536: ff, then 00 ff 2499 times. */
	ck_assert_uint_eq(len, (black ? 1u : 0u) + 1 + 2 * 2499);
	if (black)
		ck_assert_uint_eq(code[pos++], 0);
	ck_assert_uint_eq(code[pos++], 0xff);
	for (i = 0; i < 2499; i++) {
		ck_assert_uint_eq(code[pos++], 0);
		ck_assert_uint_eq(code[pos++], 0xff);
	}
	back = rle_decode_bitmap(code, len, PRINTER_WIDTH, n, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	ck_assert_ptr_null(rle_decode_bitmap(code, len, PRINTER_WIDTH, n - 1, NULL));
	bitmap_free(back);
	bitmap_free(bm);
	free(code);
}

START_TEST(test_full_page_black)
{
	check_full_page(1);
}
END_TEST

START_TEST(test_full_page_white)
{
	check_full_page(0);
}
END_TEST

START_TEST(test_seed_3x3_checkerboard)
{
	cJSON *v = vector_json("seed/device_commands.json");
	cJSON *rle3 = cJSON_GetObjectItemCaseSensitive(v, "rle_3x3");
	const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rle3, "rle_block_hex"));
	struct bitmap *bm = bitmap_new(3, 3), *back;
	uint8_t want[64], *code;
	size_t want_len, len;
	int x, y;

	ck_assert_ptr_nonnull(hex);
	ck_assert_int_eq(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rle3, "pixel_count")), 9);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 3; x++)
			bitmap_set(bm, x, y, (x + y) % 2);
	want_len = from_hex(hex, want, sizeof(want));
	/* The block: marker 1, uint32 length, the code. */
	ck_assert_uint_eq(want[0], 1);
	ck_assert_uint_eq(want[1] | want[2] << 8 | want[3] << 16 | (uint32_t)want[4] << 24, want_len - 5);
	ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
	ck_assert_uint_eq(len, want_len - 5);
	ck_assert(memcmp(code, want + 5, len) == 0);
	back = rle_decode_bitmap(want + 5, want_len - 5, 3, 9, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	bitmap_free(back);
	bitmap_free(bm);
	free(code);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_leading_empty_run)
{
	/* 3 x 2, only the bottom right pixel black: the first coded pixel is black. */
	static const uint8_t want[] = { 0x00, 0x01, 0x05 };
	struct bitmap *bm = bitmap_new(3, 2), *back;
	uint8_t *code;
	size_t len;

	bitmap_set(bm, 2, 1, 1);
	ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert(memcmp(code, want, len) == 0);
	back = rle_decode_bitmap(code, len, 3, 100, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	ck_assert_uint_eq(bitmap_get(back, 2, 1), 1);
	ck_assert_uint_eq(bitmap_get(back, 0, 0), 0);
	bitmap_free(back);
	/* Without the leading 0 (the old Python server's bug) the image comes out inverted. */
	back = rle_decode_bitmap(code + 1, len - 1, 3, 100, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(bitmap_get(back, 2, 1), 0);
	ck_assert_uint_eq(bitmap_get(back, 0, 0), 1);
	bitmap_free(back);
	free(code);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_rotation)
{
	/* 2 x 2: top row black, bottom row white; coded from the bottom right: 2 white, 2 black. */
	static const uint8_t want[] = { 0x02, 0x02 };
	struct bitmap *bm = bitmap_new(2, 2);
	uint8_t *code;
	size_t len;

	bitmap_set(bm, 0, 0, 1);
	bitmap_set(bm, 1, 0, 1);
	ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert(memcmp(code, want, 2) == 0);
	free(code);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_random_bitmaps_round_trip)
{
	uint32_t seed = 12345;
	int round;

	for (round = 0; round < 300; round++) {
		int w = 1 + (int)(test_random(&seed) % 400), h = 1 + (int)(test_random(&seed) % 40);
		struct bitmap *bm = bitmap_new(w, h), *back;
		size_t n = (size_t)w * (size_t)h, i = 0, len, ref_len;
		uint8_t colour = test_random(&seed) & 1, *code, *ref;

		/* Runs of random lengths, some long, so every kind of run byte shows up. */
		while (i < n) {
			size_t run = test_random(&seed) % (round % 3 == 0 ? 4000 : 300);

			for (; run > 0 && i < n; run--, i++)
				bitmap_set(bm, (int)(i % (size_t)w), (int)(i / (size_t)w), colour);
			colour ^= 1;
		}
		ck_assert_int_eq(rle_encode_bitmap(bm, &code, &len, NULL), 0);
		ck_assert_uint_le(len, n + 1);
		ref = reference_code(bm, &ref_len);
		ck_assert_uint_eq(len, ref_len);
		ck_assert_msg(memcmp(code, ref, len) == 0, "round %d (%d x %d) codes unlike the reference", round, w, h);
		free(ref);
		back = rle_decode_bitmap(code, len, w, n, NULL);
		ck_assert_msg(back != NULL, "round %d does not decode", round);
		ck_assert_msg(bitmap_equal(bm, back), "round %d decodes differently", round);
		bitmap_free(back);
		bitmap_free(bm);
		free(code);
	}
}
END_TEST

/* Counts the pixels of hex and checks the count (or, for want < 0, that the code is refused). */
static void check_decode(const char *hex, size_t max, long want)
{
	uint8_t code[64];
	size_t len = from_hex(hex, code, sizeof(code)), count = 0;
	struct sirius_error err = { "" };
	int rc = rle_pixel_count(code, len, max, &count, &err);

	if (want < 0) {
		ck_assert_msg(rc == -1, "accepted %s", hex);
		ck_assert_msg(err.message[0] != '\0', "no reason for refusing %s", hex);
		ck_assert_ptr_null(rle_decode_bitmap(code, len, 1, max, NULL));
	} else {
		ck_assert_msg(rc == 0, "refused %s: %s", hex, err.message);
		ck_assert_uint_eq(count, (size_t)want);
	}
}

START_TEST(test_decoder_zero_bytes)
{
	static const uint8_t code[] = { 0x05, 0x00, 0x03 };
	struct bitmap *bm;

	check_decode("", 10, 0);
	check_decode("000005", 10, 5);     /* empty white, empty black, 5 white */
	check_decode("050003", 10, 8);     /* a 0 after a short run is an empty run */
	check_decode("fb0005", 300, 256);  /* a 0 after a chunk continues the run */
	check_decode("fb05", 300, 256);    /* 251 white then 5 black */
	check_decode("fb00fb00fb", 800, 753);
	check_decode("fb00", 300, -1);     /* ends inside a run */
	check_decode("fb0000", 300, -1);   /* continues with nothing */
	check_decode("ff00ff", 3071, -1);  /* over the bound */
	check_decode("ff00ff", 3072, 3072);
	check_decode("0101", 1, -1);
	/* 5 white, empty black, 3 white: eight white pixels. */
	bm = rle_decode_bitmap(code, sizeof(code), 8, 100, NULL);
	ck_assert_ptr_nonnull(bm);
	ck_assert_int_eq(bm->height, 1);
	ck_assert_uint_eq(bitmap_count_black(bm), 0);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_decode_bitmap_refusals)
{
	static const uint8_t five[] = { 0x02, 0x03 };
	struct sirius_error err = { "" };
	struct bitmap *bm;

	ck_assert_ptr_null(rle_decode_bitmap(five, sizeof(five), 2, 100, &err));
	ck_assert(strstr(err.message, "rows of 2") != NULL);
	ck_assert_ptr_null(rle_decode_bitmap(five, 0, 1, 100, NULL));
	ck_assert_ptr_null(rle_decode_bitmap(five, sizeof(five), 0, 100, NULL));
	ck_assert_ptr_null(rle_decode_bitmap(five, sizeof(five), 5, 4, NULL));
	bm = rle_decode_bitmap(five, sizeof(five), 5, 5, NULL);
	ck_assert_ptr_nonnull(bm);
	ck_assert_int_eq(bm->width, 5);
	ck_assert_int_eq(bm->height, 1);
	/* 2 white then 3 black from the right end: black at the left. */
	ck_assert_uint_eq(bitmap_get(bm, 0, 0), 1);
	ck_assert_uint_eq(bitmap_get(bm, 2, 0), 1);
	ck_assert_uint_eq(bitmap_get(bm, 3, 0), 0);
	ck_assert_uint_eq(bm->bits[0], 0xe0);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_padded_layout)
{
	/* 7 pixels at width 3: the stream fills the bottom two rows from the right, then the top row's right end. */
	static const uint8_t code[] = { 0x00, 0x07 };
	struct sirius_error err = { "" };
	size_t padding = 99;
	struct bitmap *bm = rle_decode_bitmap_padded(code, sizeof(code), 3, 100, &padding, &err);

	ck_assert_msg(bm != NULL, "%s", err.message);
	ck_assert_int_eq(bm->height, 3);
	ck_assert_uint_eq(padding, 2);
	ck_assert_uint_eq(bitmap_count_black(bm), 7);
	ck_assert_uint_eq(bitmap_get(bm, 0, 0), 0);
	ck_assert_uint_eq(bitmap_get(bm, 1, 0), 0);
	ck_assert_uint_eq(bitmap_get(bm, 2, 0), 1);
	ck_assert_uint_eq(bm->bits[0], 0x20);
	bitmap_free(bm);
	ck_assert_ptr_null(rle_decode_bitmap(code, sizeof(code), 3, 100, &err));
	ck_assert(strstr(err.message, "rows of 3") != NULL);
}
END_TEST

START_TEST(test_fuzz_decoder)
{
	uint32_t seed = 777;
	uint8_t buf[512];
	int round;

	for (round = 0; round < 4000; round++) {
		size_t len = test_random(&seed) % sizeof(buf), i, count, padding;
		size_t max = 1 + test_random(&seed) % 20000;
		int width = 1 + (int)(test_random(&seed) % 400);
		struct bitmap *bm;

		for (i = 0; i < len; i++) {
			uint32_t r = test_random(&seed);

			/* Mostly the interesting bytes: 0 and the chunk bytes. */
			buf[i] = (r & 3) == 0 ? 0 : (r & 3) == 1 ? (uint8_t)(251 + (r >> 8) % 5) : (uint8_t)(r >> 8);
		}
		if (rle_pixel_count(buf, len, max, &count, NULL) == 0)
			ck_assert_uint_le(count, max);
		bm = rle_decode_bitmap_padded(buf, len, width, max, &padding, NULL);
		if (bm) {
			int y;

			ck_assert_uint_eq((size_t)bm->width * (size_t)bm->height - padding, count);
			ck_assert_uint_lt(padding, (size_t)width);
			/* Padding bits stay clear. */
			for (y = 0; y < bm->height; y++)
				ck_assert_uint_eq(bitmap_row(bm, y)[bm->stride - 1] & ~bitmap_last_byte_mask(width), 0);
			bitmap_free(bm);
		}
		bm = rle_decode_bitmap(buf, len, width, max, NULL);
		if (bm) {
			ck_assert_uint_le((size_t)bm->width * (size_t)bm->height, max);
			bitmap_free(bm);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rle");
	TCase *tc = tcase_create("code");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_run_bytes);
	tcase_add_test(tc, test_long_runs_round_trip);
	tcase_add_test(tc, test_full_page_black);
	tcase_add_test(tc, test_full_page_white);
	tcase_add_test(tc, test_seed_3x3_checkerboard);
	tcase_add_test(tc, test_leading_empty_run);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_random_bitmaps_round_trip);
	tcase_add_test(tc, test_decoder_zero_bytes);
	tcase_add_test(tc, test_decode_bitmap_refusals);
	tcase_add_test(tc, test_padded_layout);
	tcase_add_test(tc, test_fuzz_decoder);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
