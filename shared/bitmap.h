/* bitmap.h: the packed one-bit bitmap a printer prints, and the 8-bit grey image it is made from. */
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
 * A one-bit image packed eight pixels a byte, the way PNG and the printer's
 * run-length code see it: every row starts on a byte boundary, the leftmost
 * pixel in the top bit; a 1 bit is black (ink), 0 white (paper). A printer
 * row of 384 dots is 48 bytes, so whole 64-bit words can be scanned at once.
 * Invariant: the bits after a row's last pixel (when width is not a multiple
 * of 8) are 0, so bitmaps compare, hash and count as plain bytes.
 */
struct bitmap {
	int width;     /* pixels per row, 1..BITMAP_MAX_SIDE */
	int height;    /* rows, 1..BITMAP_MAX_SIDE */
	size_t stride; /* bytes per row: (width + 7) / 8 */
	uint8_t *bits; /* stride * height bytes, rows from the top */
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

/* Bytes one row of a bitmap width pixels wide takes. */
static inline size_t bitmap_stride(int width)
{
	return ((size_t)width + 7) / 8;
}

/* The first byte of row y. */
static inline uint8_t *bitmap_row(const struct bitmap *bm, int y)
{
	return bm->bits + (size_t)y * bm->stride;
}

/* 1 when pixel (x, y) is black, 0 when white. */
static inline uint8_t bitmap_get(const struct bitmap *bm, int x, int y)
{
	return (uint8_t)((bitmap_row(bm, y)[x >> 3] >> (7 - (x & 7))) & 1);
}

static inline void bitmap_set(struct bitmap *bm, int x, int y, uint8_t black)
{
	uint8_t *byte = bitmap_row(bm, y) + (x >> 3);
	uint8_t mask = (uint8_t)(0x80 >> (x & 7));

	*byte = black ? (uint8_t)(*byte | mask) : (uint8_t)(*byte & ~mask);
}

/* The mask of the bits of a row's last byte that hold pixels (0xff when width is a multiple of 8). */
static inline uint8_t bitmap_last_byte_mask(int width)
{
	return (uint8_t)(0xff << ((8 - (width & 7)) & 7));
}

/* The number of black pixels of bm. */
size_t bitmap_count_black(const struct bitmap *bm);

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
