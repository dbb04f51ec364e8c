/* check_bitmap.c: unit tests of the bitmap and greymap types. */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "test_util.h"

START_TEST(test_new_is_white_and_bounded)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS);
	int x, y;

	ck_assert_ptr_nonnull(bm);
	for (y = 0; y < bm->height; y += 999)
		for (x = 0; x < bm->width; x++)
			ck_assert_uint_eq(bitmap_get(bm, x, y), 0);
	bitmap_free(bm);

	ck_assert_ptr_null(bitmap_new(0, 5));
	ck_assert_ptr_null(bitmap_new(5, -1));
	ck_assert_ptr_null(bitmap_new(BITMAP_MAX_SIDE + 1, 1));
	ck_assert_ptr_null(bitmap_new(BITMAP_MAX_SIDE, BITMAP_MAX_SIDE));
	ck_assert_ptr_null(greymap_new(1, 0));
}
END_TEST

START_TEST(test_threshold_and_back)
{
	/* 11 pixels: one whole byte, then three pixels and five padding bits. */
	static const uint8_t grey[11] = { 0, 127, 128, 255, 255, 255, 255, 10, 255, 100, 200 };
	struct greymap *gm = greymap_new(11, 1);
	struct bitmap *bm;
	struct greymap *back;
	int x;

	memcpy(gm->pixels, grey, sizeof(grey));
	bm = bitmap_from_greymap_threshold(gm);
	ck_assert_uint_eq(bm->stride, 2);
	ck_assert_uint_eq(bm->bits[0], 0xc1); /* 1100 0001 */
	ck_assert_uint_eq(bm->bits[1], 0x40); /* 010, then padding 0 */
	for (x = 0; x < 11; x++)
		ck_assert_uint_eq(bitmap_get(bm, x, 0), grey[x] < 128);
	ck_assert_uint_eq(bitmap_count_black(bm), 4);
	back = greymap_from_bitmap(bm);
	for (x = 0; x < 11; x++)
		ck_assert_uint_eq(back->pixels[x], grey[x] < 128 ? 0 : 255);
	greymap_free(gm);
	greymap_free(back);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_packed_layout)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, 3);
	int x;

	ck_assert_ptr_nonnull(bm);
	/* A printer row is 48 bytes, the leftmost pixel in the top bit of the first. */
	ck_assert_uint_eq(bm->stride, 48);
	bitmap_set(bm, 0, 1, 1);
	bitmap_set(bm, 9, 1, 1);
	bitmap_set(bm, PRINTER_WIDTH - 1, 2, 1);
	ck_assert_uint_eq(bm->bits[48], 0x80);
	ck_assert_uint_eq(bm->bits[49], 0x40);
	ck_assert_uint_eq(bm->bits[3 * 48 - 1], 0x01);
	ck_assert_uint_eq(bitmap_count_black(bm), 3);
	bitmap_set(bm, 9, 1, 0);
	ck_assert_uint_eq(bm->bits[49], 0);
	for (x = 0; x < PRINTER_WIDTH; x++)
		ck_assert_uint_eq(bitmap_get(bm, x, 0), 0);
	ck_assert_uint_eq(bitmap_last_byte_mask(PRINTER_WIDTH), 0xff);
	ck_assert_uint_eq(bitmap_last_byte_mask(11), 0xe0);
	ck_assert_uint_eq(bitmap_last_byte_mask(1), 0x80);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_equal)
{
	struct bitmap *a = bitmap_new(3, 2), *b = bitmap_new(3, 2), *c = bitmap_new(2, 3);

	ck_assert(bitmap_equal(a, b));
	ck_assert(!bitmap_equal(a, c));
	bitmap_set(b, 2, 1, 1);
	ck_assert_uint_eq(bitmap_get(b, 2, 1), 1);
	ck_assert(!bitmap_equal(a, b));
	bitmap_free(a);
	bitmap_free(b);
	bitmap_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bitmap");
	TCase *tc = tcase_create("types");

	tcase_add_test(tc, test_new_is_white_and_bounded);
	tcase_add_test(tc, test_threshold_and_back);
	tcase_add_test(tc, test_packed_layout);
	tcase_add_test(tc, test_equal);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
