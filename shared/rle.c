/* rle.c: coding and decoding the Little Printer's run-length code (see rle.h). */
#include "rle.h"

#include <stdlib.h>
#include <string.h>

/* The chunks a long run is cut into, largest first, and the byte each is written as. */
static const struct {
	size_t pixels; /* pixels the chunk stands for */
	uint8_t byte;  /* the byte that codes it */
} chunks[] = {
	{ 1536, 255 }, { 1152, 254 }, { 768, 253 }, { 384, 252 }, { 251, 251 },
};

/*
 * Writes the code of one run to out (when out is not NULL); returns the number
 * of bytes it takes either way.
 */
static size_t put_run(uint8_t *out, size_t run)
{
	size_t n = 0, i;

	if (run <= RLE_CHUNK_MIN) {
		if (out)
			out[0] = (uint8_t)run;
		return 1;
	}
	while (run > RLE_CHUNK_MIN) {
		for (i = 0; chunks[i].pixels > run; i++)
			;
		if (n > 0) {
			if (out)
				out[n] = 0;
			n++;
		}
		if (out)
			out[n] = chunks[i].byte;
		n++;
		run -= chunks[i].pixels;
	}
	if (run > 0) {
		if (out) {
			out[n] = 0;
			out[n + 1] = (uint8_t)run;
		}
		n += 2;
	}
	return n;
}

size_t rle_run_size(size_t run)
{
	return put_run(NULL, run);
}

size_t rle_put_run(uint8_t *out, size_t run)
{
	return put_run(out, run);
}

/* Whether pixel k of the stream is black: pixels read forwards or, with reverse, backwards. */
static inline int stream_pixel(const uint8_t *pixels, size_t count, int reverse, size_t k)
{
	return pixels[reverse ? count - 1 - k : k] != 0;
}

/*
 * Codes count pixels into out (or only measures when out is NULL); returns the
 * number of bytes of code. The first run is white, empty when pixel 0 is black.
 */
static size_t code_pixels(const uint8_t *pixels, size_t count, int reverse, uint8_t *out)
{
	size_t i = 0, n = 0;
	int colour = 0;

	while (i < count) {
		size_t j = i;

		while (j < count && stream_pixel(pixels, count, reverse, j) == colour)
			j++;
		n += put_run(out ? out + n : NULL, j - i);
		colour = !colour;
		i = j;
	}
	return n;
}

/* Codes with or without rotation into a malloc'd buffer; 0, or -1 with a reason. */
static int encode(const uint8_t *pixels, size_t count, int reverse, uint8_t **out, size_t *out_len,
		  struct sirius_error *err)
{
	size_t n = code_pixels(pixels, count, reverse, NULL);
	uint8_t *buf = malloc(n > 0 ? n : 1);

	if (!buf)
		return error_set(err, "out of memory for %zu bytes of run-length code", n);
	code_pixels(pixels, count, reverse, buf);
	*out = buf;
	*out_len = n;
	return 0;
}

int rle_encode_pixels(const uint8_t *pixels, size_t count, uint8_t **out, size_t *out_len,
		      struct sirius_error *err)
{
	return encode(pixels, count, 0, out, out_len, err);
}

int rle_encode_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	if (!bm || !bm->pixels || !bitmap_size_ok(bm->width, bm->height))
		return error_set(err, "invalid bitmap");
	return encode(bm->pixels, (size_t)bm->width * (size_t)bm->height, 1, out, out_len, err);
}

/*
 * Reads the code once: counts its pixels into *count and, when out is not
 * NULL, stores them there in stream order (out must hold the count an earlier
 * pass returned). Returns 0, or -1 with a reason for malformed code or more
 * than max_pixels pixels.
 */
static int walk(const uint8_t *rle, size_t len, size_t max_pixels, uint8_t *out, size_t *count,
		struct sirius_error *err)
{
	size_t pos = 0, total = 0;
	uint8_t colour = 0;

	while (pos < len) {
		size_t start = pos, run = 0;

		for (;;) {
			uint8_t b = rle[pos++];

			run += b < RLE_CHUNK_MIN ? b : chunks[255 - b].pixels;
			if (run > max_pixels - total)
				return error_set(err, "run-length code holds more than %zu pixels", max_pixels);
			if (b < RLE_CHUNK_MIN || pos >= len || rle[pos] != 0)
				break;
			/* A 0 right after a chunk byte: the same run goes on with the next byte. */
			pos++;
			if (pos >= len)
				return error_set(err, "run-length code ends inside the run at byte %zu", start);
			if (rle[pos] == 0)
				return error_set(err, "run-length code continues a run with nothing at byte %zu",
						 pos);
		}
		if (out)
			memset(out + total, colour, run);
		total += run;
		colour ^= 1;
	}
	*count = total;
	return 0;
}

int rle_pixel_count(const uint8_t *rle, size_t len, size_t max_pixels, size_t *count,
		    struct sirius_error *err)
{
	return walk(rle, len, max_pixels, NULL, count, err);
}

int rle_decode_pixels(const uint8_t *rle, size_t len, size_t max_pixels, uint8_t **pixels, size_t *count,
		      struct sirius_error *err)
{
	size_t n, again;
	uint8_t *buf;

	if (walk(rle, len, max_pixels, NULL, &n, err) < 0)
		return -1;
	buf = malloc(n > 0 ? n : 1);
	if (!buf)
		return error_set(err, "out of memory for %zu pixels", n);
	walk(rle, len, n, buf, &again, NULL);
	*pixels = buf;
	*count = n;
	return 0;
}

/* Reverses n bytes in place. */
static void reverse_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		uint8_t t = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

struct bitmap *rle_decode_bitmap(const uint8_t *rle, size_t len, int width, size_t max_pixels,
				 struct sirius_error *err)
{
	struct bitmap *bm;
	size_t n, again;

	if (width < 1 || width > BITMAP_MAX_SIDE) {
		error_set(err, "invalid bitmap width %d", width);
		return NULL;
	}
	if (walk(rle, len, max_pixels, NULL, &n, err) < 0)
		return NULL;
	if (n == 0) {
		error_set(err, "run-length code holds no pixels");
		return NULL;
	}
	if (n % (size_t)width != 0) {
		error_set(err, "%zu pixels do not make rows of %d", n, width);
		return NULL;
	}
	if (!bitmap_size_ok(width, (long)(n / (size_t)width))) {
		error_set(err, "%zu pixels in rows of %d make a bitmap out of bounds", n, width);
		return NULL;
	}
	bm = bitmap_new(width, (int)(n / (size_t)width));
	if (!bm) {
		error_set(err, "out of memory for a %d x %zu bitmap", width, n / (size_t)width);
		return NULL;
	}
	walk(rle, len, n, bm->pixels, &again, NULL);
	reverse_bytes(bm->pixels, n);
	return bm;
}
