/* bitmap.c: allocation and conversion of packed one-bit bitmaps and grey images. */
#include "bitmap.h"

#include <stdlib.h>
#include <string.h>

int bitmap_size_ok(long width, long height)
{
	if (width < 1 || height < 1 || width > BITMAP_MAX_SIDE || height > BITMAP_MAX_SIDE)
		return 0;
	return (size_t)width * (size_t)height <= BITMAP_MAX_PIXELS;
}

struct bitmap *bitmap_new(int width, int height)
{
	struct bitmap *bm;

	if (!bitmap_size_ok(width, height))
		return NULL;
	bm = malloc(sizeof(*bm));
	if (!bm)
		return NULL;
	bm->width = width;
	bm->height = height;
	bm->stride = bitmap_stride(width);
	bm->bits = calloc(bm->stride * (size_t)height, 1);
	if (!bm->bits) {
		free(bm);
		return NULL;
	}
	return bm;
}

void bitmap_free(struct bitmap *bm)
{
	if (!bm)
		return;
	free(bm->bits);
	free(bm);
}

size_t bitmap_count_black(const struct bitmap *bm)
{
	size_t i, n = bm->stride * (size_t)bm->height, black = 0;
	uint64_t word;

	/* Padding bits are 0, so every byte counts as it is. */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&word, bm->bits + i, 8);
		black += (size_t)__builtin_popcountll(word);
	}
	for (; i < n; i++)
		black += (size_t)__builtin_popcount(bm->bits[i]);
	return black;
}

int bitmap_equal(const struct bitmap *a, const struct bitmap *b)
{
	return a->width == b->width && a->height == b->height &&
	       memcmp(a->bits, b->bits, a->stride * (size_t)a->height) == 0;
}

struct greymap *greymap_new(int width, int height)
{
	struct greymap *gm;

	if (!bitmap_size_ok(width, height))
		return NULL;
	gm = malloc(sizeof(*gm));
	if (!gm)
		return NULL;
	gm->width = width;
	gm->height = height;
	gm->pixels = malloc((size_t)width * (size_t)height);
	if (!gm->pixels) {
		free(gm);
		return NULL;
	}
	memset(gm->pixels, 255, (size_t)width * (size_t)height);
	return gm;
}

void greymap_free(struct greymap *gm)
{
	if (!gm)
		return;
	free(gm->pixels);
	free(gm);
}

struct bitmap *bitmap_from_greymap_threshold(const struct greymap *gm)
{
	struct bitmap *bm = bitmap_new(gm->width, gm->height);
	int x, y;

	if (!bm)
		return NULL;
	for (y = 0; y < gm->height; y++) {
		const uint8_t *in = gm->pixels + (size_t)y * (size_t)gm->width;
		uint8_t *out = bitmap_row(bm, y);

		for (x = 0; x + 8 <= gm->width; x += 8, in += 8)
			*out++ = (uint8_t)((in[0] < 128) << 7 | (in[1] < 128) << 6 | (in[2] < 128) << 5 |
					   (in[3] < 128) << 4 | (in[4] < 128) << 3 | (in[5] < 128) << 2 |
					   (in[6] < 128) << 1 | (in[7] < 128));
		for (; x < gm->width; x++, in++)
			if (*in < 128)
				*out |= (uint8_t)(0x80 >> (x & 7));
	}
	return bm;
}

struct greymap *greymap_from_bitmap(const struct bitmap *bm)
{
	struct greymap *gm = greymap_new(bm->width, bm->height);
	int x, y;

	if (!gm)
		return NULL;
	for (y = 0; y < bm->height; y++) {
		const uint8_t *in = bitmap_row(bm, y);
		uint8_t *out = gm->pixels + (size_t)y * (size_t)bm->width;

		for (x = 0; x < bm->width; x++)
			out[x] = (in[x >> 3] << (x & 7)) & 0x80 ? 0 : 255;
	}
	return gm;
}
