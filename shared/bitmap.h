/* bitmap.h: the one-bit bitmap a printer prints, and the 8-bit grey image it is made from. */
#ifndef SIRIUS_BITMAP_H
#define SIRIUS_BITMAP_H

#include <stddef.h>
#include <stdint.h>

/* The Little Printer's head is 384 dots wide; the longest print we send. */
#define PRINTER_WIDTH 384
#define PRINTER_MAX_ROWS 10000

/* Largest side and pixel count an image of ours may have (a decoded upload included). */
#define BITMAP_MAX_SIDE 65535
#define BITMAP_MAX_PIXELS ((size_t)200 * 1000 * 1000)

/*
 * A one-bit image, one byte per pixel for simple, fast access.
 * Invariant: every pixel is 0 (white, paper) or 1 (black, ink).
 */
struct bitmap {
	int width;       /* pixels per row, 1..BITMAP_MAX_SIDE */
	int height;      /* rows, 1..BITMAP_MAX_SIDE */
	uint8_t *pixels; /* width * height bytes, row-major from the top left */
};

/* An 8-bit grey image: 0 is black, 255 white (the way PNG and JPEG store it). */
struct greymap {
	int width;       /* pixels per row, 1..BITMAP_MAX_SIDE */
	int height;      /* rows, 1..BITMAP_MAX_SIDE */
	uint8_t *pixels; /* width * height bytes, row-major from the top left */
};

/* Grey (0 black .. 255 white) of an 8-bit RGBA pixel composited on white paper (BT.601 weights). */
static inline uint8_t grey_on_white(const uint8_t *px)
{
	unsigned grey = (299u * px[0] + 587u * px[1] + 114u * px[2] + 500u) / 1000u;
	unsigned a = px[3];

	return (uint8_t)((grey * a + 255u * (255u - a) + 127u) / 255u);
}

/* Whether width x height is a size we accept (each side and the pixel count bounded). */
int bitmap_size_ok(long width, long height);

/* A new all-white bitmap; NULL when the size is out of bounds or memory ran out. */
struct bitmap *bitmap_new(int width, int height);
void bitmap_free(struct bitmap *bm);

static inline uint8_t bitmap_get(const struct bitmap *bm, int x, int y)
{
	return bm->pixels[(size_t)y * (size_t)bm->width + (size_t)x];
}

static inline void bitmap_set(struct bitmap *bm, int x, int y, uint8_t black)
{
	bm->pixels[(size_t)y * (size_t)bm->width + (size_t)x] = black ? 1 : 0;
}

/* Whether two bitmaps have the same size and pixels. */
int bitmap_equal(const struct bitmap *a, const struct bitmap *b);

/* A new all-white greymap; NULL when the size is out of bounds or memory ran out. */
struct greymap *greymap_new(int width, int height);
void greymap_free(struct greymap *gm);

/* A one-bit copy of gm: grey values below 128 become black. NULL when out of memory. */
struct bitmap *bitmap_from_greymap_threshold(const struct greymap *gm);

/* A grey copy of bm (black 0, white 255). NULL when out of memory. */
struct greymap *greymap_from_bitmap(const struct bitmap *bm);

#endif
