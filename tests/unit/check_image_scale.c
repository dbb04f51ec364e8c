/* check_image_scale.c: unit tests of grey image resizing (area average down, bilinear up). */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "image_scale.h"
#include "test_util.h"

static struct greymap *noise_greymap(int width, int height, uint32_t seed)
{
	struct greymap *gm = greymap_new(width, height);
	size_t i;

	ck_assert_ptr_nonnull(gm);
	for (i = 0; i < (size_t)width * (size_t)height; i++)
		gm->pixels[i] = (uint8_t)test_random(&seed);
	return gm;
}

static double mean_of(const struct greymap *gm)
{
	uint64_t sum = 0;
	size_t i, n = (size_t)gm->width * (size_t)gm->height;

	for (i = 0; i < n; i++)
		sum += gm->pixels[i];
	return (double)sum / (double)n;
}

START_TEST(test_sizes)
{
	static const int sizes[][4] = {
		{ 100, 80, 37, 23 }, { 10, 10, 33, 47 }, { 1600, 1200, 384, 288 }, { 7, 300, 300, 7 },
		{ 1, 1, 5, 5 }, { 3000, 1, 1, 1 }, { 50, 50, 50, 50 }, { 384, 10, 384, 1000 },
	};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct greymap *src = noise_greymap(sizes[i][0], sizes[i][1], 7);
		struct greymap *dst = greymap_scale(src, sizes[i][2], sizes[i][3]);

		ck_assert_ptr_nonnull(dst);
		ck_assert_int_eq(dst->width, sizes[i][2]);
		ck_assert_int_eq(dst->height, sizes[i][3]);
		greymap_free(src);
		greymap_free(dst);
	}
}
END_TEST

START_TEST(test_bad_sizes)
{
	struct greymap *src = noise_greymap(20, 20, 3);

	ck_assert_ptr_null(greymap_scale(src, 0, 10));
	ck_assert_ptr_null(greymap_scale(src, 10, -1));
	ck_assert_ptr_null(greymap_scale(src, BITMAP_MAX_SIDE + 1, 1));
	ck_assert_ptr_null(greymap_fit_width(src, 0, 100));
	ck_assert_ptr_null(greymap_fit_width(NULL, 10, 100));
	greymap_free(src);
}
END_TEST

START_TEST(test_flat_image_stays_flat)
{
	static const int sizes[][2] = { { 13, 7 }, { 200, 150 }, { 64, 48 }, { 1, 1 } };
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct greymap *src = greymap_new(64, 48), *dst;

		ck_assert_ptr_nonnull(src);
		memset(src->pixels, 77, 64 * 48);
		dst = greymap_scale(src, sizes[i][0], sizes[i][1]);
		ck_assert_ptr_nonnull(dst);
		for (j = 0; j < (size_t)dst->width * (size_t)dst->height; j++)
			ck_assert_int_eq(dst->pixels[j], 77);
		greymap_free(src);
		greymap_free(dst);
	}
}
END_TEST

START_TEST(test_mean_brightness_kept)
{
	static const int sizes[][4] = {
		{ 1600, 1200, 384, 288 }, { 997, 503, 384, 194 }, { 100, 100, 33, 33 },
		{ 50, 40, 384, 307 }, { 300, 200, 299, 201 },
	};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct greymap *src = noise_greymap(sizes[i][0], sizes[i][1], (uint32_t)i + 1);
		struct greymap *dst;
		double before, after;
		int x, y;

		/* A gradient under the noise, so the mean is not just 127.5. */
		for (y = 0; y < src->height; y++)
			for (x = 0; x < src->width; x++) {
				uint8_t *p = &src->pixels[(size_t)y * (size_t)src->width + (size_t)x];

				*p = (uint8_t)(*p / 2 + 100 * x / src->width);
			}
		dst = greymap_scale(src, sizes[i][2], sizes[i][3]);
		ck_assert_ptr_nonnull(dst);
		before = mean_of(src);
		after = mean_of(dst);
		ck_assert_msg(after > before - 1.0 && after < before + 1.0, "%dx%d -> %dx%d: mean %.2f became %.2f",
			      sizes[i][0], sizes[i][1], sizes[i][2], sizes[i][3], before, after);
		greymap_free(src);
		greymap_free(dst);
	}
}
END_TEST

START_TEST(test_halving_averages_blocks)
{
	struct greymap *src = greymap_new(8, 8), *dst;
	int x, y;

	ck_assert_ptr_nonnull(src);
	/* A checkerboard of single pixels averages to mid grey; 2x2 blocks of 40 and 200 stay. */
	for (y = 0; y < 8; y++)
		for (x = 0; x < 8; x++)
			src->pixels[y * 8 + x] = x < 4 ? (uint8_t)(((x + y) & 1) ? 255 : 0)
					       : (uint8_t)(((x / 2 + y / 2) & 1) ? 200 : 40);
	dst = greymap_scale(src, 4, 4);
	ck_assert_ptr_nonnull(dst);
	for (y = 0; y < 4; y++)
		for (x = 0; x < 4; x++) {
			int v = dst->pixels[y * 4 + x];

			if (x < 2)
				ck_assert_msg(v == 127 || v == 128, "(%d,%d) = %d", x, y, v);
			else
				ck_assert_int_eq(v, ((x + y) & 1) ? 200 : 40);
		}
	greymap_free(src);
	greymap_free(dst);
}
END_TEST

START_TEST(test_upscale_interpolates)
{
	struct greymap *src = greymap_new(2, 1), *dst;
	int x;

	ck_assert_ptr_nonnull(src);
	src->pixels[0] = 0;
	src->pixels[1] = 255;
	dst = greymap_scale(src, 8, 3);
	ck_assert_ptr_nonnull(dst);
	/* Edges clamp to the end pixels; in between the values rise steadily. */
	ck_assert_int_eq(dst->pixels[0], 0);
	ck_assert_int_eq(dst->pixels[7], 255);
	for (x = 1; x < 8; x++)
		ck_assert_int_ge(dst->pixels[x], dst->pixels[x - 1]);
	ck_assert_int_gt(dst->pixels[3], 60);
	ck_assert_int_lt(dst->pixels[3], 150);
	ck_assert(memcmp(dst->pixels, dst->pixels + 8, 8) == 0);
	greymap_free(src);
	greymap_free(dst);
}
END_TEST

START_TEST(test_fit_width_keeps_aspect)
{
	struct greymap *src = noise_greymap(1600, 1200, 5), *dst;

	dst = greymap_fit_width(src, 384, 0);
	ck_assert_ptr_nonnull(dst);
	ck_assert_int_eq(dst->width, 384);
	ck_assert_int_eq(dst->height, 288);
	greymap_free(dst);
	dst = greymap_fit_width(src, 384, 10000);
	ck_assert_int_eq(dst->height, 288);
	greymap_free(dst);
	greymap_free(src);

	/* A very wide image still gets one row. */
	src = noise_greymap(5000, 2, 5);
	dst = greymap_fit_width(src, 100, 0);
	ck_assert_ptr_nonnull(dst);
	ck_assert_int_eq(dst->width, 100);
	ck_assert_int_eq(dst->height, 1);
	greymap_free(dst);
	greymap_free(src);
}
END_TEST

START_TEST(test_fit_width_cuts_at_max_height)
{
	struct greymap *src = greymap_new(100, 1000), *dst;
	size_t i;

	ck_assert_ptr_nonnull(src);
	/* Black top fifth, white below: cut at 100 rows of a 500-row result, all of it black. */
	memset(src->pixels, 0, 100 * 200);
	dst = greymap_fit_width(src, 50, 100);
	ck_assert_ptr_nonnull(dst);
	ck_assert_int_eq(dst->width, 50);
	ck_assert_int_eq(dst->height, 100);
	for (i = 0; i < 50 * 100; i++)
		ck_assert_int_eq(dst->pixels[i], 0);
	greymap_free(dst);
	greymap_free(src);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_scale");
	TCase *tc = tcase_create("scale");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_bad_sizes);
	tcase_add_test(tc, test_flat_image_stays_flat);
	tcase_add_test(tc, test_mean_brightness_kept);
	tcase_add_test(tc, test_halving_averages_blocks);
	tcase_add_test(tc, test_upscale_interpolates);
	tcase_add_test(tc, test_fit_width_keeps_aspect);
	tcase_add_test(tc, test_fit_width_cuts_at_max_height);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
