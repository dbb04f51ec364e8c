/* dither.c: serpentine Floyd-Steinberg error diffusion from grey to one bit, in integers. */
#include "dither.h"

#include <stdlib.h>

/*
 * Errors are kept in sixteenths of a grey level; the 1/16 share takes what the
 * rounding of the other three left, and at the left and right edges the shares
 * that would leave the image go to the pixel below, so no error is lost but
 * the last row's. Each error row has one spare cell at either end.
 */
struct bitmap *dither_floyd_steinberg(const struct greymap *gm)
{
	struct bitmap *bm;
	int32_t *rows, *cur, *next;
	size_t cells;
	int x, y;

	if (!gm)
		return NULL;
	bm = bitmap_new(gm->width, gm->height);
	if (!bm)
		return NULL;
	cells = (size_t)gm->width + 2;
	rows = calloc(2 * cells, sizeof(int32_t));
	if (!rows) {
		bitmap_free(bm);
		return NULL;
	}
	cur = rows + 1;
	next = rows + cells + 1;
	for (y = 0; y < gm->height; y++) {
		const uint8_t *in = gm->pixels + (size_t)y * (size_t)gm->width;
		uint8_t *out = bitmap_row(bm, y);
		int dir = (y & 1) ? -1 : 1;
		int32_t *swap;

		x = dir > 0 ? 0 : gm->width - 1;
		for (; x >= 0 && x < gm->width; x += dir) {
			/* The pixel plus the error diffused to it, in sixteenths of a level. */
			int32_t value16 = (int32_t)in[x] * 16 + cur[x];
			int32_t error16, right, below_behind, below, below_ahead;

			if (value16 < 128 * 16) {
				out[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
				error16 = value16;
			} else {
				error16 = value16 - 255 * 16;
			}
			right = error16 * 7 / 16;
			below_behind = error16 * 3 / 16;
			below = error16 * 5 / 16;
			below_ahead = error16 - right - below_behind - below;
			/* Shares that would fall off the side go straight down instead. */
			if (x + dir < 0 || x + dir >= gm->width) {
				below += right + below_ahead;
				right = below_ahead = 0;
			}
			if (x - dir < 0 || x - dir >= gm->width) {
				below += below_behind;
				below_behind = 0;
			}
			cur[x + dir] += right;
			next[x - dir] += below_behind;
			next[x] += below;
			next[x + dir] += below_ahead;
		}
		swap = cur;
		cur = next;
		next = swap;
		for (x = -1; x <= gm->width; x++)
			next[x] = 0;
	}
	free(rows);
	return bm;
}
