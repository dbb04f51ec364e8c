/* image_scale.c: separable integer resampling of grey images: area averaging down, bilinear up. */
#include "image_scale.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Weights are fixed point with this many fraction bits; the weights of one output pixel sum to 1. */
#define WEIGHT_BITS 14
#define WEIGHT_ONE (1 << WEIGHT_BITS)

/* Fraction bits kept in the intermediate rows after the horizontal pass (255 << 8 fits 16 bits). */
#define MID_BITS 8

/* For each output pixel along one axis, the run of input pixels it is made of and their weights. */
struct resample_axis {
	int out;          /* output pixels along the axis */
	int taps;         /* the most input pixels any output pixel uses (the stride of weight) */
	int *first;       /* out entries: the first input pixel of each output pixel */
	int *count;       /* out entries: how many input pixels follow from first (1..taps) */
	int32_t *weight;  /* out * taps entries: their weights, summing to WEIGHT_ONE per output pixel */
};

static void axis_free(struct resample_axis *axis)
{
	free(axis->first);
	free(axis->count);
	free(axis->weight);
}

/*
 * Fills axis for in -> out pixels: a box filter of exact pixel overlaps when
 * shrinking (or keeping the size), bilinear with aligned pixel centres when
 * enlarging. Returns 0, or -1 when out of memory (axis then owns nothing).
 */
static int axis_init(struct resample_axis *axis, int in, int out)
{
	int i;

	axis->out = out;
	axis->taps = out <= in ? (in + out - 1) / out + 1 : 2;
	axis->first = malloc(sizeof(int) * (size_t)out);
	axis->count = malloc(sizeof(int) * (size_t)out);
	axis->weight = calloc((size_t)out * (size_t)axis->taps, sizeof(int32_t));
	if (!axis->first || !axis->count || !axis->weight) {
		axis_free(axis);
		return -1;
	}
	for (i = 0; i < out; i++) {
		int32_t *w = axis->weight + (size_t)i * (size_t)axis->taps;

		if (out <= in) {
			/* In units of 1/out input pixel, output pixel i covers [i*in, (i+1)*in). */
			int64_t lo = (int64_t)i * in, hi = lo + in;
			int j = (int)(lo / out), last = (int)((hi - 1) / out), n = 0, biggest = 0;
			int32_t total = 0;

			axis->first[i] = j;
			for (; j <= last; j++, n++) {
				int64_t a = (int64_t)j * out, b = a + out;
				int64_t overlap = (b < hi ? b : hi) - (a > lo ? a : lo);

				w[n] = (int32_t)((overlap * WEIGHT_ONE + in / 2) / in);
				total += w[n];
				if (w[n] > w[biggest])
					biggest = n;
			}
			w[biggest] += WEIGHT_ONE - total;
			axis->count[i] = n;
		} else {
			/* Source position of the centre of output pixel i: (i + 0.5) * in / out - 0.5. */
			int64_t num = (int64_t)(2 * i + 1) * in - out;
			int64_t pos = num <= 0 ? 0 : num * WEIGHT_ONE / (2 * (int64_t)out);
			int j = (int)(pos >> WEIGHT_BITS);
			int32_t frac = (int32_t)(pos & (WEIGHT_ONE - 1));

			axis->first[i] = j;
			if (j >= in - 1 || frac == 0) {
				axis->first[i] = j >= in - 1 ? in - 1 : j;
				w[0] = WEIGHT_ONE;
				axis->count[i] = 1;
			} else {
				w[0] = WEIGHT_ONE - frac;
				w[1] = frac;
				axis->count[i] = 2;
			}
		}
	}
	return 0;
}

/* One source row resampled horizontally into mid (values scaled by 1 << MID_BITS). */
static void scale_row(const uint8_t *src, const struct resample_axis *ax, uint16_t *mid)
{
	int x, k;

	for (x = 0; x < ax->out; x++) {
		const uint8_t *s = src + ax->first[x];
		const int32_t *w = ax->weight + (size_t)x * (size_t)ax->taps;
		uint32_t sum = 0;

		for (k = 0; k < ax->count[x]; k++)
			sum += (uint32_t)w[k] * s[k];
		mid[x] = (uint16_t)((sum + (1u << (WEIGHT_BITS - MID_BITS - 1))) >> (WEIGHT_BITS - MID_BITS));
	}
}

struct greymap *greymap_scale(const struct greymap *src, int width, int height)
{
	struct resample_axis ax = { 0 }, ay = { 0 };
	struct greymap *dst = NULL;
	uint16_t *cache[2] = { NULL, NULL };
	int cached[2] = { -1, -1 };
	uint32_t *acc = NULL;
	int x, y, k;

	if (!src || !bitmap_size_ok(src->width, src->height) || !bitmap_size_ok(width, height))
		return NULL;
	if (axis_init(&ax, src->width, width) != 0)
		return NULL;
	if (axis_init(&ay, src->height, height) != 0) {
		axis_free(&ax);
		return NULL;
	}
	dst = greymap_new(width, height);
	cache[0] = malloc(sizeof(uint16_t) * (size_t)width);
	cache[1] = malloc(sizeof(uint16_t) * (size_t)width);
	acc = malloc(sizeof(uint32_t) * (size_t)width);
	if (!dst || !cache[0] || !cache[1] || !acc) {
		greymap_free(dst);
		dst = NULL;
		goto done;
	}
	/*
	 * The source rows an output row uses start no earlier than those of the
	 * row before, and two neighbouring output rows share at most their boundary
	 * rows, so two cached horizontal results make each source row scaled about once.
	 */
	for (y = 0; y < height; y++) {
		const int32_t *w = ay.weight + (size_t)y * (size_t)ay.taps;
		uint8_t *out = dst->pixels + (size_t)y * (size_t)width;

		memset(acc, 0, sizeof(uint32_t) * (size_t)width);
		for (k = 0; k < ay.count[y]; k++) {
			int row = ay.first[y] + k, slot;
			const uint16_t *mid;
			uint32_t wk = (uint32_t)w[k];

			if (cached[0] == row)
				slot = 0;
			else if (cached[1] == row)
				slot = 1;
			else {
				slot = cached[0] < cached[1] ? 0 : 1;
				scale_row(src->pixels + (size_t)row * (size_t)src->width, &ax, cache[slot]);
				cached[slot] = row;
			}
			mid = cache[slot];
			for (x = 0; x < width; x++)
				acc[x] += wk * mid[x];
		}
		for (x = 0; x < width; x++) {
			uint32_t v = (acc[x] + (1u << (WEIGHT_BITS + MID_BITS - 1))) >> (WEIGHT_BITS + MID_BITS);

			out[x] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
done:
	free(acc);
	free(cache[0]);
	free(cache[1]);
	axis_free(&ax);
	axis_free(&ay);
	return dst;
}

struct greymap *greymap_fit_width(const struct greymap *src, int width, int max_height)
{
	struct greymap top;
	int64_t height;

	if (!src || !bitmap_size_ok(src->width, src->height) || width < 1)
		return NULL;
	height = ((int64_t)src->height * width + src->width / 2) / src->width;
	if (height < 1)
		height = 1;
	if (max_height <= 0 || height <= max_height)
		return height > BITMAP_MAX_SIDE ? NULL : greymap_scale(src, width, (int)height);
	/* Scale only the top source rows that make the first max_height output rows. */
	top = *src;
	top.height = (int)(((int64_t)max_height * src->width + width - 1) / width);
	if (top.height < 1)
		top.height = 1;
	if (top.height > src->height)
		top.height = src->height;
	return greymap_scale(&top, width, max_height);
}
