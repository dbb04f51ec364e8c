/* rle.c: coding and decoding the Little Printer's run-length code (see rle.h). */
#include "rle.h"

#include <endian.h>
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

/*
 * Rows are read and written as words of their pixels in stream order: the
 * printer's stream runs from the bottom right pixel leftwards and upwards, so
 * word k of row y holds pixels width - 1 - 64 k, width - 2 - 64 k, ... in bits
 * 0, 1, ... (the lowest bit first). Loading the row's bytes from its end as
 * big-endian words gives exactly that order, shifted by the row's padding bits.
 */

/* The 8 bytes of row ending at byte end (0 for bytes before the row's start), as a big-endian word. */
static inline uint64_t load_be(const uint8_t *row, size_t end)
{
	uint8_t tmp[8] = { 0 };
	uint64_t w;

	if (end >= 8) {
		memcpy(&w, row + end - 8, 8);
		return be64toh(w);
	}
	memcpy(tmp + 8 - end, row, end);
	memcpy(&w, tmp, 8);
	return be64toh(w);
}

/* Stores w as big-endian into the 8 bytes of row ending at byte end (only those at or after the row's start). */
static inline void store_be(uint8_t *row, size_t end, uint64_t w)
{
	uint8_t tmp[8];

	w = htobe64(w);
	if (end >= 8) {
		memcpy(row + end - 8, &w, 8);
		return;
	}
	memcpy(tmp, &w, 8);
	memcpy(row, tmp + 8 - end, end);
}

/* Words a row of stride bytes takes in stream order. */
static inline size_t row_words(size_t stride)
{
	return (stride + 7) / 8;
}

/* Word k of row (stride bytes, pad = 8 * stride - width padding bits) in stream order. */
static inline uint64_t row_word(const uint8_t *row, size_t stride, unsigned pad, size_t k)
{
	size_t end = stride - 8 * k;
	uint64_t w = load_be(row, end);

	if (pad == 0)
		return w;
	/* Drop the padding bits at the row's end and pull in the next word's lowest ones. */
	w >>= pad;
	if (end > 8)
		w |= load_be(row, end - 8) << (64 - pad);
	return w;
}

/* Writes a row from its words in stream order (the inverse of row_word); padding bits come out 0. */
static void put_row_words(uint8_t *row, size_t stride, unsigned pad, const uint64_t *words)
{
	size_t k, n = row_words(stride);

	for (k = 0; k < n; k++) {
		uint64_t w = words[k];

		if (pad != 0)
			w = w << pad | (k > 0 ? words[k - 1] >> (64 - pad) : 0);
		store_be(row, stride - 8 * k, w);
	}
}

/* The code being written: room for the worst case is allocated up front. */
struct coder {
	uint8_t *out;  /* next byte of code */
	size_t run;    /* pixels of the run still open */
	uint64_t last; /* colour of the last pixel seen: 0 white, 1 black */
};

/*
 * Adds n (1..64) stream pixels, bit i of w the i-th of them, to the code.
 * A set bit of w ^ (w << 1 | last) marks a pixel whose colour differs from
 * the one before: each such bit ends the open run. Runs that start and end in
 * the same word are shorter than 64 pixels and take one byte each.
 */
static inline void code_word(struct coder *c, uint64_t w, unsigned n)
{
	uint64_t valid = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	uint64_t t = (w ^ (w << 1 | c->last)) & valid;
	unsigned p, q;

	c->last = (w >> (n - 1)) & 1;
	if (!t) {
		c->run += n;
		return;
	}
	p = (unsigned)__builtin_ctzll(t);
	c->run += p;
	if (c->run <= RLE_CHUNK_MIN)
		*c->out++ = (uint8_t)c->run;
	else
		c->out += put_run(c->out, c->run);
	t &= t - 1;
	while (t) {
		q = (unsigned)__builtin_ctzll(t);
		*c->out++ = (uint8_t)(q - p);
		p = q;
		t &= t - 1;
	}
	c->run = n - p;
}

int rle_encode_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	struct coder c = { NULL, 0, 0 };
	size_t count, k, words, len;
	unsigned pad;
	uint8_t *buf, *small;
	int y;

	if (!bm || !bm->bits || !bitmap_size_ok(bm->width, bm->height) || bm->stride != bitmap_stride(bm->width))
		return error_set(err, "invalid bitmap");
	count = (size_t)bm->width * (size_t)bm->height;
	/* A run of L >= 1 pixels takes at most L bytes; only the first run can be empty. */
	buf = malloc(count + 1);
	if (!buf)
		return error_set(err, "out of memory for %zu bytes of run-length code", count + 1);
	c.out = buf;
	words = row_words(bm->stride);
	pad = (unsigned)(8 * bm->stride - (size_t)bm->width);
	for (y = bm->height - 1; y >= 0; y--) {
		const uint8_t *row = bitmap_row(bm, y);
		size_t left = (size_t)bm->width;

		for (k = 0; k < words; k++, left -= 64)
			code_word(&c, row_word(row, bm->stride, pad, k), left < 64 ? (unsigned)left : 64);
	}
	c.out += put_run(c.out, c.run);
	len = (size_t)(c.out - buf);
	/* Give back the room the worst case did not need. */
	small = realloc(buf, len);
	*out = small ? small : buf;
	*out_len = len;
	return 0;
}

/* The bitmap being decoded, filled one row at a time from its bottom right. */
struct painter {
	struct bitmap *bm; /* the image */
	uint64_t *words;   /* the row being filled, in stream order */
	size_t nwords;     /* words of a row */
	unsigned pad;      /* padding bits at a row's end */
	int y;             /* the row being filled */
	size_t x;          /* pixels of it filled, from its right end */
};

/* Stores the row filled so far and starts on the one above. */
static void painter_next_row(struct painter *p)
{
	put_row_words(bitmap_row(p->bm, p->y), p->bm->stride, p->pad, p->words);
	memset(p->words, 0, p->nwords * sizeof(*p->words));
	p->y--;
	p->x = 0;
}

/* Adds run pixels of colour (0 white, 1 black) to the picture, across rows as needed. */
static void paint_run(struct painter *p, uint8_t colour, size_t run)
{
	size_t width = (size_t)p->bm->width;

	while (run > 0) {
		size_t take = width - p->x < run ? width - p->x : run;

		if (colour) {
			size_t at = p->x, left = take;

			while (left > 0) {
				unsigned from = (unsigned)(at & 63);
				size_t k = 64 - from < left ? 64 - from : left;

				p->words[at >> 6] |= (k == 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1) << from;
				at += k;
				left -= k;
			}
		}
		p->x += take;
		run -= take;
		if (p->x == width)
			painter_next_row(p);
	}
}

/* The pixels one byte of code stands for. */
static inline size_t byte_pixels(uint8_t b)
{
	return b < RLE_CHUNK_MIN ? b : chunks[255 - b].pixels;
}

/*
 * Reads the code once, checking it: counts its pixels into *count. Returns 0,
 * or -1 with a reason for malformed code or more than max_pixels pixels.
 */
static int walk(const uint8_t *rle, size_t len, size_t max_pixels, size_t *count, struct sirius_error *err)
{
	size_t pos = 0, total = 0;
	uint8_t colour = 0;

	while (pos < len) {
		size_t start = pos, run = 0;

		for (;;) {
			uint8_t b = rle[pos++];

			run += byte_pixels(b);
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
		total += run;
		colour ^= 1;
	}
	*count = total;
	return 0;
}

int rle_pixel_count(const uint8_t *rle, size_t len, size_t max_pixels, size_t *count,
		    struct sirius_error *err)
{
	return walk(rle, len, max_pixels, count, err);
}

/*
 * Paints code that walk() accepted, the picture holding exactly its pixels.
 * The position is kept in locals so that the compiler need not reload it
 * after every store to the row; runs inside one word take a single OR.
 */
static void paint_code(const uint8_t *rle, size_t len, struct painter *p)
{
	uint64_t *words = p->words;
	size_t width = (size_t)p->bm->width, x = 0, pos = 0;
	uint8_t colour = 0;

	while (pos < len) {
		size_t run = 0;

		for (;;) {
			uint8_t b = rle[pos++];

			run += byte_pixels(b);
			if (b < RLE_CHUNK_MIN || pos >= len || rle[pos] != 0)
				break;
			pos++;
		}
		if (run < 64 - (x & 63) && run < width - x) {
			if (colour)
				words[x >> 6] |= (((uint64_t)1 << run) - 1) << (x & 63);
			x += run;
		} else {
			p->x = x;
			paint_run(p, colour, run);
			x = p->x;
		}
		colour ^= 1;
	}
	p->x = x;
}

/*
 * Decodes code already counted to n pixels (walk() accepted it) into a bitmap
 * width wide, the top row completed with white at its start. Returns the
 * bitmap with *padding set (when not NULL), or NULL with a reason.
 */
static struct bitmap *decode_counted(const uint8_t *rle, size_t len, int width, size_t n, size_t *padding,
				     struct sirius_error *err)
{
	struct painter p;
	size_t rows;

	if (n == 0) {
		error_set(err, "run-length code holds no pixels");
		return NULL;
	}
	rows = (n + (size_t)width - 1) / (size_t)width;
	if (rows > BITMAP_MAX_SIDE || !bitmap_size_ok(width, (long)rows)) {
		error_set(err, "%zu pixels in rows of %d make a bitmap out of bounds", n, width);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.bm = bitmap_new(width, (int)rows);
	p.nwords = row_words(bitmap_stride(width));
	p.words = calloc(p.nwords, sizeof(*p.words));
	if (!p.bm || !p.words) {
		bitmap_free(p.bm);
		free(p.words);
		error_set(err, "out of memory for a %d x %zu bitmap", width, rows);
		return NULL;
	}
	p.pad = (unsigned)(8 * p.bm->stride - (size_t)width);
	p.y = (int)rows - 1;
	paint_code(rle, len, &p);
	/* A top row the code did not fill keeps white at its start. */
	if (p.x > 0)
		painter_next_row(&p);
	free(p.words);
	if (padding)
		*padding = rows * (size_t)width - n;
	return p.bm;
}

/* Checks width and counts the pixels of rle into *n (at most max_pixels). Returns 0, or -1 with err set. */
static int count_for_width(const uint8_t *rle, size_t len, int width, size_t max_pixels, size_t *n,
			   struct sirius_error *err)
{
	if (width < 1 || width > BITMAP_MAX_SIDE) {
		error_set(err, "invalid bitmap width %d", width);
		return -1;
	}
	return walk(rle, len, max_pixels, n, err) < 0 ? -1 : 0;
}

struct bitmap *rle_decode_bitmap_padded(const uint8_t *rle, size_t len, int width, size_t max_pixels,
					size_t *padding, struct sirius_error *err)
{
	size_t n;

	if (count_for_width(rle, len, width, max_pixels, &n, err) < 0)
		return NULL;
	return decode_counted(rle, len, width, n, padding, err);
}

struct bitmap *rle_decode_bitmap(const uint8_t *rle, size_t len, int width, size_t max_pixels,
				 struct sirius_error *err)
{
	size_t n;

	if (count_for_width(rle, len, width, max_pixels, &n, err) < 0)
		return NULL;
	if (n > 0 && n % (size_t)width != 0) {
		error_set(err, "%zu pixels do not make rows of %d", n, width);
		return NULL;
	}
	return decode_counted(rle, len, width, n, NULL, err);
}
