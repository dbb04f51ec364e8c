/* check_dither.c: unit tests of Floyd-Steinberg dithering from grey to one bit. */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "dither.h"
#include "test_util.h"

static struct greymap *flat_greymap(int width, int height, uint8_t value)
{
	struct greymap *gm = greymap_new(width, height);

	ck_assert_ptr_nonnull(gm);
	memset(gm->pixels, value, (size_t)width * (size_t)height);
	return gm;
}

/* The fraction of black pixels of bm in columns [x0, x1). */
static double black_fraction(const struct bitmap *bm, int x0, int x1)
{
	size_t black = 0;
	int x, y;

	for (y = 0; y < bm->height; y++)
		for (x = x0; x < x1; x++)
			black += bitmap_get(bm, x, y);
	return (double)black / ((double)(x1 - x0) * bm->height);
}

START_TEST(test_black_and_white_stay_exact)
{
	struct greymap *gm = greymap_new(97, 53);
	struct bitmap *dithered, *threshold;
	uint32_t seed = 12345;
	size_t i;

	ck_assert_ptr_nonnull(gm);
	for (i = 0; i < (size_t)97 * 53; i++)
		gm->pixels[i] = (test_random(&seed) & 1) ? 255 : 0;
	dithered = dither_floyd_steinberg(gm);
	threshold = bitmap_from_greymap_threshold(gm);
	ck_assert_ptr_nonnull(dithered);
	ck_assert_ptr_nonnull(threshold);
	ck_assert(bitmap_equal(dithered, threshold));
	bitmap_free(dithered);
	bitmap_free(threshold);
	greymap_free(gm);
}
END_TEST

START_TEST(test_flat_black_and_white)
{
	struct greymap *black = flat_greymap(64, 64, 0), *white = flat_greymap(64, 64, 255);
	struct bitmap *b = dither_floyd_steinberg(black), *w = dither_floyd_steinberg(white);

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(w);
	ck_assert(black_fraction(b, 0, 64) == 1.0);
	ck_assert(black_fraction(w, 0, 64) == 0.0);
	bitmap_free(b);
	bitmap_free(w);
	greymap_free(black);
	greymap_free(white);
}
END_TEST

START_TEST(test_grey_levels_give_matching_density)
{
	static const uint8_t levels[] = { 191, 128, 64, 32, 224 };
	size_t i;

	for (i = 0; i < sizeof(levels); i++) {
		struct greymap *gm = flat_greymap(200, 200, levels[i]);
		struct bitmap *bm = dither_floyd_steinberg(gm);
		double want = 1.0 - levels[i] / 255.0, got;

		ck_assert_ptr_nonnull(bm);
		got = black_fraction(bm, 0, 200);
		ck_assert_msg(got > want - 0.02 && got < want + 0.02,
			      "grey %u: %.3f black, expected %.3f", levels[i], got, want);
		bitmap_free(bm);
		greymap_free(gm);
	}
}
END_TEST

START_TEST(test_ramp_density_tracks_grey)
{
	struct greymap *gm = greymap_new(256, 128);
	struct bitmap *bm;
	int x, y, band;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < 128; y++)
		for (x = 0; x < 256; x++)
			gm->pixels[y * 256 + x] = (uint8_t)x;
	bm = dither_floyd_steinberg(gm);
	ck_assert_ptr_nonnull(bm);
	/* Each band of 32 columns has a mean grey of (first + last) / 2. */
	for (band = 0; band < 8; band++) {
		double mean = band * 32 + 15.5, want = 1.0 - mean / 255.0;
		double got = black_fraction(bm, band * 32, band * 32 + 32);

		ck_assert_msg(got > want - 0.03 && got < want + 0.03,
			      "band %d: %.3f black, expected %.3f", band, got, want);
	}
	bitmap_free(bm);
	greymap_free(gm);
}
END_TEST

START_TEST(test_noise_keeps_mean_and_is_deterministic)
{
	struct greymap *gm = greymap_new(384, 300);
	struct bitmap *a, *b;
	uint32_t seed = 99;
	uint64_t sum = 0;
	size_t i, n = (size_t)384 * 300;
	double want, got;

	ck_assert_ptr_nonnull(gm);
	for (i = 0; i < n; i++) {
		gm->pixels[i] = (uint8_t)(test_random(&seed) % 200 + (i / 384) % 56);
		sum += gm->pixels[i];
	}
	a = dither_floyd_steinberg(gm);
	b = dither_floyd_steinberg(gm);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert(bitmap_equal(a, b));
	want = 1.0 - (double)sum / (double)n / 255.0;
	got = black_fraction(a, 0, 384);
	ck_assert_msg(got > want - 0.01 && got < want + 0.01, "%.4f black, expected %.4f", got, want);
	bitmap_free(a);
	bitmap_free(b);
	greymap_free(gm);
}
END_TEST

START_TEST(test_thin_images)
{
	struct greymap *dot = flat_greymap(1, 1, 100), *row = flat_greymap(500, 1, 128);
	struct greymap *column = flat_greymap(1, 500, 64);
	struct bitmap *d = dither_floyd_steinberg(dot), *r = dither_floyd_steinberg(row);
	struct bitmap *c = dither_floyd_steinberg(column);
	double fr, fc;

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(bitmap_get(d, 0, 0), 1);
	fr = black_fraction(r, 0, 500);
	fc = black_fraction(c, 0, 1);
	ck_assert_msg(fr > 0.47 && fr < 0.53, "row %.3f", fr);
	ck_assert_msg(fc > 0.72 && fc < 0.78, "column %.3f", fc);
	bitmap_free(d);
	bitmap_free(r);
	bitmap_free(c);
	greymap_free(dot);
	greymap_free(row);
	greymap_free(column);
}
END_TEST

/*
 * The diffusion written out pixel by pixel for every row, as dither.c defines
 * it: dither_floyd_steinberg packs pure rows that no error reaches directly,
 * and must give exactly this.
 */
static struct bitmap *reference_dither(const struct greymap *gm)
{
	struct bitmap *bm = bitmap_new(gm->width, gm->height);
	int32_t *cur = calloc((size_t)gm->width + 2, sizeof(int32_t));
	int32_t *next = calloc((size_t)gm->width + 2, sizeof(int32_t));
	int x, y;

	ck_assert_ptr_nonnull(bm);
	ck_assert_ptr_nonnull(cur);
	ck_assert_ptr_nonnull(next);
	for (y = 0; y < gm->height; y++) {
		int dir = (y & 1) ? -1 : 1;
		int32_t *swap;

		for (x = dir > 0 ? 0 : gm->width - 1; x >= 0 && x < gm->width; x += dir) {
			int32_t v = (int32_t)gm->pixels[(size_t)y * (size_t)gm->width + (size_t)x] * 16 + cur[x + 1];
			int32_t e, right, behind, below, ahead;

			if (v < 128 * 16) {
				bitmap_set(bm, x, y, 1);
				e = v;
			} else {
				e = v - 255 * 16;
			}
			right = e * 7 / 16;
			behind = e * 3 / 16;
			below = e * 5 / 16;
			ahead = e - right - behind - below;
			if (x + dir < 0 || x + dir >= gm->width) {
				below += right + ahead;
				right = ahead = 0;
			}
			if (x - dir < 0 || x - dir >= gm->width) {
				below += behind;
				behind = 0;
			}
			cur[x + dir + 1] += right;
			next[x - dir + 1] += behind;
			next[x + 1] += below;
			next[x + dir + 1] += ahead;
		}
		swap = cur;
		cur = next;
		next = swap;
		memset(next, 0, ((size_t)gm->width + 2) * sizeof(int32_t));
	}
	free(cur);
	free(next);
	return bm;
}

/*
 * A page as a print mixes them: rows of black and white text, a grey picture
 * whose errors reach into the pure rows after it, and pure rows again, at
 * widths that are and are not whole bytes.
 */
START_TEST(test_pure_rows_match_the_diffusion)
{
	static const int widths[] = { 384, 97, 8, 1, 13 };
	uint32_t seed = 7;
	size_t i;

	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		int w = widths[i], h = 120, x, y;
		struct greymap *gm = greymap_new(w, h);
		struct bitmap *fast, *slow;

		ck_assert_ptr_nonnull(gm);
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				uint8_t *px = &gm->pixels[(size_t)y * (size_t)w + (size_t)x];

				if (y < 30 || (y >= 50 && y < 90) || y >= 100)
					*px = (test_random(&seed) % 5 == 0) ? 0 : 255; /* text-like */
				else if (y < 50)
					*px = (uint8_t)(test_random(&seed) % 256);    /* a picture */
				else
					*px = (uint8_t)((x + y) % 3 ? 255 : 0);       /* pure, after pure */
			}
		fast = dither_floyd_steinberg(gm);
		slow = reference_dither(gm);
		ck_assert_ptr_nonnull(fast);
		ck_assert_msg(bitmap_equal(fast, slow), "width %d differs from the pixel-by-pixel diffusion", w);
		bitmap_free(fast);
		bitmap_free(slow);
		greymap_free(gm);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dither");
	TCase *tc = tcase_create("floyd_steinberg");

	tcase_add_test(tc, test_black_and_white_stay_exact);
	tcase_add_test(tc, test_flat_black_and_white);
	tcase_add_test(tc, test_grey_levels_give_matching_density);
	tcase_add_test(tc, test_ramp_density_tracks_grey);
	tcase_add_test(tc, test_noise_keeps_mean_and_is_deterministic);
	tcase_add_test(tc, test_thin_images);
	tcase_add_test(tc, test_pure_rows_match_the_diffusion);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
