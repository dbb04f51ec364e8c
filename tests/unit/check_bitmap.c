/* check_bitmap.c: unit tests of the bitmap and greymap types. */
#include <stdlib.h>

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
	struct greymap *gm = greymap_new(4, 1);
	struct bitmap *bm;
	struct greymap *back;

	gm->pixels[0] = 0;
	gm->pixels[1] = 127;
	gm->pixels[2] = 128;
	gm->pixels[3] = 255;
	bm = bitmap_from_greymap_threshold(gm);
	ck_assert_uint_eq(bm->pixels[0], 1);
	ck_assert_uint_eq(bm->pixels[1], 1);
	ck_assert_uint_eq(bm->pixels[2], 0);
	ck_assert_uint_eq(bm->pixels[3], 0);
	back = greymap_from_bitmap(bm);
	ck_assert_uint_eq(back->pixels[0], 0);
	ck_assert_uint_eq(back->pixels[1], 0);
	ck_assert_uint_eq(back->pixels[2], 255);
	ck_assert_uint_eq(back->pixels[3], 255);
	greymap_free(gm);
	greymap_free(back);
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
	tcase_add_test(tc, test_equal);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
