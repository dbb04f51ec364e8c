/* bitmap.c: allocation and conversion of one-bit bitmaps and grey images. */
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
	bm->pixels = calloc((size_t)width * (size_t)height, 1);
	if (!bm->pixels) {
		free(bm);
		return NULL;
	}
	return bm;
}

void bitmap_free(struct bitmap *bm)
{
	if (!bm)
		return;
	free(bm->pixels);
	free(bm);
}

int bitmap_equal(const struct bitmap *a, const struct bitmap *b)
{
	return a->width == b->width && a->height == b->height &&
	       memcmp(a->pixels, b->pixels, (size_t)a->width * (size_t)a->height) == 0;
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
	size_t i, n;

	if (!bm)
		return NULL;
	n = (size_t)gm->width * (size_t)gm->height;
	for (i = 0; i < n; i++)
		bm->pixels[i] = gm->pixels[i] < 128;
	return bm;
}

struct greymap *greymap_from_bitmap(const struct bitmap *bm)
{
	struct greymap *gm = greymap_new(bm->width, bm->height);
	size_t i, n;

	if (!gm)
		return NULL;
	n = (size_t)bm->width * (size_t)bm->height;
	for (i = 0; i < n; i++)
		gm->pixels[i] = bm->pixels[i] ? 0 : 255;
	return gm;
}
