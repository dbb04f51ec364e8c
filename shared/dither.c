/* dither.c: serpentine Floyd-Steinberg error diffusion from grey to one bit, in integers. */
#include "dither.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

/* The high bit of each byte of a word. */
#define HIGH_BITS 0x8080808080808080ull
/* Multiplying a word of high bits by this gathers them into the top byte, the first byte's highest. */
#define GATHER_HIGH_BITS 0x0002040810204081ull

/* Whether an error row is all zero. */
static int errors_clear(const int32_t *row, int width)
{
	int32_t any = 0;
	int x;

	for (x = 0; x < width; x++)
		any |= row[x];
	return any == 0;
}

/*
 * Packs a row when every pixel is pure black (0) or pure white (255): what
 * error diffusion gives when no error reaches the row. Eight pixels at a
 * time: loaded as a big-endian word, the first pixel is the highest byte,
 * and a pure byte is its high bit repeated. Returns 1, or 0 when the row
 * has another grey (out is then partly written: the caller clears it).
 */
static int pack_pure_row(const uint8_t *in, int width, uint8_t *out)
{
	uint64_t bad = 0;
	int x = 0;

	for (; x + 8 <= width; x += 8) {
		uint64_t w, high;

		memcpy(&w, in + x, 8);
		w = be64toh(w);
		high = w & HIGH_BITS;
		bad |= w ^ ((high >> 7) * 0xff);
		out[x >> 3] = (uint8_t)(((~w & HIGH_BITS) * GATHER_HIGH_BITS) >> 56);
	}
	for (; x < width; x++) {
		bad |= (uint8_t)(in[x] + 1u) > 1u;
		if (in[x] == 0)
			out[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
	}
	return bad == 0;
}

/*
 * Errors are kept in sixteenths of a grey level; the 1/16 share takes what the
 * rounding of the other three left, and at the left and right edges the shares
 * that would leave the image go to the pixel below, so no error is lost but
 * the last row's. Each error row has one spare cell at either end.
 *
 * Text is drawn without grey edges, so most rows of a text print are pure
 * black and white: such a pixel with no error reaching it leaves no error
 * (0 is black with error 0, 255 white with error 0). A pure row that no error
 * reaches is therefore packed directly, with the same result, and leaves the
 * next row's errors at zero: a text page costs a scan and a pack per row
 * instead of the diffusion arithmetic per pixel.
 */
struct bitmap *dither_floyd_steinberg(const struct greymap *gm)
{
	struct bitmap *bm;
	int32_t *rows, *cur, *next;
	size_t cells;
	int x, y, clear = 1; /* clear: no error reaches the current row */

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

		if (clear) {
			/* cur and next are all zero and stay so for a pure row: nothing to swap or clear */
			if (pack_pure_row(in, gm->width, out))
				continue;
			memset(out, 0, bm->stride);
		}
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
		/* the spare cells take no error a pixel reads, only the edges' shares, which go straight down */
		clear = errors_clear(cur - 1, gm->width + 2);
	}
	free(rows);
	return bm;
}
